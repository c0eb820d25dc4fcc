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
  /** The scoring step (all optional; without `scoreTokens` or `scoreResult` the run is unverified). */
  scoreCode?: string;
  scoreTokens?: string;
  scoreTokenizer?: string;
  scoreResult?: string;
  scorePython?: string;
  scoreDevice?: string;
  scoreTimeout?: string;
  scoreMaxTokens?: string;
  scoreTolerance?: string;
  scoreEnv?: string[];
}

/** How the action gets caddie's own score of the model. */
export type ScoreInputs =
  | { kind: "none" }
  /** A scorer JSON written elsewhere (the promotion's Modal step). */
  | { kind: "file"; path: string; tolerance: number }
  | {
      kind: "run";
      /** A fresh checkout of the commit (never the folder the run trained in). */
      code: string;
      tokens: string;
      tokenizer: string;
      python: string;
      device: "auto" | "cpu" | "cuda";
      timeoutSeconds: number;
      maxTokens: number;
      tolerance: number;
      env: Record<string, string>;
    };

export type Tier = "proxy" | "full";

export interface ActionInputs {
  log: string;
  code: string[];
  model: string;
  limit: number;
  tier: Tier;
  metricPattern: string | null;
  exitCode: number | null;
  score: ScoreInputs;
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

  const score = readScoreInputs(raw, errors);
  return { inputs: { log, code, model, limit, tier, metricPattern, exitCode, score }, errors };
}

function positive(text: string | undefined, fallback: number, name: string, errors: string[]): number {
  const t = (text ?? "").trim();
  if (t === "") return fallback;
  const value = /^\d+(\.\d+)?$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isFinite(value) || value < 0) {
    errors.push(`input '${name}' must be a number 0 or more, got '${t}'`);
    return fallback;
  }
  return value;
}

function readScoreInputs(raw: RawActionInputs, errors: string[]): ScoreInputs {
  const tolerance = positive(raw.scoreTolerance, 0.05, "score-tolerance", errors);
  const file = raw.scoreResult?.trim() ?? "";
  const tokens = raw.scoreTokens?.trim() ?? "";
  if (file !== "" && tokens !== "") {
    errors.push(
      "give either 'score-result' (a score written elsewhere) or 'score-tokens' (score here), not both",
    );
    return { kind: "none" };
  }
  if (file !== "") return { kind: "file", path: file, tolerance };
  if (tokens === "") return { kind: "none" };
  const code = raw.scoreCode?.trim() ?? "";
  if (code === "")
    errors.push("input 'score-code' is required with 'score-tokens': a fresh checkout of the commit");
  const tokenizer = raw.scoreTokenizer?.trim() || "byte260";
  if (tokenizer !== "byte260" && !/^sentencepiece:\S+$/.test(tokenizer))
    errors.push(`input 'score-tokenizer' must be byte260 or sentencepiece:PATH, got '${tokenizer}'`);
  const device = raw.scoreDevice?.trim() || "auto";
  if (device !== "auto" && device !== "cpu" && device !== "cuda")
    errors.push(`input 'score-device' must be auto, cpu or cuda, got '${device}'`);
  const env: Record<string, string> = {};
  for (const line of raw.scoreEnv ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1] ?? ""] = m[2] ?? "";
    else if (line.trim() !== "")
      errors.push(`input 'score-env' lines must be NAME=VALUE, got '${line.trim()}'`);
  }
  return {
    kind: "run",
    code,
    tokens,
    tokenizer,
    python: raw.scorePython?.trim() || "python3",
    device: device as "auto" | "cpu" | "cuda",
    timeoutSeconds: positive(raw.scoreTimeout, 600, "score-timeout", errors) || 600,
    maxTokens: Math.floor(positive(raw.scoreMaxTokens, 0, "score-max-tokens", errors)),
    tolerance,
    env,
  };
}
