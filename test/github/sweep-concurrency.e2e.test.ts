/**
 * Parallel proposals with the offline sweep: with `concurrency: k` the App keeps k different experiments
 * open, as it does with Claude. Each delivery builds a fresh sweep, so what it must not repeat comes from
 * caddie/state (the experiments in flight in bot.json, the tried ones in the ledger), never from memory.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseBotState } from "../../src/github/bot-state.ts";
import { Harness } from "../fakes/github/harness.ts";
import { rootLog } from "../fakes/github/logs.ts";

const SCRIPT = [
  "import os",
  'MODEL_DIM = int(os.environ.get("MODEL_DIM", 512))',
  'NUM_LAYERS = int(os.environ.get("NUM_LAYERS", 9))',
  'MATRIX_LR = float(os.environ.get("MATRIX_LR", 0.04))',
  'WARMDOWN_ITERS = int(os.environ.get("WARMDOWN_ITERS", 1200))',
  "",
].join("\n");

const config = (k: number) =>
  [
    "target: train_gpt.py",
    "research_line: autoresearch/main",
    `concurrency: ${k}`,
    "search_space:",
    '  MODEL_DIM: ["384", "448", "512", "576", "640"]',
    '  NUM_LAYERS: ["7", "8", "9", "10", "11"]',
    '  MATRIX_LR: ["0.02", "0.03", "0.04", "0.05", "0.06"]',
    '  WARMDOWN_ITERS: ["800", "1200", "1600"]',
    "",
  ].join("\n");

describe("concurrency with the sweep", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  const open = () => {
    const bot = parseBotState(h.stateFile("bot.json") ?? undefined);
    return Object.entries(bot.experiments).filter(([, e]) => e.status === "open");
  };
  const key = (c: Record<string, string> | null) => JSON.stringify(Object.entries(c ?? {}).sort());

  it("keeps 20 different experiments open, and refills with a new one the ones in flight do not repeat", async () => {
    h = await Harness.start({ config: config(20), files: { "train_gpt.py": SCRIPT }, app: { env: {} } });
    await h.tick();
    expect(h.openPulls()).toHaveLength(1);
    await h.finishBaseline(h.openPulls()[0] ?? 0, { log: rootLog(1.3) });
    expect(h.openPulls()).toHaveLength(20);
    expect(new Set(open().map(([, e]) => key(e.config))).size).toBe(20);
    expect(new Set(open().map(([, e]) => h.fake.state.pulls.get(e.pr)?.headSha)).size).toBe(20);

    // One result comes back (a discard): one new experiment, different from all in flight and all tried.
    const [doneId, done] = open()[0] ?? ["", null];
    await h.finish(done?.pr ?? 0, { log: rootLog(1.35) });
    expect(h.openPulls()).toHaveLength(20);
    const now = open();
    expect(now.map(([id]) => id)).not.toContain(doneId);
    expect(new Set([...now.map(([, e]) => key(e.config)), key(done?.config ?? null)]).size).toBe(21);
    // A cron tick with all slots full proposes nothing.
    await h.tick();
    expect(h.outcomes.at(-1)).toEqual({ event: "tick", outcome: "full" });
  });
});
