/**
 * Research for the App, when the config says `research: true` (otherwise nothing here runs at all): on a
 * cron tick, at most once per interval, the App dispatches the research workflow (caddie-research.yml,
 * from the default branch: it runs `caddie research sync` read-only and uploads research.jsonl as the
 * `caddie-research` artifact) and records the run it created. On a later tick, once that very run has
 * finished and passed verify-run.ts (dispatched by the App, on the default branch, not a fork), its
 * artifact is read (never another run's, never by branch name) and research.jsonl is written to
 * `caddie/state` in the tick's one compare-and-swap commit. The runner is outside our trust boundary, so
 * the artifact is size-capped and every line is re-parsed and re-sanitized (sanitize-research-item.ts);
 * bad lines are dropped and counted. What came of each run is kept in `research-artifact.json`. Nothing
 * here throws: a missing or broken artifact is logged and the tick goes on.
 */
import { sanitizeResearchItem } from "../research/sanitize-research-item.ts";
import { parseResearchItems, RESEARCH_FILE } from "../research/state-files.ts";
import type { ResearchItem } from "../research/types.ts";
import { takenRunIds } from "./bot-state.ts";
import { dispatchLost, dispatchWorkflow, findDispatchedRun } from "./dispatch-workflow.ts";
import { downloadArtifact } from "./download-artifact.ts";
import type { GitHubStore } from "./github-store.ts";
import type { ReadySession } from "./repo-session.ts";
import { verifyRun } from "./verify-run.ts";
import { RESEARCH_WORKFLOW_FILE, trustedRunRule } from "./workflows.ts";

/** The artifact name the research workflow uploads (.github/workflows/research.yml). */
export const RESEARCH_ARTIFACT = "caddie-research";
/** Which artifact was read last, when, and what came of it (on `caddie/state`). */
export const RESEARCH_ARTIFACT_FILE = "research-artifact.json";
/**
 * A research run is dispatched on an hourly cron tick and read on a later one; 50 minutes lets each hourly
 * tick act once even when GitHub delays the schedule, while extra ticks in between do not.
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
  | { kind: "off" }
  | { kind: "not-due" }
  | { kind: "dispatched"; runId: number | null }
  | { kind: "running"; runId: number | null }
  | { kind: "dry-run" }
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

function record(store: GitHubStore, rec: ResearchArtifactRecord): void {
  store.put(RESEARCH_ARTIFACT_FILE, `${JSON.stringify(rec, null, 2)}\n`);
}

export async function ingestResearch(session: ReadySession): Promise<IngestOutcome> {
  const { store, log, gh, repo } = session;
  if (!session.config.research) return { kind: "off" };
  const now = session.app.clock.now();
  if (session.config.dryRun) {
    log.info("DRY-RUN: would dispatch or read the research run");
    return { kind: "dry-run" };
  }
  try {
    const pending = store.bot().research ?? null;
    if (!pending) {
      if (!isDue(storedResearchArtifact(store), now)) return { kind: "not-due" };
      const dispatch = await dispatchWorkflow(session, {
        file: RESEARCH_WORKFLOW_FILE,
        inputs: {},
        sha: "",
        taken: takenRunIds(store.bot()),
      });
      store.setBot({ ...store.bot(), research: dispatch });
      return { kind: "dispatched", runId: dispatch.runId };
    }
    let runId = pending.runId;
    if (runId === null) {
      runId = await findDispatchedRun(session, RESEARCH_WORKFLOW_FILE, pending.at, takenRunIds(store.bot()));
      if (runId === null) {
        // A dispatch whose lost answer never started a run: forgotten, so a later tick dispatches anew.
        if (dispatchLost(pending, now)) store.setBot({ ...store.bot(), research: null });
        return { kind: "running", runId: null };
      }
      store.setBot({ ...store.bot(), research: { ...pending, runId } });
    }
    const run = (await gh.rest.actions.getWorkflowRun({ ...repo, run_id: runId })).data;
    if (run.status !== "completed") return { kind: "running", runId };
    // The run is consumed now, whatever it holds: the next due tick dispatches a fresh one.
    store.setBot({ ...store.bot(), research: null });
    const verdict = verifyRun(run, await trustedRunRule(session, RESEARCH_WORKFLOW_FILE));
    const listed = verdict.ok
      ? await gh.rest.actions.listWorkflowRunArtifacts({ ...repo, run_id: runId, name: RESEARCH_ARTIFACT })
      : null;
    const artifact = listed?.data.artifacts.find((a) => a.name === RESEARCH_ARTIFACT && !a.expired);
    const result = !verdict.ok
      ? { ok: false as const, error: verdict.reason }
      : !artifact
        ? { ok: false as const, error: `run ${runId} uploaded no '${RESEARCH_ARTIFACT}' artifact` }
        : await readArtifact(session, artifact);
    record(store, {
      version: 1,
      artifact_id: artifact?.id ?? 0,
      run_id: runId,
      ingested_at: new Date(now).toISOString(),
      items: result.ok ? result.items.length : 0,
      dropped_lines: result.ok ? result.droppedLines : 0,
      error: result.ok ? null : result.error,
    });
    if (!result.ok) {
      log.warn({ run: runId, error: result.error }, "research run refused; research.jsonl kept");
      return { kind: "refused", artifactId: artifact?.id ?? 0, error: result.error };
    }
    store.put(RESEARCH_FILE, result.items.map((i) => `${JSON.stringify(i)}\n`).join(""));
    if (result.droppedLines > 0)
      log.warn({ run: runId, droppedLines: result.droppedLines }, "research artifact had bad lines; dropped");
    log.info({ run: runId, items: result.items.length }, "research ingested");
    return {
      kind: "ingested",
      artifactId: artifact?.id ?? 0,
      items: result.items.length,
      droppedLines: result.droppedLines,
    };
  } catch (error) {
    // GitHub trouble (dispatch, the run, the download): nothing recorded, so a later cron tick tries again.
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ error: message }, "could not dispatch or read the research run; trying on a later tick");
    return { kind: "failed", error: message };
  }
}
