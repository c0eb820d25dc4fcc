import { describe, expect, it } from "vitest";
import { expectDefused, HOSTILE } from "../helpers/hostile.ts";
import { crashResult, type ActionResult } from "../../src/action/measure-run.ts";
import { renderActionSummary } from "../../src/action/render-summary.ts";

const raw = { log: "l", code: ["c"], model: "m", limit: "", tier: "", metricPattern: "", exitCode: "" };

describe("renderActionSummary", () => {
  it("renders a crash with dashes and the error, escaping markup from the log", () => {
    const r: ActionResult = crashResult(raw, "proxy", "ValueError: <script>alert(1)</script> | bad");
    expect(renderActionSummary(r)).toBe(
      [
        "### caddie: proxy tier, crash",
        "",
        "| Measure | Value |",
        "|---|---|",
        "| val_bpb (caddie's own score) | - |",
        "| val_bpb the log claims | - |",
        "| Scoring step | none ran |",
        "| val_loss | - |",
        "| Code | - |",
        "| Model | - |",
        "| Total vs cap | - |",
        "| Steps | - |",
        "| Train time | - |",
        "| Peak memory | - |",
        "",
        // The one renderer (src/core/safe-markdown.ts): markup dropped, table syntax escaped.
        "**Crash:** ValueError: \\| bad",
        "",
      ].join("\n"),
    );
  });

  it("keeps every row at two cells when the metric name or the scorer's words hold a pipe (escaped once)", () => {
    const r: ActionResult = {
      ...crashResult(raw, "proxy", "x"),
      claimed_val_bpb: 1.25,
      metric: "final|exact",
      score: { status: "a | b", sandbox: "bwrap", network: "none" },
    };
    const rows = renderActionSummary(r)
      .split("\n")
      .filter((line) => line.startsWith("| "));
    for (const row of rows) expect(row.match(/(?<!\\)\|/g)).toHaveLength(3);
    expect(rows).toContain("| val_bpb the log claims | 1.25 (`final\\|exact`) |");
    expect(rows).toContain("| Scoring step | a \\| b (sandbox bwrap, network none) |");
  });

  it("defuses mentions, references, images and links in the log's error and metric name", () => {
    const r: ActionResult = { ...crashResult(raw, "proxy", HOSTILE), metric: `final\`@x ${HOSTILE}` };
    expectDefused(renderActionSummary(r));
    expectDefused(renderActionSummary({ ...r, val_bpb: 1.5 }));
  });
});
