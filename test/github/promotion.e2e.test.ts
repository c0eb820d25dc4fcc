import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { CONFIG_YML, Harness, honestScore, TRAIN_GPT } from "../fakes/github/harness.ts";
import { parseRunLog } from "../../src/core/parse-run-log.ts";
import { workflowRunPayload } from "../fakes/github/webhooks.ts";
import type { WorkflowRun } from "../fakes/github/state.ts";
import { zip } from "../fakes/github/zip.ts";
import { sampleLog } from "../helpers/sample-logs.ts";
import { parseLedger } from "../../src/core/ledger.ts";
import { parseSpendLedger } from "../../src/core/spend-ledger.ts";
import { chooseProposer } from "../../src/agent/choose-proposer.ts";
import { promote } from "../../src/github/promote.ts";
import { newAppRuntime, readConfig, ready, repoSession } from "../../src/github/repo-session.ts";
import { PROMOTE_WORKFLOW_FILE } from "../../src/github/workflows.ts";

const BASELINE_LOG = "proxy-baseline";
const BETTER_LOG = "full-baseline";
// The harness config's full tier: 8 GPUs at $3.95/GPU-hour.
const USD_PER_GPU_SECOND = 3.95 / 3600;

function config(budget: string): string {
  return CONFIG_YML.replace(/budget:\n( {2}.*\n)+/, `budget:\n${budget}`);
}

/** Starts the app, measures the baseline and one better experiment; returns the measured pull request. */
async function measured(h: Harness): Promise<number> {
  await h.tick();
  await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog(BASELINE_LOG) });
  const pr = h.openPulls()[0] ?? 0;
  await h.finish(pr, { log: sampleLog(BETTER_LOG) });
  return pr;
}

/** An honest seed's model file: as big as the log's size line says, less the committed code. */
function modelOf(log: string, script: string): Buffer {
  const claimed = parseRunLog(log).artifact_bytes;
  const code = Buffer.byteLength(script, "utf8");
  return Buffer.alloc(claimed !== null && claimed > code ? claimed - code : 8_000_000, 7);
}

/** caddie's score of an honest seed (the promotion's scoring step): what its log claims. */
function scoreOf(log: string): Record<string, string> {
  const claimed = parseRunLog(log).val_bpb;
  return claimed === null ? {} : { "score.json": JSON.stringify(honestScore(claimed)) };
}

/**
 * Finishes the promotion run the App dispatched for `pr`, with one artifact per seed (as promote.yml
 * uploads them); `elapsed` is how long it ran (seconds).
 */
function promotionRun(
  h: Harness,
  pr: number,
  conclusion: string,
  seeds: { seed: number; log: string; billed: number; exitCode?: number | null }[],
  elapsed = 900,
): WorkflowRun {
  const run = [...h.fake.state.workflowRuns.values()]
    .filter(
      (r) =>
        r.path === `.github/workflows/${PROMOTE_WORKFLOW_FILE}` &&
        r.inputs?.pr === String(pr) &&
        r.status !== "completed",
    )
    .sort((a, b) => b.id - a.id)[0];
  if (!run) throw new Error(`no promotion of #${pr} was dispatched`);
  const id = run.id;
  const end = Date.now();
  Object.assign(run, {
    status: "completed",
    conclusion,
    startedAt: new Date(end - elapsed * 1000).toISOString(),
    updatedAt: new Date(end).toISOString(),
    artifacts: seeds.map((s, i) => ({
      id: 8_000_000 + id * 10 + i,
      name: `caddie-full-pr${pr}-seed${s.seed}`,
      expired: false,
      zip: zip({
        "modal-out/summary.json": JSON.stringify({
          gpus: 8,
          seeds: [
            {
              seed: s.seed,
              exit_code: s.exitCode === undefined ? 0 : s.exitCode,
              timed_out: false,
              seconds: s.billed - 20,
              billed_seconds: s.billed,
              error: null,
            },
          ],
          billed_seconds: s.billed,
          gpu_seconds: s.billed * 8,
          ok: true,
        }),
        [`modal-out/seed-${s.seed}/train.log`]: s.log,
        [`modal-out/seed-${s.seed}/final_model.int8.ptz`]: modelOf(
          s.log,
          h.fake.state.file(h.fake.state.pulls.get(pr)?.headSha ?? "", "train_gpt.py") ?? TRAIN_GPT,
        ),
        ...Object.fromEntries(
          Object.entries(scoreOf(s.log)).map(([name, text]) => [`modal-out/seed-${s.seed}/${name}`, text]),
        ),
        "_temp/caddie/measure.json": "{}",
      }),
    })),
  });
  return run;
}

