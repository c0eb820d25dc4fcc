/** Reads a record folder from disk into the shape `recordScore` parses. */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { RecordFiles } from "../core/record-score.ts";
import { UserError } from "../core/user-error.ts";

// READMEs and submission files are small; anything bigger is not one.
const MAX_TEXT_BYTES = 2_000_000;
// Training logs can carry the script's source and every step; a 10-minute run's log stays well below this.
const MAX_LOG_BYTES = 50_000_000;
const MAX_LOGS = 10;

/** The folder's training logs: `*.log`, and `*.txt` other than requirements (the script's `logs/*.txt`). */
export function isLogFile(name: string): boolean {
  const base = name.split("/").pop() ?? name;
  return /\.log$/i.test(base) || (/\.txt$/i.test(base) && !/^requirements/i.test(base));
}

async function listFiles(dir: string, prefix = "", depth = 0): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory() && depth < 3)
      out.push(...(await listFiles(path.join(dir, entry.name), rel, depth + 1)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

async function readSmall(file: string, max = MAX_TEXT_BYTES): Promise<string | null> {
  const info = await stat(file);
  return info.size > max ? null : readFile(file, "utf8");
}

export async function readRecordFolder(dir: string): Promise<RecordFiles> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory())
    throw new UserError(`not a record folder: ${dir} (give the folder that holds README.md)`);
  const files = await listFiles(dir);
  const readmeName = files.find((f) => f.toLowerCase() === "readme.md");
  const readme = readmeName ? await readSmall(path.join(dir, readmeName)) : null;
  const submissions: RecordFiles["submissions"] = [];
  for (const name of files.filter((f) => /^submission[^/]*\.json$/i.test(f))) {
    const text = await readSmall(path.join(dir, name));
    if (text !== null) submissions.push({ name, text });
  }
  const logs: NonNullable<RecordFiles["logs"]> = [];
  for (const name of files.filter(isLogFile).slice(0, MAX_LOGS)) {
    const text = await readSmall(path.join(dir, name), MAX_LOG_BYTES);
    if (text !== null) logs.push({ name, text });
  }
  return { folder: dir, readme, submissions, files, logs };
}
