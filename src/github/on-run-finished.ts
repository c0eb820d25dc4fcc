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
import { formatAnalysis } from "../core/notes.ts";
import { bestKept } from "../engine/history.ts";
import { judgeMeasurement } from "../engine/judge.ts";
import { measureOutcome, type Measurement } from "../engine/measure-outcome.ts";
import type { Proposal } from "../engine/ports.ts";
import { settleRun, type Settled } from "../engine/settle-run.ts";
import { autoPromote } from "./auto-promote.ts";
import type { Owed, PendingExperiment } from "./bot-state.ts";
import { checkPost, type CheckInput } from "./check-run.ts";
import { fetchRunResult, type RunResult } from "./fetch-run-result.ts";
import { experimentOfBranch } from "./github-forge.ts";
import { fenced, inline } from "./markdown.ts";
import { ANALYSIS_MARKER, marker } from "./markers.ts";
import { commitMessage, openExperiment } from "./open-experiment.ts";
import { publishOwed, stateView, type StateView } from "./publish-owed.ts";
import type { ReadySession } from "./repo-session.ts";

export type { StateView } from "./publish-owed.ts";

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

/** What a decision owes GitHub, rendered now so a retry publishes the very same thing. */
function owe(
  id: string,
  run: FinishedRun,
  key: string,
  input: Omit<CheckInput, "sha" | "experiment" | "detailsUrl">,
  rest: { analysis: string | null; close: boolean },
): Owed {
  const check = checkPost({ ...input, sha: run.headSha, experiment: id, detailsUrl: run.htmlUrl });
  return { run: key, check, report: true, ...rest };
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
  const unclosed = await session.forge.closePending();
  if (unclosed.length > 0)
    session.log.warn({ prs: unclosed }, "closing failed; the reconciler retries it on the next tick");
  // The baseline closes when published; a discard the forge just closed owes no close any more.
  for (const [i, d] of out.entries()) {
    const owed = "exp" in d ? d.exp.owed : null;
    if (d.kind === "settled" && owed?.close && !d.exp.baseline && !unclosed.includes(d.exp.pr))
      out[i] = { ...d, exp: { ...d.exp, owed: { ...owed, close: false } } };
  }
  const view: StateView = await stateView(session);
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
    exp.owed = owe(
      id,
      run,
      item.key,
      { summary: null, gate: null, rejected: error, verdict: null, reason: error, promotable: false },
      { analysis: null, close: false },
    );
    save(session, id, exp);
    return { kind: "rejected", id, exp, run, error };
  }
  const m = item.measurement;
  if (!exp.baseline && (await wouldKeep(session, m))) {
    const head = await session.forge.lineHead();
    if (head !== exp.base) return rerunOnNewBase(session, id, exp, run, m, head);
  }
  const outcome = item.result.outcome;
  const before = bestKept(await session.store.readLedger(), "proxy");
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
  const better = m.summary.val_bpb !== null && before !== null && m.summary.val_bpb < before.valBpb;
  const crashNote =
    verdict === "crash"
      ? `\n\n**Crash:** ${inline(m.summary.error ?? settled.decision.reason, 500)}\n\nLog tail:\n\n${fenced(tail(outcome.logText))}`
      : "";
  exp = {
    ...exp,
    status: "settled",
    owed: owe(
      id,
      run,
      item.key,
      {
        summary: m.summary,
        gate: m.gate,
        rejected: null,
        verdict,
        reason: settled.decision.reason,
        promotable: !exp.baseline && (verdict === "keep" || (verdict === "discard" && better)),
      },
      {
        analysis: `${fenced(formatAnalysis(settled.analysis))}${crashNote}\n\n${marker(ANALYSIS_MARKER, id)}`,
        // Discards and crashes close through the forge, the baseline when published: either way, closed.
        close: exp.baseline || verdict !== "keep",
      },
    ),
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
  return judgeMeasurement(rows, session.config, "proxy", m).verdict === "keep";
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
  next.owed = owe(
    id,
    run,
    `${run.id}:${run.attempt}`,
    {
      summary: m.summary,
      gate: m.gate,
      rejected: null,
      verdict: rebased ? "re-run" : "discard",
      reason: note,
      promotable: false,
    },
    { analysis: null, close: false },
  );
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

/**
 * Phase 3: what the humans see, from what the decision recorded as owed. Writes nothing to caddie/state,
 * so it needs no lock; returns what is still owed (failed writes), for a caller holding the lock to record.
 */
export async function publishRun(session: ReadySession, d: Decided): Promise<Owed | null> {
  if (d.kind === "ignored" || d.kind === "duplicate") return null;
  const owed = d.exp.owed;
  if (!owed) return null;
  return publishOwed(session, {
    id: d.id,
    exp: d.exp,
    owed,
    view: d.view ?? (await stateView(session)),
    confirm: false,
  });
}

/** All three phases in one go, for callers that already hold the repository's lock (the reconciler). */
export async function handleRun(session: ReadySession, run: FinishedRun): Promise<Decided> {
  const prepared = await prepareRun(session, run);
  if (prepared.kind !== "prepared") return prepared;
  const [decided] = await decideRuns(session, [prepared]);
  const d: Decided = decided ?? { kind: "ignored" };
  const left = await publishRun(session, d);
  // Under the lock: what landed is no longer owed (written with the caller's next flush).
  if (d.kind !== "ignored" && d.kind !== "duplicate") {
    const exp = session.store.bot().experiments[d.id];
    if (exp) save(session, d.id, { ...exp, owed: left });
  }
  return d;
}
