/**
 * The probot app: thin handlers that read the event, pick the repository, serialize per repository, and
 * call one use case (tick, run finished, command). Config comes from the default branch; a broken config
 * is reported once on the results issue and the bot then does nothing rather than guess.
 */
import type { ApplicationFunction, Context, Probot } from "probot";
import type { CaddieConfig } from "../core/config.ts";
import type { Clock, Proposer } from "../engine/ports.ts";
import { chooseProposer } from "../agent/choose-proposer.ts";
import { GitHubStore } from "./github-store.ts";
import { onComment, isBot } from "./on-comment.ts";
import { decideRuns, prepareRun, publishRun, type Decided, type Prepared } from "./on-run-finished.ts";
import { Batcher } from "./batcher.ts";
import { IdleGate } from "./idle-gate.ts";
import { tick } from "./on-tick.ts";
import {
  newAppRuntime,
  ready,
  readConfig,
  repoSession,
  stateBranch,
  type AppRuntime,
  type ReadySession,
  type RepoSession,
} from "./repo-session.ts";
import { refreshResultsIssue } from "./results-issue.ts";
import { onPromotionFinished } from "./on-promotion-finished.ts";
import { onRequestedAction } from "./on-requested-action.ts";
import { isExperimentRun, isPromoteRun, TICK_EVENT } from "./workflows.ts";

export interface CaddieAppOptions {
  env?: Record<string, string | undefined>;
  /** The proposer for a repository's config (default: Claude with ANTHROPIC_API_KEY, else the sweep). */
  proposerFor?: (config: CaddieConfig) => Proposer;
  clock?: Clock;
  /** Called after each handled delivery with its outcome (benchmarks and logs). */
  onOutcome?: (event: string, outcome: string) => void;
  /** Called once a keep/discard/crash decision is recorded. */
  onDecision?: (experiment: string, verdict: string) => void;
}

type RepoPayload = { repository: { name: string; owner: { login: string }; default_branch?: string } };

function sessionOf(runtime: AppRuntime, context: Context, payload: RepoPayload): RepoSession {
  return repoSession(runtime, {
    gh: context.octokit,
    repo: { owner: payload.repository.owner.login, repo: payload.repository.name },
    log: context.log,
    defaultBranch: payload.repository.default_branch ?? "main",
  });
}

async function reportConfigError(session: RepoSession, error: string): Promise<void> {
  const store = await GitHubStore.open(stateBranch(session));
  if (store.bot().configError === error) return;
  session.log.warn({ error }, "config error");
  await refreshResultsIssue(session, store, { kind: "config-error", error }, null);
  const issue = store.bot().resultsIssue;
  if (issue !== null)
    await session.gh.rest.issues.createComment({
      ...session.repo,
      issue_number: issue,
      body: `The config is broken, so caddie is doing nothing until it is fixed:\n\n> ${error.replace(/\n/g, " ")}`,
    });
  store.setBot({ ...store.bot(), configError: error });
  await store.flush("config error reported");
}

/** Loads the config; runs `work` only when it is valid. */
async function withConfig(
  session: RepoSession,
  work: (ready: ReadySession) => Promise<string>,
): Promise<string> {
  const loaded = await readConfig(session);
  if (loaded.kind === "missing") {
    session.log.info("no .github/caddie.yml on the default branch: idle (run `caddie init`)");
    return "idle: no config";
  }
  if (loaded.kind === "error") {
    await reportConfigError(session, loaded.error);
    return "config error";
  }
  const r = await ready(session, loaded.config, loaded.program);
  if (r.store.bot().configError !== null) r.store.setBot({ ...r.store.bot(), configError: null });
  return work(r);
}

