/**
 * Trains one commit in a child process on this machine. The commit's tree is exported into its own run
 * folder (the user's work tree is never used) with the course's data merged in read-only; the command
 * starts through caddie's sandbox with an allow-listed environment, as the leader of a new process
 * group; a timeout, Ctrl-C, SIGTERM or SIGHUP ends the whole group (torchrun and its workers too).
 * Output goes to run.log and, line by line, to the caller; each line's arrival time tells where the wall
 * time went. After the run caddie checks what the run could have touched (its data, caddie's state, its
 * budget) and flags it, drops raw checkpoints, and writes run.json. It never throws for what the
 * training did.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readdir, readFile, realpath, rm, rmdir, stat, statfs } from "node:fs/promises";
import { constants, homedir } from "node:os";
import path from "node:path";
import { planDisk } from "../core/disk-plan.ts";
import { overBudget, type BudgetLimits } from "../core/over-budget.ts";
import type { Flag } from "../core/flags.ts";
import { trackRunTiming, type RunTiming } from "../core/run-timing.ts";
import { scaleBudget } from "../core/tier-budget.ts";
import { trainingEnv } from "../core/training-env.ts";
import { UserError } from "../core/user-error.ts";
import type { Runner, RunOutcome, RunRequest } from "../engine/ports.ts";
import { atomicWrite } from "../io/files.ts";
import { resolvePython } from "./caddie-paths.ts";
import { prepareCourseData, type CourseData } from "./course-data.ts";
import { compareFingerprints, fingerprintFiles, type Fingerprints } from "./data-fingerprint.ts";
import { basenameMatcher, buildDataView, listDataFiles, type DataSource } from "./data-view.ts";
import { folderBytes, pruneRunFolder } from "./run-folder.ts";
import { sandboxedCommand, type SandboxSpec } from "./sandbox-command.ts";

export interface SubprocessRunnerOptions {
  /** Folder that receives one sub-folder per run. */
  runsDir: string;
  /** Writes a commit's files into a folder. */
  exportTree: (commit: string, dir: string) => Promise<void>;
  /** argv; `${NAME}` in it and in env values is replaced (e.g. `${PYTHON}`). */
  command: string[];
  /** The tier's env from the config. */
  env: Record<string, string>;
  /** caddie's course variables (PYTHON, CADDIE_DATA...), for `${NAME}`. */
  variables?: Record<string, string>;
  /** caddie's own environment: only its allow-listed part reaches the run (default: process.env). */
  callerEnv?: Record<string, string | undefined>;
  timeoutMs: number;
  /** Code files counted in the artifact, relative to the run folder. */
  codeFiles: string[];
  modelFile: string;
  /** Grace period between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /**
   * The data runs read: each source's files appear (linked, read-only) at `to` in the run folder, merged
   * with what the commit holds there; a source with `variable` also sets `${variable}` to its view.
   * Validation shards (`valPattern`) are replaced by the run's own slice, split once into `courseDir`.
   */
  data?: {
    sources: (DataSource & { variable?: string })[];
    valPattern: string;
    courseDir: string;
    /** Share of the validation documents held out for caddie's re-score. */
    heldoutFraction?: number;
  };
  /** Default: `auto` (the wrapper), no network, nothing extra hidden, no shared cache. */
  sandbox?: {
    mode: "auto" | "none";
    network: boolean;
    /** Hidden from the run besides the data sources (the repository, caddie's state). */
    hide: string[];
    /** A writable per-course folder for compile caches and HOME, kept between runs. */
    cacheDir?: string;
  };
  budget?: BudgetLimits;
  /** caddie's state files: compared with caddie's own copy after every run, restored, and flagged. */
  guard?: { verifyAndRestore(): Promise<string[]> };
  /** File-name patterns dropped from the run folder after the run (raw checkpoints). */
  drop?: string[];
}

/** What caddie writes into each run folder after the run (run.json). */
export interface RunRecord {
  id: string;
  commit: string;
  seed: number | null;
  /** The slot's GPUs (CUDA_VISIBLE_DEVICES); null: the environment's own. */
  devices: string[] | null;
  exitCode: number | null;
  timedOut: boolean;
  sandbox: { mode: string; network: string };
  timing: RunTiming;
  flags: Flag[];
  /** Seconds of caddie's own work before the spawn and after the exit. */
  caddieSeconds: { prepare: number; finish: number };
  /** When the process started and when caddie was done with the run (epoch ms): gaps between runs are caddie's. */
  startedAt: number;
  finishedAt: number;
  /** The run folder's size before and after dropping raw checkpoints. */
  bytes: { peak: number; kept: number };
}

