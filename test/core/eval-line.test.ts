import { describe, expect, it } from "vitest";
import { evalLabel, readEvalLine, type EvalKind } from "../../src/core/eval-line.ts";

describe("readEvalLine", () => {
  it.each<[string, EvalKind, string]>([
    [
      "final_int8_zlib_roundtrip_exact val_loss:2.07 val_bpb:1.22",
      "final",
      "final_int8_zlib_roundtrip_exact",
    ],
    [
      "final_sliding_window val_loss:1.95 val_bpb:1.15 eval_time:240533ms stride:256",
      "final",
      "final_sliding_window",
    ],
    ["legal_ttt_exact val_loss:1.89 val_bpb:1.12", "final", "legal_ttt_exact"],
    ["quantized_ttt_phased val_loss:2.31 val_bpb:1.05 eval_time:508785ms", "final", "quantized_ttt_phased"],
    ["final_ttt_lora val_loss:2.01 val_bpb:1.19 ttt_epochs:1 chunk_size:256", "final", "final_ttt_lora"],
    ["ttt_sliding:done val_loss=1.89 val_bpb=1.12 elapsed=407.5s", "final", "ttt_sliding:done"],
    ["Final eval (int8 roundtrip): val_loss: 2.07, val_bpb: 1.22", "final", "Final eval (int8 roundtrip)"],
    ["[train.py:42] final_sliding val_loss:2 val_bpb:1.1", "final", "final_sliding"],
    [
      "I1203 12:34:56.789012  1234 train.py:42] final_sliding val_loss:2 val_bpb:1.1",
      "final",
      "final_sliding",
    ],
    ["val_bpb: 0.9979", "final", "val_bpb"],
    ["step:200/20000 val_loss:2.83 val_bpb:1.67 train_time:8699ms", "periodic", "step"],
    ["4986/20000 val_loss: 2.81 val_bpb: 1.09", "periodic", "val_bpb"],
    ["ttt_chunk [12/100] val_loss:2 val_bpb:1.1", "periodic", "ttt_chunk [12/100]"],
    ["eval epoch 3 val_loss:2 val_bpb:1.1", "periodic", "eval epoch 3"],
    ["best val_bpb:1.2 at step:500", "periodic", "best"],
    ["DIAGNOSTIC post_ema val_loss:1.92 val_bpb:1.13", "diagnostic", "DIAGNOSTIC post_ema"],
    ["diagnostic quantized val_loss:2.34 val_bpb:1.07", "diagnostic", "diagnostic quantized"],
    ["pre-quantization post-ema val_loss:2.81 val_bpb:1.08", "pre_quantization", "pre-quantization post-ema"],
    ["pre_ema val_loss:2.8 val_bpb:1.1", "pre_quantization", "pre_ema"],
    ["before quantization val_loss:2.8 val_bpb:1.1", "pre_quantization", "before quantization"],
    ["eval_warmup val_loss:7 val_bpb:4.2", "warmup", "eval_warmup"],
    ["warm up eval val_loss:7 val_bpb:4.2", "warmup", "warm up eval"],
  ])("%s -> %s", (line, kind, label) => {
    expect(readEvalLine(line)).toMatchObject({ kind, label });
  });

  it("ignores lines whose val_bpb is not a number", () => {
    expect(readEvalLine("val_bpb:enabled tokenizer_kind=sentencepiece")).toBeNull();
    expect(readEvalLine('log0(f"final val_bpb:{val_bpb:.4f}")')).toBeNull();
  });

  it("never returns a timestamp as the label", () => {
    expect(evalLabel("12:00:01 val_bpb:1.2")).toBe("val_bpb");
    expect(evalLabel("2026-03-20 | val_loss:2 val_bpb:1.2")).toBe("val_bpb");
  });
});
