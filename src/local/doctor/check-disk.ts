/**
 * Disk space for N runs. Each run folder keeps a copy of the commit, the log and the compressed model
 * (up to the byte cap); while a run trains it also holds the raw checkpoint, written once at the end.
 */
import { statfs } from "node:fs/promises";
import type { CaddieConfig } from "../../core/config.ts";
import { Git } from "../git.ts";
import { fail, ok, warn, type Check } from "./check.ts";

/** A log and what a run leaves besides the code and the compressed model. */
const LOG_ALLOWANCE = 20_000_000;
/** The raw checkpoint a run writes before compressing it (the baseline's is 67 MB; records' up to ~110 MB). */
const RAW_CHECKPOINT_ALLOWANCE = 200_000_000;

const mb = (bytes: number) => `${Math.round(bytes / 1_000_000).toLocaleString("en-US")} MB`;

/** The verdict on numbers alone: fail below one run, warn below `runs` runs. */
export function diskVerdict(freeBytes: number, perRunBytes: number, runs: number, where: string): Check {
  const need = (n: number) => n * perRunBytes + RAW_CHECKPOINT_ALLOWANCE;
  const fits = Math.max(0, Math.floor((freeBytes - RAW_CHECKPOINT_ALLOWANCE) / perRunBytes));
  const detail = `${mb(freeBytes)} free at ${where}; a run needs about ${mb(perRunBytes)} (+${mb(RAW_CHECKPOINT_ALLOWANCE)} while it trains)`;
  if (freeBytes < need(1))
    return fail(
      "disk",
      `${detail}: not enough for one run`,
      `free at least ${mb(need(1) - freeBytes)} on that disk`,
    );
  if (freeBytes < need(runs))
    return warn(
      "disk",
      `${detail}: room for ${fits} of ${runs} runs`,
      `free ${mb(need(runs) - freeBytes)}, or delete old run folders under .caddie/*/runs/`,
    );
  return ok("disk", `${detail}: room for ${runs} runs`);
}

export async function checkDisk(root: string, config: CaddieConfig, runs: number): Promise<Check> {
  const tree = await new Git(root).try(["ls-tree", "-r", "-l", "HEAD"]);
  let treeBytes = 0;
  for (const line of tree.stdout.split("\n")) {
    const size = Number(/^\S+ blob \S+\s+(\d+)\t/.exec(line)?.[1] ?? 0);
    treeBytes += size;
  }
  const fs = await statfs(root);
  return diskVerdict(fs.bavail * fs.bsize, treeBytes + config.limitBytes + LOG_ALLOWANCE, runs, root);
}
