/**
 * The run record a training workflow uploads (`run.json`) comes from a self-hosted runner that just ran
 * LLM-written code: untrusted. Every field is type- and range-checked; anything else is refused with a
 * reason. The score is never taken from it: the bot parses the uploaded log itself.
 */

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
  if (
    model !== null &&
    !(
      Number.isSafeInteger(model) &&
      (model as number) >= 0 &&
      (model as number) <= RUN_FILE_LIMITS.maxModelBytes
    )
  )
    return {
      ok: false,
      error: `run.json model_bytes must be null or a whole number from 0 to ${RUN_FILE_LIMITS.maxModelBytes}`,
    };
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
