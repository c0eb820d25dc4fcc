/**
 * One range rule for scores and sizes wherever they enter caddie: a run's log, a result artifact's
 * run.json, a competitor's record. val_bpb is a finite, positive number; a byte count is a non-negative
 * whole number. A value that breaks the rule is refused with a reason (never merged, never the best).
 * A positive score below what a tier can physically reach on FineWeb is not refused but flagged: it is
 * far more likely a broken evaluation than a record, so it is never kept automatically.
 */

/** Why `value` is not a usable val_bpb, or null when it is one. */
export function valBpbProblem(value: unknown): string | null {
  if (typeof value !== "number") return `val_bpb must be a number, got ${describe(value)}`;
  if (!Number.isFinite(value)) return `val_bpb must be a finite number, got ${String(value)}`;
  if (value <= 0) return `val_bpb must be positive, got ${value.toFixed(8)}`;
  return null;
}

/** Why `value` is not a byte count (optionally at most `max`), or null when it is one. */
export function byteCountProblem(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): string | null {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    return `${what} must be a whole number of bytes, 0 or more, got ${describe(value)}`;
  if (value > max) return `${what} must be at most ${max} bytes, got ${value}`;
  return null;
}

/**
 * The lowest val_bpb a tier can plausibly reach on FineWeb. The 8xH100 10-minute record stood at 1.0611 in
 * April 2026 after months of small steps; a result 15% below it is not a step. The proxy tier trains with
 * less compute, so it cannot beat the full tier's record by much either.
 */
export const PLAUSIBLE_FLOOR: Readonly<Record<string, number>> = { full: 0.9, proxy: 0.95 };

/** Why a valid score is implausibly low for the tier (a flag, not a refusal), or null. */
export function implausiblyLow(valBpb: number, tier: string): string | null {
  const floor = PLAUSIBLE_FLOOR[tier] ?? PLAUSIBLE_FLOOR.full ?? 0;
  return valBpb < floor
    ? `val_bpb ${valBpb.toFixed(4)} is below ${floor.toFixed(4)}, the lowest the ${tier} tier can plausibly reach on FineWeb: most likely a broken evaluation`
    : null;
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value.slice(0, 40));
  return value === null ? "null" : typeof value;
}
