/**
 * The research loop: baseline first, then propose -> commit -> train -> measure -> decide, until a stop
 * condition. While one run trains, the next proposal is prepared (for proposers that take time), on the
 * assumption that the current run is discarded; if it is kept instead, the prepared change is re-applied
 * onto the new line head, or proposed again when it no longer applies.
 */
import { checkEdits } from "../core/allow-list.ts";
import { crashHint } from "../core/crash-hint.ts";
import { addRunTime, noTime, type TimeTotals } from "../core/run-timing.ts";
import { upsertLedgerRow } from "../core/ledger.ts";
import { BASELINE } from "./baseline-proposal.ts";
import { claimReference } from "../core/claim-gap.ts";
import { experimentId } from "./experiment-id.ts";
import { nextPairedSeed } from "../core/keep-rule.ts";
import { changeOf, type ChangeKind } from "./change-of.ts";
import { earnVerdict, rerunIncumbent, type Earned, type MeasuredRun, type RunOnce } from "./earn-verdict.ts";
import { bestKept, keptGroups, runRecords, samplesOf, signalsFor } from "./history.ts";
import type { LoopDeps } from "./loop-deps.ts";
import { describeFlags } from "../core/flags.ts";
import { measureOutcome, measureOptions, readClaims, type Measurement } from "./measure-outcome.ts";
import { scoreRun } from "./score-run.ts";
import type { Proposal, RunOutcome } from "./ports.ts";
import { proposeNext, withStatedRisk } from "./propose-next.ts";
import { settleRun, type Settled } from "./settle-run.ts";
import type { RunKind } from "./loop-events.ts";
import { commitMessage } from "./commit-message.ts";
import { ProposerExhausted } from "./proposer-exhausted.ts";
import { readAllowedFiles } from "./read-allowed-files.ts";

export interface LoopOptions {
  /** Experiments after the baseline. */
  maxExperiments: number;
  /** Stop starting new runs once this much wall time has passed (null: no limit). */
  maxHours: number | null;
  signal?: AbortSignal;
  /** Seed of the first run; repeated baselines use seed + 1, + 2, ... */
  seed?: number;
}

/** `baseline-crashed`: the reference run failed; nothing can be judged until it is fixed. */
export type StopReason = "max-experiments" | "max-hours" | "interrupted" | "exhausted" | "baseline-crashed";

export interface LoopSummary {
  experiments: number;
  stopReason: StopReason;
  /** Training-loop seconds (by the logs' own clocks) and the loop's wall seconds: their ratio is the duty cycle. */
  trainSeconds: number;
  wallSeconds: number;
  /** Where the runs' time went. */
  time: TimeTotals;
}

interface Prepared {
  base: string;
  proposal: Proposal;
}

