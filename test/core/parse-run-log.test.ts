import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRunLog, type RunLogSummary } from "../../src/core/parse-run-log.ts";
import { UserError } from "../../src/core/user-error.ts";
import { logSources, SAMPLE_LOGS, type SampleLogName } from "../helpers/sample-logs.ts";
import { fixture, hasShared, sharedMissing } from "../helpers/shared.ts";

const lines = (...rows: string[]): string => `${rows.join("\n")}\n`;

/** The closing lines of a root-script run, written for these tests (values of our own). */
const rootTail = [
  "step:500/20000 val_loss:2.5000 val_bpb:1.5000 train_time:30000ms step_avg:60.00ms",
  "stopping_early: wallclock_cap train_time:30012ms step:500/20000",
  "peak memory allocated: 9000 MiB reserved: 9100 MiB",
  "Serialized model: 67224983 bytes",
  "Code size: 47686 bytes",
  "Total submission size: 67272669 bytes",
  "Serialized model int8+zlib: 9000000 bytes (payload:17178912 raw_torch:17224025 payload_ratio:3.91x)",
  "Total submission size int8+zlib: 9047686 bytes",
  "final_int8_zlib_roundtrip val_loss:2.5432 val_bpb:1.5063 eval_time:900ms",
  "final_int8_zlib_roundtrip_exact val_loss:2.54321234 val_bpb:1.50625678",
];

/** What each real log states, by its name; each sample log states the same as its counterpart. */
const EXPECTED: Record<string, RunLogSummary> = {
  "2026-03-17_NaiveBaseline__train.log": {
    status: "ok",
    val_bpb: 1.2243657,
    val_loss: 2.07269931,
    metric: "final_int8_zlib_roundtrip_exact",
    artifact_bytes: 15863489,
    model_params: 17059912,
    steps: 13780,
    train_time_ms: 600038,
    peak_memory_mib: 10184,
    stopping_early: true,
    error: null,
  },
  // Scored by the sliding window printed after the round trip (submission.json: 1.1574404).
  "2026-03-19_WarmdownQuantization__train.log": {
    status: "ok",
    val_bpb: 1.1574404,
    val_loss: 1.95428963,
    metric: "final_sliding_window_exact",
    artifact_bytes: 15977717,
    model_params: 21778504,
    steps: 7199,
    train_time_ms: 600031,
    peak_memory_mib: 16840,
    stopping_early: true,
    error: null,
  },
  // Scored by legal test-time training, after the round trip, the sliding window and an int8 alias.
  "2026-03-23_LeakyReLU_LegalTTT_ParallelMuon__train_seed42.log": {
    status: "ok",
    val_bpb: 1.12002032,
    val_loss: 1.89110239,
    metric: "legal_ttt_exact",
    artifact_bytes: 15876510,
    model_params: 26928220,
    steps: 7182,
    train_time_ms: 600128,
    peak_memory_mib: 21471,
    stopping_early: true,
    error: null,
  },
  "2026-03-20_10L_Int5MLP_MuonWD04_SWA50__train_seed42.log": {
    status: "ok",
    val_bpb: 1.14271194,
    val_loss: 1.92941613,
    metric: "final_int8_zlib_roundtrip_exact",
    artifact_bytes: 15965978,
    model_params: 25517137,
    steps: 6709,
    train_time_ms: 600037,
    peak_memory_mib: 18871,
    stopping_early: true,
    error: null,
  },
  "2026-04-05_SP8192_GPTQ-Embeddings_SDClip_Loop45x2__train_seed42.log": {
    status: "ok",
    val_bpb: 1.08664424,
    val_loss: 2.80691494,
    metric: "quantized_sliding_window",
    artifact_bytes: 15988983,
    model_params: 35943512,
    steps: 4986,
    train_time_ms: 588136,
    peak_memory_mib: 35372,
    stopping_early: true,
    error: null,
  },
  "2026-04-27_SP8192_LQER_SparseGate_BOSSmearFix_9HpStack_1.0611__train_seed42.log": {
    status: "ok",
    val_bpb: 1.05989454,
    val_loss: 2.31944212,
    metric: "quantized_ttt_phased",
    artifact_bytes: 15897259,
    model_params: 35945671,
    steps: 4945,
    train_time_ms: 599592,
    peak_memory_mib: 41717,
    stopping_early: true,
    error: null,
  },
  "h100x1_baseline_90s__stdout.log": {
    status: "ok",
    val_bpb: 3.54733956,
    val_loss: 5.67205477,
    metric: "final_int8_zlib_roundtrip_exact",
    artifact_bytes: 8483863,
    model_params: 17059912,
    steps: 256,
    train_time_ms: 90081,
    peak_memory_mib: 10303,
    stopping_early: true,
    error: null,
  },
  "h100x1_crash_bad_heads__stdout.log": {
    status: "crash",
    val_bpb: null,
    val_loss: null,
    metric: null,
    artifact_bytes: null,
    model_params: null,
    steps: null,
    train_time_ms: null,
    peak_memory_mib: null,
    stopping_early: false,
    error: "ValueError: model_dim must be divisible by num_heads",
  },
};

