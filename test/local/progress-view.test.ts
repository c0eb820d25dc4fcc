import { describe, expect, it } from "vitest";
import { progressView } from "../../src/local/progress-view.ts";
import type { LedgerRow } from "../../src/core/ledger.ts";

const row: LedgerRow = {
  experiment: "exp-001",
  commit: "abc",
  tier: "proxy",
  seed: 1337,
  val_bpb: 2.5,
  artifact_bytes: 1000,
  memory_gb: 0.5,
  seconds: 24.3,
  status: "discard",
  promoted: false,
  cost_usd: null,
  claimed_val_bpb: null,
  flags: [],
  description: "MODEL_DIM 128 -> 192",
};

describe("progressView", () => {
  it("redraws one bar in place on a TTY, from the training lines, then prints the decision", () => {
    const out: string[] = [];
    let t = 0;
    const view = progressView({
      write: (s) => out.push(s),
      isTTY: true,
      capSeconds: 20,
      now: () => (t += 1000),
    });
    view.runStarted?.({
      id: "exp-001",
      kind: "experiment",
      description: "MODEL_DIM 128 -> 192",
      commit: "abc",
    });
    view.runLine?.("exp-001", "step:50/20000 train_loss:2.3456 train_time:10000ms step_avg:200ms");
    view.runLine?.("exp-001", "not a progress line");
    view.runFinished?.({
      id: "exp-001",
      row,
      decision: { verdict: "discard", reason: "worse by 0.1", delta: 0.1 },
      summary: {} as never,
    });
    const bar = out.find((s) => s.includes("step 50")) ?? "";
    expect(bar.startsWith("\r\x1b[2K")).toBe(true);
    expect(bar).toContain("[##########----------]"); // 10 s of a 20 s cap
    expect(bar).toContain("loss 2.346");
    expect(out.join("")).toMatch(/discard exp-001\s+val_bpb 2\.5000 \(\+0\.1000\)/);
    expect(out.join("")).toContain("worse by 0.1");
  });

  it("prints only start and decision lines without a TTY", () => {
    const out: string[] = [];
    const view = progressView({ write: (s) => out.push(s), isTTY: false, capSeconds: 20 });
    view.runStarted?.({ id: "exp-001", kind: "experiment", description: "d", commit: "abc" });
    view.runLine?.("exp-001", "step:50/20000 train_loss:2.3456 train_time:10000ms step_avg:200ms");
    view.runFinished?.({
      id: "exp-001",
      row: { ...row, status: "keep" },
      decision: { verdict: "keep", reason: "better", delta: -0.2 },
      summary: {} as never,
    });
    expect(out).toEqual([
      "exp-001 training: d\n",
      expect.stringMatching(
        /^keep\s+exp-001\s+val_bpb 2\.5000 \(-0\.2000\)\s+24\.3 s {2}MODEL_DIM 128 -> 192\n$/,
      ),
    ]);
    expect(out.join("")).not.toContain("\x1b");
  });
});
