/**
 * What the GitHub API shows of the safe set-up (docs/SECURITY.md, "The safe set-up"), for `caddie doctor
 * --app`: each check says what it found and how to fix it. Read with a token that may read the
 * repository's Actions settings (the App's installation token needs `administration: read`, a person's
 * token `repo`); a setting the token cannot read is a warning, never a pass.
 *
 * - the repository is private, or its self-hosted runners are not reachable from it (public repositories
 *   must use an organization runner group restricted to caddie's workflow, which the API shows only to
 *   organization admins: a public repository with repository-level runners fails);
 * - workflows from outside collaborators need approval (`all_external_contributors`);
 * - the default workflow token is read-only and cannot approve pull requests;
 * - the `caddie-modal` environment has required reviewers.
 */
import { httpStatus, type GitHubClient, type RepoRef } from "./github-client.ts";

export interface SecurityCheck {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  fix?: string;
}

const ok = (name: string, detail: string): SecurityCheck => ({ name, status: "ok", detail });
const warn = (name: string, detail: string, fix: string): SecurityCheck => ({
  name,
  status: "warn",
  detail,
  fix,
});
const fail = (name: string, detail: string, fix: string): SecurityCheck => ({
  name,
  status: "fail",
  detail,
  fix,
});

async function read<T>(call: () => Promise<{ data: T }>): Promise<T | "forbidden" | "missing"> {
  try {
    return (await call()).data;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404) return "missing";
    if (status === 403 || status === 401) return "forbidden";
    throw error;
  }
}

const cannotRead = (name: string, what: string) =>
  warn(
    name,
    `cannot read ${what} with this token`,
    "run it with a token that may read the repository's Actions settings",
  );

export async function checkRepoSecurity(gh: GitHubClient, repo: RepoRef): Promise<SecurityCheck[]> {
  const checks: SecurityCheck[] = [];
  const info = await gh.rest.repos.get({ ...repo });
  const runners = await read(() => gh.rest.actions.listSelfHostedRunnersForRepo({ ...repo, per_page: 1 }));
  const runnerName = "runner exposure";
  if (info.data.private) checks.push(ok(runnerName, "the repository is private"));
  else if (runners === "forbidden" || runners === "missing")
    checks.push(cannotRead(runnerName, "the repository's runners"));
  else if (runners.total_count > 0)
    checks.push(
      fail(
        runnerName,
        `a public repository with ${runners.total_count} self-hosted runner(s) of its own: any pull request's workflow can reach them`,
        "make the repository private, or move the GPU runner into an organization runner group restricted to this repository and to .github/workflows/caddie-experiment.yml",
      ),
    );
  else
    checks.push(
      warn(
        runnerName,
        "public repository, no runner of its own: the GPU runner must be in an organization runner group restricted to caddie's workflow (only an org admin can see that)",
        "Organization settings > Actions > Runner groups: selected repositories and selected workflows only",
      ),
    );

  const approval = await read(() =>
    gh.request("GET /repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval", { ...repo }),
  );
  const approvalName = "outside collaborators";
  if (approval === "forbidden" || approval === "missing")
    checks.push(cannotRead(approvalName, "the fork approval policy"));
  else if ((approval as { approval_policy?: string }).approval_policy === "all_external_contributors")
    checks.push(ok(approvalName, "workflows from every outside collaborator wait for approval"));
  else
    checks.push(
      fail(
        approvalName,
        `fork pull request workflows run without approval for some outside collaborators (${(approval as { approval_policy?: string }).approval_policy})`,
        'Settings > Actions > General: "Require approval for all external contributors"',
      ),
    );

  const token = await read(() =>
    gh.request("GET /repos/{owner}/{repo}/actions/permissions/workflow", { ...repo }),
  );
  const tokenName = "workflow token";
  if (token === "forbidden" || token === "missing")
    checks.push(cannotRead(tokenName, "the default workflow permissions"));
  else {
    const t = token as { default_workflow_permissions?: string; can_approve_pull_request_reviews?: boolean };
    if (t.default_workflow_permissions === "read" && !t.can_approve_pull_request_reviews)
      checks.push(ok(tokenName, "read-only by default, cannot approve pull requests"));
    else
      checks.push(
        fail(
          tokenName,
          `default ${t.default_workflow_permissions}${t.can_approve_pull_request_reviews ? ", may approve pull requests" : ""}`,
          'Settings > Actions > General > Workflow permissions: "Read repository contents", and do not allow Actions to approve pull requests',
        ),
      );
  }

  const env = await read(() => gh.rest.repos.getEnvironment({ ...repo, environment_name: "caddie-modal" }));
  const envName = "caddie-modal reviewers";
  if (env === "forbidden") checks.push(cannotRead(envName, "the caddie-modal environment"));
  else if (env === "missing")
    checks.push(
      warn(
        envName,
        "no caddie-modal environment: promotions cannot reach Modal",
        "create it with MODAL_TOKEN_ID / MODAL_TOKEN_SECRET and required reviewers",
      ),
    );
  else if ((env.protection_rules ?? []).some((r) => r.type === "required_reviewers"))
    checks.push(ok(envName, "every paid run waits for a reviewer"));
  else
    checks.push(
      warn(
        envName,
        "paid runs start without a person's approval (the spend ledger still caps them)",
        'Settings > Environments > caddie-modal: "Required reviewers" and "Prevent self-review"',
      ),
    );
  return checks;
}
