/**
 * Names shared by the bot and the workflows `caddie init` writes into a user's repository. The App starts
 * the experiment, promotion and research workflows itself (workflow_dispatch on the default branch) and
 * trusts a finished run only when it is one of those dispatches (verify-run.ts); ticks come by
 * repository_dispatch of TICK_EVENT from the cron workflow.
 */
import type { ReadySession, RepoSession } from "./repo-session.ts";
import type { TrustedRunRule } from "./verify-run.ts";

/** File names under .github/workflows/ (a workflow_dispatch names its workflow by file). */
export const EXPERIMENT_WORKFLOW_FILE = "caddie-experiment.yml";
export const PROMOTE_WORKFLOW_FILE = "caddie-promote.yml";
export const RESEARCH_WORKFLOW_FILE = "caddie-research.yml";
export const TICK_WORKFLOW_FILE = "caddie-tick.yml";
export const TICK_EVENT = "caddie-tick";

/** The path GitHub reports for a workflow run (`workflow_run.path`). */
export function workflowPath(file: string): string {
  return `.github/workflows/${file}`;
}

/** True when `path` (as a run reports it) is the workflow `file`, on whatever ref. */
export function isRunOf(run: { path?: string | null }, file: string): boolean {
  const path = run.path ?? "";
  return path === workflowPath(file) || path.startsWith(`${workflowPath(file)}@`);
}

/** The rule a run of `file` must pass before the App reads anything it produced. */
export async function trustedRunRule(
  session: RepoSession | ReadySession,
  file: string,
): Promise<TrustedRunRule> {
  return {
    repo: session.repo,
    workflowFile: file,
    defaultBranch: session.defaultBranch,
    botLogin: await session.app.botLogin(),
  };
}
