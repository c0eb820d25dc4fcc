/** Pull requests: open, read, list, close, and squash/merge with GitHub's head-SHA guard and conflict check. */
import type { Pull, RepoState } from "../state.ts";
import { pullObject, pullSimpleObject } from "./shapes.ts";
import { invalid, notFound, now, obj, page, type Handler, type Reply } from "./types.ts";

function branchName(head: string, state: RepoState): string {
  return head.startsWith(`${state.owner}:`) ? head.slice(state.owner.length + 1) : head;
}

/** The nearest ancestor of `head` that is also an ancestor of `base`. */
function mergeBase(state: RepoState, head: string, base: string): string | null {
  const baseAncestors = state.ancestors(base);
  const queue = [head];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const sha = queue.shift();
    if (sha === undefined || seen.has(sha)) continue;
    seen.add(sha);
    if (baseAncestors.has(sha)) return sha;
    queue.push(...(state.commits.get(sha)?.parents ?? []));
  }
  return null;
}

/** Applies head's change (since the merge base) onto base's tree; null on a conflict. */
function mergedTree(state: RepoState, pull: Pull, baseSha: string): Map<string, string> | null {
  const mb = mergeBase(state, pull.headSha, baseSha);
  const from = mb ? state.treeOf(mb) : new Map<string, string>();
  const ours = state.treeOf(baseSha);
  const theirs = state.treeOf(pull.headSha);
  const out = new Map(ours);
  const paths = new Set([...from.keys(), ...theirs.keys()]);
  for (const path of paths) {
    const was = from.get(path);
    const now = theirs.get(path);
    if (was === now) continue;
    if (ours.get(path) !== was && ours.get(path) !== now) return null;
    if (now === undefined) out.delete(path);
    else out.set(path, now);
  }
  return out;
}

function merge(state: RepoState, pull: Pull, body: Record<string, unknown>): Reply {
  if (pull.state !== "open") return { status: 405, body: { message: "Pull Request is not mergeable" } };
  if (typeof body.sha === "string" && body.sha !== pull.headSha)
    return { status: 409, body: { message: "Head branch was modified. Review and try the merge again." } };
  const baseSha = state.refs.get(`heads/${pull.baseRef}`);
  if (!baseSha) return notFound();
  const tree = mergedTree(state, pull, baseSha);
  if (!tree) return { status: 405, body: { message: "Pull Request is not mergeable" } };
  const method = typeof body.merge_method === "string" ? body.merge_method : "merge";
  const title = typeof body.commit_title === "string" ? body.commit_title : `${pull.title} (#${pull.number})`;
  const parents = method === "merge" ? [baseSha, pull.headSha] : [baseSha];
  const sha = state.putCommit(state.putTree(tree), parents, title);
  state.refs.set(`heads/${pull.baseRef}`, sha);
  pull.merged = true;
  pull.state = "closed";
  pull.mergeCommitSha = sha;
  return { status: 200, body: { sha, merged: true, message: "Pull Request successfully merged" } };
}

