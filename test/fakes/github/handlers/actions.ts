/** Actions: workflow runs, their artifacts (downloads redirect to a blob URL), re-runs and dispatches. */
import type { Artifact, RepoState, WorkflowRun } from "../state.ts";
import { workflowRunObject } from "./shapes.ts";
import { notFound, now, page, type Handler, type Obj } from "./types.ts";

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
  "actions/create-workflow-dispatch": ({ state, params, body }) => {
    state.workflowDispatches.push({
      workflowId: params.workflow_id ?? "",
      ref: String(body.ref),
      inputs: body.inputs ?? {},
    });
    return { status: 204 };
  },
};
