/**
 * A training workflow run finished. Three phases, so many results at once stay fast:
 * 1. prepare (in parallel): fetch the result artifact (untrusted) and measure it with the shared parser
 *    and gate;
 * 2. decide (serialized per repository, batched): re-validate, then through the engine keep (squash-merge)
 *    / discard (close) / crash; a would-be keep measured on a base that has since moved is re-run on the
 *    new base instead; all decisions of a batch land in one caddie/state commit;
 * 3. publish (in parallel): the `caddie / proxy` check, the sticky report, the ANALYSIS comment (with the
 *    error and log tail for a crash).
 */
import { decide } from "../core/decide.ts";
import type { LedgerRow } from "../core/ledger.ts";
import { formatAnalysis } from "../core/notes.ts";
import { experimentId } from "../engine/experiment-id.ts";
import { bestKept, keepThreshold } from "../engine/history.ts";
import { measureOutcome, type Measurement } from "../engine/measure-outcome.ts";
import type { Proposal } from "../engine/ports.ts";
import { settleRun, type Settled } from "../engine/settle-run.ts";
import { autoPromote } from "./auto-promote.ts";
import type { PendingExperiment } from "./bot-state.ts";
import { publishCheck } from "./check-run.ts";
import { fetchRunResult, type RunResult } from "./fetch-run-result.ts";
import { experimentOfBranch } from "./github-forge.ts";
import { fenced, inline } from "./markdown.ts";
import { commitMessage, openExperiment } from "./open-experiment.ts";
import { renderReport } from "./render-report.ts";
import { upsertReport } from "./report-comment.ts";
import type { ReadySession } from "./repo-session.ts";

export interface FinishedRun {
  id: number;
  attempt: number;
  headSha: string;
  headBranch: string;
  conclusion: string | null;
  htmlUrl: string | null;
}

export interface Prepared {
  kind: "prepared";
  run: FinishedRun;
  id: string;
  key: string;
  result: RunResult;
  measurement: Measurement | null;
}

/** The state right after the batch's commit, for rendering the reports. */
export interface StateView {
  rows: LedgerRow[];
  competitors: string | undefined;
}

export type Decided =
  | { kind: "ignored" }
  | { kind: "duplicate" }
  | {
      kind: "rejected";
      id: string;
      exp: PendingExperiment;
      run: FinishedRun;
      error: string;
      view?: StateView;
    }
  | {
      kind: "rerun";
      id: string;
      exp: PendingExperiment;
      run: FinishedRun;
      measurement: Measurement;
      note: string;
      rebased: boolean;
      view?: StateView;
    }
  | {
      kind: "settled";
      id: string;
      exp: PendingExperiment;
      run: FinishedRun;
      measurement: Measurement;
      settled: Settled;
      logText: string;
      view?: StateView;
    };

const LOG_TAIL_LINES = 30;

function proposalOf(exp: PendingExperiment): Proposal {
  return {
    description: exp.description,
    direction: exp.direction,
    reasoning: exp.reasoning,
    edits: [],
    ...(exp.config ? { config: exp.config } : {}),
  };
}

function save(session: ReadySession, id: string, exp: PendingExperiment): void {
  const bot = session.store.bot();
  session.store.setBot({ ...bot, experiments: { ...bot.experiments, [id]: exp } });
}

function tail(text: string): string {
  return text.replace(/\r\n?/g, "\n").trimEnd().split("\n").slice(-LOG_TAIL_LINES).join("\n");
}

/** Which experiment and run this is, and whether it still needs a decision (`current` = bot state now). */
function match(
  exp: PendingExperiment | undefined,
  run: FinishedRun,
  key: string,
): "ok" | "ignored" | "duplicate" {
  if (!exp) return "ignored";
  if (exp.runs.includes(key)) return "duplicate";
  // A run of an older commit (the branch moved since) or of a settled experiment changes nothing.
  if (exp.status !== "open" || run.headSha !== exp.commit) return "ignored";
  return "ok";
}

function skip(state: "ok" | "ignored" | "duplicate"): Decided {
  return state === "duplicate" ? { kind: "duplicate" } : { kind: "ignored" };
}

/** Phase 1: fetch and measure (no lock held). */
export async function prepareRun(session: ReadySession, run: FinishedRun): Promise<Prepared | Decided> {
  const id = experimentOfBranch(run.headBranch);
  const exp = id ? session.store.bot().experiments[id] : undefined;
  const key = `${run.id}:${run.attempt}`;
  const state = match(exp, run, key);
  if (!id || !exp || state !== "ok") return skip(state);
  const codeText = await session.forge.readFile(exp.commit, session.config.target);
  const result = await fetchRunResult(session.gh, session.repo, { runId: run.id, codeText });
  const measurement = result.ok
    ? measureOutcome(result.outcome, {
        limitBytes: session.config.limitBytes,
        metricPattern: session.config.metricPattern,
      })
    : null;
  return { kind: "prepared", run, id, key, result, measurement };
}