describe.skipIf(!hasShared)(
  `every real log in ../shared/fixtures (${hasShared ? "present" : sharedMissing})`,
  () => {
    const read = (name: string) => readFileSync(fixture("parameter-golf", "logs", name), "utf8");

    it.each(Object.entries(EXPECTED))("parses %s to the values the log states", (name, summary) => {
      expect(parseRunLog(read(name))).toEqual(summary);
    });

    it("knows every log of the fixture folder (a new one needs its recorded value here)", () => {
      const names = readdirSync(fixture("parameter-golf", "logs")).filter((n) => n.endsWith(".log"));
      expect(names.filter((n) => !(n in EXPECTED))).toEqual([]);
    });

    it("reads the same score when every line carries a timestamp", () => {
      for (const name of Object.keys(EXPECTED)) {
        const stamped = read(name)
          .split("\n")
          .map((line, i) => `2026-03-19 10:${String(i % 60).padStart(2, "0")}:07.${i} | ${line}`)
          .join("\n");
        expect(parseRunLog(stamped), name).toEqual(EXPECTED[name]);
      }
    });
  },
);

describe.each(logSources)("parseRunLog on $name", (source) => {
  const read = (log: SampleLogName) => readFileSync(source.path(log), "utf8");

  it.each(Object.keys(SAMPLE_LOGS) as SampleLogName[])("parses %s to the values the log states", (log) => {
    expect(parseRunLog(read(log))).toEqual(EXPECTED[SAMPLE_LOGS[log]]);
  });

  it("reads the same score when every line carries a timestamp", () => {
    for (const log of Object.keys(SAMPLE_LOGS) as SampleLogName[]) {
      const stamped = read(log)
        .split("\n")
        .map((line, i) => `2026-03-19 10:${String(i % 60).padStart(2, "0")}:07.${i} | ${line}`)
        .join("\n");
      expect(parseRunLog(stamped), log).toEqual(EXPECTED[SAMPLE_LOGS[log]]);
    }
  });

  it("reads the crash log as a crash also when torchrun's exit code 1 is given", () => {
    const summary = parseRunLog(read("crash-bad-heads"), { exitCode: 1 });
    expect(summary.status).toBe("crash");
    expect(summary.error).toBe("ValueError: model_dim must be divisible by num_heads");
  });

  it("turns the baseline into a crash when its process exited non-zero", () => {
    const summary = parseRunLog(read("full-baseline"), { exitCode: 137 });
    expect(summary).toMatchObject({
      status: "crash",
      val_bpb: null,
      metric: null,
      artifact_bytes: 15863489,
    });
    expect(summary.error).toBe(
      "process exited with code 137 (after printing final_int8_zlib_roundtrip_exact val_bpb 1.22436570)",
    );
  });

  it("takes the pre-quantization score of a record log only when a pattern asks for it", () => {
    const log = read("record-brotli");
    const summary = parseRunLog(log, { metricPattern: "^pre-quantization post-ema .*val_bpb:(\\S+)" });
    expect(summary).toMatchObject({
      status: "ok",
      val_bpb: 1.0899407,
      val_loss: 2.81543002,
      metric: "pre-quantization post-ema",
    });
  });
});

