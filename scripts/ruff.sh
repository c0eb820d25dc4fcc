#!/usr/bin/env bash
# Lints the Python code with the project venv's ruff (see python/ruff.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
ruff=".venv/bin/ruff"
[ -x "$ruff" ] || { echo "no .venv/bin/ruff: run 'npm run setup' first" >&2; exit 2; }
exec "$ruff" check --config python/ruff.toml python
