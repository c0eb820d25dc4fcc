/**
 * caddie's own score of a model: what `python -m caddie_score score` writes (docs/SCORING.md), read back
 * here. The scorer runs the committed code to get logits, so its file is semi-trusted input: every field
 * is type- and range-checked, and anything wrong makes the score `unverified` with the reason, never an
 * exception. The local loop, the measuring action and the GitHub App all read scores through this file.
 */
import { valBpbProblem } from "./plausible-score.ts";

export interface ScoreResult {
  status: "verified" | "unverified";
  /** Why the score is unverified (the model did not load, the contract raised, the time ran out...). */
  reason: string | null;
  /** caddie's val_bpb; null unless verified. */
  valBpb: number | null;
  valLoss: number | null;
  /** Scored target tokens and the text bytes they stand for, counted by the scorer from the tokenizer. */
  tokens: number;
  bytes: number;
  contextLen: number | null;
  /** Which contract turned the artifact into logits (e.g. "golf_mini", "parameter-golf-root"). */
  contract: string | null;
  causality: { probes: number; maxAbsDiff: number; ok: boolean } | null;
  sandbox: "bwrap" | "none" | null;
  network: "blocked" | "open" | null;
  seconds: number;
  loadSeconds: number;
  /** Bytes of the model file that was scored (the copy), counted by caddie; null when unknown. */
  modelBytes: number | null;
}

/** The JSON form (the scorer's own field names), as the action passes it on to the App. */
export type ScoreJson = Record<string, unknown>;

// Bits per byte of text: 0 is impossible on real text, and a uniform guess over 2^16 tokens per byte is 16.
const MAX_BPB = 64;
const MAX_REASON = 500;

export function unverifiedScore(reason: string, extra: Partial<ScoreResult> = {}): ScoreResult {
  return {
    status: "unverified",
    reason,
    valBpb: null,
    valLoss: null,
    tokens: 0,
    bytes: 0,
    contextLen: null,
    contract: null,
    causality: null,
    sandbox: null,
    network: null,
    seconds: 0,
    loadSeconds: 0,
    modelBytes: null,
    ...extra,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function finite(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= min && value <= max;
}

function count(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * Checks a scorer result file. A malformed file is an unverified score that says what was wrong; a
 * "verified" file whose numbers do not hold together (no tokens, a bpb out of range) is unverified too.
 */
export function readScoreJson(value: unknown, modelBytes: number | null = null): ScoreResult {
  const bad = (what: string) => unverifiedScore(`the scorer's result is malformed: ${what}`, { modelBytes });
  if (!isObject(value)) return bad("not a JSON object");
  const v = value;
  if (v.status !== "verified" && v.status !== "unverified") return bad("status is not verified/unverified");
  if (v.reason !== null && v.reason !== undefined && typeof v.reason !== "string")
    return bad("reason is not a string");
  for (const key of ["tokens", "bytes"] as const) if (!count(v[key])) return bad(`${key} is not a count`);
  for (const key of ["seconds", "load_seconds"] as const)
    if (!finite(v[key], 0, 7 * 24 * 3600)) return bad(`${key} is not a number of seconds`);
  if (v.context_len !== null && v.context_len !== undefined && !(count(v.context_len) && v.context_len > 0))
    return bad("context_len is not a positive count");
  if (v.contract !== null && v.contract !== undefined && typeof v.contract !== "string")
    return bad("contract is not a string");
  let causality: ScoreResult["causality"] = null;
  if (v.causality !== null && v.causality !== undefined) {
    const c = v.causality;
    // max_abs_diff is null when no probe could run (the model failed first).
    const diff = c === null || !isObject(c) ? undefined : c.max_abs_diff === null ? 0 : c.max_abs_diff;
    if (!isObject(c) || !count(c.probes) || !finite(diff, 0, Infinity) || typeof c.ok !== "boolean")
      return bad("causality is not {probes, max_abs_diff, ok}");
    causality = { probes: c.probes, maxAbsDiff: diff, ok: c.ok };
  }
  const sandbox: ScoreResult["sandbox"] = v.sandbox === "bwrap" || v.sandbox === "none" ? v.sandbox : null;
  const network: ScoreResult["network"] = v.network === "blocked" || v.network === "open" ? v.network : null;
  const reason = typeof v.reason === "string" ? v.reason.slice(0, MAX_REASON) : null;
  const common = {
    reason,
    tokens: v.tokens as number,
    bytes: v.bytes as number,
    contextLen: (v.context_len as number | null | undefined) ?? null,
    contract: typeof v.contract === "string" ? v.contract.slice(0, 100) : null,
    causality,
    sandbox,
    network,
    seconds: v.seconds as number,
    loadSeconds: v.load_seconds as number,
    modelBytes,
  };
  if (v.status === "unverified")
    return {
      ...common,
      status: "unverified",
      reason: reason || "no reason given",
      valBpb: null,
      valLoss: null,
    };
  // The one range rule (plausible-score.ts), and a ceiling no real model comes near.
  const range = valBpbProblem(v.val_bpb);
  if (range) return bad(`a verified ${range}`);
  if ((v.val_bpb as number) > MAX_BPB) return bad(`a verified val_bpb must be at most ${MAX_BPB}`);
  if (v.val_loss !== null && v.val_loss !== undefined && !finite(v.val_loss, 0, 1000))
    return bad("val_loss is not a number from 0 to 1000");
  if (common.tokens === 0 || common.bytes === 0) return bad("a verified score must count tokens and bytes");
  return {
    ...common,
    status: "verified",
    valBpb: v.val_bpb as number,
    valLoss: (v.val_loss as number | null | undefined) ?? null,
  };
}

/** The scorer's own JSON form of a checked score, for passing on (the App checks it again). */
export function scoreToJson(score: ScoreResult): ScoreJson {
  return {
    status: score.status,
    reason: score.reason,
    val_bpb: score.valBpb,
    val_loss: score.valLoss,
    tokens: score.tokens,
    bytes: score.bytes,
    context_len: score.contextLen,
    contract: score.contract,
    causality: score.causality && {
      probes: score.causality.probes,
      max_abs_diff: score.causality.maxAbsDiff,
      ok: score.causality.ok,
    },
    sandbox: score.sandbox,
    network: score.network,
    seconds: score.seconds,
    load_seconds: score.loadSeconds,
  };
}
