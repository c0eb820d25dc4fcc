/** Claude when ANTHROPIC_API_KEY is set in the bot's runtime, otherwise the built-in offline sweep. */
import { ClaudeProposer } from "../agent/claude-proposer.ts";
import { SweepProposer, seededRandom } from "../agent/sweep-proposer.ts";
import type { CaddieConfig } from "../core/config.ts";
import type { Proposer } from "../engine/ports.ts";

export function chooseProposer(config: CaddieConfig, env: Record<string, string | undefined>): Proposer {
  const key = env.ANTHROPIC_API_KEY;
  if (key) {
    return new ClaudeProposer({
      apiKey: key,
      baseURL: env.ANTHROPIC_BASE_URL || undefined,
      model: env.CADDIE_MODEL || config.agent.model,
      maxTokens: config.agent.maxTokens,
      allow: config.allow,
    });
  }
  return new SweepProposer({ target: config.target, space: config.searchSpace, random: seededRandom(1337) });
}
