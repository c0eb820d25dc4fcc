/**
 * The runs a verdict needs beyond the candidate's first, until it can be given honestly:
 *
 * 1. No noise estimate on the tier yet: the incumbent runs again on a new seed (`pending: needs a second
 *    baseline`), at most twice; if those runs crash, the candidate is not kept and the reason says why.
 * 2. A gain within one sd of the threshold: the candidate earns another seed, paired with the incumbent's,
 *    up to thresholds.extra_seeds; a crash on a paired seed is a crash.
 * 3. A keep of a budget-coupled change (src/core/budget-coupling.ts) is confirmed: candidate and incumbent
 *    re-run on the same confirm.seeds seeds at the confirmation budget (src/core/confirmation-budget.ts),
 *    and the keep stands only if the gain clears the keep rule there too. A confirmation that cannot be
 *    run long enough, or that crashes, means not kept, in words.
 *
 * Runs of the incumbent are recorded in the ledger at once (they are the incumbent's, kept); the
 * candidate's runs are returned for settleRun to record with its verdict.
 */
import { confirmationBudget } from "../core/confirmation-budget.ts";
import { describeFlags } from "../core/flags.ts";
import { machineLoadFlag, stepMs } from "../core/machine-load.ts";
import { budgetKind } from "../core/tier-budget.ts";
import type { Decision } from "../core/decide.ts";
import { nextPairedSeed, type KeepStats, type Sample } from "../core/keep-rule.ts";
import { formatSmall } from "../core/noise.ts";
import { upsertLedgerRow, type LedgerRow } from "../core/ledger.ts";
import type { ChangeKind } from "./change-of.ts";
import { bestKept, samplesOf, type Incumbent } from "./history.ts";
import { judgeRuns, type Judgement } from "./judge.ts";
import type { LoopDeps } from "./loop-deps.ts";
import { measuredRowFields, type Measurement } from "./measure-outcome.ts";

/** One training run the verdict asks for. */
export interface RunSpec {
  /** The experiment whose commit runs (the candidate's or the incumbent's id). */
  id: string;
  commit: string;
  seed: number;
  /** The ledger tier: the loop's tier, or `proxy@4x` for a confirmation at 4x its budget. */
  tier: string;
  budgetFactor: number;
  /** What the progress view shows: why this run. */
  why: string;
}

export interface MeasuredRun {
  spec: RunSpec;
  measurement: Measurement;
  seconds: number;
}

/** Trains one spec and measures it; null when the loop was interrupted. */
export type RunOnce = (spec: RunSpec) => Promise<MeasuredRun | null>;

export interface EarnInput {
  id: string;
  commit: string;
  first: MeasuredRun;
  kind: ChangeKind;
  runOnce: RunOnce;
}

export interface Earned {
  decision: Decision;
  /** The candidate's runs after its first (paired seeds, confirmation), for settleRun to record. */
  extra: MeasuredRun[];
  /** From a confirmation: the gain on the proxy and at the longer budget (the tier correlation by class). */
  tierGain: { tier: string; proxyGain: number; gain: number } | null;
}

const INCUMBENT_RUNS_FOR_NOISE = 2;

/** How a re-run of the incumbent is told apart in the ledger: its description carries this mark. */
export const RERUN_MARK = "(re-run: ";

