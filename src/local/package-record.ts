/**
 * Packages finished seeds as a record folder for a pull request to openai/parameter-golf:
 * `records/track_10min_16mb/YYYY-MM-DD_<Name>/` with README.md, submission.json (per-seed results in the
 * fields real records use), the train logs and train_gpt.py (parameter-golf.md 1.3, 5.2).
 *
 * Everything is read from the logs with the core parser and checked before anything is written: every
 * seed scored, seeds distinct, each log produced by this train_gpt.py (its `Code size:` line), every
 * artifact within the cap. The folder is written under a temporary name and renamed into place, and an
 * existing folder is never overwritten.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { ARTIFACT_LIMIT } from "../core/artifact-gate.ts";
import { parseRunLog, type RunLogSummary } from "../core/parse-run-log.ts";
import { significanceVerdict, type SignificanceVerdict } from "../core/significance.ts";
import { mean, std } from "../core/statistics.ts";
import { UserError } from "../core/user-error.ts";

export type RecordTrack = "10min_16mb" | "non_record_16mb";

export interface PackageRecordOptions {
  name: string;
  author: string;
  githubId: string;
  logs: string[];
  code: string;
  /** Where `records/` goes (normally the root of a parameter-golf checkout). */
  outDir: string;
  /** YYYY-MM-DD. */
  date: string;
  blurb?: string;
  track?: RecordTrack;
  /** The current best val_bpb to compare against (the leaderboard's top score), for the significance section. */
  against?: number | null;
}

export interface SeedResult {
  seed: number;
  log: string;
  summary: RunLogSummary;
}

export interface PackagedRecord {
  dir: string;
  files: string[];
  submission: Record<string, unknown>;
  verdict: SignificanceVerdict | null;
}

/** "11L XSA + LQER (v2)" -> "11L_XSA_LQER_v2": the folder-name form records use. */
export function recordFolderName(date: string, name: string): string {
  const slug = name
    .replace(/[^A-Za-z0-9.-]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^[_.-]+|[_.-]+$/g, "");
  if (slug === "") throw new UserError(`--name '${name}' has no letters or digits to name the folder with`);
  return `${date}_${slug}`;
}