export const pullHandlers: Record<string, Handler> = {
  "pulls/create": ({ state, fake, body }) => {
    const head = branchName(String(body.head ?? ""), state);
    const base = String(body.base ?? "");
    const headSha = state.refs.get(`heads/${head}`);
    if (!headSha || !state.refs.has(`heads/${base}`))
      return invalid("Validation Failed: head or base branch does not exist");
    if (head === base) return invalid("Validation Failed: head and base must differ");
    const open = [...state.pulls.values()].find(
      (p) => p.state === "open" && p.headRef === head && p.baseRef === base,
    );
    if (open) return invalid(`A pull request already exists for ${state.owner}:${head}.`);
    const pull: Pull = {
      number: state.number_(),
      title: String(body.title ?? head),
      body: typeof body.body === "string" ? body.body : null,
      state: "open",
      merged: false,
      mergeCommitSha: null,
      headRef: head,
      headSha,
      baseRef: base,
      user: fake.bot,
      labels: [],
      createdAt: now(),
    };
    state.pulls.set(pull.number, pull);
    return { status: 201, body: pullObject(state, pull) };
  },
  "pulls/get": ({ state, params }) => {
    const pull = state.pulls.get(Number(params.pull_number));
    if (!pull) return notFound();
    // Heads move when their branch moves (a push to the head branch).
    if (pull.state === "open") pull.headSha = state.refs.get(`heads/${pull.headRef}`) ?? pull.headSha;
    return { status: 200, body: pullObject(state, pull) };
  },
  "pulls/list": ({ state, fake, query }) => {
    const want = query.get("state") ?? "open";
    const head = query.get("head");
    const base = query.get("base");
    const pulls = [...state.pulls.values()]
      .filter((p) => want === "all" || p.state === want)
      .filter((p) => !head || `${state.owner}:${p.headRef}` === head)
      .filter((p) => !base || p.baseRef === base)
      .sort((a, b) => {
        // sort=updated orders by last update (the competitor watch lists newest-updated first).
        const key = (p: Pull) =>
          query.get("sort") === "updated" ? Date.parse(p.updatedAt ?? p.createdAt) : p.number;
        return query.get("direction") === "asc" ? key(a) - key(b) : key(b) - key(a);
      });
    for (const p of pulls)
      if (p.state === "open") p.headSha = state.refs.get(`heads/${p.headRef}`) ?? p.headSha;
    const { items, headers } = page(pulls, query, fake.url, `/repos/${state.owner}/${state.name}/pulls`);
    return { status: 200, body: items.map((p) => pullSimpleObject(state, p)), headers };
  },
  "pulls/list-files": ({ state, fake, params, query, example }) => {
    const pull = state.pulls.get(Number(params.pull_number));
    if (!pull) return notFound();
    const baseSha = state.refs.get(`heads/${pull.baseRef}`);
    const mb = baseSha ? mergeBase(state, pull.headSha, baseSha) : null;
    const from = mb ? state.treeOf(mb) : new Map<string, string>();
    const to = state.treeOf(pull.headSha);
    const template = obj((example(200) as unknown[])[0]);
    const files = [...new Set([...from.keys(), ...to.keys()])]
      .sort()
      .filter((path) => from.get(path) !== to.get(path))
      .map((path) => {
        const sha = to.get(path) ?? from.get(path) ?? "";
        const status = !from.has(path) ? "added" : !to.has(path) ? "removed" : "modified";
        const url = `https://github.com/${state.owner}/${state.name}/blob/${pull.headSha}/${path}`;
        return {
          ...template,
          sha,
          filename: path,
          status,
          additions: 1,
          deletions: 0,
          changes: 1,
          blob_url: url,
          raw_url: url.replace("/blob/", "/raw/"),
          contents_url: `https://api.github.com/repos/${state.owner}/${state.name}/contents/${path}?ref=${pull.headSha}`,
        };
      });
    const where = `/repos/${state.owner}/${state.name}/pulls/${pull.number}/files`;
    const { items, headers } = page(files, query, fake.url, where);
    return { status: 200, body: items, headers };
  },
  "pulls/update": ({ state, params, body }) => {
    const pull = state.pulls.get(Number(params.pull_number));
    if (!pull) return notFound();
    if (typeof body.title === "string") pull.title = body.title;
    if (typeof body.body === "string") pull.body = body.body;
    if (body.state === "closed" || body.state === "open") pull.state = body.state;
    return { status: 200, body: pullObject(state, pull) };
  },
  "pulls/merge": ({ state, params, body }) => {
    const pull = state.pulls.get(Number(params.pull_number));
    if (!pull) return notFound();
    pull.headSha = state.refs.get(`heads/${pull.headRef}`) ?? pull.headSha;
    return merge(state, pull, body);
  },
};
