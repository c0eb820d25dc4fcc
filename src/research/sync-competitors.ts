/**
 * Polls openai/parameter-golf pull requests (open, merged and closed) and parses the record folders they add.
 * Incremental: PRs are listed newest-updated first with conditional requests, listing stops at PRs already
 * processed, and a PR is read again only when its `updated_at` moved. One broken PR never stops the others:
 * it is recorded in `skipped` (or `failures` for network trouble) and retried on the next sync.
 */
import { recordScore, type RecordFiles, type RecordFlag } from "../core/record-score.ts";
import { recordTechniques } from "../core/record-techniques.ts";
import { sanitizeUntrusted } from "../core/sanitize.ts";
import { competitorSota } from "./competitor-sota.ts";
import { isLogFile } from "./read-record-folder.ts";
import { GitHubRateLimitError, type GitHubReader } from "./github-reader.ts";
import type { Competitor, CompetitorsFile, PullState, SkippedRecord } from "./types.ts";

export interface PullSummary {
  number: number;
  title: string;
  author: string | null;
  state: PullState;
  merged_at: string | null;
  updated_at: string;
}

interface PullFile {
  filename: string;
  status: string;
  sha: string;
}

export interface SyncCompetitorsOptions {
  github: GitHubReader;
  /** "openai/parameter-golf". */
  repo: string;
  previous: CompetitorsFile;
  /** ISO time of this sync (passed in: no clock reads inside). */
  now: string;
  /** PRs read per sync at most (each costs 1-4 requests); the rest waits for the next sync. */
  maxPulls?: number;
}

