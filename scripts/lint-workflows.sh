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
bin/caddie init --dir "$written" > /dev/null
"$zizmor" --offline --quiet .github/workflows "$written/.github/workflows"
"$actionlint" .github/workflows/*.yml "$written"/.github/workflows/*.yml
