/**
 * Whether a workflow run the App reads back is one the App itself started: the one rule for training
 * runs, promotion runs and research runs alike (see docs/SECURITY.md, "Runs the App trusts").
 *
 * A run is trusted only when all of these hold, each read from GitHub's own record of the run:
 * - event `workflow_dispatch` (a `pull_request` run executes the workflow file of the PR's merge commit,
 *   so anything could have run there);
 * - the repository is this one, and the head repository is the same repository (not a fork);
 * - the workflow file is the expected one, on the default branch (`path`, and `head_branch`);
 * - the triggering actor is the App (a human's re-run of the App's run is a different actor);
 * and the caller then pairs it with a dispatch it recorded, by run id, never by title or branch name.
 */
import type { RepoRef } from "./github-client.ts";

/** The fields of a workflow run (webhook payload or REST) the rule reads. */
export interface RunRecord {
  id: number;
  event: string;
  path?: string | null;
  head_branch?: string | null;
  repository?: { id?: number; full_name?: string } | null;
  head_repository?: { id?: number; full_name?: string } | null;
  triggering_actor?: { login?: string } | null;
}

export interface TrustedRunRule {
  repo: RepoRef;
  /** The workflow file name under .github/workflows/ (e.g. caddie-experiment.yml). */
  workflowFile: string;
  defaultBranch: string;
  /** The App's login, `<slug>[bot]`. */
  botLogin: string;
}

export type RunVerdict = { ok: true } | { ok: false; reason: string };

const same = (a: string | undefined, b: string) => (a ?? "").toLowerCase() === b.toLowerCase();

export function verifyRun(run: RunRecord, rule: TrustedRunRule): RunVerdict {
  const full = `${rule.repo.owner}/${rule.repo.repo}`;
  const file = `.github/workflows/${rule.workflowFile}`;
  const refuse = (reason: string): RunVerdict => ({ ok: false, reason: `run ${run.id}: ${reason}` });
  if (run.event !== "workflow_dispatch")
    return refuse(`started by '${run.event}', not by a dispatch from the App`);
  if (!same(run.repository?.full_name, full)) return refuse(`belongs to ${run.repository?.full_name}`);
  const head = run.head_repository;
  if (!head || !same(head.full_name, full) || (head.id !== undefined && head.id !== run.repository?.id))
    return refuse(`runs code from ${head?.full_name ?? "an unknown repository"} (a fork)`);
  const path = run.path ?? "";
  if (path !== file && path !== `${file}@refs/heads/${rule.defaultBranch}`)
    return refuse(`ran '${path}', not ${file}`);
  if (run.head_branch !== rule.defaultBranch)
    return refuse(
      `ran the workflow from '${run.head_branch}', not the default branch '${rule.defaultBranch}'`,
    );
  const actor = run.triggering_actor?.login;
  if (!actor || !same(actor, rule.botLogin)) return refuse(`was started by '${actor}', not by the App`);
  return { ok: true };
}
