/**
 * A tick (cron dispatch, or right after a decision): when fewer experiments are open than the configured
 * concurrency and the loop is not paused, open the next one: the baseline first, then whatever the
 * proposer suggests. Cron ticks also run the reconciler first, so missed webhooks are caught up, sync
 * competitors when due (watch-competitors.ts) and take in the research job's artifact (ingest-research.ts).
 */
import { experimentId } from "../engine/experiment-id.ts";
import { repeatsInFlight } from "../engine/in-flight.ts";
import type { InFlight, Proposal } from "../engine/ports.ts";
import { proposeNext } from "../engine/propose-next.ts";
import { SetupError, UserError } from "../core/user-error.ts";
import { ingestResearch } from "./ingest-research.ts";
import { openExperiment } from "./open-experiment.ts";
import { reconcile } from "./reconcile.ts";
import { recordPublished } from "./run-publish.ts";
import type { ReadySession } from "./repo-session.ts";
import { refreshResultsIssue } from "./results-issue.ts";
import { stateOutsideContext } from "./state-outside-context.ts";
import { watchCompetitors } from "./watch-competitors.ts";
import { BASELINE } from "../engine/baseline-proposal.ts";
import { ProposerExhausted } from "../engine/proposer-exhausted.ts";

export type TickOutcome =
  "paused" | "dry-run" | "full" | "opened" | "waiting-for-baseline" | "exhausted" | "duplicate" | "refused";

export interface TickOptions {
  /** Rebuild pending work from GitHub first (cron ticks). */
  reconcile: boolean;
  /** Sync competitors and ingest the research artifact when due (cron ticks only, never on a webhook). */
  watch?: boolean;
  signal?: AbortSignal;
}

export async function tick(session: ReadySession, options: TickOptions): Promise<TickOutcome> {
  const { store, config } = session;
  // What the webhook path published since the last commit is recorded first, so the reconciler skips it.
  recordPublished(session);
  if (options.reconcile && !config.dryRun) await reconcile(session);
  // Before proposing, so the proposal reads the fresh scores; it never throws.
  if (options.watch) {
    await watchCompetitors(session);
    await ingestResearch(session);
  }
  // Fill every free slot (at most `concurrency` experiments open at once).
  const outcome: TickOutcome = await openNext(session, options.signal);
  for (let i = 1; outcome === "opened" && i < config.concurrency; i++) {
    const next = await openNext(session, options.signal);
    if (next !== "opened") break;
  }
  // The loop got this far: a problem reported before is over (a new one is posted anew).
  if (store.bot().configError !== null) store.setBot({ ...store.bot(), configError: null });
  const bot = store.bot();
  await refreshResultsIssue(
    session,
    store,
    config.dryRun ? { kind: "dry-run" } : bot.paused ? { kind: "paused" } : { kind: "running" },
    config,
  );
  await store.flush(`tick: ${outcome}`);
  return outcome;
}

async function openNext(session: ReadySession, signal?: AbortSignal): Promise<TickOutcome> {
  const { store, config, forge, log } = session;
  const bot = store.bot();
  if (bot.paused) return "paused";
  if (config.dryRun) {
    log.info("DRY-RUN: would open the next experiment");
    return "dry-run";
  }
  const open = Object.values(bot.experiments).filter((e) => e.status === "open");
  if (open.length >= config.concurrency) return "full";
  const head = await forge.ensureLine();
  const rows = await store.readLedger();
  const baselineId = experimentId(0);
  const baselineRow = rows.find((r) => r.experiment === baselineId && r.tier === "proxy");
  const baseline = bot.experiments[baselineId];
  // The baseline repeats on new seeds (its noise estimate) before anything is judged against it.
  if (baseline?.status === "open") return "waiting-for-baseline";
  if (!baselineRow || baselineRow.status !== "keep") {
    // Nothing to train: said once on the results issue (withConfig) rather than learnt from a crashed run.
    if ((await forge.readFile(head, config.target)) === null)
      throw new SetupError(
        `the training script '${config.target}' (the config's target) is missing on the research line '${config.researchLine}' at ${head.slice(0, 7)}: add it there, or set 'target' to your script's path`,
      );
    // A crashed baseline is retried only once the research line has changed (someone fixed the course).
    if (baseline && baseline.base === head) return "waiting-for-baseline";
    await openExperiment(session, {
      id: baselineId,
      index: 0,
      base: head,
      proposal: BASELINE,
      baseline: true,
      fixOf: null,
    });
    return "opened";
  }
  const state = await store.readState();
  const index = Math.max(state.counter, ...Object.values(bot.experiments).map((e) => e.index)) + 1;
  let proposal: Proposal;
  const inFlight: InFlight[] = open.map((e) => ({
    description: e.description,
    direction: e.direction,
    config: e.config,
  }));
  // The same outside context as the CLI's loop; the sweep reads none of it.
  const outside = session.deps.proposer.name === "sweep" ? [] : stateOutsideContext(store, log);
  const deps = { ...session.deps, extraContext: [...(session.deps.extraContext ?? []), ...outside] };
  try {
    proposal = await proposeNext(deps, head, signal, inFlight);
  } catch (error) {
    if (error instanceof ProposerExhausted) {
      log.info(error.message);
      return "exhausted";
    }
    // The setup cannot propose at all (withConfig reports it once); a bad proposal is refused, not retried.
    if (error instanceof SetupError) throw error;
    if (error instanceof UserError) {
      log.warn({ error: error.message }, "proposal refused");
      return "refused";
    }
    throw error;
  }
  // Told what is in flight (in-flight.ts), a proposer may still repeat it: then it waits for results.
  if (repeatsInFlight(inFlight, proposal)) {
    log.info(
      { description: proposal.description },
      "the proposal repeats an experiment in flight; waiting for results",
    );
    return "duplicate";
  }
  await openExperiment(session, {
    id: experimentId(index),
    index,
    base: head,
    proposal,
    baseline: false,
    fixOf: null,
  });
  return "opened";
}
