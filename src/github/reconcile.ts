/**
 * The reconciler, run on every cron tick: re-derives pending work from GitHub itself, so a restart or a
 * missed webhook loses nothing. Open experiments whose pull request a human closed are marked closed;
 * finished training runs that were never turned into a decision are handled now.
 */
import { handleRun } from "./on-run-finished.ts";
import type { ReadySession } from "./repo-session.ts";
import { isExperimentRun } from "./workflows.ts";

export async function reconcile(session: ReadySession): Promise<void> {
  const { store, gh, repo, log } = session;
  const open = Object.entries(store.bot().experiments).filter(([, e]) => e.status === "open");
  if (open.length === 0) return;
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
