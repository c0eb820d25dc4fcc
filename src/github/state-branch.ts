/**
 * The orphan branch `caddie/state`: results.tsv, notes.md, state.json and bot.json, written by Git Data API
 * commits that compare-and-swap the branch ref (update with force: false) and retry on conflict.
 * A write is a function of the freshest files, so a retry re-applies it to whatever another writer left.
 */
import { httpStatus, type GitHubClient, type RepoRef } from "./github-client.ts";

export const STATE_BRANCH = "caddie/state";

export interface StateSnapshot {
  /** Head commit of the branch; null before the first write. */
  sha: string | null;
  tree: string | null;
  files: Record<string, string>;
}

/** Kept between deliveries (per repository) so an unchanged branch costs one request to read. */
export interface StateCache {
  snapshot: StateSnapshot | null;
  blobs: Map<string, string>;
  /** A read in flight, shared by concurrent readers (single flight) unless a write landed since it began. */
  reading: { promise: Promise<StateSnapshot>; writes: number } | null;
  /** Successful writes so far. */
  writes: number;
}

export function newStateCache(): StateCache {
  return { snapshot: null, blobs: new Map(), reading: null, writes: 0 };
}

/** Changes to apply: path -> new text, or null to delete. Return {} for no change. */
export type StateMutation = (files: Record<string, string>) => Record<string, string | null>;

const MAX_ATTEMPTS = 8;

export class StateBranch {
  constructor(
    private readonly gh: GitHubClient,
    private readonly repo: RepoRef,
    private readonly cache: StateCache,
    readonly branch = STATE_BRANCH,
  ) {}

  read(): Promise<StateSnapshot> {
    const shared = this.cache.reading;
    if (shared && shared.writes === this.cache.writes) return shared.promise;
    const promise = this.fetch().finally(() => {
      if (this.cache.reading?.promise === promise) this.cache.reading = null;
    });
    this.cache.reading = { promise, writes: this.cache.writes };
    return promise;
  }

  private async fetch(): Promise<StateSnapshot> {
    let head: string;
    try {
      const ref = await this.gh.rest.git.getRef({ ...this.repo, ref: `heads/${this.branch}` });
      head = ref.data.object.sha;
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
      this.cache.snapshot = { sha: null, tree: null, files: {} };
      return this.cache.snapshot;
    }
    if (this.cache.snapshot?.sha === head) return this.cache.snapshot;
    const commit = await this.gh.rest.git.getCommit({ ...this.repo, commit_sha: head });
    const tree = await this.gh.rest.git.getTree({
      ...this.repo,
      tree_sha: commit.data.tree.sha,
      recursive: "true",
    });
    const files: Record<string, string> = {};
    for (const entry of tree.data.tree) {
      if (entry.type !== "blob" || !entry.path || !entry.sha) continue;
      let text = this.cache.blobs.get(entry.sha);
      if (text === undefined) {
        const blob = await this.gh.rest.git.getBlob({ ...this.repo, file_sha: entry.sha });
        text = Buffer.from(blob.data.content, blob.data.encoding === "base64" ? "base64" : "utf8").toString(
          "utf8",
        );
        this.cache.blobs.set(entry.sha, text);
      }
      files[entry.path] = text;
    }
    this.cache.snapshot = { sha: head, tree: commit.data.tree.sha, files };
    return this.cache.snapshot;
  }

  /**
   * Commits `mutate(files)` on top of the branch head. The first attempt trusts the cached snapshot (one
   * process writes most of the time); a conflict re-reads the branch and applies the mutation again.
   */
  async update(mutate: StateMutation, message: string): Promise<StateSnapshot> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const base = attempt === 0 && this.cache.snapshot ? this.cache.snapshot : await this.read();
      const changes = Object.entries(mutate({ ...base.files })).filter(
        ([path, text]) => base.files[path] !== (text ?? undefined),
      );
      if (changes.length === 0) return base;
      const tree = await this.gh.rest.git.createTree({
        ...this.repo,
        ...(base.tree ? { base_tree: base.tree } : {}),
        tree: changes.map(([path, text]) =>
          text === null
            ? { path, mode: "100644" as const, type: "blob" as const, sha: null }
            : { path, mode: "100644" as const, type: "blob" as const, content: text },
        ),
      });
      const commit = await this.gh.rest.git.createCommit({
        ...this.repo,
        message,
        tree: tree.data.sha,
        parents: base.sha ? [base.sha] : [],
      });
      try {
        if (base.sha) {
          await this.gh.rest.git.updateRef({
            ...this.repo,
            ref: `heads/${this.branch}`,
            sha: commit.data.sha,
            force: false,
          });
        } else {
          await this.gh.rest.git.createRef({
            ...this.repo,
            ref: `refs/heads/${this.branch}`,
            sha: commit.data.sha,
          });
        }
      } catch (error) {
        // 422: not a fast-forward (someone else wrote first) or the branch appeared meanwhile.
        if (httpStatus(error) !== 422 && httpStatus(error) !== 409) throw error;
        this.cache.snapshot = null;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
        continue;
      }
      const files = { ...base.files };
      for (const [path, text] of changes) {
        if (text === null) delete files[path];
        else files[path] = text;
      }
      this.cache.snapshot = { sha: commit.data.sha, tree: tree.data.sha, files };
      this.cache.writes++;
      return this.cache.snapshot;
    }
    throw new Error(`could not write ${this.branch}: the branch kept moving (${MAX_ATTEMPTS} attempts)`);
  }
}
