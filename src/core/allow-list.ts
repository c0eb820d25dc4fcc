/**
 * The agent may change only allow-listed files. This is the one place that rule lives; every forge
 * (local git, GitHub) receives edits only after this check.
 */
import { UserError } from "./user-error.ts";

export function normalizeRepoPath(path: string): string {
  return path
    .replace(/\\/g, "/")
    .replace(/^\.\//, "")
    .replace(/\/{2,}/g, "/");
}

/** Throws UserError naming the first edit outside the allow-list (or escaping the repository). */
export function checkEdits(edits: { path: string }[], allow: string[]): void {
  const allowed = new Set(allow.map(normalizeRepoPath));
  for (const edit of edits) {
    const path = normalizeRepoPath(edit.path);
    if (path === "" || path.startsWith("/") || path.split("/").includes("..") || path.startsWith(".git/"))
      throw new UserError(`refused edit to '${edit.path}': paths must stay inside the repository`);
    // The agent never edits CI or the bot's own config, even if someone allow-lists them.
    if (path.startsWith(".github/"))
      throw new UserError(`refused edit to '${edit.path}': the agent never changes .github/`);
    if (!allowed.has(path))
      throw new UserError(`refused edit to '${edit.path}': only ${[...allowed].join(", ")} may be changed`);
  }
  if (edits.length === 0) throw new UserError("the proposal changes no file");
}