export async function runResearchLoop(deps: LoopDeps, options: LoopOptions): Promise<LoopSummary> {
  const start = deps.clock.now();
  const tier = deps.tier ?? "proxy";
  const seed = options.seed ?? 1337;
  let time = noTime();
  const summarize = (experiments: number, stopReason: StopReason): LoopSummary => ({
    experiments,
    stopReason,
    trainSeconds: time.trainLoopSeconds,
    wallSeconds: (deps.clock.now() - start) / 1000,
    time,
  });
  const aborted = () => options.signal?.aborted === true;

  /**
   * caddie's measurement of a finished run: the log's claims, caddie's own score (a crash is not scored:
   * there is nothing to keep), the code bytes from the commit. Null when Ctrl-C cut it short.
   */
  async function measureRun(
    id: string,
    commit: string,
    runSeed: number | null,
    outcome: RunOutcome,
    runTier: string = tier,
  ): Promise<Measurement | null> {
    const measuring = measureOptions(deps.config);
    const summary = readClaims(outcome, measuring);
    const scoringFrom = deps.clock.now();
    const score =
      summary.status === "ok"
        ? await scoreRun(deps, { id, commit, seed: runSeed, outcome, signal: options.signal })
        : null;
    time = { ...time, scoreSeconds: time.scoreSeconds + (deps.clock.now() - scoringFrom) / 1000 };
    if (aborted()) return null;
    const codeBytes = await committedCodeBytes(deps, commit);
    const claimRef = claimReference(await deps.store.readLedger(), runTier, id);
    return measureOutcome(outcome, { codeBytes, score, summary }, { ...measuring, claimReference: claimRef });
  }

  /** Trains one run the verdict asks for (a paired seed, the incumbent again, a confirmation). */
  const runOnce: RunOnce = async (spec) => {
    const where =
      spec.budgetFactor === 1 ? `seed ${spec.seed}` : `seed ${spec.seed} at ${spec.budgetFactor}x`;
    deps.events?.runStarted?.({
      id: spec.id,
      kind: "evidence",
      description: `${where}: ${spec.why}`,
      commit: spec.commit,
    });
    const outcome = await deps.runner.run({
      id: spec.id,
      commit: spec.commit,
      seed: spec.seed,
      budgetFactor: spec.budgetFactor,
      signal: options.signal,
      onLine: (line) => deps.events?.runLine?.(spec.id, line),
    });
    time = addRunTime(time, outcome);
    if (aborted()) return null;
    const measurement = await measureRun(spec.id, spec.commit, spec.seed, outcome, spec.tier);
    if (measurement === null) return null;
    const score = measurement.valBpb;
    const flags = measurement.flags.length > 0 ? `; flagged: ${describeFlags(measurement.flags)}` : "";
    deps.events?.notice?.(
      `${spec.id} ${spec.tier} ${where}: ${score === null ? `no score (${measurement.summary.error ?? measurement.score?.reason ?? "crash"})` : `val_bpb ${score.toFixed(4)}`}${flags}`,
    );
    return { spec, measurement, seconds: outcome.seconds };
  };

  async function train(
    id: string,
    index: number,
    kind: RunKind,
    commit: string,
    proposal: Proposal,
    runSeed: number,
    base: string | null,
    while_?: () => void,
  ): Promise<Trained | null> {
    deps.events?.runStarted?.({ id, kind, description: proposal.description, commit });
    while_?.();
    const outcome = await deps.runner.run({
      id,
      commit,
      seed: runSeed,
      signal: options.signal,
      onLine: (line) => deps.events?.runLine?.(id, line),
    });
    time = addRunTime(time, outcome);
    // A run cut short by Ctrl-C is not a result: record nothing, so a resumed loop simply runs it again.
    if (aborted()) return null;
    const measurement = await measureRun(id, commit, runSeed, outcome);
    if (measurement === null) return null;
    const { summary } = measurement;
    // An experiment's verdict may need more runs first (noise, paired seeds, a confirmation).
    let earned: Earned | null = null;
    let change: ChangeKind | null = null;
    if (kind !== "baseline" && base !== null) {
      change = changeOf(deps.config, await filesAt(deps, base), await filesAt(deps, commit));
      const first: MeasuredRun = {
        spec: { id, commit, seed: runSeed, tier, budgetFactor: 1, why: "first run" },
        measurement,
        seconds: outcome.seconds,
      };
      earned = await earnVerdict(deps, { id, commit, first, kind: change, runOnce });
      if (earned === null) return null;
    }
    const settled = await settleRun(deps, {
      id,
      index,
      commit,
      proposal,
      measurement,
      seconds: outcome.seconds,
      seed: runSeed,
      baseline: kind === "baseline",
      ...(earned ? { decision: earned.decision, extraRuns: earned.extra, tierGain: earned.tierGain } : {}),
      ...(change
        ? {
            changeClass: change.changeClass,
            changeNote: change.coupling.coupled ? change.coupling.reason : null,
          }
        : {}),
    });
    deps.events?.runFinished?.({
      id,
      row: settled.row,
      decision: settled.decision,
      summary,
      timing: outcome.timing,
    });
    if (settled.decision.verdict === "keep" && kind !== "baseline") await maybeRerunIncumbent();
    return {
      ...settled,
      error: summary.error,
      logTail: outcome.logText.split("\n").slice(-40).join("\n"),
      logPath: outcome.logPath,
    };
  }

  /**
   * After a keep: when the last `rerun_incumbent_every` kept experiments each rest on a single run, the
   * incumbent runs again on a new seed, paired with the baseline's seeds. Its value becomes the mean of
   * its runs, which undoes the luck that got it kept; the signals then backtrack if an earlier keep was better.
   */
  async function maybeRerunIncumbent(): Promise<void> {
    const every = deps.config.thresholds.rerunIncumbentEvery;
    if (every === 0 || aborted()) return;
    const rows = await deps.store.readLedger();
    const kept = [...keptGroups(rows, tier)].filter(([experiment]) => experiment !== experimentId(0));
    const recent = kept.slice(-every);
    if (recent.length < every || recent.some(([, group]) => group.length !== 1)) return;
    const incumbent = bestKept(rows, tier);
    if (!incumbent || incumbent.runs !== 1) return;
    const { seed: next } = nextPairedSeed(
      samplesOf(rows, tier, incumbent.experiment),
      samplesOf(rows, tier, experimentId(0)),
      seed + 1,
    );
    const why = `the incumbent again: ${every} keeps in a row rest on one run each`;
    await rerunIncumbent(deps, incumbent, { seed: next, tier, budgetFactor: 1, why }, runOnce);
  }

  // Baseline first: the unchanged line head, repeated over seeds when the config asks for a noise estimate.
  // Only a measured baseline counts: a crashed one is run again (same seed) on the next start.
  const existing = (await deps.store.readLedger()).filter((r) => r.tier === tier);
  const baselineId = experimentId(0);
  const measured = new Set(
    existing.filter((r) => r.experiment === baselineId && r.status === "keep").map((r) => r.seed),
  );
  for (let i = 0; measured.size < deps.config.thresholds.baselineRuns && !aborted(); i++) {
    if (measured.has(seed + i)) continue;
    const head = await deps.forge.lineHead();
    const settled = await train(baselineId, 0, "baseline", head, BASELINE, seed + i, null);
    if (!settled) break;
    if (settled.decision.verdict !== "keep") {
      const hint = crashHint(settled.error) ?? crashHint(settled.logTail);
      deps.events?.notice?.(
        [
          `the baseline failed: ${settled.decision.reason}`,
          ...(hint ? [`hint: ${hint}`] : []),
          `log: ${settled.logPath}`,
          "fix it and run the same command again: the baseline runs first again",
        ].join("\n    "),
      );
      return summarize(0, "baseline-crashed");
    }
    measured.add(seed + i);
  }

  let done = 0;
  let prepared: Promise<Prepared> | null = null;
  let stopReason: StopReason = "max-experiments";
  const elapsedHours = () => (deps.clock.now() - start) / 3_600_000;

  while (done < options.maxExperiments) {
    if (aborted()) {
      stopReason = "interrupted";
      break;
    }
    if (options.maxHours !== null && elapsedHours() >= options.maxHours) {
      stopReason = "max-hours";
      break;
    }
    const state = await deps.store.readState();
    const index = state.counter + 1;
    const id = experimentId(index);
    const head = await deps.forge.lineHead();

    let next: Prepared;
    try {
      next = prepared
        ? await prepared
        : { base: head, proposal: await proposeNext(deps, head, options.signal) };
    } catch (error) {
      if (aborted()) {
        stopReason = "interrupted";
        break;
      }
      if (error instanceof ProposerExhausted) {
        deps.events?.notice?.(error.message);
        stopReason = "exhausted";
        break;
      }
      throw error;
    }
    prepared = null;

    let commit = await deps.forge.createExperiment({
      id,
      base: next.base,
      edits: next.proposal.edits,
      message: commitMessage(id, next.proposal),
    });
    if (next.base !== head) {
      // The proposal was prepared while a run that got kept was training: carry it onto the new head.
      const rebased = await deps.forge.rebaseExperiment({
        id,
        commit,
        onto: head,
        message: commitMessage(id, next.proposal),
      });
      if (rebased === null) {
        // Back to the top of the loop, which proposes afresh on the current head (same id, same error
        // handling); the stale experiment branch is overwritten there.
        deps.events?.notice?.(
          `${id}: the prepared change no longer applies on the new best; proposing again`,
        );
        continue;
      }
      commit = rebased;
    }

    const prepareAhead = () => {
      if (deps.proposer.prefersLatest || done + 1 >= options.maxExperiments) return;
      // Assume a discard: the line head stays where it is while this run trains.
      const p = proposeNext(deps, head, options.signal).then((proposal) => ({ base: head, proposal }));
      p.catch(() => undefined); // surfaced when awaited
      prepared = p;
    };
    const settled = await train(id, index, "experiment", commit, next.proposal, seed, head, prepareAhead);
    if (!settled) {
      stopReason = "interrupted";
      break;
    }
    done++;

    if (settled.decision.verdict === "crash" && !aborted()) {
      await tryFix(deps, { id, index, commit, proposal: next.proposal, settled, train, seed });
    }
    await applySignals(deps, id);
  }
  if (prepared) await (prepared as Promise<Prepared>).catch(() => undefined);
  return summarize(done, aborted() ? "interrupted" : stopReason);
}

