/**
 * The counted code's bytes at a commit, for both front doors and every tier: the target file's UTF-8
 * bytes as committed, read through the forge, never from the run's folder or the runner's report (the run
 * may have rewritten either); null when the commit has no such file. Files on disk (the action on a fresh
 * checkout, `caddie measure`) are counted by src/io/measure-artifact.ts: the same bytes, checked out.
 */
import type { Forge } from "./ports.ts";

export async function committedCodeBytes(
  forge: Pick<Forge, "readFile">,
  commit: string,
  target: string,
): Promise<number | null> {
  const text = await forge.readFile(commit, target);
  return text === null ? null : Buffer.byteLength(text, "utf8");
}
