/**
 * A deterministic proposer for scenarios that need many distinct experiments: each proposal rewrites
 * one hyperparameter default of train_gpt.py to a new value, so every experiment is a real, different commit.
 */
import type {
  Analysis,
  AnalyseInput,
  FixInput,
  Proposal,
  ProposeInput,
  Proposer,
} from "../../../src/engine/ports.ts";

export class ScriptedProposer implements Proposer {
  readonly name = "scripted";
  proposals = 0;
  fixes: FixInput[] = [];

  constructor(private readonly options: { fix?: (input: FixInput) => Proposal | null } = {}) {}

  async propose(input: ProposeInput): Promise<Proposal> {
    const n = ++this.proposals;
    const source = input.files["train_gpt.py"] ?? "";
    // Odd steps change MODEL_DIM, even steps MATRIX_LR: lines apart, so concurrent experiments merge cleanly.
    const content =
      n % 2 === 1
        ? source.replace(/MODEL_DIM", [\d.]+/, `MODEL_DIM", ${512 + 8 * n}`)
        : source.replace(/MATRIX_LR", [\d.]+/, `MATRIX_LR", ${(0.04 + n / 1000).toFixed(3)}`);
    return {
      description:
        n % 2 === 1 ? `MODEL_DIM -> ${512 + 8 * n}` : `MATRIX_LR -> ${(0.04 + n / 1000).toFixed(3)}`,
      direction: n % 2 === 1 ? "MODEL_DIM+" : "MATRIX_LR+",
      reasoning: {
        hypothesis: `A wider model (step ${n}) lowers val_bpb.`,
        evidence: "Scaling laws.",
        risk: "Artifact grows.",
      },
      edits: [{ path: "train_gpt.py", content }],
      config: { step: String(n) },
    };
  }

  async analyse(input: AnalyseInput): Promise<Analysis> {
    return {
      result: `${input.verdict}: ${input.summary.val_bpb ?? "no score"}`,
      vsExpected: "as scripted",
      why: input.reason,
      lesson: "scripted",
    };
  }

  async fix(input: FixInput): Promise<Proposal | null> {
    this.fixes.push(input);
    return this.options.fix ? this.options.fix(input) : null;
  }
}