const spend = (h: Harness) => parseSpendLedger(h.stateFile("spend.json") ?? "");
const ledger = (h: Harness) => parseLedger(h.stateFile("results.tsv") ?? "");
const comments = (h: Harness, issue: number) =>
  [...h.fake.state.comments.values()].filter((c) => c.issueNumber === issue && c.user.type === "Bot");
const resultsIssue = (h: Harness) =>
  [...h.fake.state.issues.values()].find((i) => i.body?.includes("caddie:results-issue"));

describe("promotions on GitHub", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  it("reserves the estimate in spend.json before dispatching /promote, and /budget shows it held", async () => {
    h = await Harness.start();
    const pr = await measured(h);
    await h.comment(pr, "/promote seeds=2");
    expect(h.promoteDispatches()).toHaveLength(1);
    const entries = spend(h).entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ state: "reserved", seeds: 2, gpus: 8 });
    expect(entries[0]?.estimateUsd).toBeCloseTo(USD_PER_GPU_SECOND * 8 * 900 * 2, 9);
    expect(comments(h, pr).at(-1)?.body).toContain("worst case $31.60 at the 1800 s timeout");
    const issue = resultsIssue(h)?.number ?? 0;
    await h.comment(issue, "/budget");
    const reply = comments(h, issue).at(-1)?.body ?? "";
    expect(reply).toContain("| $100.00 | $0.00 | $15.80 | $84.20 | $10.00 | $74.20 |");
    expect(reply).toContain("#### In flight");
  });

  it("lets only one of two concurrent promotions from separate processes pass when only one fits", async () => {
    h = await Harness.start({
      config: config("  total_usd: 30\n  reserve_usd: 10\n  max_full_runs_per_hour: 4\n"),
    });
    const pr = await measured(h);
    const gh = await h.client();
    // Two app processes: separate runtimes, so separate caches of caddie/state and no shared lock.
    const open = async () => {
      const runtime = newAppRuntime({
        proposerFor: (c) => chooseProposer(c, {}),
        botLogin: async () => "caddie-test[bot]",
      });
      const session = repoSession(runtime, {
        gh,
        repo: { owner: h.fake.state.owner, repo: h.fake.state.name },
        log: pino({ level: "silent" }),
        defaultBranch: "main",
      });
      const loaded = await readConfig(session);
      if (loaded.kind !== "ok") throw new Error("config did not load");
      return ready(session, loaded.config, loaded.program);
    };
    const [a, b] = await Promise.all([open(), open()]);
    const sha = (n: number) => String(n).repeat(40);
    const outcomes = await Promise.all([
      promote(a, { experiment: "exp-001", pr, sha: sha(1), seeds: 1, requestedBy: "octocat" }),
      promote(b, { experiment: "exp-002", pr, sha: sha(2), seeds: 1, requestedBy: "octocat" }),
    ]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(["dispatched", "refused"]);
    const refused = outcomes.find((o) => o.kind === "refused");
    expect(refused?.kind === "refused" && refused.reason).toMatch(
      /worst case \$15\.80 .* more than the \$14\.20 left/,
    );
    expect(h.promoteDispatches()).toHaveLength(1);
    expect(spend(h).entries.map((e) => e.state)).toEqual(["reserved"]);
  });

  it("reads the promotion run back: a full-tier row per seed, the proxy row promoted, the reservation settled", async () => {
    h = await Harness.start();
    const pr = await measured(h);
    await h.comment(pr, "/promote seeds=2");
    const run = promotionRun(h, pr, "success", [
      { seed: 1337, log: sampleLog(BETTER_LOG), billed: 700 },
      { seed: 42, log: sampleLog("record-int6"), billed: 650 },
    ]);
    const payload = workflowRunPayload(h.fake, run);
    await h.send("workflow_run", payload, "promotion-delivery");
    const sha = h.fake.state.pulls.get(pr)?.headSha;
    const full = ledger(h).filter((r) => r.tier === "full");
    expect(full.map((r) => [r.experiment, r.commit, r.seed, r.status, r.promoted])).toEqual([
      ["exp-001", sha, 42, "keep", true],
      ["exp-001", sha, 1337, "keep", true],
    ]);
    expect(full.find((r) => r.seed === 1337)?.val_bpb).toBe(1.2243657);
    expect(full.find((r) => r.seed === 1337)?.cost_usd).toBeCloseTo(USD_PER_GPU_SECOND * 8 * 700, 3);
    expect(ledger(h).find((r) => r.tier === "proxy" && r.experiment === "exp-001")?.promoted).toBe(true);
    const [entry] = spend(h).entries;
    expect(entry).toMatchObject({ state: "settled", measuredSeconds: 1350 });
    expect(entry?.costUsd).toBeCloseTo(USD_PER_GPU_SECOND * 8 * 1350, 9);
    expect(comments(h, pr).at(-1)?.body).toContain("**8xH100 results for");
    expect(resultsIssue(h)?.body).toContain("#### Settled");
    expect(resultsIssue(h)?.body).toContain("### Tier correlation (proxy vs full)");

    await h.send("workflow_run", payload, "promotion-delivery");
    expect(ledger(h).filter((r) => r.tier === "full")).toHaveLength(2);
    expect(h.outcomes.filter((o) => o.event === "promotion").map((o) => o.outcome)).toEqual([
      "settled",
      "duplicate",
    ]);
  });

  it("releases the reservation of a promotion run that was cancelled before it started, on the next tick", async () => {
    h = await Harness.start();
    const pr = await measured(h);
    await h.comment(pr, "/promote");
    promotionRun(h, pr, "cancelled", [], 0);
    await h.tick();
    expect(spend(h).entries.map((e) => [e.state, e.costUsd])).toEqual([["released", 0]]);
    expect(ledger(h).filter((r) => r.tier === "full")).toEqual([]);
    expect(comments(h, pr).at(-1)?.body).toContain("before it started; released");
  });

  it("charges a promotion that ran and left no artifact its elapsed time (cancelled mid-run), not $0", async () => {
    h = await Harness.start();
    const pr = await measured(h);
    await h.comment(pr, "/promote");
    promotionRun(h, pr, "cancelled", [], 900);
    await h.tick();
    const [entry] = spend(h).entries;
    expect(entry?.state).toBe("settled");
    expect(entry?.measuredSeconds).toBe(900);
    expect(entry?.costUsd).toBeCloseTo(900 * 8 * USD_PER_GPU_SECOND, 6);
    expect(comments(h, pr).at(-1)?.body).toContain("charged its elapsed 900 s");
  });

  it("settles a failed seed with what it billed and records it as a crash", async () => {
    h = await Harness.start();
    const pr = await measured(h);
    await h.comment(pr, "/promote");
    const crashLog = sampleLog("crash-bad-heads");
    await h.send(
      "workflow_run",
      workflowRunPayload(
        h.fake,
        promotionRun(h, pr, "failure", [{ seed: 1337, log: crashLog, billed: 95, exitCode: 1 }]),
      ),
    );
    expect(
      ledger(h)
        .filter((r) => r.tier === "full")
        .map((r) => [r.seed, r.status, r.val_bpb]),
    ).toEqual([[1337, "crash", null]]);
    expect(spend(h).entries[0]).toMatchObject({ state: "settled", measuredSeconds: 95, note: "run failure" });
  });

  it("promotes automatically through the same reservation when the proxy gain passes the threshold", async () => {
    h = await Harness.start({
      config: config(
        "  total_usd: 100\n  reserve_usd: 10\n  max_full_runs_per_hour: 4\n  auto_promote: true\n",
      ),
    });
    const pr = await measured(h);
    const sha = h.fake.state.pulls.get(pr)?.headSha;
    expect(h.promoteDispatches()).toEqual([
      { workflowId: PROMOTE_WORKFLOW_FILE, ref: "main", inputs: { pr: String(pr), sha, seeds: "1" } },
    ]);
    expect(spend(h).entries.map((e) => [e.key, e.state])).toEqual([[`promote:exp-001@${sha}`, "reserved"]]);
    const auto = comments(h, pr).find((c) => c.body.startsWith("🚀 automatic promotion"));
    expect(auto?.body).toContain("proxy gain 65.48% (val_bpb 1.2244 vs 3.5473) reaches the 3.00% threshold");
    // A /promote of the same head afterwards is refused: one promotion per commit.
    await h.comment(pr, "/promote");
    expect(h.promoteDispatches()).toHaveLength(1);
    expect(comments(h, pr).at(-1)?.body).toContain("is already promoted");
  });

  it("refuses an automatic promotion the budget does not allow, says so on the pull request, and dispatches nothing", async () => {
    h = await Harness.start({
      config: config(
        "  total_usd: 12\n  reserve_usd: 10\n  max_full_runs_per_hour: 4\n  auto_promote: true\n",
      ),
    });
    const pr = await measured(h);
    expect(h.promoteDispatches()).toEqual([]);
    expect(h.stateFile("spend.json")).toBeNull();
    const refusal = comments(h, pr).find((c) => c.body.startsWith("automatic promotion refused"));
    expect(refusal?.body).toContain("is more than the $2.00 available above the $10.00 reserve");
    expect(refusal?.body).toContain("Nothing was dispatched");
  });
});