describe("separator spellings", () => {
  it.each([
    ["key:value", "quantized val_loss:2.5 val_bpb:1.25"],
    ["key: value", "quantized val_loss: 2.5 val_bpb: 1.25"],
    ["key=value", "quantized val_loss=2.5 val_bpb=1.25"],
    ["key = value", "quantized val_loss = 2.5 val_bpb = 1.25"],
    ["tabs", "quantized val_loss:\t2.5\tval_bpb:\t1.25"],
  ])("reads the %s spelling", (_name, line) => {
    expect(parseRunLog(lines(line))).toMatchObject({
      status: "ok",
      val_bpb: 1.25,
      val_loss: 2.5,
      metric: "quantized",
    });
  });

  it("reads ttt_sliding:done lines that use '=' and keeps their whole key", () => {
    const summary = parseRunLog(lines("ttt_sliding:done val_loss=1.9000 val_bpb=1.1213 elapsed=412.3s"));
    expect(summary).toMatchObject({
      status: "ok",
      val_bpb: 1.1213,
      val_loss: 1.9,
      metric: "ttt_sliding:done",
    });
  });

  it("reads an autoresearch-style 'val_bpb: x' summary line with the key val_bpb", () => {
    expect(parseRunLog(lines("---", "val_bpb: 0.997900", "peak_vram_mb: 45060.2"))).toMatchObject({
      status: "ok",
      val_bpb: 0.9979,
      metric: "val_bpb",
    });
  });

  it("reads lines behind torchrun's [rank0]: prefix and with CRLF endings", () => {
    const text = ["[rank0]: model_params:123", "[rank0]: quantized val_loss:2.1 val_bpb:1.2\r", ""].join(
      "\r\n",
    );
    expect(parseRunLog(text)).toMatchObject({ status: "ok", val_bpb: 1.2, val_loss: 2.1, model_params: 123 });
  });
});

describe("choosing the final metric", () => {
  it("takes an evaluation printed after the root script's round trip: the last final one is the score", () => {
    const summary = parseRunLog(lines(...rootTail, "quantized_sliding_window val_loss:2.1 val_bpb:1.1"));
    expect(summary).toMatchObject({ val_bpb: 1.1, val_loss: 2.1, metric: "quantized_sliding_window" });
  });

  it("takes the last final line of a record script", () => {
    const summary = parseRunLog(
      lines(
        "quantized val_loss:2.85032574 val_bpb:1.10344992 eval_time:7467ms",
        "quantized_sliding_window val_loss:2.80691494 val_bpb:1.08664424 eval_time:84115ms",
        "total_eval_time:91.6s",
      ),
    );
    expect(summary).toMatchObject({ val_bpb: 1.08664424, metric: "quantized_sliding_window" });
  });

  it("prefers a metric's _exact line over the same metric's 4-decimal line printed after it", () => {
    const summary = parseRunLog(
      lines(
        "final_int6_sliding_window_exact val_loss:1.89123456 val_bpb:1.12012345 stride:64",
        "final_int6_sliding_window val_loss:1.8912 val_bpb:1.1201 stride:64",
      ),
    );
    expect(summary).toMatchObject({
      val_bpb: 1.12012345,
      val_loss: 1.89123456,
      metric: "final_int6_sliding_window_exact",
    });
  });

  it.each([
    "pre-quantization post-ema val_loss:2.0 val_bpb:1.0 eval_time:6006ms",
    "diagnostic quantized val_loss:2.0 val_bpb:1.0 eval_time:49995ms",
    "DIAGNOSTIC post_ema val_loss:2.0 val_bpb:1.0",
    "step:4000/20000 val_loss:2.0 val_bpb:1.0 train_time:1ms step_avg:1.00ms",
    "4000/20000 val_loss: 2.0 val_bpb: 1.0",
    "pre_ema val_loss:2.0 val_bpb:1.0",
    "prequant val_loss:2.0 val_bpb:1.0",
    "unquantized model val_loss:2.0 val_bpb:1.0",
    "eval_warmup val_loss:2.0 val_bpb:1.0",
    "warm-up eval val_loss:2.0 val_bpb:1.0",
    "best val_bpb:1.0 at step:4000",
    "ttt_chunk 12/100 val_loss:2.0 val_bpb:1.0",
    "ttt_epoch:2 val_loss:2.0 val_bpb:1.0",
    "val_loss:2.0 val_bpb:1.0 train_loss:2.1 epoch:3",
    "debug eval val_loss:2.0 val_bpb:1.0",
  ])("never takes '%s' as the score, even as the last line", (notFinal) => {
    const summary = parseRunLog(lines("quantized val_loss:2.2 val_bpb:1.2", notFinal));
    expect(summary).toMatchObject({ status: "ok", val_bpb: 1.2, metric: "quantized" });
  });

  it("calls a log with only periodic validation lines a crash and says how far it got", () => {
    const summary = parseRunLog(
      lines(
        "val_bpb:enabled tokenizer_kind=sentencepiece tokenizer_path=./tok.model",
        "step:0/20000 val_loss:6.9370 val_bpb:4.0978 train_time:0ms step_avg:0.01ms",
        "step:200/20000 train_loss:2.8041 train_time:8677ms step_avg:43.38ms",
        "step:200/20000 val_loss:2.8397 val_bpb:1.6774 train_time:8699ms step_avg:43.49ms",
      ),
    );
    expect(summary).toEqual({
      status: "crash",
      val_bpb: null,
      val_loss: null,
      metric: null,
      artifact_bytes: null,
      model_params: null,
      steps: 200,
      train_time_ms: 8699,
      peak_memory_mib: null,
      stopping_early: false,
      error: "no final val_bpb line in the log (the last step reached was 200)",
    });
  });

  it("ignores the f-strings of a logs/*.txt source-code header", () => {
    const header = [
      '    log0(f"step:{step}/{args.iterations} val_loss:{val_loss:.4f} val_bpb:{val_bpb:.4f}")',
      '    log0(f"Total submission size int8+zlib: {quant_file_bytes + code_bytes} bytes")',
      '    log0(f"final_int8_zlib_roundtrip_exact val_loss:{q_val_loss:.8f} val_bpb:{q_val_bpb:.8f}")',
      '        raise ValueError("model_dim must be divisible by num_heads")',
      "=".repeat(100),
    ];
    expect(parseRunLog(lines(...header, ...rootTail))).toMatchObject({
      status: "ok",
      val_bpb: 1.50625678,
      artifact_bytes: 9047686,
    });
    expect(parseRunLog(lines(...header)).error).toBe("no final val_bpb line in the log");
  });

  it("calls a non-finite final score a crash and names it", () => {
    const summary = parseRunLog(
      lines("quantized val_loss:2.1 val_bpb:1.2", "quantized_ttt val_loss:nan val_bpb:nan"),
    );
    expect(summary).toMatchObject({ status: "crash", val_bpb: null, metric: null });
    expect(summary.error).toBe("final metric quantized_ttt is not a finite, positive number (val_bpb nan)");
  });

  it("calls an empty log a crash with no final line", () => {
    expect(parseRunLog("")).toMatchObject({
      status: "crash",
      error: "no final val_bpb line in the log",
      steps: null,
    });
  });
});

