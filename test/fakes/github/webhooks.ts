/**
 * Webhook payloads built from real examples (@octokit/webhooks-examples), patched with the fake's state
 * (repository, installation, pull requests, runs), and delivered HMAC-signed over HTTP like GitHub does.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import type { FakeGitHub } from "./server.ts";
import type { Actor, WorkflowRun } from "./state.ts";
import {
  checkRunObject,
  commentObject,
  issueObject,
  pullObject,
  repoObject,
  userObject,
  workflowRunObject,
} from "./handlers/shapes.ts";
import { now, obj, type Obj } from "./handlers/types.ts";

type Examples = { name: string; examples: Obj[] }[];
let examples: Examples | null = null;

/** A clone of the first example of `event` (and `action`), preferring one sent to an App installation. */
export function example(event: string, action?: string): Obj {
  if (!examples) {
    const require = createRequire(import.meta.url);
    examples = JSON.parse(
      readFileSync(require.resolve("@octokit/webhooks-examples/api.github.com/index.json"), "utf8"),
    ) as Examples;
  }
  const list = examples.find((e) => e.name === event)?.examples ?? [];
  const matching = list.filter((x) => action === undefined || x.action === action);
  const chosen = matching.find((x) => x.installation) ?? matching[0];
  if (!chosen) throw new Error(`no webhook example for ${event}.${action ?? "*"}`);
  return structuredClone(chosen);
}

function base(fake: FakeGitHub, event: string, action: string | undefined, sender: Actor): Obj {
  const payload = example(event, action);
  delete payload.organization;
  return {
    ...payload,
    repository: { ...obj(payload.repository), ...repoObject(fake.state) },
    installation: { id: fake.installationId, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" },
    sender: { ...obj(payload.sender), ...userObject(sender) },
  };
}

export function dispatchPayload(fake: FakeGitHub, eventType: string): Obj {
  return {
    ...base(fake, "repository_dispatch", undefined, { login: fake.state.owner, type: "User" }),
    action: eventType,
    branch: fake.state.defaultBranch,
    client_payload: {},
  };
}

export function workflowRunPayload(fake: FakeGitHub, run: WorkflowRun): Obj {
  const payload = base(fake, "workflow_run", "completed", { login: fake.state.owner, type: "User" });
  const template = obj(payload.workflow_run);
  return {
    ...payload,
    action: "completed",
    workflow: { ...obj(payload.workflow), name: run.name, path: run.path },
    workflow_run: {
      ...template,
      ...workflowRunObject(fake.state, run),
      run_attempt: run.attempt ?? 1,
      previous_attempt_url: null,
    },
  };
}

/** Creates the comment in the fake (so reactions and replies find it) and returns its `created` payload. */
export function commentPayload(fake: FakeGitHub, input: { issue: number; body: string; user: Actor }): Obj {
  const state = fake.state;
  const target = state.issueOrPull(input.issue);
  if (!target) throw new Error(`no issue #${input.issue}`);
  const comment = {
    id: state.id_(),
    issueNumber: input.issue,
    body: input.body,
    user: input.user,
    createdAt: now(),
    updatedAt: now(),
  };
  state.comments.set(comment.id, comment);
  const payload = base(fake, "issue_comment", "created", input.user);
  return {
    ...payload,
    action: "created",
    issue: { ...obj(payload.issue), ...issueObject(state, target) },
    comment: { ...obj(payload.comment), ...commentObject(state, comment) },
  };
}

/** A click on a check run's button (`check_run.requested_action`), as GitHub sends it to the App. */
export function requestedActionPayload(
  fake: FakeGitHub,
  input: { checkRunId: number; identifier: string; user: Actor },
): Obj {
  const state = fake.state;
  const run = state.checkRuns.get(input.checkRunId);
  if (!run) throw new Error(`no check run ${input.checkRunId}`);
  const pull = [...state.pulls.values()].find((p) => p.headSha === run.headSha);
  const payload = base(fake, "check_run", "requested_action", input.user);
  const template = obj(payload.check_run);
  const full = `${state.owner}/${state.name}`;
  return {
    ...payload,
    action: "requested_action",
    requested_action: { identifier: input.identifier },
    check_run: {
      ...template,
      ...checkRunObject(state, run, fake.appSlug),
      check_suite: obj(template.check_suite),
      app: obj(template.app),
      pull_requests: pull
        ? [
            {
              url: `https://api.github.com/repos/${full}/pulls/${pull.number}`,
              id: pull.number,
              number: pull.number,
              head: { ref: pull.headRef, sha: pull.headSha, repo: { id: 1, url: "", name: state.name } },
              base: { ref: pull.baseRef, sha: "", repo: { id: 1, url: "", name: state.name } },
            },
          ]
        : [],
    },
  };
}

export function pullClosedPayload(fake: FakeGitHub, number: number, sender: Actor): Obj {
  const pull = fake.state.pulls.get(number);
  if (!pull) throw new Error(`no pull request #${number}`);
  const payload = base(fake, "pull_request", "closed", sender);
  return {
    ...payload,
    action: "closed",
    number,
    pull_request: { ...obj(payload.pull_request), ...pullObject(fake.state, pull) },
  };
}

export interface Delivery {
  status: number;
  ms: number;
  id: string;
}

/** POSTs a signed delivery to the app's webhook endpoint, as GitHub does. */
export async function deliver(
  url: string,
  secret: string,
  event: string,
  payload: unknown,
  id: string = randomUUID(),
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started, id };
}
