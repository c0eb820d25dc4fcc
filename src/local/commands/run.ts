import { parseArgs } from "node:util";
import path from "node:path";
import { parseGpuList } from "../../core/slots.ts";
import { UserError } from "../../core/user-error.ts";
import { withSlotFlags } from "../local-slots.ts";
import { preflight } from "../doctor/preflight.ts";
import { loadConfig } from "../load-config.ts";
import type { AgentChoice } from "../../agent/choose-proposer.ts";
import { runLocalSession } from "../local-session.ts";
import type { Command } from "./command.ts";
import { positiveNumber, printSessionEnd, sessionExitCode } from "./session-output.ts";

export const runCommand: Command = {
  name: "run",
  summary: "run the research loop on a local git repository",
  usage: `caddie run --repo PATH --tag TAG [--max-experiments N] [--max-hours H] [--agent auto|sweep|claude]
           [--config FILE] [--timeout-minutes M] [--seed N] [--gpus 0,1,...] [--slots N]

  Experiments become branches caddie/TAG/exp-NNN; kept ones advance autoresearch/TAG; discarded ones stay
  under refs/caddie/discarded/TAG/. State (results.tsv, notes.md, scorecard) goes to PATH/.caddie/TAG/.
  --agent auto (default) uses Claude when ANTHROPIC_API_KEY is set, otherwise the sweep over search_space.
  Before anything is created, the checks of 'caddie doctor' run (the Models API only when Claude proposes);
  a failed one stops the run with its fix. Ctrl-C stops after cleaning up; run the same command again to resume.
  --gpus 0,1,2,3 trains one experiment per GPU at once (tiers.proxy.gpus_per_slot GPUs each: a 2-GPU
  torchrun proxy takes 2); --slots N runs N at once (on the first N GPUs, or side by side on the CPU).
  Default: one at a time (tiers.proxy.gpus / slots in the config).`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        repo: { type: "string" },
        tag: { type: "string" },
        "max-experiments": { type: "string", default: "10" },
        "max-hours": { type: "string" },
        agent: { type: "string", default: "auto" },
        config: { type: "string" },
        "timeout-minutes": { type: "string" },
        seed: { type: "string", default: "1337" },
        gpus: { type: "string" },
        slots: { type: "string" },
      },
      strict: true,
    });
    if (!values.repo)
      throw new UserError("--repo PATH is required (the git repository holding train_gpt.py)");
    if (!values.tag) throw new UserError("--tag TAG is required (e.g. --tag nov22)");
    const agent = values.agent as AgentChoice;
    if (!["auto", "sweep", "claude"].includes(agent))
      throw new UserError("--agent must be auto, sweep or claude");
    const repo = path.resolve(io.cwd, values.repo);
    const maxExperiments = positiveNumber(values["max-experiments"], "--max-experiments", {
      integer: true,
      allowZero: true,
    });
    const loaded = (await loadConfig(repo, values.config)).config;
    const slotFlags = {
      ...(values.gpus !== undefined ? { gpus: parseGpuList(values.gpus) } : {}),
      ...(values.slots !== undefined
        ? { slots: positiveNumber(values.slots, "--slots", { integer: true }) }
        : {}),
    };
    const config = {
      ...loaded,
      tiers: { ...loaded.tiers, proxy: withSlotFlags(loaded.tiers.proxy, slotFlags) },
    };
    // Before any branch, folder or file is made: stop with every problem and its fix.
    await preflight(
      {
        repo,
        configFile: values.config,
        env: io.env,
        runs: maxExperiments + config.thresholds.baselineRuns,
        agent,
        slotFlags,
      },
      io.stderr,
    );
    const result = await runLocalSession({
      repo,
      tag: values.tag,
      config,
      agent,
      maxExperiments,
      maxHours: values["max-hours"] === undefined ? null : positiveNumber(values["max-hours"], "--max-hours"),
      timeoutMinutes:
        values["timeout-minutes"] === undefined
          ? undefined
          : positiveNumber(values["timeout-minutes"], "--timeout-minutes"),
      seed: positiveNumber(values.seed, "--seed", { integer: true, allowZero: true }),
      io,
      title: `caddie run ${values.tag}`,
    });
    await printSessionEnd(result, io);
    return sessionExitCode(result.summary.stopReason);
  },
};
