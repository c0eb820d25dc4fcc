/**
 * The submission-ready verdict: the challenge's record rule (README "Record criteria"): beat the current
 * best by at least 0.005 nats, shown with enough runs for p < 0.01; in practice three seeds of the same
 * configuration. (The maintainers' final leaderboard pass used p < 0.25 against the previous frontier row;
 * `alpha` is a parameter so that looser bar can be asked for, but the default is the written rule.)
 *
 * Units. "Nats" in the rule is val_loss: mean cross-entropy per token, in nats. val_bpb is
 * (val_loss / ln 2) x (tokens / bytes), so a val_bpb difference converts to nats per token by the factor
 * k = val_loss / val_bpb = ln 2 x bytes per token (about 1.69 for sp1024, 2.19 for sp8192). We use, in order:
 *  1. val_loss itself, when every seed on both sides has it and both sides have the same k (same
 *     tokenizer): that is the rule's own unit;
 *  2. val_bpb x the candidate's k, when the candidate's seeds have val_loss (what record READMEs do:
 *     "-0.01992 BPB / -0.04359 nats");
 *  3. val_bpb x ln 2 (nats per byte) otherwise. A token holds at least one byte, so this understates the
 *     per-token gain: the verdict can only be stricter than the rule, never looser.
 * The t-test is unaffected by the choice (t is scale-free); only the 0.005 margin moves with k.
 *
 * The test is one-sided against "incumbent minus the margin", as the records do (LongContextSeq2048:
 * "one-sample t-test against 1.2193657" = 1.2243657 - 0.005): Welch when the incumbent has two or more
 * seeds, one-sample when it is a single published number.
 */
import { mean, oneSampleTTestLess, welchTTestLess, type TTestResult } from "./statistics.ts";
import { UserError } from "./user-error.ts";

/** One seed's final scores. */
export interface SeedScore {
  seed: number | null;
  val_bpb: number;
  /** Mean token cross-entropy in nats; null when the log did not print it. */
  val_loss: number | null;
}

export interface SignificanceInput {
  candidate: readonly SeedScore[];
  /** The incumbent's seeds, or its single published score as a one-element list. */
  incumbent: readonly SeedScore[];
  /** Required gain in nats per token (default 0.005). */
  marginNats?: number;
  /** Significance level (default 0.01). */
  alpha?: number;
  /** Seeds the candidate must have (default 3: maintainers ask for a 3-seed mean). */
  minSeeds?: number;
}

export type SignificanceUnit = "val_loss" | "val_bpb_scaled" | "val_bpb_ln2";

export interface SignificanceVerdict {
  ready: boolean;
  /** One line saying why, with the numbers. */
  reason: string;
  unit: SignificanceUnit;
  /** Nats per token in one val_bpb unit (val_loss / val_bpb, or ln 2 without val_loss); converts the margin. */
  natsPerBpb: number;
  seeds: number;
  /** Candidate mean minus incumbent mean, in val_bpb (negative = better). */
  deltaBpb: number;
  /** The same difference in nats per token (unit as above). */
  deltaNats: number;
  marginNats: number;
  /** The margin expressed in val_bpb with the factor used. */
  marginBpb: number;
  test: "welch" | "one-sample" | null;
  t: number | null;
  df: number | null;
  pValue: number | null;
  alpha: number;
}

export const RECORD_MARGIN_NATS = 0.005;
export const RECORD_ALPHA = 0.01;
export const RECORD_MIN_SEEDS = 3;
// Two tokenizers whose nats-per-bpb factors differ by more than this are not compared in val_loss.
const SAME_TOKENIZER_TOLERANCE = 0.005;
// Scores are decimals parsed from logs; a gain this close to the margin counts as equal to it.
const FLOAT_SLACK = 1e-12;

