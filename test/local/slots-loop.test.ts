/**
 * Slots end to end on the real golf_mini course: two experiments training side by side on the CPU (real
 * git, real PyTorch, caddie's sandbox), every result recorded once and the line consistent; and the
 * command line's bad slot requests refused before anything is created.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { courseVariables } from "../../src/local/caddie-paths.ts";
import { main } from "../../src/local/cli.ts";
import { checkPython, createDemoCourse, ensureDemoData } from "../../src/local/demo-course.ts";
import { loadConfig } from "../../src/local/load-config.ts";
import { runLocalSession } from "../../src/local/local-session.ts";
import { Git } from "../../src/local/git.ts";
import { parseNotes } from "../../src/core/notes.ts";

// No GPU is visible to these runs, whatever the machine: the slots share the CPU.
const env = { ...process.env, CADDIE_PROGRESS: "plain", ANTHROPIC_API_KEY: "", CUDA_VISIBLE_DEVICES: "" };
const vars = courseVariables(env);
const dirs: string[] = [];

beforeAll(async () => {
  await checkPython(vars.PYTHON ?? "python3");
  await ensureDemoData(vars.PYTHON ?? "python3", vars.CADDIE_DATA ?? "");
}, 180_000);

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function course(): Promise<string> {
  const dir = await createDemoCourse(undefined, { steps: 12 });
  dirs.push(dir);
  return dir;
}

describe("caddie run with two slots on golf_mini", () => {
  it("trains two experiments at once, records each result once, and keeps the line on the best", async () => {
    const repo = await course();
    const loaded = (await loadConfig(repo)).config;
    // Two slots; two baselines (one per slot at once) and no extra runs, to keep the file short.
    const config = {
      ...loaded,
      tiers: { ...loaded.tiers, proxy: { ...loaded.tiers.proxy, slots: 2 } },
      thresholds: { ...loaded.thresholds, baselineRuns: 2, extraSeeds: 0, rerunIncumbentEvery: 0 },
    };
    const out: string[] = [];
    const result = await runLocalSession({
      repo,
      tag: "t",
      config,
      agent: "sweep",
      maxExperiments: 3,
      maxHours: null,
      seed: 1337,
      io: {
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
        cwd: repo,
        env,
        signal: new AbortController().signal,
      },
      title: "test",
    });
    const text = out.join("");
    expect(result.summary).toMatchObject({ experiments: 3, stopReason: "max-experiments", slots: 2 });
    expect(text).toContain("warning: 2 slots without GPUs (none visible here): the runs share the CPU");
    expect(text).toContain("slots: 2 (slot 0; slot 1), one experiment each");

    // Both slots trained at once: the second experiment started before the first was decided.
    const events = text.split("\n").filter((l) => /^exp-\d+ training|^(keep|discard|crash)\s+exp-/.test(l));
    const firstDecision = events.findIndex((l) => /^(keep|discard|crash)\s+exp-00[12]/.test(l));
    expect(
      events.slice(0, firstDecision).filter((l) => /^exp-00[12] training \(slot [01]\)/.test(l)),
    ).toHaveLength(2);

    // Every result once, none lost; the state has nothing left in flight.
    const rows = await result.store.readLedger();
    expect(rows.map((r) => `${r.experiment} ${r.seed}`).sort()).toEqual([
      "exp-000 1337",
      "exp-000 1338",
      "exp-001 1337",
      "exp-002 1337",
      "exp-003 1337",
    ]);
    for (const row of rows) {
      expect(row.status).not.toBe("crash");
      expect(row.val_bpb).toBeGreaterThan(0);
    }
    const state = await result.store.readState();
    expect(state.pending).toEqual({});
    expect(state.counter).toBe(3);
    const configs = rows.filter((r) => r.experiment !== "exp-000").map((r) => r.description);
    expect(new Set(configs).size).toBe(3);

    // The line is on the best kept commit; each run trained in its own folder.
    const git = new Git(repo);
    const kept = rows.filter((r) => r.status === "keep");
    expect(kept.map((r) => r.commit)).toContain(await git.run(["rev-parse", "autoresearch/t"]));
    for (const r of rows) {
      const dir = path.join(result.stateDir, "runs", `${r.experiment}-s${r.seed}`);
      const record = JSON.parse(await readFile(path.join(dir, "run.json"), "utf8"));
      expect(record.commit).toBe(r.commit);
    }
    const notes = parseNotes(await readFile(result.store.notesFile, "utf8"));
    expect(notes.log).toHaveLength(4);
  }, 300_000);
});

describe("caddie run refuses slots that cannot work, before creating anything", () => {
  it.each([
    ["", ["--gpus", "0"], "no GPU is visible here (CPU only)"],
    ["0,1", ["--gpus", "0,5"], "GPU 5, which does not exist (this machine: 2 GPUs, indices 0-1)"],
    ["0,1", ["--slots", "4"], "4 slots of 1 GPU need 4 GPUs, but this machine has 2 GPUs"],
    ["0", ["--gpus", "zero"], "--gpus must be GPU indices"],
  ])(
    "CUDA_VISIBLE_DEVICES=%j, %j",
    async (visible, flags, message) => {
      const repo = await course();
      const err: string[] = [];
      const code = await main(["run", "--repo", repo, "--tag", "t", "--max-experiments", "1", ...flags], {
        stdout: () => undefined,
        stderr: (t) => err.push(t),
        cwd: repo,
        env: { ...env, CUDA_VISIBLE_DEVICES: visible },
        signal: new AbortController().signal,
      });
      expect(code).toBe(2);
      expect(err.join("")).toContain(message);
      expect(err.join("")).not.toMatch(/\n\s+at /);
      expect(existsSync(path.join(repo, ".caddie"))).toBe(false);
      expect(await new Git(repo).run(["branch", "--list", "autoresearch/*"])).toBe("");
    },
    120_000,
  );
});
