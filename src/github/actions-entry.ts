/**
 * Runs the app once inside GitHub Actions, for the event that started the workflow: reads
 * GITHUB_EVENT_NAME / GITHUB_EVENT_PATH and hands the payload to probot.receive. It authenticates as the
 * App (APP_ID and PRIVATE_KEY secrets), not with GITHUB_TOKEN: events caused by GITHUB_TOKEN start no
 * workflows, so experiment pull requests opened with it would never train. `schedule` and
 * `workflow_dispatch` become a tick. (@probot/adapter-github-actions supports only probot 13.)
 */
import { readFileSync } from "node:fs";
import { Probot, type ApplicationFunction, type ProbotOctokit } from "probot";
import { createCaddieApp } from "./app.ts";
import { MissingCredential, readAppCredentials, type Env } from "../io/app-credentials.ts";
import { TICK_EVENT } from "./workflows.ts";

export interface ActionsRunOptions {
  env?: Env;
  app?: ApplicationFunction;
  /** Octokit class override (tests turn retries off). */
  Octokit?: typeof ProbotOctokit;
}

/** Returns the process exit code. */
export async function runInActions(options: ActionsRunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const name = env.GITHUB_EVENT_NAME;
  const path = env.GITHUB_EVENT_PATH;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (!name || !path || !owner || !repo) {
    process.stderr.write(
      "caddie: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH and GITHUB_REPOSITORY must be set (run inside GitHub Actions)\n",
    );
    return 2;
  }
  let credentials;
  try {
    credentials = readAppCredentials(env);
  } catch (error) {
    if (!(error instanceof MissingCredential)) throw error;
    process.stderr.write(`caddie: ${error.message} (the App's settings, as secrets)\n`);
    return 2;
  }
  const probot = new Probot({
    ...credentials,
    // Events come from the workflow's own event file here, never from a webhook: no signature to check.
    secret: "unused: no webhook is received in this mode",
    baseUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    logLevel: (env.LOG_LEVEL as "info" | undefined) ?? "info",
    ...(options.Octokit ? { Octokit: options.Octokit } : {}),
  });
  await probot.load(options.app ?? createCaddieApp({ env }));
  const appClient = await probot.auth();
  const installation = await appClient.rest.apps.getRepoInstallation({ owner, repo });
  const gh = await probot.auth(installation.data.id);
  let payload = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  let event = name;
  if (name === "schedule" || name === "workflow_dispatch") {
    const repository = await gh.rest.repos.get({ owner, repo });
    event = "repository_dispatch";
    payload = {
      action: TICK_EVENT,
      branch: repository.data.default_branch,
      client_payload: {},
      repository: repository.data,
      sender: payload.sender ?? repository.data.owner,
    };
  }
  payload = {
    ...payload,
    installation: { id: installation.data.id, node_id: `installation-${installation.data.id}` },
  };
  await probot.receive({
    id: `${env.GITHUB_RUN_ID ?? "local"}-${env.GITHUB_RUN_ATTEMPT ?? "1"}`,
    name: event,
    payload,
  } as Parameters<Probot["receive"]>[0]);
  return 0;
}
