/**
 * `caddie doctor`'s checks, in the order a fork is set up: git, config, the target script, what proposes,
 * data and tokenizer, Python and GPUs, disk; then, when asked, the Models API (network) and the App's
 * settings. A check that needs what an earlier one could not provide is left out rather than guessed.
 */
import path from "node:path";
import type { AgentChoice } from "../../agent/choose-proposer.ts";
import { courseVariables } from "../caddie-paths.ts";
import type { Check } from "./check.ts";
import { checkApp } from "./check-app.ts";
import { checkConfig, checkProposer, checkVariables } from "./check-config.ts";
import { checkData } from "./check-data.ts";
import { checkDisk } from "./check-disk.ts";
import { checkModel } from "./check-model.ts";
import { checkPython } from "./check-python.ts";
import { checkSlots } from "./check-slots.ts";
import { withSlotFlags } from "../local-slots.ts";
import { checkGit, checkScriptShape, checkTarget } from "./check-repository.ts";

export interface DoctorOptions {
  repo: string;
  configFile?: string;
  env: Record<string, string | undefined>;
  /** How many runs the disk should hold. */
  runs: number;
  /** Ask the Anthropic Models API about the model (the only check that uses the network). */
  network: boolean;
  /** Check the GitHub App's settings in the environment. */
  app: boolean;
  agent?: AgentChoice;
  /** `caddie run --gpus/--slots`, over the config's. */
  slotFlags?: { gpus?: string[]; slots?: number };
}

export async function runDoctor(options: DoctorOptions): Promise<Check[]> {
  const checks: Check[] = [];
  const repo = path.resolve(options.repo);
  const git = await checkGit(repo);
  checks.push(git.check);
  const root = git.root;
  const { check: configCheck, config: loaded } = await checkConfig(root ?? repo, options.configFile);
  const config = loaded && {
    ...loaded,
    tiers: { ...loaded.tiers, proxy: withSlotFlags(loaded.tiers.proxy, options.slotFlags ?? {}) },
  };
  checks.push(configCheck);
  if (!config) return options.app ? [...checks, ...checkApp(options.env)] : checks;
  const vars = { ...options.env, ...courseVariables(options.env) };
  checks.push(checkVariables(config, vars));
  let script: string | null = null;
  if (root) {
    const target = await checkTarget(root, config);
    checks.push(target.check);
    script = target.script;
  }
  if (script !== null) checks.push(...checkScriptShape(script, config));
  checks.push(...checkProposer(config, options.env, script, options.agent));
  if (root && script !== null) {
    checks.push(...(await checkData(root, script, config, vars)));
    checks.push(...(await checkPython(root, script, config, vars)));
  }
  checks.push(...(await checkSlots(config, vars)));
  if (root) checks.push(await checkDisk(root, config, options.runs));
  if (options.network && options.env.ANTHROPIC_API_KEY && options.agent !== "sweep")
    checks.push(await checkModel(config, options.env));
  if (options.app) checks.push(...checkApp(options.env));
  return checks;
}
