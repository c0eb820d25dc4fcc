import { logTail } from "../../src/engine/ask-fix.ts";
import { afterEach, describe, expect, it } from "vitest";
import { parseLedger } from "../../src/core/ledger.ts";
import { Harness, CONFIG_YML } from "../fakes/github/harness.ts";
import { ScriptedProposer } from "../fakes/github/scripted-proposer.ts";
import { sampleLog } from "../helpers/sample-logs.ts";

const BASELINE = "proxy-baseline";

describe("failures and bad input on GitHub", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  async function withBaseline(options: Parameters<typeof Harness.start>[0] = {}): Promise<number> {
    h = await Harness.start(options);
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog(BASELINE) });
    return h.openPulls()[0] ?? 0;
  }

  it("reports a crash with its error and log tail, fails the check, closes the pull request and tries one fix", async () => {
    const proposer = new ScriptedProposer({
      fix: (input) => ({
        description: "fix: NUM_HEADS back to 8",
        direction: null,
        reasoning: { hypothesis: "h", evidence: input.error, risk: "r" },
        edits: [{ path: "train_gpt.py", content: (input.files["train_gpt.py"] ?? "") + "# fixed\n" }],
      }),
    });
    const pr = await withBaseline({ app: { proposerFor: () => proposer } });
    await h.finish(pr, { log: sampleLog("crash-bad-heads"), exitCode: 1, modelBytes: null });
    const pull = h.fake.state.pulls.get(pr);
    expect(pull?.state).toBe("closed");
    const check = [...h.fake.state.checkRuns.values()].find((c) => c.headSha === pull?.headSha);
    expect(check?.conclusion).toBe("failure");
    const crash = [...h.fake.state.comments.values()].find(
      (c) => c.issueNumber === pr && c.body.includes("**Crash:**"),
    );
    expect(crash?.body).toContain("ValueError");
    expect(proposer.fixes).toHaveLength(1);
    // The fixer reads what the local loop's fixer reads (engine/ask-fix.ts).
    expect(proposer.fixes[0]?.logTail).toBe(logTail(sampleLog("crash-bad-heads")));
    expect(proposer.fixes[0]?.error).toContain("ValueError");
    const fix = [...h.fake.state.pulls.values()].find((p) => p.headRef === "caddie/exp-001-fix");
    expect(fix?.state).toBe("open");
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => [r.experiment, r.status])).toEqual([
      ["exp-000", "keep"],
      ["exp-000", "keep"],
      ["exp-001", "crash"],
    ]);
  });

  it("refuses malformed result artifacts with a failed check and a reply, and records nothing", async () => {
    const pr = await withBaseline();
    const bad: Record<string, string>[] = [
      { "train.log": sampleLog(BASELINE) },
      { "train.log": sampleLog(BASELINE), "run.json": "{not json" },
      {
        "train.log": sampleLog(BASELINE),
        "run.json": JSON.stringify({ exit_code: 0, timed_out: false, seconds: 1, model_bytes: 1e12 }),
      },
      {
        "train.log": sampleLog(BASELINE),
        "run.json": JSON.stringify({
          exit_code: 0,
          timed_out: false,
          seconds: 1,
          model_bytes: 1,
          val_bpb_override: 0.1,
        }),
      },
    ];
    for (const [i, files] of bad.entries()) {
      // A rejected result leaves the experiment open; a writer's /rerun dispatches its training again.
      if (i > 0) await h.comment(pr, "/rerun");
      expect((await h.finish(pr, { log: "", files })).status).toBe(200);
    }
    const checks = [...h.fake.state.checkRuns.values()].filter(
      (c) => c.headSha === h.fake.state.pulls.get(pr)?.headSha,
    );
    expect(checks.map((c) => [c.conclusion, c.output?.title])).toEqual(
      bad.map(() => ["failure", expect.stringMatching(/^result rejected: \S/)]),
    );
    const report = [...h.fake.state.comments.values()].find(
      (c) => c.issueNumber === pr && c.body.includes("caddie:report"),
    );
    expect(report?.body).toContain("run.json has unknown fields: val\\_bpb\\_override");
    expect(h.fake.state.pulls.get(pr)?.state).toBe("open");
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => r.experiment)).toEqual([
      "exp-000",
      "exp-000",
    ]);
  });

  it("treats a log without a score as a crash, never as a result", async () => {
    const pr = await withBaseline();
    await h.finish(pr, { log: "step:1/100 train_loss:6.9\nKilled\n", exitCode: 0 });
    expect(parseLedger(h.stateFile("results.tsv") ?? "").at(-1)).toMatchObject({
      experiment: "exp-001",
      status: "crash",
      val_bpb: null,
    });
  });

  it("reports a broken config once on the results issue and then does nothing", async () => {
    h = await Harness.start({ config: "concurrency: lots\n" });
    await h.tick();
    await h.tick();
    const issues = [...h.fake.state.issues.values()];
    expect(issues).toHaveLength(1);
    expect(issues[0]?.body).toContain("config error");
    expect(issues[0]?.body).toContain("'concurrency' must be a number");
    const notes = [...h.fake.state.comments.values()].filter((c) => c.issueNumber === issues[0]?.number);
    expect(notes).toHaveLength(1);
    expect(h.fake.state.pulls.size).toBe(0);

    // Fixed on the default branch: the loop starts and the issue says so.
    h.fake.state.commitFiles("main", { ".github/caddie.yml": CONFIG_YML });
    await h.tick();
    expect(h.openPulls()).toHaveLength(1);
    expect(h.fake.state.issues.get(issues[0]?.number ?? 0)?.body).toContain("**running**");
  });

  it("re-runs a result that would be kept but was measured on a base that has since moved", async () => {
    const proposer = new ScriptedProposer();
    h = await Harness.start({
      config: CONFIG_YML.replace("concurrency: 1", "concurrency: 2"),
      app: { proposerFor: () => proposer },
    });
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog(BASELINE) });
    const [second, first] = h.openPulls();
    await h.finish(first ?? 0, { log: sampleLog("full-baseline") });
    const line = h.fake.state.refs.get("heads/autoresearch/main");
    const before = h.fake.state.pulls.get(second ?? 0)?.headSha;
    await h.finish(second ?? 0, { log: sampleLog("record-int6") });
    const pull = h.fake.state.pulls.get(second ?? 0);
    expect(pull?.state).toBe("open");
    const head = h.fake.state.refs.get(`heads/${pull?.headRef}`) ?? "";
    expect(head).not.toBe(before);
    expect(h.fake.state.commits.get(head)?.parents).toEqual([line]);
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => r.experiment)).toEqual([
      "exp-000",
      "exp-000",
      "exp-001",
    ]);
    // Trained again on the new base: now it is kept.
    await h.finish(second ?? 0, { log: sampleLog("record-int6") });
    expect(h.fake.state.pulls.get(second ?? 0)?.merged).toBe(true);
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => [r.experiment, r.status])).toEqual([
      ["exp-000", "keep"],
      ["exp-000", "keep"],
      ["exp-001", "keep"],
      ["exp-002", "keep"],
    ]);
  });

  it("catches up on a missed webhook on the next cron tick", async () => {
    const pr = await withBaseline();
    h.train(pr, { log: sampleLog("full-baseline") });
    await h.tick();
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => r.experiment)).toEqual([
      "exp-000",
      "exp-000",
      "exp-001",
    ]);
  });

  it("retries GitHub's 502s and rate limits and loses nothing", async () => {
    h = await Harness.start({ retries: true });
    h.fake.fail({ operationId: "pulls/create", kind: "502", times: 2 });
    h.fake.fail({ operationId: "git/create-commit", kind: "rate-limit", times: 1 });
    h.fake.fail({ operationId: "issues/create", kind: "500", times: 1 });
    expect((await h.tick()).status).toBe(200);
    expect(h.openPulls()).toHaveLength(1);
    h.fake.fail({ operationId: "actions/download-artifact", kind: "502", times: 1 });
    h.fake.fail({ operationId: "git/update-ref", kind: "rate-limit", times: 1 });
    expect((await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog(BASELINE) })).status).toBe(200);
    expect(parseLedger(h.stateFile("results.tsv") ?? "").map((r) => r.experiment)).toEqual([
      "exp-000",
      "exp-000",
    ]);
    expect(h.fake.calls.filter((c) => c.status >= 500 || c.status === 403).length).toBe(6);
  });
});
