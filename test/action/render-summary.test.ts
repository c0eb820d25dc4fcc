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

  it("defuses mentions, references, images and links in the log's error and metric name", () => {
    const r: ActionResult = { ...crashResult(raw, "proxy", HOSTILE), metric: `final\`@x ${HOSTILE}` };
    expectDefused(renderActionSummary(r));
    expectDefused(renderActionSummary({ ...r, val_bpb: 1.5 }));
  });
});
