/**
 * The action's own overhead and the ledger's cost at scale:
 *  - the committed bundle (dist/index.js) run as a child process, as the runner runs it, on a 50 MB log and
 *    a 16 MB model file: read, parse, count, write the result, outputs and summary (goal < 2 s end to end);
 *  - results.tsv with 10,000 rows: one row appended and the scorecard re-rendered (goal < 200 ms), in memory
 *    (rows already loaded: append, serialize, render markdown and chart) and through the local file store
 *    (read and parse, append, write, render and write the scorecard).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  formatLedger,
  parseLedger,
  upsertLedgerRow,
  type LedgerRow,
  type RunStatus,
} from "../src/core/ledger.ts";
import { renderChartSvg, renderScorecardMarkdown, scorecardPoints } from "../src/core/scorecard.ts";
import { FileStore } from "../src/local/file-store.ts";
import { writeScorecard } from "../src/local/write-scorecard.ts";
import { fixture, hasShared, repoRoot } from "../test/helpers/shared.ts";
import type { BenchResult } from "./bench-result.ts";

const LOG_BYTES = 50_000_000;
const CODE_BYTES = 47_642;
const MODEL_BYTES = 15_815_847; // the baseline record's int8+zlib model: 16 MB with the code, within the cap
const ROWS = 10_000;
const RUNS = 3;

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 10) / 10;
}

/** ~50 MB of an 8-GPU run's stdout: step lines, periodic validation, torch warnings, then the real ending. */
async function bigLog(): Promise<string> {
  const ending = hasShared
    ? (
        await readFile(fixture("parameter-golf", "logs", "2026-03-17_NaiveBaseline__train.log"), "utf8")
      ).slice(-2_000)
    : "final_int8_zlib_roundtrip_exact val_loss:2.07269931 val_bpb:1.22436570\n";
  const parts: string[] = [];
  let size = ending.length;
  for (let step = 1; size < LOG_BYTES; step++) {
    let line = `step:${step}/2000000 train_loss:${(2 + 4 / Math.sqrt(step)).toFixed(4)} train_time:${step * 43}ms step_avg:43.5${step % 10}ms\n`;
    if (step % 250 === 0)
      line += `[rank${step % 8}]:[W1122 05:28:01.123456789 ProcessGroupNCCL.cpp:4561] Warning: barrier() using device under current context\n`;
    if (step % 1000 === 0)
      line += `step:${step}/2000000 val_loss:2.1000 val_bpb:1.2400 train_time:${step * 43}ms step_avg:43.54ms\n`;
    parts.push(line);
    size += line.length;
  }
  return parts.join("") + ending;
}

async function benchBundle(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "caddie-bench-action-"));
  try {
    await writeFile(path.join(dir, "train.log"), await bigLog());
    await writeFile(path.join(dir, "train_gpt.py"), "#".repeat(CODE_BYTES));
    await writeFile(path.join(dir, "final_model.int8.ptz"), Buffer.alloc(MODEL_BYTES, 1));
    const times: number[] = [];
    let status = "";
    for (let i = 0; i < RUNS; i++) {
      await writeFile(path.join(dir, "out"), "");
      await writeFile(path.join(dir, "summary.md"), "");
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [path.join(repoRoot, "dist", "index.js")], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          GITHUB_OUTPUT: path.join(dir, "out"),
          GITHUB_STEP_SUMMARY: path.join(dir, "summary.md"),
          RUNNER_TEMP: dir,
          INPUT_LOG: "train.log",
          INPUT_CODE: "train_gpt.py",
          INPUT_MODEL: "final_model.int8.ptz",
          INPUT_TIER: "full",
          INPUT_LIMIT: "16000000",
        },
        encoding: "utf8",
      });
      times.push(performance.now() - t0);
      status =
        /status<<(\S+)\n(.*)\n/.exec(await readFile(path.join(dir, "out"), "utf8"))?.[2] ??
        `exit ${r.status}`;
    }
    return [
      {
        name: `action bundle end to end, 50 MB log + 16 MB model (status ${status})`,
        value: median(times),
        unit: "ms",
        goal: "< 2000 ms",
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function ledgerRows(n: number): LedgerRow[] {
  const statuses: RunStatus[] = ["keep", "discard", "discard", "crash"];
  return Array.from({ length: n }, (_, i) => {
    const status = statuses[i % statuses.length] ?? "discard";
    return {
      experiment: `exp-${String(i).padStart(5, "0")}`,
      commit: (i * 2654435761).toString(16).padStart(7, "0").slice(0, 7),
      tier: "proxy",
      seed: null,
      val_bpb: status === "crash" ? null : 1.3 - i / (n * 10) + (i % 7) / 1000,
      artifact_bytes: status === "crash" ? null : 15_000_000 + (i % 999_999),
      memory_gb: 10.2,
      seconds: 300 + (i % 60),
      status,
      promoted: false,
      cost_usd: null,
      claimed_val_bpb: null,
      flags: [],
      description: `MATRIX_LR=${(0.02 + (i % 10) / 1000).toFixed(3)} WARMDOWN_ITERS=${1200 + (i % 5) * 100}: try a change`,
    };
  });
}

async function benchLedger(): Promise<BenchResult[]> {
  const text = formatLedger(ledgerRows(ROWS));
  const extra = { ...ledgerRows(ROWS + 1)[ROWS], experiment: "exp-new" } as LedgerRow;

  // In memory: the rows are already loaded; append, serialize for the write, render markdown and chart.
  const loaded = parseLedger(text);
  const inMemory: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const rows = upsertLedgerRow(loaded, extra);
    formatLedger(rows);
    const pts = scorecardPoints(rows);
    renderChartSvg(pts, { title: "bench" });
    renderScorecardMarkdown({
      title: "bench",
      points: pts,
      chartFile: "chart.svg",
      baseline: rows[0]?.val_bpb ?? null,
      best: { valBpb: 1.2, experiment: "exp-00001", commit: "abc1234" },
      notesFile: "notes.md",
      resultsFile: "results.tsv",
      wallSeconds: 1,
      trainSeconds: 1,
    });
    inMemory.push(performance.now() - t0);
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), "caddie-bench-ledger-"));
  const onDisk: number[] = [];
  try {
    const store = new FileStore(dir);
    for (let i = 0; i < RUNS; i++) {
      await writeFile(store.ledgerFile, text);
      const t0 = performance.now();
      const ledger = upsertLedgerRow(await store.readLedger(), extra);
      await store.writeLedger(ledger);
      await writeScorecard(store, { title: "bench", tier: "proxy", wallSeconds: 1, trainSeconds: 1, ledger });
      onDisk.push(performance.now() - t0);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [
    {
      name: `ledger ${ROWS} rows: append + re-render scorecard (in memory)`,
      value: median(inMemory),
      unit: "ms",
      goal: "< 200 ms",
    },
    {
      name: `ledger ${ROWS} rows: read, append, write, scorecard (file store)`,
      value: median(onDisk),
      unit: "ms",
      goal: "< 200 ms",
    },
  ];
}

/** Both benchmarks of this file, for bench/index.ts. */
export async function benchAction(): Promise<BenchResult[]> {
  return [...(await benchBundle()), ...(await benchLedger())];
}
