import { describe, expect, it } from "vitest";
import { gateArtifact } from "../../src/core/artifact-gate.ts";
import { describeFlags, formatFlagsCell, overBudget, parseFlagsCell } from "../../src/core/flags.ts";
import { measurementFlags } from "../../src/core/measurement-flags.ts";
import { claimReference, claimTolerance } from "../../src/core/claim-gap.ts";
import type { LedgerRow } from "../../src/core/ledger.ts";
import { finalScoreLines, parseRunLog } from "../../src/core/parse-run-log.ts";
import { readScoreJson, unverifiedScore } from "../../src/core/score-result.ts";

const log = (claims: number[], size = 1100) =>
  [
    "step:100/100 val_loss:2.5 val_bpb:3.5000 train_time:1000ms step_avg:10ms",
    `Total submission size int8+zlib: ${size} bytes`,
    ...claims.map((c) => `final_int8_zlib_roundtrip_exact val_loss:2.00000000 val_bpb:${c.toFixed(8)}`),
  ].join("\n");

const score = (valBpb: number, causality = { probes: 4, max_abs_diff: 0, ok: true }) =>
  readScoreJson({
    status: "verified",
    reason: null,
    val_bpb: valBpb,
    val_loss: 2,
    tokens: 2_097_152,
    bytes: 100,
    causality,
    seconds: 1,
    load_seconds: 0.1,
  });

function flagsOf(text: string, s: ReturnType<typeof score> | null, extra = {}) {
  const summary = parseRunLog(text, { exitCode: 0 });
  return measurementFlags({
    summary,
    finalLines: summary.metric ? finalScoreLines(text, summary.metric) : [],
    gate: gateArtifact({ codeBytes: 100, modelBytes: 1000, logArtifactBytes: summary.artifact_bytes }),
    score: s,
    tolerance: 0.05,
    ...extra,
  });
}

describe("measurementFlags", () => {
  it("raises nothing for an honest run: one final line, caddie agrees within the tolerance", () => {
    expect(flagsOf(log([3.41]), score(3.43))).toEqual([]);
  });

  it("names the claim and caddie's number when they disagree", () => {
    const flags = flagsOf(log([1.7]), score(3.41));
    expect(flags.map((f) => f.code)).toEqual(["claim_mismatch"]);
    expect(describeFlags(flags)).toContain("the log claims val_bpb 1.7000, caddie measured 3.4100");
  });

  it("flags caddie's own score below the tier's plausible floor, only where a tier is named", () => {
    const flags = flagsOf(log([0.5]), score(0.5), { tier: "proxy" });
    expect(flags.map((f) => f.code)).toEqual(["implausible_score"]);
    expect(flags[0]?.message).toContain("below 0.9500, the lowest the proxy tier can plausibly reach");
    expect(flagsOf(log([1.2]), score(1.2), { tier: "proxy" })).toEqual([]);
    expect(flagsOf(log([0.5]), score(0.5))).toEqual([]);
  });

  it("refuses an impossible verified score through the one range rule", () => {
    expect(score(-1)).toMatchObject({ status: "unverified", valBpb: null });
    expect(score(-1).reason).toContain("a verified val_bpb must be positive, got -1.00000000");
    expect(score(Number.NaN).reason).toContain("finite");
    expect(score(65).reason).toContain("at most 64");
  });

  it("flags a second final score line, even one that repeats the real number", () => {
    const flags = flagsOf(log([3.41, 1.7]), score(1.7));
    expect(flags.map((f) => f.code)).toEqual(["duplicate_score"]);
    expect(flags[0]?.message).toContain("final_int8_zlib_roundtrip_exact 2 times (3.4100, 1.7000)");
  });

  it("flags a size line that disagrees with caddie's count", () => {
    const flags = flagsOf(log([3.41], 900), score(3.41));
    expect(flags.map((f) => f.code)).toEqual(["size_mismatch"]);
    expect(flags[0]?.message).toContain("the log claims a 900-byte submission, caddie counted 1,100 bytes");
  });

  it("flags an unverified score with its reason, and a failed causality probe as non-causal", () => {
    expect(flagsOf(log([3.41]), unverifiedScore("the model file cannot be loaded"))[0]?.message).toBe(
      "caddie could not score the model itself: the model file cannot be loaded",
    );
    expect(flagsOf(log([3.41]), null)[0]?.code).toBe("unverified");
    const leaky = score(1.2, { probes: 4, max_abs_diff: 0.8, ok: false });
    expect(flagsOf(log([1.2]), leaky).map((f) => f.code)).toEqual(["non_causal"]);
  });

  it("carries the runner's flags through, and none for a crash beyond them", () => {
    const budget = overBudget({ seconds: 61, budgetSeconds: 20, by: "log" });
    expect(flagsOf(log([3.41]), score(3.41), { runnerFlags: [budget] })).toEqual([budget]);
    const crash = parseRunLog("Traceback (most recent call last):\nValueError: x\n", { exitCode: 1 });
    expect(
      measurementFlags({ summary: crash, finalLines: [], gate: null, score: null, tolerance: 0.05 }),
    ).toEqual([]);
  });

  it("round-trips flags through a results.tsv cell, and keeps what it does not know", () => {
    const flags = flagsOf(log([1.7, 1.7], 900), score(3.41));
    expect(parseFlagsCell(formatFlagsCell(flags))).toEqual(flags);
    expect(parseFlagsCell("a note by hand")).toEqual([{ code: "other", message: "a note by hand" }]);
  });
});

