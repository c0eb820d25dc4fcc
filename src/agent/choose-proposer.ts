/**
 * Which proposer runs: Claude when asked for, or when ANTHROPIC_API_KEY is set and none was named;
 * otherwise the built-in offline sweep. Shared by the CLI and the GitHub App.
 */
import { UserError } from "../core/user-error.ts";
import type { CaddieConfig } from "../core/config.ts";
import type { Proposer } from "../engine/ports.ts";
import { ClaudeProposer } from "./claude-proposer.ts";
import { SweepProposer, seededRandom } from "./sweep-proposer.ts";

export type AgentChoice = "auto" | "sweep" | "claude";

/** The Claude model a session uses: CADDIE_MODEL when set, else the config's agent.model. */
export function claudeModel(config: CaddieConfig, env: Record<string, string | undefined>): string {
  return env.CADDIE_MODEL || config.agent.model;
}

export function chooseProposer(
  config: CaddieConfig,
  env: Record<string, string | undefined>,
  choice: AgentChoice = "auto",
): Proposer {
  const key = env.ANTHROPIC_API_KEY;
  if (choice === "claude" || (choice === "auto" && key)) {
    if (!key) throw new UserError("--agent claude needs ANTHROPIC_API_KEY in the environment");
    return new ClaudeProposer({
      apiKey: key,
      baseURL: env.ANTHROPIC_BASE_URL || undefined,
      model: claudeModel(config, env),
      maxTokens: config.agent.maxTokens,
      allow: config.allow,
    });
  }
  return new SweepProposer({
    target: config.target,
    space: config.searchSpace,
    budgetPatterns: config.confirm.patterns,
    random: seededRandom(1337),
  });
}
