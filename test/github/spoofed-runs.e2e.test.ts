/**
 * Runs the App did not start are never read as results. A training or promotion run counts only when it
 * is the App's own dispatch of caddie's workflow on the default branch, in this repository, paired by the
 * run id the dispatch recorded (verify-run.ts). Each spoof below changes one thing and uploads a result
 * that would win; none of them moves the ledger, the budget or a pull request.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseLedger } from "../../src/core/ledger.ts";
import { parseSpendLedger } from "../../src/core/spend-ledger.ts";
import { EXPERIMENT_WORKFLOW_FILE, PROMOTE_WORKFLOW_FILE } from "../../src/github/workflows.ts";
import { Harness } from "../fakes/github/harness.ts";
import type { WorkflowRun } from "../fakes/github/state.ts";
import { workflowRunPayload } from "../fakes/github/webhooks.ts";
import { zip } from "../fakes/github/zip.ts";
import { sampleLog } from "../helpers/sample-logs.ts";

const WINNING_LOG = "final_int8_zlib_roundtrip_exact val_loss:0.2000 val_bpb:0.12340000\n";
const USD_PER_GPU_SECOND = 3.95 / 3600;
let ids = 0;

function spoof(
  h: Harness,
  file: string,
  change: Partial<WorkflowRun>,
  files: Record<string, string>,
): WorkflowRun {
  const id = 8_800_000 + ++ids;
  const run: WorkflowRun = {
    id,
    name: "spoof",
    path: `.github/workflows/${file}`,
    headBranch: "main",
    headSha: h.fake.state.refs.get("heads/main") ?? "",
    event: "workflow_dispatch",
    status: "completed",
    conclusion: "success",
    artifacts: [{ id: id + 1, name: "caddie-result", zip: zip(files), expired: false }],
    pullNumbers: [],
    triggeringActor: h.fake.bot,
    ...change,
  };
  h.fake.state.workflowRuns.set(id, run);
  return run;
}

const ledger = (h: Harness) => parseLedger(h.stateFile("results.tsv") ?? "");
const spend = (h: Harness) => parseSpendLedger(h.stateFile("spend.json") ?? '{"version":1,"entries":[]}');

describe("runs the App did not start", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  it("ignores a training run with any one field wrong, then decides the App's own run", async () => {
    h = await Harness.start();
    await h.tick();
    const [pr = 0] = h.openPulls();
    const winning = {
      "train.log": WINNING_LOG,
      "run.json": JSON.stringify({ exit_code: 0, timed_out: false, seconds: 300, model_bytes: 1000 }),
    };
    const spoofs: [string, Partial<WorkflowRun>][] = [
      ["a pull_request run", { event: "pull_request", triggeringActor: { login: "mallory", type: "User" } }],
      ["a fork's code", { headRepository: "mallory/octo-repo" }],
      ["a fork branch named main", { headRepository: "mallory/octo-repo", event: "pull_request" }],
      ["the workflow of another branch", { headBranch: "feature" }],
      [
        "the file on another ref",
        { path: `.github/workflows/${EXPERIMENT_WORKFLOW_FILE}@refs/heads/feature` },
      ],
      ["a person's dispatch", { triggeringActor: { login: "octocat", type: "User" } }],
      ["the App's run that no dispatch recorded", { inputs: { pr: String(pr) } }],
    ];
    for (const [, change] of spoofs) {
      const run = spoof(h, EXPERIMENT_WORKFLOW_FILE, change, winning);
      expect((await h.send("workflow_run", workflowRunPayload(h.fake, run))).status).toBe(200);
    }
    expect(ledger(h)).toEqual([]);
    expect([...h.fake.state.checkRuns.values()]).toEqual([]);
    expect(h.openPulls()).toEqual([pr]);
    expect(h.outcomes.filter((o) => o.event === "workflow_run").map((o) => o.outcome)).toEqual([
      ...Array(6).fill("untrusted"),
      "ignored",
    ]);
    // The App's own dispatched run is decided as usual.
    await h.finish(pr, { log: sampleLog("proxy-baseline") });
    expect(ledger(h).map((r) => [r.experiment, r.status])).toEqual([["exp-000", "keep"]]);
  });

  it("never settles a promotion from a spoofed run named like it: the reservation waits for its own run", async () => {
    h = await Harness.start();
    await h.tick();
    await h.finish(h.openPulls()[0] ?? 0, { log: sampleLog("proxy-baseline") });
    const pr = h.openPulls()[0] ?? 0;
    await h.finish(pr, { log: sampleLog("full-baseline") });
    await h.comment(pr, "/promote");
    const reserved = spend(h).entries[0];
    expect(reserved?.state).toBe("reserved");
    const sha = reserved?.key.split(":").pop() ?? "";
    const artifact = (seed: number) => ({
      id: 9_100_000 + seed,
      name: `caddie-full-pr${pr}-seed${seed}`,
      expired: false,
      zip: zip({
        "modal-out/summary.json": JSON.stringify({
          seeds: [{ seed, exit_code: 0, timed_out: false, seconds: 1, billed_seconds: 0 }],
        }),
        [`modal-out/seed-${seed}/train.log`]: WINNING_LOG,
      }),
    });
    // A pull request's workflow named "caddie promote #<pr> @ <sha>" (the title the App used to pair by).
    const fake = spoof(
      h,
      PROMOTE_WORKFLOW_FILE,
      {
        event: "pull_request",
        name: `caddie promote #${pr} @ ${sha}`,
        triggeringActor: { login: "mallory", type: "User" },
      },
      {},
    );
    fake.artifacts = [artifact(1337)];
    await h.send("workflow_run", workflowRunPayload(h.fake, fake));
    await h.tick();
    expect(spend(h).entries.map((e) => e.state)).toEqual(["reserved"]);
    expect(ledger(h).filter((r) => r.tier === "full")).toEqual([]);
  });

  it("records a promotion run someone dispatched by hand as unbudgeted spend, once, and reads none of it", async () => {
    h = await Harness.start();
    await h.tick();
    const end = Date.now();
    const byHand = spoof(
      h,
      PROMOTE_WORKFLOW_FILE,
      {
        triggeringActor: { login: "octocat", type: "User" },
        startedAt: new Date(end - 600_000).toISOString(),
        updatedAt: new Date(end).toISOString(),
      },
      {},
    );
    await h.send("workflow_run", workflowRunPayload(h.fake, byHand));
    await h.send("workflow_run", workflowRunPayload(h.fake, byHand));
    await h.tick();
    const entries = spend(h).entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      key: `unbudgeted:run-${byHand.id}`,
      state: "settled",
      measuredSeconds: 600,
    });
    expect(entries[0]?.costUsd).toBeCloseTo(600 * 8 * USD_PER_GPU_SECOND, 6);
    expect(ledger(h).filter((r) => r.tier === "full")).toEqual([]);
    const issue = [...h.fake.state.issues.values()].find((i) => i.body?.includes("caddie:results-issue"));
    expect(issue?.body).toContain("unbudgeted promotion run");
  });
});