export function createCaddieApp(options: CaddieAppOptions = {}): ApplicationFunction {
  return (app: Probot) => {
    let login: Promise<string> | null = null;
    const env = options.env ?? {};
    const runtime = newAppRuntime({
      env,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onDecision ? { onDecision: options.onDecision } : {}),
      proposerFor: options.proposerFor ?? ((config) => chooseProposer(config, env)),
      botLogin: () => {
        login ??= app.auth().then(async (gh) => {
          const me = await gh.rest.apps.getAuthenticated();
          return `${me.data?.slug ?? "caddie"}[bot]`;
        });
        return login;
      },
    });
    const keyOf = (session: RepoSession) => `${session.repo.owner}/${session.repo.repo}`.toLowerCase();
    const batchers = new Map<string, Batcher<{ session: ReadySession; prepared: Prepared }, Decided>>();
    const decisions = (session: RepoSession) => {
      const key = keyOf(session);
      let batcher = batchers.get(key);
      if (!batcher) {
        batcher = new Batcher(runtime.lock, key, async (items) => {
          const first = items[0]?.session;
          if (!first) return [];
          // A fresh store under the lock: the batch decides against the latest state.
          const fresh = await ready(first, first.config, first.program);
          return decideRuns(
            fresh,
            items.map((i) => i.prepared),
          );
        });
        batchers.set(key, batcher);
      }
      return batcher;
    };
    const gates = new Map<string, IdleGate>();
    const gateOf = (session: RepoSession) => {
      const key = keyOf(session);
      const gate = gates.get(key) ?? new IdleGate();
      gates.set(key, gate);
      return gate;
    };
    const refills = new Map<string, Promise<void>>();
    // One refill tick for however many decisions just landed, after the results in flight are decided.
    const refill = (session: RepoSession): Promise<void> => {
      const key = keyOf(session);
      const queued = refills.get(key);
      if (queued) return queued;
      const next = gateOf(session)
        .whenIdle()
        .then(() =>
          runtime.lock.run(key, async () => {
            refills.delete(key);
            await withConfig(session, async (r) => tick(r, { reconcile: false }));
          }),
        );
      refills.set(key, next);
      return next;
    };
    const serialize = (session: RepoSession, event: string, work: () => Promise<string>): Promise<void> =>
      runtime.lock.run(`${session.repo.owner}/${session.repo.repo}`.toLowerCase(), async () => {
        const outcome = await work();
        session.log.info({ event, outcome }, "handled");
        options.onOutcome?.(event, outcome);
      });

    app.on("repository_dispatch", async (context) => {
      if (context.payload.action !== TICK_EVENT) return;
      const session = sessionOf(runtime, context, context.payload);
      await serialize(session, "tick", () =>
        withConfig(session, (r) => tick(r, { reconcile: true, watch: true })),
      );
    });

    app.on("workflow_run.completed", async (context) => {
      const run = context.payload.workflow_run;
      if (isPromoteRun(run)) {
        const session = sessionOf(runtime, context, context.payload);
        const finished = {
          id: run.id,
          conclusion: run.conclusion,
          htmlUrl: run.html_url,
          title: run.display_title,
        };
        await serialize(session, "promotion", () =>
          withConfig(session, (r) => onPromotionFinished(r, finished)),
        );
        return;
      }
      if (!isExperimentRun(run)) return;
      const session = sessionOf(runtime, context, context.payload);
      const loaded = await readConfig(session);
      if (loaded.kind !== "ok") {
        await serialize(session, "workflow_run", () => withConfig(session, async () => "unreachable"));
        return;
      }
      const gate = gateOf(session);
      gate.enter();
      let decided: Decided;
      let r: ReadySession;
      try {
        r = await ready(session, loaded.config, loaded.program);
        const prepared = await prepareRun(r, {
          id: run.id,
          attempt: run.run_attempt ?? 1,
          headSha: run.head_sha,
          headBranch: run.head_branch ?? "",
          conclusion: run.conclusion,
          htmlUrl: run.html_url,
        });
        decided =
          prepared.kind === "prepared" ? await decisions(session).submit({ session: r, prepared }) : prepared;
      } finally {
        gate.leave();
      }
      // Checks and reports wait until the results arriving now are decided: decisions first.
      await gate.whenIdle();
      await publishRun(r, decided);
      session.log.info({ event: "workflow_run", outcome: decided.kind }, "handled");
      options.onOutcome?.("workflow_run", decided.kind);
      // Right after a decision, fill the free slots (one tick for however many decisions just landed).
      if (decided.kind === "settled" || decided.kind === "rerun") await refill(session);
    });

    app.on("issue_comment.created", async (context) => {
      const { comment, issue, sender } = context.payload;
      if (isBot(sender) || isBot({ login: comment.user?.login ?? "", type: comment.user?.type ?? "" }))
        return;
      if (!comment.body.trimStart().startsWith("/") && !comment.body.includes("\n/")) return;
      const session = sessionOf(runtime, context, context.payload);
      await serialize(session, "comment", async () => {
        const loaded = await readConfig(session);
        const r = loaded.kind === "ok" ? await ready(session, loaded.config, loaded.program) : null;
        const store = r?.store ?? (await GitHubStore.open(stateBranch(session)));
        const outcome = await onComment(session, store, r, {
          deliveryId: context.id,
          issueNumber: issue.number,
          isPull: issue.pull_request !== undefined && issue.pull_request !== null,
          commentId: comment.id,
          body: comment.body,
          sender: { login: sender.login, type: sender.type },
        });
        if (r && ["paused", "pause", "resume", "discarded", "kept"].includes(outcome))
          await tick(r, { reconcile: false });
        return outcome;
      });
    });

    // The Promote button on a `caddie / proxy` check: the same path as `/promote`.
    app.on("check_run.requested_action", async (context) => {
      const { check_run: check, requested_action: action, sender } = context.payload;
      if (isBot(sender)) return;
      const session = sessionOf(runtime, context, context.payload);
      await serialize(session, "requested_action", async () => {
        const loaded = await readConfig(session);
        const r = loaded.kind === "ok" ? await ready(session, loaded.config, loaded.program) : null;
        return onRequestedAction(session, r?.store ?? (await GitHubStore.open(stateBranch(session))), r, {
          deliveryId: context.id,
          identifier: action?.identifier ?? "",
          check: { name: check.name, headSha: check.head_sha, externalId: check.external_id },
          sender: { login: sender.login, type: sender.type },
        });
      });
    });

    app.on("pull_request.closed", async (context) => {
      if (isBot(context.payload.sender)) return;
      const session = sessionOf(runtime, context, context.payload);
      const number = context.payload.pull_request.number;
      await serialize(session, "pull_request.closed", () =>
        withConfig(session, async (r) => {
          const bot = r.store.bot();
          const entry = Object.entries(bot.experiments).find(
            ([, e]) => e.pr === number && e.status === "open",
          );
          if (!entry) return "ignored";
          r.store.setBot({
            ...bot,
            experiments: { ...bot.experiments, [entry[0]]: { ...entry[1], status: "closed" } },
          });
          await tick(r, { reconcile: false });
          return "closed by a human";
        }),
      );
    });

    app.on("installation.created", async (context) => {
      context.log.info(
        { repositories: context.payload.repositories?.map((r) => r.full_name) },
        "installed; waiting for the first tick",
      );
    });
  };
}
