import { describe, expect, it } from "vitest";
import { endsTrainingLoop } from "../../src/core/training-loop-end.ts";

describe("endsTrainingLoop", () => {
  it("sees the last step of a step budget and the wall-clock cap's stopping_early line", () => {
    expect(endsTrainingLoop("step:100/100 val_loss:2.1 val_bpb:3.01 train_time:9000ms step_avg:90ms")).toBe(
      true,
    );
    expect(endsTrainingLoop("stopping_early: wallclock_cap train_time:60012ms step:1234/20000")).toBe(true);
    expect(endsTrainingLoop("[rank0] stopping_early: wallclock_cap train_time:60012ms step:1234/20000")).toBe(
      true,
    );
  });

  it("does not end on a step inside the budget, a periodic evaluation, warm-up or other lines", () => {
    expect(endsTrainingLoop("step:99/100 train_loss:2.2 train_time:8900ms step_avg:90ms")).toBe(false);
    expect(endsTrainingLoop("step:1000/20000 val_loss:2.4 val_bpb:1.41 train_time:43000ms")).toBe(false);
    // The cap's last evaluation comes before the stopping_early line, at a step short of the total.
    expect(endsTrainingLoop("step:1234/20000 val_loss:2.3 val_bpb:1.38 train_time:60012ms")).toBe(false);
    expect(endsTrainingLoop("warmup_step:20/20")).toBe(false);
    expect(endsTrainingLoop("step:5 train_loss:3.0")).toBe(false);
    expect(endsTrainingLoop("peak memory allocated: 10 MiB reserved: 12 MiB")).toBe(false);
    expect(endsTrainingLoop("final_int8_zlib_roundtrip_exact val_loss:2.0 val_bpb:1.2")).toBe(false);
  });
});
