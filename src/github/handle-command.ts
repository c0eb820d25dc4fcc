/**
 * One path for every human command, typed in a comment (`/promote`) or clicked on a check run (the
 * Promote button): authorize the sender with the collaborator-permission API (write, maintain or admin;
 * never author_association), bind pull request commands to a head SHA, stay idempotent on the event (a key
 * from the signed body: the comment id, the clicked check run) and on (PR, SHA, command), act, and reply on
 * the issue or pull request with the outcome.
 *
 * Someone without write access gets nothing: no reply, no reaction, no state write, only a log line (on a
 * public repository anyone can comment, and each reply or commit would be theirs to cause). A delivery
 * replayed with a new delivery id is the same event, so it is a no-op; one older than GitHub's redelivery
 * window is refused, so a replay outlives neither the key list nor the window.
 */
import { describeFlags, keptBy } from "../core/flags.ts";
import { upsertLedgerRow, type LedgerRow } from "../core/ledger.ts";
import { renderBudget, renderSpendEstimate } from "../core/render-budget.ts";
import { estimateFullRun, spendSummary } from "../core/spend-ledger.ts";
import { httpStatus } from "./github-client.ts";
import { mergeOnce } from "./github-forge.ts";
import { REPLY_MARKER } from "./markers.ts";
import { postComment } from "./post-comment.ts";
import type { GitHubStore } from "./github-store.ts";
import { ISSUE_COMMANDS, PR_COMMANDS, type CommandName, type ParsedCommand } from "./parse-command.ts";
import type { ReadySession, RepoSession } from "./repo-session.ts";
import { promote, readSpend, spendPolicy } from "./promote.ts";
import { dispatchTraining } from "./dispatch-training.ts";
import { inline } from "../core/safe-markdown.ts";
import { short } from "./markdown.ts";

export interface CommandRequest {
  /** Identifies the event from inside its signed body (`comment:<id>`, `click:<check run>:<action>`). */
  eventKey: string;
  /** When the event happened (the comment's created_at), if the payload says. */
  createdAt?: string | null;
  /** Where the command applies and the reply goes. */
  issueNumber: number;
  isPull: boolean;
  sender: { login: string; type: string };
  command: Exclude<ParsedCommand, { kind: "none" }>;
  /** A button binds to its check's head_sha; null binds a comment to the pull request's head now. */
  boundSha: string | null;
  /** Says "seen" before acting (a reaction on a comment), once the delivery is known to be new. */
  acknowledge: () => Promise<void>;
}

/** What a command came to (for logs, tests and whether the loop should tick at once). */
export type CommandOutcome =
  | "duplicate event"
  | "ignored: permission"
  | "ignored: stale"
  | "duplicate command"
  | "invalid command"
  | "budget"
  | "pause"
  | "resume"
  | "promoted"
  | "dry-run"
  | "failed"
  | "rerun"
  | "discarded"
  | "kept"
  | "kept over flags"
  | "refused"
  | "refused: wrong place"
  | "refused: config"
  | "refused: not an experiment"
  | "refused: fork"
  | "refused: head moved"
  | "refused: unmeasured"
  | "refused: budget"
  | "refused: decided";

const WRITE_ROLES = new Set(["write", "maintain", "admin"]);
/** GitHub lets a delivery be redelivered for three days; an event older than that is a replay. */
export const MAX_EVENT_AGE_MS = 3 * 24 * 3600 * 1000;

