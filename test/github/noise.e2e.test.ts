/**
 * The App's noise handling: the baseline is trained thresholds.baseline_runs times, each a re-run of its
 * workflow (a new attempt, so a new seed), before anything is judged against it; and a budget-coupled
 * change is never kept on the proxy alone (the App cannot run the longer confirmation).
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseLedger } from "../../src/core/ledger.ts";
import type { AnalyseInput, Analysis, Proposal, Proposer, ProposeInput } from "../../src/engine/ports.ts";
import { CONFIG_YML, Harness, TRAIN_GPT } from "../fakes/github/harness.ts";
import { sampleLog } from "../helpers/sample-logs.ts";

/** Shortens the warm-down: a budget-coupled change. */
class WarmdownProposer implements Proposer {
  readonly name = "scripted";
  async propose(input: ProposeInput): Promise<Proposal> {
    const source = input.files["train_gpt.py"] ?? "";
    return {
      description: "WARMDOWN_ITERS 1200 -> 200",
      direction: "WARMDOWN_ITERS-",
      reasoning: {
        hypothesis: "A shorter warm-down trains longer at full LR.",
        evidence: "-",
        risk: "None.",
      },
      edits: [
        { path: "train_gpt.py", content: source.replace('"WARMDOWN_ITERS", 1200', '"WARMDOWN_ITERS", 200') },
      ],
    };
  }
  async analyse(input: AnalyseInput): Promise<Analysis> {
    return { result: "-", vsExpected: "-", why: input.reason, lesson: "-" };
  }
  async fix(): Promise<Proposal | null> {
    return null;
  }
}

describe("noise on GitHub", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  it("trains the baseline three times on seeds 1337-1339 (re-runs of its workflow) before any experiment", async () => {
    // The default config: three baseline runs.
    h = await Harness.start({ config: CONFIG_YML.replace(/thresholds:\n {2}baseline_runs: 2\n/, "") });
    await h.tick();
    const [baseline] = h.openPulls();
    await h.finish(baseline ?? 0, { log: sampleLog("proxy-baseline") });
    // Still open and re-running; nothing else is opened meanwhile.
    expect(h.openPulls()).toEqual([baseline]);
    const rerun = [...h.fake.state.workflowRuns.values()].find((r) => r.status === "queued");
    expect(rerun?.attempt).toBe(2);
    const report = [...h.fake.state.comments.values()].find(
      (c) => c.issueNumber === baseline && c.body.includes("<!-- caddie:report exp-000 -->"),
    );
    expect(report?.body).toContain("baseline run 1 of 3 (seed 1337): re-running on seed 1338");
    await h.tick();
    expect(h.openPulls()).toEqual([baseline]);

    await h.finishBaseline(baseline ?? 0, { log: sampleLog("proxy-baseline") });
    expect(h.fake.state.pulls.get(baseline ?? 0)?.state).toBe("closed");
    const rows = parseLedger(h.stateFile("results.tsv") ?? "");
    expect(rows.map((r) => [r.experiment, r.seed, r.status])).toEqual([
      ["exp-000", 1337, "keep"],
      ["exp-000", 1338, "keep"],
      ["exp-000", 1339, "keep"],
    ]);
    expect(h.openPulls()).toHaveLength(1);
    expect(h.openPulls()).not.toContain(baseline);
  });

  it("does not keep a budget-coupled change on the proxy alone, and its stated risk says why", async () => {
    h = await Harness.start({
      config: CONFIG_YML,
      files: { "train_gpt.py": `${TRAIN_GPT}WARMDOWN_ITERS = int(os.environ.get("WARMDOWN_ITERS", 1200))\n` },
      app: { proposerFor: () => new WarmdownProposer() },
    });
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog("proxy-baseline") });
    const [pr] = h.openPulls();
    expect(h.fake.state.pulls.get(pr ?? 0)?.body).toContain(
      "Budget-coupled: WARMDOWN_ITERS 1200 -> 200 depends on the run's length",
    );
    // A much better score than the baseline's: the proxy alone would keep it.
    await h.finish(pr ?? 0, { log: sampleLog("full-baseline") });
    const pull = h.fake.state.pulls.get(pr ?? 0);
    expect(pull?.merged).toBe(false);
    expect(pull?.state).toBe("closed");
    const row = parseLedger(h.stateFile("results.tsv") ?? "").at(-1);
    expect(row).toMatchObject({ experiment: "exp-001", status: "discard", seed: 1337 });
    const report = [...h.fake.state.comments.values()].find(
      (c) => c.issueNumber === pr && c.body.includes("<!-- caddie:report exp-001 -->"),
    );
    expect(report?.body).toContain("not kept on the proxy alone");
  });
});
