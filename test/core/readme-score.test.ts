import { describe, expect, it } from "vitest";
import { readmeScore } from "../../src/core/readme-score.ts";

describe("readmeScore", () => {
  it.each([
    ["**val_bpb: 1.1556**", 1.1556],
    ["**val_bpb = 1.1271** (sliding window)", 1.1271],
    ["## Record: Some Stack (val_bpb: 1.1307)", 1.1307],
    ["# Record: SP8192 Stack — val_bpb 1.09785", 1.09785],
    ["**val bpb: 1.08563**", 1.08563],
    ["**val_loss: 2.77261 | val_bpb: 1.07336** | ~15.99 MB", 1.07336],
    ["# Record: 1.1570 BPB — Ternary U-Net", 1.157],
    ["# Notable Non-Record Submission: 1.1239 BPB — 106M Binary", 1.1239],
    ["**val_var_bpb: 1.1465** (512 eval steps)", 1.1465],
    ["**val\\_bpb: 1.2001**", 1.2001],
    ["The final post-quant score (**1.3281 val_bpb**) does not beat the baseline", 1.3281],
  ])("reads the headline in %j", (text, value) => {
    expect(readmeScore(text).headline?.value).toBe(value);
  });

  it.each([
    ["**Mean val_bpb: 1.1748** (3 seeds, p<0.001)", 1.1748, 3],
    ["## Score: mean val_bpb = 1.1458 (3 seeds: 1.1460, 1.1455, 1.1459)", 1.1458, 3],
    ["mean val_bpb = 1.07139 | std = 0.00082 | 15.927 MB", 1.07139, null],
    ["**val_bpb: 1.14276** (mean of 3 seeds, sliding window stride=64)", 1.14276, 3],
    ["3-seed mean: 1.06107587 BPB", 1.06107587, 3],
    ["- Sample mean across the three runs: `1.20636623`", 1.20636623, null],
    ["```\nbpb: [1.1927, 1.1935]\nmean: 1.1931\n```", 1.1931, null],
  ])("reads the stated mean in %j", (text, value, seeds) => {
    const score = readmeScore(text);
    expect(score.statedMean).toBe(value);
    if (seeds !== null) expect(score.seedCount).toBe(seeds);
  });

  it("does not take a best-seed headline or the previous SOTA for a mean", () => {
    const score = readmeScore(
      "**val_bpb = 1.1213** (sliding window stride=64, best seed 1337)\n\n**Improvement over current leaderboard (1.0810 BPB):** -0.02\n",
    );
    expect(score.statedMean).toBeNull();
    expect(score.headline).toEqual({ value: 1.1213, bestSeed: true });
  });

  it("picks the seed table column whose mean matches the stated mean, not pre-quant or roundtrip", () => {
    const text = [
      "**val_bpb: 1.1570** (3-seed mean sliding)",
      "",
      "| Seed | Pre-quant BPB | Sliding BPB | RT bpb | Artifact |",
      "|------|------|------|------|------|",
      "| 42 | 1.1700 | 1.1565 | 1.1837 | 15,993,853 bytes |",
      "| 1337 | 1.1710 | 1.1568 | 1.1839 | 15,995,705 bytes |",
      "| 7 | 1.1720 | 1.1578 | 1.1850 | 15,992,753 bytes |",
    ].join("\n");
    expect(readmeScore(text).perSeed).toEqual([
      { seed: "42", val_bpb: 1.1565, artifact_bytes: 15993853 },
      { seed: "1337", val_bpb: 1.1568, artifact_bytes: 15995705 },
      { seed: "7", val_bpb: 1.1578, artifact_bytes: 15992753 },
    ]);
  });

  it("prefers a bold post-TTT column when no mean is stated", () => {
    const text = [
      "| Seed | Pre-quant val_bpb | Post-quant val_bpb | **Post-TTT val_bpb** |",
      "|-|-|-|-|",
      "| 1 | 1.07 | 1.08 | **1.06** |",
      "| 2 | 1.07 | 1.08 | **1.05** |",
    ].join("\n");
    expect(readmeScore(text).perSeed.map((s) => s.val_bpb)).toEqual([1.06, 1.05]);
  });

  it("reads SEED=n lines and the exact printed metric", () => {
    const text =
      "- Exact printed metric: `final_int8_zlib_roundtrip_exact val_bpb:1.22436570`\n" +
      "- `SEED=1337`: `1.20576485`\n- `SEED=1338`: `1.20617460`\n- train.log: SEED=1337, val_bpb=1.20576485\n" +
      "- Total submission size int8+zlib: `15863489 bytes`\n";
    const score = readmeScore(text);
    expect(score.exact).toBe(1.2243657);
    expect(score.perSeed.map((s) => [s.seed, s.val_bpb])).toEqual([
      ["1337", 1.20576485],
      ["1338", 1.2061746],
    ]);
    expect(score.artifactBytes).toBe(15863489);
  });

  it("does not read the cap as an artifact size", () => {
    expect(
      readmeScore("- [x] All 3 seeds artifact <=16,000,000 bytes (max: 15,995,705)").artifactBytes,
    ).toBeNull();
  });
});
