/**
 * The competitor watch on GitHub: on a cron tick, at most once per interval, read openai/parameter-golf's
 * pull requests through the App's Octokit and keep `competitors.json` on `caddie/state` (written by the
 * tick's one compare-and-swap commit). The ETag cache lives beside it, so an unchanged repository costs one
 * 304 per sync. A failing sync is logged and recorded in the file's `failures` (the results issue shows
 * them); it never throws, so it never stops the loop.
 */
import { UserError } from "../core/user-error.ts";
import { githubReader, type EtagCache } from "../research/github-reader.ts";
import { COMPETITORS_FILE, parseCompetitorsFile, parseEtagCache } from "../research/state-files.ts";
import { emptyCompetitorsFile, syncCompetitors } from "../research/sync-competitors.ts";
import type { CompetitorsFile } from "../research/types.ts";
import type { GitHubStore } from "./github-store.ts";
import type { ReadySession } from "./repo-session.ts";

export const UPSTREAM_REPO = "openai/parameter-golf";
/** Records land a few times a day; polling more often only spends requests. */
export const COMPETITOR_SYNC_INTERVAL_MS = 6 * 60 * 60 * 1000;
/**
 * A sync that recorded failures (source down, rate limit, PRs left for later) is retried sooner, but not on
 * every cron tick: a source that stays down would otherwise cost a request and a state commit each time.
 */
export const COMPETITOR_RETRY_MS = 60 * 60 * 1000;
/** ETags of the pull request listing pages (what makes an unchanged repository cost one 304). */
export const GITHUB_CACHE_FILE = "github-cache.json";

export type WatchOutcome =
  | { kind: "not-due" }
  | { kind: "dry-run" }
  | { kind: "synced"; competitors: number; requests: number; notModified: number; failures: string[] };

/** competitors.json from the store; a damaged file is logged and the sync starts over. */
export function storedCompetitors(store: GitHubStore): {
  file: CompetitorsFile | null;
  error: string | null;
} {
  const text = store.text(COMPETITORS_FILE);
  if (text === undefined) return { file: null, error: null };
  try {
    return { file: parseCompetitorsFile(text, `${COMPETITORS_FILE} on caddie/state`), error: null };
  } catch (error) {
    if (error instanceof UserError) return { file: null, error: error.message };
    throw error;
  }
}

function isDue(previous: CompetitorsFile | null, now: number): boolean {
  if (!previous?.synced_at) return true;
  const last = Date.parse(previous.synced_at);
  const wait = previous.failures.length > 0 ? COMPETITOR_RETRY_MS : COMPETITOR_SYNC_INTERVAL_MS;
  return !Number.isFinite(last) || now - last >= wait;
}

/** Keeps the listing pages only: per-PR file lists are read once per PR change and would bloat the state. */
function listingPagesOnly(cache: EtagCache): EtagCache {
  return Object.fromEntries(Object.entries(cache).filter(([url]) => /\/pulls\?/.test(url)));
}

export async function watchCompetitors(session: ReadySession): Promise<WatchOutcome> {
  const { store, log } = session;
  const now = session.app.clock.now();
  const stored = storedCompetitors(store);
  if (stored.error) log.warn({ error: stored.error }, "competitors.json is damaged; syncing from scratch");
  const previous = stored.file;
  if (!isDue(previous, now)) return { kind: "not-due" };
  if (session.config.dryRun) {
    log.info("DRY-RUN: would sync competitors from openai/parameter-golf");
    return { kind: "dry-run" };
  }
  const cache = listingPagesOnly(parseEtagCache(store.text(GITHUB_CACHE_FILE) ?? "{}"));
  const github = githubReader(session.gh, { cache });
  const at = new Date(now).toISOString();
  let next: CompetitorsFile;
  try {
    next = await syncCompetitors({
      github,
      repo: UPSTREAM_REPO,
      previous: previous ?? emptyCompetitorsFile(),
      now: at,
    });
  } catch (error) {
    // syncCompetitors keeps GitHub trouble in `failures`; anything else is recorded the same way.
    const message = error instanceof Error ? error.message : String(error);
    next = { ...(previous ?? emptyCompetitorsFile()), synced_at: at, failures: [`sync failed: ${message}`] };
  }
  store.put(COMPETITORS_FILE, `${JSON.stringify(next, null, 2)}\n`);
  store.put(GITHUB_CACHE_FILE, `${JSON.stringify(listingPagesOnly(cache))}\n`);
  const outcome: WatchOutcome = {
    kind: "synced",
    competitors: next.competitors.length,
    requests: github.stats.requests,
    notModified: github.stats.notModified,
    failures: next.failures,
  };
  if (next.failures.length > 0) log.warn({ failures: next.failures }, "competitor sync had failures");
  log.info(
    { competitors: outcome.competitors, requests: outcome.requests, notModified: outcome.notModified },
    "competitors synced",
  );
  return outcome;
}
