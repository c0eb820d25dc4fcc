/**
 * The data a run sees. A fork commits `data/README.md` and download scripts while the FineWeb shards and
 * the tokenizer stay untracked, so the run folder gets the commit's data folder with the repository's
 * untracked data files merged in: real folders, each data file a link to its source (which the sandbox
 * binds read-only). Validation shards are the exception: they link to the run's own validation slice,
 * so the held-out slice caddie re-scores on is never within the run's reach.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, realpath, stat, symlink } from "node:fs/promises";
import path from "node:path";

export interface DataSource {
  /** Absolute folder holding the data (the repository's `data/`, or `${CADDIE_DATA}`). */
  from: string;
  /** Where the run sees it, relative to the run folder. */
  to: string;
}

/** Files under `root` as paths relative to it; symlinked folders are followed, each real folder once. */
export async function listDataFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  async function walk(dir: string, rel: string): Promise<void> {
    const real = await realpath(dir).catch(() => null);
    if (real === null || seen.has(real)) return;
    seen.add(real);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === ".git") continue;
      const full = path.join(dir, entry.name);
      const relative = rel ? `${rel}/${entry.name}` : entry.name;
      const s = entry.isSymbolicLink() ? await stat(full).catch(() => null) : entry;
      if (s?.isDirectory()) await walk(full, relative);
      else if (s?.isFile()) files.push(relative);
    }
  }
  if (existsSync(root)) await walk(root, "");
  return files;
}

/** Basename glob (`fineweb_val_*.bin`) as a test. */
export function basenameMatcher(pattern: string): (file: string) => boolean {
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return (file) => re.test(path.basename(file));
}

export interface DataView {
  /** Absolute files the view links to: what the sandbox binds read-only. */
  targets: string[];
}

/**
 * Links each source's files into `runDir` where the commit holds nothing at that path. A validation
 * shard (`isVal`) links to the run's own slice from `slices`, never to the original.
 */
export async function buildDataView(
  runDir: string,
  sources: { source: DataSource; files: string[] }[],
  slices: ReadonlyMap<string, string>,
  isVal: (file: string) => boolean,
): Promise<DataView> {
  const targets: string[] = [];
  for (const { source, files } of sources) {
    for (const rel of files) {
      const link = path.join(runDir, source.to, rel);
      if (existsSync(link)) continue; // the commit's own file wins
      const original = path.join(source.from, rel);
      // Linked by real path: the sandbox hides the source folders and binds each target where it really is.
      const target = isVal(rel) ? slices.get(original) : await realpath(original).catch(() => undefined);
      // The original holds the held-out slice: a validation shard without its own slice is left out.
      if (target === undefined) continue;
      await mkdir(path.dirname(link), { recursive: true });
      await symlink(target, link);
      targets.push(target);
    }
  }
  return { targets };
}
