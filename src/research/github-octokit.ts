/**
 * The Octokit caddie reads GitHub with outside the App (`caddie competitors sync`, the `github` research
 * source): @octokit/core with the plugins probot's Octokit is built from for reading (pagination,
 * throttling). The App hands its own installation Octokit to the same reader (github-reader.ts), so both
 * front doors poll through one client.
 */
import { Octokit } from "@octokit/core";
import { paginateRest, type PaginateInterface } from "@octokit/plugin-paginate-rest";
import { throttling } from "@octokit/plugin-throttling";

/** What the reader needs of an Octokit: requests and pagination (probot's installation Octokit has both). */
export type GitHubOctokit = Pick<Octokit, "request"> & { paginate: PaginateInterface };

const ReadingOctokit = Octokit.plugin(paginateRest, throttling);

/** Seconds a secondary rate limit may ask us to wait once; longer, and the sync stops until next time. */
const MAX_SECONDARY_WAIT_S = 60;

export interface GitHubOctokitOptions {
  /** `https://api.github.com`, a GHES `/api/v3`, or a local fake in tests. */
  baseUrl: string;
  /** Optional; unauthenticated polling gets 60 requests an hour. */
  token?: string | null;
  /** Another fetch (a research source's, with its timeout). */
  fetch?: typeof globalThis.fetch;
}

export function createGitHubOctokit(options: GitHubOctokitOptions): GitHubOctokit {
  return new ReadingOctokit({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    userAgent: "caddie",
    ...(options.token ? { auth: options.token } : {}),
    ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
    throttle: {
      // A spent primary limit resets within the hour: a poll stops and keeps what it read (the reader
      // says when it resets) rather than hold a command that long.
      onRateLimit: () => false,
      // A secondary limit asks for a short pause: wait once, then give up until the next sync.
      onSecondaryRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount === 0 && retryAfter <= MAX_SECONDARY_WAIT_S,
    },
  });
}

/** Status of a failed request, or null when the error did not come from GitHub. */
export function httpStatus(error: unknown): number | null {
  if (error !== null && typeof error === "object" && "status" in error && typeof error.status === "number")
    return error.status;
  return null;
}
