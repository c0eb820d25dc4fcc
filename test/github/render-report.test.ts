import { describe, expect, it } from "vitest";
import { renderReport, type ReportRun } from "../../src/github/render-report.ts";

const run = (over: Partial<ReportRun>): ReportRun => ({
  runId: 1,
  commit: "abcdef1234567890",
  tier: "proxy",
  valBpb: 1.22,
  artifactBytes: 15_900_000,
  seconds: 305,
  outcome: "keep",
  reason: "better by 0.004",
  runUrl: "https://github.com/o/r/actions/runs/1",
  ...over,
});

describe("renderReport", () => {
  it("puts the newest run on top against the incumbent and SOTA, and folds older runs", () => {
    const body = renderReport({
      experiment: "exp-004",
      description: "deeper MLP",
      runs: [
        run({ runId: 1, commit: "1111111aaaa", outcome: "rerun", reason: "base moved" }),
        run({ runId: 2, commit: "2222222bbbb" }),
      ],
      incumbent: { valBpb: 1.224, experiment: "exp-002" },
      sota: { valBpb: 1.0611, label: "openai/parameter-golf#9" },
      limitBytes: 16_000_000,
    });
    expect(body.split("\n").slice(0, 4)).toEqual([
      "<!-- caddie:report exp-004 -->",
      "### caddie · exp-004: deeper MLP",
      "",
      "**✅ keep** — better by 0.004",
    ]);
    expect(body).toContain(
      "| this run ([2222222](https://github.com/o/r/actions/runs/1), proxy) | 1.2200 | — | −0.0040 | +0.1589 | 15,900,000 ✅ | 5m 05s |",
    );
    expect(body).toContain("<details><summary>Earlier runs (1)</summary>");
    expect(body).toContain("🔁 re-run on the new base | base moved |");
  });

  it("marks an artifact over the cap and a run without a score", () => {
    const body = renderReport({
      experiment: "exp-001",
      description: "x",
      runs: [run({ valBpb: null, artifactBytes: 16_000_001, outcome: "discard" })],
      incumbent: null,
      sota: null,
      limitBytes: 16_000_000,
    });
    expect(body).toContain("| — | — | — | 16,000,001 ❌ over the cap |");
  });
});
