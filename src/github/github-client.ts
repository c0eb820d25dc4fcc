/** The authenticated Octokit a webhook handler gets, and the repository it acts on. */
import type { ProbotOctokit } from "probot";

export type GitHubClient = ProbotOctokit;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** Status of a failed request, or null when the error did not come from GitHub. */
export function httpStatus(error: unknown): number | null {
  if (error !== null && typeof error === "object" && "status" in error && typeof error.status === "number")
    return error.status;
  return null;
}
