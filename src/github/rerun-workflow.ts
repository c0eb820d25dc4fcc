/**
 * Re-runs a finished workflow run once: re-running is not idempotent, so after an uncertain answer the
 * run is looked at first (a re-run that landed shows as a newer attempt, or as not completed).
 */
import type { RepoSession } from "./repo-session.ts";
import { writeOnce } from "./write-once.ts";

export async function rerunOnce(session: RepoSession, run: { id: number; attempt: number }): Promise<void> {
  const { gh, repo } = session;
  await writeOnce(
    async () => {
      await gh.rest.actions.reRunWorkflow({ ...repo, run_id: run.id });
      return true;
    },
    async () => {
      const now = await gh.rest.actions.getWorkflowRun({ ...repo, run_id: run.id });
      return (now.data.run_attempt ?? 1) > run.attempt || now.data.status !== "completed" ? true : null;
    },
    session.app.writes,
  );
}