/** The counted code's bytes at the commit: never from the run's folder, which the run may have rewritten. */
async function committedCodeBytes(deps: LoopDeps, commit: string): Promise<number> {
  const text = await deps.forge.readFile(commit, deps.config.target);
  return text === null ? 0 : Buffer.byteLength(text, "utf8");
}

/** A settled run plus what a fix attempt needs to read. */
interface Trained extends Settled {
  error: string | null;
  logTail: string;
  logPath: string;
}

type Train = (
  id: string,
  index: number,
  kind: RunKind,
  commit: string,
  proposal: Proposal,
  seed: number,
  base: string | null,
) => Promise<Trained | null>;

/**
 * One trivial-fix attempt after a crash, as its own experiment (`exp-007-fix`). The fixer reads the
 * crashed commit's files; the fix is committed on the crashed commit's parent, which is still the line
 * head because a crash never moves the line.
 */
async function tryFix(
  deps: LoopDeps,
  crashed: {
    id: string;
    index: number;
    commit: string;
    proposal: Proposal;
    settled: Trained;
    train: Train;
    seed: number;
  },
): Promise<void> {
  const files = await readAllowedFiles(deps.forge, crashed.commit, deps.config.allow);
  const fix = await deps.proposer.fix({
    proposal: crashed.proposal,
    files,
    error: crashed.settled.error ?? "the run printed no score",
    logTail: crashed.settled.logTail,
  });
  if (!fix) return;
  checkEdits(fix.edits, deps.config.allow);
  const id = `${crashed.id}-fix`;
  const head = await deps.forge.lineHead();
  const commit = await deps.forge.createExperiment({
    id,
    base: head,
    edits: fix.edits,
    message: commitMessage(id, fix),
  });
  const proposal = withStatedRisk(deps, fix, await filesAt(deps, head));
  await crashed.train(id, crashed.index, "fix", commit, proposal, crashed.seed, head);
}

