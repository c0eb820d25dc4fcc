/**
 * The course's validation data, split once: each folder of validation shards becomes a slice the runs
 * read for their own periodic evaluation (under the original file names) and a held-out shard that only
 * caddie's re-score reads. The split is `python -m caddie_score split`, which redoes its work only when
 * the original shards or its outputs changed.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { UserError } from "../core/user-error.ts";
import { caddieRoot } from "./caddie-paths.ts";

const run = promisify(execFile);

export interface HeldOut {
  /** The folder of original validation shards this was split from. */
  valFolder: string;
  /** The held-out shard the re-score reads; the training run never can. */
  file: string;
}

export interface CourseData {
  /** Original validation shard -> the run's own slice of it. */
  slices: Map<string, string>;
  heldOut: HeldOut[];
  /** Every file caddie wrote for the course (slices and held-out shards), to fingerprint. */
  files: string[];
}

/**
 * Splits every folder's validation shards (absolute paths) into `dir/<key>/val/` and
 * `dir/<key>/heldout.bin`; the split itself skips the work when its inputs and outputs are unchanged.
 */
export async function prepareCourseData(input: {
  dir: string;
  valShards: string[];
  valPattern: string;
  python: string;
  /** Share of each folder's documents held out (the split's own default when absent). */
  heldoutFraction?: number;
}): Promise<CourseData> {
  const byFolder = new Map<string, string[]>();
  for (const file of input.valShards) {
    const folder = path.dirname(file);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file]);
  }
  const data: CourseData = { slices: new Map(), heldOut: [], files: [] };
  for (const [folder, shards] of byFolder) {
    const key = createHash("sha256").update(folder).digest("hex").slice(0, 16);
    const out = path.join(input.dir, key);
    const valDir = path.join(out, "val");
    const heldOut = path.join(out, "heldout.bin");
    const fraction =
      input.heldoutFraction === undefined ? [] : ["--heldout-fraction", String(input.heldoutFraction)];
    await split(input.python, [
      "--val-glob",
      path.join(folder, input.valPattern),
      "--run-dir",
      valDir,
      "--heldout",
      heldOut,
      ...fraction,
    ]);
    for (const shard of shards) {
      const slice = path.join(valDir, path.basename(shard));
      if (!existsSync(slice))
        throw new UserError(`splitting the validation data wrote no slice for ${shard}`);
      data.slices.set(shard, slice);
      data.files.push(slice);
    }
    data.heldOut.push({ valFolder: folder, file: heldOut });
    data.files.push(heldOut);
  }
  return data;
}

/** The held-out shard split from the folder of a validation glob (`DIR/fineweb_val_*.bin`), if any. */
export function heldOutFor(data: CourseData, valGlob: string): string | null {
  const folder = path.resolve(path.dirname(valGlob));
  return data.heldOut.find((h) => path.resolve(h.valFolder) === folder)?.file ?? null;
}

async function split(python: string, args: string[]): Promise<void> {
  try {
    await run(python, ["-m", "caddie_score", "split", ...args], {
      env: { PATH: process.env.PATH ?? "", PYTHONPATH: path.join(caddieRoot, "python") },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new UserError(
      `splitting the validation shards (${args[1]}) failed: ${stderr ? stderr.split("\n").at(-1) : String(error)}`,
    );
  }
}
