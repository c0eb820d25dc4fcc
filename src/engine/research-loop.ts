/**
 * The research loop: baseline first, then propose -> commit -> train -> measure -> decide, until a stop
 * condition, on every slot at once (one slot unless the front door gives more, each with its own GPUs).
 *
 * A worker per slot (slot-workers.ts); they share one baton (baton.ts), held for bookkeeping and handed
 * on while a run trains or a proposal is written, so slots train and propose side by side while decisions
 * are taken one at a time, in the order the runs finished. A slot's next proposal is prepared while its
 * run trains (for proposers that take time), for the line head of that moment; if a keep moved the line
 * meanwhile, the change is carried onto the new head, or proposed again when it no longer applies. The
 * proposer is told what is in flight (in-flight.ts); a result measured on a line that moved while it
 * trained follows the stale-base rule (stale-base.ts). What is in flight is kept in the state, so a
 * resumed loop trains it again first. With overlap, a slot has two workers that take turns on its GPUs
 * (gpu-turns.ts): the next run starts up while the one before it evaluates and is scored.
 */
import { committedCodeBytes } from "./committed-code-bytes.ts";
import { askFix, fixId, logTail } from "./ask-fix.ts";
import { crashHint } from "../core/crash-hint.ts";
import type { Decision } from "../core/decide.ts";
import { addRunTime, noTime, type TimeTotals } from "../core/run-timing.ts";
import { upsertLedgerRow } from "../core/ledger.ts";
import type { Slot } from "../core/slots.ts";
import { BASELINE } from "./baseline-proposal.ts";
import { claimReference } from "../core/claim-gap.ts";
import { Baton } from "./baton.ts";
import { experimentId } from "./experiment-id.ts";
import { nextPairedSeed } from "../core/keep-rule.ts";
import { changeOf, type ChangeKind } from "./change-of.ts";
import {
  earnVerdict,
  rerunIncumbent,
  type Earned,
  type MeasuredRun,
  type RunOnce,
  type RunSpec,
} from "./earn-verdict.ts";
import { bestKept, keptGroups, runRecords, samplesOf, signalsFor } from "./history.ts";
import { repeatsInFlight } from "./in-flight.ts";
import { judgeMeasurement } from "./judge.ts";
import type { LoopDeps } from "./loop-deps.ts";
import { describeFlags, gpuShared } from "../core/flags.ts";
import { endsTrainingLoop } from "../core/training-loop-end.ts";
import { measureOutcome, measureOptions, readClaims, type Measurement } from "./measure-outcome.ts";
import { scoreRun } from "./score-run.ts";
import { GpuTurns } from "./gpu-turns.ts";
import type { FixInput, InFlight, PendingRun, Proposal, RunOutcome, RunRequest } from "./ports.ts";
import { proposeNext, withStatedRisk } from "./propose-next.ts";
import { settleRun, type Settled } from "./settle-run.ts";
import { onSlots, Wakeup } from "./slot-workers.ts";
import { staleBase } from "./stale-base.ts";
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
  /** Where runs train, one experiment per slot at a time (default: one slot on the environment's GPUs). */
  slots?: Slot[];
  /**
   * Start a slot's next run while its current one evaluates and is scored (gpu-turns.ts): two workers per
   * slot taking turns on its GPUs. Default: off, one run per slot from start to score.
   */
  overlap?: boolean;
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
  /** Slots that trained side by side: the duty cycle of each is trainSeconds / (wallSeconds x slots). */
  slots: number;
}

/** A proposal and the line head it was written for. */
interface Prepared {
  base: string;
  proposal: Proposal;
}

/** An experiment committed for a slot. */
interface Claimed extends Prepared {
  id: string;
  index: number;
  commit: string;
}

/** One run of a slot: what it trains and, for experiments, the line head it was committed on. */
interface RunPlan {
  id: string;
  index: number;
  kind: RunKind;
  commit: string;
  /** Null for the baseline, which is the line itself. */
  base: string | null;
}

const ONE_SLOT: Slot = { index: 0, devices: null, label: "slot 0" };

