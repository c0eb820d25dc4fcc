/**
 * The local forge: the research line is branch `autoresearch/<tag>`, each experiment a branch
 * `caddie/<tag>/<id>` with one commit. Keep fast-forwards the line; discard moves the branch under
 * `refs/caddie/discarded/<tag>/<id>` so its diff stays inspectable; backtrack resets the line and leaves
 * the abandoned head under `refs/caddie/backtracked/`. Everything goes through git plumbing with a
 * private index, so the user's working tree and index are never touched.
 */
import { appendFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { mergeLines } from "../core/merge-lines.ts";
import { UserError } from "../core/user-error.ts";
import type { FileEdit, Forge } from "../engine/ports.ts";
import { Git } from "./git.ts";

export class GitForge implements Forge {
  readonly line: string;

  private constructor(
    readonly git: Git,
    readonly tag: string,
  ) {
    this.line = `refs/heads/autoresearch/${tag}`;
  }

  /** Opens (or starts) the research line for a tag, branching from HEAD the first time. */
  static async open(repo: string, tag: string, env?: Record<string, string | undefined>): Promise<GitForge> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(tag) || tag.endsWith(".lock") || tag.includes(".."))
      throw new UserError(`tag '${tag}' must be letters, digits, '.', '_' or '-' (e.g. nov22)`);
    const git = await Git.open(repo, env);
    const forge = new GitForge(git, tag);
    const exists = await git.try(["rev-parse", "--verify", "--quiet", `${forge.line}^{commit}`]);
    if (exists.code !== 0) {
      const head = await git.try(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
      if (head.code !== 0)
        throw new UserError(`${git.cwd} has no commits yet: commit the training script first`);
      await git.run(["update-ref", forge.line, head.stdout.trim()]);
    }
    const checkedOut = await git.try(["symbolic-ref", "--quiet", "HEAD"]);
    if (checkedOut.stdout.trim() === forge.line)
      throw new UserError(
        `autoresearch/${tag} is checked out; caddie moves that branch itself. Check out another branch first (e.g. 'git checkout -')`,
      );
    return forge;
  }

  private experimentRef(id: string): string {
    return `refs/heads/caddie/${this.tag}/${id}`;
  }

  async lineHead(): Promise<string> {
    return this.git.run(["rev-parse", `${this.line}^{commit}`]);
  }

  async readFile(commit: string, file: string): Promise<string | null> {
    const r = await this.git.try(["cat-file", "blob", `${commit}:${file}`]);
    return r.code === 0 ? r.stdout : null;
  }

  /** Builds a tree = base's tree with the edits applied, using a throwaway index file. */
  private async treeWith(base: string, edits: FileEdit[]): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "caddie-index-"));
    const env = { GIT_INDEX_FILE: path.join(dir, "index") };
    try {
      await this.git.run(["read-tree", base], { env });
      for (const edit of edits) {
        const blob = await this.git.run(["hash-object", "-w", "--stdin"], { input: edit.content });
        const listed = await this.git.run(["ls-tree", base, "--", edit.path]);
        const mode = listed.split(" ")[0] || "100644";
        await this.git.run(["update-index", "--add", "--cacheinfo", `${mode},${blob},${edit.path}`], { env });
      }
      return await this.git.run(["write-tree"], { env });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async createExperiment(input: {
    id: string;
    base: string;
    edits: FileEdit[];
    message: string;
  }): Promise<string> {
    const tree = await this.treeWith(input.base, input.edits);
    const commit = await this.git.run(["commit-tree", tree, "-p", input.base, "-F", "-"], {
      input: input.message,
    });
    await this.git.run(["update-ref", this.experimentRef(input.id), commit]);
    return commit;
  }

  async rebaseExperiment(input: {
    id: string;
    commit: string;
    onto: string;
    message: string;
  }): Promise<string | null> {
    const parent = await this.git.run(["rev-parse", `${input.commit}^`]);
    const changed = (
      await this.git.run(["diff-tree", "--no-commit-id", "--name-only", "-r", parent, input.commit])
    )
      .split("\n")
      .filter(Boolean);
    const edits: FileEdit[] = [];
    for (const file of changed) {
      const [base, ours, theirs] = await Promise.all([
        this.readFile(parent, file),
        this.readFile(input.onto, file),
        this.readFile(input.commit, file),
      ]);
      if (theirs === null || ours === null || base === null) return null;
      // The same line-level merge as the GitHub forge: any conflict means the change no longer applies.
      const merged = mergeLines(base, ours, theirs);
      if (merged === null) return null;
      edits.push({ path: file, content: merged });
    }
    return this.createExperiment({ id: input.id, base: input.onto, edits, message: input.message });
  }

  async keep(input: { id: string; commit: string }): Promise<void> {
    const head = await this.lineHead();
    const isDescendant = await this.git.try(["merge-base", "--is-ancestor", head, input.commit]);
    if (isDescendant.code !== 0)
      throw new Error(`${input.id} is not based on the line head; rebase it before keeping`);
    // Compare-and-swap: fails if the line moved since we read it.
    await this.git.run(["update-ref", "-m", `caddie keep ${input.id}`, this.line, input.commit, head]);
    await this.git.try(["update-ref", "-d", this.experimentRef(input.id)]);
  }

  async discard(input: { id: string; commit: string }): Promise<void> {
    await this.git.run(["update-ref", `refs/caddie/discarded/${this.tag}/${input.id}`, input.commit]);
    await this.git.try(["update-ref", "-d", this.experimentRef(input.id)]);
  }

  async backtrack(input: { toCommit: string }): Promise<void> {
    const head = await this.lineHead();
    const stamp = (await this.git.run(["rev-list", "--count", head])).trim();
    await this.git.run([
      "update-ref",
      `refs/caddie/backtracked/${this.tag}/${stamp}-${head.slice(0, 7)}`,
      head,
    ]);
    await this.git.run(["update-ref", "-m", "caddie backtrack", this.line, input.toCommit, head]);
  }

  /** Writes a commit's tree into a fresh folder (for a run), without touching the repository's work tree. */
  async exportTree(commit: string, dir: string): Promise<void> {
    const dirIndex = await mkdtemp(path.join(tmpdir(), "caddie-export-"));
    try {
      const env = { GIT_INDEX_FILE: path.join(dirIndex, "index") };
      await this.git.run(["read-tree", commit], { env });
      await this.git.run(["--work-tree", dir, "checkout-index", "-a", "-f"], { env });
    } finally {
      await rm(dirIndex, { recursive: true, force: true });
    }
  }

  /** Adds a pattern to .git/info/exclude once, so caddie's state folder never shows as untracked. */
  async exclude(pattern: string): Promise<void> {
    const gitDir = await this.git.run(["rev-parse", "--absolute-git-dir"]);
    const file = path.join(gitDir, "info", "exclude");
    const current = await readFile(file, "utf8").catch(() => "");
    if (current.split("\n").includes(pattern)) return;
    await mkdir(path.dirname(file), { recursive: true });
    await appendFile(file, `${current && !current.endsWith("\n") ? "\n" : ""}${pattern}\n`);
  }
}
