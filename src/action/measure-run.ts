/**
 * What the action measures: the log read by the core parser (its score is the run's claim), the artifact
 * counted on disk by our own code (never the number the training script printed), caddie's own score of
 * the model from the scoring step, the flags where they disagree, and one status. The result is what the
 * action writes as JSON, so the bot and any later job read exactly what the summary showed.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ArtifactGateResult } from "../core/artifact-gate.ts";
import type { Flag } from "../core/flags.ts";
import { parseRunLog, type RunLogSummary } from "../core/parse-run-log.ts";
import {
  readScoreJson,
  scoreToJson,
  unverifiedScore,
  type ScoreJson,
  type ScoreResult,
} from "../core/score-result.ts";
import { UserError } from "../core/user-error.ts";
import { measureOutcome } from "../engine/measure-outcome.ts";
import { measureArtifactFiles } from "../io/measure-artifact.ts";
import { scoreHere } from "./score-here.ts";
import type { ActionInputs, RawActionInputs, Tier } from "./read-inputs.ts";

/** `flagged`: measured, but something is not to be trusted (see `flags`): never kept automatically. */
export type ActionStatus = "ok" | "over_limit" | "crash" | "flagged";

export interface ActionResult {
  version: 1;
  status: ActionStatus;
  tier: Tier;
  /** Why the status is not ok (the crash's error line, a missing file, bad inputs, the gate's reason). */
  error: string | null;
  /** caddie's own score of the model; null when it has none. */
  val_bpb: number | null;
  /** The score the log claims. */
  claimed_val_bpb: number | null;
  flags: Flag[];
  /** The scoring step's result in the scorer's own form (the App checks it again); null when none ran. */
  score: ScoreJson | null;
  val_loss: number | null;
  metric: string | null;
  steps: number | null;
  train_time_ms: number | null;
  peak_memory_mib: number | null;
  model_params: number | null;
  stopping_early: boolean;
  /** Our own count; null when a file could not be measured. */
  artifact: ArtifactGateResult | null;
  /** Everything the parser read; null when the log could not be read. */
  log: RunLogSummary | null;
  inputs: RawActionInputs;
}

/** A result for a run that could not be measured at all (bad inputs, unreadable log). */
export function crashResult(raw: RawActionInputs, tier: Tier, error: string): ActionResult {
  return {
    version: 1,
    status: "crash",
    tier,
    error,
    val_bpb: null,
    claimed_val_bpb: null,
    flags: [],
    score: null,
    val_loss: null,
    metric: null,
    steps: null,
    train_time_ms: null,
    peak_memory_mib: null,
    model_params: null,
    stopping_early: false,
    artifact: null,
    log: null,
    inputs: raw,
  };
}

/** Reads the log and counts the artifact. Problems with the user's files become a crash result. */
export async function measureRun(inputs: ActionInputs, raw: RawActionInputs): Promise<ActionResult> {
  let text: string;
  try {
    text = await readFile(inputs.log, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? `log file not found: ${inputs.log}`
        : `cannot read log ${inputs.log}: ${(error as Error).message}`;
    return crashResult(raw, inputs.tier, why);
  }
  let log: RunLogSummary;
  try {
    log = parseRunLog(text, { exitCode: inputs.exitCode, metricPattern: inputs.metricPattern });
  } catch (error) {
    if (error instanceof UserError) return crashResult(raw, inputs.tier, error.message);
    throw error;
  }
  let artifact: ArtifactGateResult | null = null;
  let fileError: string | null = null;
  try {
    artifact = await measureArtifactFiles({
      code: inputs.code,
      model: inputs.model,
      limit: inputs.limit,
      logArtifactBytes: log.artifact_bytes,
    });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    fileError = error.message;
  }
  const score = log.status === "ok" && artifact !== null ? await scoreOf(inputs, artifact.model_bytes) : null;
  const m = measureOutcome(
    {
      exitCode: inputs.exitCode,
      timedOut: false,
      seconds: 0,
      logText: text,
      logPath: inputs.log,
      modelBytes: artifact?.model_bytes ?? null,
    },
    { codeBytes: artifact?.code_bytes ?? 0, score, summary: log },
    { limitBytes: inputs.limit, metricPattern: inputs.metricPattern, tolerance: toleranceOf(inputs) },
  );
  // A crashed run usually wrote no model: its own error line says more than "model file not found".
  let status: ActionStatus = "ok";
  let why: string | null = null;
  if (log.status === "crash") {
    status = "crash";
    why = log.error ?? "the run crashed";
  } else if (fileError !== null) {
    status = "crash";
    why = fileError;
  } else if (artifact !== null && !artifact.ok) {
    status = "over_limit";
    why = artifact.reason;
  } else if (m.flags.length > 0) {
    status = "flagged";
    why = m.flags.map((f) => f.message).join("; ");
  }
  return {
    version: 1,
    status,
    tier: inputs.tier,
    error: why,
    val_bpb: m.valBpb,
    claimed_val_bpb: log.val_bpb,
    flags: m.flags,
    score: score === null ? null : scoreToJson(score),
    val_loss: log.val_loss,
    metric: log.metric,
    steps: log.steps,
    train_time_ms: log.train_time_ms,
    peak_memory_mib: log.peak_memory_mib,
    model_params: log.model_params,
    stopping_early: log.stopping_early,
    artifact,
    log,
    inputs: raw,
  };
}

function toleranceOf(inputs: ActionInputs): number {
  return inputs.score.kind === "none" ? 0.05 : inputs.score.tolerance;
}

/** caddie's score of the model: scored here, read from a file written elsewhere, or none. */
async function scoreOf(inputs: ActionInputs, modelBytes: number): Promise<ScoreResult | null> {
  const how = inputs.score;
  if (how.kind === "none") return null;
  if (how.kind === "run")
    return scoreHere(how, inputs.model, path.basename(inputs.code[0] ?? "train_gpt.py"));
  let text: string;
  try {
    text = await readFile(how.path, "utf8");
  } catch {
    return unverifiedScore(`the score file ${how.path} could not be read`, { modelBytes });
  }
  try {
    return readScoreJson(JSON.parse(text), modelBytes);
  } catch {
    return unverifiedScore(`the score file ${how.path} is not JSON`, { modelBytes });
  }
}
