#!/usr/bin/env bash
# Issue 13's GPU numbers, on one GPU, through `caddie run` (slots, overlap, warm starts):
#   mini  golf_mini on two slots that share the card (--gpus 0,0), only to prove the slot mechanics: two
#         runs train at once, each is scored, each result is recorded once (GPU-sharing timings are not
#         comparable, and say so).
#   root  openai/parameter-golf's root train_gpt.py in a fork-shaped course at a 60 s proxy, one slot with
#         overlap on (the next run starts up while the one before it evaluates and is scored), two baseline
#         runs: the first compiles cold (an empty compile cache), the second starts warm. From the two runs:
#         cold vs warm start-up; the period between the two training loops' starts (with overlap, measured);
#         the period the same runs would take one after the other (their wall time, caddie's score and
#         caddie's own seconds: without overlap); experiments per GPU-hour and the training-loop share of
#         wall time for both; whether the second run's training loop shared the GPU (flag gpu_shared).
# Writes to $OUT: slots-root.json (both parts' numbers and every run's record), caddie-mini.log,
# caddie-root.log, run-*.log (the root runs' logs), gpu.txt.
#
# Inputs, in .device-in/ (git-excluded; the coordinator fills it and names it in `carry`), as for
# phases-root.sh:
#   .device-in/train_gpt.py                           the root script (../shared/fixtures/parameter-golf/scripts)
#   .device-in/sp1024/fineweb_{train,val}_000000.bin  shards (../shared/fixtures/fineweb-sample/sp1024)
#   .device-in/fineweb_1024_bpe.model                 the sp1024 tokenizer
#   .device-in/caddie.mjs                             the CLI bundle: `npm run build:cli` (build/caddie.mjs)
#   .device-in/node or .device-in/node.xz             a Node 20+ binary (xz-compressed is fine)
#   .device-in/golf_mini/ (or data/golf_mini/)         the demo's prepared shards (`npm run setup` makes data/golf_mini)
# Run from the repository root:
#   bash scripts/device/slots-root.sh      about 6.5 minutes on one H100: mini stops itself at SLOTS_MINI_TIMEOUT
#                                          (60 s), root at SLOTS_ROOT_TIMEOUT (335 s); SLOTS_PARTS="mini root"
#                                          picks the parts. What finished before a stop is in the JSON.
#                                          (SLOTS_MINI_ARGS="--slots 2" runs the mini part on a machine
#                                          without a GPU, to check the script itself.)
set -euo pipefail

IN="$PWD/.device-in"
: "${OUT:?set OUT to the folder that receives the results}"
PARTS="${SLOTS_PARTS:-mini root}"
for f in train_gpt.py sp1024/fineweb_train_000000.bin sp1024/fineweb_val_000000.bin fineweb_1024_bpe.model caddie.mjs; do
  [ -e "$IN/$f" ] || { echo "missing .device-in/$f (see this script's header)" >&2; exit 2; }
done
command -v git >/dev/null || { echo "git is not installed here; caddie needs it" >&2; exit 2; }
WORK="$(mktemp -d /tmp/caddie-slots-XXXXXX)"
if [ -e "$IN/node" ]; then
  NODE="$IN/node"
elif [ -e "$IN/node.xz" ]; then
  NODE="$WORK/node"
  xz -dc "$IN/node.xz" >"$NODE"
else
  echo "missing .device-in/node or .device-in/node.xz (see this script's header)" >&2
  exit 2
fi
chmod +x "$NODE"
MINI_DATA=""
for d in "$IN/golf_mini" "$PWD/data/golf_mini"; do
  [ -e "$d/fineweb_train_000000.bin" ] && { MINI_DATA="$d"; break; }
done
export CADDIE_ROOT="$PWD"
export CADDIE_PYTHON="${CADDIE_PYTHON:-$(command -v python3)}"
export CADDIE_PROGRESS=plain
unset ANTHROPIC_API_KEY
nvidia-smi -L >"$OUT/gpu.txt" 2>&1 || true

commit_course() {
  git -C "$1" init -q -b main
  git -C "$1" add -A
  git -C "$1" -c user.name=caddie -c user.email=caddie@localhost commit -q -m "course"
}

# Runs `caddie run` under a time limit; SIGTERM stops it cleanly (what finished is recorded).
caddie_run() {
  local limit="$1" log="$2"
  shift 2
  set +e
  timeout --signal=TERM --kill-after=30 "$limit" "$NODE" "$IN/caddie.mjs" run "$@" 2>&1 | tee "$log"
  local code=${PIPESTATUS[0]}
  set -e
  echo "$code"
}