describe("sizes, steps, time and memory", () => {
  it("reads the root script's closing block", () => {
    expect(parseRunLog(lines("model_params:17059912", ...rootTail))).toEqual({
      status: "ok",
      val_bpb: 1.50625678,
      val_loss: 2.54321234,
      metric: "final_int8_zlib_roundtrip_exact",
      artifact_bytes: 9047686,
      model_params: 17059912,
      steps: 500,
      train_time_ms: 30012,
      peak_memory_mib: 9000,
      stopping_early: true,
      error: null,
    });
  });

  it("never reads the unqualified size line (the raw fp32 model) as the artifact", () => {
    const summary = parseRunLog(
      lines("Total submission size: 67272669 bytes", "quantized val_loss:2 val_bpb:1.2"),
    );
    expect(summary.artifact_bytes).toBeNull();
  });

  it("reads any size qualifier, the last one winning", () => {
    const summary = parseRunLog(
      lines(
        "Total submission size int6+zstd: 15500000 bytes",
        "Total submission size: 98490349 bytes",
        "Total submission size mixed_int6_int8+brotli: 15600000 bytes",
        "Total submission size: 98490350 bytes",
      ),
    );
    expect(summary.artifact_bytes).toBe(15600000);
  });

  it("converts the record scripts' train_time in minutes and prefers the stopping_early line", () => {
    const withStop = lines(
      "4500/20000 train_loss: 2.8134 train_time: 8.7m tok/s: 6805522",
      "4986/20000 val_loss: 2.8178 val_bpb: 1.0909",
      "stopping_early: wallclock_cap train_time: 588136ms step: 4986/20000",
    );
    expect(parseRunLog(withStop)).toMatchObject({ steps: 4986, train_time_ms: 588136, stopping_early: true });
    const withoutStop = lines(
      "4500/20000 train_loss: 2.8134 train_time: 8.7m tok/s: 6805522",
      "4986/20000 val_loss: 2.8178 val_bpb: 1.0909",
    );
    expect(parseRunLog(withoutStop)).toMatchObject({
      steps: 4986,
      train_time_ms: 522000,
      stopping_early: false,
    });
  });

  it("does not count warm-up steps as training steps", () => {
    const summary = parseRunLog(lines("warmup_step:20/20", "loop_warmup_step: 20/20"));
    expect(summary.steps).toBeNull();
  });

  it("reads peak memory given in GiB as MiB", () => {
    expect(parseRunLog(lines("peak memory allocated: 10 GiB reserved: 11 GiB")).peak_memory_mib).toBe(10240);
  });
});

