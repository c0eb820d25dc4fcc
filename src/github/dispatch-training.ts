/**
 * Training starts only here: the App dispatches the experiment workflow from the default branch with the
 * experiment's pull request and commit, and records the run it created on the experiment (bot.json), so
 * the finished run is paired by id. A dispatch that fails (the workflow not committed yet, GitHub down)
 * leaves the experiment without one; the reconciler dispatches it on a later cron tick.
 */
import { takenRunIds, type PendingExperiment } from "./bot-state.ts";
import { httpStatus } from "./github-client.ts";
import { dispatchWorkflow } from "./dispatch-workflow.ts";
import type { ReadySession } from "./repo-session.ts";
import { EXPERIMENT_WORKFLOW_FILE } from "./workflows.ts";

/** Returns the experiment with the dispatch recorded (unchanged when the dispatch failed). */
export async function dispatchTraining(
  session: ReadySession,
  id: string,
  exp: PendingExperiment,
): Promise<PendingExperiment> {
  try {
    const dispatch = await dispatchWorkflow(session, {
      file: EXPERIMENT_WORKFLOW_FILE,
      inputs: { pr: String(exp.pr), sha: exp.commit },
      sha: exp.commit,
      taken: takenRunIds(session.store.bot()),
    });
    return { ...exp, dispatches: [...(exp.dispatches ?? []), dispatch] };
  } catch (error) {
    const status = httpStatus(error);
    session.log.warn(
      { id, status, error: error instanceof Error ? error.message : String(error) },
      status === 404
        ? `cannot dispatch ${EXPERIMENT_WORKFLOW_FILE}: is it committed on the default branch (caddie init)?`
        : "training dispatch failed; the reconciler retries it on a later cron tick",
    );
    return exp;
  }
}
