/**
 * The keep/discard/crash policy, shared by the bot, the CLI and the action. A verdict always comes with a
 * one-line reason, so every merge, close and ledger row can say why. The score it compares is caddie's own
 * (src/core/score-result.ts), never the log's; a flagged run is never kept.
 */
import { describeFlags, plainRunText, type Flag } from "./flags.ts";

export type Verdict = "keep" | "discard" | "crash";

export interface Decision {
  verdict: Verdict;
  /** One human line, e.g. "val_bpb 1.2200 beats the incumbent 1.2244 by 0.0044 (threshold 0.0010)". */
  reason: string;
  /** candidate - incumbent; negative is better. Null without both scores. */
  delta: number | null;
}

export interface DecideInput {
  status: "ok" | "crash";
  /** caddie's own score of the model; null when it could not score it (then a flag says why). */
  valBpb: number | null;
  /** What makes the run untrustworthy (src/core/flags.ts); any flag means never kept automatically. */
  flags?: readonly Flag[];
  /** The artifact gate: code bytes + compressed model bytes within the cap. */
  gateOk: boolean;
  /** The crash's error line, when the log has one. */
  error?: string | null;
  /** The research line's current val_bpb; null before the baseline is measured. */
  incumbent: number | null;
  /** Smallest gain that counts as real (see noiseThreshold). */
  threshold: number;
  /** Measured artifact bytes and the cap, so an over-the-cap reason can name them. */
  artifactBytes?: number | null;
  limitBytes?: number | null;
}

// Scores are decimals parsed from logs: 1.2234 - 1.2244 is not exactly -0.001 in binary. A gain within
// this of the threshold counts as equal to it (not better), whichever way the rounding fell.
const FLOAT_SLACK = 1e-12;

/**
 * Decides one measured run. Order matters: a training crash is a crash whatever else is true; a flagged
 * run is discarded whatever its score (a person may still keep it, on the record); a missing score is a
 * crash; an artifact over the cap is discarded whatever its score; only then is the score compared. Keep
 * needs a gain strictly greater than the threshold; with no incumbent the run is the baseline and is kept.
 */
export function decide(input: DecideInput): Decision {
  const { valBpb, incumbent, threshold } = input;
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw new RangeError(`decide: threshold must be a finite number >= 0, got ${threshold}`);
  }
  const flags = input.flags ?? [];
  if (input.status === "ok" && flags.length > 0) {
    const delta = incumbent === null || valBpb === null ? null : valBpb - incumbent;
    return { verdict: "discard", reason: `flagged, not kept: ${describeFlags(flags)}`, delta };
  }
  if (input.status === "crash" || valBpb === null || !Number.isFinite(valBpb)) {
    // The error line is run output: one line, no hidden characters, no credentials.
    const error = input.error === null || input.error === undefined ? "" : plainRunText(input.error, 500);
    const reason = error
      ? `crashed: ${error}`
      : input.status === "crash"
        ? "crashed"
        : "no val_bpb in the run log";
    return { verdict: "crash", reason, delta: null };
  }
  const delta = incumbent === null ? null : valBpb - incumbent;
  if (!input.gateOk) return { verdict: "discard", reason: overCapReason(input), delta };
  if (incumbent === null || delta === null) {
    return { verdict: "keep", reason: `baseline: first scored run, val_bpb ${bpb(valBpb)}`, delta: null };
  }
  const gain = -delta;
  const versus = `val_bpb ${bpb(valBpb)} vs the incumbent ${bpb(incumbent)}`;
  if (gain > threshold + FLOAT_SLACK) {
    return {
      verdict: "keep",
      reason: `${versus}: better by ${small(gain)} (threshold ${small(threshold)})`,
      delta,
    };
  }
  if (gain > 0) {
    return {
      verdict: "discard",
      reason: `${versus}: better by only ${small(gain)}, within the threshold ${small(threshold)}`,
      delta,
    };
  }
  const how = gain === 0 ? "no change" : `worse by ${small(-gain)}`;
  return { verdict: "discard", reason: `${versus}: ${how}`, delta };
}

/** The keep threshold of a tier: max(minDelta, k x sigma); minDelta alone while sigma is unknown. */
export function noiseThreshold(input: { minDelta: number; k: number; sigma: number | null }): number {
  const { minDelta, k, sigma } = input;
  for (const [name, value] of [
    ["minDelta", minDelta],
    ["k", k],
    ["sigma", sigma ?? 0],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`noiseThreshold: ${name} must be a finite number >= 0, got ${value}`);
    }
  }
  return sigma === null ? minDelta : Math.max(minDelta, k * sigma);
}

/**
 * Run-to-run noise of one config: the sample standard deviation (n - 1) of its finite scores. Null with
 * fewer than two, because one run says nothing about spread and a made-up sigma would tune the threshold.
 */
export function estimateNoise(scores: number[]): number | null {
  const finite = scores.filter((score) => Number.isFinite(score));
  if (finite.length < 2) return null;
  // Two passes (mean, then squared deviations) stay accurate when scores agree to many digits.
  const mean = finite.reduce((sum, score) => sum + score, 0) / finite.length;
  const squares = finite.reduce((sum, score) => sum + (score - mean) ** 2, 0);
  return Math.sqrt(squares / (finite.length - 1));
}

function overCapReason(input: DecideInput): string {
  const { artifactBytes, limitBytes } = input;
  if (artifactBytes == null)
    return "artifact gate failed: the artifact size is unknown (no model file measured)";
  if (limitBytes == null) return `artifact gate failed at ${bytes(artifactBytes)} bytes`;
  const over = artifactBytes - limitBytes;
  if (over <= 0) return `artifact gate failed at ${bytes(artifactBytes)} bytes (cap ${bytes(limitBytes)})`;
  return `artifact is ${bytes(artifactBytes)} bytes, over the ${bytes(limitBytes)}-byte cap by ${bytes(over)}`;
}

function bpb(value: number): string {
  return value.toFixed(4);
}

/** Deltas and thresholds can be far below 0.0001; keep two significant digits there. */
function small(value: number): string {
  return value !== 0 && Math.abs(value) < 0.0001 ? value.toPrecision(2) : value.toFixed(4);
}

function bytes(value: number): string {
  return value.toLocaleString("en-US");
}
