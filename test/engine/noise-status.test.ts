import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config.ts";
import type { LedgerRow } from "../../src/core/ledger.ts";
import { criticalValue } from "../../src/core/noise.ts";
import { RERUN_MARK } from "../../src/engine/earn-verdict.ts";
import { noiseStatus, renderNoiseStatus } from "../../src/engine/noise-status.ts";

function row(
  experiment: string,
  seed: number,
  valBpb: number,
  status: LedgerRow["status"],
  tier = "proxy",
  description = "d",
): LedgerRow {
  return {
    experiment,
    commit: experiment,
    tier,
    seed,
    val_bpb: valBpb,
    claimed_val_bpb: valBpb,
    artifact_bytes: 1,
    memory_gb: null,
    seconds: 1,
    status,
    promoted: false,
    cost_usd: null,
    flags: [],
    description,
  };
}

describe("noiseStatus", () => {
  const config = parseConfig({ thresholds: { min_delta: 0.001 } });

  it("says what sigma rests on, the threshold now, and the extra runs", () => {
    const rows = [
      row("exp-000", 1337, 3.0, "keep"),
      row("exp-000", 1338, 3.2, "keep"),
      row("exp-001", 1337, 2.5, "keep"),
      row("exp-001", 1338, 2.7, "keep"),
      row("exp-001", 1339, 2.6, "keep", "proxy", `d ${RERUN_MARK}the incumbent again)`),
      row("exp-002", 1337, 2.55, "discard"),
      row("exp-002", 1338, 2.59, "discard"),
      row("exp-003", 1337, 2.4, "discard"),
      row("exp-003", 1337, 2.6, "discard", "proxy@4x"),
    ];
    const status = noiseStatus(rows, config, "proxy");
    // Kept groups: [3.0, 3.2] (SS 0.02) and [2.5, 2.7, 2.6] (SS 0.02): sigma^2 = 0.04 / 3.
    expect(status.noise.sigma).toBeCloseTo(Math.sqrt(0.04 / 3), 12);
    expect([status.noise.df, status.noise.runs]).toEqual([3, 5]);
    expect(status.incumbentRuns).toBe(3);
    expect(status.threshold).toBeCloseTo(
      criticalValue(2, 3) * Math.sqrt(0.04 / 3) * Math.sqrt(1 + 1 / 3),
      12,
    );
    expect(status.pairedSeeds).toBe(2); // exp-001's and exp-002's second proxy runs
    expect(status.incumbentReruns).toBe(1);
    expect(status.confirmations).toEqual([{ experiment: "exp-003", tier: "proxy@4x", held: false }]);
    const lines = renderNoiseStatus(status, config);
    expect(lines[0]).toBe("- Noise: sigma 0.1155 from 5 runs (3 df).");
    expect(lines.at(-1)).toContain("exp-003 at proxy@4x did not hold");
  });

  it("has no threshold before anything is repeated, and says the verdict will wait", () => {
    const status = noiseStatus([row("exp-000", 1337, 3.0, "keep")], config, "proxy");
    expect(status.threshold).toBeNull();
    expect(renderNoiseStatus(status, config)[1]).toContain("`pending: needs a second baseline`");
  });
});