describe("crashes", () => {
  it("reports the worker's error line, not torchrun's closing ChildFailedError", () => {
    const summary = parseRunLog(
      lines(
        "[rank0]: Traceback (most recent call last):",
        '[rank0]:   File "/root/train_gpt.py", line 566, in __init__',
        '[rank0]:     raise RuntimeError("CUDA error: out of memory")',
        "[rank0]: RuntimeError: CUDA error: out of memory",
        "Traceback (most recent call last):",
        '  File "/usr/local/bin/torchrun", line 10, in <module>',
        "    raise ChildFailedError(",
        "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ",
      ),
    );
    expect(summary).toMatchObject({ status: "crash", error: "RuntimeError: CUDA error: out of memory" });
  });

  it("makes a traceback a crash even after a score was printed", () => {
    const summary = parseRunLog(
      lines(
        ...rootTail,
        "Traceback (most recent call last):",
        '  File "x.py", line 1',
        "torch.OutOfMemoryError: CUDA out of memory.",
      ),
    );
    expect(summary).toMatchObject({
      status: "crash",
      val_bpb: null,
      error: "torch.OutOfMemoryError: CUDA out of memory.",
    });
  });

  it("reports the exception line of a traceback whose exception is not called Error", () => {
    const summary = parseRunLog(
      lines("Traceback (most recent call last):", '  File "train_gpt.py", line 900', "KeyboardInterrupt"),
    );
    expect(summary).toMatchObject({ status: "crash", error: "KeyboardInterrupt" });
  });

  it("calls a bare 'Error:' line a crash", () => {
    const summary = parseRunLog(lines(...rootTail, "Error: CUDA driver initialization failed"));
    expect(summary).toMatchObject({ status: "crash", error: "Error: CUDA driver initialization failed" });
  });

  it("does not call a finished run a crash for Python's 'Exception ignored in' noise at shutdown", () => {
    const summary = parseRunLog(
      lines(
        ...rootTail,
        "Exception ignored in: <function _MultiProcessingDataLoaderIter.__del__ at 0x7f>",
        "Traceback (most recent call last):",
        '  File "dataloader.py", line 1479, in __del__',
        "AttributeError: 'NoneType' object has no attribute 'python_exit_status'",
      ),
    );
    expect(summary).toMatchObject({ status: "ok", val_bpb: 1.50625678, error: null });
  });

  it("does not mistake warnings that mention errors for error lines", () => {
    const summary = parseRunLog(
      lines(
        "[W318 14:38:11.514156940 Utils.hpp:137] Warning: Environment variable NCCL_ASYNC_ERROR_HANDLING is deprecated",
        "UserWarning: an Error occurred in a submodule but was recovered",
        "  raise ValueError('indented source is not an error line')",
        ...rootTail,
      ),
    );
    expect(summary.status).toBe("ok");
  });

  it("reports a non-zero exit code without an error line as the reason", () => {
    expect(parseRunLog(lines("step:5/20000 train_loss:3.0 train_time:10ms"), { exitCode: 124 }).error).toBe(
      "process exited with code 124",
    );
  });

  it("treats exit code 0 and an unknown exit code alike", () => {
    const log = lines(...rootTail);
    expect(parseRunLog(log, { exitCode: 0 })).toEqual(parseRunLog(log, { exitCode: null }));
    expect(parseRunLog(log, { exitCode: 0 }).status).toBe("ok");
  });
});

