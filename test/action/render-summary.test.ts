import { describe, expect, it } from "vitest";
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
        "| val_bpb | - |",
        "| val_loss | - |",
        "| Code | - |",
        "| Model | - |",
        "| Total vs cap | - |",
        "| Steps | - |",
        "| Train time | - |",
        "| Peak memory | - |",
        "",
        "**Crash:** ValueError: &#60;script&#62;alert(1)&#60;/script&#62; &#124; bad",
        "",
      ].join("\n"),
    );
  });
});