export async function runResearchLoop(deps: LoopDeps, options: LoopOptions): Promise<LoopSummary> {
  const start = deps.clock.now();
  const tier = deps.tier ?? "proxy";
  const seed = options.seed ?? 1337;
  const slots = options.slots?.length ? options.slots : [ONE_SLOT];
  // With overlap, each slot has two workers ("lanes") sharing its GPUs through one GpuTurns.
  const gpuTurns = new Map<number, GpuTurns>();
  const lanes: Slot[] = options.overlap
    ? slots.flatMap((slot, i) => {
        const turns = new GpuTurns(() => deps.clock.now());
        const pair = [0, 1].map((lane) => ({ ...slot, index: 2 * i + lane }));
        for (const lane of pair) gpuTurns.set(lane.index, turns);
        return pair;
      })
    : slots;
  const baton = new Baton();
  let time = noTime();
  const summarize = (experiments: number, stopReason: StopReason): LoopSummary => ({
    experiments,
    stopReason,
    trainSeconds: time.trainLoopSeconds,
    wallSeconds: (deps.clock.now() - start) / 1000,
    time,
    slots: slots.length,
  });
  const aborted = () => options.signal?.aborted === true;
  const on = (slot: Slot) => (slots.length > 1 ? ` (${slot.label})` : "");

  // Experiments committed and not yet decided, mirrored in the state for a resume.
  const pending = new Map<string, PendingRun>();
  const savePending = async () => {
    const state = await deps.store.readState();
    await deps.store.writeState({ ...state, pending: Object.fromEntries(pending) });
  };

  /**
   * caddie's measurement of a finished run: the log's claims, caddie's own score (a crash is not scored:
   * there is nothing to keep), the code bytes from the commit. The score is taken on the slot's own GPUs,
   * which its run has just left, without the baton (the other slots go on meanwhile). Null when Ctrl-C
   * cut it short.
   */
  async function measureRun(
    id: string,
    commit: string,
    runSeed: number | null,
    outcome: RunOutcome,
    slot: Slot,
    runTier: string = tier,
    /** Called once the run is off its GPUs: scored, or not to be scored. */
    offGpu: () => void = () => undefined,
  ): Promise<Measurement | null> {
    const measuring = measureOptions(deps.config);
    const summary = readClaims(outcome, measuring);
    const scoringFrom = deps.clock.now();
    // Off the GPUs as soon as the score is in, before the baton is taken back.
    const score =
      summary.status === "ok"
        ? await baton.without(() =>
            scoreRun(deps, {
              id,
              commit,
              seed: runSeed,
              outcome,
              devices: slot.devices,
              signal: options.signal,
            }).finally(offGpu),
          )
        : (offGpu(), null);
    time = { ...time, scoreSeconds: time.scoreSeconds + (deps.clock.now() - scoringFrom) / 1000 };
    if (aborted()) return null;
    const codeBytes = (await committedCodeBytes(deps.forge, commit, deps.config.target)) ?? 0;
    const claimRef = claimReference(await deps.store.readLedger(), runTier, id);
    return measureOutcome(outcome, { codeBytes, score, summary }, { ...measuring, claimReference: claimRef });
  }

  /**
   * One training run on a slot, measured and scored; null when Ctrl-C cut it short. With overlap the run
   * waits for its turn on the slot's GPUs (gpu-turns.ts), hands the turn on when its training loop ends,
   * and is flagged if its own training loop shared the GPUs with anything.
   */
  async function runMeasured(
    slot: Slot,
    request: Pick<RunRequest, "id" | "commit" | "seed" | "budgetFactor">,
    runTier: string = tier,
  ): Promise<{ outcome: RunOutcome; measurement: Measurement } | null> {
    const turns = gpuTurns.get(slot.index);
    const turn = turns ? await baton.without(() => turns.begin(request.id, options.signal)) : null;
    try {
      const calledAt = deps.clock.now();
      const outcome = await baton.without(() =>
        deps.runner.run({
          ...request,
          devices: slot.devices,
          signal: options.signal,
          onLine: (line) => {
            deps.events?.runLine?.(request.id, line);
            if (turn && endsTrainingLoop(line)) turn.trainingEnded();
          },
        }),
      );
      turn?.trainingEnded();
      time = addRunTime(time, outcome);
      if (aborted()) return null;
      const measurement = await measureRun(
        request.id,
        request.commit,
        request.seed,
        outcome,
        slot,
        runTier,
        () => turn?.done(),
      );
      if (measurement === null) return null;
      const phases = outcome.timing?.phases;
      // The training loop began no earlier than its start-up after the call (caddie's own preparation
      // comes first), so this window is conservative: it may flag a run that barely shared, never miss one.
      const loopStart = calledAt + (phases?.startup ?? 0) * 1000;
      const shared = turn && phases ? turn.sharedWith(loopStart, loopStart + phases.training * 1000) : null;
      return {
        outcome,
        measurement: shared
          ? { ...measurement, flags: [...measurement.flags, gpuShared(shared)] }
          : measurement,
      };
    } finally {
      turn?.done();
    }
  }

  // Runs a verdict asks for that are training now, by what they train: two slots that need the same run
  // (the incumbent on the same fresh seed) share it instead of training it twice into one run folder.
  const evidenceInFlight = new Map<string, Promise<MeasuredRun | null>>();

  /** Trains one run a verdict asks for (a paired seed, the incumbent again, a confirmation) on a slot. */
  const runOnceOn =
    (slot: Slot): RunOnce =>
    async (spec) => {
      const key = JSON.stringify([spec.id, spec.commit, spec.seed, spec.budgetFactor]);
      const same = evidenceInFlight.get(key);
      if (same) {
        deps.events?.notice?.(
          `${spec.id} seed ${spec.seed}: the same run is training on another slot; ${slot.label} waits for its result`,
        );
        const shared = await baton.without(() => same);
        return shared && { ...shared, spec };
      }
      const run = trainEvidence(spec, slot);
      evidenceInFlight.set(key, run);
      try {
        return await run;
      } finally {
        evidenceInFlight.delete(key);
      }
    };

  const trainEvidence = async (spec: RunSpec, slot: Slot): Promise<MeasuredRun | null> => {
    const where =
      spec.budgetFactor === 1 ? `seed ${spec.seed}` : `seed ${spec.seed} at ${spec.budgetFactor}x`;
    deps.events?.runStarted?.({
      id: spec.id,
      kind: "evidence",
      description: `${where}: ${spec.why}`,
      commit: spec.commit,
      slot: slot.label,
    });
    const run = await runMeasured(
      slot,
      { id: spec.id, commit: spec.commit, seed: spec.seed, budgetFactor: spec.budgetFactor },
      spec.tier,
    );
    if (run === null) return null;
    const { outcome, measurement } = run;
    const score = measurement.valBpb;
    const flags = measurement.flags.length > 0 ? `; flagged: ${describeFlags(measurement.flags)}` : "";
    deps.events?.notice?.(
      `${spec.id} ${spec.tier} ${where}${on(slot)}: ${score === null ? `no score (${measurement.summary.error ?? measurement.score?.reason ?? "crash"})` : `val_bpb ${score.toFixed(4)}`}${flags}`,
    );
    return { spec, measurement, seconds: outcome.seconds };
  };

  /**
   * After a keep: when the last `rerun_incumbent_every` kept experiments each rest on a single run, the
   * incumbent runs again on a new seed, paired with the baseline's seeds. Its value becomes the mean of
   * its runs, which undoes the luck that got it kept; the signals then backtrack if an earlier keep was better.
   */
  async function maybeRerunIncumbent(slot: Slot): Promise<void> {
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
    await rerunIncumbent(deps, incumbent, { seed: next, tier, budgetFactor: 1, why }, runOnceOn(slot));
  }

  /**
   * The stale-base rule (stale-base.ts): a would-be keep measured on a line that has since moved is
   * carried onto the new head, to train again there. Null: the result stands as measured.
   */
  const carryOnto = async (
    plan: RunPlan,
    at: { commit: string; base: string },
    proposal: Proposal,
    decision: Decision,
    slot: Slot,
  ): Promise<{ commit: string; base: string } | "not-applying" | null> => {
    const head = await deps.forge.lineHead();
    if (staleBase(decision, at.base, head) === "current") return null;
    const message = commitMessage(plan.id, proposal);
    const commit = await deps.forge.rebaseExperiment({ id: plan.id, commit: at.commit, onto: head, message });
    if (commit === null) return "not-applying";
    deps.events?.notice?.(
      `${plan.id}: would be kept, but the line moved from ${at.base.slice(0, 7)} to ${head.slice(0, 7)} while it trained: training it again on the new line${on(slot)}`,
    );
    if (pending.has(plan.id)) {
      pending.set(plan.id, { index: plan.index, commit, base: head, proposal: withoutEdits(proposal) });
      await savePending();
    }
    return { commit, base: head };
  };

  /**
   * One run on a slot, measured and decided. Runs holding the baton, except while the process trains.
   * A would-be keep measured on a line that has since moved is carried onto the new head and trained
   * again; when it no longer applies there it is not kept.
   */
  const train: Train = async (plan, proposal, runSeed, slot, whileTraining) => {
    let { commit, base } = plan;
    const { id, index, kind } = plan;
    for (;;) {
      deps.events?.runStarted?.({ id, kind, description: proposal.description, commit, slot: slot.label });
      whileTraining?.();
      whileTraining = undefined;
      // A run cut short by Ctrl-C is not a result: record nothing, so a resumed loop simply runs it again.
      const run = await runMeasured(slot, { id, commit, seed: runSeed });
      if (run === null) return null;
      const { outcome, measurement } = run;
      const { summary } = measurement;
      // An experiment's verdict may need more runs first (noise, paired seeds, a confirmation), on this
      // slot; a would-be keep on a line that moved meanwhile is carried onto the new head first.
      let earned: Earned | null = null;
      let change: ChangeKind | null = null;
      let notApplying: Decision | null = null;
      if (kind !== "baseline" && base !== null) {
        const rows = await deps.store.readLedger();
        const judged = judgeMeasurement(rows, deps.config, tier, measurement, { id, seed: runSeed });
        let carried = await carryOnto(plan, { commit, base }, proposal, judged, slot);
        if (carried === "not-applying") notApplying = judged;
        else if (carried === null) {
          change = changeOf(deps.config, await filesAt(deps, base), await filesAt(deps, commit));
          const first: MeasuredRun = {
            spec: { id, commit, seed: runSeed, tier, budgetFactor: 1, why: "first run" },
            measurement,
            seconds: outcome.seconds,
          };
          earned = await earnVerdict(deps, { id, commit, first, kind: change, runOnce: runOnceOn(slot) });
          if (earned === null) return null;
          carried = await carryOnto(plan, { commit, base }, proposal, earned.decision, slot);
          if (carried === "not-applying") notApplying = earned.decision;
        }
        if (carried !== null && carried !== "not-applying") {
          ({ commit, base } = carried);
          continue;
        }
      }
      const decision: Decision | undefined = notApplying
        ? {
            verdict: "discard",
            reason: `${notApplying.reason}; but the line moved while it trained, and the change no longer applies on the new line`,
            delta: notApplying.delta,
          }
        : earned?.decision;
      const settled = await settleRun(deps, {
        id,
        index,
        commit,
        proposal,
        measurement,
        seconds: outcome.seconds,
        seed: runSeed,
        baseline: kind === "baseline",
        ...(decision ? { decision } : {}),
        ...(earned && !notApplying ? { extraRuns: earned.extra, tierGain: earned.tierGain } : {}),
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
      if (settled.decision.verdict === "keep" && kind !== "baseline") await maybeRerunIncumbent(slot);
      return {
        ...settled,
        error: summary.error,
        logTail: logTail(outcome.logText),
        logPath: outcome.logPath,
      };
    }
  };

  // From here on the baton is held, except inside `baton.without` and while the slots' workers run.
  await baton.take();
  try {
    // Baseline first: the unchanged line head, repeated over seeds when the config asks for a noise
    // estimate (a seed per slot at once). Only a measured baseline counts: a crashed one is run again
    // (same seed) on the next start.
    const baselineId = experimentId(0);
    const measured = new Set(
      (await deps.store.readLedger())
        .filter((r) => r.tier === tier && r.experiment === baselineId && r.status === "keep")
        .map((r) => r.seed),
    );
    const seeds: number[] = [];
    for (let i = 0; measured.size + seeds.length < deps.config.thresholds.baselineRuns; i++)
      if (!measured.has(seed + i)) seeds.push(seed + i);
    const crashed: Trained[] = [];
    await onSlots(lanes, baton, async (slot) => {
      for (let s = seeds.shift(); s !== undefined && !aborted() && !crashed.length; s = seeds.shift()) {
        const head = await deps.forge.lineHead();
        const plan: RunPlan = { id: baselineId, index: 0, kind: "baseline", commit: head, base: null };
        const settled = await train(plan, BASELINE, s, slot);
        if (settled && settled.decision.verdict !== "keep") crashed.push(settled);
      }
    });
    const failed = crashed[0];
    if (failed) {
      const hint = crashHint(failed.error) ?? crashHint(failed.logTail);
      deps.events?.notice?.(
        [
          `the baseline failed: ${failed.decision.reason}`,
          ...(hint ? [`hint: ${hint}`] : []),
          `log: ${failed.logPath}`,
          "fix it and run the same command again: the baseline runs first again",
        ].join("\n    "),
      );
      return summarize(0, "baseline-crashed");
    }
    if (aborted()) return summarize(0, "interrupted");

    // Experiments: each slot takes the next one as soon as it is free. What was in flight when the
    // loop last stopped goes first, under its own id.
    const state = await deps.store.readState();
    const resumable = Object.entries(state.pending ?? {})
      .filter(([id]) => !(id in state.experiments))
      .sort(([, a], [, b]) => a.index - b.index);
    const prepared = new Map<number, Promise<Prepared>>();
    const decided = new Wakeup();
    let claimed = 0;
    let done = 0;
    let stop: StopReason | null = null;
    const elapsedHours = () => (deps.clock.now() - start) / 3_600_000;
    const inFlight = (): InFlight[] =>
      [...pending.values()].map(({ proposal }) => ({
        description: proposal.description,
        direction: proposal.direction,
        config: proposal.config ?? null,
      }));
    const mayStartMore = () =>
      !aborted() &&
      stop === null &&
      claimed < options.maxExperiments &&
      (options.maxHours === null || elapsedHours() < options.maxHours);

    /** The slot's next experiment, committed; null when no more should start. */
    const claim = async (slot: Slot): Promise<Claimed | null> => {
      for (;;) {
        if (!mayStartMore()) {
          if (!aborted() && stop === null && claimed < options.maxExperiments) stop = "max-hours";
          return null;
        }
        const resumed = resumable.shift();
        if (resumed) {
          const [id, run] = resumed;
          claimed++;
          pending.set(id, run);
          deps.events?.notice?.(`${id} was in flight when the loop stopped: training it again${on(slot)}`);
          return { id, ...run, proposal: { ...run.proposal, edits: [] } };
        }
        // Counted before the proposal is written, so slots proposing at once never overshoot the maximum.
        claimed++;
        const head = await deps.forge.lineHead();
        let next: Prepared;
        try {
          const ahead = prepared.get(slot.index);
          prepared.delete(slot.index);
          const others = inFlight();
          // An instant proposer proposes in turn, so each proposal sees the one before it in flight.
          const wait = deps.proposer.prefersLatest
            ? (f: () => Promise<Prepared>) => f()
            : baton.without.bind(baton);
          next = await wait(
            async () =>
              (await ahead) ?? {
                base: head,
                proposal: await proposeNext(deps, head, options.signal, others),
              },
          );
        } catch (error) {
          claimed--;
          if (aborted()) return null;
          if (!(error instanceof ProposerExhausted)) throw error;
          // What is in flight may open new configs once decided: wait for a decision, then ask again.
          if (pending.size > 0) {
            await baton.without(() => decided.next(options.signal));
            continue;
          }
          deps.events?.notice?.(error.message);
          stop = "exhausted";
          return null;
        }
        if (repeatsInFlight(inFlight(), next.proposal)) {
          // Written before its twin got a slot: wait for a result, then propose again.
          claimed--;
          await baton.without(() => decided.next(options.signal));
          continue;
        }
        if (aborted()) {
          claimed--;
          return null;
        }
        const counter = (await deps.store.readState()).counter;
        const taken = [...pending.values(), ...resumable.map(([, r]) => r)].map((r) => r.index);
        const index = Math.max(counter, ...taken) + 1;
        const id = experimentId(index);
        const now = await deps.forge.lineHead();
        const message = commitMessage(id, next.proposal);
        let commit = await deps.forge.createExperiment({
          id,
          base: next.base,
          edits: next.proposal.edits,
          message,
        });
        if (next.base !== now) {
          // Prepared while a keep moved the line: carry the change onto the new head.
          const rebased = await deps.forge.rebaseExperiment({ id, commit, onto: now, message });
          if (rebased === null) {
            claimed--;
            deps.events?.notice?.(
              `${id}: the prepared change no longer applies on the new best; proposing again`,
            );
            continue;
          }
          commit = rebased;
        }
        pending.set(id, { index, commit, base: now, proposal: withoutEdits(next.proposal) });
        await savePending();
        return { id, index, commit, base: now, proposal: next.proposal };
      }
    };

    const worker = async (slot: Slot) => {
      try {
        for (let job = await claim(slot); job !== null; job = await claim(slot)) {
          const base = job.base;
          // While this run trains, the slot's next proposal is written (for proposers that take time).
          const prepareAhead = () => {
            if (deps.proposer.prefersLatest || !mayStartMore()) return;
            const p = proposeNext(deps, base, options.signal, inFlight()).then((proposal) => ({
              base,
              proposal,
            }));
            p.catch(() => undefined); // surfaced when awaited
            prepared.set(slot.index, p);
          };
          const plan: RunPlan = {
            id: job.id,
            index: job.index,
            kind: "experiment",
            commit: job.commit,
            base,
          };
          const settled = await train(plan, job.proposal, seed, slot, prepareAhead);
          if (!settled) return;
          pending.delete(job.id);
          await savePending();
          done++;
          decided.wake();
          if (settled.decision.verdict === "crash" && !aborted())
            await tryFix(deps, baton, { ...job, commit: settled.row.commit, settled, train, seed, slot });
          await applySignals(deps, job.id);
          decided.wake();
        }
      } finally {
        // Slots waiting for a decision look again: this one starts nothing more.
        decided.wake();
      }
    };
    try {
      await onSlots(lanes, baton, worker, () => (stop ??= "interrupted"));
    } finally {
      for (const p of prepared.values()) await baton.without(() => p.catch(() => undefined));
    }
    return summarize(done, aborted() ? "interrupted" : (stop ?? "max-experiments"));
  } finally {
    baton.give();
  }
}

function withoutEdits({ edits: _edits, ...rest }: Proposal): Omit<Proposal, "edits"> {
  return rest;
}

/** A settled run plus what a fix attempt needs to read. */
interface Trained extends Settled {
  error: string | null;
  logTail: string;
  logPath: string;
}

type Train = (
  plan: RunPlan,
  proposal: Proposal,
  seed: number,
  slot: Slot,
  whileTraining?: () => void,
) => Promise<Trained | null>;

/**
 * One trivial-fix attempt after a crash (`askFix`, the App's rule too), as its own experiment
 * (`exp-007-fix`) on the same slot, committed on the line head of now.
 */
async function tryFix(
  deps: LoopDeps,
  baton: Baton,
  crashed: {
    id: string;
    index: number;
    commit: string;
    proposal: Proposal;
    settled: Trained;
    train: Train;
    seed: number;
    slot: Slot;
  },
): Promise<void> {
  // The baton is handed on while the model writes the fix, as while it proposes.
  const proposer = { fix: (input: FixInput) => baton.without(() => deps.proposer.fix(input)) };
  const fix = await askFix(
    { forge: deps.forge, proposer, config: deps.config },
    {
      commit: crashed.commit,
      proposal: crashed.proposal,
      error: crashed.settled.error,
      // Already the log's tail, which is its own tail.
      logText: crashed.settled.logTail,
    },
  );
  if (!fix) return;
  const id = fixId(crashed.id);
  const head = await deps.forge.lineHead();
  const commit = await deps.forge.createExperiment({
    id,
    base: head,
    edits: fix.edits,
    message: commitMessage(id, fix),
  });
  const proposal = withStatedRisk(deps, fix, await filesAt(deps, head));
  const plan: RunPlan = { id, index: crashed.index, kind: "fix", commit, base: head };
  await crashed.train(plan, proposal, crashed.seed, crashed.slot);
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
