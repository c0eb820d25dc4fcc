/**
 * `caddie job settings|train`: the experiment workflow's steps, so the workflow calls caddie instead of
 * re-implementing it (.github/workflows/experiment.yml).
 *
 * - `settings --config FILE`: the proxy tier as the workflow needs it, read by caddie's own config schema
 *   (the file from the default branch): `key=value` lines for $GITHUB_OUTPUT.
 * - `train --config FILE --checkout DIR --out DIR`: trains the checked-out commit on the runner the way the
 *   local loop does: the tier's command (argv, no shell) through caddie's sandbox wrapper with the
 *   allow-listed environment (src/core/training-env.ts; no token of the runner's, no secret), no network
 *   unless the config says so, the runner's own files hidden; a new process group killed whole on the
 *   tier's timeout (torchrun's workers too); every line the run prints wrapped in `::stop-commands::` so it
 *   cannot issue workflow commands; `--hide PATH` covers more of the runner (the held-out shard caddie scores
 *   on). Writes DIR/train.log and DIR/run.json (exit code, timed out, seconds,
 *   model bytes) for the measuring action and the App, which treat both as untrusted.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { trainingEnv } from "../../core/training-env.ts";
import { UserError } from "../../core/user-error.ts";
import { resolvePython } from "../caddie-paths.ts";
import { loadConfig } from "../load-config.ts";
import { sandboxedCommand } from "../sandbox-command.ts";
import { runSeed } from "../../core/run-seed.ts";
import type { Command, CommandIO } from "./command.ts";

const KILL_GRACE_MS = 10_000;

/** What of the runner a training run must not see: its own folder (credentials, config), HOME, caddie. */
export function runnerHidden(env: Record<string, string | undefined>, caddieDir: string): string[] {
  const hidden = new Set<string>([caddieDir]);
  if (env.HOME) hidden.add(env.HOME);
  // RUNNER_WORKSPACE is <runner>/_work/<repo>: the runner's install folder is two levels up.
  if (env.RUNNER_WORKSPACE) hidden.add(path.resolve(env.RUNNER_WORKSPACE, "..", ".."));
  if (env.RUNNER_TEMP) hidden.add(env.RUNNER_TEMP);
  return [...hidden];
}

async function settings(configFile: string, io: CommandIO): Promise<number> {
  const { config } = await loadConfig(io.cwd, path.resolve(io.cwd, configFile));
  const proxy = config.tiers.proxy;
  const out: Record<string, string> = {
    "runs-on": JSON.stringify(proxy.runsOn),
    // The job's own limit: the run's timeout plus set-up and measuring.
    "job-timeout": String(Math.ceil(proxy.timeoutMinutes) + 20),
    target: config.target,
    model: config.model,
    limit: String(config.limitBytes),
    "metric-pattern": config.metricPattern ?? "",
    // caddie's own re-score (the action's score-* inputs); the tokenizer is a path in the experiment checkout.
    score: JSON.stringify({
      tokenizer: config.scoring.tokenizer.replace(/^sentencepiece:/, "sentencepiece:experiment/"),
      "max-tokens": String(config.scoring.maxTokens),
      tolerance: String(config.scoring.tolerance),
      timeout: String(config.scoring.timeoutSeconds),
      device: config.scoring.device,
      env: Object.entries(proxy.env)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n"),
    }),
  };
  for (const [key, value] of Object.entries(out)) {
    if (/[\r\n]/.test(value)) throw new UserError(`config: ${key} must be one line`);
    io.stdout(`${key}=${value}\n`);
  }
  return 0;
}

