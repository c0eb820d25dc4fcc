import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseRunLog } from "../src/core/parse-run-log.ts";
import { fixture, hasShared } from "../test/helpers/shared.ts";

const TARGET_BYTES = 50_000_000;
const RUNS = 3;

/** The baseline record's closing lines when ../shared is here, else lines of the same shape. */
function finalLines(): string {
  if (hasShared) {
    const log = readFileSync(
      fixture("parameter-golf", "logs", "2026-03-17_NaiveBaseline__train.log"),
      "utf8",
    );
    const at = log.indexOf("stopping_early:");
    if (at >= 0) return log.slice(at);
  }
  return [
    "stopping_early: wallclock_cap train_time:600038ms step:999999/1000000",
    "peak memory allocated: 10184 MiB reserved: 10200 MiB",
    "Total submission size: 67272625 bytes",
    "Total submission size int8+zlib: 15863489 bytes",
    "final_int8_zlib_roundtrip val_loss:2.0727 val_bpb:1.2244 eval_time:1401ms",
    "final_int8_zlib_roundtrip_exact val_loss:2.07269931 val_bpb:1.22436570",
    "",
  ].join("\n");
}

/** ~50 MB of root-script training output: train lines, and a periodic validation line every 200 steps. */
function trainingLines(): string {
  const parts: string[] = [];
  let size = 0;
  for (let step = 1; size < TARGET_BYTES; step++) {
    const loss = (2 + 5 / Math.sqrt(step)).toFixed(4);
    const time = step * 43;
    let line = `step:${step}/1000000 train_loss:${loss} train_time:${time}ms step_avg:43.${step % 100}ms\n`;
    if (step % 200 === 0) {
      line += `step:${step}/1000000 val_loss:${loss} val_bpb:${(Number(loss) * 0.59).toFixed(4)} train_time:${time}ms step_avg:43.54ms\n`;
    }
    parts.push(line);
    size += line.length;
  }
  return parts.join("");
}

/** ~50 MB of warnings and no step or score at all: every backward search runs to the top. */
function noiseLines(): string {
  const line =
    "[rank3]:[W318 14:38:18.835915381 Utils.hpp:112] Warning: Environment variable NCCL_ASYNC_ERROR_HANDLING is deprecated\n";
  return line.repeat(Math.ceil(TARGET_BYTES / line.length));
}

function medianMs(text: string): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    parseRunLog(text, { exitCode: 0 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round((times[Math.floor(RUNS / 2)] ?? 0) * 10) / 10;
}

/** Times parseRunLog over 50 MB logs (median of 3): a finished run, and a worst case with nothing to find. */
export async function benchParseLog(): Promise<
  { name: string; value: number; unit: string; goal: string }[]
> {
  const finished = trainingLines() + finalLines();
  const noise = noiseLines();
  return [
    { name: "parseRunLog, 50 MB finished run", value: medianMs(finished), unit: "ms", goal: "< 1000 ms" },
    {
      name: "parseRunLog, 50 MB log with no step or score",
      value: medianMs(noise),
      unit: "ms",
      goal: "< 1000 ms",
    },
  ];
}
