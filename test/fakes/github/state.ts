/**
 * The fake's repository model: git objects (blobs, flat trees, commits, refs), pull requests, issues,
 * comments, reactions, check runs, workflow runs with artifacts, collaborators and dispatches.
 * One repository per fake; ids and numbers count up from fixed starts so tests read deterministically.
 */
import { createHash } from "node:crypto";

export interface Actor {
  login: string;
  type: "User" | "Bot";
}

export interface Commit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
}

export interface Pull {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  merged: boolean;
  mergeCommitSha: string | null;
  headRef: string;
  headSha: string;
  baseRef: string;
  user: Actor;
  labels: string[];
  createdAt: string;
  /** Fixed times for pull requests of other repositories (competitors); absent: the current time. */
  updatedAt?: string;
  mergedAt?: string | null;
}

export interface Issue {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: string[];
  user: Actor;
}

export interface Comment {
  id: number;
  issueNumber: number;
  body: string;
  user: Actor;
  createdAt: string;
  updatedAt: string;
}

export interface CheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  output: { title?: string; summary?: string; text?: string } | null;
  detailsUrl: string | null;
  /** Buttons offered on the check (the `actions` of the request), as last written. */
  actions: { label: string; description: string; identifier: string }[];
}

export interface Artifact {
  id: number;
  name: string;
  zip: Buffer;
  expired: boolean;
}

export interface WorkflowRun {
  id: number;
  name: string;
  path: string;
  headBranch: string;
  headSha: string;
  event: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  artifacts: Artifact[];
  pullNumbers: number[];
  /** 1 for the first run; each re-run (POST .../rerun) is the next attempt. */
  attempt?: number;
  /** A dispatch's inputs (the API does not show them; the harness reads them to "train"). */
  inputs?: Record<string, string>;
  /** Who started it (default: the repository owner); a dispatch by the App is the App's bot. */
  triggeringActor?: Actor;
  /** The repository whose code ran (default: this one; a fork's full name for a fork PR's run). */
  headRepository?: string;
  startedAt?: string;
  updatedAt?: string;
}

export class RepoState {
  readonly owner: string;
  readonly name: string;
  readonly id = 424242;
  defaultBranch = "main";
  private nextNumber = 1;
  private nextId = 1000;

  blobs = new Map<string, Buffer>();
  /** Trees are flat: path -> blob sha. */
  trees = new Map<string, Map<string, string>>();
  commits = new Map<string, Commit>();
  refs = new Map<string, string>();
  pulls = new Map<number, Pull>();
  issues = new Map<number, Issue>();
  comments = new Map<number, Comment>();
  reactions: { commentId: number; content: string; user: Actor }[] = [];
  checkRuns = new Map<number, CheckRun>();
  workflowRuns = new Map<number, WorkflowRun>();
  collaborators = new Map<string, string>();
  dispatches: { eventType: string; clientPayload: unknown }[] = [];
  workflowDispatches: { workflowId: string; ref: string; inputs: unknown }[] = [];
  /** The repository's security settings (docs/SECURITY.md, "The safe set-up"); null: not readable (404). */
  settings = {
    private: true,
    runners: 0,
    approvalPolicy: "first_time_contributors" as string | null,
    workflowPermissions: "write" as "read" | "write",
    canApprove: false,
    /** Environments by name, with whether they require reviewers. */
    environments: new Map<string, { reviewers: boolean }>(),
  };
  /** Answer dispatches with 204 and no run id, as GitHub Enterprise Server does. */
  dispatchWithoutRunDetails = false;
  /** Labels that exist in the repository (created on first use). */
  labels = new Set<string>();

  constructor(fullName: string) {
    const [owner, name] = fullName.split("/");
    this.owner = owner ?? "octo-org";
    this.name = name ?? "octo-repo";
  }

  id_(): number {
    return this.nextId++;
  }

  number_(): number {
    return this.nextNumber++;
  }

  putBlob(content: Buffer): string {
    const sha = createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
    this.blobs.set(sha, content);
    return sha;
  }

  putTree(files: Map<string, string>): string {
    const entries = [...files.entries()].sort(([a], [b]) => a.localeCompare(b));
    const sha = createHash("sha1")
      .update(`tree ${JSON.stringify(entries)}`)
      .digest("hex");
    this.trees.set(sha, new Map(entries));
    return sha;
  }

  putCommit(tree: string, parents: string[], message: string): string {
    const sha = createHash("sha1")
      .update(`commit ${tree} ${parents.join(",")} ${message} ${this.commits.size}`)
      .digest("hex");
    this.commits.set(sha, { sha, tree, parents, message });
    return sha;
  }

  /** Writes files on top of a branch (or creates it) in one commit; returns the commit sha. */
  commitFiles(branch: string, files: Record<string, string | null>, message = "update"): string {
    const parent = this.refs.get(`heads/${branch}`);
    const base = parent ? this.treeOf(parent) : new Map<string, string>();
    const next = new Map(base);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) next.delete(path);
      else next.set(path, this.putBlob(Buffer.from(content, "utf8")));
    }
    const sha = this.putCommit(this.putTree(next), parent ? [parent] : [], message);
    this.refs.set(`heads/${branch}`, sha);
    return sha;
  }

  treeOf(commitSha: string): Map<string, string> {
    const commit = this.commits.get(commitSha);
    return (commit && this.trees.get(commit.tree)) ?? new Map();
  }

  /** The text of a file at a branch or commit, or null. */
  file(refOrSha: string, path: string): string | null {
    const sha = this.refs.get(`heads/${refOrSha}`) ?? refOrSha;
    const blob = this.treeOf(sha).get(path);
    const data = blob ? this.blobs.get(blob) : undefined;
    return data ? data.toString("utf8") : null;
  }

  /** Ancestors of a commit (itself included), first-parent and merge parents. */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length > 0) {
      const s = stack.pop();
      if (s === undefined || seen.has(s)) continue;
      seen.add(s);
      stack.push(...(this.commits.get(s)?.parents ?? []));
    }
    return seen;
  }

  issueOrPull(number: number): Issue | Pull | undefined {
    return this.issues.get(number) ?? this.pulls.get(number);
  }
}
