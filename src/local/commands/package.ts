import path from "node:path";
import { parseArgs } from "node:util";
import { UserError } from "../../core/user-error.ts";
import { packageRecord, type RecordTrack } from "../package-record.ts";
import type { Command } from "./command.ts";

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        name: { type: "string" },
        author: { type: "string" },
        "github-id": { type: "string" },
        logs: { type: "string", multiple: true },
        code: { type: "string" },
        out: { type: "string" },
        date: { type: "string" },
        blurb: { type: "string" },
        track: { type: "string" },
        against: { type: "string" },
      },
      // `--logs a.log b.log c.log`: the words after --logs are more logs.
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UserError(error instanceof Error ? error.message : String(error));
  }
}

function required(value: string | undefined, flag: string, what: string): string {
  if (value === undefined || value.trim() === "") throw new UserError(`${flag} is required (${what})`);
  return value;
}

export const packageCommand: Command = {
  name: "package",
  summary: "package finished seeds as a records/ folder for a pull request to openai/parameter-golf",
  usage: `caddie package --name NAME --author A --github-id G --logs LOG... --code train_gpt.py
                [--out DIR] [--date YYYY-MM-DD] [--blurb TEXT] [--track 10min_16mb|non_record_16mb] [--against BPB]

  Writes DIR/records/track_10min_16mb/YYYY-MM-DD_<Name>/ with README.md, submission.json (mean, std and
  per-seed results), train_seed<N>.log for each log, and train_gpt.py. Refuses crashed or unscored logs,
  repeated seeds, logs written by a different train_gpt.py, artifacts over the cap, and an existing folder.
  --out DIR      where records/ goes (default: the current directory, e.g. a parameter-golf checkout)
  --date D       the folder's date (default: today, UTC)
  --against BPB  the score to beat: adds the deltas and the record rule's verdict (>= 0.005 nats, p < 0.01)`,
  async run(args, io) {
    const { values, positionals } = parseOptions(args);
    const logs = [...(values.logs ?? []), ...positionals];
    if (logs.length === 0) throw new UserError("--logs LOG... is required (the train log of every seed)");
    const track = values.track ?? "10min_16mb";
    if (track !== "10min_16mb" && track !== "non_record_16mb")
      throw new UserError(`--track must be 10min_16mb or non_record_16mb, got '${track}'`);
    let against: number | null = null;
    if (values.against !== undefined) {
      against = /^\d+(\.\d+)?$/.test(values.against.trim()) ? Number(values.against) : Number.NaN;
      if (!(against > 0))
        throw new UserError(`--against must be a val_bpb like 1.0810, got '${values.against}'`);
    }
    const record = await packageRecord({
      name: required(values.name, "--name", "the submission's title"),
      author: required(values.author, "--author", "your name as it should appear"),
      githubId: required(values["github-id"], "--github-id", "your GitHub user name"),
      logs: logs.map((log) => path.resolve(io.cwd, log)),
      code: path.resolve(io.cwd, required(values.code, "--code", "the train_gpt.py that produced the logs")),
      outDir: path.resolve(io.cwd, values.out ?? "."),
      date: values.date ?? new Date().toISOString().slice(0, 10),
      blurb: values.blurb,
      track: track as RecordTrack,
      against,
    });
    const seeds = (record.submission.seeds as number[]).length;
    io.stdout(
      `wrote ${path.relative(io.cwd, record.dir) || record.dir}/\n` +
        record.files.map((f) => `  ${f}\n`).join("") +
        `val_bpb ${String(record.submission.val_bpb)} (${seeds === 1 ? "1 seed" : `${seeds}-seed mean`})\n` +
        (record.verdict === null
          ? ""
          : `${record.verdict.ready ? "submission-ready" : "not submission-ready"}: ${record.verdict.reason}\n`),
    );
    return 0;
  },
};