/** Phase 2: decide a batch under the repository's lock, with one state commit. */
export async function decideRuns(session: ReadySession, items: Prepared[]): Promise<Decided[]> {
  const out: Decided[] = [];
  for (const item of items) out.push(await decideOne(session, item));
  const settled = out.filter((d): d is Extract<Decided, { kind: "settled" }> => d.kind === "settled");
  await session.store.flush(
    `decisions: ${out.map((d) => ("id" in d ? `${d.id} ${d.kind === "settled" ? d.settled.decision.verdict : d.kind}` : d.kind)).join(", ")}`,
  );
  for (const d of out) {
    if (d.kind === "settled") session.app.onDecision?.(d.id, d.settled.decision.verdict);
    if (d.kind === "rerun") session.app.onDecision?.(d.id, d.rebased ? "rerun" : "closed");
  }
  // Discards recorded in this batch close their pull requests together, once the decisions are on record
  // (keeps merge inline: the next decision's stale-base check needs the moved line).
  await session.forge.closePending();
  const view: StateView = {
    rows: await session.store.readLedger(),
    competitors: session.store.text("competitors.json"),
  };
  for (const d of out) if (d.kind !== "ignored" && d.kind !== "duplicate") d.view = view;
  for (const d of settled) {
    if (d.settled.decision.verdict === "crash" && !d.exp.baseline && d.exp.fixOf === null)
      await tryFix(session, d.id, d.exp, d.logText, d.measurement);
    if (d.settled.decision.verdict === "keep" && !d.exp.baseline)
      await autoPromote(session, {
        id: d.id,
        pr: d.exp.pr,
        row: d.settled.row,
        gateOk: d.measurement.gate?.ok ?? false,
      });
  }
  return out;
}

async function decideOne(session: ReadySession, item: Prepared): Promise<Decided> {
  const { id, run } = item;
  const current = session.store.bot().experiments[id];
  const state = match(current, run, item.key);
  if (!current || state !== "ok") return skip(state);
  let exp: PendingExperiment = { ...current, runs: [...current.runs, item.key] };
  session.forge.bindPull(id, exp.pr);
  if (!item.result.ok || !item.measurement) {
    const error = item.result.ok ? "no measurement" : item.result.error;
    session.log.warn({ id, run: run.id, error }, "result artifact rejected");
    exp.history = [
      ...exp.history,
      {
        runId: run.id,
        commit: exp.commit,
        tier: "proxy",
        valBpb: null,
        artifactBytes: null,
        seconds: null,
        outcome: "rejected",
        reason: `${error}. Comment \`/rerun\` to train again or \`/discard\` to close.`,
        runUrl: run.htmlUrl,
      },
    ];
    save(session, id, exp);
    return { kind: "rejected", id, exp, run, error };
  }
  const m = item.measurement;
  if (!exp.baseline && (await wouldKeep(session, m))) {
    const head = await session.forge.lineHead();
    if (head !== exp.base) return rerunOnNewBase(session, id, exp, run, m, head);
  }
  const outcome = item.result.outcome;
  const settled = await settleRun(session.deps, {
    id,
    index: exp.index,
    commit: exp.commit,
    proposal: proposalOf(exp),
    summary: m.summary,
    gate: m.gate,
    seconds: outcome.seconds,
    seed: null,
    baseline: exp.baseline,
  });
  const verdict = settled.decision.verdict;
  exp = {
    ...exp,
    status: "settled",
    history: [
      ...exp.history,
      {
        runId: run.id,
        commit: exp.commit,
        tier: "proxy",
        valBpb: settled.row.val_bpb,
        artifactBytes: settled.row.artifact_bytes,
        seconds: settled.row.seconds,
        outcome: verdict,
        reason: settled.decision.reason,
        runUrl: run.htmlUrl,
      },
    ],
  };
  save(session, id, exp);
  return { kind: "settled", id, exp, run, measurement: m, settled, logText: outcome.logText };
}

/** The decision the engine would take now, without recording it (to know whether a stale base matters). */
async function wouldKeep(session: ReadySession, m: Measurement): Promise<boolean> {
  const rows = await session.store.readLedger();
  const incumbent = bestKept(rows, "proxy");
  const threshold = keepThreshold(rows, session.config, "proxy", experimentId(0));
  return (
    decide({
      status: m.summary.status,
      valBpb: m.summary.val_bpb,
      gateOk: m.gate?.ok ?? false,
      error: m.summary.error,
      incumbent: incumbent?.valBpb ?? null,
      threshold,
    }).verdict === "keep"
  );
}

