import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/** Writes a file whole or not at all: a temp file beside it, then a rename (atomic on one filesystem). */
export async function atomicWrite(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  await writeFile(temp, content);
  await rename(temp, file);
}
