/**
 * The sanitizer on adversarial text: throughput on 10 MB of each kind of input that made the old regular
 * expressions quadratic (goal > 5 MB/s, the slowest kind counts), and how the time grows from 5 to 10 MB
 * (goal: linear, a ratio near 2). The window is opened to the whole input so the full scan is measured.
 */
import { performance } from "node:perf_hooks";
import { sanitizeUntrusted } from "../src/core/sanitize.ts";
import type { BenchResult } from "./bench-result.ts";

const KINDS = ["<a ", '<a title="', "<div hidden>", "<!--", "eyJ-", "xoxb-", "&#105;", "  x\n", "word "];

function adversarial(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / unit.length));
}

function seconds(text: string): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    sanitizeUntrusted(text, { maxLength: text.length * 2 });
    runs.push((performance.now() - started) / 1000);
  }
  return Math.min(...runs);
}

export async function benchSanitize(): Promise<BenchResult[]> {
  let slowest = { unit: "", mbps: Infinity };
  let worstRatio = 0;
  for (const unit of KINDS) {
    const ten = adversarial(unit, 10_000_000);
    const five = adversarial(unit, 5_000_000);
    const s10 = seconds(ten);
    const mbps = ten.length / 1e6 / s10;
    if (mbps < slowest.mbps) slowest = { unit, mbps };
    worstRatio = Math.max(worstRatio, s10 / Math.max(seconds(five), 1e-6));
  }
  return [
    {
      name: `sanitizer throughput, 10 MB adversarial (slowest: ${JSON.stringify(slowest.unit)})`,
      value: slowest.mbps,
      unit: "MB/s",
      goal: "> 5 MB/s",
    },
    {
      name: "sanitizer time 10 MB / time 5 MB (worst kind)",
      value: worstRatio,
      unit: "x",
      goal: "~2 (linear)",
    },
  ];
}
