/**
 * The final-metric rule on the small logs in test/data/log-shapes (written for these tests, one per shape), so a
 * fresh clone checks every shape; the real logs in ../shared are checked in parse-run-log.test.ts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/core/parse-run-log.ts";
import { repoRoot } from "../helpers/shared.ts";

const read = (name: string) => readFileSync(path.join(repoRoot, "test", "data", "log-shapes", name), "utf8");

const expected: Record<string, { val_bpb: number; val_loss: number | null; metric: string; why: string }> = {
  "root-roundtrip.log": {
    val_bpb: 1.73012345,
    val_loss: 2.95012345,
    metric: "final_int8_zlib_roundtrip_exact",
    why: "the round trip is the last evaluation; its _exact line has all the digits",
  },
  "sliding-window.log": {
    val_bpb: 1.45004444,
    val_loss: 2.46003333,
    metric: "final_sliding_window_exact",
    why: "the sliding window is evaluated after the round trip",
  },
  "legal-ttt.log": {
    val_bpb: 1.33003333,
    val_loss: 2.26003333,
    metric: "legal_ttt_exact",
    why: "test-time training is evaluated last, after the round trip alias",
  },
  "ttt-lora.log": {
    val_bpb: 1.51,
    val_loss: 2.55,
    metric: "final_ttt_lora",
    why: "LoRA test-time training follows the round trip",
  },
  "quantized-sliding.log": {
    val_bpb: 1.091,
    val_loss: 2.82,
    metric: "quantized_sliding_window",
    why: "pre-quantization is not the artifact's score",
  },
  "phased-ttt.log": {
    val_bpb: 1.061,
    val_loss: 2.32,
    metric: "quantized_ttt_phased",
    why: "diagnostic lines and TTT progress never count",
  },
  "warmup-and-pre-ema.log": {
    val_bpb: 1.61001111,
    val_loss: 2.71001111,
    metric: "final_int8_zlib_roundtrip_exact",
    why: "warm-up, pre-EMA and best-of-periodic lines never count, even after the final one",
  },
  "timestamped.log": {
    val_bpb: 1.73012345,
    val_loss: 2.95012345,
    metric: "final_int8_zlib_roundtrip_exact",
    why: "a logger's timestamp and level are not part of the key",
  },
  "bracket-stamped.log": {
    val_bpb: 1.45004444,
    val_loss: 2.46003333,
    metric: "final_sliding_window_exact",
    why: "bracketed times, elapsed seconds and rank prefixes are not part of the key",
  },
};

describe("the sample logs in test/data/log-shapes", () => {
  it.each(Object.entries(expected))("%s parses to its last final evaluation", (name, want) => {
    const summary = parseRunLog(read(name), { exitCode: 0 });
    expect(summary, want.why).toMatchObject({
      status: "ok",
      val_bpb: want.val_bpb,
      val_loss: want.val_loss,
      metric: want.metric,
    });
  });

  it("reads steps, sizes and memory through the timestamp prefixes as from the plain log", () => {
    const plain = parseRunLog(read("root-roundtrip.log"));
    expect(parseRunLog(read("timestamped.log"))).toEqual(plain);
    expect(plain).toMatchObject({ steps: 150, artifact_bytes: 1247686, peak_memory_mib: 2000 });
    expect(parseRunLog(read("bracket-stamped.log"))).toEqual(parseRunLog(read("sliding-window.log")));
  });

  it("gives a log with only periodic validation no score", () => {
    expect(parseRunLog(read("only-periodic.log"))).toMatchObject({
      status: "crash",
      val_bpb: null,
      error: "no final val_bpb line in the log (the last step reached was 200)",
    });
  });
});
