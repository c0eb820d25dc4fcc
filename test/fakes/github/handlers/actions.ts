/** Actions: workflow runs, their artifacts (downloads redirect to a blob URL), re-runs and dispatches. */
import type { Artifact, RepoState, WorkflowRun } from "../state.ts";
import { workflowRunObject } from "./shapes.ts";
import { notFound, now, obj, page, type Handler, type Obj } from "./types.ts";

function artifactObject(state: RepoState, run: WorkflowRun, a: Artifact): Obj {
  const base = `https://api.github.com/repos/${state.owner}/${state.name}`;
  return {
    id: a.id,
    node_id: `A_${a.id}`,
    name: a.name,
    size_in_bytes: a.zip.length,
    url: `${base}/actions/artifacts/${a.id}`,
    archive_download_url: `${base}/actions/artifacts/${a.id}/zip`,
    expired: a.expired,
    created_at: now(),
    expires_at: now(),
    updated_at: now(),
    digest: null,
    workflow_run: {
      id: run.id,
      repository_id: state.id,
      head_repository_id: state.id,
      head_branch: run.headBranch,
      head_sha: run.headSha,
    },
  };
}

export const actionHandlers: Record<string, Handler> = {
  "actions/list-self-hosted-runners-for-repo": ({ state }) => ({
    status: 200,
    body: {
      total_count: state.settings.runners,
      runners: Array.from({ length: state.settings.runners }, (_, i) => ({
        id: i + 1,
        name: `gpu-${i + 1}`,
        os: "linux",
        status: "online",
        busy: false,
        labels: [{ id: 1, name: "self-hosted", type: "read-only" }],
      })),
    },
  }),
  "actions/get-fork-pr-contributor-approval-permissions-repository": ({ state }) =>
    // GitHub answers 404 to a token that may not read the setting.
    state.settings.approvalPolicy === null
      ? notFound()
      : { status: 200, body: { approval_policy: state.settings.approvalPolicy } },
  "actions/get-github-actions-default-workflow-permissions-repository": ({ state }) => ({
    status: 200,
    body: {
      default_workflow_permissions: state.settings.workflowPermissions,
      can_approve_pull_request_reviews: state.settings.canApprove,
    },
  }),
  "actions/list-workflow-run-artifacts": ({ state, fake, params, query }) => {
    const run = state.workflowRuns.get(Number(params.run_id));
    if (!run) return notFound();
    const name = query.get("name");
    const list = run.artifacts.filter((a) => !name || a.name === name);
    const { items, headers } = page(
      list,
      query,
      fake.url,
      `/repos/${state.owner}/${state.name}/actions/runs/${run.id}/artifacts`,
    );
    return {
      status: 200,
      body: { total_count: list.length, artifacts: items.map((a) => artifactObject(state, run, a)) },
      headers,
    };
  },
  "actions/list-artifacts-for-repo": ({ state, fake, query }) => {
    const name = query.get("name");
    // Newest first, as GitHub lists them.
    const list = [...state.workflowRuns.values()]
      .flatMap((run) => run.artifacts.map((a) => ({ run, a })))
      .filter(({ a }) => !name || a.name === name)
      .sort((x, y) => y.a.id - x.a.id);
    const { items, headers } = page(
      list,
      query,
      fake.url,
      `/repos/${state.owner}/${state.name}/actions/artifacts`,
    );
    return {
      status: 200,
      body: { total_count: list.length, artifacts: items.map(({ run, a }) => artifactObject(state, run, a)) },
      headers,
    };
  },
  "actions/download-artifact": ({ state, fake, params }) => {
    const artifact = [...state.workflowRuns.values()]
      .flatMap((r) => r.artifacts)
      .find((a) => a.id === Number(params.artifact_id));
    if (!artifact) return notFound();
    if (artifact.expired) return { status: 410, body: { message: "Artifact has expired" } };
    return { status: 302, headers: { location: `${fake.url}/_blobs/artifacts/${artifact.id}.zip` } };
  },
  "actions/get-workflow-run": ({ state, params }) => {
    const run = state.workflowRuns.get(Number(params.run_id));
    return run ? { status: 200, body: workflowRunObject(state, run) } : notFound();
  },
  "actions/list-workflow-runs-for-repo": ({ state, fake, query }) => {
    const branch = query.get("branch");
    const event = query.get("event");
    const status = query.get("status");
    const headSha = query.get("head_sha");
    const runs = [...state.workflowRuns.values()]
      .filter(
        (r) =>
          (!branch || r.headBranch === branch) &&
          (!event || r.event === event) &&
          (!headSha || r.headSha === headSha),
      )
      .filter((r) => !status || r.status === status || r.conclusion === status)
      .sort((a, b) => b.id - a.id);
    const { items, headers } = page(
      runs,
      query,
      fake.url,
      `/repos/${state.owner}/${state.name}/actions/runs`,
    );
    return {
      status: 200,
      body: { total_count: runs.length, workflow_runs: items.map((r) => workflowRunObject(state, r)) },
      headers,
    };
  },
  "actions/re-run-workflow": ({ state, params }) => {
    const run = state.workflowRuns.get(Number(params.run_id));
    if (!run) return notFound();
    run.status = "queued";
    run.conclusion = null;
    run.artifacts = [];
    run.attempt = (run.attempt ?? 1) + 1;
    return { status: 201, body: {} };
  },
  // A dispatch creates a queued run of the workflow file on that ref, started by the caller (the App's bot
  // for an installation token), and answers its id when asked (return_run_details), as GitHub does.
  "actions/create-workflow-dispatch": ({ fake, state, params, body }) => {
    const file = params.workflow_id ?? "";
    const ref = String(body.ref);
    const headSha = state.refs.get(`heads/${ref}`);
    if (!headSha || state.file(headSha, `.github/workflows/${file}`) === null)
      return { status: 404, body: { message: "Not Found" } };
    const inputs = Object.fromEntries(Object.entries(obj(body.inputs)).map(([k, v]) => [k, String(v)]));
    state.workflowDispatches.push({ workflowId: file, ref, inputs });
    const run: WorkflowRun = {
      id: 6_000_000 + state.id_(),
      name: file.replace(/\.ya?ml$/, "").replace(/-/g, " "),
      path: `.github/workflows/${file}`,
      headBranch: ref,
      headSha,
      event: "workflow_dispatch",
      status: "queued",
      conclusion: null,
      artifacts: [],
      pullNumbers: [],
      inputs,
      triggeringActor: fake.bot,
      startedAt: now(),
    };
    state.workflowRuns.set(run.id, run);
    if (body.return_run_details !== true || state.dispatchWithoutRunDetails) return { status: 204 };
    const base = `${state.owner}/${state.name}/actions/runs/${run.id}`;
    return {
      status: 200,
      body: {
        workflow_run_id: run.id,
        run_url: `https://api.github.com/repos/${base}`,
        html_url: `https://github.com/${base}`,
      },
    };
  },
  "actions/list-workflow-runs": ({ state, fake, params, query }) => {
    const path = `.github/workflows/${params.workflow_id ?? ""}`;
    const event = query.get("event");
    const branch = query.get("branch");
    const status = query.get("status");
    const created = /^>=(.+)$/.exec(query.get("created") ?? "")?.[1];
    const runs = [...state.workflowRuns.values()]
      .filter(
        (r) =>
          r.path === path &&
          (!event || r.event === event) &&
          (!branch || r.headBranch === branch) &&
          (!status || r.status === status || r.conclusion === status) &&
          (!created || (r.startedAt ?? now()) >= created),
      )
      .sort((a, b) => b.id - a.id);
    const { items, headers } = page(
      runs,
      query,
      fake.url,
      `/repos/${state.owner}/${state.name}/actions/workflows/${params.workflow_id}/runs`,
    );
    return {
      status: 200,
      body: { total_count: runs.length, workflow_runs: items.map((r) => workflowRunObject(state, r)) },
      headers,
    };
  },
};