MINI="" ROOT="" mini_code="" root_code="" mini_ms="0 0" root_ms="0 0"
if [[ " $PARTS " == *" mini "* ]]; then
  if [ -z "$MINI_DATA" ]; then
    echo "mini: no golf_mini data (.device-in/golf_mini/ or data/golf_mini/): skipped" >&2
  else
    MINI="$WORK/mini"
    mkdir -p "$MINI/.github"
    cp "$CADDIE_ROOT/python/golf_mini/train_gpt.py" "$MINI/train_gpt.py"
    cp "$CADDIE_ROOT/courses/golf_mini/program.md" "$MINI/program.md"
    printf 'final_model.pt\n*.ptz\nlogs/\n' >"$MINI/.gitignore"
    # The demo course's config with a short step budget, two baselines (one per slot), one run per verdict.
    python3 - "$CADDIE_ROOT/courses/golf_mini/caddie.yml" "$MINI/.github/caddie.yml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'ITERATIONS: "\d+"', 'ITERATIONS: "200"', text)
text = re.sub(r'MAX_WALLCLOCK_SECONDS: "\d+"', 'MAX_WALLCLOCK_SECONDS: "0"', text)
text = re.sub(r"baseline_runs: \d+", "baseline_runs: 2\n  extra_seeds: 0\n  rerun_incumbent_every: 0", text)
open(sys.argv[2], "w").write(text)
PY
    commit_course "$MINI"
    start=$(date +%s%3N)
    mini_code=$(CADDIE_DATA="$MINI_DATA" caddie_run "${SLOTS_MINI_TIMEOUT:-60}" "$OUT/caddie-mini.log" \
      --repo "$MINI" --tag two ${SLOTS_MINI_ARGS:---gpus 0,0} --max-experiments 2 | tail -1)
    mini_ms="$start $(date +%s%3N)"
  fi
fi

if [[ " $PARTS " == *" root "* ]]; then
  ROOT="$WORK/root"
  mkdir -p "$ROOT/.github" "$ROOT/data"
  cp "$IN/train_gpt.py" "$ROOT/train_gpt.py"
  printf 'Download the shards and tokenizer with python data/cached_challenge_fineweb.py\n' >"$ROOT/data/README.md"
  printf 'data/datasets/\ndata/tokenizers/\n' >"$ROOT/.gitignore"
  cat >"$ROOT/.github/caddie.yml" <<'YAML'
tiers:
  proxy:
    command: [torchrun, --standalone, --nproc_per_node=1, train_gpt.py]
    env: {MAX_WALLCLOCK_SECONDS: "60"}
    timeout_minutes: 6
    # The next run starts up while the one before it evaluates and is scored.
    overlap: true
thresholds: {min_delta: 0.002, baseline_runs: 2, extra_seeds: 0, rerun_incumbent_every: 0}
search_space:
  MATRIX_LR: ["0.03", "0.04", "0.05"]
YAML
  commit_course "$ROOT"
  mkdir -p "$ROOT/data/datasets/fineweb10B_sp1024" "$ROOT/data/tokenizers"
  cp "$IN"/sp1024/fineweb_*_000000.bin "$ROOT/data/datasets/fineweb10B_sp1024/"
  cp "$IN/fineweb_1024_bpe.model" "$ROOT/data/tokenizers/"
  start=$(date +%s%3N)
  root_code=$(caddie_run "${SLOTS_ROOT_TIMEOUT:-335}" "$OUT/caddie-root.log" \
    --repo "$ROOT" --tag dev --max-experiments 0 | tail -1)
  root_ms="$start $(date +%s%3N)"
fi

python3 - "$OUT" "$MINI" "$ROOT" "${mini_code:-}" "${root_code:-}" $mini_ms $root_ms <<'PY'
import glob, json, os, shutil, sys
out, mini, root, mini_code, root_code = sys.argv[1:6]
mini_start, mini_end, root_start, root_end = (int(x) for x in sys.argv[6:10])

def runs_of(course, tag):
    records = []
    for f in glob.glob(os.path.join(course, ".caddie", tag, "runs", "*", "run.json")):
        with open(f) as fh:
            r = json.load(fh)
        score_file = os.path.join(course, ".caddie", "scoring", f"{r['id']}-s{r['seed']}.json")
        if os.path.exists(score_file):
            with open(score_file) as fh:
                s = json.load(fh)
            r["score"] = {k: s.get(k) for k in ("status", "val_bpb", "reason", "seconds", "load_seconds")}
            # When caddie's score was in: the result file's time.
            r["scoredAt"] = int(os.path.getmtime(score_file) * 1000)
        r["log"] = os.path.join(os.path.dirname(f), "run.log")
        records.append(r)
    records.sort(key=lambda r: r["startedAt"])
    return records

def ledger(course, tag):
    tsv = os.path.join(course, ".caddie", tag, "results.tsv")
    if not os.path.exists(tsv):
        return []
    with open(tsv) as fh:
        head, *rows = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    return [dict(zip(head, row)) for row in rows]

