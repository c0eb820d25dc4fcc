/**
 * caddie's own score on the App's result path: the result artifact a runner uploads carries the scoring
 * step's block, the App checks it, decides on caddie's number, flags what disagrees, never merges or
 * promotes a flagged run, and lets a collaborator keep it by hand, on the record.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseLedger } from "../../src/core/ledger.ts";
import { parseRunLog } from "../../src/core/parse-run-log.ts";
import { Harness, honestScore } from "../fakes/github/harness.ts";
import { sampleLog } from "../helpers/sample-logs.ts";

describe("caddie's score on GitHub", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  async function baselineThenExperiment(): Promise<number> {
    h = await Harness.start();
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog("proxy-baseline") });
    return h.openPulls()[0] ?? 0;
  }

  const checkOf = (pr: number) =>
    [...h.fake.state.checkRuns.values()].find((c) => c.headSha === h.fake.state.pulls.get(pr)?.headSha);
  const reportOf = (pr: number) =>
    [...h.fake.state.comments.values()].find(
      (c) => c.issueNumber === pr && c.body.includes("<!-- caddie:report"),
    )?.body ?? "";

  it("decides a forged score on caddie's number: flagged, never merged, the PR left to a person", async () => {
    const pr = await baselineThenExperiment();
    // The log claims the 8xH100 baseline's 1.2244; caddie's re-score of the model says 3.6 (worse).
    await h.finish(pr, { log: sampleLog("full-baseline"), score: honestScore(3.6) });
    const pull = h.fake.state.pulls.get(pr);
    expect(pull?.merged).toBe(false);
    expect(pull?.state).toBe("open");
    const row = parseLedger(h.stateFile("results.tsv") ?? "").find((r) => r.experiment === "exp-001");
    expect(row).toMatchObject({ status: "discard", val_bpb: 3.6, claimed_val_bpb: 1.2243657 });
    expect(row?.flags.map((f) => f.code)).toEqual(["claim_mismatch"]);
    const check = checkOf(pr);
    expect(check?.conclusion).toBe("failure");
    expect(check?.output?.summary).toContain("the log claims val\\_bpb 1.2244, caddie measured 3.6000");
    expect(check?.actions ?? []).toEqual([]);
    expect(reportOf(pr)).toContain("A collaborator may `/keep` it anyway");
    // Nothing promoted (training dispatches are the App's own).
    expect(h.promoteDispatches()).toEqual([]);
  });

  it("never keeps a run caddie could not score, and says why", async () => {
    const pr = await baselineThenExperiment();
    const unloadable = {
      ...honestScore(0),
      status: "unverified",
      val_bpb: null,
      reason: "the model host exited with code 1 while loading the model: KeyError: 'tok_emb.weight'",
    };
    await h.finish(pr, { log: sampleLog("full-baseline"), score: unloadable });
    const row = parseLedger(h.stateFile("results.tsv") ?? "").find((r) => r.experiment === "exp-001");
    expect(row).toMatchObject({ status: "discard", val_bpb: null, claimed_val_bpb: 1.2243657 });
    expect(row?.flags[0]?.message).toContain("KeyError: 'tok_emb.weight'");
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(false);
    expect(checkOf(pr)?.output?.title).toContain("not scored by caddie");
  });

  it("treats a result artifact without a score, or with a lying one, as unverified", async () => {
    const pr = await baselineThenExperiment();
    await h.finish(pr, { log: sampleLog("full-baseline"), score: { status: "verified", val_bpb: -1 } });
    const row = parseLedger(h.stateFile("results.tsv") ?? "").find((r) => r.experiment === "exp-001");
    expect(row?.status).toBe("discard");
    expect(row?.flags[0]?.message).toMatch(
      /caddie could not score the model itself: the scorer's result is malformed/,
    );
  });

  it("lets a collaborator keep a flagged run by hand, recording who", async () => {
    const pr = await baselineThenExperiment();
    await h.finish(pr, { log: sampleLog("full-baseline"), score: honestScore(3.6) });
    await h.comment(pr, "/keep", { login: "octocat", type: "User" });
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
    const row = parseLedger(h.stateFile("results.tsv") ?? "").find((r) => r.experiment === "exp-001");
    expect(row?.status).toBe("keep");
    expect(row?.flags.map((f) => f.code)).toEqual(["claim_mismatch", "kept_by"]);
    expect(row?.flags[1]?.message).toBe("kept by @octocat on their word, over the flags");
    const reply = [...h.fake.state.comments.values()].filter((c) => c.issueNumber === pr).at(-1);
    expect(reply?.body).toContain("over caddie's flags");
    // A read-only user cannot.
    await h.comment(pr, "/discard", { login: "reader", type: "User" });
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
  });

  it("keeps an honest better run as before: caddie agrees with the log within the tolerance", async () => {
    const pr = await baselineThenExperiment();
    await h.finish(pr, { log: sampleLog("full-baseline"), score: honestScore(1.2301) });
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
    const row = parseLedger(h.stateFile("results.tsv") ?? "").find((r) => r.experiment === "exp-001");
    expect(row).toMatchObject({ status: "keep", val_bpb: 1.2301, claimed_val_bpb: 1.2243657, flags: [] });
    expect(checkOf(pr)?.conclusion).toBe("success");
  });

  it("holds a claim to the baseline's own gap: a harder held-out slice does not flag honest runs", async () => {
    h = await Harness.start();
    await h.tick();
    // caddie's held-out slice scores 0.17 worse than the runs' own slice, for every model.
    const shifted = (log: string) => honestScore((parseRunLog(log).val_bpb ?? 0) + 0.17);
    const baselineLog = sampleLog("proxy-baseline");
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: baselineLog, score: shifted(baselineLog) });
    const pr = h.openPulls()[0] ?? 0;
    const betterLog = sampleLog("full-baseline");
    await h.finish(pr, { log: betterLog, score: shifted(betterLog) });
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
    const rows = parseLedger(h.stateFile("results.tsv") ?? "");
    expect(rows.map((r) => [r.experiment, r.status, r.flags.length])).toEqual([
      ["exp-000", "keep", 0],
      ["exp-000", "keep", 0],
      ["exp-001", "keep", 0],
    ]);
  });

  it("carries the runner's own flags (its sandbox saw the data change) into the verdict", async () => {
    const pr = await baselineThenExperiment();
    await h.finish(pr, {
      log: sampleLog("full-baseline"),
      runnerFlags: [
        { code: "data_modified", message: "the run changed its input data: fineweb_val_000000.bin" },
        { code: "made_up", message: "ignored: not a flag the runner raises" },
      ],
    });
    const row = parseLedger(h.stateFile("results.tsv") ?? "").find((r) => r.experiment === "exp-001");
    expect(row?.status).toBe("discard");
    expect(row?.flags).toEqual([
      { code: "data_modified", message: "the run changed its input data: fineweb_val_000000.bin" },
    ]);
  });
});
