/**
 * `caddie init [--dir D] [--source owner/repo@ref] [--force]`: prepares a fork of openai/parameter-golf for
 * the caddie GitHub App. Writes the config (.github/caddie.yml, with a search_space derived from the
 * script's own settings), a program.md research brief, and three small caller workflows that use the
 * reusable workflows of caddie's repository pinned to a commit SHA: experiment training on the self-hosted
 * runner, the cron tick, and the promotion to 8xH100. Refuses a folder that is not a git repository's top
 * or lacks the training script, and overwrites nothing without --force; it checks everything before it
 * writes anything.
 */
import { existsSync, realpathSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { deriveSearchSpace } from "../../core/derive-search-space.ts";
import { DEFAULT_CONFIG } from "../../core/config.ts";
import { DEFAULT_MODEL } from "../../core/default-model.ts";
import { UserError } from "../../core/user-error.ts";
import { caddieRoot } from "../caddie-paths.ts";
import { checkScriptShape } from "../doctor/check-repository.ts";
import { Git } from "../git.ts";
import { resolveSource, sourceOfCheckout, type CaddieSource } from "../resolve-source.ts";
import type { Command } from "./command.ts";
import { callerWorkflows } from "./init-workflows.ts";

export const INIT_CONFIG = `# caddie: autoresearch for Parameter Golf. Read from the default branch only, so a pull request can never
# change the bot's settings. Every key has a default; a broken file is reported on the results issue.

# The file the agent edits and whose UTF-8 bytes count towards the 16,000,000-byte artifact.
target: train_gpt.py
# Paths the agent may change; anything else is refused (and the App can never touch .github/workflows).
allow:
  - train_gpt.py
# The compressed model file a run writes.
model: final_model.int8.ptz
# The research brief the agent reads first.
program: program.md
# Experiments are pull requests into this branch; kept ones are squash-merged into it.
research_line: autoresearch/main

tiers:
  proxy:
    # Labels of your self-hosted GPU runner (it trains every experiment pull request).
    runs_on: [self-hosted, gpu]
    command: [torchrun, --standalone, --nproc_per_node=1, train_gpt.py]
    env:
      MAX_WALLCLOCK_SECONDS: "300"
    timeout_minutes: 15
  full:
    provider: modal
    gpu: "H100!"
    gpus: 8
    train_seconds: 600
    timeout_minutes: 30
    usd_per_gpu_hour: 3.95
    volume: parameter-golf-fineweb

thresholds:
  # A result is kept when it beats the incumbent by more than max(min_delta, noise_k x sigma).
  min_delta: 0.002
  noise_k: 2
  baseline_runs: 1
  # Relative proxy gain that suggests a promotion to 8xH100.
  promote_gain: 0.03

budget:
  # Dollars for 8xH100 promotions; 0 refuses every promotion.
  total_usd: 0
  reserve_usd: 0
  max_full_runs_per_hour: 1
  auto_promote: false

agent:
  model: ${DEFAULT_MODEL}
  max_tokens: 16000
  context_budget: 12000

# How many experiment pull requests may be open (training) at once.
concurrency: 1
# true: on a cron tick the App also dispatches caddie-research.yml (papers, posts; read-only) and reads
# what it uploads into caddie/state. false: no research run, nothing ingested.
research: false
# true: log what would be done, write and spend nothing.
dry_run: false
`;

export const INIT_PROGRAM = `# Research program

Goal: the lowest val_bpb on FineWeb for a model whose artifact (UTF-8 bytes of train_gpt.py plus the
compressed model) fits in 16,000,000 bytes, trained in 10 minutes on 8xH100.

## What you may change
- \`train_gpt.py\` only: architecture, optimizer, schedule, quantization, compression.

## What you must not do
- Touch the evaluation or read validation data during training.
- Add network access or new packages.
- Let the artifact pass 16,000,000 bytes.

## How to work
- One focused change per experiment, with a written hypothesis (REASONING) before and a lesson (ANALYSIS)
  after.
- Build on what works in notes.md; never revisit a dead end.
- Prefer simple changes: a tiny gain that adds a lot of code is not worth it.
`;

/** The config's search_space block: each setting's candidates as a YAML flow list, numbers bare. */
function searchSpaceYaml(space: Record<string, string[]>, target: string): string {
  const names = Object.keys(space);
  if (names.length === 0) return "";
  const value = (v: string) => (/^-?\d+(?:\.\d+)?(?:e-?\d+)?$/i.test(v) ? v : JSON.stringify(v));
  return [
    "",
    `# The offline sweep's candidates (it proposes when ANTHROPIC_API_KEY is not set), derived from ${target}'s own`,
    "# settings: a few neighbours around each default. Edit freely; every name must stay a setting of the script.",
    "search_space:",
    ...names.map((n) => `  ${n}: [${(space[n] ?? []).map(value).join(", ")}]`),
    "",
  ].join("\n");
}

export interface InitOptions {
  source: CaddieSource;
  /** From the script's settings (deriveSearchSpace); empty leaves the key out. */
  searchSpace?: Record<string, string[]>;
}

/** The files `caddie init` writes, relative to the repository root. */
export function initFiles(options: InitOptions): Record<string, string> {
  return {
    ".github/caddie.yml": INIT_CONFIG + searchSpaceYaml(options.searchSpace ?? {}, "train_gpt.py"),
    "program.md": INIT_PROGRAM,
    ...callerWorkflows(options.source),
  };
}

/** The folder must be the top of a git repository holding the training script; returns the script. */
async function checkFork(root: string, target: string): Promise<string> {
  const top = await new Git(root).try(["rev-parse", "--show-toplevel"]).catch(() => null);
  if (!top || top.code !== 0)
    throw new UserError(
      `${root} is not a git repository: clone your fork of openai/parameter-golf and run caddie init there`,
      1,
    );
  if (realpathSync(top.stdout.trim()) !== realpathSync(root))
    throw new UserError(
      `${root} is inside the repository ${top.stdout.trim()}: run caddie init at its top folder`,
      1,
    );
  const script = await readFile(path.join(root, target), "utf8").catch(() => null);
  if (script === null)
    throw new UserError(
      `${root} has no ${target}: caddie trains and edits that script (copy openai/parameter-golf's train_gpt.py there)`,
      1,
    );
  const problem = checkScriptShape(script, DEFAULT_CONFIG).find((c) => c.status === "fail");
  if (problem) throw new UserError(`${problem.detail} (${problem.fix ?? ""})`, 1);
  return script;
}

const NEXT_STEPS = (source: CaddieSource, space: number) => [
  "",
  `The workflows call ${source.repo} at ${source.sha} (${source.ref === source.sha ? "a pinned commit" : source.ref}).`,
  space > 0
    ? `search_space: ${space} settings of train_gpt.py with neighbours around their defaults (edit .github/caddie.yml).`
    : "search_space: train_gpt.py has no NAME = os.environ.get(...) settings; only Claude (ANTHROPIC_API_KEY) can propose.",
  "",
  "Next:",
  "  1. Check the fork: caddie doctor --repo . (data, tokenizer, Python, GPUs, disk, API key and model).",
  "  2. Register your own GitHub App (there is no shared caddie App): on GitHub, Settings > Developer settings >",
  "     GitHub Apps > New GitHub App, with the permissions and events app.yml lists (no workflows permission),",
  "     a webhook secret, and your host's URL as the webhook URL. Install it on this repository only.",
  "  3. Host it where GitHub can reach it: 'npm start' in the caddie checkout with APP_ID, PRIVATE_KEY_PATH",
  "     (the App's .pem) and WEBHOOK_SECRET; 'caddie doctor --app' checks those settings first.",
  "  4. Register a self-hosted GPU runner for this repository (Settings > Actions > Runners > New) with the",
  "     labels in tiers.proxy.runs_on (self-hosted, gpu), and put the FineWeb shards and the tokenizer on it.",
  "  5. Secrets: ANTHROPIC_API_KEY (repository secret, for research grading; the App's host needs it too for",
  "     Claude's proposals); for /promote, an environment `caddie-modal` with MODAL_TOKEN_ID and",
  "     MODAL_TOKEN_SECRET, and budget.total_usd in .github/caddie.yml.",
  "  6. Commit and push these files to the default branch; the first tick opens the baseline pull request.",
  "",
];

export const initCommand: Command = {
  name: "init",
  summary: "write .github/caddie.yml, program.md and the caddie workflows into a parameter-golf fork",
  usage: `caddie init [--dir DIR] [--source owner/repo@ref] [--force]

  DIR (default: the current folder) must be the top of a git repository holding train_gpt.py. The workflows
  call caddie's reusable workflows from --source, pinned to a full commit SHA (a tag or branch is resolved
  with git ls-remote; offline, give the SHA). Without --source: this caddie checkout's GitHub origin at its
  HEAD commit, when that commit is pushed. The config's search_space comes from train_gpt.py's settings.`,
  async run(args, io) {
    let values: { dir?: string; force?: boolean; source?: string };
    try {
      ({ values } = parseArgs({
        args,
        options: { dir: { type: "string" }, force: { type: "boolean" }, source: { type: "string" } },
        allowPositionals: false,
      }));
    } catch (error) {
      io.stderr(
        `caddie init: ${error instanceof Error ? error.message : String(error)}\nusage: ${initCommand.usage.split("\n")[0]}\n`,
      );
      return 2;
    }
    const root = path.resolve(io.cwd, values.dir ?? ".");
    // Everything is checked before anything is written.
    const script = await checkFork(root, "train_gpt.py");
    const source = values.source
      ? await resolveSource(values.source, io.env.CADDIE_GIT_BASE || undefined)
      : await sourceOfCheckout(caddieRoot);
    const searchSpace = deriveSearchSpace(script);
    const files = initFiles({ source, searchSpace });
    const existing = Object.keys(files).filter((rel) => existsSync(path.join(root, rel)));
    if (existing.length > 0 && !values.force) {
      io.stderr(`caddie init: refusing to overwrite ${existing.join(", ")} in ${root} (use --force)\n`);
      return 1;
    }
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(root, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content, "utf8");
      io.stdout(`wrote ${rel}\n`);
    }
    io.stdout(NEXT_STEPS(source, Object.keys(searchSpace).length).join("\n"));
    return 0;
  },
};
