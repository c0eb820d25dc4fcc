"""`python -m caddie_score.bench`: the scoring step's cost as a share of a golf_mini run on this CPU.

Splits the demo data's validation shard, trains golf_mini
once through the sandbox for --train-seconds (the demo's 20 s by default), then times `caddie_score score`
on its model --repeats times, on --max-tokens held-out tokens (golf_mini's own VAL_MAX_TOKENS by default).
Prints one JSON line: the run's wall seconds, each scoring's seconds, the median and its share of the run
(the issue's goal: under 10%)."""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_DIR)


def child_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    parser.add_argument("--max-tokens", type=int, default=16384, help="held-out tokens scored (spread windows)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sandbox", choices=("auto", "none"), default="auto",
                        help="none also measures CPU seconds (a bwrap sandbox hides its processes' usage from us)")
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="caddie-score-bench-")
    try:
        view, heldout, run_dir = (os.path.join(work, n) for n in ("view", "heldout.bin", "run"))
        split = run([sys.executable, "-m", "caddie_score", "split", "--val-glob", os.path.join(args.data, "fineweb_val_*.bin"),
                     "--run-dir", view, "--heldout", heldout])
        os.symlink(os.path.join(os.path.realpath(args.data), "fineweb_train_000000.bin"), os.path.join(view, "fineweb_train_000000.bin"))
        os.makedirs(run_dir)
        shutil.copyfile(os.path.join(PYTHON_DIR, "golf_mini", "train_gpt.py"), os.path.join(run_dir, "train_gpt.py"))
        started, cpu = time.monotonic(), child_cpu_seconds()
        run([sys.executable, "-m", "caddie_score.sandbox", "--mode", args.sandbox, "--no-net",
             "--rw", run_dir, "--ro", view, "--cwd", run_dir,
             "--env", f"DATA_PATH={view}", "--env", f"MAX_WALLCLOCK_SECONDS={args.train_seconds:g}", "--",
             sys.executable, "train_gpt.py"])
        run_seconds, run_cpu = time.monotonic() - started, child_cpu_seconds() - cpu
        results, score_cpu = [], []
        for _ in range(args.repeats):
            cpu = child_cpu_seconds()
            out = os.path.join(work, "result.json")
            run([sys.executable, "-m", "caddie_score", "score", "--code-dir", run_dir, "--model",
                 os.path.join(run_dir, "final_model.int8.ptz"), "--tokens", heldout, "--tokenizer", "byte260",
                 "--out", out, "--device", "cpu", "--max-tokens", str(args.max_tokens), "--sandbox", args.sandbox])
            score_cpu.append(round(child_cpu_seconds() - cpu, 2))
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
            # CPU seconds (both model hosts and the scorer) against the run's: the share that does not
            # depend on how busy the machine is.
            "run_cpu_seconds": round(run_cpu, 2),
            "score_cpu_seconds": score_cpu,
            "cpu_share_of_run": round(statistics.median(score_cpu) / run_cpu, 4) if args.sandbox == "none" else None,
        }))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
