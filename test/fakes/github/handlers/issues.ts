/** Issues (pull requests share their numbers), comments, labels and reactions. */
import type { Comment, Issue } from "../state.ts";
import { commentObject, issueObject, userObject } from "./shapes.ts";
import { invalid, notFound, now, page, type Handler } from "./types.ts";

function labelList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown }).name ?? "")))
    : [];
}

/** GitHub caps comment and issue bodies at 65,536 characters. */
const MAX_BODY = 65_536;

export const issueHandlers: Record<string, Handler> = {
  "issues/create": ({ state, fake, body }) => {
    if (typeof body.body === "string" && body.body.length > MAX_BODY)
      return invalid("body is too long (maximum is 65536 characters)");
    const issue: Issue = {
      number: state.number_(),
      title: String(body.title ?? ""),
      body: typeof body.body === "string" ? body.body : null,
      state: "open",
      labels: labelList(body.labels),
      user: fake.bot,
    };
    issue.labels.forEach((l) => state.labels.add(l));
    state.issues.set(issue.number, issue);
    return { status: 201, body: issueObject(state, issue) };
  },
  "issues/get": ({ state, params }) => {
    const issue = state.issueOrPull(Number(params.issue_number));
    return issue ? { status: 200, body: issueObject(state, issue) } : notFound();
  },
  "issues/update": ({ state, params, body }) => {
    const issue = state.issueOrPull(Number(params.issue_number));
    if (!issue) return notFound();
    if (typeof body.body === "string" && body.body.length > MAX_BODY)
      return invalid("body is too long (maximum is 65536 characters)");
    if (typeof body.title === "string") issue.title = body.title;
    if (typeof body.body === "string") issue.body = body.body;
    if (body.state === "open" || body.state === "closed") issue.state = body.state;
    if (body.labels !== undefined) issue.labels = labelList(body.labels);
    return { status: 200, body: issueObject(state, issue) };
  },
  "issues/list-for-repo": ({ state, fake, query }) => {
    const want = query.get("state") ?? "open";
    const labels = (query.get("labels") ?? "").split(",").filter(Boolean);
    const creator = query.get("creator");
    const all = [...state.issues.values(), ...state.pulls.values()]
      .filter((i) => want === "all" || i.state === want)
      .filter((i) => labels.every((l) => i.labels.includes(l)))
      .filter((i) => !creator || i.user.login === creator)
      .sort((a, b) => (query.get("direction") === "asc" ? a.number - b.number : b.number - a.number));
    const { items, headers } = page(all, query, fake.url, `/repos/${state.owner}/${state.name}/issues`);
    return { status: 200, body: items.map((i) => issueObject(state, i)), headers };
  },
  "issues/add-labels": ({ state, params, body }) => {
    const issue = state.issueOrPull(Number(params.issue_number));
    if (!issue) return notFound();
    for (const l of labelList(body.labels)) {
      state.labels.add(l);
      if (!issue.labels.includes(l)) issue.labels.push(l);
    }
    return {
      status: 200,
      body: issue.labels.map((name, i) => ({
        id: 5000 + i,
        node_id: `LA_${i}`,
        url: `https://api.github.com/labels/${name}`,
        name,
        color: "ededed",
        default: false,
        description: "",
      })),
    };
  },
  "issues/list-comments": ({ state, fake, params, query }) => {
    const number = Number(params.issue_number);
    if (!state.issueOrPull(number)) return notFound();
    const comments = [...state.comments.values()]
      .filter((c) => c.issueNumber === number)
      .sort((a, b) => a.id - b.id);
    const { items, headers } = page(
      comments,
      query,
      fake.url,
      `/repos/${state.owner}/${state.name}/issues/${number}/comments`,
    );
    return { status: 200, body: items.map((c) => commentObject(state, c)), headers };
  },
  "issues/create-comment": ({ state, fake, params, body }) => {
    const number = Number(params.issue_number);
    if (!state.issueOrPull(number)) return notFound();
    const text = String(body.body ?? "");
    if (text.length > MAX_BODY) return invalid("body is too long (maximum is 65536 characters)");
    const comment: Comment = {
      id: state.id_(),
      issueNumber: number,
      body: text,
      user: fake.bot,
      createdAt: now(),
      updatedAt: now(),
    };
    state.comments.set(comment.id, comment);
    return { status: 201, body: commentObject(state, comment) };
  },
  "issues/get-comment": ({ state, params }) => {
    const comment = state.comments.get(Number(params.comment_id));
    return comment ? { status: 200, body: commentObject(state, comment) } : notFound();
  },
  "issues/update-comment": ({ state, params, body }) => {
    const comment = state.comments.get(Number(params.comment_id));
    if (!comment) return notFound();
    const text = String(body.body ?? "");
    if (text.length > MAX_BODY) return invalid("body is too long (maximum is 65536 characters)");
    comment.body = text;
    comment.updatedAt = now();
    return { status: 200, body: commentObject(state, comment) };
  },
  "reactions/create-for-issue-comment": ({ state, fake, params, body }) => {
    const commentId = Number(params.comment_id);
    if (!state.comments.has(commentId)) return notFound();
    const content = String(body.content ?? "");
    const existing = state.reactions.find(
      (r) => r.commentId === commentId && r.content === content && r.user.login === fake.bot.login,
    );
    if (!existing) state.reactions.push({ commentId, content, user: fake.bot });
    return {
      status: existing ? 200 : 201,
      body: { id: state.id_(), node_id: "REA_1", user: userObject(fake.bot), content, created_at: now() },
    };
  },
};
