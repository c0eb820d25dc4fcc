/**
 * What the action measures: the log read by the core parser, the artifact counted on disk by our own code
 * (never the number the training script printed), and one status. The result is what the action writes
 * as JSON, so the bot and any later job read exactly what the summary showed.
 */
import { readFile } from "node:fs/promises";
import type { ArtifactGateResult } from "../core/artifact-gate.ts";
import { parseRunLog, type RunLogSummary } from "../core/parse-run-log.ts";
import { UserError } from "../core/user-error.ts";
import { measureArtifactFiles } from "../io/measure-artifact.ts";
import type { ActionInputs, RawActionInputs, Tier } from "./read-inputs.ts";

export type ActionStatus = "ok" | "over_limit" | "crash";

export interface ActionResult {
  version: 1;
  status: ActionStatus;
  tier: Tier;
  /** Why the status is not ok (the crash's error line, a missing file, bad inputs, the gate's reason). */
  error: string | null;
  val_bpb: number | null;
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
  }
  return {
    version: 1,
    status,
    tier: inputs.tier,
    error: why,
    val_bpb: log.val_bpb,
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
