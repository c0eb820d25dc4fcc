/**
 * caddie's own record of its state files (results.tsv, state.json, notes.md): the bytes it last wrote to
 * each, or found there before the first run. The sandbox hides these files from training runs; where
 * no sandbox is available, a run could still write them, so after every run each file is compared with
 * caddie's copy, restored from it when it differs, and the run is flagged.
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { atomicWrite } from "../io/files.ts";

async function readBytes(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

export class StateGuard {
  /** File -> the bytes caddie knows it holds (null: caddie knows it absent). */
  private readonly known = new Map<string, Buffer | null>();

  /** Records what caddie just wrote. */
  wrote(file: string, content: string | Uint8Array): void {
    this.known.set(file, Buffer.from(content));
  }

  /** Records what caddie read, the first time only: later reads may already see a run's writes. */
  read(file: string, content: string | null): void {
    if (!this.known.has(file)) this.known.set(file, content === null ? null : Buffer.from(content, "utf8"));
  }

  /** Compares every known file with caddie's copy and restores it; returns the names that differed. */
  async verifyAndRestore(): Promise<string[]> {
    const tampered: string[] = [];
    for (const [file, expected] of this.known) {
      const actual = await readBytes(file);
      if (expected === null ? actual === null : actual !== null && actual.equals(expected)) continue;
      tampered.push(path.basename(file));
      if (expected === null) await rm(file, { force: true });
      else await atomicWrite(file, expected);
    }
    return tampered;
  }
}
