/**
 * The caller workflows `caddie init` writes into a fork. Each one only calls a reusable workflow of caddie's
 * repository, pinned by full commit SHA (the asked-for tag or branch as a comment; resolve-source.ts), and
 * passes that same SHA as `caddie-ref`, so the action and code caddie checks out are the reviewed commit too: whoever moves a tag
 * gets nothing. Only the App starts training, promotion and research (workflow_dispatch from the default
 * branch, with the experiment's PR and commit as inputs); no pull_request trigger reaches a runner. The tick
 * is the only scheduled one, and it only wakes the App.
 */

import type { CaddieSource } from "../resolve-source.ts";

/** A reusable workflow of caddie's repository, pinned to the commit, the asked-for ref beside it. */
function uses(source: CaddieSource, workflow: string): string {
  const note = source.ref === source.sha ? "a pinned commit" : source.ref;
  return `${source.repo}/.github/workflows/${workflow}@${source.sha} # ${note}`;
}

/** The inputs every caller passes: the same commit, so the action and code checked out are pinned too. */
function pin(source: CaddieSource): string {
  return `      caddie-repository: ${source.repo}\n      caddie-ref: ${source.sha}`;
}

const experiment = (
  source: CaddieSource,
) => `# Trains one experiment on your self-hosted GPU runner. Only the caddie App starts it (workflow_dispatch
# from the default branch, with the experiment's pull request and commit); the commit is checked out as
# data and trained in caddie's sandbox (no secrets, no network, the runner's files hidden). Written by
# \`caddie init\`; see caddie's docs/SECURITY.md for the runner set-up this relies on.
name: caddie experiment

on:
  workflow_dispatch:
    inputs:
      pr:
        description: Pull request number of the experiment
        required: true
        type: number
      sha:
        description: The exact commit to train (40 hex digits)
        required: true
        type: string

permissions: {}

concurrency:
  group: caddie-experiment-\${{ inputs.pr }}
  cancel-in-progress: false

jobs:
  experiment:
    permissions:
      contents: read
    uses: ${uses(source, "experiment.yml")}
    with:
      pr: \${{ inputs.pr }}
      sha: \${{ inputs.sha }}
      # caddie scores every model itself on this held-out shard, on the runner, out of training's reach
      # (make it once: python -m caddie_score split, see caddie's docs/SCORING.md). Empty: every run is
      # unverified and never kept.
      heldout: ""
${pin(source)}
`;

const tick = (
  source: CaddieSource,
) => `# Wakes the caddie App every hour (at an odd minute) so the loop keeps going; it runs no code of yours.
# Written by \`caddie init\`.
name: caddie tick

on:
  schedule:
    - cron: "17 * * * *"
  workflow_dispatch: {}

permissions: {}

jobs:
  tick:
    permissions:
      # Sending a repository_dispatch event needs contents: write; the job does nothing else.
      contents: write
    uses: ${uses(source, "tick.yml")}
`;

const research = (
  source: CaddieSource,
) => `# Syncs research (arXiv, Semantic Scholar, OpenReview, GitHub, feeds) for the caddie App, which dispatches
# it on a cron tick when .github/caddie.yml says \`research: true\`, then reads the uploaded research.jsonl.
# Read-only; the ANTHROPIC_API_KEY secret (optional) grades the items. Written by \`caddie init\`.
name: caddie research

on:
  workflow_dispatch: {}

permissions: {}

jobs:
  research:
    permissions:
      contents: read
    uses: ${uses(source, "research.yml")}
    with:
${pin(source)}
    secrets:
      ANTHROPIC_API_KEY: \${{ secrets.ANTHROPIC_API_KEY }}
`;

const promote = (
  source: CaddieSource,
) => `# Trains a promoted experiment on 8xH100 (Modal). The caddie App dispatches it after /promote, once the
# spend ledger has reserved the estimate; the Modal token lives in the \`caddie-modal\` environment (give it
# required reviewers to approve each paid run). A run the App did not dispatch is recorded as unbudgeted
# spend. Written by \`caddie init\`.
name: caddie promote

on:
  workflow_dispatch:
    inputs:
      pr:
        description: Pull request number of the experiment
        required: true
        type: number
      sha:
        description: The exact commit to train (40 hex digits)
        required: true
        type: string
      seeds:
        description: How many seeds to run (1-8)
        required: true
        type: number
        default: 3

permissions: {}

jobs:
  promote:
    permissions:
      contents: read
    uses: ${uses(source, "promote.yml")}
    with:
      pr: \${{ inputs.pr }}
      sha: \${{ inputs.sha }}
      seeds: \${{ inputs.seeds }}
${pin(source)}
`;

/** Path -> text of every caller workflow. */
export function callerWorkflows(source: CaddieSource): Record<string, string> {
  return {
    ".github/workflows/caddie-experiment.yml": experiment(source),
    ".github/workflows/caddie-tick.yml": tick(source),
    ".github/workflows/caddie-research.yml": research(source),
    ".github/workflows/caddie-promote.yml": promote(source),
  };
}
