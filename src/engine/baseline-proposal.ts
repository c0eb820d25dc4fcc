import type { Proposal } from "./ports.ts";

/** The first run of every research line: the training script unchanged, measured as the score to beat. */
export const BASELINE: Proposal = {
  description: "baseline: the training script as it is",
  direction: null,
  edits: [],
  reasoning: {
    hypothesis: "The unchanged script sets the score every experiment must beat.",
    evidence: "Every autoresearch loop starts by measuring the baseline.",
    risk: "None; a crash here means the course itself is broken.",
  },
};
