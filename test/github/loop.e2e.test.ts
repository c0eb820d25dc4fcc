import { afterEach, describe, expect, it } from "vitest";
import { parseLedger } from "../../src/core/ledger.ts";
import { CONFIG_YML, Harness } from "../fakes/github/harness.ts";
import { startFakeAnthropic, type FakeAnthropic, type MessagesRequest } from "../fakes/anthropic.ts";
import { sampleLog } from "../helpers/sample-logs.ts";

describe("the experiment loop on GitHub", () => {
  let h: Harness;
  let model: FakeAnthropic | null = null;
  afterEach(async () => {
    await h?.close();
    await model?.close();
    model = null;
  });

  it("opens a baseline, then keeps a better experiment by squash-merging it and closes a worse one", async () => {
    h = await Harness.start();
    const state = h.fake.state;

    expect((await h.tick()).status).toBe(200);
    const [baselinePr] = h.openPulls();
    expect(baselinePr).toBeDefined();
    const baseline = state.pulls.get(baselinePr ?? 0);
    expect(baseline?.title).toMatch(/^exp-000: baseline/);
    expect(baseline?.baseRef).toBe("autoresearch/main");
    expect(baseline?.labels).toEqual(["caddie:experiment"]);
    expect(baseline?.body).toContain("=== REASONING ===");

    // The baseline run: recorded and closed; the next experiment is proposed at once.
    expect((await h.finishBaseline(baselinePr ?? 0, { log: sampleLog("proxy-baseline") })).status).toBe(200);
    expect(state.pulls.get(baselinePr ?? 0)?.state).toBe("closed");
    const [expPr] = h.openPulls();
    expect(expPr).not.toBe(baselinePr);
    const exp = state.pulls.get(expPr ?? 0);
    expect(exp?.title).toMatch(/^exp-001: /);
    const lineBefore = state.refs.get("heads/autoresearch/main");

    // A better score (the 8xH100 baseline's log) within the cap: kept = squash-merged into the line.
    expect((await h.finish(expPr ?? 0, { log: sampleLog("full-baseline") })).status).toBe(200);
    expect(state.pulls.get(expPr ?? 0)?.merged).toBe(true);
    const lineAfter = state.refs.get("heads/autoresearch/main") ?? "";
    expect(lineAfter).not.toBe(lineBefore);
    expect(state.file(lineAfter, "train_gpt.py")).toBe(state.file(exp?.headSha ?? "", "train_gpt.py"));
    const check = [...state.checkRuns.values()].find((c) => c.headSha === exp?.headSha);
    expect(check).toMatchObject({ name: "caddie / proxy", status: "completed", conclusion: "success" });
    const report = [...state.comments.values()].find(
      (c) => c.issueNumber === expPr && c.body.includes("<!-- caddie:report exp-001 -->"),
    );
    expect(report?.body).toContain("1.2244");

    // A worse score: discarded = closed with the ANALYSIS block, the line stays.
    const [worsePr] = h.openPulls();
    expect(worsePr).toBeGreaterThan(expPr ?? 0);
    expect((await h.finish(worsePr ?? 0, { log: sampleLog("proxy-baseline") })).status).toBe(200);
    const worse = state.pulls.get(worsePr ?? 0);
    expect(worse?.state).toBe("closed");
    expect(worse?.merged).toBe(false);
    expect(state.refs.get("heads/autoresearch/main")).toBe(lineAfter);
    expect(
      [...state.comments.values()].some(
        (c) => c.issueNumber === worsePr && c.body.includes("=== ANALYSIS ==="),
      ),
    ).toBe(true);

    const rows = parseLedger(h.stateFile("results.tsv") ?? "");
    expect(rows.map((r) => [r.experiment, r.status])).toEqual([
      ["exp-000", "keep"],
      ["exp-000", "keep"],
      ["exp-001", "keep"],
      ["exp-002", "discard"],
    ]);
    const issue = [...state.issues.values()].find((i) => i.body?.includes("<!-- caddie:results-issue -->"));
    expect(issue?.body).toContain("xychart-beta");
    expect(h.fake.violations).toEqual([]);
  });

  it("asks the model (a local Messages API) for the experiment and its analysis, and writes them to the pull request", async () => {
    const toolNames = (r: MessagesRequest) => (r.tools ?? []).map((t) => t.name);
    const lastIsToolResult = (r: MessagesRequest) => {
      const last = r.messages[r.messages.length - 1];
      return (
        Array.isArray(last?.content) &&
        (last.content as { type?: string }[]).some((b) => b.type === "tool_result")
      );
    };
    model = await startFakeAnthropic({
      apiKey: "sk-test",
      respond: (request) => {
        if (toolNames(request).includes("record_analysis"))
          return {
            content: [
              {
                type: "tool_use",
                name: "record_analysis",
                input: {
                  result: "val_bpb 1.2244",
                  vs_expected: "better than hoped",
                  why: "wider residual",
                  lesson: "width pays at this size",
                },
              },
            ],
          };
        if (!lastIsToolResult(request)) {
          const prompt = JSON.stringify(request.messages[0]?.content ?? "");
          const source = /<file path=\\"train_gpt.py\\">\\n([\s\S]*?)\\n<\/file>/.exec(prompt)?.[1] ?? "";
          const content = JSON.parse(`"${source}"`) as string;
          return {
            content: [
              {
                type: "tool_use",
                name: "write_file",
                input: {
                  path: "train_gpt.py",
                  content: content.replace('"MODEL_DIM", 512', '"MODEL_DIM", 640'),
                },
              },
            ],
          };
        }
        return {
          content: [
            {
              type: "tool_use",
              name: "submit_experiment",
              input: {
                description: "MODEL_DIM 512 -> 640",
                direction: "width+",
                hypothesis: "A wider residual stream lowers val_bpb within the cap.",
                evidence: "Records use 512-768.",
                risk: "The artifact may pass 16 MB.",
              },
            },
          ],
        };
      },
    });
    h = await Harness.start({
      config: CONFIG_YML,
      app: { env: { ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: model.url } },
    });
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: sampleLog("proxy-baseline") });
    const pr = h.openPulls()[0] ?? 0;
    const pull = h.fake.state.pulls.get(pr);
    expect(pull?.title).toBe("exp-001: MODEL_DIM 512 -> 640");
    expect(pull?.body).toContain("Hypothesis: A wider residual stream lowers val_bpb within the cap.");
    expect(h.fake.state.file(pull?.headSha ?? "", "train_gpt.py")).toContain('"MODEL_DIM", 640');
    await h.finish(pr, { log: sampleLog("full-baseline") });
    expect(h.fake.state.pulls.get(pr)?.merged).toBe(true);
    expect(
      [...h.fake.state.comments.values()].some(
        (c) => c.issueNumber === pr && c.body.includes("Lesson: width pays at this size"),
      ),
    ).toBe(true);
    expect(model.violations).toEqual([]);
    expect(h.fake.violations).toEqual([]);
  });

  it("writes nothing in a dry run", async () => {
    h = await Harness.start({ config: `${CONFIG_YML}dry_run: true\n` });
    expect((await h.tick()).status).toBe(200);
    const writes = h.fake.calls.filter(
      (c) => c.method !== "GET" && c.operationId !== "apps/create-installation-access-token",
    );
    expect(writes).toEqual([]);
    expect(h.outcomes).toEqual([{ event: "tick", outcome: "dry-run" }]);
    expect(h.fake.violations).toEqual([]);
  });
});
