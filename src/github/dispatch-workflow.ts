/**
 * Starts one of caddie's workflows the only way the App starts work on a runner: a `workflow_dispatch` of
 * the workflow file on the default branch (so the definition that runs is the reviewed one, never a pull
 * request's), with the inputs it needs (which PR, which commit to check out as data). The dispatch is
 * recorded with the run it created, by id: GitHub returns it (`return_run_details`); where it does not
 * (older GitHub Enterprise Server), the run is looked up among the workflow's runs that the App itself
 * triggered after the dispatch and that no other dispatch holds. `verify-run.ts` and this id are what
 * make a finished run trusted.
 */
import type { Dispatch } from "./bot-state.ts";
import type { ReadySession } from "./repo-session.ts";

export type { Dispatch } from "./bot-state.ts";

/** How long a dispatched run may take to appear in the run list (GHES fallback). */
const FIND_TRIES = 5;
const FIND_WAIT_MS = 1000;

/**
 * The oldest run of `file` that the App triggered by dispatch on the default branch since `at`, and that
 * none of `taken` holds; null when there is none yet.
 */
export async function findDispatchedRun(
  session: ReadySession,
  file: string,
  at: string,
  taken: ReadonlySet<number>,
): Promise<number | null> {
  const bot = await session.app.botLogin();
  const since = new Date(Date.parse(at) - 5000).toISOString();
  const runs = await session.gh.rest.actions.listWorkflowRuns({
    ...session.repo,
    workflow_id: file,
    event: "workflow_dispatch",
    branch: session.defaultBranch,
    created: `>=${since}`,
    per_page: 50,
  });
  const mine = runs.data.workflow_runs
    .filter((r) => r.triggering_actor?.login === bot && !taken.has(r.id))
    .sort((a, b) => a.id - b.id);
  return mine[0]?.id ?? null;
}

export async function dispatchWorkflow(
  session: ReadySession,
  input: { file: string; inputs: Record<string, string>; sha: string; taken: ReadonlySet<number> },
): Promise<Dispatch> {
  const at = new Date(session.app.clock.now()).toISOString();
  const res = await session.gh.request(
    "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
    {
      ...session.repo,
      workflow_id: input.file,
      ref: session.defaultBranch,
      inputs: input.inputs,
      return_run_details: true,
    },
  );
  const data = res.data as { workflow_run_id?: unknown } | undefined;
  if (typeof data?.workflow_run_id === "number") return { runId: data.workflow_run_id, at, sha: input.sha };
  for (let i = 0; i < FIND_TRIES; i++) {
    const found = await findDispatchedRun(session, input.file, at, input.taken);
    if (found !== null) return { runId: found, at, sha: input.sha };
    await new Promise((resolve) => setTimeout(resolve, FIND_WAIT_MS));
  }
  session.log.warn(
    { file: input.file },
    "dispatched, but the run has not appeared yet; the reconciler pairs it",
  );
  return { runId: null, at, sha: input.sha };
}
