import { describe, expect, it } from "vitest";
import { GpuTurns } from "../../src/engine/gpu-turns.ts";

describe("GpuTurns", () => {
  it("lets the next run start only once the run before it has left its training loop", async () => {
    let now = 0;
    const turns = new GpuTurns(() => now);
    const first = await turns.begin("exp-001");
    let started = false;
    const second = turns.begin("exp-002").then((t) => {
      started = true;
      return t;
    });
    await Promise.resolve();
    expect(started).toBe(false);
    now = 100_000;
    first.trainingEnded();
    const turn = await second;
    expect(started).toBe(true);
    // exp-001 evaluates and is scored until 125 s; exp-002's training loop starts at 140 s: clean.
    now = 125_000;
    first.done();
    now = 260_000;
    expect(turn.sharedWith(140_000, 200_000)).toBeNull();
    turn.done();
  });

  it("finds what shared a training loop, and for how long, while it is still going", async () => {
    let now = 0;
    const turns = new GpuTurns(() => now);
    const first = await turns.begin("exp-001");
    first.trainingEnded();
    const second = await turns.begin("exp-002");
    // exp-001's scoring runs long: it is still going when exp-002's loop (130-190 s) is over.
    now = 200_000;
    expect(second.sharedWith(130_000, 190_000)).toEqual({ seconds: 60, with: ["exp-001"] });
    first.done();
    expect(second.sharedWith(130_000, 190_000)).toEqual({ seconds: 60, with: ["exp-001"] });
  });

  it("hands the turn on when a run ends without a training-end line, and stops waiting on Ctrl-C", async () => {
    const turns = new GpuTurns(() => 0);
    const first = await turns.begin("exp-001");
    const stop = new AbortController();
    const waiting = turns.begin("exp-002", stop.signal);
    stop.abort();
    await waiting;
    first.done();
    const third = await turns.begin("exp-003");
    third.done();
  });
});
