import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Git } from "../../src/local/git.ts";

/** A fresh git repository with the given files committed on main; removed by the returned cleanup. */
export async function tempRepo(
  files: Record<string, string>,
): Promise<{ dir: string; git: Git; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "caddie-test-"));
  const git = new Git(dir);
  await git.run(["init", "-q", "-b", "main"]);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  await git.run(["add", "-A"]);
  await git.run(["commit", "-q", "-m", "initial"]);
  return { dir, git, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
