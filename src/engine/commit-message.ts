/**
 * The commit message of an experiment (and of its one fix), the same in both front doors: the id and the
 * description as its title, then the proposal's reasoning. The text is model-written and a research line
 * may be pushed to GitHub, where references and mentions in a commit message link: sanitized and defused.
 */
import { plainText, plainTitle } from "../core/safe-markdown.ts";
import type { Proposal } from "./ports.ts";

export function commitMessage(id: string, proposal: Proposal): string {
  const r = proposal.reasoning;
  return `${id}: ${plainTitle(proposal.description, 200)}\n\nHypothesis: ${plainText(r.hypothesis)}\nEvidence: ${plainText(r.evidence)}\nRisk: ${plainText(r.risk)}\n`;
}