/** Null when interrupted (nothing is recorded for the candidate then; the loop runs it again on resume). */
export async function earnVerdict(deps: LoopDeps, input: EarnInput): Promise<Earned | null> {
  const tier = deps.tier ?? "proxy";
  const { config } = deps;
  const extra: MeasuredRun[] = [];
  const samples: Sample[] = sampleOf(input.first);
  let extraSeedsLeft = config.thresholds.extraSeeds;
  let noiseRunsLeft = INCUMBENT_RUNS_FOR_NOISE;
  let judgement: Judgement;
  for (;;) {
    const rows = await deps.store.readLedger();
    judgement = judgeRuns(rows, config, tier, input.first.measurement, {
      id: input.id,
      samples,
      extraSeedsLeft,
    });
    if (judgement.kind === "decided") break;
    const incumbent = bestKept(rows, tier) as Incumbent;
    const theirs = samplesOf(rows, tier, incumbent.experiment);
    if (judgement.need === "incumbent-run") {
      if (noiseRunsLeft-- <= 0)
        return decided(`not kept, ${judgement.reason}: the incumbent's re-runs crashed`, extra);
      const seed = freshSeed([...theirs, ...samples], crashedSeeds(rows, tier, incumbent.experiment));
      const run = await rerunIncumbent(
        deps,
        incumbent,
        { seed, tier, budgetFactor: 1, why: judgement.reason },
        input.runOnce,
      );
      if (run === null) return null;
      continue;
    }
    const { seed, incumbentToo } = nextPairedSeed(samples, theirs, input.first.spec.seed);
    extraSeedsLeft--;
    if (incumbentToo) {
      const run = await rerunIncumbent(
        deps,
        incumbent,
        { seed, tier, budgetFactor: 1, why: `paired seed ${seed}` },
        input.runOnce,
      );
      if (run === null) return null;
      // Without the incumbent's run on this seed there is nothing to pair with: decide on what there is.
      if (!scored(run.measurement)) extraSeedsLeft = 0;
      if (!scored(run.measurement)) continue;
    }
    const run = await input.runOnce({
      id: input.id,
      commit: input.commit,
      seed,
      tier,
      budgetFactor: 1,
      why: judgement.reason,
    });
    if (run === null) return null;
    extra.push(run);
    if (!scored(run.measurement)) {
      const flags = run.measurement.flags;
      const error = run.measurement.summary.error ?? "no score";
      return decided(
        flags.length > 0
          ? `flagged, not kept: on paired seed ${seed}, ${describeFlags(flags)}`
          : `not kept: it crashed on paired seed ${seed} (${error})`,
        extra,
      );
    }
    samples.push(...sampleOf(run));
  }
  let proxy = { decision: judgement.decision, stats: judgement.stats };
  if (proxy.decision.verdict === "keep" && budgetKind(config.tiers.proxy.env) === "seconds") {
    const witnessed = await witnessLoad(deps, input, samples);
    if (witnessed === null) return null;
    proxy = witnessed;
  }
  const { decision } = proxy;
  if (decision.verdict !== "keep" || !input.kind.coupling.coupled) return { decision, extra, tierGain: null };
  return confirm(deps, input, { decision, stats: proxy.stats, samples, extra });
}

/**
 * On a wall-clock tier a keep needs the incumbent re-run in the same period: a busier machine trains fewer
 * steps, and that is not a result (src/core/machine-load.ts). The re-run also joins the incumbent's mean,
 * so the verdict is taken again with it.
 */
async function witnessLoad(
  deps: LoopDeps,
  input: EarnInput,
  samples: Sample[],
): Promise<{ decision: Decision; stats: KeepStats | null } | null> {
  const tier = deps.tier ?? "proxy";
  const rows = await deps.store.readLedger();
  const incumbent = bestKept(rows, tier) as Incumbent;
  const before = (await deps.store.readState()).experiments[incumbent.experiment]?.stepMs?.[tier] ?? [];
  const seed = freshSeed(
    [...samplesOf(rows, tier, incumbent.experiment), ...samples],
    crashedSeeds(rows, tier, incumbent.experiment),
  );
  const why = "the incumbent in the same period (a wall-clock tier: is the machine busier?)";
  const run = await rerunIncumbent(deps, incumbent, { seed, tier, budgetFactor: 1, why }, input.runOnce);
  if (run === null) return null;
  const again = judgeRuns(await deps.store.readLedger(), deps.config, tier, input.first.measurement, {
    id: input.id,
    samples,
    extraSeedsLeft: 0,
  });
  if (again.kind === "pending")
    return {
      decision: { verdict: "discard", reason: `not kept, ${again.reason}`, delta: null },
      stats: null,
    };
  if (again.decision.verdict !== "keep") return again;
  const now = stepMs(run.measurement.summary);
  const mine = stepMs(input.first.measurement.summary);
  const flag =
    now === null || mine === null
      ? null
      : machineLoadFlag({
          incumbentBefore: before,
          incumbentNow: now,
          candidate: mine,
          sameSpeedExpected: input.kind.changeClass === "optimizer" || input.kind.changeClass === "schedule",
          k: deps.config.thresholds.noiseK,
        });
  if (flag)
    return {
      decision: { verdict: "discard", reason: `flagged, not kept: ${flag}`, delta: again.decision.delta },
      stats: again.stats,
    };
  return again;
}

