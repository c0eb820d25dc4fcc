import { afterEach, describe, expect, it } from "vitest";
import { parseBotState } from "../../src/github/bot-state.ts";
import { CHECK_NAME } from "../../src/github/check-run.ts";
import { parseLedger } from "../../src/core/ledger.ts";
import { Harness } from "../fakes/github/harness.ts";
import { sampleLog } from "../helpers/sample-logs.ts";

const BASELINE = "proxy-baseline";

describe("publishing a decision that failed half-way", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  async function withBaseline(): Promise<number> {
    h = await Harness.start();
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog(BASELINE) });
    return h.openPulls()[0] ?? 0;
  }
  const owed = (id: string) => parseBotState(h.stateFile("bot.json") ?? undefined).experiments[id]?.owed;
  const checks = (id: string) =>
    [...h.fake.state.checkRuns.values()].filter((c) => c.name === CHECK_NAME && c.externalId === id);
  const botComments = (pr: number, text: string) =>
    [...h.fake.state.comments.values()].filter(
      (c) => c.issueNumber === pr && c.user.type === "Bot" && c.body.includes(text),
    );

  it("publishes a check run that got a 502 after the decision on the next tick, exactly once", async () => {
    const pr = await withBaseline();
    // Every attempt of the delivery fails (each one looked for first): the check stays owed.
    h.fake.fail({ operationId: "checks/create", kind: "502", times: 4 });
    await h.finish(pr, { log: sampleLog("full-baseline") });
    // The decision is on record and the rest was published; only the check is still owed.
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => r.experiment)).toEqual([
      "exp-000",
      "exp-000",
      "exp-001",
    ]);
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
    expect(checks("exp-001")).toEqual([]);
    expect(botComments(pr, "caddie:report")).toHaveLength(1);
    expect(botComments(pr, "=== ANALYSIS ===")).toHaveLength(1);
    expect(owed("exp-001")).toMatchObject({ report: false, analysis: null, close: false });
    expect(owed("exp-001")?.check?.conclusion).toBe("success");

    await h.tick();
    expect(checks("exp-001").map((c) => [c.conclusion, c.headSha, c.actions.length])).toEqual([
      ["success", h.fake.state.pulls.get(pr)?.headSha, 1],
    ]);
    expect(botComments(pr, "caddie:report")).toHaveLength(1);
    expect(botComments(pr, "=== ANALYSIS ===")).toHaveLength(1);
    expect(owed("exp-001")).toBeNull();

    const creates = h.fake.ops().filter((op) => op === "checks/create").length;
    await h.tick();
    expect(h.fake.ops().filter((op) => op === "checks/create").length).toBe(creates);
    expect(checks("exp-001")).toHaveLength(1);
  });

  it("closes a discarded pull request whose close failed twice (the batch's and the publish's) on the next tick", async () => {
    const pr = await withBaseline();
    h.fake.fail({ operationId: "pulls/update", kind: "502", times: 2 });
    await h.finish(pr, { log: sampleLog(BASELINE) });
    expect(parseLedger(h.stateFile("results.tsv") ?? "").at(-1)).toMatchObject({
      experiment: "exp-001",
      status: "discard",
    });
    expect(h.fake.state.pulls.get(pr)?.state).toBe("open");
    expect(owed("exp-001")?.close).toBe(true);

    await h.tick();
    expect(h.fake.state.pulls.get(pr)?.state).toBe("closed");
    expect(owed("exp-001")).toBeNull();
    expect(checks("exp-001")).toHaveLength(1);
    expect(botComments(pr, "=== ANALYSIS ===")).toHaveLength(1);
  });
});