/** Decides whether a candidate's seeds beat the incumbent by the record rule. */
export function significanceVerdict(input: SignificanceInput): SignificanceVerdict {
  const marginNats = input.marginNats ?? RECORD_MARGIN_NATS;
  const alpha = input.alpha ?? RECORD_ALPHA;
  const minSeeds = input.minSeeds ?? RECORD_MIN_SEEDS;
  checkScores("candidate", input.candidate);
  checkScores("incumbent", input.incumbent);
  if (!(marginNats >= 0)) throw new UserError(`significance: marginNats must be >= 0, got ${marginNats}`);
  if (!(alpha > 0 && alpha < 1))
    throw new UserError(`significance: alpha must be between 0 and 1, got ${alpha}`);

  const { unit, k, xs, ref } = toNats(input.candidate, input.incumbent);
  const candBpb = mean(input.candidate.map((s) => s.val_bpb)) ?? Number.NaN;
  const incBpb = mean(input.incumbent.map((s) => s.val_bpb)) ?? Number.NaN;
  const deltaNats = (mean(xs) ?? Number.NaN) - (mean(ref) ?? Number.NaN);
  const marginBpb = marginNats / k;

  const welch = ref.length >= 2;
  const result: TTestResult | null = welch
    ? welchTTestLess(xs, ref, marginNats)
    : oneSampleTTestLess(xs, ref[0] ?? Number.NaN, marginNats);
  const test: SignificanceVerdict["test"] = result === null ? null : welch ? "welch" : "one-sample";

  const seeds = input.candidate.length;
  const gain = -deltaNats;
  const base = {
    unit,
    natsPerBpb: k,
    seeds,
    deltaBpb: candBpb - incBpb,
    deltaNats,
    marginNats,
    marginBpb,
    test,
    t: result?.t ?? null,
    df: result?.df ?? null,
    pValue: result?.pValue ?? null,
    alpha,
  };
  const gainText = `${gain >= 0 ? "better" : "worse"} by ${fmt(Math.abs(gain))} nats (${fmt(Math.abs(base.deltaBpb))} val_bpb)`;
  if (seeds < minSeeds) {
    return {
      ...base,
      ready: false,
      reason: `${gainText}, but ${seeds} seed${plural(seeds)}: need ${minSeeds}`,
    };
  }
  if (gain + FLOAT_SLACK < marginNats) {
    return { ...base, ready: false, reason: `${gainText}: the rule needs at least ${fmt(marginNats)} nats` };
  }
  if (result === null) {
    return {
      ...base,
      ready: false,
      reason: `${gainText}, but the seeds have no spread: no p-value can be computed`,
    };
  }
  const p = result.pValue;
  if (!(p < alpha)) {
    return {
      ...base,
      ready: false,
      reason: `${gainText}, but p = ${fmtP(p)} is not below ${alpha} (${test} t-test, ${seeds} seeds)`,
    };
  }
  return {
    ...base,
    ready: true,
    reason: `${gainText} over ${seeds} seeds, p = ${fmtP(p)} < ${alpha} (${test} t-test against incumbent - ${fmt(marginNats)})`,
  };
}

function toNats(
  candidate: readonly SeedScore[],
  incumbent: readonly SeedScore[],
): { unit: SignificanceUnit; k: number; xs: number[]; ref: number[] } {
  const candLoss = candidate.every((s) => s.val_loss !== null);
  const incLoss = incumbent.every((s) => s.val_loss !== null);
  if (candLoss && incLoss) {
    const kc = kOf(candidate);
    const ki = kOf(incumbent);
    if (Math.abs(kc / ki - 1) <= SAME_TOKENIZER_TOLERANCE) {
      return {
        unit: "val_loss",
        k: kc,
        xs: candidate.map((s) => s.val_loss ?? Number.NaN),
        ref: incumbent.map((s) => s.val_loss ?? Number.NaN),
      };
    }
  }
  const k = candLoss ? kOf(candidate) : Math.LN2;
  return {
    unit: candLoss ? "val_bpb_scaled" : "val_bpb_ln2",
    k,
    xs: candidate.map((s) => s.val_bpb * k),
    ref: incumbent.map((s) => s.val_bpb * k),
  };
}

/** val_loss / val_bpb over a side's seeds (= ln 2 x bytes per token). */
function kOf(scores: readonly SeedScore[]): number {
  const loss = mean(scores.map((s) => s.val_loss ?? Number.NaN)) ?? Number.NaN;
  const bpb = mean(scores.map((s) => s.val_bpb)) ?? Number.NaN;
  return loss / bpb;
}

function checkScores(side: string, scores: readonly SeedScore[]): void {
  if (scores.length === 0) throw new UserError(`significance: the ${side} has no scores`);
  for (const s of scores) {
    if (!Number.isFinite(s.val_bpb) || s.val_bpb <= 0)
      throw new UserError(`significance: ${side} seed ${s.seed ?? "?"} has val_bpb ${s.val_bpb}`);
    if (s.val_loss !== null && (!Number.isFinite(s.val_loss) || s.val_loss <= 0))
      throw new UserError(`significance: ${side} seed ${s.seed ?? "?"} has val_loss ${s.val_loss}`);
  }
}

function fmt(x: number): string {
  return x.toFixed(4);
}

function fmtP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toPrecision(2);
}

function plural(n: number): string {
  return n === 1 ? "" : "s";
}
