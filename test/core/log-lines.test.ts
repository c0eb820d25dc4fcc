import { describe, expect, it } from "vitest";
import { cleanLogLine, linesContaining, logLineAt } from "../../src/core/log-lines.ts";

const text = "alpha 1\nbeta\nalpha 2 alpha\n\nalpha 3";

describe("linesContaining", () => {
  it("yields each matching line once, first to last", () => {
    expect([...linesContaining(text, "alpha")].map((l) => l.text)).toEqual([
      "alpha 1",
      "alpha 2 alpha",
      "alpha 3",
    ]);
  });

  it("yields them last to first when walking backward", () => {
    expect([...linesContaining(text, "alpha", "backward")].map((l) => l.text)).toEqual([
      "alpha 3",
      "alpha 2 alpha",
      "alpha 1",
    ]);
  });

  it("yields every line, empty ones included, for an empty needle", () => {
    const forward = [...linesContaining(text, "")].map((l) => l.text);
    expect(forward).toEqual(text.split("\n"));
    expect([...linesContaining(text, "", "backward")].map((l) => l.text)).toEqual([...forward].reverse());
  });

  it("handles a text that ends with a newline or starts with one", () => {
    expect([...linesContaining("\nx\n", "", "backward")].map((l) => l.text)).toEqual(["", "x", ""]);
    expect([...linesContaining("\nx\n", "x")].map((l) => [l.start, l.end])).toEqual([[1, 2]]);
  });

  it("yields nothing when the needle is absent", () => {
    expect([...linesContaining(text, "gamma", "backward")]).toEqual([]);
  });
});

describe("logLineAt and cleanLogLine", () => {
  it("finds the line around an offset with its bounds", () => {
    expect(logLineAt(text, text.indexOf("beta") + 2)).toEqual({ text: "beta", start: 8, end: 12 });
  });

  it("drops CR endings, progress redraws and torchrun rank prefixes", () => {
    expect(cleanLogLine("[rank3]: ValueError: x\r\r")).toBe("ValueError: x");
    expect(cleanLogLine("[default0]:step:1/2 train_loss:1")).toBe("step:1/2 train_loss:1");
    expect(cleanLogLine("10%\r50%\r100% done")).toBe("100% done");
    expect(cleanLogLine('[rank0]:   File "x.py", line 1')).toBe('  File "x.py", line 1');
    expect(cleanLogLine("[W318 14:38:11] Warning")).toBe("[W318 14:38:11] Warning");
  });

  it.each([
    ["2026-03-20 12:34:56,789 INFO final val_bpb:1", "final val_bpb:1"],
    ["2026-03-20T12:34:56Z final val_bpb:1", "final val_bpb:1"],
    ["2026/03/20 12:34:56 - INFO - final val_bpb:1", "final val_bpb:1"],
    ["[12:34:56] step:1/2 val_bpb:1", "step:1/2 val_bpb:1"],
    ["[2026-03-20 12:34:56] [INFO] final val_bpb:1", "final val_bpb:1"],
    ["INFO:root:final val_bpb:1", "final val_bpb:1"],
    ["+12.3s | legal_ttt val_bpb:1", "legal_ttt val_bpb:1"],
    ["1711000000.123 quantized val_bpb:1", "quantized val_bpb:1"],
    ["(pid=4121) quantized val_bpb:1", "quantized val_bpb:1"],
    ["0:00:12 final val_bpb:1", "final val_bpb:1"],
    ['12:34:56 |   File "x.py", line 1', '  File "x.py", line 1'],
  ])("drops the logger prefix of %j", (raw, clean) => {
    expect(cleanLogLine(raw)).toBe(clean);
  });

  it.each([
    "4986/20000 val_loss: 2.8",
    "Error: x",
    "12.5 val",
    "final_int8 val_bpb:1",
    "[W318 14:38:11] Warning",
  ])("leaves %j as it is", (line) => {
    expect(cleanLogLine(line)).toBe(line);
  });
});
