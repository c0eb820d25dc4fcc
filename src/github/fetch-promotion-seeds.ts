/**
 * Reads what a promotion workflow run uploaded: one artifact per seed, `caddie-full-pr<PR>-seed<SEED>`,
 * holding modal-out/summary.json (exit code, billed seconds), modal-out/seed-<SEED>/train.log, the model
 * file and caddie's score of it (modal-out/seed-<SEED>/score.json, the scorer's JSON). All of it is untrusted (the log and files come from LLM-written code on Modal): sizes are
 * capped, summary.json is type- and range-checked, the score is parsed from the log by our own parser,
 * and the model bytes are counted here from the file itself, never taken from a number someone printed.
 */
import { readScoreJson, type ScoreResult } from "../core/score-result.ts";
import type { RunOutcome } from "../engine/ports.ts";
import type { GitHubClient, RepoRef } from "./github-client.ts";
import { downloadArtifact } from "./download-artifact.ts";

const ARTIFACT_NAME = /^caddie-full-pr([1-9][0-9]{0,8})-seed([0-9]{1,9})$/;
const MAX_LOG_CHARS = 4 * 1024 * 1024;
const MAX_SEEDS = 8;
export const MODEL_FILE = "final_model.int8.ptz";

/** One seed as uploaded: an outcome to measure, or why it could not be read; billed seconds when known. */
export interface PromotionSeed {
  pr: number;
  seed: number;
  /** Billed container seconds from summary.json, range-checked; null when absent or invalid. */
  billedSeconds: number | null;
  /** `score` is null when the seed carries no score.json (then the seed is unverified). */
  result: { ok: true; outcome: RunOutcome; score: ScoreResult | null } | { ok: false; error: string };
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString("utf8"));
  } catch {
    return null;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** The entry whose path ends with `suffix` (artifact roots differ with the runner's layout). */
function entry<T>(files: Map<string, T>, suffix: string): T | undefined {
  for (const [name, data] of files) if (name === suffix || name.endsWith(`/${suffix}`)) return data;
  return undefined;
}

/** This seed's row of summary.json, checked; a reason when it is unusable. */
export function readSummaryRow(
  text: string,
  seed: number,
  maxSeconds: number,
):
  | { ok: true; exitCode: number | null; timedOut: boolean; seconds: number | null; billedSeconds: number }
  | { ok: false; error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, error: "summary.json is not valid JSON" };
  }
  if (!isRecord(doc) || !Array.isArray(doc.seeds))
    return { ok: false, error: "summary.json has no seeds list" };
  const row = doc.seeds.find((r: unknown) => isRecord(r) && r.seed === seed);
  if (!isRecord(row)) return { ok: false, error: `summary.json has no row for seed ${seed}` };
  const exit = row.exit_code;
  if (exit !== null && !(Number.isInteger(exit) && (exit as number) >= 0 && (exit as number) <= 255))
    return { ok: false, error: "summary.json exit_code must be null or a whole number 0-255" };
  if (typeof row.timed_out !== "boolean")
    return { ok: false, error: "summary.json timed_out must be true or false" };
  const inRange = (v: unknown): v is number =>
    typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= maxSeconds;
  if (row.seconds !== null && !inRange(row.seconds))
    return { ok: false, error: `summary.json seconds must be null or 0-${maxSeconds}` };
  if (!inRange(row.billed_seconds))
    return { ok: false, error: `summary.json billed_seconds must be a number from 0 to ${maxSeconds}` };
  return {
    ok: true,
    exitCode: exit as number | null,
    timedOut: row.timed_out,
    seconds: row.seconds,
    billedSeconds: row.billed_seconds,
  };
}

/**
 * The seeds a promotion run uploaded, by artifact name. `maxSeconds` bounds billed seconds (the Modal
 * timeout plus slack): a larger number is a broken or lying counter.
 */
export async function fetchPromotionSeeds(
  gh: GitHubClient,
  repo: RepoRef,
  input: { runId: number; maxSeconds: number },
): Promise<PromotionSeed[]> {
  const list = await gh.rest.actions.listWorkflowRunArtifacts({
    ...repo,
    run_id: input.runId,
    per_page: 100,
  });
  const seeds: PromotionSeed[] = [];
  for (const artifact of list.data.artifacts) {
    const m = ARTIFACT_NAME.exec(artifact.name);
    if (!m || seeds.length >= MAX_SEEDS) continue;
    const pr = Number(m[1]);
    const seed = Number(m[2]);
    const fail = (error: string): void => {
      seeds.push({ pr, seed, billedSeconds: null, result: { ok: false, error } });
    };
    // The model is only measured (its size), never held in memory.
    const downloaded = await downloadArtifact(gh, repo, artifact, (name) => !name.endsWith(MODEL_FILE));
    if (!downloaded.ok) {
      fail(downloaded.error);
      continue;
    }
    const files = downloaded.files;
    const summaryText = entry(files, "modal-out/summary.json");
    const summary = summaryText
      ? readSummaryRow(summaryText.toString("utf8"), seed, input.maxSeconds)
      : ({ ok: false, error: "the artifact holds no modal-out/summary.json" } as const);
    const billedSeconds = summary.ok ? summary.billedSeconds : null;
    if (!summary.ok) {
      seeds.push({ pr, seed, billedSeconds, result: { ok: false, error: summary.error } });
      continue;
    }
    const log = entry(files, `modal-out/seed-${seed}/train.log`);
    if (!log) {
      seeds.push({ pr, seed, billedSeconds, result: { ok: false, error: `no train.log for seed ${seed}` } });
      continue;
    }
    const modelBytes = entry(downloaded.sizes, `modal-out/seed-${seed}/${MODEL_FILE}`);
    const scoreText = entry(files, `modal-out/seed-${seed}/score.json`);
    const logText = log.toString("utf8");
    seeds.push({
      pr,
      seed,
      billedSeconds,
      result: {
        ok: true,
        outcome: {
          exitCode: summary.exitCode,
          timedOut: summary.timedOut,
          seconds: summary.seconds ?? summary.billedSeconds,
          logText: logText.length > MAX_LOG_CHARS ? logText.slice(-MAX_LOG_CHARS) : logText,
          logPath: `artifact ${artifact.id}/seed-${seed}/train.log`,
          modelBytes: modelBytes ?? null,
        },
        score: scoreText ? readScoreJson(parseJson(scoreText), modelBytes ?? null) : null,
      },
    });
  }
  return seeds.sort((a, b) => a.seed - b.seed);
}