describe("metric patterns from config", () => {
  const log = lines(
    "legal_ttt val_loss:1.90 val_bpb:1.1300",
    "score bpb=1.1250 loss=1.8800",
    "score bpb=1.1240 loss=1.8700",
    "quantized val_loss:1.95 val_bpb:1.1500",
  );

  it("uses the first capture group of the last match", () => {
    expect(parseRunLog(log, { metricPattern: "^score bpb=(\\S+)" })).toMatchObject({
      status: "ok",
      val_bpb: 1.124,
      val_loss: null,
      metric: "score",
    });
  });

  it("prefers named groups bpb and loss", () => {
    expect(
      parseRunLog(log, { metricPattern: "^score bpb=(?<bpb>[\\d.]+) loss=(?<loss>[\\d.]+)" }),
    ).toMatchObject({
      val_bpb: 1.124,
      val_loss: 1.87,
    });
  });

  it("reads val_loss from the matched line when the pattern has no loss group", () => {
    expect(parseRunLog(log, { metricPattern: "^legal_ttt .*val_bpb:(\\S+)" })).toMatchObject({
      val_bpb: 1.13,
      val_loss: 1.9,
      metric: "legal_ttt",
    });
  });

  it("calls a log where the pattern matches nothing a crash", () => {
    expect(parseRunLog(log, { metricPattern: "^nothing (\\d+)" })).toMatchObject({
      status: "crash",
      error: "metric_pattern matched no line with a number",
    });
  });

  it("ignores an empty pattern", () => {
    expect(parseRunLog(log, { metricPattern: "" }).val_bpb).toBe(1.15);
  });

  it("rejects an invalid regex or one without a capture group with a UserError", () => {
    expect(() => parseRunLog(log, { metricPattern: "val_bpb:([" })).toThrow(UserError);
    expect(() => parseRunLog(log, { metricPattern: "val_bpb:\\S+" })).toThrow(/no capture group/);
  });
});

