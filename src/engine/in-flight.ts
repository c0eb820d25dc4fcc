/**
 * What is in flight, as the proposer is told it: with several experiments training at once (the App's
 * `concurrency`, the local loop's slots), a proposal must differ from every one of them. One rule for
 * both front doors: the agent's context names them, and a proposal that repeats one anyway (same
 * description and settings) waits for a result instead of training twice.
 */
import type { ContextSection } from "../core/context.ts";
import type { InFlight, Proposal } from "./ports.ts";

export const IN_FLIGHT_TITLE = "In flight now (do not propose these again)";

export function inFlightSection(inFlight: InFlight[]): ContextSection[] {
  if (inFlight.length === 0) return [];
  return [{ title: IN_FLIGHT_TITLE, body: inFlight.map((e) => `- ${e.description}`).join("\n") }];
}

export function repeatsInFlight(inFlight: InFlight[], proposal: Proposal): boolean {
  const config = JSON.stringify(proposal.config ?? null);
  return inFlight.some(
    (e) => e.description === proposal.description && JSON.stringify(e.config ?? null) === config,
  );
}
