/**
 * The reconciler, run on every cron tick: re-derives pending work from GitHub itself, so a restart or a
 * missed webhook loses nothing. Open experiments whose pull request a human closed are marked closed;
 * finished training runs that were never turned into a decision are handled now, finished promotion
 * runs that were never read back are settled now, and decisions whose check run, report, ANALYSIS comment
 * or close did not land (bot-state.ts `Owed`) are published now, each piece confirmed on GitHub first.
 */
import { onPromotionFinished } from "./on-promotion-finished.ts";
import { handleRun } from "./on-run-finished.ts";
import { publishOwed, stateView } from "./publish-owed.ts";
import type { ReadySession } from "./repo-session.ts";
import { isExperimentRun, isPromoteRun } from "./workflows.ts";

/** Finished promotion runs not yet matched with a dispatched promotion, oldest first. */
async function reconcilePromotions(session: ReadySession): Promise<void> {
  const { store, gh, repo, log } = session;
  const waiting = () => Object.values(store.bot().promotions).some((p) => p.state === "dispatched");
  if (!waiting()) return;
  const bound = new Set(Object.values(store.bot().promotions).map((p) => p.runId));
  const runs = await gh.rest.actions.listWorkflowRunsForRepo({
    ...repo,
    event: "workflow_dispatch",
    status: "completed",
    per_page: 30,
  });
  const finished = runs.data.workflow_runs
    .filter((r) => isPromoteRun(r) && !bound.has(r.id))
    .sort((a, b) => a.id - b.id);
  for (const run of finished) {
    if (!waiting()) break;
    log.info({ run: run.id }, "reconcile: a finished promotion run was never read back");
    await onPromotionFinished(session, {
      id: run.id,
      conclusion: run.conclusion,
      htmlUrl: run.html_url,
      title: run.display_title,
    });
  }
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
    const runs = await gh.rest.actions.listWorkflowRunsForRepo({
      ...repo,
      head_sha: exp.commit,
      status: "completed",
      per_page: 20,
    });
    const finished = runs.data.workflow_runs
      .filter((r) => isExperimentRun(r) && r.head_sha === exp.commit)
      .sort((a, b) => b.id - a.id)[0];
    if (!finished || exp.runs.includes(`${finished.id}:${finished.run_attempt ?? 1}`)) continue;
    log.info({ id, run: finished.id }, "reconcile: a finished run was never handled");
    await handleRun(session, {
      id: finished.id,
      attempt: finished.run_attempt ?? 1,
      headSha: finished.head_sha,
      headBranch: finished.head_branch ?? "",
      conclusion: finished.conclusion,
      htmlUrl: finished.html_url,
    });
  }
  await store.flush("reconcile");
}
