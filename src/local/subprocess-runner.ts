/**
 * Trains one commit in a child process on this machine. The commit's tree is exported into its own run
 * folder (the user's work tree is never used), the command runs there as the leader of a new process
 * group, and a timeout kills the whole group (torchrun and its workers too). Output goes to run.log and,
 * line by line, to the caller. It returns a record and never throws for what the training did.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, symlink } from "node:fs/promises";
import { constants } from "node:os";
import path from "node:path";
import type { Runner, RunOutcome, RunRequest } from "../engine/ports.ts";
import { expandVariables } from "./caddie-paths.ts";

export interface SubprocessRunnerOptions {
  /** Folder that receives one sub-folder per run. */
  runsDir: string;
  /** Writes a commit's files into a folder. */
  exportTree: (commit: string, dir: string) => Promise<void>;
  /** argv; `${NAME}` in it and in env values is replaced from env (e.g. `${PYTHON}`). */
  command: string[];
  env: Record<string, string>;
  /** Values for `${NAME}` besides the process environment (PYTHON, CADDIE_DATA...). */
  variables?: Record<string, string>;
  timeoutMs: number;
  /** Code files counted in the artifact, relative to the run folder. */
  codeFiles: string[];
  modelFile: string;
  /** Grace period between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /**
   * Untracked inputs the script expects beside it, linked into each run folder from the repository
   * when present there and absent from the commit: parameter-golf keeps its FineWeb shards and tokenizer
   * in a gitignored `data/` folder that train_gpt.py reads by relative path.
   */
  links?: { from: string; names: string[] };
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

export class SubprocessRunner implements Runner {
  constructor(private readonly options: SubprocessRunnerOptions) {}

  async run(request: RunRequest): Promise<RunOutcome> {
    const dir = path.join(
      this.options.runsDir,
      request.seed === null ? request.id : `${request.id}-s${request.seed}`,
    );
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await this.options.exportTree(request.commit, dir);
    await this.linkInputs(dir);
    const logPath = path.join(dir, "run.log");
    const base: Record<string, string | undefined> = { ...process.env, ...this.options.variables };
    const env: Record<string, string | undefined> = {
      ...base,
      ...Object.fromEntries(Object.entries(this.options.env).map(([k, v]) => [k, expandVariables(v, base)])),
      PYTHONUNBUFFERED: "1",
      RUN_ID: request.id,
      ...(request.seed === null ? {} : { SEED: String(request.seed) }),
    };
    const argv = this.options.command.map((a) => expandVariables(a, env));
    const started = performance.now();
    const result = await this.spawnAndWait(argv, dir, env, logPath, request);
    const seconds = (performance.now() - started) / 1000;

    let codeBytes = 0;
    for (const file of this.options.codeFiles) codeBytes += (await sizeOf(path.join(dir, file))) ?? 0;
    const modelBytes = await sizeOf(path.join(dir, this.options.modelFile));
    const logText = await readFile(logPath, "utf8").catch(() => "");
    return {
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      seconds,
      logText: result.spawnError ? `${logText}\nError: ${result.spawnError}\n` : logText,
      logPath,
      codeBytes,
      modelBytes: modelBytes === 0 ? null : modelBytes,
    };
  }

  private async linkInputs(dir: string): Promise<void> {
    const links = this.options.links;
    if (!links) return;
    for (const name of links.names) {
      const source = path.join(links.from, name);
      const target = path.join(dir, name);
      if (existsSync(source) && !existsSync(target)) await symlink(source, target);
    }
  }

  private spawnAndWait(
    argv: string[],
    cwd: string,
    env: Record<string, string | undefined>,
    logPath: string,
    request: RunRequest,
  ): Promise<{ exitCode: number | null; timedOut: boolean; spawnError: string | null }> {
    return new Promise((resolve) => {
      const [command, ...args] = argv;
      const log = createWriteStream(logPath);
      let timedOut = false;
      let settled = false;
      const child = spawn(command ?? "", args, {
        cwd,
        env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });

      const killGroup = (sig: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, sig);
        } catch {
          // already gone
        }
      };
      const stop = () => {
        killGroup("SIGTERM");
        setTimeout(() => killGroup("SIGKILL"), this.options.killGraceMs ?? 5000).unref();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, this.options.timeoutMs);
      const onAbort = () => stop();
      request.signal?.addEventListener("abort", onAbort, { once: true });

      let pending = "";
      const onData = (chunk: Buffer) => {
        log.write(chunk);
        pending += chunk.toString("utf8");
        const lines = pending.split(/\r?\n|\r/);
        pending = lines.pop() ?? "";
        for (const line of lines) request.onLine?.(line);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);

      const finish = (exitCode: number | null, spawnError: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", onAbort);
        if (pending) request.onLine?.(pending);
        // Kill any stragglers the script left in its group, then close the log.
        killGroup("SIGKILL");
        log.end(() => resolve({ exitCode, timedOut, spawnError }));
      };
      child.on("error", (error) => finish(null, `could not start ${command}: ${error.message}`));
      child.on("close", (code, sig) =>
        finish(code ?? (sig ? 128 + (constants.signals[sig] ?? 9) : null), null),
      );
    });
  }
}
