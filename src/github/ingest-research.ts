/**
 * Research for the App: the tick workflow's optional research job runs `caddie research sync` on a GitHub
 * runner and uploads research.jsonl as the `caddie-research` artifact; on a cron tick, at most once per
 * interval, the App takes the newest such artifact of the tick workflow on the default branch and writes
 * research.jsonl to `caddie/state` in the tick's one compare-and-swap commit. The runner is outside our trust
 * boundary, so the artifact is size-capped and every line is re-parsed and re-sanitized
 * (sanitize-research-item.ts); bad lines are dropped and counted. An artifact is read once: its id is kept
 * in `research-artifact.json`, with what came of it. Nothing here throws: a missing or broken artifact is
 * logged and the tick goes on.
 */
import { sanitizeResearchItem } from "../research/sanitize-research-item.ts";
import { parseResearchItems, RESEARCH_FILE } from "../research/state-files.ts";
import type { ResearchItem } from "../research/types.ts";
import { downloadArtifact } from "./download-artifact.ts";
import type { GitHubStore } from "./github-store.ts";
import type { ReadySession } from "./repo-session.ts";
import { TICK_WORKFLOW_FILE } from "./workflows.ts";

/** The artifact name the tick workflow's research job uploads (.github/workflows/tick.yml). */
export const RESEARCH_ARTIFACT = "caddie-research";
/** Which artifact was read last, when, and what came of it (on `caddie/state`). */
export const RESEARCH_ARTIFACT_FILE = "research-artifact.json";
/**
 * The research job runs on every hourly tick and its artifact is read on a later one; 50 minutes lets each
 * hourly cron tick look once even when GitHub delays the schedule, while extra ticks in between do not.
 */
export const RESEARCH_INGEST_INTERVAL_MS = 50 * 60 * 1000;
/** A sync keeps at most 2,000 items (sync-research.ts); this leaves ample room, and no more. */
export const MAX_RESEARCH_BYTES = 16 * 1024 * 1024;
export const MAX_RESEARCH_ITEMS = 2000;

export interface ResearchArtifactRecord {
  version: 1;
  artifact_id: number;
  run_id: number;
  ingested_at: string;
  items: number;
  dropped_lines: number;
  /** Why the artifact was refused (nothing was written to research.jsonl); null when it was ingested. */
  error: string | null;
}

export type IngestOutcome =
  | { kind: "not-due" }
  | { kind: "dry-run" }
  | { kind: "none" }
  | { kind: "unchanged"; artifactId: number }
  | { kind: "ingested"; artifactId: number; items: number; droppedLines: number }
  | { kind: "refused"; artifactId: number; error: string }
  | { kind: "failed"; error: string };

/** The last record, or null when there is none or it is unreadable (the next artifact is then read anew). */
export function storedResearchArtifact(store: GitHubStore): ResearchArtifactRecord | null {
  const text = store.text(RESEARCH_ARTIFACT_FILE);
  if (text === undefined) return null;
  try {
    const parsed = JSON.parse(text) as Partial<ResearchArtifactRecord> | null;
    return parsed?.version === 1 &&
      typeof parsed.artifact_id === "number" &&
      typeof parsed.ingested_at === "string"
      ? (parsed as ResearchArtifactRecord)
      : null;
  } catch {
    return null;
  }
}

function isDue(previous: ResearchArtifactRecord | null, now: number): boolean {
  if (!previous) return true;
  const last = Date.parse(previous.ingested_at);
  return !Number.isFinite(last) || now - last >= RESEARCH_INGEST_INTERVAL_MS;
}

function isTickRun(path: string | null | undefined): boolean {
  return !!path && (path === TICK_WORKFLOW_FILE || path.startsWith(`${TICK_WORKFLOW_FILE}@`));
}

/** Every line through the shared parser, then rebuilt and re-sanitized; what fails either is dropped. */
export function readResearchArtifact(text: string): { items: ResearchItem[]; droppedLines: number } {
  const parsed = parseResearchItems(text);
  const items: ResearchItem[] = [];
  let dropped = parsed.badLines;
  const seen = new Set<string>();
  for (const raw of parsed.items) {
    const item = sanitizeResearchItem(raw);
    if (!item || seen.has(item.id) || items.length >= MAX_RESEARCH_ITEMS) dropped++;
    else {
      seen.add(item.id);
      items.push(item);
    }
  }
  return { items, droppedLines: dropped };
}