def brief(r):
    t = r["timing"]
    return {"id": r["id"], "seed": r["seed"], "devices": r.get("devices"), "exit_code": r["exitCode"],
            "flags": r["flags"], "started_s": None, "wall_seconds": t["wallSeconds"], "phases_seconds": t["phases"],
            "train_loop_seconds": t["trainLoopSeconds"], "steps": t["steps"], "caddie_seconds": r["caddieSeconds"],
            "score": r.get("score")}

result = {"gpu": open(os.path.join(out, "gpu.txt")).read().strip()}

if mini:
    recs = runs_of(mini, "two")
    spans = [(r["startedAt"], r["finishedAt"]) for r in recs]
    # Seconds during which two runs' processes were alive at once on the shared card.
    together = sum(max(0, min(a[1], b[1]) - max(a[0], b[0])) for i, a in enumerate(spans) for b in spans[i + 1:]) / 1000
    rows = ledger(mini, "two")
    keys = [(x["experiment"], x["tier"], x["seed"]) for x in rows]
    result["mini"] = {
        "what": f"golf_mini, 2 slots ({os.environ.get('SLOTS_MINI_ARGS') or '--gpus 0,0: sharing one GPU'}), 200 steps a run, 2 baselines + 2 experiments",
        "caddie_exit_code": int(mini_code) if mini_code else None,
        "session_seconds": (mini_end - mini_start) / 1000,
        "runs": [dict(brief(r), started_s=(r["startedAt"] - mini_start) / 1000) for r in recs],
        "seconds_two_runs_alive_at_once": together,
        "every_row_once": len(keys) == len(set(keys)),
        "results_tsv": rows,
        "note": "GPU-sharing slots: timings are not comparable; this proves the slot mechanics only",
    }

if root:
    recs = runs_of(root, "dev")
    for r in recs[:4]:
        if os.path.exists(r["log"]):
            shutil.copy(r["log"], os.path.join(out, f"run-{r['id']}-s{r['seed']}.log"))
    runs = [dict(brief(r), started_s=(r["startedAt"] - root_start) / 1000) for r in recs]
    numbers = {}
    if len(recs) >= 2:
        a, b = recs[0], recs[1]
        ta, tb = a["timing"], b["timing"]
        loop_a = a["startedAt"] / 1000 + ta["phases"]["startup"]
        loop_b = b["startedAt"] / 1000 + tb["phases"]["startup"]
        train = tb["trainLoopSeconds"] or tb["phases"]["training"]
        score_b = (b.get("score") or {}).get("seconds") or 0
        done_a = (a.get("scoredAt") or a["finishedAt"]) / 1000
        # Without overlap a run occupies the GPU from its spawn until its score is in, then caddie decides
        # and the next one spawns: the warm run's wall time, its score and caddie's seconds around it.
        sequential = tb["wallSeconds"] + score_b + sum(b["caddieSeconds"].values())
        overlapped = loop_b - loop_a
        numbers = {
            "cold_startup_seconds": ta["phases"]["startup"],
            "warm_startup_seconds": tb["phases"]["startup"],
            "second_spawned_before_first_done_seconds": round(done_a - b["startedAt"] / 1000, 3),
            "second_loop_started_after_first_done_seconds": round(loop_b - done_a, 3),
            "second_flags": b["flags"],
            "period_with_overlap_seconds": round(overlapped, 3),
            "period_without_overlap_seconds": round(sequential, 3),
            "experiments_per_gpu_hour_with_overlap": round(3600 / overlapped, 2) if overlapped > 0 else None,
            "experiments_per_gpu_hour_without_overlap": round(3600 / sequential, 2),
            "training_share_with_overlap": round(train / overlapped, 4) if overlapped > 0 else None,
            "training_share_without_overlap": round(train / sequential, 4),
            "score_seconds": [(r.get("score") or {}).get("seconds") for r in recs],
        }
    session = (root_end - root_start) / 1000
    loops = sum(r["timing"]["trainLoopSeconds"] or 0 for r in recs)
    result["root"] = {
        "what": "root train_gpt.py, fork-shaped course, 60 s proxy, 1 slot, overlap on, 2 baseline runs (cold, then warm)",
        "caddie_exit_code": int(root_code) if root_code else None,
        "session_seconds": session,
        "session_training_share": round(loops / session, 4) if session else None,
        "numbers": numbers,
        "runs": runs,
        "results_tsv": ledger(root, "dev"),
    }

with open(os.path.join(out, "slots-root.json"), "w") as fh:
    json.dump(result, fh, indent=2)
print(json.dumps({k: (v.get("numbers") if k == "root" else v) for k, v in result.items() if k != "gpu"}, indent=2)[:6000])
PY
