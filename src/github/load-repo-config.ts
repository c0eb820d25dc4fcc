/**
 * Reads `.github/caddie.yml` and the research brief from the default branch only, so a pull request can
 * never change the bot's config for itself. Cached per repository by the default branch's head commit.
 */
import { createHash } from "node:crypto";
import { parse } from "yaml";
import { parseConfig, type CaddieConfig } from "../core/config.ts";
import { httpStatus, type GitHubClient, type RepoRef } from "./github-client.ts";

export const CONFIG_PATH = ".github/caddie.yml";

/**
 * The config as loaded; `fingerprint` identifies what the App read (config and brief texts), so a problem
 * reported once is not reported again until one of them changes.
 */
export type RepoConfig =
  | { kind: "ok"; config: CaddieConfig; program: string; head: string; fingerprint: string }
  | { kind: "missing"; head: string }
  | { kind: "error"; error: string; head: string; fingerprint: string };

export interface ConfigCache {
  entry: RepoConfig | null;
  /** A load in flight, shared by concurrent deliveries (single flight). */
  loading?: Promise<RepoConfig> | null;
}

async function readText(gh: GitHubClient, repo: RepoRef, path: string, ref: string): Promise<string | null> {
  try {
    const res = await gh.rest.repos.getContent({ ...repo, path, ref });
    const data = res.data;
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
    return Buffer.from(data.content, "base64").toString("utf8");
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/** Parses the file's text: a YAML or validation problem becomes one clear message. */
export function configFromText(text: string): { config: CaddieConfig } | { error: string } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { error: `${CONFIG_PATH} is not valid YAML: ${message}` };
  }
  try {
    return { config: parseConfig(doc) };
  } catch (error) {
    return { error: `${CONFIG_PATH}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export function loadRepoConfig(
  gh: GitHubClient,
  repo: RepoRef,
  defaultBranch: string,
  cache: ConfigCache,
): Promise<RepoConfig> {
  if (cache.loading) return cache.loading;
  const loading = load(gh, repo, defaultBranch, cache).finally(() => {
    if (cache.loading === loading) cache.loading = null;
  });
  cache.loading = loading;
  return loading;
}

async function load(
  gh: GitHubClient,
  repo: RepoRef,
  defaultBranch: string,
  cache: ConfigCache,
): Promise<RepoConfig> {
  const ref = await gh.rest.git.getRef({ ...repo, ref: `heads/${defaultBranch}` });
  const head = ref.data.object.sha;
  if (cache.entry?.head === head) return cache.entry;
  const text = await readText(gh, repo, CONFIG_PATH, head);
  let entry: RepoConfig;
  if (text === null) entry = { kind: "missing", head };
  else {
    const parsed = configFromText(text);
    if ("error" in parsed) entry = { kind: "error", error: parsed.error, head, fingerprint: digest([text]) };
    else {
      const path = parsed.config.program;
      const program = await readText(gh, repo, path, head);
      entry =
        program === null
          ? {
              kind: "error",
              error: `the research brief '${path}' (the config's 'program') is missing on ${defaultBranch}: add it (\`caddie init\` writes one) or set 'program' to your brief's path`,
              head,
              fingerprint: digest([text, null]),
            }
          : { kind: "ok", config: parsed.config, program, head, fingerprint: digest([text, program]) };
    }
  }
  cache.entry = entry;
  return entry;
}

function digest(parts: (string | null)[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);
}
