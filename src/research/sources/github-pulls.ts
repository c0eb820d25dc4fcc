/** Recent pull requests of a GitHub repository as research items (titles and bodies, sanitized). */
import { createGitHubOctokit } from "../github-octokit.ts";
import { githubReader, type EtagCache } from "../github-reader.ts";
import { rawItem, type ResearchSource } from "./source.ts";
import type { RawItem } from "../types.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

export function githubPullsSource(options: {
  repo: string;
  baseUrl?: string;
  token?: string | null;
  cache: EtagCache;
  perPage?: number;
}): ResearchSource {
  return {
    name: `github:${options.repo}`,
    async fetch(context) {
      const octokit = createGitHubOctokit({
        baseUrl: options.baseUrl ?? "https://api.github.com",
        token: options.token ?? null,
        fetch: context.fetch,
      });
      const github = githubReader(octokit, { cache: options.cache, signal: context.signal });
      const path = `/repos/${options.repo}/pulls?state=all&sort=updated&direction=desc&per_page=${options.perPage ?? 30}`;
      return github.list(
        path,
        (body): RawItem[] => {
          if (!Array.isArray(body)) throw new Error("pull request list is not an array");
          return body.filter(isObject).map((p) =>
            rawItem({
              id: `github:${options.repo}#${String(p.number)}`,
              source: "github",
              title: String(p.title ?? ""),
              url: typeof p.html_url === "string" ? p.html_url : "",
              summary: typeof p.body === "string" ? p.body : "",
              authors: isObject(p.user) && typeof p.user.login === "string" ? [p.user.login] : [],
              published: typeof p.created_at === "string" ? p.created_at : null,
            }),
          );
        },
        { maxPages: 1 },
      );
    },
  };
}
