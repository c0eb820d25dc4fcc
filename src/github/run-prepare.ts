/**
 * Phase 1 of a finished training run (no lock held, many in parallel): which experiment it is (the one
 * whose recorded dispatch created this run id; the caller has verified the run is the App's), whether it
 * still needs a decision, then the result artifact (untrusted) fetched and measured with the shared parser
 * and gate, caddie's score taken from the scoring step's block and the flags recomputed.
 */
import { committedCodeBytes } from "../engine/committed-code-bytes.ts";
import { measureOptions, measureOutcome } from "../engine/measure-outcome.ts";
import { experimentOfRun, type PendingExperiment } from "./bot-state.ts";
import { claimReference } from "../core/claim-gap.ts";
import { fetchRunResult } from "./fetch-run-result.ts";
import type { ReadySession } from "./repo-session.ts";
import type { FinishedRun, Prepared, Skipped } from "./run-types.ts";

/** The idempotency key of one run attempt. */
export function runKey(run: FinishedRun): string {
  return `${run.id}:${run.attempt}`;
}

/** Null when the run still needs a decision against `exp` (the bot state now), else why not. */
export function skipReason(exp: PendingExperiment | undefined, run: FinishedRun): Skipped | null {
  if (!exp) return { kind: "ignored" };
  if (exp.runs.includes(runKey(run))) return { kind: "duplicate" };
  // Paired by the run id the dispatch recorded; a run of an older commit (the experiment was rebased
  // since) or of a settled experiment changes nothing.
  const dispatch = (exp.dispatches ?? []).find((d) => d.runId === run.id);
  if (!dispatch || exp.status !== "open" || dispatch.sha !== exp.commit) return { kind: "ignored" };
  return null;
}

export async function prepareRun(session: ReadySession, run: FinishedRun): Promise<Prepared | Skipped> {
  const found = experimentOfRun(session.store.bot(), run.id);
  const id = found?.id;
  const exp = found?.exp;
  const skipped = skipReason(exp, run);
  if (!id || !exp || skipped) return skipped ?? { kind: "ignored" };
  const codeBytes = await committedCodeBytes(session.forge, exp.commit, session.config.target);
  const result = await fetchRunResult(session.gh, session.repo, { runId: run.id, codeBytes });
  const measurement = result.ok
    ? measureOutcome(
        result.outcome,
        { codeBytes: result.codeBytes, score: result.score },
        // The App trains parameter-golf forks on FineWeb: the proxy tier's plausible floor applies.
        {
          ...measureOptions(session.config),
          claimReference: claimReference(await session.store.readLedger(), "proxy", id),
          tier: "proxy",
        },
      )
    : null;
  return { kind: "prepared", run, id, key: runKey(run), result, measurement };
}
