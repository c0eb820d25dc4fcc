/** Git Data API: refs (with GitHub's fast-forward rule), commits, flat trees and blobs. */
import type { RepoState } from "../state.ts";
import { invalid, notFound, obj, type Handler, type Obj } from "./types.ts";

function apiBase(state: RepoState): string {
  return `https://api.github.com/repos/${state.owner}/${state.name}`;
}

function refObject(state: RepoState, ref: string, sha: string): Obj {
  return {
    ref: `refs/${ref}`,
    node_id: `REF_${ref}`,
    url: `${apiBase(state)}/git/refs/${ref}`,
    object: { type: "commit", sha, url: `${apiBase(state)}/git/commits/${sha}` },
  };
}

function commitObject(state: RepoState, sha: string): Obj | null {
  const commit = state.commits.get(sha);
  if (!commit) return null;
  const person = { name: "caddie", email: "caddie@example.com", date: "2026-01-01T00:00:00Z" };
  return {
    sha,
    node_id: `C_${sha.slice(0, 8)}`,
    url: `${apiBase(state)}/git/commits/${sha}`,
    html_url: `https://github.com/${state.owner}/${state.name}/commit/${sha}`,
    author: person,
    committer: person,
    message: commit.message,
    tree: { sha: commit.tree, url: `${apiBase(state)}/git/trees/${commit.tree}` },
    parents: commit.parents.map((p) => ({
      sha: p,
      url: `${apiBase(state)}/git/commits/${p}`,
      html_url: `https://github.com/${state.owner}/${state.name}/commit/${p}`,
    })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

function treeObject(state: RepoState, sha: string, files: Map<string, string>): Obj {
  const dirs = new Set<string>();
  for (const path of files.keys()) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  const entries: Obj[] = [...dirs].sort().map((path) => ({
    path,
    mode: "040000",
    type: "tree",
    sha: "0".repeat(40),
    url: `${apiBase(state)}/git/trees/${path}`,
  }));
  for (const [path, blob] of files) {
    entries.push({
      path,
      mode: "100644",
      type: "blob",
      sha: blob,
      size: state.blobs.get(blob)?.length ?? 0,
      url: `${apiBase(state)}/git/blobs/${blob}`,
    });
  }
  return { sha, url: `${apiBase(state)}/git/trees/${sha}`, truncated: false, tree: entries };
}

export const gitHandlers: Record<string, Handler> = {
  "git/get-ref": ({ state, params }) => {
    const sha = state.refs.get(params.ref ?? "");
    return sha ? { status: 200, body: refObject(state, params.ref ?? "", sha) } : notFound();
  },
  "git/create-ref": ({ state, body }) => {
    const ref = String(body.ref ?? "");
    const sha = String(body.sha ?? "");
    if (!ref.startsWith("refs/") || ref.split("/").length < 3)
      return invalid("Reference name must start with 'refs/' and have at least two slashes.");
    const short = ref.slice("refs/".length);
    if (state.refs.has(short)) return invalid("Reference already exists");
    if (!state.commits.has(sha)) return invalid("Object does not exist");
    state.refs.set(short, sha);
    return { status: 201, body: refObject(state, short, sha) };
  },
  "git/update-ref": ({ state, params, body }) => {
    const ref = params.ref ?? "";
    const current = state.refs.get(ref);
    const sha = String(body.sha ?? "");
    if (!current) return invalid("Reference does not exist");
    if (!state.commits.has(sha)) return invalid("Object does not exist");
    if (body.force !== true && !state.ancestors(sha).has(current))
      return invalid("Update is not a fast forward");
    state.refs.set(ref, sha);
    return { status: 200, body: refObject(state, ref, sha) };
  },
  "git/delete-ref": ({ state, params }) => {
    if (!state.refs.delete(params.ref ?? "")) return invalid("Reference does not exist");
    return { status: 204 };
  },
  "git/get-commit": ({ state, params }) => {
    const commit = commitObject(state, params.commit_sha ?? "");
    return commit ? { status: 200, body: commit } : notFound();
  },
  "git/create-commit": ({ state, body }) => {
    const tree = String(body.tree ?? "");
    const parents = Array.isArray(body.parents) ? body.parents.map(String) : [];
    if (!state.trees.has(tree)) return invalid("Tree SHA does not exist");
    if (parents.some((p) => !state.commits.has(p)))
      return invalid("Parent SHA does not exist or is not a commit object");
    const sha = state.putCommit(tree, parents, String(body.message ?? ""));
    return { status: 201, body: commitObject(state, sha) };
  },
  "git/get-tree": ({ state, params }) => {
    const key = params.tree_sha ?? "";
    const commitSha = state.refs.get(`heads/${key}`) ?? key;
    const treeSha = state.trees.has(key) ? key : state.commits.get(commitSha)?.tree;
    const files = treeSha ? state.trees.get(treeSha) : undefined;
    return files && treeSha ? { status: 200, body: treeObject(state, treeSha, files) } : notFound();
  },
  "git/create-tree": ({ state, body }) => {
    const base =
      body.base_tree === undefined ? new Map<string, string>() : state.trees.get(String(body.base_tree));
    if (!base) return invalid("base_tree is not a valid tree oid");
    const files = new Map(base);
    for (const item of Array.isArray(body.tree) ? body.tree : []) {
      const entry = obj(item);
      const path = String(entry.path ?? "");
      if (entry.content !== undefined)
        files.set(path, state.putBlob(Buffer.from(String(entry.content), "utf8")));
      else if (entry.sha === null) files.delete(path);
      else if (typeof entry.sha === "string" && state.blobs.has(entry.sha)) files.set(path, entry.sha);
      else return invalid(`tree.sha ${String(entry.sha)} is not a valid blob`);
    }
    const sha = state.putTree(files);
    return { status: 201, body: treeObject(state, sha, files) };
  },
  "git/get-blob": ({ state, params }) => {
    const sha = params.file_sha ?? "";
    const blob = state.blobs.get(sha);
    if (!blob) return notFound();
    return {
      status: 200,
      body: {
        sha,
        node_id: `B_${sha.slice(0, 8)}`,
        url: `${apiBase(state)}/git/blobs/${sha}`,
        size: blob.length,
        content: blob.toString("base64"),
        encoding: "base64",
      },
    };
  },
  "git/create-blob": ({ state, body }) => {
    const encoding = body.encoding === "base64" ? "base64" : "utf8";
    const sha = state.putBlob(Buffer.from(String(body.content ?? ""), encoding));
    return { status: 201, body: { sha, url: `${apiBase(state)}/git/blobs/${sha}` } };
  },
};
