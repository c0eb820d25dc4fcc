/**
 * One run of caddie's scorer, `python -m caddie_score score` (docs/SCORING.md): the model file copied out
 * first (so what is counted is what is scored), the scorer started as the leader of its own process group
 * with nothing of caddie's environment, killed whole past its time limit, and its result file read back
 * through the shared checker. A scorer that fails, hangs or writes nonsense is an `unverified` score with
 * the reason, never an exception. Used by the local loop's Scorer and by the measuring action.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { readScoreJson, unverifiedScore, type ScoreResult } from "../core/score-result.ts";

export interface ScorerCall {
  /** The Python (with torch and numpy) that runs the scorer. */
  python: string;
  /** caddie's `python/` folder, which holds caddie_score. */
  pythonDir: string;
  /** The commit's files (never the folder the run trained in); the scorer copies what it needs. */
  codeDir: string;
  /** The training script, relative to codeDir. */
  script: string;
  /** The model file the run wrote. */
  model: string;
  /** The held-out validation shard. */
  heldout: string;
  /** "byte260" or "sentencepiece:/absolute/path". */
  tokenizer: string;
  device: "auto" | "cpu" | "cuda";
  timeoutSeconds: number;
  /** 0: score every held-out token. */
  maxTokens: number;
  /** The run's settings the model needs to rebuild itself. */
  env?: Record<string, string>;
  /** Paths the model host must not see (caddie's state). */
  hide?: string[];
  sandbox?: "auto" | "bwrap" | "none";
  /** A folder for the model's copy (removed afterwards). */
  workDir: string;
  /** Where the scorer's result JSON is kept (outside every run folder). */
  resultFile: string;
  signal?: AbortSignal;
}

/** Beyond the scorer's own time limit, how long before its whole process group is killed. */
const GRACE_MS = 60_000;
const STDERR_CHARS = 4000;

export async function runScorer(call: ScorerCall): Promise<ScoreResult> {
  await mkdir(call.workDir, { recursive: true });
  const dir = await mkdtemp(path.join(call.workDir, "model-"));
  try {
    const model = path.join(dir, path.basename(call.model));
    try {
      await copyFile(call.model, model);
    } catch (error) {
      return unverifiedScore(`the model file could not be copied out: ${(error as Error).message}`);
    }
    const modelBytes = (await stat(model)).size;
    await mkdir(path.dirname(call.resultFile), { recursive: true });
    await rm(call.resultFile, { force: true });
    const run = await spawnScorer(call, argv(call, model));
    const text = await readFile(call.resultFile, "utf8").catch(() => null);
    if (text === null)
      return unverifiedScore(
        `the scorer wrote no result (${run.killed ? "killed after its time limit" : `exit ${run.code}`})${run.stderr ? `: ${lastLine(run.stderr)}` : ""}`,
        { modelBytes },
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return unverifiedScore("the scorer's result is not JSON", { modelBytes });
    }
    return readScoreJson(parsed, modelBytes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function argv(call: ScorerCall, model: string): string[] {
  return [
    "-m",
    "caddie_score",
    "score",
    "--code-dir",
    call.codeDir,
    "--script",
    call.script,
    "--model",
    model,
    "--tokens",
    call.heldout,
    "--tokenizer",
    call.tokenizer,
    "--out",
    call.resultFile,
    "--device",
    call.device,
    "--timeout",
    String(call.timeoutSeconds),
    "--sandbox",
    call.sandbox ?? "auto",
    ...(call.maxTokens > 0 ? ["--max-tokens", String(call.maxTokens)] : []),
    ...(call.hide ?? []).flatMap((p) => ["--hide", p]),
    ...Object.entries(call.env ?? {}).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
  ];
}

/** Runs the scorer as the leader of its own process group, killed whole past its time limit. */
function spawnScorer(
  call: ScorerCall,
  args: string[],
): Promise<{ code: number | null; killed: boolean; stderr: string }> {
  return new Promise((resolve) => {
    // The scorer is caddie's own code; it still gets nothing of caddie's environment (no API keys).
    const child = spawn(call.python, args, {
      cwd: call.workDir,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        PYTHONPATH: call.pythonDir,
        LANG: "C.UTF-8",
        ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
      },
    });
    let stderr = "";
    let killed = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_CHARS);
    });
    const kill = () => {
      killed = true;
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(kill, call.timeoutSeconds * 1000 + GRACE_MS);
    call.signal?.addEventListener("abort", kill, { once: true });
    let settled = false;
    const done = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.signal?.removeEventListener("abort", kill);
      resolve({ code, killed, stderr });
    };
    child.on("error", (error) => {
      stderr += `could not start ${call.python}: ${error.message}`;
      done(null);
    });
    child.on("close", (code) => done(code));
  });
}

function lastLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? ""
  );
}
