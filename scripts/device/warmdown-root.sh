#!/usr/bin/env bash
# The proxy artifact of issue 12, on one GPU: openai/parameter-golf's root train_gpt.py through `caddie run`
# in a fork-shaped course at a 30 s proxy, the sweep proposing WARMDOWN_ITERS 1200 -> 200 (the root script
# times its warm-down by the wall clock, so at ~83 proxy steps 1200 scales the learning rate to ~0.06 from
# the first step and 200 "wins" by undoing that). What must come out: the change is measured, then not kept
# on the proxy alone (a 1200-step knob needs a run of 4,800 steps to be a quarter of it), in words.
# Writes to $OUT:
#   warmdown-root.json  every ledger row (experiment, tier, seed, val_bpb, status, description) and the
#                       verdict of exp-001 as notes.md recorded it
#   caddie-run.log      what `caddie run` printed; results.tsv, notes.md, scorecard.md
#
# Inputs, in .device-in/ (git-excluded; the coordinator fills it and names it in `carry`), as for
# phases-root.sh: train_gpt.py (the root script), sp1024/fineweb_{train,val}_000000.bin,
# fineweb_1024_bpe.model, caddie.mjs (`npm run build:cli`), node (a Node 20+ binary).
# Run from the repository root:
#   bash scripts/device/warmdown-root.sh        (about 8-12 minutes on one H100; it stops itself at 570 s)
set -euo pipefail

IN="$PWD/.device-in"
: "${OUT:?set OUT to the folder that receives the results}"
for f in train_gpt.py sp1024/fineweb_train_000000.bin sp1024/fineweb_val_000000.bin fineweb_1024_bpe.model caddie.mjs node; do
  [ -e "$IN/$f" ] || { echo "missing .device-in/$f (see this script's header)" >&2; exit 2; }
done
command -v git >/dev/null || { echo "git is not installed here; caddie needs it" >&2; exit 2; }
chmod +x "$IN/node"
export CADDIE_ROOT="$PWD"
export CADDIE_PYTHON="${CADDIE_PYTHON:-$(command -v python3)}"
export CADDIE_PROGRESS=plain
unset ANTHROPIC_API_KEY

COURSE="$(mktemp -d /tmp/caddie-fork-XXXXXX)"
cp "$IN/train_gpt.py" "$COURSE/train_gpt.py"
mkdir -p "$COURSE/.github" "$COURSE/data"
printf 'Download the shards and tokenizer with python data/cached_challenge_fineweb.py\n' >"$COURSE/data/README.md"
printf 'data/datasets/\ndata/tokenizers/\n' >"$COURSE/.gitignore"
# Two baseline runs (the fewest that measure noise) to fit the device's time; the sweep's only step is
# WARMDOWN_ITERS 1200 -> 200.
cat >"$COURSE/.github/caddie.yml" <<'YAML'
tiers:
  proxy:
    command: [torchrun, --standalone, --nproc_per_node=1, train_gpt.py]
    env: {MAX_WALLCLOCK_SECONDS: "30"}
    timeout_minutes: 5
thresholds: {min_delta: 0.002, baseline_runs: 2}
search_space:
  WARMDOWN_ITERS: ["1200", "200"]
YAML
git -C "$COURSE" init -q -b main
git -C "$COURSE" add -A
git -C "$COURSE" -c user.name=caddie -c user.email=caddie@localhost commit -q -m "fork"
mkdir -p "$COURSE/data/datasets/fineweb10B_sp1024" "$COURSE/data/tokenizers"
cp "$IN"/sp1024/fineweb_*_000000.bin "$COURSE/data/datasets/fineweb10B_sp1024/"
cp "$IN/fineweb_1024_bpe.model" "$COURSE/data/tokenizers/"

nvidia-smi -L >"$OUT/gpu.txt" 2>&1 || true
set +e
timeout --signal=TERM --kill-after=30 570 "$IN/node" "$IN/caddie.mjs" run --repo "$COURSE" --tag dev \
  --max-experiments 1 2>&1 | tee "$OUT/caddie-run.log"
code=${PIPESTATUS[0]}
set -e
for f in results.tsv notes.md scorecard.md; do
  [ -f "$COURSE/.caddie/dev/$f" ] && cp "$COURSE/.caddie/dev/$f" "$OUT/$f"
done

python3 - "$COURSE" "$code" "$OUT" <<'PY'
import csv, json, os, sys
course, code, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
state = os.path.join(course, ".caddie", "dev")
rows = []
if os.path.exists(os.path.join(state, "results.tsv")):
    with open(os.path.join(state, "results.tsv")) as fh:
        rows = [
            {k: r.get(k) for k in ("experiment", "tier", "seed", "val_bpb", "status", "description")}
            for r in csv.DictReader(fh, delimiter="\t")
        ]
verdict = None
notes = os.path.join(state, "notes.md")
if os.path.exists(notes):
    text = open(notes).read()
    at = text.find("exp-001")
    verdict = text[at : at + 1500] if at >= 0 else None
result = {
    "what": "root train_gpt.py, 30 s proxy, WARMDOWN_ITERS 1200 -> 200 through caddie run",
    "caddie_exit_code": code,
    "rows": rows,
    "exp_001_kept": any(r["experiment"] == "exp-001" and r["status"] == "keep" for r in rows),
    "exp_001_notes": verdict,
}
with open(os.path.join(out, "warmdown-root.json"), "w") as fh:
    json.dump(result, fh, indent=2)
print(json.dumps({k: result[k] for k in ("caddie_exit_code", "exp_001_kept")}, indent=2))
PY
