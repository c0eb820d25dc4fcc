/**
 * The probot app: wiring only. Each webhook has its own small handler (webhook-*.ts) over one runtime
 * per repository (repo-session.ts): the handler reads the event, picks the repository, serializes on its
 * lock, calls one use case and reports a typed outcome.
 */
import type { ApplicationFunction, Probot } from "probot";
import type { CaddieConfig } from "../core/config.ts";
import type { Clock, Proposer } from "../engine/ports.ts";
import { chooseProposer } from "../agent/choose-proposer.ts";
import { newAppRuntime } from "./repo-session.ts";
import type { WriteOnceOptions } from "./write-once.ts";
import { onCheckAction } from "./webhook-check-action.ts";
import { onIssueComment } from "./webhook-comment.ts";
import { onDispatch } from "./webhook-dispatch.ts";
import { onPullClosed } from "./webhook-pull-closed.ts";
import { onWorkflowRun } from "./webhook-workflow-run.ts";

export interface CaddieAppOptions {
  env?: Record<string, string | undefined>;
  /** The proposer for a repository's config (default: Claude with ANTHROPIC_API_KEY, else the sweep). */
  proposerFor?: (config: CaddieConfig) => Proposer;
  clock?: Clock;
  /** Called after each handled delivery with its outcome (benchmarks and logs). */
  onOutcome?: (event: string, outcome: string) => void;
  /** Called once a keep/discard/crash decision is recorded. */
  onDecision?: (experiment: string, verdict: string) => void;
  /** How one-shot writes wait and look before writing again after an uncertain outcome (tests: 1 ms). */
  writes?: WriteOnceOptions;
}

export function createCaddieApp(options: CaddieAppOptions = {}): ApplicationFunction {
  return (app: Probot) => {
    let login: Promise<string> | null = null;
    const env = options.env ?? {};
    const runtime = newAppRuntime({
      env,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onDecision ? { onDecision: options.onDecision } : {}),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
      ...(options.writes ? { writes: options.writes } : {}),
      proposerFor: options.proposerFor ?? ((config) => chooseProposer(config, env)),
      botLogin: () => {
        login ??= app.auth().then(async (gh) => {
          const me = await gh.rest.apps.getAuthenticated();
          return `${me.data?.slug ?? "caddie"}[bot]`;
        });
        return login;
      },
    });
    app.on("repository_dispatch", (context) => onDispatch(runtime, context));
    app.on("workflow_run.completed", (context) => onWorkflowRun(runtime, context));
    app.on("issue_comment.created", (context) => onIssueComment(runtime, context));
    app.on("check_run.requested_action", (context) => onCheckAction(runtime, context));
    app.on("pull_request.closed", (context) => onPullClosed(runtime, context));
    app.on("installation.created", async (context) => {
      context.log.info(
        { repositories: context.payload.repositories?.map((r) => r.full_name) },
        "installed; waiting for the first tick",
      );
    });
  };
}
