/**
 * openai/parameter-golf on the fake GitHub, as the competitor watch reads it: a public repository whose pull
 * requests each add files (record folders) on a branch off main.
 */
import type { FakeGitHub } from "./server.ts";
import type { Pull, RepoState } from "./state.ts";

export const UPSTREAM = "openai/parameter-golf";

/** The upstream repository with its main branch, served beside the user's. */
export function addUpstream(fake: FakeGitHub): RepoState {
  const up = fake.addRepository(UPSTREAM);
  up.commitFiles("main", { "README.md": "# Parameter Golf\n" }, "initial");
  return up;
}

export interface UpstreamPull {
  title: string;
  author: string;
  files: Record<string, string>;
  /** When it was merged; null for an open pull request, or a closed one with `closed: true`. */
  merged: string | null;
  updated: string;
  closed?: boolean;
}

/** A pull request on the upstream repository: its branch adds `files` on top of main. */
export function addUpstreamPull(up: RepoState, input: UpstreamPull): Pull {
  const number = up.number_();
  const headRef = `pr-${number}`;
  const base = up.refs.get("heads/main") ?? "";
  up.refs.set(`heads/${headRef}`, base);
  const headSha = up.commitFiles(headRef, input.files, input.title);
  const pull: Pull = {
    number,
    title: input.title,
    body: null,
    state: input.merged === null && !input.closed ? "open" : "closed",
    merged: input.merged !== null,
    mergeCommitSha: null,
    headRef,
    headSha,
    baseRef: "main",
    user: { login: input.author, type: "User" },
    labels: [],
    createdAt: input.updated,
    updatedAt: input.updated,
    mergedAt: input.merged,
  };
  up.pulls.set(number, pull);
  return pull;
}

/** `count` pull requests that add no record (docs tweaks), updated an hour apart from `from`. */
export function addOtherPulls(up: RepoState, count: number, from: string): void {
  for (let i = 0; i < count; i++)
    addUpstreamPull(up, {
      title: `Docs tweak ${i}`,
      author: "someone",
      files: { [`docs/note-${i}.md`]: `note ${i}\n` },
      merged: null,
      updated: new Date(Date.parse(from) + i * 3_600_000).toISOString().replace(/\.000Z$/, "Z"),
    });
}
