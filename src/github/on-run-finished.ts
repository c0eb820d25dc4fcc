/**
 * A training workflow run finished. Three phases, so many results at once stay fast:
 * 1. prepare (run-prepare.ts, in parallel): fetch the result artifact and measure it;
 * 2. decide (run-decide.ts, serialized per repository, batched): keep / discard / crash / reject / re-run,
 *    one state commit per batch;
 * 3. publish (run-publish.ts, in parallel): the check, the report, the ANALYSIS comment, the close.
 * The webhook path runs them apart (webhook-workflow-run.ts); this runs all three in one go, for callers
 * that already hold the repository's lock (the reconciler).
 */
import type { ReadySession } from "./repo-session.ts";
import { decideRuns, saveExperiment } from "./run-decide.ts";
import { prepareRun } from "./run-prepare.ts";
import type { Decided, FinishedRun } from "./run-types.ts";
import { publishRun } from "./run-publish.ts";

export async function handleRun(session: ReadySession, run: FinishedRun): Promise<Decided> {
  const prepared = await prepareRun(session, run);
  if (prepared.kind !== "prepared") return prepared;
  const [decided] = await decideRuns(session, [prepared]);
  const d: Decided = decided ?? { kind: "ignored" };
  const left = await publishRun(session, d);
  // Under the lock: what landed is no longer owed (written with the caller's next flush).
  if (d.kind !== "ignored" && d.kind !== "duplicate") {
    const exp = session.store.bot().experiments[d.id];
    if (exp) saveExperiment(session, d.id, { ...exp, owed: left });
  }
  return d;
}
