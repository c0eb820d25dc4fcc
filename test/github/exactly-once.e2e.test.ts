/**
 * Every write to GitHub exactly once when answers are lost: the fake applies the write and then answers
 * 502 or resets the connection. Probot's own retries stay on (`retries: true`), as in production, because
 * their blind re-send of a POST is where duplicates came from.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseBotState } from "../../src/github/bot-state.ts";
import { CHECK_NAME } from "../../src/github/check-run.ts";
import { parseLedger } from "../../src/core/ledger.ts";
import { Harness, honestScore } from "../fakes/github/harness.ts";
import { rootLog } from "../fakes/github/logs.ts";

describe("exactly-once writes under lost answers", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  /** The harness with the baseline measured (1.30) and exp-001 open; returns exp-001's pull request. */
  async function withBaseline(options: Parameters<typeof Harness.start>[0] = {}): Promise<number> {
    h = await Harness.start({ retries: true, ...options });
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: rootLog(1.3) });
    return h.openPulls()[0] ?? 0;
  }
  const checks = (id: string) =>
    [...h.fake.state.checkRuns.values()].filter((c) => c.name === CHECK_NAME && c.externalId === id);
  const botComments = (issue: number, text: string) =>
    [...h.fake.state.comments.values()].filter(
      (c) => c.issueNumber === issue && c.user.type === "Bot" && c.body.includes(text),
    );
  const owed = (id: string) => parseBotState(h.stateFile("bot.json") ?? undefined).experiments[id]?.owed;

  it("merges and checks a keep once when both the merge's and the check run's answers are lost", async () => {
    const pr = await withBaseline();
    h.fake.fail({ operationId: "pulls/merge", kind: "lost-502", times: 1 });
    h.fake.fail({ operationId: "checks/create", kind: "lost-502", times: 1 });
    expect((await h.finish(pr, { log: rootLog(1.2) })).status).toBe(200);
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
    expect(h.fake.ops().filter((op) => op === "pulls/merge")).toHaveLength(1);
    expect(checks("exp-001").map((c) => c.conclusion)).toEqual(["success"]);
    expect(botComments(pr, "caddie:report")).toHaveLength(1);
    expect(botComments(pr, "=== ANALYSIS ===")).toHaveLength(1);
    expect(owed("exp-001")).toBeNull();
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => [r.experiment, r.status])).toEqual([
      ["exp-000", "keep"],
      ["exp-000", "keep"],
      ["exp-001", "keep"],
    ]);
    // The next tick finds nothing owed and writes no second check.
    await h.tick();
    expect(checks("exp-001")).toHaveLength(1);
  });

  it("posts the report and the ANALYSIS comment once when connections reset after the comments landed", async () => {
    const pr = await withBaseline();
    h.fake.fail({ operationId: "issues/create-comment", kind: "lost-reset", times: 2 });
    expect((await h.finish(pr, { log: rootLog(1.31) })).status).toBe(200);
    expect(botComments(pr, "caddie:report")).toHaveLength(1);
    expect(botComments(pr, "=== ANALYSIS ===")).toHaveLength(1);
    expect(h.fake.state.pulls.get(pr)?.state).toBe("closed");
    expect(owed("exp-001")).toBeNull();
  });

  it("creates one results issue and one pull request when their answers are lost", async () => {
    h = await Harness.start({ retries: true });
    h.fake.fail({ operationId: "pulls/create", kind: "lost-502", times: 1 });
    h.fake.fail({ operationId: "issues/create", kind: "lost-reset", times: 1 });
    expect((await h.tick()).status).toBe(200);
    expect([...h.fake.state.issues.values()]).toHaveLength(1);
    expect(h.fake.state.pulls.size).toBe(1);
    const bot = parseBotState(h.stateFile("bot.json") ?? undefined);
    expect(bot.resultsIssue).toBe([...h.fake.state.issues.keys()][0]);
    expect(bot.experiments["exp-000"]?.pr).toBe([...h.fake.state.pulls.keys()][0]);
    // The loop goes on from there: the baseline's result is decided on that pull request.
    await h.finishBaseline(bot.experiments["exp-000"]?.pr ?? 0, { log: rootLog(1.3) });
    // Two baseline runs (the harness's baseline_runs), nothing else.
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => r.experiment)).toEqual([
      "exp-000",
      "exp-000",
    ]);
    expect([...h.fake.state.issues.values()]).toHaveLength(1);
  });

  it("creates the research line once when that answer is lost (a repeated ref is a 422)", async () => {
    h = await Harness.start({ retries: true });
    h.fake.fail({ operationId: "git/create-ref", kind: "lost-502", times: 1 });
    expect((await h.tick()).status).toBe(200);
    expect(h.fake.state.refs.has("heads/autoresearch/main")).toBe(true);
    expect(h.openPulls()).toHaveLength(1);
  });

  it("merges a flagged run a collaborator keeps once when the merge's answer is lost", async () => {
    const pr = await withBaseline();
    await h.finish(pr, { log: rootLog(1.2), score: honestScore(2.0) });
    expect(h.fake.state.pulls.get(pr)?.state).toBe("open");
    h.fake.fail({ operationId: "pulls/merge", kind: "lost-502", times: 1 });
    expect((await h.comment(pr, "/keep")).status).toBe(200);
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
    expect(h.fake.ops().filter((op) => op === "pulls/merge")).toHaveLength(1);
    const row = parseLedger(h.stateFile("results.tsv") ?? "").find((r) => r.experiment === "exp-001");
    expect(row?.status).toBe("keep");
    expect(row?.flags.map((f) => f.code)).toEqual(["claim_mismatch", "kept_by"]);
    expect(botComments(pr, "over caddie's flags")).toHaveLength(1);
  });

  it("replies to a command once when the reply's answer is lost", async () => {
    h = await Harness.start({ retries: true });
    await h.tick();
    const issue = [...h.fake.state.issues.keys()][0] ?? 0;
    h.fake.fail({ operationId: "issues/create-comment", kind: "lost-502", times: 1 });
    expect((await h.comment(issue, "/pause")).status).toBe(200);
    expect(botComments(issue, "paused")).toHaveLength(1);
    expect(parseBotState(h.stateFile("bot.json") ?? undefined).paused).toBe(true);
  });

  it("gives up on an answer that never comes and still writes the check once", async () => {
    const pr = await withBaseline({ app: { writes: { baseDelayMs: 1, requestTimeoutMs: 1500 } } });
    h.fake.fail({ operationId: "checks/create", kind: "lost-hang", times: 1 });
    expect((await h.finish(pr, { log: rootLog(1.2) })).status).toBe(200);
    expect(checks("exp-001").map((c) => c.conclusion)).toEqual(["success"]);
    expect(owed("exp-001")).toBeNull();
  });

  it("never dispatches a paid promotion twice when the dispatch's answer is lost, and keeps its money reserved", async () => {
    const pr = await withBaseline();
    await h.finish(pr, { log: rootLog(1.2) });
    h.fake.fail({ operationId: "actions/create-workflow-dispatch", kind: "lost-502", times: 1 });
    expect((await h.comment(pr, "/promote")).status).toBe(200);
    expect(h.promoteDispatches()).toHaveLength(1);
    const promotions = Object.values(parseBotState(h.stateFile("bot.json") ?? undefined).promotions);
    expect(promotions.map((p) => p.state)).toEqual(["dispatched"]);
    expect(botComments(pr, "did not confirm the dispatch")).toHaveLength(1);
  });

  it("still writes once when GitHub refused a write outright (a 502 before it landed)", async () => {
    const pr = await withBaseline();
    h.fake.fail({ operationId: "checks/create", kind: "502", times: 2 });
    await h.finish(pr, { log: rootLog(1.2) });
    expect(checks("exp-001").map((c) => c.conclusion)).toEqual(["success"]);
    expect(owed("exp-001")).toBeNull();
  });

  it("publishes the check owed for a good re-run after three rejected runs of the same commit", async () => {
    const pr = await withBaseline({ retries: false });
    const sha = h.fake.state.pulls.get(pr)?.headSha;
    const broken = { "train.log": rootLog(1.2), "run.json": "{not json" };
    // Each rejected run is trained again on a collaborator's /rerun (a fresh dispatch of the same commit).
    for (let i = 0; i < 3; i++) {
      await h.finish(pr, { log: "", files: broken });
      expect((await h.comment(pr, "/rerun")).status).toBe(200);
    }
    expect(checks("exp-001").map((c) => c.output?.title)).toEqual([
      "result rejected: run.json is not valid JSON",
      "result rejected: run.json is not valid JSON",
      "result rejected: run.json is not valid JSON",
    ]);
    // The good re-run is kept and merged, but every attempt at its check fails.
    h.fake.fail({ operationId: "checks/create", kind: "502", times: 4 });
    await h.finish(pr, { log: rootLog(1.2) });
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
    expect(owed("exp-001")?.check?.conclusion).toBe("success");

    await h.tick();
    const latest = checks("exp-001")
      .filter((c) => c.headSha === sha)
      .sort((a, b) => b.id - a.id)[0];
    expect([latest?.conclusion, latest?.output?.title]).toEqual([
      "success",
      "keep: 1.2000, better than 1.3000",
    ]);
    expect(checks("exp-001").filter((c) => c.conclusion === "success")).toHaveLength(1);
    expect(owed("exp-001")).toBeNull();
  });

  /** Dispatches of the training workflow for one pull request. */
  const trainings = (pr: number) =>
    h.fake.state.workflowDispatches.filter(
      (d) => d.workflowId === "caddie-experiment.yml" && (d.inputs as { pr?: string }).pr === String(pr),
    );

  it("dispatches an experiment's training once when the dispatch's answer is lost", async () => {
    h = await Harness.start({ retries: true });
    h.fake.fail({ operationId: "actions/create-workflow-dispatch", kind: "lost-502", times: 1 });
    expect((await h.tick()).status).toBe(200);
    const pr = h.openPulls()[0] ?? 0;
    // The next cron tick's reconciler finds the run the lost dispatch started: it does not send another.
    await h.tick();
    expect(trainings(pr)).toHaveLength(1);
    const dispatches = parseBotState(h.stateFile("bot.json") ?? undefined).experiments["exp-000"]?.dispatches;
    expect(dispatches?.map((d) => [d.runId !== null, d.unconfirmed !== undefined])).toEqual([[true, true]]);
    await h.finishBaseline(pr, { log: rootLog(1.3) });
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => r.experiment)).toEqual([
      "exp-000",
      "exp-000",
    ]);
  });

  it("sends a training dispatch again only once its window has passed with no run", async () => {
    let now = Date.now();
    h = await Harness.start({ retries: true, app: { clock: { now: () => now } } });
    // Refused before it landed, but the App cannot tell that from a lost answer.
    h.fake.fail({ operationId: "actions/create-workflow-dispatch", kind: "502", times: 1 });
    await h.tick();
    const pr = h.openPulls()[0] ?? 0;
    await h.tick();
    expect(trainings(pr)).toHaveLength(0);
    now += 11 * 60_000;
    await h.tick();
    expect(trainings(pr)).toHaveLength(1);
    await h.tick();
    expect(trainings(pr)).toHaveLength(1);
    await h.finishBaseline(pr, { log: rootLog(1.3) });
    expect(h.fake.state.pulls.get(pr)?.state).toBe("closed");
  });

  it("releases a promotion's reservation when its unconfirmed dispatch never started a run", async () => {
    let now = Date.now();
    const pr = await withBaseline({ app: { clock: { now: () => now } } });
    await h.finish(pr, { log: rootLog(1.2) });
    h.fake.fail({ operationId: "actions/create-workflow-dispatch", kind: "502", times: 1 });
    expect((await h.comment(pr, "/promote")).status).toBe(200);
    const promotion = () => Object.values(parseBotState(h.stateFile("bot.json") ?? undefined).promotions)[0];
    await h.tick();
    expect(promotion()?.state).toBe("dispatched");
    now += 11 * 60_000;
    await h.tick();
    expect(promotion()?.state).toBe("released");
    expect(h.promoteDispatches()).toHaveLength(0);
    expect(botComments(pr, "no run appeared")).toHaveLength(1);
    const spend = JSON.parse(h.stateFile("spend.json") ?? "{}") as { entries?: { state?: string }[] };
    expect(JSON.stringify(spend)).toContain("released");
  });
});
