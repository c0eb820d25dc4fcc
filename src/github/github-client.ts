/**
 * The authenticated Octokit a webhook handler gets, and the repository it acts on. The competitor watch
 * polls through it too (src/research/github-reader.ts).
 */
import type { ProbotOctokit } from "probot";

export type GitHubClient = ProbotOctokit;

export interface RepoRef {
  owner: string;
  repo: string;
}

// One rule for an Octokit error's status, shared with the polling reader.
export { httpStatus } from "../research/github-octokit.ts";
