/** Repository endpoints: the repository, file contents, collaborator permission, dispatch events. */
import { repoObject, userObject } from "./shapes.ts";
import { notFound, obj, type Handler, type Obj } from "./types.ts";

export const repoHandlers: Record<string, Handler> = {
  "repos/get": ({ state, example }) => {
    // The spec's example is a fork whose `source` has drifted from the schema; ours is no fork.
    const { source: _source, parent: _parent, ...template } = obj(example(200));
    return { status: 200, body: { ...template, ...repoObject(state) } };
  },
  "repos/get-environment": ({ state, params, example }) => {
    const env = state.settings.environments.get(params.environment_name ?? "");
    if (!env) return notFound();
    const template = obj(example(200));
    const rules = (template.protection_rules as Obj[] | undefined) ?? [];
    return {
      status: 200,
      body: {
        ...template,
        name: params.environment_name,
        protection_rules: rules.filter((r) => env.reviewers || r.type !== "required_reviewers"),
      },
    };
  },
  "repos/get-content": ({ state, params, query }) => {
    const ref = query.get("ref") ?? state.defaultBranch;
    const path = params.path ?? "";
    const commit = state.refs.get(`heads/${ref}`) ?? ref;
    const blob = state.treeOf(commit).get(path);
    const data = blob ? state.blobs.get(blob) : undefined;
    if (!blob || !data) return notFound();
    const base = `https://api.github.com/repos/${state.owner}/${state.name}`;
    const html = `https://github.com/${state.owner}/${state.name}/blob/${ref}/${path}`;
    return {
      status: 200,
      body: {
        type: "file",
        encoding: "base64",
        size: data.length,
        name: path.split("/").pop() ?? path,
        path,
        content: data.toString("base64"),
        sha: blob,
        url: `${base}/contents/${path}?ref=${ref}`,
        git_url: `${base}/git/blobs/${blob}`,
        html_url: html,
        download_url: `https://raw.githubusercontent.com/${state.owner}/${state.name}/${ref}/${path}`,
        _links: { self: `${base}/contents/${path}?ref=${ref}`, git: `${base}/git/blobs/${blob}`, html },
      },
    };
  },
  "repos/get-collaborator-permission-level": ({ state, params }) => {
    const login = params.username ?? "";
    // Everyone has implicit read on a repository they can see; only listed collaborators have more.
    const permission = state.collaborators.get(login) ?? "read";
    const legacy = permission === "maintain" ? "write" : permission === "triage" ? "read" : permission;
    return {
      status: 200,
      body: {
        permission: legacy,
        role_name: permission,
        user: {
          ...userObject({ login, type: "User" }),
          permissions: {
            admin: permission === "admin",
            maintain: permission === "maintain",
            push: ["write", "maintain", "admin"].includes(permission),
            triage: permission !== "read",
            pull: true,
          },
          role_name: permission,
        },
      },
    };
  },
  "repos/create-dispatch-event": ({ state, body }) => {
    if (!state.refs.has(`heads/${state.defaultBranch}`)) return notFound();
    state.dispatches.push({ eventType: String(body.event_type), clientPayload: body.client_payload ?? {} });
    return { status: 204 };
  },
};
