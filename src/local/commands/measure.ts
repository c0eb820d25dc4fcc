import path from "node:path";
import { parseArgs } from "node:util";
import { ARTIFACT_LIMIT } from "../../core/artifact-gate.ts";
import { UserError } from "../../core/user-error.ts";
import { measureArtifactFiles } from "../../io/measure-artifact.ts";
import type { Command } from "./command.ts";

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        code: { type: "string", multiple: true },
        model: { type: "string" },
        limit: { type: "string" },
        "log-bytes": { type: "string" },
        json: { type: "boolean", default: false },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new UserError(error instanceof Error ? error.message : String(error));
  }
}

/** A whole number of bytes from a flag; digits only, so "16e6" or "16MB" is refused, not guessed. */
function byteCount(value: string | undefined, flag: string, allowZero: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || (!allowZero && n === 0)) {
    const what = allowZero ? "a whole number of bytes" : "a positive whole number of bytes";
    throw new UserError(`${flag} must be ${what}, e.g. ${ARTIFACT_LIMIT}; got '${value}'`);
  }
  return n;
}

export const measureCommand: Command = {
  name: "measure",
  summary: "count an artifact's bytes (code + compressed model) against the 16,000,000-byte cap",
  usage: `caddie measure --code FILE [--code FILE ...] --model FILE [--limit N] [--log-bytes N] [--json]

  Artifact = the byte sizes of the code file(s) (train_gpt.py, UTF-8) + the compressed model file.
  --limit N      the cap in bytes (default ${ARTIFACT_LIMIT}, decimal: not 16 MiB)
  --log-bytes N  the size the run's log printed, to report a mismatch with our count
  --json         print code_bytes, model_bytes, artifact_bytes, limit, ok, mismatch and reason as JSON
  Exits 0 within the limit, 1 over it, 2 on bad input.`,
  async run(args, io) {
    const { values } = parseOptions(args);
    const code = values.code ?? [];
    if (code.length === 0) throw new UserError("--code FILE is required (the train_gpt.py that is counted)");
    if (values.model === undefined)
      throw new UserError("--model FILE is required (the compressed model file)");
    const limit = byteCount(values.limit, "--limit", false);
    const logArtifactBytes = byteCount(values["log-bytes"], "--log-bytes", true) ?? null;
    const result = await measureArtifactFiles({
      code: code.map((file) => path.resolve(io.cwd, file)),
      model: path.resolve(io.cwd, values.model),
      limit,
      logArtifactBytes,
    });
    io.stdout(
      values.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `${result.ok ? "ok" : "over"}: ${result.reason}\n`,
    );
    return result.ok ? 0 : 1;
  },
};