export function emptyCompetitorsFile(): CompetitorsFile {
  return { version: 1, synced_at: null, sota: null, competitors: [], skipped: [], seen: {}, failures: [] };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function projectPulls(body: unknown): PullSummary[] {
  if (!Array.isArray(body)) throw new Error("pull request list is not an array");
  return body.filter(isObject).map((p) => {
    const user = isObject(p.user) ? p.user : {};
    const merged = typeof p.merged_at === "string" ? p.merged_at : null;
    return {
      number: Number(p.number),
      title: typeof p.title === "string" ? p.title : "",
      author: typeof user.login === "string" ? user.login : null,
      state: merged ? "merged" : p.state === "open" ? "open" : "closed",
      merged_at: merged,
      updated_at: typeof p.updated_at === "string" ? p.updated_at : "",
    };
  });
}

function projectFiles(body: unknown): PullFile[] {
  if (!Array.isArray(body)) throw new Error("pull request file list is not an array");
  return body.filter(isObject).map((f) => ({
    filename: String(f.filename ?? ""),
    status: String(f.status ?? ""),
    sha: String(f.sha ?? ""),
  }));
}

function decodeBlob(body: unknown): string {
  if (!isObject(body) || typeof body.content !== "string") throw new Error("blob has no content");
  if (body.encoding === "base64") return Buffer.from(body.content, "base64").toString("utf8");
  return body.content;
}

/** Groups a PR's files by record folder: `records/<track>/<folder>/...`. */
function recordFolders(files: PullFile[]): Map<string, PullFile[]> {
  const folders = new Map<string, PullFile[]>();
  for (const f of files) {
    const m = /^(records\/[^/]+\/[^/]+)\/(.+)$/.exec(f.filename);
    if (!m || f.status === "removed") continue;
    const folder = m[1] ?? "";
    folders.set(folder, [...(folders.get(folder) ?? []), { ...f, filename: m[2] ?? "" }]);
  }
  return folders;
}

// Logs are fetched only for a folder whose README and submission file state no score, and few of them.
const MAX_LOGS = 3;

async function readFolder(
  github: GitHubReader,
  repo: string,
  folder: string,
  files: PullFile[],
): Promise<RecordFiles> {
  const blob = async (sha: string) => decodeBlob(await github.get(`/repos/${repo}/git/blobs/${sha}`));
  const readme = files.find((f) => f.filename.toLowerCase() === "readme.md");
  const submissions = files.filter((f) => /^submission[^/]*\.json$/i.test(f.filename));
  return {
    folder,
    readme: readme ? await blob(readme.sha) : null,
    submissions: await Promise.all(
      submissions.map(async (f) => ({ name: f.filename, text: await blob(f.sha) })),
    ),
    files: files.map((f) => f.filename),
  };
}

/** The folder's score; its training logs are read (a few blobs more) only when nothing else states one. */
async function scoreFolder(github: GitHubReader, repo: string, folder: string, files: PullFile[]) {
  const read = await readFolder(github, repo, folder, files);
  const parsed = recordScore(read);
  const logFiles = files.filter((f) => isLogFile(f.filename)).slice(0, MAX_LOGS);
  if (parsed.ok || logFiles.length === 0) return parsed;
  const logs = await Promise.all(
    logFiles.map(async (f) => ({
      name: f.filename,
      text: decodeBlob(await github.get(`/repos/${repo}/git/blobs/${f.sha}`)),
    })),
  );
  return recordScore({ ...read, logs });
}

async function readPull(
  github: GitHubReader,
  repo: string,
  pull: PullSummary,
): Promise<{ competitors: Competitor[]; skipped: SkippedRecord[] }> {
  const files = await github.list(`/repos/${repo}/pulls/${pull.number}/files?per_page=100`, projectFiles, {
    maxPages: 30,
  });
  const competitors: Competitor[] = [];
  const skipped: SkippedRecord[] = [];
  for (const [folder, folderFiles] of recordFolders(files)) {
    const parsed = await scoreFolder(github, repo, folder, folderFiles);
    if (!parsed.ok) {
      skipped.push({ pr_number: pull.number, folder, reason: parsed.reason });
      continue;
    }
    const flags: RecordFlag[] = [...parsed.record.flags];
    if (pull.state !== "merged") flags.push("unmerged");
    const title = sanitizeUntrusted(pull.title, { maxLength: 300 });
    const fromTitle = recordTechniques(title);
    const summary =
      parsed.record.summary === null ? null : sanitizeUntrusted(parsed.record.summary, { maxLength: 1000 });
    competitors.push({
      ...parsed.record,
      name: parsed.record.name === null ? null : sanitizeUntrusted(parsed.record.name, { maxLength: 300 }),
      summary,
      flags,
      pr_number: pull.number,
      pr_title: title,
      pr_author: pull.author,
      state: pull.state,
      merged_at: pull.merged_at,
      updated_at: pull.updated_at,
      folder,
      record_track: folder.startsWith("records/track_10min_16mb/"),
      techniques: fromTitle.length ? fromTitle : recordTechniques(parsed.record.name ?? ""),
    });
  }
  return { competitors, skipped };
}

/** One sync: returns the new file content; never throws for GitHub trouble (it lands in `failures`). */
export async function syncCompetitors(options: SyncCompetitorsOptions): Promise<CompetitorsFile> {
  const { github, repo, previous } = options;
  const maxPulls = options.maxPulls ?? 100;
  const seen = { ...previous.seen };
  let competitors = [...previous.competitors];
  let skipped = [...previous.skipped];
  const failures: string[] = [];
  const isDone = (p: PullSummary) => seen[String(p.number)] === p.updated_at;

  // After a sync that stopped early (PRs left for later, a rate limit), older pages may hold PRs never read
  // although newer pages are all done: list every page then (unchanged pages answer 304).
  const resume = previous.failures.length > 0;
  let pulls: PullSummary[] = [];
  try {
    // Newest-updated first: once a whole page is already processed, older pages are too.
    pulls = await github.list(
      `/repos/${repo}/pulls?state=all&sort=updated&direction=desc&per_page=100`,
      projectPulls,
      { stop: (page) => !resume && page.length > 0 && page.every(isDone) },
    );
  } catch (error) {
    failures.push(`listing pull requests: ${error instanceof Error ? error.message : String(error)}`);
  }

  const todo = pulls.filter((p) => Number.isInteger(p.number) && !isDone(p));
  if (todo.length > maxPulls) failures.push(`${todo.length - maxPulls} pull requests left for the next sync`);
  for (const pull of todo.slice(0, maxPulls)) {
    try {
      const result = await readPull(github, repo, pull);
      competitors = competitors.filter((c) => c.pr_number !== pull.number).concat(result.competitors);
      skipped = skipped.filter((s) => s.pr_number !== pull.number).concat(result.skipped);
      seen[String(pull.number)] = pull.updated_at;
    } catch (error) {
      failures.push(`PR #${pull.number}: ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof GitHubRateLimitError) break;
    }
  }

  competitors.sort((a, b) => a.val_bpb - b.val_bpb || a.pr_number - b.pr_number);
  return {
    version: 1,
    synced_at: options.now,
    sota: competitorSota(competitors),
    competitors,
    skipped,
    seen,
    failures,
  };
}
