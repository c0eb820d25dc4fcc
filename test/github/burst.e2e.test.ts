import { afterEach, describe, expect, it } from "vitest";
import { parseLedger } from "../../src/core/ledger.ts";
import { CONFIG_YML, Harness } from "../fakes/github/harness.ts";
import { ScriptedProposer } from "../fakes/github/scripted-proposer.ts";
import { workflowRunPayload } from "../fakes/github/webhooks.ts";
import { sampleLog } from "../helpers/sample-logs.ts";

describe("many results at once", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("records exactly 20 ledger rows when 20 training runs finish at once, and the results issue agrees", async () => {
    h = await Harness.start({
      config: CONFIG_YML.replace("concurrency: 1", "concurrency: 20"),
      app: { proposerFor: () => new ScriptedProposer() },
    });
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog("proxy-baseline") });
    const open = h.openPulls();
    expect(open).toHaveLength(20);

    const better = sampleLog("full-baseline");
    const payloads = open.map((pr) => workflowRunPayload(h.fake, h.train(pr, { log: better })));
    const deliveries = await Promise.all(payloads.map((p) => h.send("workflow_run", p)));
    expect(deliveries.map((d) => d.status)).toEqual(open.map(() => 200));

    const rows = parseLedger(h.stateFile("results.tsv") ?? "").filter((r) => r.experiment !== "exp-000");
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.experiment)).size).toBe(20);
    // The first to settle beats the baseline; the other 19 only tie it.
    expect(rows.filter((r) => r.status === "keep")).toHaveLength(1);
    expect(rows.filter((r) => r.status === "discard")).toHaveLength(19);
    const merged = open.filter((pr) => h.fake.state.pulls.get(pr)?.merged);
    expect(merged).toHaveLength(1);

    const issue = [...h.fake.state.issues.values()].find((i) => i.body?.includes("caddie:results-issue"));
    for (const row of rows) expect(issue?.body).toContain(`[${row.experiment}](../pull/`);
    expect(issue?.body).toContain("| best proxy | 1.2244 |");
    expect(h.fake.violations).toEqual([]);
  }, 120_000); // twenty deliveries at once: a generous ceiling for a loaded 2-core machine
});
