import type { CaddieConfig } from "../core/config.ts";
import type { ContextSection } from "../core/context.ts";
import type { Clock, Forge, Proposer, Runner, Scorer, Store } from "./ports.ts";
import type { LoopEvents } from "./loop-events.ts";

/** Everything the loop's steps need, passed in by a front door (the CLI or the GitHub App). */
export interface LoopDeps {
  forge: Forge;
  runner: Runner;
  /** caddie's own score after every run; without one every run is unverified (never kept). */
  scorer?: Scorer;
  store: Store;
  proposer: Proposer;
  clock: Clock;
  config: CaddieConfig;
  /** program.md: the human-written research brief the agent reads first. */
  program: string;
  /** Extra sections for the agent's context (competitors, research), already sanitized and fenced. */
  extraContext?: ContextSection[];
  events?: LoopEvents;
  tier?: string;
}
