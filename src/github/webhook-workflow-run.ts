/**
 * `workflow_run.completed`: only runs of caddie's workflows, and of those only runs the App dispatched
 * (verify-run.ts: event, repository not a fork, workflow on the default branch, triggered by the App),
 * are read. A promotion run is read back under the lock (a promotion-workflow run the App did not dispatch
 * is recorded as unbudgeted spend); an experiment run goes through prepare (no lock, in parallel), decide
 * (batched under the lock), publish (once the results arriving now are decided, so checks and reports
 * never hold decisions back), then one refill tick. A research run is read on the next cron tick.
 */
import type { Context } from "probot";
import { Batcher } from "./batcher.ts";
import { onPromotionFinished, promotionRun } from "./on-promotion-finished.ts";
import { refill } from "./refill.ts";
import {
  handled,
  locked,
  ready,
  readConfig,
  sessionFor,
  type AppRuntime,
  type ReadySession,
  type RepoSession,
} from "./repo-session.ts";
import { decideRuns } from "./run-decide.ts";
import { prepareRun } from "./run-prepare.ts";
import type { Decided, FinishedRun } from "./run-types.ts";
import { publishRun } from "./run-publish.ts";
import { openReady, reportSetupError, withConfig, type Unready } from "./with-config.ts";
import { SetupError } from "../core/user-error.ts";
import { verifyRun } from "./verify-run.ts";
import { EXPERIMENT_WORKFLOW_FILE, isRunOf, PROMOTE_WORKFLOW_FILE, trustedRunRule } from "./workflows.ts";

type Run = Context<"workflow_run.completed">["payload"]["workflow_run"];

export async function onWorkflowRun(
  app: AppRuntime,
  context: Context<"workflow_run.completed">,
): Promise<void> {
  const run = context.payload.workflow_run;
  if (isRunOf(run, PROMOTE_WORKFLOW_FILE)) {
    const session = sessionFor(app, context);
    const finished = promotionRun(run, await trustedRunRule(session, PROMOTE_WORKFLOW_FILE));
    await locked(session, async () => {
      handled(session, "promotion", await withConfig(session, (r) => onPromotionFinished(r, finished)));
    });
    return;
  }
  if (!isRunOf(run, EXPERIMENT_WORKFLOW_FILE)) return;
  const session = sessionFor(app, context);
  const verdict = verifyRun(run, await trustedRunRule(session, EXPERIMENT_WORKFLOW_FILE));
  if (!verdict.ok) {
    session.log.warn({ run: run.id, reason: verdict.reason }, "training run not started by the App: ignored");
    handled(session, "workflow_run", "untrusted");
    return;
  }
  await onExperimentRun(session, run);
}

function finishedRun(run: Run): FinishedRun {
  return {
    id: run.id,
    attempt: run.run_attempt ?? 1,
    conclusion: run.conclusion,
    htmlUrl: run.html_url,
  };
}

/** The repository's batch of decisions: whoever gets the lock next decides all that are waiting. */
function decisions(session: RepoSession) {
  const runtime = session.runtime;
  runtime.decisions ??= new Batcher(session.app.lock, runtime.key, async (items) => {
    const first = items[0]?.session;
    if (!first) return [];
    // A fresh store under the lock: the batch decides against the latest state.
    const fresh = await ready(first, first.config, first.program);
    return decideRuns(
      fresh,
      items.map((i) => i.prepared),
    );
  });
  return runtime.decisions;
}

/** The session when caddie can act, checked without the lock; else the outcome of reporting why not. */
async function usable(session: RepoSession): Promise<ReadySession | Unready> {
  const loaded = await readConfig(session);
  if (loaded.kind === "ok") {
    try {
      const r = await ready(session, loaded.config, loaded.program);
      if (r.store.bot().configErrorFor === null) return r;
    } catch (error) {
      if (!(error instanceof SetupError)) throw error;
    }
  }
  // A problem (or one reported before): sorted out under the lock, where it is reported once.
  return locked(session, () => openReady(session));
}

/** Prepares and decides one run; a setup problem met on the way is reported once instead. */
async function decideRun(
  session: RepoSession,
  run: Run,
): Promise<{ r: ReadySession; decided: Decided } | Unready> {
  const r = await usable(session);
  if (typeof r === "string") return r;
  try {
    const prepared = await prepareRun(r, finishedRun(run));
    const decided =
      prepared.kind === "prepared" ? await decisions(session).submit({ session: r, prepared }) : prepared;
    return { r, decided };
  } catch (error) {
    // The proposer's model or key failed while deciding: the reconciler decides the run once it is fixed.
    if (!(error instanceof SetupError)) throw error;
    await locked(session, () => reportSetupError(r, error));
    return "config error";
  }
}

async function onExperimentRun(session: RepoSession, run: Run): Promise<void> {
  const busy = session.runtime.busy;
  busy.enter();
  let outcome: Awaited<ReturnType<typeof decideRun>>;
  try {
    outcome = await decideRun(session, run);
  } finally {
    busy.leave();
  }
  if (typeof outcome === "string") {
    handled(session, "workflow_run", outcome);
    return;
  }
  const { r, decided } = outcome;
  // Checks and reports wait until the results arriving now are decided: decisions first.
  await busy.whenIdle();
  await publishRun(r, decided);
  handled(session, "workflow_run", decided.kind);
  if (decided.kind === "settled" || decided.kind === "rerun") await refill(session);
}
