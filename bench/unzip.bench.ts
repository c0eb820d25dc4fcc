/**
 * Peak memory of the unzip on hostile archives (goal < 64 MB each), each in its own process: the overlap
 * bomb (64 central entries over one local header of 32 MB: 2 GiB if the directory were trusted), and one
 * entry of 200 MB of zeros that is only measured, never kept (streamed through a bounded buffer).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { overlapBomb } from "../test/fakes/github/zip-bomb.ts";
import type { BenchResult } from "./bench-result.ts";

function peak(file: string, mode: string): { risenMb: number; outcome: string } {
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "unzip-peak.ts"), file, mode],
    { encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as { risenMb: number; outcome: string };
}

export async function benchUnzip(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "caddie-unzip-bench-"));
  try {
    const bomb = path.join(dir, "bomb.zip");
    const big = path.join(dir, "big.zip");
    writeFileSync(bomb, overlapBomb(64));
    writeFileSync(big, overlapBomb(1, 200));
    const onBomb = peak(bomb, "keep");
    const onBig = peak(big, "measure");
    return [
      {
        name: `unzip peak memory, overlap bomb 2 GiB declared (${onBomb.outcome.slice(0, 40)})`,
        value: onBomb.risenMb,
        unit: "MB",
        goal: "< 64 MB",
      },
      {
        name: `unzip peak memory, 200 MB entry measured (${onBig.outcome.slice(0, 40)})`,
        value: onBig.risenMb,
        unit: "MB",
        goal: "< 64 MB",
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
