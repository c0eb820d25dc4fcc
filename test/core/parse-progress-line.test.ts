import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseProgressLine } from "../../src/core/parse-progress-line.ts";
import { logSources, SAMPLE_LOGS, type SampleLogName } from "../helpers/sample-logs.ts";
import { fixture, hasShared, sharedMissing } from "../helpers/shared.ts";

describe("step lines", () => {
  it("reads the root script's train line", () => {
    expect(parseProgressLine("step:200/20000 train_loss:2.8041 train_time:8677ms step_avg:43.38ms")).toEqual({
      step: 200,
      totalSteps: 20000,
      trainLoss: 2.8041,
      valBpb: null,
      trainTimeMs: 8677,
    });
  });

  it("reads the root script's periodic validation line", () => {
    expect(
      parseProgressLine("step:0/20000 val_loss:6.9370 val_bpb:4.0978 train_time:0ms step_avg:0.01ms"),
    ).toEqual({
      step: 0,
      totalSteps: 20000,
      trainLoss: null,
      valBpb: 4.0978,
      trainTimeMs: 0,
    });
  });

  it("reads the record scripts' bare form with train_time in minutes", () => {
    expect(parseProgressLine("2000/20000 train_loss: 3.0734 train_time: 3.4m tok/s: 7725857")).toEqual({
      step: 2000,
      totalSteps: 20000,
      trainLoss: 3.0734,
      valBpb: null,
      trainTimeMs: 204000,
    });
    expect(parseProgressLine("4986/20000 val_loss: 2.8178 val_bpb: 1.0909")).toMatchObject({
      step: 4986,
      valBpb: 1.0909,
    });
  });

  it("reads both spellings of the stopping_early line", () => {
    expect(parseProgressLine("stopping_early: wallclock_cap train_time:600038ms step:13780/20000")).toEqual({
      step: 13780,
      totalSteps: 20000,
      trainLoss: null,
      valBpb: null,
      trainTimeMs: 600038,
    });
    expect(
      parseProgressLine("stopping_early: wallclock_cap train_time: 588136ms step: 4986/20000"),
    ).toMatchObject({
      step: 4986,
      trainTimeMs: 588136,
    });
  });

  it("reads a step without a planned total, behind a rank prefix and a CRLF ending", () => {
    expect(parseProgressLine("[rank0]: step:7 train_loss:5.1 train_time:1.5s\r")).toEqual({
      step: 7,
      totalSteps: null,
      trainLoss: 5.1,
      valBpb: null,
      trainTimeMs: 1500,
    });
  });

  it("leaves a non-finite loss out instead of reporting NaN", () => {
    expect(parseProgressLine("step:9/100 train_loss:nan train_time:9ms")).toMatchObject({
      step: 9,
      trainLoss: null,
    });
  });

  it.each([
    "warmup_step:3/20",
    "loop_warmup_step: 20/20",
    "layer_loop:enabled step:2888 frac:0.500",
    "swa:start step:5550",
    "step_avg:43.38ms",
    "ttp: b782/782 bl:2.1403 bb:1.0135 rl:2.1403 rb:1.0135",
    "tttg: c1/131 lr:0.001000 t:0.3s",
    "1/3 phases done",
    "2026-03-18 14:38:12 started",
    "final_int8_zlib_roundtrip_exact val_loss:2.07269931 val_bpb:1.22436570",
    "",
  ])("returns null for '%s'", (line) => {
    expect(parseProgressLine(line)).toBeNull();
  });

  it("round-trips any step, total, loss and time it is given", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.nat({ max: 10_000_000 }),
        (step, total, loss, ms) => {
          const line = `step:${step}/${total} train_loss:${loss} train_time:${ms}ms step_avg:1.00ms`;
          expect(parseProgressLine(line)).toEqual({
            step,
            totalSteps: total,
            trainLoss: loss,
            valBpb: null,
            trainTimeMs: ms,
          });
        },
      ),
    );
  });
});

describe.each(logSources)("progress lines of $name", (source) => {
  const logLines = (log: SampleLogName) => readFileSync(source.path(log), "utf8").split("\n");

  it("reads exactly the step: lines and the stopping_early line of the baseline", () => {
    const all = logLines("full-baseline");
    const read = all.filter((line) => parseProgressLine(line) !== null);
    expect(read).toEqual(
      all.filter((line) => line.startsWith("step:") || line.startsWith("stopping_early:")),
    );
    expect(read.length).toBeGreaterThan(10);
  });

  it("reads exactly the bare N/20000 lines and the stopping_early line of the SP8192 record", () => {
    const all = logLines("record-brotli");
    const read = all.filter((line) => parseProgressLine(line) !== null);
    expect(read).toEqual(
      all.filter((line) => /^\d+\/20000 /.test(line) || line.startsWith("stopping_early:")),
    );
    expect(read.at(-1)).toBe("stopping_early: wallclock_cap train_time: 588136ms step: 4986/20000");
  });
});

describe.skipIf(!hasShared)(`the real baseline log (${hasShared ? "present" : sharedMissing})`, () => {
  it("reads all 356 progress lines of the baseline", () => {
    const all = readFileSync(fixture("parameter-golf", "logs", SAMPLE_LOGS["full-baseline"]), "utf8").split(
      "\n",
    );
    const read = all.filter((line) => parseProgressLine(line) !== null);
    expect(read).toHaveLength(285 + 70 + 1); // train lines, validation lines, stopping_early
  });
});
