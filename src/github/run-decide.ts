/**
 * Phase 2 of finished training runs (serialized per repository, batched): re-check each prepared run
 * against the bot state now, then through the engine keep (squash-merge) / discard (close) / crash, or
 * reject an unusable artifact; a would-be keep measured on a base that has since moved is re-run on the
 * new base instead. All decisions of a batch land in one caddie/state commit, each with what it owes
 * GitHub (bot-state.ts `Owed`), rendered now so any retry publishes the very same thing.
 */
import { askFix, fixId, logTail } from "../engine/ask-fix.ts";
import type { Decision } from "../core/decide.ts";
import { formatAnalysis } from "../core/notes.ts";
import { changeOf } from "../engine/change-of.ts";
import { experimentId } from "../engine/experiment-id.ts";
import { UserError } from "../core/user-error.ts";
import { bestKept } from "../engine/history.ts";
import { judgeMeasurement } from "../engine/judge.ts";
import { staleBase } from "../engine/stale-base.ts";
import type { Measurement } from "../engine/measure-outcome.ts";
import type { Proposal, RunOutcome } from "../engine/ports.ts";
import { settleRun } from "../engine/settle-run.ts";
import { autoPromote } from "./auto-promote.ts";
import type { Owed, PendingExperiment } from "./bot-state.ts";
import { checkPost, type CheckInput } from "./check-run.ts";
import { fenced, inline } from "../core/safe-markdown.ts";
import { ANALYSIS_MARKER, marker } from "./markers.ts";
import { dispatchTraining } from "./dispatch-training.ts";
import { openExperiment } from "./open-experiment.ts";
import { commitMessage } from "../engine/commit-message.ts";
import type { ReportRun } from "./render-report.ts";
import { stateView } from "./publish-owed.ts";
import type { ReadySession } from "./repo-session.ts";
import { rerunOnce } from "./rerun-workflow.ts";
import { runKey, skipReason } from "./run-prepare.ts";
import type { Decided, FinishedRun, Prepared, StateView } from "./run-types.ts";
import { runSeed } from "../core/run-seed.ts";
import { readAllowedFiles } from "../engine/read-allowed-files.ts";

export function proposalOf(exp: PendingExperiment): Proposal {
  return {
    description: exp.description,
    direction: exp.direction,
    reasoning: exp.reasoning,
    edits: [],
    ...(exp.config ? { config: exp.config } : {}),
  };
}

export function saveExperiment(session: ReadySession, id: string, exp: PendingExperiment): void {
  const bot = session.store.bot();
  session.store.setBot({ ...bot, experiments: { ...bot.experiments, [id]: exp } });
}

/** One run's line in the experiment's history (the sticky report is rendered from it). */
function historyEntry(
  exp: PendingExperiment,
  run: FinishedRun,
  fields: Pick<
    ReportRun,
    "valBpb" | "claimedValBpb" | "flags" | "artifactBytes" | "seconds" | "outcome" | "reason"
  >,
): ReportRun {
  return { runId: run.id, commit: exp.commit, tier: "proxy", ...fields, runUrl: run.htmlUrl };
}

/** What a decision owes GitHub, rendered now so a retry publishes the very same thing. */
function owe(
  id: string,
  exp: PendingExperiment,
  run: FinishedRun,
  key: string,
  input: Omit<CheckInput, "sha" | "experiment" | "detailsUrl">,
  rest: { analysis: string | null; close: boolean },
): Owed {
  // The check goes on the commit that was measured (the run itself ran the default branch's workflow).
  const check = checkPost({ ...input, sha: exp.commit, experiment: id, detailsUrl: run.htmlUrl });
  return { run: key, check, report: true, ...rest };
}

