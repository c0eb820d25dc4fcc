/**
 * The reconciler, run on every cron tick: re-derives pending work from GitHub itself, so a restart or a
 * missed webhook loses nothing. Open experiments whose pull request a human closed are marked closed;
 * finished training runs that were never turned into a decision are handled now, finished promotion
 * runs that were never read back are settled now, and decisions whose check run, report, ANALYSIS comment
 * or close did not land (bot-state.ts `Owed`) are published now, each piece confirmed on GitHub first.
 */
import { takenRunIds, type Promotion } from "./bot-state.ts";
import { dispatchTraining } from "./dispatch-training.ts";
import { dispatchLost, findDispatchedRun } from "./dispatch-workflow.ts";
import { releaseSpend } from "../core/spend-ledger.ts";
import { editSpend } from "./promote.ts";
import { PROMOTION_MARKER } from "./markers.ts";
import { postComment } from "./post-comment.ts";
import { short } from "./markdown.ts";
import { httpStatus } from "./github-client.ts";
import { onPromotionFinished, promotionRun } from "./on-promotion-finished.ts";
import { handleRun } from "./on-run-finished.ts";
import { publishOwed, stateView } from "./publish-owed.ts";
import type { ReadySession } from "./repo-session.ts";
import { verifyRun } from "./verify-run.ts";
import { EXPERIMENT_WORKFLOW_FILE, PROMOTE_WORKFLOW_FILE, trustedRunRule } from "./workflows.ts";

