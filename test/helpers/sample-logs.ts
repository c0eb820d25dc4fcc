/**
 * Small training logs this repository holds (`test/data/logs`, hand-written in the formats real
 * `train_gpt.py` runs print), so every test runs on a fresh clone. Each has a counterpart among the real
 * logs in `../shared/fixtures` with the same role and the same headline numbers (score, bytes, steps), so a
 * test can run one body on both sources.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fixture, hasShared, repoRoot } from "./shared.ts";

/** Which run each sample stands for, and its real counterpart's file name. */
export const SAMPLE_LOGS = {
  /** The root script on one GPU for 90 s (a proxy tier): val_bpb 3.54733956, 8,483,863 bytes. */
  "proxy-baseline": "h100x1_baseline_90s__stdout.log",
  /** The official 8xH100 baseline: val_bpb 1.22436570, 15,863,489 bytes, 13,780 steps. */
  "full-baseline": "2026-03-17_NaiveBaseline__train.log",
  /** NUM_HEADS=7: a ValueError before training, torchrun exits 1. */
  "crash-bad-heads": "h100x1_crash_bad_heads__stdout.log",
  /** A record's own log file (int6+zstd model, SWA): val_bpb 1.14271194, 15,965,978 bytes. */
  "record-int6": "2026-03-20_10L_Int5MLP_MuonWD04_SWA50__train_seed42.log",
  /** A later record script (bare N/M steps, quantized+brotli, a pre-quantization line that must not win). */
  "record-brotli": "2026-04-05_SP8192_GPTQ-Embeddings_SDClip_Loop45x2__train_seed42.log",
} as const;

export type SampleLogName = keyof typeof SAMPLE_LOGS;

export const sampleLogPath = (name: SampleLogName): string =>
  path.join(repoRoot, "test", "data", "logs", `${name}.log`);

export const sampleLog = (name: SampleLogName): string => readFileSync(sampleLogPath(name), "utf8");

export interface LogSource {
  name: string;
  path: (log: SampleLogName) => string;
}

/** The repository's samples always; the real logs too when ../shared is beside the checkout. */
export const logSources: LogSource[] = [
  { name: "the repository's sample logs", path: sampleLogPath },
  ...(hasShared
    ? [
        {
          name: "the real logs in ../shared",
          path: (log: SampleLogName) => fixture("parameter-golf", "logs", SAMPLE_LOGS[log]),
        },
      ]
    : []),
];