// Credential stores in a home folder, hidden from runs even where the home folder itself is visible.
const CREDENTIAL_FILES = [
  ".ssh",
  ".aws",
  ".netrc",
  ".git-credentials",
  ".modal.toml",
  ".config/gh",
  ".docker",
];

async function sizeOf(file: string): Promise<number | null> {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

interface Spawned {
  exitCode: number | null;
  timedOut: boolean;
  spawnError: string | null;
  timing: RunTiming;
}

export class SubprocessRunner implements Runner {
  private courseData: Promise<CourseData> | null = null;
  private known: Fingerprints | undefined;
  private largest = { peak: null as number | null, kept: null as number | null };

  constructor(private readonly options: SubprocessRunnerOptions) {}

  /** The course's split validation data (the held-out shards the re-score reads), prepared once. */
  prepareCourseData(): Promise<CourseData> {
    const data = this.options.data;
    if (!data) return Promise.resolve({ slices: new Map(), heldOut: [], files: [] });
    this.courseData ??= (async () => {
      const isVal = basenameMatcher(data.valPattern);
      const valShards: string[] = [];
      for (const source of data.sources)
        for (const rel of await listDataFiles(source.from))
          if (isVal(rel)) valShards.push(path.join(source.from, rel));
      return prepareCourseData({
        dir: data.courseDir,
        valShards,
        valPattern: data.valPattern,
        python: this.python(),
        heldoutFraction: data.heldoutFraction,
      });
    })();
    this.courseData.catch(() => (this.courseData = null));
    return this.courseData;
  }

  /** Stops before a run that would not fit on the disk; returns a warning when the session's runs may not. */
  async checkDisk(runsLeft: number): Promise<string | null> {
    await mkdir(this.options.runsDir, { recursive: true });
    if (this.largest.peak === null) await this.learnFootprint();
    const s = await statfs(this.options.runsDir);
    const plan = planDisk({
      freeBytes: s.bavail * s.bsize,
      peakRunBytes: this.largest.peak,
      keptRunBytes: this.largest.kept,
      runsLeft,
    });
    if (plan.stop) throw new UserError(plan.stop);
    return plan.warn;
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    const prepareStart = performance.now();
    await this.checkDisk(1);
    // A confirmation run trains a multiple of the tier's budget (steps, wall-clock cap and timeout).
    const factor = request.budgetFactor ?? 1;
    const dir = path.join(
      this.options.runsDir,
      `${request.id}${request.seed === null ? "" : `-s${request.seed}`}${factor === 1 ? "" : `-x${factor}`}`,
    );
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await this.options.exportTree(request.commit, dir);
    const view = await this.buildView(dir);
    const before = await fingerprintFiles(view.watched, this.known);
    const tmp = path.join(dir, ".tmp");
    await mkdir(tmp, { recursive: true });
    const cache = this.options.sandbox?.cacheDir;
    if (cache) await mkdir(path.join(cache, "home"), { recursive: true });
    const { env: tierEnv, expand } = trainingEnv({
      callerEnv: this.options.callerEnv ?? process.env,
      variables: { ...this.options.variables, ...view.variables },
      tierEnv: this.options.env,
      fixed: {
        PYTHONUNBUFFERED: "1",
        HOME: cache ? path.join(cache, "home") : tmp,
        TMPDIR: tmp,
        // Shared by every run of the course (warm starts), or the run's own, deleted after it (cold).
        TORCHINDUCTOR_CACHE_DIR: path.join(cache ?? tmp, "torchinductor"),
        TRITON_CACHE_DIR: path.join(cache ?? tmp, "triton"),
        // The slot's GPUs only: a run never sees (or trains on) another slot's.
        ...(request.devices ? { CUDA_VISIBLE_DEVICES: request.devices.join(",") } : {}),
        RUN_ID: request.id,
        ...(request.seed === null ? {} : { SEED: String(request.seed) }),
      },
    });
    const env = factor === 1 ? tierEnv : scaleBudget(tierEnv, factor);
    const argv = this.options.command.map(expand);
    const report = path.join(path.dirname(dir), `.${path.basename(dir)}.sandbox.json`);
    await rm(report, { force: true });
    const spec = this.sandboxSpec(dir, view, env, report);
    const prepare = (performance.now() - prepareStart) / 1000;

    const logPath = path.join(dir, "run.log");
    const startedAt = Date.now();
    const result = await this.spawnAndWait(
      sandboxedCommand(spec, argv),
      dir,
      logPath,
      request,
      this.options.timeoutMs * factor,
    );
    const finishStart = performance.now();

    // Code bytes are not counted here at all: they come from the commit (the engine reads the forge).
    const modelPath = path.join(dir, this.options.modelFile);
    const modelBytes = await sizeOf(modelPath);
    const flags = await this.checkRun(result.timing, view, before, factor);
    const sandbox = await this.readReport(spec, report);
    const peak = await folderBytes(dir);
    await rm(tmp, { recursive: true, force: true });
    await rmdir(path.join(dir, ".home")).catch(() => undefined); // the wrapper's, unused when HOME is the cache
    const keep = new Set(["run.log", "run.json", this.options.modelFile, ...this.options.codeFiles]);
    await pruneRunFolder(dir, this.options.drop ?? [], keep);
    const kept = await folderBytes(dir);
    this.largest = {
      peak: Math.max(this.largest.peak ?? 0, peak),
      kept: Math.max(this.largest.kept ?? 0, kept),
    };
    const logText = await readFile(logPath, "utf8").catch(() => "");
    const record: RunRecord = {
      id: request.id,
      commit: request.commit,
      seed: request.seed,
      devices: request.devices ?? null,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      sandbox,
      timing: result.timing,
      flags,
      caddieSeconds: { prepare, finish: (performance.now() - finishStart) / 1000 },
      startedAt,
      finishedAt: Date.now(),
      bytes: { peak, kept },
    };
    await atomicWrite(path.join(dir, "run.json"), `${JSON.stringify(record, null, 2)}\n`);
    return {
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      seconds: result.timing.wallSeconds,
      logText: result.spawnError ? `${logText}\nError: ${result.spawnError}\n` : logText,
      logPath,
      modelBytes: modelBytes === 0 ? null : modelBytes,
      modelPath: modelBytes ? modelPath : null,
      timing: result.timing,
      flags,
      overheadSeconds: record.caddieSeconds.prepare + record.caddieSeconds.finish,
    };
  }

  /** The largest run folders of earlier sessions (their run.json), as the first estimate. */
  private async learnFootprint(): Promise<void> {
    for (const entry of await readdir(this.options.runsDir).catch(() => [])) {
      const text = await readFile(path.join(this.options.runsDir, entry, "run.json"), "utf8").catch(
        () => null,
      );
      if (text === null) continue;
      try {
        const bytes = (JSON.parse(text) as Partial<RunRecord>).bytes;
        if (typeof bytes?.peak !== "number" || typeof bytes.kept !== "number") continue;
        this.largest = {
          peak: Math.max(this.largest.peak ?? 0, bytes.peak),
          kept: Math.max(this.largest.kept ?? 0, bytes.kept),
        };
      } catch {
        // a run.json that is not ours to trust: the estimate simply goes without it
      }
    }
  }

  private python(): string {
    return this.options.variables?.PYTHON ?? resolvePython(this.options.callerEnv ?? process.env);
  }

  /** The run's data view, and every data file a run could change (sources and caddie's course data). */
  private async buildView(dir: string) {
    const data = this.options.data;
    const variables: Record<string, string> = {};
    if (!data) return { targets: [] as string[], watched: [] as string[], variables, hide: [] as string[] };
    const course = await this.prepareCourseData();
    const listed = [];
    for (const source of data.sources) {
      listed.push({ source, files: await listDataFiles(source.from) });
      if (source.variable) variables[source.variable] = path.join(dir, source.to);
    }
    const isVal = basenameMatcher(data.valPattern);
    const { targets } = await buildDataView(dir, listed, course.slices, isVal);
    const originals = listed.flatMap(({ source, files }) => files.map((f) => path.join(source.from, f)));
    // Hidden: every source folder, and the real folder of each original validation shard (a source may
    // link elsewhere), so only the run's slice of the validation data is within reach.
    const valFolders = await Promise.all(
      originals.filter((f) => isVal(f)).map(async (f) => path.dirname(await realpath(f).catch(() => f))),
    );
    return {
      targets,
      watched: [...originals, ...course.files],
      variables,
      hide: [...new Set([...data.sources.map((s) => s.from), ...valFolders, data.courseDir])],
    };
  }

  private sandboxSpec(
    dir: string,
    view: { targets: string[]; hide: string[] },
    env: Record<string, string>,
    report: string,
  ): SandboxSpec {
    const box = this.options.sandbox ?? { mode: "auto", network: false, hide: [] };
    const home = homedir();
    const credentials = CREDENTIAL_FILES.map((f) => path.join(home, f)).filter((f) => existsSync(f));
    return {
      mode: box.mode,
      python: this.python(),
      // The sandbox itself binds the program's own install folder (python/caddie_score/sandbox.py).
      hide: [...box.hide, ...view.hide, ...credentials],
      ro: [...new Set(view.targets)],
      rw: [dir, ...(box.cacheDir ? [box.cacheDir] : [])],
      network: box.network,
      env,
      cwd: dir,
      report,
    };
  }

  /** What the sandbox wrapper says it enforced; a direct spawn enforced nothing. */
  private async readReport(spec: SandboxSpec, report: string): Promise<RunRecord["sandbox"]> {
    if (spec.mode === "none") return { mode: "none", network: "open" };
    const text = await readFile(report, "utf8").catch(() => null);
    await rm(report, { force: true });
    try {
      const parsed = JSON.parse(text ?? "") as { sandbox?: unknown; network?: unknown };
      return { mode: String(parsed.sandbox ?? "unknown"), network: String(parsed.network ?? "unknown") };
    } catch {
      return { mode: "unknown", network: "unknown" };
    }
  }

  /** The run-time guards: budget, data, caddie's state. */
  private async checkRun(
    timing: RunTiming,
    view: { watched: string[] },
    before: Fingerprints,
    factor: number,
  ): Promise<Flag[]> {
    const flags: Flag[] = [];
    const limits = this.options.budget ?? { budgetSeconds: null, overheadSeconds: null };
    const budget = overBudget(timing, {
      ...limits,
      budgetSeconds: limits.budgetSeconds === null ? null : limits.budgetSeconds * factor,
    });
    if (budget) flags.push(budget);

    if (this.options.data) {
      // Listed again: a file the run added beside the data counts too.
      const now = new Set(view.watched);
      for (const source of this.options.data.sources)
        for (const rel of await listDataFiles(source.from)) now.add(path.join(source.from, rel));
      const after = await fingerprintFiles(now, before);
      const changes = compareFingerprints(before, after);
      const parts = [
        ...changes.changed.map((f) => `${f} changed`),
        ...changes.removed.map((f) => `${f} removed`),
        ...changes.added.map((f) => `${f} added`),
      ];
      if (parts.length > 0) {
        flags.push({
          code: "data_modified",
          message: `the run changed its input data: ${parts.slice(0, 3).join(", ")}${parts.length > 3 ? ` and ${parts.length - 3} more` : ""}`,
        });
        // A changed slice or held-out shard is split again from the originals before the next run.
        this.courseData = null;
      }
      this.known = after;
    }

    const tampered = (await this.options.guard?.verifyAndRestore()) ?? [];
    if (tampered.length > 0)
      flags.push({
        code: "state_tampered",
        message: `the run changed caddie's ${tampered.join(", ")}; caddie restored its own copy`,
      });
    return flags;
  }

  private spawnAndWait(
    plan: { command: string; args: string[]; env: Record<string, string> },
    cwd: string,
    logPath: string,
    request: RunRequest,
    timeoutMs: number,
  ): Promise<Spawned> {
    return new Promise((resolve) => {
      const log = createWriteStream(logPath);
      const tracker = trackRunTiming();
      const started = performance.now();
      const since = () => (performance.now() - started) / 1000;
      let exitedAt: number | null = null;
      let timedOut = false;
      let settled = false;
      const child = spawn(plan.command, plan.args, {
        cwd,
        env: plan.env,
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
      }, timeoutMs);
      const onAbort = () => stop();
      if (request.signal?.aborted) stop();
      request.signal?.addEventListener("abort", onAbort, { once: true });

      let pending = "";
      const emit = (line: string) => {
        tracker.line(line, since());
        request.onLine?.(line);
      };
      const onData = (chunk: Buffer) => {
        log.write(chunk);
        pending += chunk.toString("utf8");
        const lines = pending.split(/\r?\n|\r/);
        pending = lines.pop() ?? "";
        for (const line of lines) emit(line);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      // The leader is gone: whatever it left in its group (a worker, a daemon holding the pipes) goes too.
      child.on("exit", () => {
        exitedAt = since();
        killGroup("SIGKILL");
      });

      const finish = (exitCode: number | null, spawnError: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", onAbort);
        if (pending) emit(pending);
        killGroup("SIGKILL");
        const timing = tracker.finish(exitedAt ?? since());
        log.end(() => resolve({ exitCode, timedOut, spawnError, timing }));
      };
      child.on("error", (error) => finish(null, `could not start ${plan.command}: ${error.message}`));
      child.on("close", (code, sig) =>
        finish(code ?? (sig ? 128 + (constants.signals[sig] ?? 9) : null), null),
      );
    });
  }
}