/** Step 3: the keep of a budget-coupled change stands only if its gain holds at a longer budget. */
async function confirm(
  deps: LoopDeps,
  input: EarnInput,
  proxy: { decision: Decision; stats: KeepStats | null; samples: Sample[]; extra: MeasuredRun[] },
): Promise<Earned | null> {
  const tier = deps.tier ?? "proxy";
  const { config } = deps;
  const { extra } = proxy;
  const coupling = input.kind.coupling;
  const rows = await deps.store.readLedger();
  const incumbent = bestKept(rows, tier) as Incumbent;
  const plan = confirmationBudget({
    stepValues: coupling.stepValues,
    proxySteps: input.first.measurement.summary.steps,
    factor: config.confirm.factor,
    maxFactor: config.confirm.maxFactor,
    knobShare: config.confirm.knobShare,
  });
  if (!plan.feasible)
    return decided(
      `not kept on the proxy alone: ${coupling.reason}; ${plan.reason}. On the proxy: ${proxy.decision.reason}. Promote it to test it on the full tier.`,
      extra,
    );
  const longer = `${tier}@${plan.factor}x`;
  const seeds = confirmationSeeds(
    proxy.samples,
    samplesOf(rows, tier, incumbent.experiment),
    config.confirm.seeds,
  );
  for (const seed of seeds) {
    const done = samplesOf(await deps.store.readLedger(), longer, incumbent.experiment).some(
      (s) => s.seed === seed,
    );
    if (done) continue;
    const why = `confirmation at ${plan.factor}x the proxy budget (budget-coupled)`;
    const run = await rerunIncumbent(
      deps,
      incumbent,
      { seed, tier: longer, budgetFactor: plan.factor, why },
      input.runOnce,
    );
    if (run === null) return null;
    if (!scored(run.measurement))
      return decided(
        `not kept: the incumbent's run at ${plan.factor}x the proxy budget crashed (${run.measurement.summary.error ?? "no score"}), so the gain of this budget-coupled change could not be confirmed`,
        extra,
      );
  }
  const mine: Sample[] = [];
  let last: MeasuredRun | null = null;
  for (const seed of seeds) {
    const why = `confirmation at ${plan.factor}x the proxy budget (budget-coupled)`;
    const run = await input.runOnce({
      id: input.id,
      commit: input.commit,
      seed,
      tier: longer,
      budgetFactor: plan.factor,
      why,
    });
    if (run === null) return null;
    extra.push(run);
    if (!scored(run.measurement))
      return decided(
        `not kept: its confirmation run at ${plan.factor}x the proxy budget crashed (${run.measurement.summary.error ?? "no score"})`,
        extra,
      );
    mine.push(...sampleOf(run));
    last = run;
  }
  let judged = judgeRuns(
    await deps.store.readLedger(),
    config,
    longer,
    (last as MeasuredRun).measurement,
    { id: input.id, samples: mine, extraSeedsLeft: 0 },
    incumbent.experiment,
  );
  if (judged.kind === "pending") {
    // One seed each and nothing repeated at this budget yet: one more run of the incumbent measures the noise.
    const seed = freshSeed(
      [...mine, ...samplesOf(await deps.store.readLedger(), longer, incumbent.experiment)],
      [],
    );
    const run = await rerunIncumbent(
      deps,
      incumbent,
      { seed, tier: longer, budgetFactor: plan.factor, why: judged.reason },
      input.runOnce,
    );
    if (run === null) return null;
    judged = judgeRuns(
      await deps.store.readLedger(),
      config,
      longer,
      (last as MeasuredRun).measurement,
      { id: input.id, samples: mine, extraSeedsLeft: 0 },
      incumbent.experiment,
    );
    if (judged.kind === "pending")
      return decided(`not kept: at ${plan.factor}x the proxy budget, ${judged.reason}`, extra);
  }
  const gains =
    proxy.stats && judged.stats
      ? { tier: longer, proxyGain: proxy.stats.gain, gain: judged.stats.gain }
      : null;
  if (judged.decision.verdict === "keep")
    return {
      decision: {
        ...proxy.decision,
        reason: `${proxy.decision.reason}; ${coupling.reason}: confirmed at ${plan.factor}x the proxy budget, ${judged.decision.reason}`,
      },
      extra,
      tierGain: gains,
    };
  const held = judged.stats ? `gain ${formatSmall(judged.stats.gain)} there` : "no score";
  return {
    decision: {
      verdict: "discard",
      reason: `not kept: the gain did not hold at ${plan.factor}x the proxy budget (${held}: ${judged.decision.reason}); ${coupling.reason}. On the proxy: ${proxy.decision.reason}`,
      delta: proxy.decision.delta,
    },
    extra,
    tierGain: gains,
  };
}

