#!/usr/bin/env bash
# Runs the Python tests with the project venv (see scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
python=".venv/bin/python"
[ -x "$python" ] || { echo "no .venv: run 'npm run setup' first" >&2; exit 2; }
exec "$python" -m pytest python -q "$@"