async function train(
  values: { config: string; checkout: string; out: string; timeoutSeconds?: string; hide?: string[] },
  io: CommandIO,
): Promise<number> {
  const { config } = await loadConfig(io.cwd, path.resolve(io.cwd, values.config));
  const proxy = config.tiers.proxy;
  const checkout = path.resolve(io.cwd, values.checkout);
  const out = path.resolve(io.cwd, values.out);
  const tmp = path.join(out, "tmp");
  await mkdir(tmp, { recursive: true });
  const { env, expand } = trainingEnv({
    callerEnv: io.env,
    variables: { PYTHON: resolvePython(io.env) },
    tierEnv: proxy.env,
    fixed: {
      PYTHONUNBUFFERED: "1",
      HOME: tmp,
      TMPDIR: tmp,
      // caddie's seed: 1336 + the run's attempt, so each re-run of a commit (the App repeats the baseline
      // this way for its noise estimate) trains on a new seed, and the App knows which (runSeed).
      SEED: String(runSeed(Number(io.env.GITHUB_RUN_ATTEMPT ?? "1") || 1)),
    },
  });
  const plan = sandboxedCommand(
    {
      mode: proxy.sandbox,
      python: resolvePython(io.env),
      ro: [],
      rw: [checkout, tmp],
      hide: [
        ...runnerHidden(io.env, path.resolve(io.env.CADDIE_ROOT ?? path.join(checkout, "..", ".caddie"))),
        // The held-out shard caddie scores on: the run must not read it (empty names are no path).
        ...(values.hide ?? []).filter((p) => p !== "").map((p) => path.resolve(io.cwd, p)),
      ],
      network: proxy.network,
      env,
      cwd: checkout,
      report: path.join(out, "sandbox.json"),
    },
    proxy.command.map(expand),
  );
  const log = createWriteStream(path.join(out, "train.log"));
  // Output of the run is data, never workflow commands: pause them with a token the run cannot know.
  const token = randomBytes(16).toString("hex");
  io.stdout(`::stop-commands::${token}\n`);
  const started = Date.now();
  const child = spawn(plan.command, plan.args, {
    cwd: checkout,
    env: plan.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const relay = (chunk: Buffer) => {
    log.write(chunk);
    io.stdout(chunk.toString("utf8"));
  };
  child.stdout.on("data", relay);
  child.stderr.on("data", relay);
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  // --timeout-seconds may only shorten the tier's limit.
  const limitMs = Math.min(proxy.timeoutMinutes * 60_000, Number(values.timeoutSeconds ?? Infinity) * 1000);
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup("SIGTERM");
    setTimeout(() => killGroup("SIGKILL"), Math.min(KILL_GRACE_MS, limitMs)).unref();
  }, limitMs);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.on("error", (error) => {
      log.write(`caddie: could not start the training command: ${error.message}\n`);
      resolve(127);
    });
    child.on("close", (code) => resolve(code));
  });
  clearTimeout(timer);
  // Whatever the leader left behind in its group goes too.
  killGroup("SIGKILL");
  io.stdout(`\n::${token}::\n`);
  if (timedOut) log.write(`caddie: killed after ${limitMs / 1000} s (tiers.proxy.timeout_minutes)\n`);
  await new Promise<void>((resolve) => log.end(resolve));
  const model = await stat(path.join(checkout, config.model)).catch(() => null);
  const run = {
    exit_code: timedOut ? 124 : exitCode,
    timed_out: timedOut,
    seconds: Math.round((Date.now() - started) / 1000),
    model_bytes: model?.isFile() ? model.size : null,
  };
  await writeFile(path.join(out, "run.json"), `${JSON.stringify(run)}\n`);
  if (io.env.GITHUB_OUTPUT)
    await writeFile(io.env.GITHUB_OUTPUT, `exit_code=${run.exit_code ?? ""}\n`, { flag: "a" });
  io.stdout(
    `caddie: training ended (exit ${run.exit_code}${timedOut ? ", timed out" : ""}) in ${run.seconds} s\n`,
  );
  return 0;
}

export const jobCommand: Command = {
  name: "job",
  summary: "the experiment workflow's steps: the tier's settings, and training in caddie's sandbox",
  usage:
    "caddie job settings --config FILE | caddie job train --config FILE --checkout DIR --out DIR [--timeout-seconds N] [--hide PATH]...",
  async run(args, io) {
    const [step, ...rest] = args;
    let values: {
      config?: string;
      checkout?: string;
      out?: string;
      "timeout-seconds"?: string;
      hide?: string[];
    };
    try {
      ({ values } = parseArgs({
        args: rest,
        options: {
          config: { type: "string" },
          checkout: { type: "string" },
          out: { type: "string" },
          "timeout-seconds": { type: "string" },
          hide: { type: "string", multiple: true },
        },
        allowPositionals: false,
      }));
    } catch (error) {
      io.stderr(
        `caddie job: ${error instanceof Error ? error.message : String(error)}\nusage: ${jobCommand.usage}\n`,
      );
      return 2;
    }
    try {
      if (step === "settings" && values.config) return await settings(values.config, io);
      if (step === "train" && values.config && values.checkout && values.out)
        return await train(
          {
            config: values.config,
            checkout: values.checkout,
            out: values.out,
            ...(values["timeout-seconds"] ? { timeoutSeconds: values["timeout-seconds"] } : {}),
            ...(values.hide ? { hide: values.hide } : {}),
          },
          io,
        );
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      io.stderr(`caddie job: ${error.message}\n`);
      return 1;
    }
    io.stderr(`usage: ${jobCommand.usage}\n`);
    return 2;
  },
};
