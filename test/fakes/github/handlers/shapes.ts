/**
 * Builders that overlay the fake's state on GitHub's own example objects (from the spec), so responses keep
 * every field real clients may read. Used by the handlers and by webhook payload builders.
 */
import { loadSpec } from "../spec.ts";
import type { Actor, CheckRun, Comment, Issue, Pull, RepoState, WorkflowRun } from "../state.ts";
import { now, obj, type Obj } from "./types.ts";

function example(name: string): Obj {
  const examples = obj(obj(loadSpec().raw.components).examples);
  return structuredClone(obj(obj(examples[name]).value));
}

let userIds = 100;
const idsByLogin = new Map<string, number>();

export function userObject(actor: Actor): Obj {
  const template = obj(example("pull-request").user);
  let id = idsByLogin.get(actor.login);
  if (id === undefined) {
    id = ++userIds;
    idsByLogin.set(actor.login, id);
  }
  return {
    ...template,
    login: actor.login,
    id,
    node_id: `U_${id}`,
    type: actor.type,
    url: `https://api.github.com/users/${encodeURIComponent(actor.login)}`,
    html_url: `https://github.com/${encodeURIComponent(actor.login)}`,
  };
}

export function repoObject(state: RepoState): Obj {
  const template = obj(obj(example("pull-request").base).repo);
  const full = `${state.owner}/${state.name}`;
  return {
    ...template,
    id: state.id,
    name: state.name,
    full_name: full,
    private: state.settings.private,
    fork: false,
    default_branch: state.defaultBranch,
    owner: userObject({ login: state.owner, type: "User" }),
    url: `https://api.github.com/repos/${full}`,
    html_url: `https://github.com/${full}`,
  };
}

function labelObject(name: string, i: number): Obj {
  return {
    id: 5000 + i,
    node_id: `LA_${i}`,
    url: `https://api.github.com/labels/${name}`,
    name,
    color: "ededed",
    default: false,
    description: "",
  };
}

export function pullObject(state: RepoState, pull: Pull): Obj {
  const template = example("pull-request");
  const full = `${state.owner}/${state.name}`;
  const baseSha = state.refs.get(`heads/${pull.baseRef}`) ?? pull.headSha;
  const repo = repoObject(state);
  return {
    ...template,
    id: 900000 + pull.number,
    node_id: `PR_${pull.number}`,
    number: pull.number,
    url: `https://api.github.com/repos/${full}/pulls/${pull.number}`,
    html_url: `https://github.com/${full}/pull/${pull.number}`,
    issue_url: `https://api.github.com/repos/${full}/issues/${pull.number}`,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    user: userObject(pull.user),
    labels: pull.labels.map(labelObject),
    milestone: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    created_at: pull.createdAt,
    updated_at: pull.updatedAt ?? now(),
    closed_at: pull.state === "closed" ? (pull.updatedAt ?? now()) : null,
    merged_at: pull.merged ? (pull.mergedAt ?? now()) : null,
    merge_commit_sha: pull.mergeCommitSha,
    merged: pull.merged,
    merged_by: null,
    draft: false,
    mergeable: pull.state === "open" ? true : null,
    head: {
      ...obj(template.head),
      label: `${state.owner}:${pull.headRef}`,
      ref: pull.headRef,
      sha: pull.headSha,
      user: userObject({ login: state.owner, type: "User" }),
      repo,
    },
    base: {
      ...obj(template.base),
      label: `${state.owner}:${pull.baseRef}`,
      ref: pull.baseRef,
      sha: baseSha,
      user: userObject({ login: state.owner, type: "User" }),
      repo,
    },
    author_association: pull.user.type === "Bot" ? "NONE" : "OWNER",
    auto_merge: null,
  };
}

/** The slimmer shape pulls/list returns. */
export function pullSimpleObject(state: RepoState, pull: Pull): Obj {
  const full = pullObject(state, pull);
  for (const key of [
    "merged",
    "mergeable",
    "rebaseable",
    "mergeable_state",
    "merged_by",
    "comments",
    "review_comments",
    "maintainer_can_modify",
    "commits",
    "additions",
    "deletions",
    "changed_files",
  ])
    delete full[key];
  return full;
}

