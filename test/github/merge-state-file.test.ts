import { describe, expect, it } from "vitest";
import { formatLedger, parseLedger, type LedgerRow } from "../../src/core/ledger.ts";
import { mergeJson, mergeStateFile } from "../../src/github/merge-state-file.ts";

const row = (experiment: string, status: LedgerRow["status"] = "keep"): LedgerRow => ({
  experiment,
  commit: "abc",
  tier: "proxy",
  seed: null,
  val_bpb: 1.2,
  artifact_bytes: 1,
  memory_gb: null,
  seconds: 1,
  status,
  promoted: false,
  cost_usd: null,
  claimed_val_bpb: null,
  flags: [],
  description: experiment,
});

describe("mergeStateFile", () => {
  it("keeps both writers' ledger rows when two decisions race", () => {
    const base = formatLedger([row("exp-000")]);
    const ours = formatLedger([row("exp-000"), row("exp-001")]);
    const theirs = formatLedger([row("exp-000"), row("exp-002", "discard")]);
    expect(parseLedger(mergeStateFile("results.tsv", base, ours, theirs)).map((r) => r.experiment)).toEqual([
      "exp-000",
      "exp-002",
      "exp-001",
    ]);
  });

  it("merges JSON by key: both experiments survive, counters take the larger, lists union", () => {
    const merged = mergeJson(
      { counter: 1, experiments: { a: 1 }, handled: ["x"] },
      { counter: 2, experiments: { a: 1, b: 2 }, handled: ["x", "y"] },
      { counter: 3, experiments: { a: 1, c: 3 }, handled: ["x", "z"] },
    );
    expect(merged).toEqual({ counter: 3, experiments: { a: 1, c: 3, b: 2 }, handled: ["x", "z", "y"] });
  });
});
