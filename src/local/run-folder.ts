/**
 * A run folder after its run: its size, and what stays. The log, the compressed model and the code stay;
 * raw checkpoints (`final_model.pt`: 67 MB a run for the root script) and the data view's links go, so a
 * hundred experiments do not fill the disk.
 */
import { lstat, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { basenameMatcher } from "./data-view.ts";

/** Bytes of the folder's files, links not followed. */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const s = await lstat(path.join(entry.parentPath, entry.name)).catch(() => null);
    total += s?.size ?? 0;
  }
  return total;
}

/**
 * Deletes files matching a `drop` basename pattern, except those in `keep` (paths relative to `dir`),
 * and every symbolic link (the data view). Returns the bytes freed.
 */
export async function pruneRunFolder(dir: string, drop: string[], keep: Set<string>): Promise<number> {
  const matchers = drop.map(basenameMatcher);
  let freed = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full).split(path.sep).join("/");
    if (entry.isSymbolicLink()) {
      await rm(full, { force: true });
    } else if (entry.isFile() && !keep.has(rel) && matchers.some((m) => m(entry.name))) {
      freed += (await lstat(full).catch(() => null))?.size ?? 0;
      await rm(full, { force: true });
    }
  }
  return freed;
}
