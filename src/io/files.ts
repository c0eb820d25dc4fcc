/**
 * File helpers every adapter shares (the CLI's state folder, the research cache, the action's result):
 * whole-or-nothing writes and reads where a missing file is an answer, not an error.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/** Writes a file whole or not at all: a temp file beside it, then a rename (atomic on one filesystem). */
export async function atomicWrite(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temp, content);
  await rename(temp, file);
}

/** The file's text, or null when it does not exist; any other error is thrown. */
export async function readTextIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
