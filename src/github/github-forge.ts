/**
 * The engine's Forge on GitHub: experiments are branches `caddie/<id>` committed through the Git Data API
 * (never a path outside the allow-list, never under .github/), each with a pull request into the research
 * line. Keep squash-merges the pull request (bound to the measured commit); discard closes it and keeps the
 * branch, so the diff stays searchable; backtrack moves the research line.
 */
import { checkEdits, normalizeRepoPath } from "../core/allow-list.ts";
import type { FileEdit, Forge } from "../engine/ports.ts";
import { httpStatus, type GitHubClient, type RepoRef } from "./github-client.ts";
import { mergeLines } from "../core/merge-lines.ts";
import { writeOnce, type WriteOnceOptions } from "./write-once.ts";

export function experimentBranch(id: string): string {
  return `caddie/${id}`;
}

/** The experiment id of a branch we created, or null for any other branch. */
export function experimentOfBranch(branch: string): string | null {
  const match = /^caddie\/(exp-\d{3,}(?:-fix)?)$/.exec(branch);
  return match?.[1] ?? null;
}

/**
 * Squash-merges a pull request at `sha`, exactly once: after an uncertain answer the pull request's merged
 * state says whether the merge landed, and a refusal (405) that follows an earlier landed attempt is no error.
 */
export async function mergeOnce(
  gh: GitHubClient,
  repo: RepoRef,
  input: { pr: number; sha: string; title: string },
  writes: WriteOnceOptions = {},
): Promise<void> {
  const merged = async (): Promise<true | null> => {
    const pull = await gh.rest.pulls.get({ ...repo, pull_number: input.pr });
    return pull.data.merged && pull.data.head.sha === input.sha ? true : null;
  };
  try {
    await writeOnce(
      async () => {
        await gh.rest.pulls.merge({
          ...repo,
          pull_number: input.pr,
          sha: input.sha,
          merge_method: "squash",
          commit_title: input.title,
        });
        return true;
      },
      merged,
      writes,
    );
  } catch (error) {
    if (await merged()) return;
    throw error;
  }
}

export class GitHubForge implements Forge {
  private readonly pulls = new Map<string, number>();
  private closing: number[] = [];
  private readonly fileCache = new Map<string, string | null>();

  constructor(
    private readonly gh: GitHubClient,
    private readonly repo: RepoRef,
    private readonly options: {
      researchLine: string;
      allow: string[];
      defaultBranch: string;
      deferClose?: boolean;
      writes?: WriteOnceOptions;
    },
  ) {}

  /** Tells the forge which pull request carries an experiment (known to the caller from bot.json). */
  bindPull(id: string, pr: number): void {
    this.pulls.set(id, pr);
  }

  async lineHead(): Promise<string> {
    const ref = await this.gh.rest.git.getRef({ ...this.repo, ref: `heads/${this.options.researchLine}` });
    return ref.data.object.sha;
  }

  /** Creates the research line from the default branch when it does not exist yet; returns its head. */
  async ensureLine(): Promise<string> {
    try {
      return await this.lineHead();
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
    }
    const main = await this.gh.rest.git.getRef({ ...this.repo, ref: `heads/${this.options.defaultBranch}` });
    try {
      await this.gh.rest.git.createRef({
        ...this.repo,
        ref: `refs/heads/${this.options.researchLine}`,
        sha: main.data.object.sha,
      });
    } catch (error) {
      // 422: it exists (an earlier attempt whose answer was lost, or another delivery): use it as it is.
      if (httpStatus(error) !== 422) throw error;
      return this.lineHead();
    }
    return main.data.object.sha;
  }

  async readFile(commit: string, path: string): Promise<string | null> {
    const key = `${commit}:${path}`;
    if (this.fileCache.has(key)) return this.fileCache.get(key) ?? null;
    let text: string | null = null;
    try {
      const res = await this.gh.rest.repos.getContent({ ...this.repo, path, ref: commit });
      const data = res.data;
      if (!Array.isArray(data) && data.type === "file" && "content" in data)
        text = Buffer.from(data.content, "base64").toString("utf8");
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
    }
    this.fileCache.set(key, text);
    return text;
  }

  async createExperiment(input: {
    id: string;
    base: string;
    edits: FileEdit[];
    message: string;
  }): Promise<string> {
    const edits = input.edits.map((e) => ({ ...e, path: normalizeRepoPath(e.path) }));
    if (edits.length > 0) checkEdits(edits, this.options.allow);
    const base = await this.gh.rest.git.getCommit({ ...this.repo, commit_sha: input.base });
    // No edits (the baseline): an empty commit, so the pull request has something to train.
    const tree =
      edits.length === 0
        ? base.data.tree.sha
        : (
            await this.gh.rest.git.createTree({
              ...this.repo,
              base_tree: base.data.tree.sha,
              tree: edits.map((e) => ({
                path: e.path,
                mode: "100644" as const,
                type: "blob" as const,
                content: e.content,
              })),
            })
          ).data.sha;
    const commit = await this.gh.rest.git.createCommit({
      ...this.repo,
      message: input.message,
      tree,
      parents: [input.base],
    });
    await this.pointBranch(experimentBranch(input.id), commit.data.sha);
    return commit.data.sha;
  }