/** Runs the incumbent's commit once and records the run as the incumbent's (kept, or a crash). */
export async function rerunIncumbent(
  deps: LoopDeps,
  incumbent: Incumbent,
  spec: Omit<RunSpec, "id" | "commit">,
  runOnce: RunOnce,
): Promise<MeasuredRun | null> {
  const run = await runOnce({ ...spec, id: incumbent.experiment, commit: incumbent.commit });
  if (run === null) return null;
  const rows = await deps.store.readLedger();
  const first = rows.find((r) => r.experiment === incumbent.experiment);
  await deps.store.writeLedger(
    upsertLedgerRow(rows, {
      experiment: incumbent.experiment,
      commit: incumbent.commit,
      tier: spec.tier,
      seed: spec.seed,
      ...measuredRowFields(run.measurement, run.seconds),
      status: scored(run.measurement) ? "keep" : "crash",
      promoted: false,
      cost_usd: null,
      description: `${first?.description ?? incumbent.experiment} ${RERUN_MARK}${spec.why})`,
    }),
  );
  const ms = stepMs(run.measurement.summary);
  const state = await deps.store.readState();
  const facts = state.experiments[incumbent.experiment];
  if (ms !== null && facts) {
    const times = { ...facts.stepMs, [spec.tier]: [...(facts.stepMs?.[spec.tier] ?? []), ms] };
    state.experiments[incumbent.experiment] = { ...facts, stepMs: times };
    await deps.store.writeState(state);
  }
  return run;
}

/** The seeds a confirmation pairs on: the candidate's proxy seeds first, then the incumbent's, then new ones. */
function confirmationSeeds(mine: Sample[], theirs: Sample[], count: number): number[] {
  const seeds: number[] = [];
  for (const s of [...mine, ...theirs]) if (s.seed !== null && !seeds.includes(s.seed)) seeds.push(s.seed);
  while (seeds.length < count)
    seeds.push(
      freshSeed(
        seeds.map((seed) => ({ seed, valBpb: 0 })),
        [],
      ),
    );
  return seeds.slice(0, count);
}

/** A seed no run here has used: one past the largest so far (and past seeds that crashed). */
function freshSeed(samples: Sample[], crashed: number[]): number {
  const seeds = [...samples.map((s) => s.seed).filter((s): s is number => s !== null), ...crashed];
  return seeds.length ? Math.max(...seeds) + 1 : 1337;
}

function crashedSeeds(rows: LedgerRow[], tier: string, experiment: string): number[] {
  return rows
    .filter((r) => r.tier === tier && r.experiment === experiment && r.status === "crash" && r.seed !== null)
    .map((r) => r.seed as number);
}

/** A run that counts as evidence: caddie scored it, within the cap, nothing flagged. */
function scored(m: Measurement): boolean {
  return m.summary.status === "ok" && m.valBpb !== null && m.gate?.ok !== false && m.flags.length === 0;
}

function sampleOf(run: MeasuredRun): Sample[] {
  const v = run.measurement.valBpb;
  return v === null ? [] : [{ seed: run.spec.seed, valBpb: v }];
}

function decided(reason: string, extra: MeasuredRun[]): Earned {
  return { decision: { verdict: "discard", reason, delta: null }, extra, tierGain: null };
}