/** After each decision: report dead ends and plateaus, and backtrack the line when a kept run regressed. */
async function applySignals(deps: LoopDeps, lastId: string): Promise<void> {
  const tier = deps.tier ?? "proxy";
  const rows = await deps.store.readLedger();
  const state = await deps.store.readState();
  const signals = signalsFor(rows, state, deps.config, tier);
  const records = runRecords(rows, state, tier);
  const last = records.at(-1);
  if (last && last.experiment === lastId && last.direction && signals.deadEnds.includes(last.direction))
    deps.events?.notice?.(`dead end: ${last.direction} failed repeatedly; the proposer will leave it`);
  if (signals.plateau) deps.events?.notice?.("plateau: recent runs barely move the best; trying wider steps");
  // Only when the line is not already there: the regressed row stays in the ledger as history.
  if (signals.backtrack && (await deps.forge.lineHead()) !== signals.backtrack.toCommit) {
    const { toCommit, toExperiment, reason } = signals.backtrack;
    await deps.forge.backtrack({ toCommit });
    const best = rows.find((r) => r.experiment === toExperiment && r.tier === tier);
    await deps.store.writeLedger(
      upsertLedgerRow(rows, {
        experiment: `${lastId}-backtrack`,
        commit: toCommit,
        tier,
        seed: null,
        val_bpb: best?.val_bpb ?? null,
        artifact_bytes: best?.artifact_bytes ?? null,
        claimed_val_bpb: null,
        memory_gb: null,
        seconds: 0,
        status: "backtrack",
        promoted: false,
        cost_usd: null,
        flags: [],
        description: `backtrack to ${toExperiment} (${toCommit.slice(0, 7)}): ${reason}`,
      }),
    );
    deps.events?.notice?.(`backtrack: line reset to ${toExperiment} (${toCommit.slice(0, 7)}): ${reason}`);
  }
}

/** The allow-listed files at a commit, by path (absent files left out). */
function filesAt(deps: LoopDeps, commit: string): Promise<Record<string, string>> {
  return readAllowedFiles(deps.forge, commit, deps.config.allow);
}
