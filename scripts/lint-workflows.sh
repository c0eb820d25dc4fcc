#!/usr/bin/env bash
# Lints caddie's own workflows and the caller workflows `caddie init` writes, with zizmor (offline, its
# default persona; any ignore is justified inline where it sits) and actionlint. Zero findings or it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
zizmor=".venv/bin/zizmor"
actionlint=".venv/bin/actionlint"
[ -x "$zizmor" ] || { echo "no $zizmor: run 'npm run setup' first" >&2; exit 2; }
[ -x "$actionlint" ] || { echo "no $actionlint: run 'npm run setup' first" >&2; exit 2; }
written="$(mktemp -d)"
trap 'rm -rf "$written"' EXIT
# What `caddie init` writes (init-workflows.ts), for a source pinned to some commit.
mkdir -p "$written/.github/workflows"
node --import tsx --input-type=module -e '
  import { writeFileSync } from "node:fs";
  import { callerWorkflows } from "./src/local/commands/init-workflows.ts";
  const source = { repo: "caddie-golf/caddie", sha: "0123456789abcdef0123456789abcdef01234567", ref: "v1" };
  for (const [path, text] of Object.entries(callerWorkflows(source))) writeFileSync(`${process.argv[1]}/${path}`, text);
' "$written"
"$zizmor" --offline --quiet .github/workflows "$written/.github/workflows"
"$actionlint" .github/workflows/*.yml "$written"/.github/workflows/*.yml
