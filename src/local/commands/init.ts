/**
 * `caddie init [--dir D] [--force]`: prepares a fork of openai/parameter-golf for the caddie GitHub App.
 * Writes the config (.github/caddie.yml), a program.md research brief, and three small caller workflows
 * that use the reusable workflows kept in caddie's repository: experiment training on the self-hosted
 * runner, the cron tick, and the promotion to 8xH100. Refuses to overwrite anything without --force.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_MODEL } from "../../core/default-model.ts";
import type { Command } from "./command.ts";

const CADDIE = "caddie-golf/caddie";
const REF = "v1";

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

function experimentCaller(researchLine: string): string {
  return `# Trains each experiment pull request the caddie App opens (branches caddie/exp-*), on your self-hosted
# runner, with read-only permissions and no secrets. Written by \`caddie init\`.
name: caddie experiment

on:
  pull_request:
    branches: [${JSON.stringify(researchLine)}]

permissions:
  contents: read

concurrency:
  group: caddie-experiment-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  experiment:
    # Only the App's own experiment branches of this repository (never forks) reach the GPU runner.
    if: \${{ startsWith(github.head_ref, 'caddie/exp-') && github.event.pull_request.head.repo.full_name == github.repository }}
    permissions:
      contents: read
    uses: ${CADDIE}/.github/workflows/experiment.yml@${REF}
`;
}

const TICK_CALLER = `# Wakes the caddie App every hour (at an odd minute) so the loop keeps going. Written by \`caddie init\`.
name: caddie tick

on:
  schedule:
    - cron: "17 * * * *"
  workflow_dispatch: {}

permissions:
  contents: write

jobs:
  tick:
    permissions:
      contents: write
    uses: ${CADDIE}/.github/workflows/tick.yml@${REF}
    with:
      # true: also sync research (arXiv, Semantic Scholar, ...) every tick, read-only; the App ingests the
      # uploaded research.jsonl into caddie/state on its next cron tick.
      research: false
    secrets:
      # Optional: grades research items with Claude; without it they are fetched and pre-filtered only.
      ANTHROPIC_API_KEY: \${{ secrets.ANTHROPIC_API_KEY }}
`;

const PROMOTE_CALLER = `# Trains a promoted experiment on 8xH100 (Modal). The caddie App dispatches it after /promote, within the
# budget; the Modal token lives in the \`caddie-modal\` environment. Written by \`caddie init\`.
name: caddie promote
# The App pairs a finished run with its promotion by this name: keep "#<pr> @ <sha>" in it.
run-name: "caddie promote #\${{ inputs.pr }} @ \${{ inputs.sha }}"

on:
  workflow_dispatch:
    inputs:
      pr:
        description: Pull request number of the experiment
        required: true
        type: number
      sha:
        description: The exact commit to train
        required: true
        type: string
      seeds:
        description: How many seeds to run
        required: true
        type: number
        default: 3

permissions:
  contents: read

jobs:
  promote:
    permissions:
      contents: read
    uses: ${CADDIE}/.github/workflows/promote.yml@${REF}
    with:
      pr: \${{ inputs.pr }}
      sha: \${{ inputs.sha }}
      seeds: \${{ inputs.seeds }}
`;

/** The files `caddie init` writes, relative to the repository root. */
export function initFiles(researchLine = "autoresearch/main"): Record<string, string> {
  return {
    ".github/caddie.yml": INIT_CONFIG,
    "program.md": INIT_PROGRAM,
    ".github/workflows/caddie-experiment.yml": experimentCaller(researchLine),
    ".github/workflows/caddie-tick.yml": TICK_CALLER,
    ".github/workflows/caddie-promote.yml": PROMOTE_CALLER,
  };
}

export const initCommand: Command = {
  name: "init",
  summary: "write .github/caddie.yml, program.md and the caddie workflows into a parameter-golf fork",
  usage: "caddie init [--dir DIR] [--force]",
  async run(args, io) {
    let values: { dir?: string; force?: boolean };
    try {
      ({ values } = parseArgs({
        args,
        options: { dir: { type: "string" }, force: { type: "boolean" } },
        allowPositionals: false,
      }));
    } catch (error) {
      io.stderr(
        `caddie init: ${error instanceof Error ? error.message : String(error)}\nusage: ${initCommand.usage}\n`,
      );
      return 2;
    }
    const root = path.resolve(io.cwd, values.dir ?? ".");
    const files = initFiles();
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
    io.stdout(
      [
        "",
        "Next:",
        "  1. Install the caddie GitHub App on this repository.",
        "  2. Register a self-hosted GPU runner with the labels in tiers.proxy.runs_on.",
        "  3. For /promote: create the `caddie-modal` environment with MODAL_TOKEN_ID and MODAL_TOKEN_SECRET,",
        "     and set budget.total_usd.",
        "  4. Commit and push to the default branch; the first tick opens the baseline pull request.",
        "",
      ].join("\n"),
    );
    return 0;
  },
};