async function canWrite(session: RepoSession, login: string): Promise<boolean> {
  try {
    const res = await session.gh.rest.repos.getCollaboratorPermissionLevel({
      ...session.repo,
      username: login,
    });
    return WRITE_ROLES.has(res.data.role_name) || WRITE_ROLES.has(res.data.permission);
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}

function markHandled(store: GitHubStore, keys: string[]): void {
  const bot = store.bot();
  store.setBot({ ...bot, handled: [...bot.handled, ...keys.filter((k) => !bot.handled.includes(k))] });
}

/** Returns a short outcome (for logs and tests). `ready` is null when the config is broken. */
export async function handleCommand(
  session: RepoSession,
  store: GitHubStore,
  ready: ReadySession | null,
  req: CommandRequest,
): Promise<CommandOutcome> {
  const eventKey = req.eventKey;
  if (store.bot().handled.includes(eventKey)) return "duplicate event";
  const created = req.createdAt ? Date.parse(req.createdAt) : NaN;
  if (Number.isFinite(created) && session.app.clock.now() - created > MAX_EVENT_AGE_MS) {
    session.log.warn(
      { event: eventKey, createdAt: req.createdAt },
      "command older than the redelivery window",
    );
    return "ignored: stale";
  }
  const { gh, repo } = session;
  // Before any write (reaction, reply, state): strangers cause nothing but a log line.
  if (!(await canWrite(session, req.sender.login))) {
    session.log.info(
      { sender: req.sender.login, event: eventKey },
      "command from a user without write access",
    );
    return "ignored: permission";
  }
  await req.acknowledge();
  const reply = async (
    text: string,
    outcome: CommandOutcome,
    keys: string[] = [],
  ): Promise<CommandOutcome> => {
    await postComment(session, {
      issue: req.issueNumber,
      body: `@${req.sender.login} ${text}`,
      marker: { name: REPLY_MARKER, value: eventKey },
    });
    markHandled(store, [eventKey, ...keys]);
    await store.flush(`command: ${outcome}`);
    return outcome;
  };
  const parsed = req.command;
  if (parsed.kind === "invalid") return reply(parsed.error, "invalid command");
  const name = parsed.name;
  const bot = store.bot();
  if (ISSUE_COMMANDS.includes(name)) {
    if (req.isPull || bot.resultsIssue !== req.issueNumber)
      return reply(`\`/${name}\` works on the results issue only.`, "refused: wrong place");
    if (name === "budget") {
      const text = ready
        ? renderBudget(spendSummary(readSpend(store), spendPolicy(ready.config), ready.app.clock.now()), {
            next: estimateFullRun(ready.config.tiers.full, 1),
          })
        : "the config is broken; fix `.github/caddie.yml` first.";
      return reply(`budget:\n\n${text}`, "budget");
    }
    store.setBot({ ...bot, paused: name === "pause" });
    return reply(
      name === "pause"
        ? "paused: no new experiments start until `/resume`. Runs in flight still finish."
        : "resumed.",
      name === "pause" ? "pause" : "resume",
    );
  }
  if (!req.isPull)
    return reply(`\`/${name}\` works on experiment pull requests only.`, "refused: wrong place");
  if (!ready)
    return reply("the config is broken (see the results issue); nothing was done.", "refused: config");
  const entry = Object.entries(bot.experiments).find(([, e]) => e.pr === req.issueNumber);
  if (!entry)
    return reply(
      `\`/${name}\` works on experiment pull requests the bot opened; this is not one.`,
      "refused: not an experiment",
    );
  const [id, exp] = entry;
  const pull = await gh.rest.pulls.get({ ...repo, pull_number: req.issueNumber });
  if (pull.data.head.repo?.full_name !== pull.data.base.repo.full_name)
    return reply("commands are refused on pull requests from forks.", "refused: fork");
  const sha = req.boundSha ?? pull.data.head.sha;
  // Once per (PR, SHA, command); `/rerun` may be asked again (each comment is its own event).
  const commandKey = name === "rerun" ? null : `cmd:${req.issueNumber}:${sha}:${name}`;
  if (commandKey && bot.handled.includes(commandKey))
    return reply(`\`/${name}\` was already handled for \`${short(sha)}\`.`, "duplicate command", []);
  return runPullCommand(
    ready,
    { id, name, sha, seeds: parsed.seeds, login: req.sender.login, exp: { ...exp } },
    (text, outcome) => reply(text, outcome, commandKey ? [commandKey] : []),
  );
}

async function runPullCommand(
  ready: ReadySession,
  c: {
    id: string;
    name: CommandName;
    sha: string;
    seeds: number;
    login: string;
    exp: { pr: number; commit: string; status: string };
  },
  reply: (text: string, outcome: CommandOutcome) => Promise<CommandOutcome>,
): Promise<CommandOutcome> {
  const { gh, repo, store, config } = ready;
  if (!PR_COMMANDS.includes(c.name)) return reply(`\`/${c.name}\` is not a pull request command.`, "refused");
  if (c.sha !== c.exp.commit)
    return reply(
      `the head moved to \`${short(c.sha)}\` since the bot measured \`${short(c.exp.commit)}\`; nothing was done.`,
      "refused: head moved",
    );
  const setStatus = (status: "closed") => {
    const bot = store.bot();
    const exp = bot.experiments[c.id];
    if (exp) store.setBot({ ...bot, experiments: { ...bot.experiments, [c.id]: { ...exp, status } } });
  };
  if (c.name === "promote") {
    const rows = await store.readLedger();
    const measured = rows.find(
      (r) => r.experiment === c.id && r.tier === "proxy" && r.commit === c.sha && r.val_bpb !== null,
    );
    if (!measured)
      return reply(
        `\`${short(c.sha)}\` has no proxy score yet; promote it once it is measured.`,
        "refused: unmeasured",
      );
    const outcome = await promote(ready, {
      experiment: c.id,
      pr: c.exp.pr,
      sha: c.sha,
      seeds: c.seeds,
      requestedBy: c.login,
    });
    const estimate = renderSpendEstimate(outcome.estimate);
    switch (outcome.kind) {
      case "refused":
        return reply(`promotion refused: ${outcome.reason}. Nothing was dispatched.`, "refused: budget");
      case "failed":
        return reply(`promotion failed: ${outcome.reason}; the reservation was released.`, "failed");
      case "dry-run":
        return reply(
          `DRY-RUN: would promote \`${short(c.sha)}\` with ${c.seeds} seed(s); estimate ${estimate}.`,
          "dry-run",
        );
      case "dispatched":
        return reply(
          `promoting \`${short(c.sha)}\` to ${config.tiers.full.gpus}x${config.tiers.full.gpu} with ${c.seeds} seed(s); estimate $${outcome.estimate.usd.toFixed(2)}: ${estimate}. Reserved in the spend ledger; settled with the billed seconds when the run finishes.${outcome.warning ? `\n\n> [!WARNING]\n> ${outcome.warning}` : ""}`,
          "promoted",
        );
    }
  }
  if (c.exp.status === "settled" && (c.name === "keep" || c.name === "discard")) {
    // A flagged run was left open for a person: their word decides it, on the record.
    const row = await flaggedRow(ready, c.id, c.sha);
    if (row) return decideFlagged(ready, { ...c, row }, setStatus, reply);
  }
  if (c.exp.status !== "open")
    return reply(`\`${c.id}\` is already decided; nothing was done.`, "refused: decided");
  if (c.name === "rerun") {
    // A fresh dispatch (a re-run of an old run would be triggered by the commenter, not by the App).
    const current = store.bot().experiments[c.id];
    if (!current) return reply("no such experiment.", "refused: not an experiment");
    const next = await dispatchTraining(ready, c.id, current);
    if (next === current)
      return reply(
        "the training workflow could not be dispatched (see the App's log); nothing was done.",
        "failed",
      );
    const bot = store.bot();
    store.setBot({ ...bot, experiments: { ...bot.experiments, [c.id]: next } });
    return reply(
      `re-running the training of \`${short(c.sha)}\`${c.seeds > 1 ? " (the proxy tier trains one seed per run)" : ""}.`,
      "rerun",
    );
  }
  if (c.name === "discard") {
    await gh.rest.pulls.update({ ...repo, pull_number: c.exp.pr, state: "closed" });
    setStatus("closed");
    return reply(`closed \`${c.id}\` without recording a result.`, "discarded");
  }
  await mergeOnce(
    gh,
    repo,
    { pr: c.exp.pr, sha: c.sha, title: `${c.id}: kept by @${c.login} (#${c.exp.pr})` },
    ready.app.writes,
  );
  setStatus("closed");
  return reply(
    `merged \`${short(c.sha)}\` into \`${config.researchLine}\` on your word (no ledger row: it was not decided by a measurement).`,
    "kept",
  );
}

/** The proxy row of a flagged discard of this commit, or null. */
async function flaggedRow(ready: ReadySession, id: string, sha: string): Promise<LedgerRow | null> {
  const rows = await ready.store.readLedger();
  const row = rows.find((r) => r.experiment === id && r.tier === "proxy" && r.commit === sha);
  return row && row.status === "discard" && row.flags.some((f) => f.code !== "kept_by") ? row : null;
}

/**
 * `/keep` or `/discard` on a flagged run. Keep merges it and records in results.tsv that this person kept
 * it over the flags (the flags stay); discard closes it. Either way the bot never decided it on its own.
 */
async function decideFlagged(
  ready: ReadySession,
  c: { id: string; name: CommandName; sha: string; login: string; exp: { pr: number }; row: LedgerRow },
  setStatus: (status: "closed") => void,
  reply: (text: string, outcome: CommandOutcome) => Promise<CommandOutcome>,
): Promise<CommandOutcome> {
  const { gh, repo, store, config } = ready;
  if (c.name === "discard") {
    await gh.rest.pulls.update({ ...repo, pull_number: c.exp.pr, state: "closed" });
    setStatus("closed");
    return reply(`closed the flagged \`${c.id}\`; it stays a discard in results.tsv.`, "discarded");
  }
  await mergeOnce(
    gh,
    repo,
    { pr: c.exp.pr, sha: c.sha, title: `${c.id}: kept by @${c.login} over caddie's flags (#${c.exp.pr})` },
    ready.app.writes,
  );
  const rows = await store.readLedger();
  await store.writeLedger(
    upsertLedgerRow(rows, { ...c.row, status: "keep", flags: [...c.row.flags, keptBy(c.login)] }),
  );
  setStatus("closed");
  return reply(
    `merged \`${short(c.sha)}\` into \`${config.researchLine}\` on your word, over caddie's flags: ${inline(describeFlags(c.row.flags), 1000)}. results.tsv records it as kept by you.`,
    "kept over flags",
  );
}