  async rebaseExperiment(input: {
    id: string;
    commit: string;
    onto: string;
    message: string;
  }): Promise<string | null> {
    const commit = await this.gh.rest.git.getCommit({ ...this.repo, commit_sha: input.commit });
    const parent = commit.data.parents[0]?.sha;
    if (!parent) return null;
    const [mine, before, onto] = await Promise.all([
      this.tree(input.commit),
      this.tree(parent),
      this.tree(input.onto),
    ]);
    const changed = [...new Set([...mine.keys(), ...before.keys()])].filter(
      (p) => mine.get(p) !== before.get(p),
    );
    // What is carried over is an edit too: the same allow-list as a new experiment (throws UserError).
    checkEdits(
      changed.map((path) => ({ path })),
      this.options.allow,
    );
    const entries: { path: string; mode: "100644"; type: "blob"; sha?: string | null; content?: string }[] =
      [];
    for (const path of changed) {
      const blob = mine.get(path) ?? null;
      const base = before.get(path);
      const theirs = onto.get(path);
      // Untouched by the new base: carry the experiment's blob over as it is.
      if (theirs === base) {
        entries.push({ path, mode: "100644", type: "blob", sha: blob });
        continue;
      }
      // Both sides changed the file: merge by lines, or give up on a conflict.
      if (blob === null || base === undefined || theirs === undefined) return null;
      const [b, o, t] = await Promise.all([this.blob(base), this.blob(blob), this.blob(theirs)]);
      const merged = mergeLines(b, o, t);
      if (merged === null) return null;
      entries.push({ path, mode: "100644", type: "blob", content: merged });
    }
    const ontoCommit = await this.gh.rest.git.getCommit({ ...this.repo, commit_sha: input.onto });
    const tree =
      entries.length === 0
        ? ontoCommit.data.tree.sha
        : (
            await this.gh.rest.git.createTree({
              ...this.repo,
              base_tree: ontoCommit.data.tree.sha,
              tree: entries,
            })
          ).data.sha;
    const next = await this.gh.rest.git.createCommit({
      ...this.repo,
      message: input.message,
      tree,
      parents: [input.onto],
    });
    await this.pointBranch(experimentBranch(input.id), next.data.sha);
    return next.data.sha;
  }

  async keep(input: { id: string; commit: string }): Promise<void> {
    const pr = await this.pullOf(input.id);
    await mergeOnce(
      this.gh,
      this.repo,
      { pr, sha: input.commit, title: `${input.id}: keep (#${pr})` },
      this.options.writes,
    );
  }

  /**
   * Discard closes the pull request; with `deferClose` the closes wait for closePending (a batch closes in
   * parallel). A flagged discard stays open: a collaborator decides it (`/keep` or `/discard`).
   */
  async discard(input: { id: string; commit: string; flagged?: boolean }): Promise<void> {
    if (input.flagged) return;
    const pr = await this.pullOf(input.id);
    if (this.options.deferClose) this.closing.push(pr);
    else await this.gh.rest.pulls.update({ ...this.repo, pull_number: pr, state: "closed" });
  }

  /** Closes the deferred pull requests; returns those that could not be closed (still owed a close). */
  async closePending(): Promise<number[]> {
    const prs = this.closing.splice(0);
    const results = await Promise.allSettled(
      prs.map((pr) => this.gh.rest.pulls.update({ ...this.repo, pull_number: pr, state: "closed" })),
    );
    return prs.filter((_, i) => results[i]?.status === "rejected");
  }

  async backtrack(input: { toCommit: string }): Promise<void> {
    await this.gh.rest.git.updateRef({
      ...this.repo,
      ref: `heads/${this.options.researchLine}`,
      sha: input.toCommit,
      force: true,
    });
  }

  private async pullOf(id: string): Promise<number> {
    const known = this.pulls.get(id);
    if (known !== undefined) return known;
    const list = await this.gh.rest.pulls.list({
      ...this.repo,
      state: "all",
      head: `${this.repo.owner}:${experimentBranch(id)}`,
    });
    const pr = list.data[0]?.number;
    if (pr === undefined) throw new Error(`no pull request for experiment ${id}`);
    this.pulls.set(id, pr);
    return pr;
  }

  private async pointBranch(branch: string, sha: string): Promise<void> {
    try {
      await this.gh.rest.git.createRef({ ...this.repo, ref: `refs/heads/${branch}`, sha });
    } catch (error) {
      if (httpStatus(error) !== 422) throw error;
      await this.gh.rest.git.updateRef({ ...this.repo, ref: `heads/${branch}`, sha, force: true });
    }
  }

  private async blob(sha: string): Promise<string> {
    const res = await this.gh.rest.git.getBlob({ ...this.repo, file_sha: sha });
    return Buffer.from(res.data.content, res.data.encoding === "base64" ? "base64" : "utf8").toString("utf8");
  }

  private async tree(commitSha: string): Promise<Map<string, string>> {
    const commit = await this.gh.rest.git.getCommit({ ...this.repo, commit_sha: commitSha });
    const tree = await this.gh.rest.git.getTree({
      ...this.repo,
      tree_sha: commit.data.tree.sha,
      recursive: "true",
    });
    return new Map(
      tree.data.tree
        .filter((e) => e.type === "blob" && e.path && e.sha)
        .map((e) => [e.path ?? "", e.sha ?? ""]),
    );
  }
}