/** A run by id, or null when GitHub no longer has it. */
async function getRun(session: ReadySession, runId: number) {
  try {
    return (await session.gh.rest.actions.getWorkflowRun({ ...session.repo, run_id: runId })).data;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/**
 * Promotions: each dispatched promotion's own run (by the id its dispatch recorded, or found now when
 * GitHub did not return one) is read back once finished; then every finished promotion-workflow run that
 * no promotion holds is checked as possible unbudgeted spend.
 */
async function reconcilePromotions(session: ReadySession): Promise<void> {
  const { store, gh, repo, log } = session;
  const rule = await trustedRunRule(session, PROMOTE_WORKFLOW_FILE);
  for (const p of Object.values(store.bot().promotions)) {
    if (p.state !== "dispatched") continue;
    let runId = p.runId;
    if (runId === null && p.dispatchedAt) {
      runId = await findDispatchedRun(
        session,
        PROMOTE_WORKFLOW_FILE,
        p.dispatchedAt,
        takenRunIds(store.bot()),
      );
      if (runId === null) {
        const dispatch = {
          runId,
          at: p.dispatchedAt,
          sha: p.sha,
          ...(p.unconfirmed ? { unconfirmed: p.unconfirmed } : {}),
        };
        if (dispatchLost(dispatch, session.app.clock.now())) await releaseLost(session, p);
        continue;
      }
      const bot = store.bot();
      store.setBot({ ...bot, promotions: { ...bot.promotions, [p.key]: { ...p, runId } } });
    }
    const run = runId === null ? null : await getRun(session, runId);
    if (run?.status !== "completed") continue;
    log.info({ run: run.id }, "reconcile: a finished promotion run was never read back");
    await onPromotionFinished(session, promotionRun(run, rule));
  }
  let runs;
  try {
    runs = await gh.rest.actions.listWorkflowRuns({
      ...repo,
      workflow_id: PROMOTE_WORKFLOW_FILE,
      status: "completed",
      per_page: 30,
    });
  } catch (error) {
    if (httpStatus(error) === 404) return; // no promotion workflow in this repository
    throw error;
  }
  const taken = takenRunIds(store.bot());
  for (const run of runs.data.workflow_runs.filter((r) => !taken.has(r.id)).sort((a, b) => a.id - b.id))
    await onPromotionFinished(session, promotionRun(run, rule));
}

/**
 * A promotion whose dispatch's answer was lost and that never showed a run: it never landed, so nothing
 * can be billed; its reservation is released and the pull request told (a new `/promote` sends it again).
 */
async function releaseLost(session: ReadySession, p: Promotion): Promise<void> {
  const { store, log } = session;
  const reason = `${p.unconfirmed ?? "the dispatch was not confirmed"}, and no run appeared: it never started`;
  log.warn({ key: p.key }, `promotion ${reason}; releasing its reservation`);
  editSpend(
    store,
    (ledger) => releaseSpend(ledger, p.key, { nowMs: session.app.clock.now(), reason }).ledger,
  );
  const bot = store.bot();
  store.setBot({
    ...bot,
    promotions: { ...bot.promotions, [p.key]: { ...p, state: "released", costUsd: 0 } },
  });
  await store.flush(`promotion released: ${p.experiment} @ ${short(p.sha)}`);
  await postComment(session, {
    issue: p.pr,
    body: `**8xH100 promotion of \`${short(p.sha)}\`**: ${reason}. Its reservation is released; comment \`/promote\` to send it again.`,
    marker: { name: PROMOTION_MARKER, value: `${p.key} released` },
  });
}

/** Decided experiments that still owe GitHub something: publish what is missing, exactly once. */
async function reconcilePublishing(session: ReadySession): Promise<void> {
  const { store, log } = session;
  const owing = Object.entries(store.bot().experiments).filter(([, e]) => e.owed);
  if (owing.length === 0) return;
  const view = await stateView(session);
  for (const [id, exp] of owing) {
    if (!exp.owed) continue;
    log.info({ id, run: exp.owed.run }, "reconcile: confirming what the decision published");
    const left = await publishOwed(session, { id, exp, owed: exp.owed, view, confirm: true });
    const bot = store.bot();
    const now = bot.experiments[id];
    if (now) store.setBot({ ...bot, experiments: { ...bot.experiments, [id]: { ...now, owed: left } } });
  }
}

export async function reconcile(session: ReadySession): Promise<void> {
  const { store, gh, repo, log } = session;
  await reconcilePromotions(session);
  await reconcilePublishing(session);
  const open = Object.entries(store.bot().experiments).filter(([, e]) => e.status === "open");
  if (open.length === 0) {
    await store.flush("reconcile");
    return;
  }
  const pulls = await gh.paginate(gh.rest.pulls.list, {
    ...repo,
    state: "open",
    base: session.config.researchLine,
    per_page: 100,
  });
  const openNumbers = new Set(pulls.map((p) => p.number));
  for (const [id, exp] of open) {
    if (!openNumbers.has(exp.pr)) {
      log.info({ id, pr: exp.pr }, "reconcile: the pull request was closed outside the bot");
      const bot = store.bot();
      store.setBot({ ...bot, experiments: { ...bot.experiments, [id]: { ...exp, status: "closed" } } });
      continue;
    }
    await reconcileTraining(session, id);
  }
  await store.flush("reconcile");
}

/**
 * One open experiment's training: dispatched if it never was (the dispatch failed), its dispatched run
 * found if GitHub did not return the id, and its finished run handled if no webhook brought it.
 */
async function reconcileTraining(session: ReadySession, id: string): Promise<void> {
  const { store, log } = session;
  const save = (exp: NonNullable<ReturnType<typeof store.bot>["experiments"][string]>) => {
    const bot = store.bot();
    store.setBot({ ...bot, experiments: { ...bot.experiments, [id]: exp } });
  };
  let exp = store.bot().experiments[id];
  if (!exp) return;
  const dispatches = (exp.dispatches ?? []).filter((d) => d.sha === exp?.commit);
  if (dispatches.length === 0) {
    log.info({ id }, "reconcile: training was never dispatched; dispatching it");
    save(await dispatchTraining(session, id, exp));
    return;
  }
  const last = dispatches.at(-1);
  if (!last) return;
  let runId = last.runId;
  if (runId === null) {
    runId = await findDispatchedRun(session, EXPERIMENT_WORKFLOW_FILE, last.at, takenRunIds(store.bot()));
    if (runId === null) {
      // Sent again only once its lost answer has certainly not started a run.
      if (dispatchLost(last, session.app.clock.now())) {
        log.info({ id }, "reconcile: the training dispatch never landed; dispatching it again");
        save(await dispatchTraining(session, id, exp));
      }
      return;
    }
    exp = { ...exp, dispatches: (exp.dispatches ?? []).map((d) => (d === last ? { ...d, runId } : d)) };
    save(exp);
  }
  const run = await getRun(session, runId);
  if (run?.status !== "completed") return;
  if (exp.runs.includes(`${run.id}:${run.run_attempt ?? 1}`)) return;
  const verdict = verifyRun(run, await trustedRunRule(session, EXPERIMENT_WORKFLOW_FILE));
  if (!verdict.ok) {
    log.warn({ id, reason: verdict.reason }, "reconcile: the dispatched run is not one the App started");
    return;
  }
  log.info({ id, run: run.id }, "reconcile: a finished run was never handled");
  await handleRun(session, {
    id: run.id,
    attempt: run.run_attempt ?? 1,
    conclusion: run.conclusion,
    htmlUrl: run.html_url,
  });
}
