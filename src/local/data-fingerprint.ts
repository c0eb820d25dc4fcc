/**
 * Fingerprints of the training data, so a run that changed it is caught. Cheap per run: a file whose
 * size, inode, ctime and mtime are what they were is taken as unchanged (a write changes ctime, and
 * caddie's own links never touch the data); only a file whose stat moved is hashed again, and it counts
 * as modified only when its bytes did change.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

export interface FileFingerprint {
  size: number;
  ino: number;
  ctimeMs: number;
  mtimeMs: number;
  sha256: string;
}

export type Fingerprints = Map<string, FileFingerprint>;

export interface DataChanges {
  changed: string[];
  removed: string[];
  added: string[];
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Fingerprints `files` (absolute paths, symlinks followed), reusing the hash of every file whose stat
 * matches `known`. A missing file is left out.
 */
export async function fingerprintFiles(files: Iterable<string>, known?: Fingerprints): Promise<Fingerprints> {
  const out: Fingerprints = new Map();
  for (const file of files) {
    let s;
    try {
      s = await stat(file);
    } catch {
      continue;
    }
    if (!s.isFile()) continue;
    const before = known?.get(file);
    const same =
      before !== undefined &&
      before.size === s.size &&
      before.ino === s.ino &&
      before.ctimeMs === s.ctimeMs &&
      before.mtimeMs === s.mtimeMs;
    out.set(file, {
      size: s.size,
      ino: s.ino,
      ctimeMs: s.ctimeMs,
      mtimeMs: s.mtimeMs,
      sha256: same ? before.sha256 : await sha256(file),
    });
  }
  return out;
}

/** What differs between two fingerprint sets: files whose bytes changed, files gone, files new. */
export function compareFingerprints(before: Fingerprints, after: Fingerprints): DataChanges {
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [file, print] of before) {
    const now = after.get(file);
    if (!now) removed.push(file);
    else if (now.sha256 !== print.sha256) changed.push(file);
  }
  const added = [...after.keys()].filter((file) => !before.has(file));
  return { changed, removed, added };
}
