import { UserError } from "./user-error.ts";

/** The challenge's cap: 16,000,000 bytes, decimal, not 16 MiB (parameter-golf README, "Artifact"). */
export const ARTIFACT_LIMIT = 16_000_000;

export interface ArtifactGateInput {
  /** UTF-8 bytes of the counted code (`train_gpt.py`): the file's size on disk. */
  codeBytes: number;
  /** Size of the compressed model file (e.g. `final_model.int8.ptz`). */
  modelBytes: number;
  /** Defaults to ARTIFACT_LIMIT. */
  limit?: number;
  /** What the log's `Total submission size <qualifier>:` line claims, to cross-check our count. */
  logArtifactBytes?: number | null;
}

export interface ArtifactGateResult {
  code_bytes: number;
  model_bytes: number;
  artifact_bytes: number;
  limit: number;
  /** True iff artifact_bytes <= limit. */
  ok: boolean;
  log_artifact_bytes: number | null;
  /** True when the log states a size that differs from our count (ours is the one that counts). */
  mismatch: boolean;
  /** One line for a human, e.g. for a check run's title. */
  reason: string;
}

function bytes(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function requireCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UserError(`${name} must be a whole number of bytes (0 or more), got ${value}`);
  }
}

/**
 * The 16 MB gate: artifact = code bytes + model bytes, within the cap iff artifact <= limit. The
 * training script does not enforce the cap, and its own size line can be wrong (a script that prints
 * `int8+zlib` for an int6+zstd file, an edited print), so our count decides and a disagreeing log line
 * is reported as a mismatch.
 *
 * @example gateArtifact({ codeBytes: 47_642, modelBytes: 15_815_847 }).ok // true (15,863,489 bytes)
 */
export function gateArtifact(input: ArtifactGateInput): ArtifactGateResult {
  const limit = input.limit ?? ARTIFACT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new UserError(`the artifact limit must be a positive whole number of bytes, got ${limit}`);
  }
  requireCount(input.codeBytes, "code bytes");
  requireCount(input.modelBytes, "model bytes");
  const logBytes = input.logArtifactBytes ?? null;
  if (logBytes !== null) requireCount(logBytes, "the log's artifact bytes");
  const artifact = input.codeBytes + input.modelBytes;
  const ok = artifact <= limit;
  const mismatch = logBytes !== null && logBytes !== artifact;
  const parts = `${bytes(artifact)} bytes (code ${bytes(input.codeBytes)} + model ${bytes(input.modelBytes)})`;
  let reason = ok
    ? `Artifact ${parts} is within the ${bytes(limit)}-byte limit, ${bytes(limit - artifact)} to spare`
    : `Artifact ${parts} is over the ${bytes(limit)}-byte limit by ${bytes(artifact - limit)}`;
  if (mismatch && logBytes !== null) {
    reason += `; the log claims ${bytes(logBytes)} bytes, ${bytes(Math.abs(logBytes - artifact))} ${logBytes > artifact ? "more" : "fewer"} than counted`;
  }
  return {
    code_bytes: input.codeBytes,
    model_bytes: input.modelBytes,
    artifact_bytes: artifact,
    limit,
    ok,
    log_artifact_bytes: logBytes,
    mismatch,
    reason: `${reason}.`,
  };
}
