/**
 * The action's inputs, validated before anything is measured. Every problem is collected (not just the
 * first), so one failed run shows the workflow author everything to fix in `with:`.
 */
import { ARTIFACT_LIMIT } from "../core/artifact-gate.ts";

/** The inputs as the runner passes them: strings, with `code` already split into lines. */
export interface RawActionInputs {
  log: string;
  code: string[];
  model: string;
  limit: string;
  tier: string;
  metricPattern: string;
  exitCode: string;
}

export type Tier = "proxy" | "full";

export interface ActionInputs {
  log: string;
  code: string[];
  model: string;
  limit: number;
  tier: Tier;
  metricPattern: string | null;
  exitCode: number | null;
}

export function readActionInputs(raw: RawActionInputs): { inputs: ActionInputs; errors: string[] } {
  const errors: string[] = [];
  const log = raw.log.trim();
  if (log === "") errors.push("input 'log' is required: the path of the training log");
  const code = raw.code.map((c) => c.trim()).filter((c) => c !== "");
  if (code.length === 0) errors.push("input 'code' is required: the counted code file(s), one path per line");
  const model = raw.model.trim();
  if (model === "") errors.push("input 'model' is required: the path of the compressed model file");

  let limit = ARTIFACT_LIMIT;
  const limitText = raw.limit.trim();
  if (limitText !== "") {
    // Digits only: Number() alone would take "1e7", "0x10" and " ".
    const value = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!Number.isSafeInteger(value) || value <= 0) {
      errors.push(`input 'limit' must be a positive whole number of bytes, got '${limitText}'`);
    } else {
      limit = value;
    }
  }

  let tier: Tier = "proxy";
  const tierText = raw.tier.trim();
  if (tierText === "full" || tierText === "proxy") tier = tierText;
  else if (tierText !== "") errors.push(`input 'tier' must be 'proxy' or 'full', got '${tierText}'`);

  let metricPattern: string | null = null;
  if (raw.metricPattern.trim() !== "") {
    metricPattern = raw.metricPattern;
    try {
      new RegExp(metricPattern);
    } catch (error) {
      errors.push(`input 'metric-pattern' is not a valid regular expression: ${(error as Error).message}`);
      metricPattern = null;
    }
  }

  let exitCode: number | null = null;
  const exitText = raw.exitCode.trim();
  if (exitText !== "") {
    if (/^-?\d+$/.test(exitText) && Number.isSafeInteger(Number(exitText))) exitCode = Number(exitText);
    else
      errors.push(
        `input 'exit-code' must be a whole number (the training command's exit status), got '${exitText}'`,
      );
  }

  return { inputs: { log, code, model, limit, tier, metricPattern, exitCode }, errors };
}
