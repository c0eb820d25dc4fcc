/**
 * The configured Claude model, asked of the Models API itself: it exists, and it is not deprecated or
 * retired (a retired model fails every request; a deprecated one is closed to new adopters).
 */
import Anthropic from "@anthropic-ai/sdk";
import type { CaddieConfig } from "../../core/config.ts";
import { DEFAULT_MODEL } from "../../core/default-model.ts";
import { claudeModel } from "../../agent/choose-proposer.ts";
import { fail, ok, warn, type Check } from "./check.ts";

function day(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : "an unannounced date";
}

export async function checkModel(
  config: CaddieConfig,
  env: Record<string, string | undefined>,
): Promise<Check> {
  const model = claudeModel(config, env);
  const fix = `set agent.model in the config to a current model (caddie's default is ${DEFAULT_MODEL})`;
  const client = new Anthropic({
    apiKey: env.ANTHROPIC_API_KEY,
    baseURL: env.ANTHROPIC_BASE_URL || undefined,
    maxRetries: 1,
    timeout: 20_000,
  });
  try {
    const info = await client.models.retrieve(model);
    if (info.lifecycle === "retired")
      return fail("model", `${model} is retired: every request naming it fails`, fix);
    if (info.lifecycle === "deprecated")
      return warn("model", `${model} is deprecated and retires on ${day(info.retires_at)}`, fix);
    return ok("model", `${model} (${info.display_name}) is available`);
  } catch (error) {
    if (error instanceof Anthropic.NotFoundError)
      return fail("model", `the Anthropic API knows no model '${model}'`, fix);
    if (error instanceof Anthropic.AuthenticationError)
      return fail(
        "api key",
        "the Anthropic API rejected ANTHROPIC_API_KEY",
        "set ANTHROPIC_API_KEY to a valid key",
      );
    if (error instanceof Anthropic.PermissionDeniedError)
      return fail("model", `this API key may not use '${model}'`, fix);
    const why = error instanceof Error ? error.message : String(error);
    return warn(
      "model",
      `could not ask the Models API about '${model}' (${why})`,
      "check the network and try again",
    );
  }
}