/** Decides a batch under the repository's lock, with one state commit. */
export async function decideRuns(session: ReadySession, items: Prepared[]): Promise<Decided[]> {
  const out: Decided[] = [];
  for (const item of items) out.push(await decideOne(session, item));
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
  for (const d of out) {
    if (d.kind !== "settled") continue;
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
  const skipped = skipReason(current, run);
  if (!current || skipped) return skipped ?? { kind: "ignored" };
  const exp: PendingExperiment = { ...current, runs: [...current.runs, item.key] };
  session.forge.bindPull(id, exp.pr);
  if (!item.result.ok || !item.measurement)
    return reject(session, id, exp, item, item.result.ok ? "no measurement" : item.result.error);
  const m = item.measurement;
  if (!exp.baseline) {
    const head = await session.forge.lineHead();
    if (staleBase(await wouldBe(session, m), exp.base, head) === "rerun")
      return rerunOnNewBase(session, id, exp, run, m, head);
  }
  return settle(session, id, exp, item, item.result.outcome, m);
}

/** An artifact that cannot be used: a failed check and a report saying why; the pull request stays open. */
function reject(
  session: ReadySession,
  id: string,
  exp: PendingExperiment,
  item: Prepared,
  error: string,
): Decided {
  const { run } = item;
  session.log.warn({ id, run: run.id, error }, "result artifact rejected");
  const next: PendingExperiment = {
    ...exp,
    history: [
      ...exp.history,
      historyEntry(exp, run, {
        valBpb: null,
        claimedValBpb: null,
        flags: [],
        artifactBytes: null,
        seconds: null,
        outcome: "rejected",
        reason: `${error}. Comment \`/rerun\` to train again or \`/discard\` to close.`,
      }),
    ],
    owed: owe(
      id,
      exp,
      run,
      item.key,
      {
        measurement: null,
        rejected: error,
        verdict: null,
        reason: error,
        incumbent: null,
        promotable: false,
      },
      { analysis: null, close: false },
    ),
  };
  saveExperiment(session, id, next);
  return { kind: "rejected", id, exp: next, run, error };
}

/** Keep, discard or crash through the engine (ledger, notes, merge or close). */
async function settle(
  session: ReadySession,
  id: string,
  exp: PendingExperiment,
  item: Prepared,
  outcome: RunOutcome,
  m: Measurement,
): Promise<Decided> {
  const { run } = item;
  const before = bestKept(await session.store.readLedger(), "proxy");
  const settled = await settleRun(session.deps, {
    id,
    index: exp.index,
    commit: exp.commit,
    proposal: proposalOf(exp),
    measurement: m,
    seconds: outcome.seconds,
    seed: runSeed(run.attempt),
    baseline: exp.baseline,
    ...(exp.baseline ? {} : await notOnProxyAlone(session, exp, m)),
  });
  const verdict = settled.decision.verdict;
  const again = exp.baseline && verdict === "keep" ? await repeatBaseline(session, run) : null;
  const better = m.valBpb !== null && before !== null && m.valBpb < before.valBpb;
  // A flagged run waits for a person: never merged or closed by the bot; `/keep` or `/discard` decide.
  const flagged = !exp.baseline && verdict === "discard" && m.flags.length > 0;
  const crashNote =
    verdict === "crash"
      ? `\n\n**Crash:** ${inline(m.summary.error ?? settled.decision.reason, 500)}\n\nLog tail:\n\n${fenced(logTail(outcome.logText), { max: 8000, keep: "tail" })}`
      : "";
  const next: PendingExperiment = {
    ...exp,
    status: again ? "open" : "settled",
    owed: owe(
      id,
      exp,
      run,
      item.key,
      {
        measurement: m,
        rejected: null,
        verdict,
        reason: again ?? settled.decision.reason,
        incumbent: exp.baseline ? null : (before?.valBpb ?? null),
        promotable: !exp.baseline && !flagged && (verdict === "keep" || (verdict === "discard" && better)),
      },
      {
        analysis: again
          ? null
          : `${fenced(formatAnalysis(settled.analysis))}${crashNote}\n\n${marker(ANALYSIS_MARKER, id)}`,
        // Discards and crashes close through the forge, the baseline when its last run is published.
        // A flagged run stays open for a person to decide.
        close: !flagged && ((exp.baseline && !again) || verdict !== "keep"),
      },
    ),
    history: [
      ...exp.history,
      historyEntry(exp, run, {
        valBpb: settled.row.val_bpb,
        claimedValBpb: settled.row.claimed_val_bpb,
        flags: settled.row.flags.map((f) => f.message),
        artifactBytes: settled.row.artifact_bytes,
        seconds: settled.row.seconds,
        outcome: verdict,
        reason: again ?? settled.decision.reason,
      }),
    ],
  };
  saveExperiment(session, id, next);
  return { kind: "settled", id, exp: next, run, measurement: m, settled, logText: outcome.logText };
}

/**
 * The baseline runs `thresholds.baseline_runs` times (each re-run of its workflow is a new attempt, so a
 * new seed: core/run-seed.ts) before any experiment is judged: that is the App's noise estimate.
 * Returns the line the report shows while it re-runs, or null when enough runs are in.
 */
async function repeatBaseline(session: ReadySession, run: FinishedRun): Promise<string | null> {
  const want = session.config.thresholds.baselineRuns;
  const rows = await session.store.readLedger();
  const have = rows.filter(
    (r) =>
      r.experiment === experimentId(0) && r.tier === "proxy" && r.status === "keep" && r.val_bpb !== null,
  ).length;
  if (have >= want) return null;
  await rerunOnce(session, run);
  return `baseline run ${have} of ${want} (seed ${runSeed(run.attempt)}): re-running on seed ${runSeed(run.attempt + 1)} to measure the run-to-run noise`;
}

/**
 * What the App cannot do yet, it does not pretend: a budget-coupled change (src/core/budget-coupling.ts)
 * needs a confirmation at a longer budget, which the experiment workflow cannot run, so it is not kept on
 * the proxy alone. A person can still /keep it, or /promote it to test it at full scale.
 */
async function notOnProxyAlone(
  session: ReadySession,
  exp: PendingExperiment,
  m: Measurement,
): Promise<{ decision?: Decision; changeClass: string; changeNote: string | null }> {
  const files = (commit: string) => readAllowedFiles(session.forge, commit, session.config.allow);
  const kind = changeOf(session.config, await files(exp.base), await files(exp.commit));
  const note = kind.coupling.coupled ? kind.coupling.reason : null;
  const base = { changeClass: kind.changeClass, changeNote: note };
  if (!kind.coupling.coupled) return base;
  const judged = judgeMeasurement(await session.store.readLedger(), session.config, "proxy", m);
  if (judged.verdict !== "keep") return base;
  return {
    ...base,
    decision: {
      verdict: "discard",
      reason: `not kept on the proxy alone: ${kind.coupling.reason}; the App cannot run the confirmation at a longer budget yet (the local loop does). On the proxy: ${judged.reason}. \`/keep\` keeps it anyway; \`/promote\` tests it at full scale.`,
      delta: judged.delta,
    },
  };
}

/** The decision the engine would take now, without recording it (to know whether a stale base matters). */
async function wouldBe(session: ReadySession, m: Measurement): Promise<Decision> {
  const rows = await session.store.readLedger();
  return judgeMeasurement(rows, session.config, "proxy", m);
}

async function rerunOnNewBase(
  session: ReadySession,
  id: string,
  exp: PendingExperiment,
  run: FinishedRun,
  m: Measurement,
  head: string,
): Promise<Decided> {
  let rebased: string | null;
  try {
    rebased = await session.forge.rebaseExperiment({
      id,
      commit: exp.commit,
      onto: head,
      message: commitMessage(id, proposalOf(exp)),
    });
  } catch (error) {
    // A change outside the allow-list is never carried onto the new line: the experiment closes instead.
    if (!(error instanceof UserError)) throw error;
    session.log.warn({ id, error: error.message }, "rebase refused");
    rebased = null;
  }
  const note = rebased
    ? `measured on \`${exp.base.slice(0, 7)}\`, but the research line has moved to \`${head.slice(0, 7)}\`: re-running on the new base before merging`
    : "the research line has moved and this change no longer applies on it: closed";
  let next: PendingExperiment = {
    ...exp,
    history: [
      ...exp.history,
      historyEntry(exp, run, {
        valBpb: m.valBpb,
        claimedValBpb: m.claimedValBpb,
        flags: m.flags.map((f) => f.message),
        artifactBytes: m.gate?.artifact_bytes ?? null,
        seconds: null,
        outcome: rebased ? "rerun" : "discard",
        reason: note,
      }),
    ],
  };
  next.owed = owe(
    id,
    exp,
    run,
    runKey(run),
    {
      measurement: m,
      rejected: null,
      verdict: rebased ? "re-run" : "closed",
      reason: note,
      incumbent: bestKept(await session.store.readLedger(), "proxy")?.valBpb ?? null,
      promotable: false,
    },
    { analysis: null, close: false },
  );
  // The rebased commit trains again: the App dispatches it (a push starts nothing on the runner).
  if (rebased) next = await dispatchTraining(session, id, { ...next, base: head, commit: rebased });
  else {
    await session.gh.rest.pulls.update({ ...session.repo, pull_number: exp.pr, state: "closed" });
    next = { ...next, status: "closed" };
  }
  saveExperiment(session, id, next);
  return { kind: "rerun", id, exp: next, run, measurement: m, note, rebased: rebased !== null };
}

/** One trivial-fix attempt after a crash (`askFix`, the loop's rule too), as its own experiment on the line head. */
async function tryFix(
  session: ReadySession,
  id: string,
  exp: PendingExperiment,
  logText: string,
  m: Measurement,
): Promise<void> {
  const fix = await askFix(
    { forge: session.forge, proposer: session.deps.proposer, config: session.config },
    { commit: exp.commit, proposal: proposalOf(exp), error: m.summary.error, logText },
  );
  if (!fix) return;
  const head = await session.forge.lineHead();
  await openExperiment(session, {
    id: fixId(id),
    index: exp.index,
    base: head,
    proposal: fix,
    baseline: false,
    fixOf: id,
  });
  await session.store.flush(`${fixId(id)}: fix attempt for ${id}`);
}
