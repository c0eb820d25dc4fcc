import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Harness } from "../fakes/github/harness.ts";
import { commentPayload, workflowRunPayload } from "../fakes/github/webhooks.ts";
import { sampleLog } from "../helpers/sample-logs.ts";
import { parseLedger } from "../../src/core/ledger.ts";

describe("commands on GitHub", () => {
  let h: Harness;
  let measuredPr: number;

  beforeEach(async () => {
    h = await Harness.start();
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog("proxy-baseline") });
    measuredPr = h.openPulls()[0] ?? 0;
    await h.finish(measuredPr, { log: sampleLog("full-baseline") });
  });
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  const replies = (issue: number) =>
    [...h.fake.state.comments.values()].filter(
      (c) => c.issueNumber === issue && c.user.type === "Bot" && c.body.startsWith("@"),
    );

  it("gives strangers and read-only users nothing: no reply, no reaction, no state commit, no dispatch", async () => {
    const results = [...h.fake.state.issues.values()].find((i) => i.body?.includes("caddie:results-issue"));
    const stateHead = h.fake.state.refs.get("heads/caddie/state");
    const comments = h.fake.state.comments.size;
    const writes = () =>
      h.fake.calls.filter(
        (c) => c.method !== "GET" && c.operationId !== "apps/create-installation-access-token",
      );
    const before = writes().length;
    const stranger = { login: "passer-by", type: "User" as const };
    const reader = { login: "reader", type: "User" as const };
    for (const [issue, body, user] of [
      [measuredPr, "/promote", reader],
      [measuredPr, "/promote seeds=5", stranger],
      [measuredPr, "/keep", stranger],
      [measuredPr, "/frobnicate", stranger],
      [results?.number ?? 0, "/pause", stranger],
      [results?.number ?? 0, "/budget", stranger],
    ] as const)
      expect((await h.comment(issue, body, user)).status).toBe(200);
    expect(h.promoteDispatches()).toEqual([]);
    // Six comments were made (by the test, as the strangers); the bot added none.
    expect(h.fake.state.comments.size).toBe(comments + 6);
    expect(h.fake.state.reactions).toEqual([]);
    expect(h.fake.state.refs.get("heads/caddie/state")).toBe(stateHead);
    expect(writes().length).toBe(before);
    expect(JSON.parse(h.stateFile("bot.json") ?? "{}").paused).toBe(false);
    expect(h.outcomes.filter((o) => o.event === "comment").map((o) => o.outcome)).toEqual(
      Array(6).fill("ignored: permission"),
    );
  });

  it("treats a signed body replayed under a new delivery id as the same event: /pause replayed after /resume", async () => {
    const issue = [...h.fake.state.issues.values()].find((i) => i.body?.includes("caddie:results-issue"));
    const pause = commentPayload(h.fake, {
      issue: issue?.number ?? 0,
      body: "/pause",
      user: { login: "octocat", type: "User" },
    });
    await h.send("issue_comment", pause, "delivery-a");
    await h.comment(issue?.number ?? 0, "/resume");
    await h.send("issue_comment", pause, "delivery-b");
    expect(JSON.parse(h.stateFile("bot.json") ?? "{}").paused).toBe(false);
    // An old comment (past GitHub's 3-day redelivery window) is refused even when its key was forgotten.
    const old = commentPayload(h.fake, {
      issue: issue?.number ?? 0,
      body: "/pause",
      user: { login: "octocat", type: "User" },
    });
    (old.comment as { created_at: string }).created_at = new Date(
      Date.now() - 4 * 24 * 3600 * 1000,
    ).toISOString();
    await h.send("issue_comment", old, "delivery-c");
    expect(JSON.parse(h.stateFile("bot.json") ?? "{}").paused).toBe(false);
    expect(h.outcomes.filter((o) => o.event === "comment").map((o) => o.outcome)).toEqual([
      "pause",
      "resume",
      "duplicate event",
      "ignored: stale",
    ]);
  });

  it("promotes the measured head SHA once, even when the delivery or the command repeats", async () => {
    const payload = commentPayload(h.fake, {
      issue: measuredPr,
      body: "Looks good.\n/promote seeds=2",
      user: { login: "octocat", type: "User" },
    });
    await h.send("issue_comment", payload, "delivery-1");
    const sha = h.fake.state.pulls.get(measuredPr)?.headSha;
    expect(h.promoteDispatches()).toEqual([
      { workflowId: "caddie-promote.yml", ref: "main", inputs: { pr: String(measuredPr), sha, seeds: "2" } },
    ]);
    expect(replies(measuredPr).at(-1)?.body).toMatch(
      /promoting `[0-9a-f]{7}` .* 2 seed\(s\); estimate \$15\.80/,
    );

    await h.send("issue_comment", payload, "delivery-1");
    await h.comment(measuredPr, "/promote seeds=2");
    expect(h.promoteDispatches()).toHaveLength(1);
    expect(replies(measuredPr).at(-1)?.body).toContain("already handled");
    expect(h.outcomes.filter((o) => o.event === "comment").map((o) => o.outcome)).toEqual([
      "promoted",
      "duplicate event",
      "duplicate command",
    ]);
  });

  it("ignores comments from bots, our own App included", async () => {
    await h.comment(measuredPr, "/promote", { login: "caddie-test[bot]", type: "Bot" });
    await h.comment(measuredPr, "/promote", { login: "dependabot[bot]", type: "Bot" });
    expect(h.fake.state.reactions).toEqual([]);
    expect(h.promoteDispatches()).toEqual([]);
  });

  it("answers unknown commands and bad arguments with a reply, never a crash", async () => {
    expect((await h.comment(measuredPr, "/frobnicate now")).status).toBe(200);
    expect(replies(measuredPr).at(-1)?.body).toContain("unknown command `/frobnicate`");
    await h.comment(measuredPr, "/promote seeds=99");
    expect(replies(measuredPr).at(-1)?.body).toContain("seeds must be from 1 to 5");
    await h.comment(measuredPr, "x".repeat(30_000) + "\n/promote");
    expect(h.promoteDispatches()).toEqual([]);
  });

  it("refuses pull request commands on pull requests the bot did not open", async () => {
    const state = h.fake.state;
    state.commitFiles("feature", { "README.md": "hi\n" });
    const number = state.number_();
    state.pulls.set(number, {
      number,
      title: "human change",
      body: null,
      state: "open",
      merged: false,
      mergeCommitSha: null,
      headRef: "feature",
      headSha: state.refs.get("heads/feature") ?? "",
      baseRef: "main",
      user: { login: "octocat", type: "User" },
      labels: [],
      createdAt: "2026-01-01T00:00:00Z",
    });
    await h.comment(number, "/promote");
    expect(replies(number).at(-1)?.body).toContain("not one");
    expect(h.promoteDispatches()).toEqual([]);
  });

  it("pauses and resumes the loop from the results issue", async () => {
    const issue = [...h.fake.state.issues.values()].find((i) => i.body?.includes("caddie:results-issue"));
    expect(issue).toBeDefined();
    await h.comment(issue?.number ?? 0, "/pause");
    expect(JSON.parse(h.stateFile("bot.json") ?? "{}").paused).toBe(true);
    expect(h.fake.state.issues.get(issue?.number ?? 0)?.body).toContain("paused");
    const open = h.openPulls();
    await h.finish(open[0] ?? 0, { log: sampleLog("proxy-baseline") });
    expect(h.openPulls()).toEqual([]);
    await h.comment(issue?.number ?? 0, "/resume");
    expect(h.openPulls()).toHaveLength(1);
  });

  it("ignores a redelivered training result: one ledger row per run", async () => {
    const pr = h.openPulls()[0] ?? 0;
    const run = h.train(pr, { log: sampleLog("proxy-baseline") });
    const payload = workflowRunPayload(h.fake, run);
    await h.send("workflow_run", payload, "run-delivery");
    await h.send("workflow_run", payload, "run-delivery");
    const rows = parseLedger(h.stateFile("results.tsv") ?? "");
    expect(rows.map((r) => r.experiment)).toEqual(["exp-000", "exp-000", "exp-001", "exp-002"]);
  });
});
