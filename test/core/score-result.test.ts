import { describe, expect, it } from "vitest";
import { readScoreJson, scoreToJson } from "../../src/core/score-result.ts";

const verified = {
  status: "verified",
  reason: null,
  val_bpb: 3.41,
  val_loss: 2.36,
  tokens: 16384,
  bytes: 16300,
  context_len: 128,
  contract: "caddie_model",
  causality: { probes: 4, max_abs_diff: 0, ok: true },
  sandbox: "bwrap",
  network: "blocked",
  seconds: 2.5,
  load_seconds: 1.1,
  score_first_declared: false,
  stride: null,
  windows: 128,
};

describe("readScoreJson", () => {
  it("reads a verified score, ignoring fields it does not know", () => {
    const s = readScoreJson(verified, 1234);
    expect(s).toMatchObject({ status: "verified", valBpb: 3.41, tokens: 16384, modelBytes: 1234 });
    expect(s.causality).toEqual({ probes: 4, maxAbsDiff: 0, ok: true });
    expect(readScoreJson(scoreToJson(s), 1234)).toEqual(s);
  });

  it("reads an unverified score with its reason and no number", () => {
    const s = readScoreJson({
      ...verified,
      status: "unverified",
      reason: "the model host exited with code 1 while loading: KeyError",
      val_bpb: null,
      val_loss: null,
      causality: { probes: 0, max_abs_diff: null, ok: false },
    });
    expect(s).toMatchObject({
      status: "unverified",
      valBpb: null,
      reason: expect.stringContaining("KeyError"),
    });
  });

  it.each([
    ["not an object", [1, 2]],
    ["a made-up status", { ...verified, status: "great" }],
    ["a verified score without a number", { ...verified, val_bpb: null }],
    ["a zero score", { ...verified, val_bpb: 0 }],
    ["a negative score", { ...verified, val_bpb: -1 }],
    ["an absurd score", { ...verified, val_bpb: 1e9 }],
    ["NaN smuggled as a string", { ...verified, val_bpb: "NaN" }],
    ["no tokens counted", { ...verified, tokens: 0 }],
    ["fractional token count", { ...verified, tokens: 1.5 }],
    ["negative seconds", { ...verified, seconds: -1 }],
    ["a broken causality block", { ...verified, causality: { probes: "4" } }],
  ])("turns %s into an unverified score, never an exception", (_what, value) => {
    const s = readScoreJson(value);
    expect(s.status).toBe("unverified");
    expect(s.valBpb).toBeNull();
    expect(s.reason).toMatch(/malformed/);
  });
});
