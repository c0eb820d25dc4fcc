/**
 * The built-in proposer used when no LLM key is set: a learned coordinate search over the hyperparameters
 * declared in the config's search_space, editing their defaults in the training script.
 */
import { SetupError } from "../core/user-error.ts";
import type { AnalyseInput, Analysis, FixInput, Proposal, Proposer, ProposeInput } from "../engine/ports.ts";
import { budgetCoupling } from "../core/budget-coupling.ts";
import { changeClass, type ChangeClass } from "../core/change-class.ts";
import { readHyperparameters, setHyperparameters } from "../core/hyperparameters.ts";
import { nextSweepConfig } from "./sweep-strategy.ts";
import { ProposerExhausted } from "../engine/proposer-exhausted.ts";

export interface SweepProposerOptions {
  target: string;
  space: Record<string, string[]>;
  /** Setting-name patterns that mean run length (config confirm.patterns). */
  budgetPatterns?: readonly string[];
  /** Seeded generator for tie-breaks; defaults to a fixed-seed generator so runs repeat. */
  random?: () => number;
}

/** The stated risk of a sweep step, by the kind of setting it moves (the engine adds the budget sentence). */
const RISK: Record<ChangeClass, string> = {
  model:
    "A bigger model costs more per step and more artifact bytes (fewer steps under a time cap); a smaller one may underfit.",
  batch:
    "A larger batch or context takes fewer, less noisy steps in the same time; a smaller one more, noisier steps.",
  optimizer: "An optimizer setting that helps a short run can overshoot or stall in a longer one.",
  schedule: "The schedule's lengths mean something else at the proxy's length than in the full run.",
  mixed: "Several settings move at once, so a gain cannot be credited to any one of them.",
  code: "The change touches code, not only settings: check the diff.",
  none: "The change does nothing measurable: any difference is noise.",
};

/** A small deterministic generator (mulberry32), so sweeps are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SweepProposer implements Proposer {
  readonly name = "sweep";
  /** Proposing is instant, so the loop waits for the newest result instead of proposing ahead. */
  readonly prefersLatest = true;
  private readonly random: () => number;

  constructor(private readonly options: SweepProposerOptions) {
    if (Object.keys(options.space).length === 0)
      throw new SetupError(
        "no way to propose experiments: the offline sweep needs a search_space in .github/caddie.yml (each hyperparameter the target declares, with a list of candidate values), or set ANTHROPIC_API_KEY for Claude",
      );
    this.random = options.random ?? seededRandom(1337);
  }

  async propose(input: ProposeInput): Promise<Proposal> {
    const source = input.files[this.options.target];
    if (source === undefined)
      throw new SetupError(`the target ${this.options.target} is missing at the research line head`);
    const declared = new Map(readHyperparameters(source).map((h) => [h.name, h.value]));
    const missing = Object.keys(this.options.space).filter((name) => !declared.has(name));
    if (missing.length > 0)
      throw new SetupError(
        `search_space names settings that ${this.options.target} does not declare: ${missing.join(", ")}`,
      );
    const incumbent = Object.fromEntries(
      Object.keys(this.options.space).map((k) => [k, declared.get(k) ?? ""]),
    );
    const trials = input.trials.map((t) => ({
      config: t.config ?? {},
      direction: t.direction,
      verdict: t.verdict,
      valBpb: t.valBpb,
    }));
    // The incumbent itself counts as tried, so the sweep never re-runs it.
    trials.push({
      config: incumbent,
      direction: null,
      verdict: "keep",
      valBpb: input.incumbent?.valBpb ?? null,
    });
    const step = nextSweepConfig({
      space: this.options.space,
      incumbent,
      trials,
      pending: (input.inFlight ?? []).flatMap((t) => (t.config ? [t.config] : [])),
      deadEnds: input.deadEnds,
      plateau: input.plateau,
      random: this.random,
    });
    if (!step)
      throw new ProposerExhausted("the search space is exhausted: every config in it has been tried");
    const content = setHyperparameters(source, step.changes);
    const kind = changeClass(source, content, budgetCoupling(source, content, this.options.budgetPatterns));
    const description = Object.entries(step.changes)
      .map(([k, v]) => `${k} ${incumbent[k]} -> ${v}`)
      .join(", ");
    return {
      description,
      direction: step.direction,
      config: step.config,
      edits: [{ path: this.options.target, content }],
      reasoning: {
        hypothesis: `Changing ${description} lowers val_bpb at the same time budget.`,
        evidence: step.rationale,
        risk: RISK[kind],
      },
    };
  }

  async analyse(input: AnalyseInput): Promise<Analysis> {
    const { summary, verdict, incumbent } = input;
    const score = summary.val_bpb === null ? "no score" : `val_bpb=${summary.val_bpb.toFixed(4)}`;
    const delta = summary.val_bpb !== null && incumbent !== null ? summary.val_bpb - incumbent : null;
    return {
      result: `${score} artifact=${input.artifactBytes ?? "?"} bytes (${verdict})`,
      vsExpected:
        delta === null
          ? "not comparable"
          : delta < 0
            ? `better by ${(-delta).toFixed(4)}`
            : `worse by ${delta.toFixed(4)}`,
      // A budget-coupled change says so: its proxy result may not hold at the full run's length.
      why: input.changeNote ? `${input.reason} (${input.changeNote})` : input.reason,
      lesson:
        verdict === "keep"
          ? `${input.proposal.direction} helps; keep pushing it.`
          : verdict === "crash"
            ? `${input.proposal.direction} breaks the run: ${summary.error ?? "unknown error"}`
            : `${input.proposal.direction} does not help at this point.`,
    };
  }

  /** A hyperparameter change that crashes has no trivial fix: the sweep moves on. */
  async fix(_input: FixInput): Promise<Proposal | null> {
    return null;
  }
}
