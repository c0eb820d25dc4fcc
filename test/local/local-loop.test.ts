/**
 * The local loop end to end on the real golf_mini course: real git, real PyTorch training in child
 * processes, our parser and gate, and (for Claude) the real SDK over HTTP to a local Messages API server.
 * Runs are cut to a few seconds of training so the whole file stays around a minute or two.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { courseVariables } from "../../src/local/caddie-paths.ts";
import { checkPython, createDemoCourse, ensureDemoData } from "../../src/local/demo-course.ts";
import { loadConfig } from "../../src/local/load-config.ts";
import { runLocalSession } from "../../src/local/local-session.ts";
import { printSessionEnd } from "../../src/local/commands/session-output.ts";
import type { CommandIO } from "../../src/local/commands/command.ts";
import { Git } from "../../src/local/git.ts";
import { parseNotes } from "../../src/core/notes.ts";
import { bestKept } from "../../src/engine/history.ts";
import { startFakeAnthropic, type FakeReply } from "../fakes/anthropic.ts";

const env = { ...process.env, CADDIE_PROGRESS: "plain", ANTHROPIC_API_KEY: "" };
const vars = courseVariables(env);
const dirs: string[] = [];

function io(signal = new AbortController().signal): CommandIO & { out: string[] } {
  const out: string[] = [];
  return { stdout: (t) => out.push(t), stderr: (t) => out.push(t), cwd: process.cwd(), env, signal, out };
}

async function course(): Promise<string> {
  // A tiny step budget: short runs whose scores do not depend on the machine's load.
  const dir = await createDemoCourse(undefined, { steps: 12 });
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  await checkPython(vars.PYTHON ?? "python3");
  await ensureDemoData(vars.PYTHON ?? "python3", vars.CADDIE_DATA ?? "");
}, 180_000);

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("caddie run on golf_mini with the sweep proposer", () => {
  it("measures a baseline, runs experiments, moves the line on keeps, and writes every state file", async () => {
    const repo = await course();
    const { config } = await loadConfig(repo);
    const session = io();
    const result = await runLocalSession({
      repo,
      tag: "t",
      config,
      agent: "sweep",
      maxExperiments: 2,
      maxHours: null,
      seed: 1337,
      io: session,
      title: "test",
    });
    expect(result.summary.experiments).toBe(2);
    expect(result.summary.stopReason).toBe("max-experiments");

    const rows = await result.store.readLedger();
    // The baseline on three seeds (the noise estimate), then the experiments, some with extra seeds.
    const ids = (list: typeof rows) => [...new Set(list.map((r) => r.experiment))];
    expect(ids(rows)).toEqual(["exp-000", "exp-001", "exp-002"]);
    expect(rows.filter((r) => r.experiment === "exp-000").map((r) => r.seed)).toEqual([1337, 1338, 1339]);
    for (const row of rows) {
      expect(row.status).not.toBe("crash");
      // caddie's own score beside the log's claim; an honest sweep raises no flag.
      expect(row.claimed_val_bpb).toBeGreaterThan(0);
      expect(row.flags).toEqual([]);
      expect(row.val_bpb).toBeGreaterThan(0);
      expect(row.val_bpb).toBeLessThan(8.2);
      expect(row.artifact_bytes).toBeLessThan(16_000_000);
      expect(row.seconds).toBeGreaterThan(0);
    }
    expect(rows[0]?.status).toBe("keep");
    // On a step budget every run trains exactly its steps, whatever else the machine does.
    const log = await readFile(path.join(result.stateDir, "runs", "exp-000-s1337", "run.log"), "utf8");
    expect(log).toContain("step:12/12 val_loss");
    expect(log).not.toContain("stopping_early");

    // The forge agrees with the ledger: the line head is the incumbent (the best mean over its runs), and
    // discards are kept aside.
    const git = new Git(repo);
    const best = bestKept(rows, "proxy");
    expect(await git.run(["rev-parse", "autoresearch/t"])).toBe(best?.commit);
    for (const r of rows.filter((r) => r.status === "discard"))
      expect(await git.run(["rev-parse", `refs/caddie/discarded/t/${r.experiment}`])).toBe(r.commit);
    // Each experiment commit changes exactly the target file.
    for (const r of rows.filter((r) => r.experiment !== "exp-000"))
      expect(await git.run(["diff-tree", "--no-commit-id", "--name-only", "-r", r.commit])).toBe(
        "train_gpt.py",
      );
    expect(await git.run(["status", "--porcelain"])).toBe("");

    const notes = parseNotes(await readFile(result.store.notesFile, "utf8"));
    expect(notes.log).toHaveLength(3);
    expect(notes.bestKnown).toContain(String(best?.valBpb.toFixed(4)).slice(0, 5));
    expect(existsSync(result.scorecard.chart)).toBe(true);
    const scorecard = await readFile(result.scorecard.markdown, "utf8");
    expect(scorecard).toContain("chart.svg");
    // The noise behind the verdicts: sigma from the repeated runs, and how many runs it rests on.
    expect(scorecard).toMatch(/## Noise\n\n- Noise: sigma [\d.e-]+ from \d+ runs \(\d+ df\)\./);
    await printSessionEnd(result, session);
    const text = session.out.join("");
    expect(text).toMatch(/keep\s+exp-000/);
    expect(text).toContain("duty cycle:");
    expect(text).toContain("where the time went: start-up");

    // Running again resumes: no second baseline, ids continue.
    const again = await runLocalSession({
      repo,
      tag: "t",
      config,
      agent: "sweep",
      maxExperiments: 1,
      maxHours: null,
      seed: 1337,
      io: io(),
      title: "test",
    });
    const after = await again.store.readLedger();
    expect(ids(after)).toEqual(["exp-000", "exp-001", "exp-002", "exp-003"]);
    const configs = ids(after)
      .slice(1)
      .map((id) => after.find((r) => r.experiment === id)?.description);
    expect(new Set(configs).size).toBe(configs.length);
  }, 1_200_000);

  it("stops on Ctrl-C without recording the interrupted run", async () => {
    const repo = await course();
    const { config } = await loadConfig(repo);
    const controller = new AbortController();
    const session = io(controller.signal);
    const result = runLocalSession({
      repo,
      tag: "t",
      config,
      agent: "sweep",
      maxExperiments: 3,
      maxHours: null,
      seed: 1337,
      io: session,
      title: "test",
    });
    // Abort while the first experiment (after the baseline) is training.
    const poll = setInterval(() => {
      if (session.out.join("").includes("exp-001 training")) {
        clearInterval(poll);
        setTimeout(() => controller.abort(), 500);
      }
    }, 100);
    const done = await result;
    clearInterval(poll);
    expect(done.summary.stopReason).toBe("interrupted");
    const rows = await done.store.readLedger();
    expect(rows.map((r) => r.experiment)).toEqual(["exp-000", "exp-000", "exp-000"]);
    expect(JSON.parse(await readFile(path.join(done.stateDir, "state.json"), "utf8")).counter).toBe(0);
  }, 1_200_000);
});

describe("caddie run on golf_mini with Claude (local Messages API server)", () => {
  it("commits the model's tool edits, crashes on a broken change, applies one trivial fix, and records the analysis", async () => {
    const repo = await course();
    const { config } = await loadConfig(repo);
    const submit = (description: string): FakeReply => ({
      content: [
        {
          type: "tool_use",
          name: "submit_experiment",
          input: { description, direction: "lr", hypothesis: "h", evidence: "e", risk: "r" },
        },
      ],
    });
    const analysis: FakeReply = {
      content: [
        {
          type: "tool_use",
          name: "record_analysis",
          input: { result: "r", vs_expected: "v", why: "w", lesson: "fake lesson" },
        },
      ],
    };
    let proposals = 0;
    const fake = await startFakeAnthropic({
      apiKey: "sk-fake",
      respond: (request) => {
        const tools = (request.tools ?? []).map((t) => t.name);
        const last = JSON.stringify(request.messages.at(-1));
        if (tools.includes("record_analysis")) return analysis;
        if (tools.includes("no_trivial_fix")) {
          // The fix turn: first an edit restoring the head count, then submit.
          if (last.includes("tool_result")) return submit("restore NUM_HEADS");
          return {
            content: [
              {
                type: "tool_use",
                name: "edit_file",
                input: { path: "train_gpt.py", old_string: '"NUM_HEADS", 3)', new_string: '"NUM_HEADS", 4)' },
              },
            ],
          };
        }
        if (last.includes("tool_result"))
          return submit(proposals === 1 ? "higher matrix LR" : "3 heads (breaks the shape rule)");
        proposals++;
        const edit =
          proposals === 1
            ? { old_string: '"MATRIX_LR", 0.006)', new_string: '"MATRIX_LR", 0.009)' }
            : { old_string: '"NUM_HEADS", 4)', new_string: '"NUM_HEADS", 3)' };
        return {
          content: [{ type: "tool_use", name: "edit_file", input: { path: "train_gpt.py", ...edit } }],
        };
      },
    });
    try {
      const session = io();
      session.env = { ...env, ANTHROPIC_API_KEY: "sk-fake", ANTHROPIC_BASE_URL: fake.url };
      const result = await runLocalSession({
        repo,
        tag: "c",
        config,
        agent: "auto",
        maxExperiments: 2,
        maxHours: null,
        seed: 1337,
        io: session,
        title: "test",
      });
      expect(result.proposer).toBe("claude");
      expect(fake.violations).toEqual([]);
      const all = await result.store.readLedger();
      // One row per experiment (its first run): extra seeds and re-runs of the incumbent are left out.
      const rows = [...new Set(all.map((r) => r.experiment))].map(
        (id) => all.find((r) => r.experiment === id) as (typeof all)[number],
      );
      expect(rows.map((r) => [r.experiment, r.status === "crash" ? "crash" : "ran"])).toEqual([
        ["exp-000", "ran"],
        ["exp-001", "ran"],
        ["exp-002", "crash"],
        ["exp-002-fix", "ran"],
      ]);
      expect(rows[1]?.description).toBe("higher matrix LR");
      const git = new Git(repo);
      expect(await git.run(["show", `${rows[1]?.commit}:train_gpt.py`])).toContain('"MATRIX_LR", 0.009)');
      // The context the model saw holds program.md and, after the first run, the ledger.
      const firstPrompt = JSON.stringify(fake.requests[0]?.messages);
      expect(firstPrompt).toContain("golf_mini: a CPU-sized Parameter Golf course");
      const notes = await readFile(result.store.notesFile, "utf8");
      expect(notes).toContain("fake lesson");
      expect(notes).toContain("=== REASONING ===");
    } finally {
      await fake.close();
    }
  }, 1_200_000);
});
