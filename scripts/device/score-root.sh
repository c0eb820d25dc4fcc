#!/usr/bin/env bash
# The issue's GPU benchmark: the scoring step's overhead on openai/parameter-golf's root train_gpt.py at a
# short proxy on one GPU. Trains the root script briefly through caddie's sandbox on its own validation
# slice, then times `caddie_score score` (the root adapter, sp1024 byte rule, held-out slice) on the model
# it wrote, and checks caddie's number against the script's own eval_val of the same model on the same
# held-out tokens.
#
# Inputs, copied by the coordinator into the git-ignored .device-in/ (never committed):
#   .device-in/train_gpt.py               the root script (../shared/fixtures/parameter-golf/scripts/)
#   .device-in/sp1024/fineweb_*_*.bin      challenge shards (../shared/fixtures/fineweb-sample/sp1024/)
#   .device-in/fineweb_1024_bpe.model      the sp1024 tokenizer (../shared/fixtures/parameter-golf/tokenizer/)
# Settings: MAX_WALLCLOCK_SECONDS (default 60), PYTHON (default python3), SCORE_REPEATS (default 2).
# Output in $OUT: score-root.json (timings, scores, shares), train.log, score-*.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
in=$repo/.device-in
out=${OUT:?set OUT to the folder for results}
py=${PYTHON:-python3}
train_seconds=${MAX_WALLCLOCK_SECONDS:-60}
repeats=${SCORE_REPEATS:-2}
for f in "$in/train_gpt.py" "$in/fineweb_1024_bpe.model" "$in/sp1024/fineweb_val_000000.bin" "$in/sp1024/fineweb_train_000000.bin"; do
  [ -f "$f" ] || { echo "missing $f (see the header of $0)" >&2; exit 1; }
done
export PYTHONPATH=$repo/python PYTHONUNBUFFERED=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# What an untrusted process on this machine needs beyond the sandbox's base environment: the GPU's
# libraries and the machine's NCCL safety settings.
pass=()
for name in LD_LIBRARY_PATH CUDA_VISIBLE_DEVICES NCCL_NVLS_ENABLE TORCH_SYMM_MEM_DISABLE_MULTICAST NVSHMEM_DISABLE_NVLS; do
  [ -n "${!name:-}" ] && pass+=(--env "$name=${!name}")
done

# The run's data view: train shards linked, its own validation slice; the held-out slice beside it.
"$py" -m caddie_score split --val-glob "$in/sp1024/fineweb_val_*.bin" --run-dir "$work/data" \
  --heldout "$work/heldout/val.bin" | tee "$out/split.json"
for f in "$in"/sp1024/fineweb_train_*.bin; do ln -s "$f" "$work/data/"; done
mkdir -p "$work/run" "$work/code"
cp "$in/train_gpt.py" "$work/run/train_gpt.py"
cp "$in/train_gpt.py" "$work/code/train_gpt.py"

start_ns=$(date +%s%N)
"$py" -m caddie_score.sandbox --no-net --rw "$work/run" --ro "$work/data" --cwd "$work/run" --hide "$work/heldout" \
  --report "$out/train-sandbox.json" ${pass[@]+"${pass[@]}"} \
  --env "DATA_PATH=$work/data" --env "TOKENIZER_PATH=$in/fineweb_1024_bpe.model" \
  --env "MAX_WALLCLOCK_SECONDS=$train_seconds" --env "PYTHONUNBUFFERED=1" \
  -- "$py" train_gpt.py >"$out/train.log" 2>&1 || { tail -30 "$out/train.log"; exit 1; }
train_wall=$(( ($(date +%s%N) - start_ns) / 1000000 ))e-3
tail -4 "$out/train.log"

