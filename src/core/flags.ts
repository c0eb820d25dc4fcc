/**
 * Flags: what makes a measured run untrustworthy, as data. A flagged run is never kept, merged or promoted
 * automatically (src/core/decide.ts); a person can still keep it on GitHub, on the record. Each flag has a
 * stable code (results.tsv, tests) and one sentence a competitor understands, e.g. "the log claims 1.7000,
 * caddie measured 3.4100". Measurement flags are built here; the training runner's sandbox adds its own
 * (over budget, data modified, state tampered) through the same constructors, so they slot in everywhere.
 */
import { redactSecrets } from "./sanitize.ts";

export interface Flag {
  /** Stable, lower_snake_case: one of FLAG_CODES, or a code a newer caddie wrote (kept as is). */
  code: string;
  /** One plain sentence, shown on the scorecard, the check run, the report and the results issue. */
  message: string;
}

export const FLAG_CODES = [
  "claim_mismatch",
  "duplicate_score",
  "size_mismatch",
  "unverified",
  "non_causal",
  "implausible_score",
  "over_budget",
  "data_modified",
  "state_tampered",
  "gpu_shared",
] as const;

export type FlagCode = (typeof FLAG_CODES)[number];

const MESSAGE_CHARS = 400;

/** Run-written text inside a message: one line, no control or invisible format characters, no secrets. */
export function plainRunText(text: string, max = 240): string {
  const one = redactSecrets(text)
    .replace(/[\p{Cc}\p{Cf}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return one.length > max ? `${one.slice(0, max - 1).trimEnd()}…` : one;
}

function flag(code: FlagCode, message: string): Flag {
  return { code, message: plainRunText(message, MESSAGE_CHARS) };
}

function bpb(value: number): string {
  return value.toFixed(4);
}

function bytes(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * `baselineGap`: what the unchanged script's claims and caddie's scores differ by (their validation slices
 * differ; src/core/claim-gap.ts), null before the baseline has one.
 */
export function claimMismatch(
  claimed: number,
  measured: number,
  tolerance: number,
  baselineGap: number | null = null,
): Flag {
  const gap = claimed - measured;
  const why =
    baselineGap === null || baselineGap === 0
      ? `a gap of ${bpb(Math.abs(gap))}, more than the ${bpb(tolerance)} allowed`
      : `a gap of ${signed(gap)} where the unchanged script's is ${signed(baselineGap)}: off by ${bpb(Math.abs(gap - baselineGap))}, more than the ${bpb(tolerance)} allowed`;
  return flag(
    "claim_mismatch",
    `the log claims val_bpb ${bpb(claimed)}, caddie measured ${bpb(measured)} (${why})`,
  );
}

function signed(value: number): string {
  return `${value < 0 ? "-" : "+"}${bpb(Math.abs(value))}`;
}

export function duplicateScore(key: string, values: number[]): Flag {
  return flag(
    "duplicate_score",
    `the log prints its final score line ${key} ${values.length} times (${values.map(bpb).join(", ")}); a run reports its final score once`,
  );
}

export function sizeMismatch(logBytes: number, counted: number): Flag {
  return flag(
    "size_mismatch",
    `the log claims a ${bytes(logBytes)}-byte submission, caddie counted ${bytes(counted)} bytes (the committed code + the model file)`,
  );
}

export function unverified(reason: string): Flag {
  return flag("unverified", `caddie could not score the model itself: ${plainRunText(reason)}`);
}

export function nonCausal(maxAbsDiff: number, probes: number): Flag {
  return flag(
    "non_causal",
    `the model's predictions for earlier tokens change when later tokens change (by up to ${maxAbsDiff.toPrecision(3)} in ${probes} probe(s)): it reads the text it is scored on`,
  );
}

/** caddie's own score is below what the tier can plausibly reach (plausible-score.ts says why). */
export function implausibleScore(reason: string): Flag {
  return flag("implausible_score", reason);
}

/** The training loop ran past the tier's budget, by the log's own train time or by the process's wall time. */
export function overBudget(input: { seconds: number; budgetSeconds: number; by: "log" | "wall" }): Flag {
  const source = input.by === "log" ? "the log's own train time" : "the process's wall time";
  return flag(
    "over_budget",
    `the run trained for ${Math.round(input.seconds)} s by ${source}, over the ${Math.round(input.budgetSeconds)} s budget`,
  );
}

/** The run's training loop did not have its GPUs to itself (overlap: the previous run there ran long). */
export function gpuShared(input: { seconds: number; with: string[] }): Flag {
  return flag(
    "gpu_shared",
    `its training loop shared its GPUs for ${input.seconds.toFixed(1)} s with ${listed(input.with)} (evaluating or being scored), so its timing is not clean`,
  );
}

export function dataModified(paths: string[]): Flag {
  return flag("data_modified", `the run changed its input data: ${listed(paths)}`);
}

export function stateTampered(paths: string[]): Flag {
  return flag("state_tampered", `the run changed caddie's own files: ${listed(paths)}`);
}

function listed(paths: string[]): string {
  const shown = paths.slice(0, 5).map((p) => plainRunText(p, 80));
  return paths.length > 5 ? `${shown.join(", ")} and ${paths.length - 5} more` : shown.join(", ");
}

/**
 * Not a problem but the record of a person's word: a flagged run kept by hand (GitHub `/keep`). It stays
 * beside the flags it overrode, so results.tsv says who vouched for what.
 */
export function keptBy(login: string): Flag {
  return { code: "kept_by", message: `kept by @${plainRunText(login, 60)} on their word, over the flags` };
}

/** Keeps the first flag of each code: one sentence per kind of problem. */
export function uniqueFlags(flags: readonly Flag[]): Flag[] {
  const seen = new Set<string>();
  return flags.filter((f) => (seen.has(f.code) ? false : (seen.add(f.code), true)));
}

/** The flags as one line of words, for a reason, a table cell or the terminal. */
export function describeFlags(flags: readonly Flag[]): string {
  return flags.map((f) => f.message).join("; ");
}

// results.tsv cell: `code: message | code: message`; a message never holds "|" (written as "/").
const SEPARATOR = " | ";
const CELL_FLAG = /^([a-z][a-z0-9_]*):(?: (.*))?$/s;

/** A flag as results.tsv keeps it: its message on one line, without the cell's separator character. */
export function cellFlag(f: Flag): Flag {
  return { code: f.code, message: plainRunText(f.message.replaceAll("|", "/"), MESSAGE_CHARS) };
}

export function formatFlagsCell(flags: readonly Flag[]): string {
  return flags
    .map(cellFlag)
    .map((f) => `${f.code}: ${f.message}`)
    .join(SEPARATOR);
}

/** Reads a results.tsv cell back; text that is not `code: message` is kept as an "other" flag. */
export function parseFlagsCell(cell: string): Flag[] {
  if (cell.trim() === "") return [];
  return cell.split(SEPARATOR).map((part) => {
    const m = CELL_FLAG.exec(part.trim());
    return m ? { code: m[1] ?? "other", message: m[2] ?? "" } : { code: "other", message: part.trim() };
  });
}