describe("invariants (property-based)", () => {
  const decimal = (min: number, max: number) =>
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => v.toFixed(4));
  const step = fc.nat({ max: 20000 });
  /** Lines a real log has that must never become the score, nor a crash. */
  const noise = fc.oneof(
    fc
      .tuple(step, decimal(0, 20))
      .map(([s, l]) => `step:${s}/20000 train_loss:${l} train_time:${s * 43}ms step_avg:43.00ms`),
    fc
      .tuple(step, decimal(0, 9), decimal(0, 5))
      .map(([s, l, b]) => `step:${s}/20000 val_loss:${l} val_bpb:${b} train_time:1ms`),
    fc
      .tuple(step, decimal(0, 9), decimal(0, 5))
      .map(([s, l, b]) => `${s}/20000 val_loss: ${l} val_bpb: ${b}`),
    fc
      .tuple(decimal(0, 9), decimal(0, 5))
      .map(([l, b]) => `pre-quantization post-ema val_loss:${l} val_bpb:${b} eval_time:6006ms`),
    fc.tuple(decimal(0, 9), decimal(0, 5)).map(([l, b]) => `diagnostic quantized val_loss:${l} val_bpb:${b}`),
    fc.tuple(decimal(0, 9), decimal(0, 5)).map(([l, b]) => `DIAGNOSTIC post_ema val_loss:${l} val_bpb:${b}`),
    fc.nat({ max: 20 }).map((s) => `warmup_step:${s}/20`),
    fc.nat().map((n) => `Total submission size: ${n} bytes`),
    fc.constant(
      "val_bpb:enabled tokenizer_kind=sentencepiece tokenizer_path=./data/tokenizers/fineweb_1024_bpe.model",
    ),
    fc.string().filter((s) => !/[\r\n]|val_bpb|Error|Exception|Traceback/.test(s)),
  );
  /** Final lines of record scripts: the score only when nothing final follows them. */
  const otherFinal = fc
    .tuple(
      fc.constantFrom("quantized", "quantized_sliding_window", "legal_ttt_exact"),
      decimal(0, 9),
      decimal(0.01, 5),
    )
    .map(([k, l, b]) => `${k} val_loss:${l} val_bpb:${b}`);
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0));
  const positive = fc.double({ min: Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true });
  /** What loggers and launchers put in front of a line; the same for every line of one log. */
  const prefix = fc.constantFrom(
    "",
    "[rank0]: ",
    "2026-03-19 10:41:07,123 INFO ",
    "2026-03-19T10:41:07.5Z ",
    "[10:41:07] ",
    "INFO:__main__:",
    "+41.5s | ",
    "1773916867.25 ",
  );

  it("takes the last final line among any noise, whatever prefix the lines carry, and reads it exactly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(noise, otherFinal), { maxLength: 30 }),
        fc.array(noise, { maxLength: 30 }),
        positive,
        finite,
        prefix,
        (before, after, bpb, loss, pre) => {
          const exact = `final_sliding_window_exact val_loss:${loss} val_bpb:${bpb}`;
          const summary = parseRunLog([...before, exact, ...after].map((l) => pre + l).join("\n"));
          expect(summary).toMatchObject({
            status: "ok",
            val_bpb: bpb,
            val_loss: loss,
            metric: "final_sliding_window_exact",
          });
        },
      ),
    );
  });

  it("takes the last non-periodic final line when there is no exact line", () => {
    const final = fc.tuple(
      fc.constantFrom("quantized", "quantized_sliding_window", "legal_ttt", "final_sliding"),
      positive,
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            noise.map((n) => ({ n })),
            final.map((f) => ({ f })),
          ),
          { maxLength: 40 },
        ),
        final,
        fc.array(noise),
        (mixed, [key, bpb], tail) => {
          const body = mixed.map((x) => ("n" in x ? x.n : `${x.f[0]} val_loss:1.0 val_bpb:${x.f[1]}`));
          const summary = parseRunLog(lines(...body, `${key} val_loss:1.0 val_bpb:${bpb}`, ...tail));
          expect(summary).toMatchObject({ status: "ok", val_bpb: bpb, metric: key });
        },
      ),
    );
  });

  it("reads a number the same in every separator spelling", () => {
    fc.assert(
      fc.property(fc.constantFrom(":", ": ", "=", " = ", ":  "), positive, finite, (sep, bpb, loss) => {
        const summary = parseRunLog(
          lines(`quantized_ttt val_loss${sep}${loss} val_bpb${sep}${bpb} eval_time${sep}1ms`),
        );
        expect(summary).toMatchObject({ val_bpb: bpb, val_loss: loss });
      }),
    );
  });

  it("never reads the unqualified size line: the artifact is the last qualified one or null", () => {
    const size = fc.record({ qualified: fc.boolean(), bytes: fc.nat() });
    fc.assert(
      fc.property(fc.array(fc.oneof(size, noise), { maxLength: 30 }), (rows) => {
        const text = lines(
          ...rows.map((r) =>
            typeof r === "string"
              ? r
              : `Total submission size${r.qualified ? " int8+zlib" : ""}: ${r.bytes} bytes`,
          ),
        );
        const qualified = rows.filter((r) => typeof r !== "string" && r.qualified);
        const last = qualified.at(-1);
        expect(parseRunLog(text).artifact_bytes).toBe(
          last !== undefined && typeof last !== "string" ? last.bytes : null,
        );
      }),
    );
  });

  it("calls every run with a non-zero exit code a crash with no score", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -255, max: 255 }).filter((c) => c !== 0),
        (exitCode) => {
          const summary = parseRunLog(lines(...rootTail), { exitCode });
          expect(summary).toMatchObject({ status: "crash", val_bpb: null, val_loss: null, metric: null });
          expect(summary.error).toContain(`code ${exitCode}`);
        },
      ),
    );
  });

  it("never throws on arbitrary text, and 'ok' always means a finite score and no error", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(noise, otherFinal, fc.string(), fc.string({ unit: "binary" })), { maxLength: 30 }),
        (rows) => {
          const summary = parseRunLog(rows.join("\n"));
          if (summary.status === "ok") {
            expect(Number.isFinite(summary.val_bpb)).toBe(true);
            expect(summary.val_bpb).toBeGreaterThan(0);
            expect(summary.error).toBeNull();
          } else {
            expect(typeof summary.error).toBe("string");
            expect([summary.val_bpb, summary.val_loss, summary.metric]).toEqual([null, null, null]);
          }
        },
      ),
    );
  });
});

describe("range checks", () => {
  it.each(["0", "-1.2", "0.0"])("calls a final val_bpb of %s a crash: bits per byte are positive", (bpb) => {
    const summary = parseRunLog(lines(`quantized val_loss:2.0 val_bpb:${bpb}`));
    expect(summary).toMatchObject({ status: "crash", val_bpb: null, metric: null });
    expect(summary.error).toBe(`final metric quantized is not a finite, positive number (val_bpb ${bpb})`);
  });

  it("never reads a negative or fractional byte count", () => {
    expect(parseRunLog(lines("Total submission size int8+zlib: -5 bytes")).artifact_bytes).toBeNull();
    expect(parseRunLog(lines("Total submission size int8+zlib: 5.5 bytes")).artifact_bytes).toBeNull();
  });
});
