/** The config: valid, every `${VARIABLE}` defined, and something that can propose experiments. */
import type { CaddieConfig } from "../../core/config.ts";
import type { AgentChoice } from "../../agent/choose-proposer.ts";
import { readHyperparameters } from "../../core/hyperparameters.ts";
import { loadConfig } from "../load-config.ts";
import { unknownVariables } from "../caddie-paths.ts";
import { fail, ok, warn, type Check } from "./check.ts";

export async function checkConfig(
  root: string,
  configFile: string | undefined,
): Promise<{ check: Check; config: CaddieConfig | null }> {
  try {
    const { config, source } = await loadConfig(root, configFile);
    const where = source === "defaults" ? "no .github/caddie.yml: every setting at its default" : source;
    return { config, check: ok("config", where) };
  } catch (error) {
    return {
      config: null,
      check: fail(
        "config",
        error instanceof Error ? error.message : String(error),
        "fix the key named above (README.md, 'Config', lists every key and its default)",
      ),
    };
  }
}

/** Every `${NAME}` the proxy command and env use must be defined: an undefined one runs as "". */
export function checkVariables(config: CaddieConfig, defined: Record<string, string | undefined>): Check {
  const values = [...config.tiers.proxy.command, ...Object.values(config.tiers.proxy.env)];
  const missing = unknownVariables(values, defined);
  if (missing.length === 0) return ok("variables", "every ${...} in tiers.proxy is defined");
  const names = missing.map((n) => `\${${n}}`).join(", ");
  return fail(
    "variables",
    `tiers.proxy uses ${names}, which nothing defines (it would run as an empty string)`,
    missing.includes("CADDIE_TRAIN_SECONDS")
      ? 'write the seconds into the config (e.g. MAX_WALLCLOCK_SECONDS: "20"): settings live in the course, not the environment'
      : `write the value into the config, or export ${missing.join(", ")}`,
  );
}

/**
 * Something must propose: Claude (a key, unless --agent sweep) or the sweep (a search_space over settings
 * the script has).
 */
export function checkProposer(
  config: CaddieConfig,
  env: Record<string, string | undefined>,
  script: string | null,
  agent: AgentChoice = "auto",
): Check[] {
  const checks: Check[] = [];
  const names = Object.keys(config.searchSpace);
  if (script !== null && names.length > 0) {
    const known = new Set(readHyperparameters(script).map((h) => h.name));
    const absent = names.filter((n) => !known.has(n));
    if (absent.length > 0)
      checks.push(
        fail(
          "search_space",
          `${absent.join(", ")} ${absent.length === 1 ? "is" : "are"} not a setting of ${config.target}`,
          `use the script's own NAME = os.environ.get("NAME", ...) names (caddie init writes them for you)`,
        ),
      );
    else checks.push(ok("search_space", `${names.length} settings for the offline sweep`));
  }
  const key = Boolean(env.ANTHROPIC_API_KEY);
  const keyFix = "set ANTHROPIC_API_KEY for Claude's proposals and research grading";
  if (agent === "claude" && !key)
    checks.push(fail("api key", "--agent claude needs ANTHROPIC_API_KEY, which is not set", keyFix));
  else if (key && agent !== "sweep") checks.push(ok("api key", "ANTHROPIC_API_KEY is set: Claude proposes"));
  else if (names.length === 0)
    checks.push(
      fail(
        "proposer",
        "no ANTHROPIC_API_KEY and no search_space: nothing can propose an experiment (the sweep proposer needs a search_space)",
        "set ANTHROPIC_API_KEY, or add a search_space: of the script's settings to the config (caddie init writes one)",
      ),
    );
  else if (!key)
    checks.push(
      warn("api key", "no ANTHROPIC_API_KEY: the offline sweep proposes (over search_space)", keyFix),
    );
  else checks.push(ok("proposer", "--agent sweep: the offline sweep proposes (over search_space)"));
  return checks;
}
