"""`python -m caddie_score.bench`: the scoring step's cost as a share of a golf_mini run on this CPU.

Splits the demo data's validation shard (held-out part capped like a course would cap it), trains golf_mini
once through the sandbox for --train-seconds (the demo's 20 s by default), then times `caddie_score score`
on its model --repeats times. Prints one JSON line: the run's wall seconds, each scoring's seconds, the
median and its share of the run (the issue's goal: under 10%)."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_DIR)


def run(argv, **kwargs):
    env = {**os.environ, "PYTHONPATH": PYTHON_DIR}
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, **kwargs)
    if proc.returncode != 0:
        sys.exit(f"{argv[:4]} failed: {proc.stderr[-2000:]}")
    return proc


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m caddie_score.bench")
    parser.add_argument("--data", default=os.path.join(REPO, "data", "golf_mini"), help="golf_mini shards")
    parser.add_argument("--train-seconds", type=float, default=20.0)
    parser.add_argument("--heldout-tokens", type=int, default=16384, help="cap on the held-out shard")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="caddie-score-bench-")
    try:
        view, heldout, run_dir = (os.path.join(work, n) for n in ("view", "heldout.bin", "run"))
        split = run([sys.executable, "-m", "caddie_score", "split", "--val-glob", os.path.join(args.data, "fineweb_val_*.bin"),
                     "--run-dir", view, "--heldout", heldout, "--max-heldout-tokens", str(args.heldout_tokens)])
        os.symlink(os.path.join(os.path.realpath(args.data), "fineweb_train_000000.bin"), os.path.join(view, "fineweb_train_000000.bin"))
        os.makedirs(run_dir)
        shutil.copyfile(os.path.join(PYTHON_DIR, "golf_mini", "train_gpt.py"), os.path.join(run_dir, "train_gpt.py"))
        started = time.monotonic()
        run([sys.executable, "-m", "caddie_score.sandbox", "--no-net", "--rw", run_dir, "--cwd", run_dir,
             "--env", f"DATA_PATH={view}", "--env", f"MAX_WALLCLOCK_SECONDS={args.train_seconds:g}", "--",
             sys.executable, "train_gpt.py"])
        run_seconds = time.monotonic() - started
        results = []
        for _ in range(args.repeats):
            out = os.path.join(work, "result.json")
            run([sys.executable, "-m", "caddie_score", "score", "--code-dir", run_dir, "--model",
                 os.path.join(run_dir, "final_model.int8.ptz"), "--tokens", heldout, "--tokenizer", "byte260",
                 "--out", out, "--device", "cpu"])
            with open(out, encoding="utf-8") as f:
                results.append(json.load(f))
        seconds = [r["seconds"] for r in results]
        median = statistics.median(seconds)
        print(json.dumps({
            "run_seconds": round(run_seconds, 2),
            "heldout": json.loads(split.stdout),
            "status": results[-1]["status"],
            "val_bpb": results[-1]["val_bpb"],
            "tokens": results[-1]["tokens"],
            "sandbox": results[-1]["sandbox"],
            "score_seconds": seconds,
            "load_seconds": [r["load_seconds"] for r in results],
            "median_score_seconds": median,
            "share_of_run": round(median / run_seconds, 4),
        }))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
