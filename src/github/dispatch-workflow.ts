/**
 * Starts one of caddie's workflows the only way the App starts work on a runner: a `workflow_dispatch` of
 * the workflow file on the default branch (so the definition that runs is the reviewed one, never a pull
 * request's), with the inputs it needs (which PR, which commit to check out as data). The dispatch is
 * recorded with the run it created, by id: GitHub returns it (`return_run_details`); where it does not
 * (older GitHub Enterprise Server), the run is looked up among the workflow's runs that the App itself
 * triggered after the dispatch and that no other dispatch holds. `verify-run.ts` and this id are what
 * make a finished run trusted.
 *
 * A dispatch is a one-shot write (a second one is a second run, for a promotion a second paid one): it is
 * never re-sent blindly. When its answer is lost (a 5xx, a reset, no answer) the run is looked for
 * instead, and the dispatch is recorded as unconfirmed; only when no run has appeared within
 * `DISPATCH_WINDOW_MS` did it certainly not land (`dispatchLost`), and may be sent again.
 */
import type { Dispatch } from "./bot-state.ts";
import { httpStatus } from "./github-client.ts";
import type { ReadySession } from "./repo-session.ts";
import { uncertain } from "./write-once.ts";

export type { Dispatch } from "./bot-state.ts";

/** How long a dispatched run may take to appear in the run list (GHES fallback). */
const FIND_TRIES = 5;
const FIND_WAIT_MS = 1000;

/**
 * GitHub lists a dispatched run (queued) as soon as it accepts the dispatch; an unconfirmed dispatch with
 * no run after this long never landed.
 */
export const DISPATCH_WINDOW_MS = 10 * 60_000;

/** True for an unconfirmed dispatch that has shown no run within its window: it never landed. */
export function dispatchLost(dispatch: Dispatch, nowMs: number): boolean {
  return (
    dispatch.unconfirmed !== undefined &&
    dispatch.runId === null &&
    nowMs - Date.parse(dispatch.at) > DISPATCH_WINDOW_MS
  );
}

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
  let unconfirmed: string | undefined;
  try {
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
  } catch (error) {
    if (!uncertain(error)) throw error;
    unconfirmed = `GitHub did not confirm the dispatch (${httpStatus(error) ?? "no answer"})`;
    session.log.warn({ file: input.file }, `${unconfirmed}: looking for its run instead of sending it again`);
  }
  const dispatch = (runId: number | null): Dispatch => ({
    runId,
    at,
    sha: input.sha,
    ...(unconfirmed ? { unconfirmed } : {}),
  });
  for (let i = 0; i < FIND_TRIES; i++) {
    const found = await findDispatchedRun(session, input.file, at, input.taken);
    if (found !== null) return dispatch(found);
    await new Promise((resolve) => setTimeout(resolve, session.app.writes.baseDelayMs ?? FIND_WAIT_MS));
  }
  session.log.warn(
    { file: input.file },
    "dispatched, but the run has not appeared yet; the reconciler pairs it",
  );
  return dispatch(null);
}