async function readArtifact(
  session: ReadySession,
  artifact: { id: number; name: string; expired: boolean; size_in_bytes: number },
): Promise<{ ok: true; items: ResearchItem[]; droppedLines: number } | { ok: false; error: string }> {
  if (artifact.size_in_bytes > MAX_RESEARCH_BYTES)
    return {
      ok: false,
      error: `the artifact is ${artifact.size_in_bytes} bytes (at most ${MAX_RESEARCH_BYTES})`,
    };
  const downloaded = await downloadArtifact(session.gh, session.repo, artifact);
  if (!downloaded.ok) return downloaded;
  const file = downloaded.files.get(RESEARCH_FILE);
  if (!file) return { ok: false, error: `the artifact has no ${RESEARCH_FILE}` };
  if (file.length > MAX_RESEARCH_BYTES)
    return { ok: false, error: `${RESEARCH_FILE} is ${file.length} bytes (at most ${MAX_RESEARCH_BYTES})` };
  const { items, droppedLines } = readResearchArtifact(file.toString("utf8"));
  if (items.length === 0)
    return { ok: false, error: `no readable item in ${RESEARCH_FILE} (${droppedLines} bad lines)` };
  return { ok: true, items, droppedLines };
}

export async function ingestResearch(session: ReadySession): Promise<IngestOutcome> {
  const { store, log, gh, repo } = session;
  const now = session.app.clock.now();
  const previous = storedResearchArtifact(store);
  if (!isDue(previous, now)) return { kind: "not-due" };
  if (session.config.dryRun) {
    log.info("DRY-RUN: would look for a new research artifact");
    return { kind: "dry-run" };
  }
  try {
    const listed = await gh.rest.actions.listArtifactsForRepo({
      ...repo,
      name: RESEARCH_ARTIFACT,
      per_page: 20,
    });
    // Only the default branch's runs: experiment pull requests run agent-written code and could upload
    // an artifact of the same name.
    const newest = listed.data.artifacts
      .filter(
        (a) =>
          a.name === RESEARCH_ARTIFACT &&
          !a.expired &&
          a.workflow_run?.head_branch === session.defaultBranch &&
          typeof a.workflow_run.id === "number",
      )
      .sort((a, b) => b.id - a.id)[0];
    if (!newest) return { kind: "none" };
    if (previous && newest.id <= previous.artifact_id) return { kind: "unchanged", artifactId: newest.id };
    const runId = newest.workflow_run?.id ?? 0;
    const run = await gh.rest.actions.getWorkflowRun({ ...repo, run_id: runId });
    const result = isTickRun(run.data.path)
      ? await readArtifact(session, newest)
      : { ok: false as const, error: `run ${runId} is not the tick workflow (${TICK_WORKFLOW_FILE})` };
    const record: ResearchArtifactRecord = {
      version: 1,
      artifact_id: newest.id,
      run_id: runId,
      ingested_at: new Date(now).toISOString(),
      items: result.ok ? result.items.length : 0,
      dropped_lines: result.ok ? result.droppedLines : 0,
      error: result.ok ? null : result.error,
    };
    // Recorded either way, so a refused artifact is not downloaded again on every tick.
    store.put(RESEARCH_ARTIFACT_FILE, `${JSON.stringify(record, null, 2)}\n`);
    if (!result.ok) {
      log.warn(
        { artifact: newest.id, error: result.error },
        "research artifact refused; research.jsonl kept",
      );
      return { kind: "refused", artifactId: newest.id, error: result.error };
    }
    store.put(RESEARCH_FILE, result.items.map((i) => `${JSON.stringify(i)}\n`).join(""));
    if (result.droppedLines > 0)
      log.warn(
        { artifact: newest.id, droppedLines: result.droppedLines },
        "research artifact had bad lines; dropped",
      );
    log.info({ artifact: newest.id, items: result.items.length }, "research ingested");
    return {
      kind: "ingested",
      artifactId: newest.id,
      items: result.items.length,
      droppedLines: result.droppedLines,
    };
  } catch (error) {
    // GitHub trouble (listing, the run, the download): nothing recorded, so a later cron tick tries again.
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ error: message }, "could not read the research artifact; trying on a later tick");
    return { kind: "failed", error: message };
  }
}
