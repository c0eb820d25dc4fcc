/**
 * The three signals of the research program (seed 000, "Not every path leads somewhere"): dead ends,
 * plateaus and backtracking. Computed from the run history alone, so they survive restarts and read the
 * same in the bot and the CLI.
 */
import type { RunStatus } from "./ledger.ts";

export interface RunRecord {
  experiment: string;
  commit: string;
  valBpb: number | null;
  status: RunStatus;
  /** A short tag grouping runs that push the same way ("MODEL_DIM+", "optimizer"); null when unknown. */
  direction: string | null;
}

export interface Signals {
  /** Directions to abandon, in order of their first run. */
  deadEnds: string[];
  /** The recent runs stopped paying: force a structural change. */
  plateau: boolean;
  /** The research line's head regressed: reset it to the best kept commit. */
  backtrack: { toCommit: string; toExperiment: string; reason: string } | null;
}

export interface SignalOptions {
  /** Smallest val_bpb gain that counts as progress (the tier's min_delta). */
  minDelta: number;
  /** Failures in a row that make a direction a dead end. Default 3. */
  deadEndAfter?: number;
  /** Measured runs in a row without progress that make a plateau. Default 5. */
  plateauAfter?: number;
}

export const DEFAULT_DEAD_END_AFTER = 3;
export const DEFAULT_PLATEAU_AFTER = 5;

// Decimal scores differ by binary-rounded amounts (1.2244 - 1.2234 < 0.001): a difference within this of
// minDelta is taken as exactly minDelta.
const FLOAT_SLACK = 1e-12;

/**
 * Reads the signals from the history, oldest run first. The exact rules:
 *
 * - Dead end: a direction whose last `deadEndAfter` runs (counting only runs tagged with that direction,
 *   so other directions tried in between do not break the streak) are all discards or crashes. A keep in
 *   that direction later ends the streak: the direction has paid again. Untagged runs never count.
 * - Plateau: the last `plateauAfter` measured runs (keep or discard with a finite val_bpb; crashes and
 *   backtracks are skipped, being neither progress nor evidence of a ceiling) each improved on the best
 *   kept val_bpb before them by less than `minDelta`. A discard's gain counts too (it may be a near miss);
 *   the first measured run only sets the baseline and never counts.
 * - Backtrack: the line's head is its latest keep (unless a backtrack row came after it: the line was
 *   already reset). If that keep's val_bpb is worse than the best kept val_bpb by more than `minDelta`
 *   (a keep judged against a re-measured incumbent, or keeps that drifted), reset to the best kept commit.
 */
export function detectSignals(history: RunRecord[], options: SignalOptions): Signals {
  const { minDelta } = options;
  const deadEndAfter = options.deadEndAfter ?? DEFAULT_DEAD_END_AFTER;
  const plateauAfter = options.plateauAfter ?? DEFAULT_PLATEAU_AFTER;
  if (!Number.isFinite(minDelta) || minDelta < 0) {
    throw new RangeError(`detectSignals: minDelta must be a finite number >= 0, got ${minDelta}`);
  }
  for (const [name, value] of [
    ["deadEndAfter", deadEndAfter],
    ["plateauAfter", plateauAfter],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`detectSignals: ${name} must be an integer >= 1, got ${value}`);
    }
  }
  return {
    deadEnds: findDeadEnds(history, deadEndAfter),
    plateau: isPlateau(history, minDelta, plateauAfter),
    backtrack: findBacktrack(history, minDelta),
  };
}

function findDeadEnds(history: RunRecord[], deadEndAfter: number): string[] {
  const failuresInARow = new Map<string, number>();
  for (const run of history) {
    const direction = run.direction?.trim();
    if (!direction || run.status === "backtrack") continue;
    const failed = run.status === "discard" || run.status === "crash";
    failuresInARow.set(direction, failed ? (failuresInARow.get(direction) ?? 0) + 1 : 0);
  }
  // Map iteration follows first insertion, i.e. each direction's first run.
  return [...failuresInARow].filter(([, count]) => count >= deadEndAfter).map(([direction]) => direction);
}

function isPlateau(history: RunRecord[], minDelta: number, plateauAfter: number): boolean {
  let best: number | null = null;
  let stalled = 0;
  for (const run of history) {
    if (!isMeasured(run)) continue;
    if (best !== null) stalled = best - run.valBpb < minDelta - FLOAT_SLACK ? stalled + 1 : 0;
    if (run.status === "keep" && (best === null || run.valBpb < best)) best = run.valBpb;
  }
  return stalled >= plateauAfter;
}

function findBacktrack(history: RunRecord[], minDelta: number): Signals["backtrack"] {
  let best: (RunRecord & { valBpb: number }) | null = null;
  let head: (RunRecord & { valBpb: number }) | null = null;
  for (const run of history) {
    if (run.status === "backtrack") head = null;
    if (!isMeasured(run) || run.status !== "keep") continue;
    head = run;
    if (best === null || run.valBpb < best.valBpb) best = run;
  }
  if (head === null || best === null || !(head.valBpb - best.valBpb > minDelta + FLOAT_SLACK)) return null;
  const gap = (head.valBpb - best.valBpb).toFixed(4);
  return {
    toCommit: best.commit,
    toExperiment: best.experiment,
    reason:
      `${head.experiment} (${head.commit}) is kept at val_bpb ${head.valBpb.toFixed(4)}, worse than the best ` +
      `kept ${best.valBpb.toFixed(4)} of ${best.experiment} (${best.commit}) by ${gap}: back to ${best.commit}`,
  };
}

function isMeasured(run: RunRecord): run is RunRecord & { valBpb: number } {
  return (
    (run.status === "keep" || run.status === "discard") && run.valBpb !== null && Number.isFinite(run.valBpb)
  );
}