for i in $(seq 1 "$repeats"); do
  "$py" -m caddie_score score --code-dir "$work/code" --model "$work/run/final_model.int8.ptz" \
    --tokens "$work/heldout/val.bin" --tokenizer "sentencepiece:$in/fineweb_1024_bpe.model" \
    --device cuda --batch-tokens 16384 --timeout 600 --out "$out/score-$i.json" ${pass[@]+"${pass[@]}"} >/dev/null
  cat "$out/score-$i.json"
done

# The script's own eval_val (bf16 autocast on CUDA) of the same model on the same held-out tokens.
"$py" - "$in/train_gpt.py" "$work/run/final_model.int8.ptz" "$work/heldout/val.bin" "$in/fineweb_1024_bpe.model" \
  >"$out/own-eval.json" <<'EOF'
import importlib.util, io, json, sys, time, zlib
import numpy as np, sentencepiece as spm, torch
script, model_path, heldout, tokenizer = sys.argv[1:5]
spec = importlib.util.spec_from_file_location("root_train_gpt", script)
pg = importlib.util.module_from_spec(spec); sys.modules["root_train_gpt"] = pg; spec.loader.exec_module(pg)
args = pg.Hyperparameters()
device = torch.device("cuda")
model = pg.GPT(vocab_size=args.vocab_size, num_layers=args.num_layers, model_dim=args.model_dim,
               num_heads=args.num_heads, num_kv_heads=args.num_kv_heads, mlp_mult=args.mlp_mult,
               tie_embeddings=args.tie_embeddings, tied_embed_init_std=args.tied_embed_init_std,
               logit_softcap=args.logit_softcap, rope_base=args.rope_base, qk_gain_init=args.qk_gain_init).to(device).bfloat16()
for m in model.modules():
    if isinstance(m, pg.CastedLinear):
        m.float()
pg.restore_low_dim_params_to_fp32(model)
blob = open(model_path, "rb").read()
model.load_state_dict(pg.dequantize_state_dict_int8(torch.load(io.BytesIO(zlib.decompress(blob)), map_location="cpu")), strict=True)
t0 = time.perf_counter()
val_tokens = pg.load_validation_tokens(heldout, args.train_seq_len)
luts = pg.build_sentencepiece_luts(spm.SentencePieceProcessor(model_file=tokenizer), args.vocab_size, device)
loss, bpb = pg.eval_val(args, model, 0, 1, device, 8, val_tokens, *luts)
print(json.dumps({"val_loss": loss, "val_bpb": bpb, "tokens": val_tokens.numel() - 1, "seconds": time.perf_counter() - t0}))
EOF
cat "$out/own-eval.json"

"$py" - "$out" "$train_wall" "$repeats" <<'EOF'
import json, re, statistics, sys
out, train_wall, repeats = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
scores = [json.load(open(f"{out}/score-{i}.json")) for i in range(1, repeats + 1)]
own = json.load(open(f"{out}/own-eval.json"))
log = open(f"{out}/train.log", encoding="utf-8", errors="replace").read()
claimed = re.findall(r"final_int8_zlib_roundtrip_exact val_loss:\S+ val_bpb:(\S+)", log)
median = statistics.median(s["seconds"] for s in scores)
summary = {
    "train_wall_seconds": round(train_wall, 1),
    "score_seconds": [s["seconds"] for s in scores],
    "load_seconds": [s["load_seconds"] for s in scores],
    "median_score_share_of_run": round(median / train_wall, 4),
    "status": scores[-1]["status"], "reason": scores[-1]["reason"],
    "sandbox": scores[-1]["sandbox"], "causality": scores[-1]["causality"],
    "caddie_val_bpb": scores[-1]["val_bpb"], "own_eval_val_bpb_same_tokens": own["val_bpb"],
    "claimed_val_bpb_run_slice": float(claimed[-1]) if claimed else None,
    "heldout_tokens_scored": scores[-1]["tokens"], "own_eval_seconds": round(own["seconds"], 3),
}
json.dump(summary, open(f"{out}/score-root.json", "w"), indent=2)
print(json.dumps(summary, indent=2))
EOF