export async function packageRecord(o: PackageRecordOptions): Promise<PackagedRecord> {
  checkOptions(o);
  const track = o.track ?? "10min_16mb";
  const code = await readInput(o.code, "code");
  const seeds = await readSeeds(o.logs, code.length);
  // Both tracks cap the artifact (non-record submissions "must still fit 16 MB").
  for (const s of seeds) {
    const bytes = s.summary.artifact_bytes;
    if (bytes !== null && bytes > ARTIFACT_LIMIT)
      throw new UserError(`${s.log}: artifact ${bytes} bytes is over the ${ARTIFACT_LIMIT}-byte cap`);
  }
  const verdict =
    o.against === undefined || o.against === null
      ? null
      : significanceVerdict({
          candidate: seeds.map((s) => ({
            seed: s.seed,
            val_bpb: s.summary.val_bpb ?? Number.NaN,
            val_loss: s.summary.val_loss,
          })),
          incumbent: [{ seed: null, val_bpb: o.against, val_loss: null }],
        });
  const submission = buildSubmission(o, track, seeds, code.length, verdict);
  const folder = recordFolderName(o.date, o.name);
  const parent = path.resolve(o.outDir, "records", `track_${track}`);
  const dir = path.join(parent, folder);
  if (await exists(dir)) {
    throw new UserError(`${dir} already exists: choose another --name or --date, or remove it first`);
  }

  const files: [string, string | Buffer][] = [
    ["README.md", renderReadme(o, seeds, submission, verdict, code.length)],
    ["submission.json", `${JSON.stringify(submission, null, 2)}\n`],
    ["train_gpt.py", code],
  ];
  for (const s of seeds) files.push([`train_seed${s.seed}.log`, await readFile(s.log)]);

  await mkdir(parent, { recursive: true });
  const temp = path.join(parent, `.${folder}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(temp);
  try {
    for (const [name, content] of files) await writeFile(path.join(temp, name), content);
    if (await exists(dir)) throw new UserError(`${dir} appeared while packaging; nothing was overwritten`);
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST")
      throw new UserError(`${dir} appeared while packaging; nothing was overwritten`);
    throw error;
  }
  return { dir, files: files.map(([name]) => name), submission, verdict };
}

function checkOptions(o: PackageRecordOptions): void {
  for (const [flag, value] of [
    ["--name", o.name],
    ["--author", o.author],
    ["--github-id", o.githubId],
  ] as const) {
    if (value.trim() === "") throw new UserError(`${flag} must not be empty`);
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(o.githubId))
    throw new UserError(`--github-id '${o.githubId}' is not a GitHub user name`);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(o.date);
  const parsed = date ? new Date(`${o.date}T00:00:00Z`) : null;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== o.date)
    throw new UserError(`--date must be a real YYYY-MM-DD date, got '${o.date}'`);
  if (o.logs.length === 0) throw new UserError("--logs: give the train log of every seed");
  if (o.against !== undefined && o.against !== null && !(o.against > 0))
    throw new UserError(`--against must be a positive val_bpb, got ${o.against}`);
}

async function readInput(file: string, role: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`${role} file not found: ${file}`);
    throw new UserError(`cannot read ${role} file ${file}: ${(error as Error).message}`);
  }
}

async function readSeeds(logs: string[], codeBytes: number): Promise<SeedResult[]> {
  const seeds: SeedResult[] = [];
  for (const log of logs) {
    const text = (await readInput(log, "log")).toString("utf8");
    const summary = parseRunLog(text);
    if (summary.status !== "ok" || summary.val_bpb === null)
      throw new UserError(
        `${log}: not a finished run (${summary.error ?? "no score"}); a record packages scored seeds only`,
      );
    const seed = seedOf(text, log);
    if (seed === null)
      throw new UserError(`${log}: no seed found (no 'seed:N' line, no 'seed<N>' in the file name)`);
    const logged = /^Code size:\s*(\d+)\s*bytes/m.exec(text);
    if (logged && Number(logged[1]) !== codeBytes)
      throw new UserError(
        `${log} was written by a train_gpt.py of ${logged[1]} bytes, but --code is ${codeBytes} bytes: package the code that produced the logs`,
      );
    if (seeds.some((s) => s.seed === seed))
      throw new UserError(`${log}: seed ${seed} appears twice; a record needs independent seeds`);
    seeds.push({ seed, log, summary });
  }
  return seeds;
}

/** The seed a log was run with: its `seed:N` line (the root script prints it), else `seed<N>` in its name. */
function seedOf(text: string, file: string): number | null {
  const line = /^[ \t]*seed\s*[:=]\s*(\d+)\s*$/m.exec(text);
  if (line) return Number(line[1]);
  const name = /seed[_-]?(\d+)/i.exec(path.basename(file));
  return name ? Number(name[1]) : null;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function buildSubmission(
  o: PackageRecordOptions,
  track: RecordTrack,
  seeds: SeedResult[],
  codeBytes: number,
  verdict: SignificanceVerdict | null,
): Record<string, unknown> {
  const bpbs = seeds.map((s) => s.summary.val_bpb ?? Number.NaN);
  const losses = seeds.every((s) => s.summary.val_loss !== null)
    ? seeds.map((s) => s.summary.val_loss ?? 0)
    : null;
  const artifacts = seeds.map((s) => s.summary.artifact_bytes).filter((b): b is number => b !== null);
  const steps = seeds.map((s) => s.summary.steps).filter((n): n is number => n !== null);
  const stepAvgs = seeds.map(stepAvgMs).filter((n): n is number => n !== null);
  const seedResults: Record<string, Record<string, number | null>> = {};
  for (const s of seeds) {
    seedResults[String(s.seed)] = {
      val_loss: s.summary.val_loss,
      val_bpb: s.summary.val_bpb,
      artifact_bytes: s.summary.artifact_bytes,
      steps: s.summary.steps,
      step_avg_ms: stepAvgMs(s),
    };
  }
  const out: Record<string, unknown> = {
    author: o.author,
    github_id: o.githubId,
    name: o.name,
    blurb: o.blurb ?? "",
    date: o.date,
    // The value real records use (folder track_non_record_16mb, field "non-record-16mb").
    track: track === "10min_16mb" ? "10min_16mb" : "non-record-16mb",
    val_loss: losses === null ? null : round(mean(losses) ?? Number.NaN, 8),
    val_bpb: round(mean(bpbs) ?? Number.NaN, 8),
  };
  const lossStd = losses === null ? null : std(losses);
  const bpbStd = std(bpbs);
  if (lossStd !== null) out.val_loss_std = round(lossStd, 8);
  if (bpbStd !== null) out.val_bpb_std = round(bpbStd, 8);
  out.seeds = seeds.map((s) => s.seed);
  out.seed_results = seedResults;
  if (verdict !== null && o.against !== undefined && o.against !== null) {
    out.comparison_baseline_bpb = o.against;
    out.delta_vs_leaderboard_bpb = round(verdict.deltaBpb, 8);
    out.delta_vs_leaderboard_nats = round(verdict.deltaNats, 8);
    if (verdict.pValue !== null) out.p_value = Number(verdict.pValue.toPrecision(4));
    if (verdict.t !== null) out.t_statistic = round(verdict.t, 4);
  }
  if (artifacts.length > 0) {
    out.artifact_bytes_mean = Math.round(mean(artifacts) ?? 0);
    out.artifact_bytes_max = Math.max(...artifacts);
    out.bytes_total = Math.max(...artifacts);
  }
  out.bytes_code = codeBytes;
  if (steps.length > 0) out.train_steps_mean = round(mean(steps) ?? 0, 2);
  if (stepAvgs.length > 0) out.step_avg_ms_mean = round(mean(stepAvgs) ?? 0, 2);
  return out;
}

function stepAvgMs(s: SeedResult): number | null {
  const { steps, train_time_ms } = s.summary;
  return steps !== null && steps > 0 && train_time_ms !== null ? round(train_time_ms / steps, 2) : null;
}

function renderReadme(
  o: PackageRecordOptions,
  seeds: SeedResult[],
  submission: Record<string, unknown>,
  verdict: SignificanceVerdict | null,
  codeBytes: number,
): string {
  const n = seeds.length;
  const mean = String(submission.val_bpb);
  const label = n === 1 ? "1 seed" : `${n}-seed mean`;
  const stdText =
    typeof submission.val_bpb_std === "number" ? `, std ${submission.val_bpb_std.toFixed(5)}` : "";
  const maxBytes =
    typeof submission.bytes_total === "number"
      ? ` | **${fmt(submission.bytes_total)} bytes** (largest artifact)`
      : "";
  const lines = [
    `# ${o.track === "non_record_16mb" ? "Non-record" : "Record"}: ${o.name} — val_bpb ${mean} (${label})`,
    "",
    `**val_bpb: ${mean}** (${label}${stdText})${maxBytes}`,
    "",
  ];
  if (o.blurb) lines.push(o.blurb, "");
  lines.push(
    "## Results",
    "",
    "| Seed | Steps | ms/step | val_loss | val_bpb | Artifact bytes |",
    "|---:|---:|---:|---:|---:|---:|",
  );
  for (const s of seeds) {
    const r = s.summary;
    lines.push(
      `| ${s.seed} | ${r.steps === null ? "" : fmt(r.steps)} | ${stepAvgMs(s) ?? ""} | ${r.val_loss ?? ""} | ${r.val_bpb ?? ""} | ${r.artifact_bytes === null ? "" : fmt(r.artifact_bytes)} |`,
    );
  }
  lines.push(
    `| **Mean** | | | ${submission.val_loss === null ? "" : `**${String(submission.val_loss)}**`} | **${mean}** | |`,
    "",
  );
  if (verdict !== null && o.against !== undefined && o.against !== null) {
    const sign = (x: number) => `${x < 0 ? "−" : "+"}${Math.abs(x).toFixed(5)}`;
    lines.push(
      "## Significance",
      "",
      `Against ${o.against}: ${sign(verdict.deltaBpb)} BPB / ${sign(verdict.deltaNats)} nats.`,
      `The record rule asks for at least ${verdict.marginNats} nats at p < ${verdict.alpha}: ${verdict.ready ? "met" : "not met"} (${verdict.reason}).`,
      "",
    );
  }
  lines.push(
    "## Run command",
    "",
    "```bash",
    "SEED=<seed> torchrun --standalone --nproc_per_node=8 train_gpt.py",
    "```",
    "",
    "## Files",
    "",
    `- \`train_gpt.py\` (${fmt(codeBytes)} bytes)`,
    ...seeds.map((s) => `- \`train_seed${s.seed}.log\``),
    "- `submission.json`",
    "",
    "Packaged by caddie from the train logs above.",
    "",
  );
  return lines.join("\n");
}

function fmt(x: number): string {
  return x.toLocaleString("en-US");
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