describe("the claim held to the baseline's gap", () => {
  const rows = (gaps: number[]): LedgerRow[] =>
    gaps.map((gap, i) => ({
      experiment: "exp-000",
      commit: "c",
      tier: "proxy",
      seed: 1337 + i,
      val_bpb: 2.7,
      claimed_val_bpb: 2.7 + gap,
      artifact_bytes: 1100,
      memory_gb: null,
      seconds: 10,
      status: "keep",
      promoted: false,
      cost_usd: null,
      flags: [],
      description: "baseline",
    }));

  it("measures the gap from the baseline's runs, at the tier or the one it confirms, and never checks the baseline", () => {
    const near = (gap: number, runs: number) => ({ kind: "check", gap: expect.closeTo(gap, 12), runs });
    expect(claimReference(rows([-0.17, -0.15]), "proxy", "exp-001")).toEqual(near(-0.16, 2));
    expect(claimReference(rows([-0.17]), "proxy@4x", "exp-001")).toEqual(near(-0.17, 1));
    expect(claimReference(rows([-0.17]), "full", "exp-001")).toEqual(near(0, 0));
    expect(claimReference(rows([-0.17]), "proxy", "exp-000")).toEqual({ kind: "baseline" });
    expect(claimReference([], "proxy", "exp-001")).toEqual({ kind: "check", gap: 0, runs: 0 });
  });

  it("flags a claim off the baseline's gap by more than the tolerance, and only that", () => {
    const ref = claimReference(rows([-0.17, -0.15]), "proxy", "exp-001");
    // Honest: caddie 0.16 above the claim, as for the baseline.
    expect(flagsOf(log([2.5]), score(2.66), { claimReference: ref })).toEqual([]);
    // Forged: the claim halves the real score.
    const forged = flagsOf(log([1.33]), score(2.66), { claimReference: ref });
    expect(forged.map((f) => f.code)).toEqual(["claim_mismatch"]);
    expect(forged[0]?.message).toBe(
      "the log claims val_bpb 1.3300, caddie measured 2.6600 (a gap of -1.3300 where the unchanged script's is -0.1600: off by 1.1700, more than the 0.0500 allowed)",
    );
    // The baseline sets the gap: its own claim is never a mismatch.
    expect(flagsOf(log([2.5]), score(2.9), { claimReference: { kind: "baseline" } })).toEqual([]);
    // Without a baseline gap the claim must match caddie's number.
    expect(flagsOf(log([2.5]), score(2.66)).map((f) => f.code)).toEqual(["claim_mismatch"]);
  });

  it("allows what caddie's own held-out sample cannot resolve: a few thousand tokens are not 2 million", () => {
    // Measured on one H100 (root script, 60k-token validation sample, 2,048 held-out tokens scored): the
    // baseline's gap -0.080, an honest WARMDOWN_ITERS change's -0.173.
    const ref = { kind: "check" as const, gap: -0.08, runs: 2 };
    const scored = (tokens: number) =>
      readScoreJson({
        status: "verified",
        reason: null,
        val_bpb: 2.6895,
        val_loss: 4.2,
        tokens,
        bytes: tokens * 2,
        causality: { probes: 4, max_abs_diff: 0, ok: true },
        seconds: 1,
        load_seconds: 0.1,
      });
    expect(claimTolerance(0.05, 2.6895, 2048)).toBeCloseTo(0.1426, 4);
    expect(claimTolerance(0.05, 1.2, 2_097_152)).toBe(0.05);
    expect(flagsOf(log([2.5166]), scored(2048), { claimReference: ref })).toEqual([]);
    // The same gap on a sample that can resolve it is a flag, and says what was allowed.
    const flagged = flagsOf(log([2.5166]), scored(2_097_152), { claimReference: ref });
    expect(flagged[0]?.message).toContain("off by 0.0929, more than the 0.0500 allowed");
    // A forged claim stands out on the small sample too.
    const forged = flagsOf(log([1.3448]), scored(2048), { claimReference: ref });
    expect(forged[0]?.message).toContain("more than the 0.1426 allowed");
  });
});
