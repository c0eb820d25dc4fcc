/**
 * An App that cannot act says so where the user looks: on the results issue (created if needed) and in
 * its log, with the fix, once; later ticks stay quiet until the config or the App's environment changes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { deriveSearchSpace } from "../../src/core/derive-search-space.ts";
import { initFiles } from "../../src/local/commands/init.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic.ts";
import { CONFIG_YML, Harness, TRAIN_GPT } from "../fakes/github/harness.ts";
import { rootLog } from "../fakes/github/logs.ts";

const NO_SPACE = CONFIG_YML.replace(/search_space:\n( {2}.*\n)+/, "");

describe("an App that cannot act", () => {
  let h: Harness;
  let anthropic: FakeAnthropic | null = null;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
    await anthropic?.close();
    anthropic = null;
  });

  const issues = () => [...h.fake.state.issues.values()];
  /** The issue's text as readers see it: the renderer's markdown escapes taken out. */
  const issueText = () => (issues()[0]?.body ?? "").replace(/\\(.)/g, "$1");
  const issueComments = () =>
    [...h.fake.state.comments.values()].filter((c) => c.issueNumber === issues()[0]?.number);
  /** Writes the App made since call `from` (installation tokens aside). */
  const writesSince = (from: number) =>
    h.fake.calls.slice(from).filter((c) => c.method !== "GET" && !c.operationId.startsWith("apps/"));

  it("says once, with the fix, that it has no way to propose without a search space or a key", async () => {
    h = await Harness.start({ config: NO_SPACE, app: { env: {} } });
    expect((await h.tick()).status).toBe(200);
    expect(issues()).toHaveLength(1);
    expect(issueText()).toContain("config error");
    expect(issueText()).toContain("the offline sweep needs a search_space in .github/caddie.yml");
    expect(issueText()).toContain("or set ANTHROPIC_API_KEY");
    expect(issueComments()).toHaveLength(1);
    expect(h.fake.state.pulls.size).toBe(0);

    const before = h.fake.calls.length;
    expect((await h.tick()).status).toBe(200);
    expect((await h.tick()).status).toBe(200);
    expect(writesSince(before)).toEqual([]);
    expect(h.outcomes.map((o) => o.outcome)).toEqual(["config error", "config error", "config error"]);

    // Fixed on the default branch: the loop starts and the issue says it runs.
    h.fake.state.commitFiles("main", { ".github/caddie.yml": CONFIG_YML });
    await h.tick();
    expect(h.openPulls()).toHaveLength(1);
    expect(issues()[0]?.body).toContain("**running**");
    expect(issueComments()).toHaveLength(1);
  });

  it("works on the fork exactly as `caddie init` writes it, with no API key", async () => {
    // What `caddie init` writes into a fork holding this training script: its search space included.
    const files = initFiles({
      source: { repo: "caddie-golf/caddie", sha: "a".repeat(40), ref: "v1" },
      searchSpace: deriveSearchSpace(TRAIN_GPT),
    });
    h = await Harness.start({ config: files[".github/caddie.yml"] ?? "", files, app: { env: {} } });
    expect((await h.tick()).status).toBe(200);
    expect(h.openPulls()).toHaveLength(1);
    // The baseline is measured, then the sweep proposes the first experiment: no key needed.
    expect((await h.finishBaseline(h.openPulls()[0] ?? 0, { log: rootLog(1.3) })).status).toBe(200);
    expect(h.openPulls()).toHaveLength(1);
    expect(h.fake.state.pulls.get(h.openPulls()[0] ?? 0)?.headRef).toBe("caddie/exp-001");
    expect(issueText()).toContain("**running**");
  });

  it("reports a missing research brief once", async () => {
    h = await Harness.start({ config: `${CONFIG_YML}program: docs/brief.md\n` });
    await h.tick();
    await h.tick();
    expect(issueText()).toContain("the research brief 'docs/brief.md'");
    expect(issueComments()).toHaveLength(1);
    expect(h.fake.state.pulls.size).toBe(0);
  });

  it("reports an unknown or retired model once and stops asking the API until the config changes", async () => {
    anthropic = await startFakeAnthropic({
      respond: (request) => ({
        status: 404,
        body: { type: "error", error: { type: "not_found_error", message: `model: ${request.model}` } },
      }),
    });
    const config = `${CONFIG_YML}agent:\n  model: claude-retired-1\n`;
    h = await Harness.start({
      config,
      app: { env: { ANTHROPIC_API_KEY: ["sk", "test"].join("-"), ANTHROPIC_BASE_URL: anthropic.url } },
    });
    await h.tick();
    // The baseline needs no model; the first proposal after it does.
    expect((await h.finishBaseline(h.openPulls()[0] ?? 0, { log: rootLog(1.3) })).status).toBe(200);
    expect(anthropic.requests.map((r) => r.model)).toEqual(["claude-retired-1"]);
    expect(issueText()).toContain("does not know model 'claude-retired-1'");
    expect(issueComments()).toHaveLength(1);

    const before = h.fake.calls.length;
    await h.tick();
    expect(anthropic.requests).toHaveLength(1);
    expect(writesSince(before)).toEqual([]);

    h.fake.state.commitFiles("main", {
      ".github/caddie.yml": config.replace("claude-retired-1", "claude-next"),
    });
    await h.tick();
    expect(anthropic.requests.map((r) => r.model)).toEqual(["claude-retired-1", "claude-next"]);
  });

  it("reports a training script missing on the research line before training anything, and starts once it is added", async () => {
    h = await Harness.start({ files: { "train_gpt.py": null } });
    expect((await h.tick()).status).toBe(200);
    expect(issueText()).toContain("the training script 'train_gpt.py' (the config's target) is missing");
    expect(issueComments()).toHaveLength(1);
    expect(h.fake.state.pulls.size).toBe(0);
    expect(h.fake.state.workflowDispatches).toEqual([]);

    const before = h.fake.calls.length;
    await h.tick();
    expect(writesSince(before)).toEqual([]);

    // Added where caddie trains from: the loop starts without a config change.
    h.fake.state.commitFiles("autoresearch/main", { "train_gpt.py": TRAIN_GPT });
    await h.tick();
    expect(h.openPulls()).toHaveLength(1);
    expect(issueText()).toContain("**running**");
    expect(issueComments()).toHaveLength(1);
  });

  it("stays quiet while a change leaves the same problem, and resumes when the script is fixed", async () => {
    // The sweep's space names a setting the script does not declare: only the script can fix that.
    const config = CONFIG_YML.replace(
      '  NUM_LAYERS: ["8", "10"]',
      '  NUM_LAYERS: ["8", "10"]\n  WARMUP_STEPS: ["0", "20"]',
    );
    h = await Harness.start({ config, app: { env: {} } });
    await h.tick();
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: rootLog(1.3) });
    expect(issueText()).toContain(
      "search_space names settings that train_gpt.py does not declare: WARMUP_STEPS",
    );
    expect(issueComments()).toHaveLength(1);

    // A push that does not fix it: looked at again, the same problem, not posted again.
    h.fake.state.commitFiles("autoresearch/main", { "notes.txt": "unrelated\n" });
    await h.tick();
    expect(issueComments()).toHaveLength(1);
    expect(h.openPulls()).toHaveLength(0);

    const declared = TRAIN_GPT.replace(
      'print("training...")',
      'WARMUP_STEPS = int(os.environ.get("WARMUP_STEPS", 20))\nprint("training...")',
    );
    expect(declared).not.toBe(TRAIN_GPT);
    h.fake.state.commitFiles("autoresearch/main", { "train_gpt.py": declared });
    await h.tick();
    expect(h.openPulls()).toHaveLength(1);
    expect(issueText()).toContain("**running**");
    expect(issueComments()).toHaveLength(1);
  });
});
