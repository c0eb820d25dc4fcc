import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readLogNumber } from "../../src/core/read-log-number.ts";

describe("readLogNumber", () => {
  it.each([
    ["key:value", "val_bpb:1.2244"],
    ["key: value", "val_bpb: 1.2244"],
    ["key=value", "val_bpb=1.2244"],
    ["key = value", "val_bpb = 1.2244"],
  ])("reads the %s spelling", (_name, line) => {
    expect(readLogNumber(`x ${line} y`, "val_bpb")).toEqual({ value: 1.2244, unit: "", token: "1.2244" });
  });

  it("keeps the unit glued to the number", () => {
    expect(readLogNumber("train_time:600038ms step_avg:43.54ms", "train_time")).toEqual({
      value: 600038,
      unit: "ms",
      token: "600038",
    });
  });

  it("matches the key only as a whole word", () => {
    expect(readLogNumber("pre_val_bpb:1.0 val_bpb_mean:2.0", "val_bpb")).toBeNull();
    expect(readLogNumber("pre_val_bpb:1.0 val_bpb:3.0", "val_bpb")?.value).toBe(3);
  });

  it("skips values that are not numbers, such as val_bpb:enabled or a format spec", () => {
    expect(readLogNumber("val_bpb:enabled tokenizer_kind=sentencepiece", "val_bpb")).toBeNull();
    expect(readLogNumber('log0(f"val_bpb:{val_bpb:.4f}")', "val_bpb")).toBeNull();
  });

  it("reads Python's nan and inf as non-finite values, not as absent", () => {
    expect(readLogNumber("val_bpb:nan", "val_bpb")?.value).toBeNaN();
    expect(readLogNumber("val_loss: -inf", "val_loss")?.value).toBe(Number.NEGATIVE_INFINITY);
    expect(readLogNumber("val_bpb:information", "val_bpb")).toBeNull();
  });

  it("round-trips every finite number JavaScript prints", () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)),
        (v) => {
          expect(readLogNumber(`quantized val_bpb:${v} eval_time:1ms`, "val_bpb")?.value).toBe(v);
        },
      ),
    );
  });
});