export function issueObject(state: RepoState, issue: Issue | Pull): Obj {
  const template = example("issue");
  const full = `${state.owner}/${state.name}`;
  const isPull = "headRef" in issue;
  const out: Obj = {
    ...template,
    id: 700000 + issue.number,
    node_id: `I_${issue.number}`,
    number: issue.number,
    url: `https://api.github.com/repos/${full}/issues/${issue.number}`,
    html_url: `https://github.com/${full}/${isPull ? "pull" : "issues"}/${issue.number}`,
    repository_url: `https://api.github.com/repos/${full}`,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    user: userObject(issue.user),
    labels: issue.labels.map(labelObject),
    assignee: null,
    assignees: [],
    milestone: null,
    closed_by: null,
    closed_at: issue.state === "closed" ? now() : null,
    comments: [...state.comments.values()].filter((c) => c.issueNumber === issue.number).length,
    author_association: issue.user.type === "Bot" ? "NONE" : "OWNER",
    state_reason: issue.state === "closed" ? "completed" : null,
  };
  if (isPull)
    out.pull_request = {
      url: `https://api.github.com/repos/${full}/pulls/${issue.number}`,
      html_url: `https://github.com/${full}/pull/${issue.number}`,
      diff_url: null,
      patch_url: null,
      merged_at: null,
    };
  else delete out.pull_request;
  return out;
}

export function commentObject(state: RepoState, comment: Comment): Obj {
  const template = example("issue-comment");
  const full = `${state.owner}/${state.name}`;
  return {
    ...template,
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `https://api.github.com/repos/${full}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${full}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `https://api.github.com/repos/${full}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: userObject(comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: comment.user.type === "Bot" ? "NONE" : "OWNER",
  };
}

export function checkRunObject(state: RepoState, run: CheckRun, appSlug: string): Obj {
  const template = example("check-run");
  const full = `${state.owner}/${state.name}`;
  return {
    ...template,
    id: run.id,
    node_id: `CR_${run.id}`,
    name: run.name,
    head_sha: run.headSha,
    external_id: run.externalId ?? "",
    url: `https://api.github.com/repos/${full}/check-runs/${run.id}`,
    html_url: `https://github.com/${full}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    completed_at: run.status === "completed" ? now() : null,
    output: {
      title: run.output?.title ?? null,
      summary: run.output?.summary ?? null,
      text: run.output?.text ?? null,
      annotations_count: 0,
      annotations_url: `https://api.github.com/repos/${full}/check-runs/${run.id}/annotations`,
    },
    app: { ...obj(template.app), slug: appSlug },
    pull_requests: [],
  };
}

export function workflowRunObject(state: RepoState, run: WorkflowRun): Obj {
  const template = obj((obj(example("workflow-run-paginated")).workflow_runs as Obj[] | undefined)?.[0]);
  const full = `${state.owner}/${state.name}`;
  const repo = repoObject(state);
  return {
    ...template,
    id: run.id,
    node_id: `WFR_${run.id}`,
    name: run.name,
    path: run.path,
    display_title: run.name,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    run_attempt: run.attempt ?? 1,
    url: `https://api.github.com/repos/${full}/actions/runs/${run.id}`,
    html_url: `https://github.com/${full}/actions/runs/${run.id}`,
    artifacts_url: `https://api.github.com/repos/${full}/actions/runs/${run.id}/artifacts`,
    pull_requests: run.pullNumbers.map((n) => {
      const pull = state.pulls.get(n);
      const r = { id: state.id, url: repo.url, name: state.name };
      return {
        id: 900000 + n,
        number: n,
        url: `https://api.github.com/repos/${full}/pulls/${n}`,
        head: { ref: pull?.headRef ?? run.headBranch, sha: pull?.headSha ?? run.headSha, repo: r },
        base: {
          ref: pull?.baseRef ?? state.defaultBranch,
          sha: state.refs.get(`heads/${pull?.baseRef ?? state.defaultBranch}`) ?? run.headSha,
          repo: r,
        },
      };
    }),
    repository: repo,
    head_repository:
      run.headRepository && run.headRepository !== full
        ? {
            ...repo,
            id: 999_999,
            name: run.headRepository.split("/")[1] ?? "fork",
            full_name: run.headRepository,
            fork: true,
            owner: userObject({ login: run.headRepository.split("/")[0] ?? "someone", type: "User" }),
          }
        : repo,
    actor: userObject(run.triggeringActor ?? { login: state.owner, type: "User" }),
    triggering_actor: userObject(run.triggeringActor ?? { login: state.owner, type: "User" }),
    run_started_at: run.startedAt ?? now(),
    updated_at: run.updatedAt ?? now(),
  };
}
