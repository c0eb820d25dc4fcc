/**
 * Runs the committed action bundle the way the Actions runner does: a child process with INPUT_* variables
 * and real GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, nothing else from our environment.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../helpers/shared.ts";

export interface BundleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The parsed result JSON, read from the path in the `result` output (null if none). */
  result: Record<string, unknown> | null;
  dir: string;
}

export const bundlePath = path.join(repoRoot, "dist", "index.js");

/** Parses the runner's file-command format: `name<<DELIM\nvalue\nDELIM\n` (or `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = "", delim = ""] = heredoc;
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delim) value.push(lines[i++] ?? "");
      if (i >= lines.length) throw new Error(`output ${name}: delimiter ${delim} never closed`);
      out[name] = value.join("\n");
    } else if (line.includes("=")) {
      out[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return out;
}

/** Runs the bundle with the given action inputs (names as in action.yml), cwd = a fresh temp dir. */
export async function runBundle(
  inputs: Record<string, string>,
  options: { cwd?: string; bundle?: string } = {},
): Promise<BundleRun> {
  const dir = options.cwd ?? (await mkdtemp(path.join(os.tmpdir(), "caddie-action-")));
  const outputFile = path.join(dir, "github_output");
  const summaryFile = path.join(dir, "step_summary.md");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: path.join(dir, "runner_temp"),
    GITHUB_ACTION: "measure",
  };
  // core.getInput reads INPUT_<NAME> with spaces as underscores, upper-cased; dashes stay.
  for (const [name, value] of Object.entries(inputs))
    env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  const child = spawn(process.execPath, [options.bundle ?? bundlePath], { cwd: dir, env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  const outputs = parseOutputFile(await readFile(outputFile, "utf8"));
  const summary = await readFile(summaryFile, "utf8");
  const resultPath = outputs.result;
  const result = resultPath
    ? (JSON.parse(await readFile(resultPath, "utf8")) as Record<string, unknown>)
    : null;
  return { code, stdout, stderr, outputs, summary, result, dir };
}
