/**
 * The run record a training workflow uploads (`run.json`) and the measuring action's result
 * (`result.json`) come from a self-hosted runner that just ran LLM-written code: untrusted. Every field is
 * type- and range-checked; anything else is refused with a reason. The log's score is never taken from
 * them (the bot parses the uploaded log itself); caddie's score is the scorer's block, checked by
 * src/core/score-result.ts, and the flags are recomputed by the bot from the log and that block.
 */
import { FLAG_CODES, plainRunText, type Flag } from "../core/flags.ts";
import { readScoreJson, type ScoreResult } from "../core/score-result.ts";
import { byteCountProblem, valBpbProblem } from "../core/plausible-score.ts";

export interface RunFile {
  exitCode: number | null;
  timedOut: boolean;
  seconds: number;
  /** Bytes of the compressed model file; null when the run wrote none. */
  modelBytes: number | null;
}

export const RUN_FILE_LIMITS = {
  maxSeconds: 7 * 24 * 3600,
  /** Ten times the cap: anything larger is a lie or a broken counter, not a model. */
  maxModelBytes: 160_000_000,
} as const;

const KNOWN = new Set([
  "version",
  "exit_code",
  "timed_out",
  "seconds",
  "model_bytes",
  "code_bytes",
  "val_bpb",
  "artifact_bytes",
  "status",
  "commit",
]);

export function validateRunFile(value: unknown): { ok: true; run: RunFile } | { ok: false; error: string } {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { ok: false, error: "run.json must be a JSON object" };
  const v = value as Record<string, unknown>;
  const unknown = Object.keys(v).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0)
    return { ok: false, error: `run.json has unknown fields: ${unknown.slice(0, 5).join(", ")}` };
  const exit = v.exit_code;
  if (exit !== null && !(Number.isInteger(exit) && (exit as number) >= 0 && (exit as number) <= 255))
    return { ok: false, error: "run.json exit_code must be null or a whole number 0-255" };
  if (typeof v.timed_out !== "boolean")
    return { ok: false, error: "run.json timed_out must be true or false" };
  const seconds = v.seconds;
  if (
    typeof seconds !== "number" ||
    !Number.isFinite(seconds) ||
    seconds < 0 ||
    seconds > RUN_FILE_LIMITS.maxSeconds
  )
    return { ok: false, error: `run.json seconds must be a number from 0 to ${RUN_FILE_LIMITS.maxSeconds}` };
  const model = v.model_bytes;
  const modelProblem =
    model === null ? null : byteCountProblem(model, "run.json model_bytes", RUN_FILE_LIMITS.maxModelBytes);
  if (modelProblem) return { ok: false, error: `${modelProblem} (or null)` };
  // Claims the bot never uses as its score or size, but a record that lies about them is still refused.
  for (const key of ["code_bytes", "artifact_bytes"] as const)
    if (v[key] !== undefined && v[key] !== null) {
      const problem = byteCountProblem(v[key], `run.json ${key}`);
      if (problem) return { ok: false, error: problem };
    }
  if (v.val_bpb !== undefined && v.val_bpb !== null) {
    const problem = valBpbProblem(v.val_bpb);
    if (problem) return { ok: false, error: `run.json ${problem}` };
  }
  return {
    ok: true,
    run: {
      exitCode: exit as number | null,
      timedOut: v.timed_out,
      seconds,
      modelBytes: model as number | null,
    },
  };
}

/** Flags only the runner can see (its sandbox's findings); the rest the bot recomputes itself. */
const RUNNER_FLAGS = new Set<string>(["over_budget", "data_modified", "state_tampered"]);
const MAX_FLAGS = FLAG_CODES.length;

export interface ResultFile {
  /** caddie's score from the scoring step on the runner; null when the action ran none. */
  score: ScoreResult | null;
  /** The runner's own flags, re-cleaned. */
  runnerFlags: Flag[];
}

/**
 * Reads the action's result.json. A missing or unreadable file, or one without a score block, is a run
 * caddie did not score (flagged unverified by the bot), never a crash of the bot.
 */
export function validateResultFile(value: unknown, modelBytes: number | null): ResultFile {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { score: null, runnerFlags: [] };
  const v = value as Record<string, unknown>;
  const score = v.score === undefined || v.score === null ? null : readScoreJson(v.score, modelBytes);
  const runnerFlags: Flag[] = [];
  if (Array.isArray(v.flags))
    for (const f of v.flags.slice(0, MAX_FLAGS)) {
      if (f === null || typeof f !== "object") continue;
      const { code, message } = f as Record<string, unknown>;
      if (typeof code === "string" && RUNNER_FLAGS.has(code) && typeof message === "string")
        runnerFlags.push({ code, message: plainRunText(message, 400) });
    }
  return { score, runnerFlags };
}
