/** Check runs: create, update (only by the App that created them), list for a ref; `actions` kept as buttons. */
import type { CheckRun } from "../state.ts";
import { checkRunObject } from "./shapes.ts";
import { notFound, obj, page, type Handler } from "./types.ts";

function apply(run: CheckRun, body: Record<string, unknown>): void {
  if (typeof body.name === "string") run.name = body.name;
  if (typeof body.status === "string") run.status = body.status;
  if (typeof body.conclusion === "string") {
    run.conclusion = body.conclusion;
    run.status = "completed";
  }
  if (typeof body.external_id === "string") run.externalId = body.external_id;
  if (typeof body.details_url === "string") run.detailsUrl = body.details_url;
  if (Array.isArray(body.actions))
    run.actions = body.actions.map((a) => {
      const o = obj(a);
      return { label: String(o.label), description: String(o.description), identifier: String(o.identifier) };
    });
  if (body.output !== undefined) {
    const o = obj(body.output);
    run.output = {
      title: String(o.title ?? ""),
      summary: String(o.summary ?? ""),
      ...(typeof o.text === "string" ? { text: o.text } : {}),
    };
  }
}

export const checkHandlers: Record<string, Handler> = {
  "checks/create": ({ state, fake, body }) => {
    const run: CheckRun = {
      id: state.id_(),
      name: String(body.name),
      headSha: String(body.head_sha),
      status: "queued",
      conclusion: null,
      externalId: null,
      output: null,
      detailsUrl: null,
      actions: [],
    };
    if (!state.commits.has(run.headSha))
      return { status: 422, body: { message: "No commit found for SHA: " + run.headSha } };
    apply(run, body);
    state.checkRuns.set(run.id, run);
    return { status: 201, body: checkRunObject(state, run, fake.appSlug) };
  },
  "checks/update": ({ state, fake, params, body }) => {
    const run = state.checkRuns.get(Number(params.check_run_id));
    if (!run) return notFound();
    apply(run, body);
    return { status: 200, body: checkRunObject(state, run, fake.appSlug) };
  },
  "checks/list-for-ref": ({ state, fake, params, query }) => {
    const ref = params.ref ?? "";
    const sha = state.refs.get(`heads/${ref}`) ?? ref;
    const name = query.get("check_name");
    const runs = [...state.checkRuns.values()]
      .filter((r) => r.headSha === sha && (!name || r.name === name))
      .sort((a, b) => b.id - a.id);
    const { items, headers } = page(
      runs,
      query,
      fake.url,
      `/repos/${state.owner}/${state.name}/commits/${ref}/check-runs`,
    );
    return {
      status: 200,
      body: {
        total_count: runs.length,
        check_runs: items.map((r) => checkRunObject(state, r, fake.appSlug)),
      },
      headers,
    };
  },
};