async function rerunOnNewBase(
  session: ReadySession,
  id: string,
  exp: PendingExperiment,
  run: FinishedRun,
  m: Measurement,
  head: string,
): Promise<Decided> {
  const rebased = await session.forge.rebaseExperiment({
    id,
    commit: exp.commit,
    onto: head,
    message: commitMessage(id, proposalOf(exp)),
  });
  const note = rebased
    ? `measured on \`${exp.base.slice(0, 7)}\`, but the research line has moved to \`${head.slice(0, 7)}\`: re-running on the new base before merging`
    : "the research line has moved and this change no longer applies on it: closed";
  let next: PendingExperiment = {
    ...exp,
    history: [
      ...exp.history,
      {
        runId: run.id,
        commit: exp.commit,
        tier: "proxy",
        valBpb: m.summary.val_bpb,
        artifactBytes: m.gate?.artifact_bytes ?? null,
        seconds: null,
        outcome: rebased ? "rerun" : "discard",
        reason: note,
        runUrl: run.htmlUrl,
      },
    ],
  };
  if (rebased) next = { ...next, base: head, commit: rebased };
  else {
    await session.gh.rest.pulls.update({ ...session.repo, pull_number: exp.pr, state: "closed" });
    next = { ...next, status: "closed" };
  }
  save(session, id, next);
  return { kind: "rerun", id, exp: next, run, measurement: m, note, rebased: rebased !== null };
}

/** One trivial-fix attempt after a crash, as its own experiment (`exp-007-fix`) on the current line head. */
async function tryFix(
  session: ReadySession,
  id: string,
  exp: PendingExperiment,
  logText: string,
  m: Measurement,
): Promise<void> {
  const files: Record<string, string> = {};
  for (const path of session.config.allow) {
    const text = await session.forge.readFile(exp.commit, path);
    if (text !== null) files[path] = text;
  }
  const fix = await session.deps.proposer.fix({
    proposal: proposalOf(exp),
    files,
    error: m.summary.error ?? "crashed",
    logTail: tail(logText),
  });
  if (!fix) return;
  const head = await session.forge.lineHead();
  await openExperiment(session, {
    id: `${id}-fix`,
    index: exp.index,
    base: head,
    proposal: fix,
    baseline: false,
    fixOf: id,
  });
  await session.store.flush(`${id}-fix: fix attempt for ${id}`);
}

/** Phase 3: what the humans see; writes nothing to caddie/state, so it needs no lock. */
export async function publishRun(session: ReadySession, d: Decided): Promise<void> {
  if (d.kind === "ignored" || d.kind === "duplicate") return;
  const { id, exp, run } = d;
  const base = { sha: run.headSha, experiment: id, detailsUrl: run.htmlUrl };
  if (d.kind === "rejected")
    await publishCheck(session, {
      ...base,
      summary: null,
      gate: null,
      rejected: d.error,
      verdict: null,
      reason: d.error,
    });
  else if (d.kind === "rerun")
    await publishCheck(session, {
      ...base,
      summary: d.measurement.summary,
      gate: d.measurement.gate,
      rejected: null,
      verdict: d.rebased ? "re-run" : "discard",
      reason: d.note,
    });
  else
    await publishCheck(session, {
      ...base,
      summary: d.measurement.summary,
      gate: d.measurement.gate,
      rejected: null,
      verdict: d.settled.decision.verdict,
      reason: d.settled.decision.reason,
    });
  await publishReport(
    session,
    id,
    exp,
    d.view ?? { rows: await session.store.readLedger(), competitors: session.store.text("competitors.json") },
  );
  if (d.kind !== "settled") return;
  const verdict = d.settled.decision.verdict;
  const crashNote =
    verdict === "crash"
      ? `\n\n**Crash:** ${inline(d.measurement.summary.error ?? d.settled.decision.reason, 500)}\n\nLog tail:\n\n${fenced(tail(d.logText))}`
      : "";
  await session.gh.rest.issues.createComment({
    ...session.repo,
    issue_number: exp.pr,
    body: `${fenced(formatAnalysis(d.settled.analysis))}${crashNote}`,
  });
  // The baseline measures the line itself: nothing to merge.
  if (exp.baseline)
    await session.gh.rest.pulls.update({ ...session.repo, pull_number: exp.pr, state: "closed" });
}

async function publishReport(
  session: ReadySession,
  id: string,
  exp: PendingExperiment,
  view: StateView,
): Promise<void> {
  const incumbent = bestKept(
    view.rows.filter((r) => r.experiment !== id),
    "proxy",
  );
  let sota: { valBpb: number; label: string } | null = null;
  const competitors = view.competitors;
  if (competitors) {
    try {
      const parsed = JSON.parse(competitors) as { sota?: { val_bpb: number; pr_number: number } | null };
      if (parsed.sota)
        sota = { valBpb: parsed.sota.val_bpb, label: `openai/parameter-golf#${parsed.sota.pr_number}` };
    } catch {
      sota = null;
    }
  }
  await upsertReport(
    session,
    id,
    exp.pr,
    renderReport({
      experiment: id,
      description: exp.description,
      runs: exp.history,
      incumbent,
      sota,
      limitBytes: session.config.limitBytes,
    }),
    exp.history.length <= 1,
  );
}

/** All three phases in one go, for callers that already hold the repository's lock (the reconciler). */
export async function handleRun(session: ReadySession, run: FinishedRun): Promise<Decided> {
  const prepared = await prepareRun(session, run);
  if (prepared.kind !== "prepared") return prepared;
  const [decided] = await decideRuns(session, [prepared]);
  const d: Decided = decided ?? { kind: "ignored" };
  await publishRun(session, d);
  return d;
}
