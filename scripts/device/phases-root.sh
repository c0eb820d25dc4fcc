#!/usr/bin/env bash
# Where the time of a real experiment goes, on one GPU: openai/parameter-golf's root train_gpt.py run
# through `caddie run` in a fork-shaped course (train_gpt.py, data/README.md and .github/caddie.yml
# committed; shards and tokenizer untracked under data/, as a fork keeps them) at a 60 s proxy, for a
# baseline and 2 experiments (the sweep proposer, no API key). Writes to $OUT:
#   phases-root.json  per run: wall seconds of each phase (start-up + compile, training loop, evaluation +
#                     serialization, exit), the log's own training-loop seconds, duty cycle, caddie's own
#                     seconds around the process and between runs, sandbox mode; and the session's totals
#   caddie-run.log    what `caddie run` printed (results.tsv rows and caddie's score per run are in the JSON)
#   run-*.log         each run's log
#
# Inputs, in .device-in/ (git-excluded; the coordinator fills it and names it in `carry`):
#   .device-in/train_gpt.py                          the root script (../shared/fixtures/parameter-golf/scripts)
#   .device-in/sp1024/fineweb_{train,val}_000000.bin  shards (../shared/fixtures/fineweb-sample/sp1024)
#   .device-in/fineweb_1024_bpe.model                the sp1024 tokenizer
#   .device-in/caddie.mjs                            the CLI bundle: `npm run build:cli` (build/caddie.mjs)
#   .device-in/node                                  a Node 20+ binary (the device has no Node of its own)
# caddie's Python (sandbox wrapper, split, scorer) is read from this checkout (CADDIE_ROOT); the device's
# python3 holds PyTorch, numpy and sentencepiece. Run from the repository root:
#   bash scripts/device/phases-root.sh          (4 runs: 2 baselines, the keep rule's noise estimate, and 2
#                                               experiments, about 8-10 minutes on one H100; caddie is
#                                               stopped (SIGTERM) at PHASES_TIMEOUT=540 s and the JSON holds
#                                               every run that finished; PHASES_EXPERIMENTS=2 sets the count)
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
cat >"$COURSE/.github/caddie.yml" <<'YAML'
tiers:
  proxy:
    command: [torchrun, --standalone, --nproc_per_node=1, train_gpt.py]
    env: {MAX_WALLCLOCK_SECONDS: "60"}
    timeout_minutes: 6
# The keep rule needs a noise estimate (two baselines); no extra seeds or incumbent re-runs beyond it.
thresholds: {min_delta: 0.002, baseline_runs: 2, extra_seeds: 0, rerun_incumbent_every: 0}
search_space:
  MATRIX_LR: ["0.03", "0.04", "0.05"]
  SCALAR_LR: ["0.03", "0.04", "0.05"]
YAML
git -C "$COURSE" init -q -b main
git -C "$COURSE" add -A
git -C "$COURSE" -c user.name=caddie -c user.email=caddie@localhost commit -q -m "fork"
# The untracked data, where the root script looks by default.
mkdir -p "$COURSE/data/datasets/fineweb10B_sp1024" "$COURSE/data/tokenizers"
cp "$IN"/sp1024/fineweb_*_000000.bin "$COURSE/data/datasets/fineweb10B_sp1024/"
cp "$IN/fineweb_1024_bpe.model" "$COURSE/data/tokenizers/"

nvidia-smi -L >"$OUT/gpu.txt" 2>&1 || true
started_ms=$(date +%s%3N)
set +e
timeout --signal=TERM --kill-after=30 "${PHASES_TIMEOUT:-540}" "$IN/node" "$IN/caddie.mjs" run --repo "$COURSE" \
  --tag dev --max-experiments "${PHASES_EXPERIMENTS:-2}" 2>&1 | tee "$OUT/caddie-run.log"
code=${PIPESTATUS[0]}
set -e
ended_ms=$(date +%s%3N)

python3 - "$COURSE" "$started_ms" "$ended_ms" "$code" "$OUT" <<'PY'
import glob, json, os, shutil, sys
course, started, ended, code, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def score_of(run_id, seed):
    """caddie's score of the run (the scoring step's result file, <id>[-s<seed>].json), or None."""
    name = f"{run_id}.json" if seed is None else f"{run_id}-s{seed}.json"
    path = os.path.join(course, ".caddie", "scoring", name)
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        s = json.load(fh)
    return {k: s.get(k) for k in ("status", "val_bpb", "reason", "seconds", "load_seconds", "sandbox", "device",
                                  "causality", "tokens")}

ledger = []
tsv = os.path.join(course, ".caddie", "dev", "results.tsv")
if os.path.exists(tsv):
    with open(tsv) as fh:
        head, *rows = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    ledger = [dict(zip(head, row)) for row in rows]

records = []
for f in glob.glob(os.path.join(course, ".caddie", "dev", "runs", "*", "run.json")):
    with open(f) as fh:
        records.append(json.load(fh))
    log = os.path.join(os.path.dirname(f), "run.log")
    if os.path.exists(log) and len(records) <= 5:
        shutil.copy(log, os.path.join(out, f"run-{records[-1]['id']}.log"))
records.sort(key=lambda r: r["startedAt"])
runs, previous_end = [], started
for r in records:
    t = r["timing"]
    wall = t["wallSeconds"]
    loop = t["trainLoopSeconds"]
    runs.append({
        "id": r["id"],
        "exit_code": r["exitCode"],
        "sandbox": r["sandbox"],
        "flags": r["flags"],
        "wall_seconds": wall,
        "phases_seconds": t["phases"],
        "train_loop_seconds": loop,
        "steps": t["steps"],
        "duty_cycle": (loop or 0) / wall if wall else None,
        # caddie's time before this run's process started: the previous run's measuring, re-score and
        # record, this run's proposal, export, data view and sandbox set-up.
        "caddie_seconds_before": (r["startedAt"] - previous_end) / 1000 - r["caddieSeconds"]["prepare"] if previous_end else None,
        "caddie_runner_seconds": r["caddieSeconds"],
        "run_folder_bytes": r["bytes"],
        # caddie's own re-score of this run (.caddie/scoring/<id>.json): its seconds against the run's wall time.
        "score": score_of(r["id"], r.get("seed")),
    })
    previous_end = r["finishedAt"]
session = (ended - started) / 1000
run_wall = sum(x["wall_seconds"] for x in runs)
loop = sum(x["train_loop_seconds"] or 0 for x in runs)
result = {
    "what": "root train_gpt.py through caddie run, fork-shaped course, 60 s proxy, baseline + 2 experiments",
    "caddie_exit_code": code,
    "session_wall_seconds": session,
    "runs": runs,
    "totals": {
        "runs": len(runs),
        "run_wall_seconds": run_wall,
        "train_loop_seconds": loop,
        "duty_cycle": loop / session if session else None,
        "phases_seconds": {k: sum(x["phases_seconds"][k] for x in runs) for k in ("startup", "training", "evaluation", "exit")},
        "caddie_seconds_per_run": (session - run_wall) / len(runs) if runs else None,
        # The scoring step's share of each scored run's wall time (issue: under 10%).
        "score_seconds": [x["score"]["seconds"] for x in runs if x["score"] and x["score"]["seconds"]],
        "score_share_of_run": [round(x["score"]["seconds"] / x["wall_seconds"], 4)
                               for x in runs if x["score"] and x["score"]["seconds"] and x["wall_seconds"]],
    },
    "results_tsv": ledger,
}
with open(os.path.join(out, "phases-root.json"), "w") as fh:
    json.dump(result, fh, indent=2)
print(json.dumps(result["totals"], indent=2))
PY
