/**
 * The files the agent may change, as they are at one commit: what a proposer or a fix is shown. A path the
 * commit does not have is left out.
 */
import type { Forge } from "./ports.ts";

export async function readAllowedFiles(
  forge: Pick<Forge, "readFile">,
  commit: string,
  allow: readonly string[],
): Promise<Record<string, string>> {
  const contents = await Promise.all(allow.map((path) => forge.readFile(commit, path)));
  const files: Record<string, string> = {};
  allow.forEach((path, i) => {
    const content = contents[i];
    if (content !== null && content !== undefined) files[path] = content;
  });
  return files;
}
