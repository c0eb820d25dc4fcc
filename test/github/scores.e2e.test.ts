/**
 * Scores and sizes are range-checked where they enter the App: an impossible score is never merged and
 * never the best, an implausible one is flagged and not kept, run.json's numbers are checked, and every
 * check title states the verdict.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseLedger } from "../../src/core/ledger.ts";
import { CHECK_NAME } from "../../src/github/check-run.ts";
import { Harness, honestScore } from "../fakes/github/harness.ts";
import { rootLog } from "../fakes/github/logs.ts";

describe("scores entering the App", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  async function withBaseline(score = 1.3): Promise<number> {
    h = await Harness.start();
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: rootLog(score) });
    return h.openPulls()[0] ?? 0;
  }
  const checksOf = (pr: number) =>
    [...h.fake.state.checkRuns.values()].filter(
      (c) => c.name === CHECK_NAME && c.headSha === h.fake.state.pulls.get(pr)?.headSha,
    );
  const rows = () => parseLedger(h.stateFile("results.tsv") ?? "");
  const resultsIssue = () => [...h.fake.state.issues.values()][0]?.body ?? "";

  it("never merges a negative score, never makes it the best, and keeps judging against the real best", async () => {
    const pr = await withBaseline();
    await h.finish(pr, { log: rootLog("-1.00000000") });
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(false);
    expect(checksOf(pr).map((c) => c.conclusion)).toEqual(["failure"]);
    expect(rows().filter((r) => r.val_bpb !== null && r.val_bpb <= 0)).toEqual([]);
    expect(
      rows()
        .filter((r) => r.status === "keep")
        .map((r) => r.val_bpb),
    ).toEqual([1.3, 1.3]);
    expect(resultsIssue()).not.toContain("-1.0000");
    // A real improvement afterwards is kept against 1.3, not discarded against -1.
    const next = h.openPulls()[0] ?? 0;
    await h.finish(next, { log: rootLog(1.25) });
    expect(h.fake.state.pulls.get(next)?.merged).toBe(true);
    expect(
      rows()
        .filter((r) => r.status === "keep")
        .map((r) => r.val_bpb),
    ).toEqual([1.3, 1.3, 1.25]);
  });

  it("flags a score below what the tier can reach instead of keeping it", async () => {
    const pr = await withBaseline();
    await h.finish(pr, { log: rootLog(0.5) });
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(false);
    const [check] = checksOf(pr);
    expect(check?.conclusion).toBe("failure");
    expect(check?.output?.summary).toContain("below 0.9500");
    expect(
      rows()
        .filter((r) => r.status === "keep")
        .map((r) => r.val_bpb),
    ).toEqual([1.3, 1.3]);
  });

  it("refuses run.json numbers out of range with a reason", async () => {
    const pr = await withBaseline();
    const runJson = (extra: Record<string, unknown>) =>
      JSON.stringify({ exit_code: 0, timed_out: false, seconds: 1, model_bytes: 8_000_000, ...extra });
    // Each rejected run is trained again on a collaborator's /rerun (a fresh dispatch of the same commit).
    for (const extra of [{ model_bytes: -1 }, { val_bpb: -1 }, { artifact_bytes: 2.5 }]) {
      await h.finish(pr, { log: "", files: { "train.log": rootLog(1.2), "run.json": runJson(extra) } });
      expect((await h.comment(pr, "/rerun")).status).toBe(200);
    }
    expect(checksOf(pr).map((c) => [c.conclusion, c.output?.title])).toEqual([
      [
        "failure",
        "result rejected: run.json model_bytes must be a whole number of bytes, 0 or more, got -1 (or null)",
      ],
      ["failure", "result rejected: run.json val_bpb must be positive, got -1.00000000"],
      [
        "failure",
        "result rejected: run.json artifact_bytes must be a whole number of bytes, 0 or more, got 2.5",
      ],
    ]);
    // As readers see it: the renderer's markdown escapes taken out.
    const reasons = checksOf(pr).map(
      (c) => /refused: (.*)$/m.exec((c.output?.summary ?? "").replace(/\\(.)/g, "$1"))?.[1],
    );
    expect(reasons).toEqual([
      expect.stringContaining("model_bytes must be a whole number of bytes, 0 or more, got -1"),
      expect.stringContaining("val_bpb must be positive, got -1.00000000"),
      expect.stringContaining("artifact_bytes must be a whole number of bytes"),
    ]);
    expect(h.fake.state.pulls.get(pr)?.state).toBe("open");
  });

  it("states the verdict in every check title", async () => {
    const pr = await withBaseline(3.3);
    const baseline = [...h.fake.state.checkRuns.values()][0];
    expect(baseline?.output?.title).toBe("keep: 3.3000, the first score");
    await h.finish(pr, { log: rootLog(3.45) });
    expect(checksOf(pr).map((c) => [c.conclusion, c.output?.title])).toEqual([
      ["success", "discard: 3.4500, not better than 3.3000"],
    ]);
    const next = h.openPulls()[0] ?? 0;
    await h.finish(next, { log: rootLog(3.2) });
    expect(checksOf(next).map((c) => c.output?.title)).toEqual(["keep: 3.2000, better than 3.3000"]);
    const over = h.openPulls()[0] ?? 0;
    // An honest log of a submission over the cap.
    await h.finish(over, { log: rootLog(3.1, { totalBytes: 16_600_000 }) });
    expect(checksOf(over).map((c) => [c.conclusion, c.output?.title])).toEqual([
      ["failure", "discard: 3.1000, 16,600,000 bytes > 16,000,000"],
    ]);
    // A flagged run says so first, with caddie's score and why.
    const forged = h.openPulls()[0] ?? 0;
    await h.finish(forged, { log: rootLog(3.0), score: honestScore(3.6) });
    expect(checksOf(forged).map((c) => [c.conclusion, c.output?.title])).toEqual([
      [
        "failure",
        expect.stringMatching(
          /^flagged, not kept: 3\.6000 · the log claims val_bpb 3\.0000, caddie measured 3\.6000/,
        ),
      ],
    ]);
    // One caddie could not score at all says that too.
    const unscored = h.openPulls()[0] ?? 0;
    await h.finish(unscored, { log: rootLog(3.0), score: null });
    expect(checksOf(unscored).map((c) => c.output?.title)).toEqual([
      "flagged, not kept: not scored by caddie · caddie could not score the model itself: no re-score ran",
    ]);
  });
});
