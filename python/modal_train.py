"""caddie's full tier: train one checkout of a Parameter Golf fork on 8xH100 on Modal, as the record track does.

    CADDIE_CHECKOUT=experiment CADDIE_REPO=owner/name CADDIE_PR=12 CADDIE_SHA=<40 hex> \\
        modal run python/modal_train.py --seeds 1337,42,2025 --out modal-out

Never with `--detach`: the app then stops when `modal run` exits or is cancelled, so cancelling the
GitHub Actions job stops the GPUs. Three independent time limits bound every paid run:
  1. the train cap, MAX_WALLCLOCK_SECONDS (600) inside train_gpt.py, which ends the training loop;
  2. the Modal function timeout, CADDIE_MODAL_TIMEOUT seconds (1800), which kills the container;
  3. the Actions job's timeout-minutes (promote.yml), which cancels `modal run` and with it the app.
A watchdog inside the function stops training a minute before (2) so the log and seconds still come back.

Code reaches the container with Image.add_local_dir (attached at start, not baked into the image); the
FineWeb shards come from a Modal Volume mounted read-only. The experiment's code is untrusted: the
function gets no secrets, no access to other Modal objects, no network, one container per input, and no
retries (a retry doubles the cost, and a re-run is a new sample, not the same one).

Caddie's own score (docs/SCORING.md) is a separate step that never shares a process or a container with
the training code: for each seed that wrote a model, a second function `score` (one GPU, its own image
holding caddie_score but no experiment code, no network, no secrets) gets only the commit's top-level *.py
files (read here from the checkout, never from what the run left behind) and the model file's bytes, and
runs `python -m caddie_score score` on the held-out shard, which lives on its own Volume (CADDIE_HELDOUT_VOLUME)
mounted read-only in that function only: the training function never sees it.

Output, per seed under --out: seed-<N>/train.log (everything the run printed), seed-<N>/train_gpt.py and
seed-<N>/final_model.int8.ptz (what the action counts), seed-<N>/logs/*.txt, seed-<N>/score.json (caddie's
score of that model); and summary.json with the exit codes, seconds and GPU-seconds that settle the spend
ledger (the scoring containers' GPU-seconds separately, as score_gpu_seconds).

The bodies are the plain functions `run_training` and `run_scoring`, which the tests run on CPU with golf_mini.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import modal

# ---------------------------------------------------------------------------
# Settings: read where `modal run` imports this file (locally); the container gets values as arguments.
# ---------------------------------------------------------------------------
APP_NAME = "caddie-full-tier"
GPU = "H100!:8"  # "!" = strict H100 (no upgrade to another SKU): timings comparable with the record track
NPROC = 8  # torchrun processes, one per GPU
CHECKOUT_DIR = os.environ.get("CADDIE_CHECKOUT", ".")  # local checkout of the experiment (the fork at the PR SHA)
REMOTE_CODE = "/root/experiment"  # where the checkout appears in the container
DATA_VOLUME = os.environ.get("CADDIE_DATA_VOLUME", "parameter-golf-fineweb")  # Modal Volume with the shards
DATA_MOUNT = "/data"  # read-only mount point of that Volume
DATA_PATH = os.environ.get("CADDIE_DATA_PATH", "/data/datasets/fineweb10B_sp1024")  # DATA_PATH for train_gpt.py
TOKENIZER_PATH = os.environ.get("CADDIE_TOKENIZER_PATH", "/data/tokenizers/fineweb_1024_bpe.model")
TRAIN_SECONDS = int(os.environ.get("CADDIE_TRAIN_SECONDS", "600"))  # limit 1: MAX_WALLCLOCK_SECONDS
TIMEOUT_SECONDS = int(os.environ.get("CADDIE_MODAL_TIMEOUT", "1800"))  # limit 2: Modal function timeout, seconds
WATCHDOG_MARGIN_SECONDS = 60  # the watchdog stops training this long before the Modal timeout
# torchrun's rendezvous is on localhost; set CADDIE_MODAL_BLOCK_NETWORK=0 if a run shows NCCL cannot start.
BLOCK_NETWORK = os.environ.get("CADDIE_MODAL_BLOCK_NETWORK", "1") != "0"
CPU_CORES = 16.0  # data loading and torch.compile workers; billed per core-second, small next to the GPUs
MEMORY_MIB = 131072  # host memory request
MODEL_FILE = "final_model.int8.ptz"
# The scoring step: one GPU, the held-out shard on its own Volume, the tokenizer from the data Volume.
SCORE_GPU = "H100!"
HELDOUT_VOLUME = os.environ.get("CADDIE_HELDOUT_VOLUME", "parameter-golf-heldout")
HELDOUT_MOUNT = "/heldout"
HELDOUT_PATH = os.environ.get("CADDIE_HELDOUT_PATH", "/heldout/fineweb_val_heldout.bin")  # made by caddie_score split
SCORE_TIMEOUT_SECONDS = int(os.environ.get("CADDIE_SCORE_TIMEOUT", "900"))  # Modal timeout of the scoring function
SCORE_MARGIN_SECONDS = 60  # caddie_score's own --timeout is this much shorter, so a result always comes back
CADDIE_PYTHON = os.path.dirname(os.path.abspath(__file__))  # caddie's python/ folder (caddie_score lives here)
REMOTE_CADDIE = "/root/caddie"  # where caddie_score appears in the scoring container
CODE_FILE_CAP = 8_000_000  # bytes of commit code sent to the scorer
TRAIN_PACKAGES = [  # the record track's stack (root requirements.txt, torch as the late records pin it)
    "torch==2.9.1",
    "numpy",
    "sentencepiece",
    "tqdm",
    "huggingface-hub",
    "setuptools",
    "typing-extensions==4.15.0",
]
# ---------------------------------------------------------------------------

_IMPORTED_AT = time.monotonic()  # in the container: when it started, which is when Modal starts billing
_TAG_VALUE = re.compile(r"[^A-Za-z0-9._-]+")


def run_tags(env):
    """App tags from CADDIE_REPO / CADDIE_PR / CADDIE_SHA, so billing reports show what each run was for.

    Modal allows [A-Za-z0-9._-], at most 63 characters: "owner/name" becomes "owner.name"; empty ones are left out.
    """
    tags = {"tier": "full"}
    for key, var in (("repo", "CADDIE_REPO"), ("pr", "CADDIE_PR"), ("sha", "CADDIE_SHA")):
        value = _TAG_VALUE.sub(".", env.get(var, "").strip()).strip(".")[:63]
        if value:
            tags[key] = value
    return tags


def train_command(nproc, use_torchrun):
    """The training command: `torchrun --standalone --nproc_per_node=N train_gpt.py`, or plain python.

    torchrun is run as `python -m torch.distributed.run` (the same entry point as the torchrun script) so
    it is the interpreter that has torch, whatever PATH holds.
    """
    if use_torchrun:
        return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", "train_gpt.py"]
    if nproc != 1:
        raise ValueError(f"plain python runs one process; nproc={nproc} needs torchrun")
    return [sys.executable, "train_gpt.py"]


def run_training(code_dir, *, seed, env, nproc, use_torchrun, timeout_seconds, gpus, workdir=None, stream=None):
    """Trains the checkout in `code_dir` once and returns the log, the artifact files and the seconds used.

    The checkout is copied to a fresh working directory (the attached code stays pristine, and the run's
    outputs land beside its own train_gpt.py). Output is echoed line by line to `stream` (default stdout,
    which `modal run` relays), and also returned. After `timeout_seconds` the whole process group is killed
    and `timed_out` is set; the partial log still comes back. Never raises for a failed run: the caller and
    the action decide what a non-zero exit means.
    """
    stream = stream if stream is not None else sys.stdout
    if not os.path.isfile(os.path.join(code_dir, "train_gpt.py")):
        raise FileNotFoundError(f"{code_dir}: no train_gpt.py in the checkout")
    workdir = workdir or tempfile.mkdtemp(prefix="caddie-run-")
    shutil.copytree(code_dir, workdir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git", "__pycache__"))
    run_env = {**os.environ, **{k: str(v) for k, v in env.items()}, "SEED": str(seed), "RUN_ID": f"seed{seed}"}
    run_env["PYTHONUNBUFFERED"] = "1"

    started = time.monotonic()
    proc = subprocess.Popen(
        train_command(nproc, use_torchrun),
        cwd=workdir,
        env=run_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # its own process group: the watchdog kills torchrun and every rank
    )
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    watchdog = threading.Timer(timeout_seconds, kill)
    watchdog.start()
    lines = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            stream.write(line)
            stream.flush()
        exit_code = proc.wait()
    finally:
        watchdog.cancel()
    seconds = time.monotonic() - started
    if timed_out.is_set():
        note = f"caddie: killed by the watchdog after {timeout_seconds} s\n"
        lines.append(note)
        stream.write(note)

    files = {}
    for name in ("train_gpt.py", MODEL_FILE):
        path = os.path.join(workdir, name)
        if os.path.isfile(path):
            files[name] = Path(path).read_bytes()
    for path in sorted(Path(workdir, "logs").glob("*.txt")):
        files[f"logs/{path.name}"] = path.read_bytes()
    gpu_seconds = seconds * gpus
    stream.write(f"caddie: seed {seed} exit {exit_code} in {seconds:.1f} s; GPU seconds used: {gpu_seconds:.1f}\n")
    return {
        "seed": seed,
        "exit_code": exit_code,
        "timed_out": timed_out.is_set(),
        "seconds": seconds,
        "gpus": gpus,
        "gpu_seconds": gpu_seconds,
        "log": "".join(lines),
        "files": files,
    }


def commit_code(checkout):
    """The commit's top-level *.py files as {name: bytes} (what the scorer imports), read from the checkout
    itself, never from a run's folder; refuses more than CODE_FILE_CAP bytes."""
    files, total = {}, 0
    for name in sorted(os.listdir(checkout)):
        path = os.path.join(checkout, name)
        if name.endswith(".py") and os.path.isfile(path) and not os.path.islink(path):
            files[name] = Path(path).read_bytes()
            total += len(files[name])
    if "train_gpt.py" not in files:
        raise FileNotFoundError(f"{checkout}: no train_gpt.py in the checkout")
    if total > CODE_FILE_CAP:
        raise ValueError(f"{checkout}: {total} bytes of *.py files is more than the scorer takes ({CODE_FILE_CAP})")
    return files


def run_scoring(code, model, *, tokens, tokenizer, env, timeout_seconds, device="auto", caddie_python=CADDIE_PYTHON):
    """caddie's score of one model: the code files and the model bytes in fresh folders, then
    `python -m caddie_score score` as a child process. Returns its result dict; never raises for a bad model
    (that is an `unverified` result), only for caddie's own broken inputs."""
    for name in code:
        if os.path.basename(name) != name or name in (".", "..") or not name:
            raise ValueError(f"code file name {name!r} is not a plain file name")
    work = tempfile.mkdtemp(prefix="caddie-modal-score-")
    try:
        code_dir = os.path.join(work, "code")
        os.makedirs(code_dir)
        for name, data in code.items():
            Path(code_dir, name).write_bytes(data)
        model_path = os.path.join(work, MODEL_FILE)
        Path(model_path).write_bytes(model)
        out = os.path.join(work, "score.json")
        argv = [sys.executable, "-m", "caddie_score", "score", "--code-dir", code_dir, "--model", model_path,
                "--tokens", tokens, "--tokenizer", tokenizer, "--out", out, "--device", device,
                "--timeout", str(timeout_seconds)]
        for key, value in env.items():
            argv += ["--env", f"{key}={value}"]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_seconds + 120,
                              env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": caddie_python})
        if proc.returncode != 0 or not os.path.isfile(out):
            raise RuntimeError(f"caddie_score score failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        with open(out, encoding="utf-8") as f:
            return json.load(f)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------
# The Modal app
# ---------------------------------------------------------------------------
app = modal.App(APP_NAME, tags=run_tags(os.environ))

image = (
    modal.Image.debian_slim(python_version="3.12")
    .pip_install(*TRAIN_PACKAGES)
    .env({"PYTHONUNBUFFERED": "1"})
    # Last: attached when the container starts, so a new experiment does not rebuild the image.
    .add_local_dir(CHECKOUT_DIR, remote_path=REMOTE_CODE, ignore=[".git", "**/__pycache__", "logs", "*.pt", "*.ptz"])
)

data_volume = modal.Volume.from_name(DATA_VOLUME).with_mount_options(read_only=True)
heldout_volume = modal.Volume.from_name(HELDOUT_VOLUME).with_mount_options(read_only=True)

# The scorer's image holds caddie_score and what the model host needs; the experiment's code is not in it.
score_image = (
    modal.Image.debian_slim(python_version="3.12")
    .apt_install("bubblewrap")
    .pip_install(*TRAIN_PACKAGES)
    .env({"PYTHONUNBUFFERED": "1", "PYTHONPATH": REMOTE_CADDIE})
    .add_local_dir(os.path.join(CADDIE_PYTHON, "caddie_score"), remote_path=f"{REMOTE_CADDIE}/caddie_score",
                   ignore=["**/__pycache__", "tests"])
)


@app.function(
    image=image,
    gpu=GPU,
    timeout=TIMEOUT_SECONDS,
    retries=0,
    volumes={DATA_MOUNT: data_volume},
    cpu=CPU_CORES,
    memory=MEMORY_MIB,
    block_network=BLOCK_NETWORK,
    restrict_modal_access=True,
    single_use_containers=True,
)
def train(seed: int, train_env: dict) -> dict:
    """One seed on 8xH100: `run_training` on the attached checkout, timed from container start."""
    result = run_training(
        REMOTE_CODE,
        seed=seed,
        env=train_env,
        nproc=NPROC,
        use_torchrun=True,
        timeout_seconds=max(TIMEOUT_SECONDS - WATCHDOG_MARGIN_SECONDS, 1),
        gpus=NPROC,
    )
    # Billing starts with the container, not with training: report that span too (it settles the ledger).
    result["container_seconds"] = time.monotonic() - _IMPORTED_AT
    print(f"caddie: container seconds {result['container_seconds']:.1f}, GPU seconds billed ~{result['container_seconds'] * NPROC:.1f}")
    return result


@app.function(
    image=score_image,
    gpu=SCORE_GPU,
    timeout=SCORE_TIMEOUT_SECONDS,
    retries=0,
    volumes={DATA_MOUNT: data_volume, HELDOUT_MOUNT: heldout_volume},
    block_network=True,
    restrict_modal_access=True,
    single_use_containers=True,
)
def score(code: dict, model: bytes, score_env: dict) -> dict:
    """caddie's score of one seed's model, in a container of its own (never the training one)."""
    result = run_scoring(code, model, tokens=HELDOUT_PATH, tokenizer=f"sentencepiece:{TOKENIZER_PATH}", env=score_env,
                         timeout_seconds=max(SCORE_TIMEOUT_SECONDS - SCORE_MARGIN_SECONDS, 1), device="cuda")
    result["container_seconds"] = time.monotonic() - _IMPORTED_AT
    return result


def parse_seeds(text):
    """"1337,42" -> [1337, 42]; refuses empty, duplicate or non-integer seeds and more than 8."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts or not all(re.fullmatch(r"-?\d+", p) for p in parts):
        raise ValueError(f"--seeds must be comma-separated integers, got {text!r}")
    seeds = [int(p) for p in parts]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds has a duplicate: {text!r}")
    if len(seeds) > 8:
        raise ValueError(f"at most 8 seeds per promotion, got {len(seeds)}")
    return seeds


def write_outputs(results, out_dir, *, gpus, timeout_seconds):
    """Writes each seed's log and files under out_dir/seed-<N>/ and summary.json; returns the summary.

    `results` pairs each seed with its result dict or the exception Modal raised (a timeout, a failed
    container): such a seed is billed up to the timeout, so it settles at the timeout.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for seed, result in results:
        seed_dir = out / f"seed-{seed}"
        seed_dir.mkdir(parents=True, exist_ok=True)
        if isinstance(result, BaseException):
            error = f"{type(result).__name__}: {result}"
            (seed_dir / "train.log").write_text(f"caddie: the Modal call failed: {error}\n", encoding="utf-8")
            rows.append({"seed": seed, "exit_code": None, "timed_out": "Timeout" in type(result).__name__,
                         "seconds": None, "billed_seconds": float(timeout_seconds), "error": error})
            continue
        (seed_dir / "train.log").write_text(result["log"], encoding="utf-8")
        for name, data in result["files"].items():
            target = seed_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        rows.append({
            "seed": seed,
            "exit_code": result["exit_code"],
            "timed_out": result["timed_out"],
            "seconds": round(result["seconds"], 3),
            "billed_seconds": round(result.get("container_seconds", result["seconds"]), 3),
            "error": None,
        })
    billed = sum(r["billed_seconds"] for r in rows)
    summary = {
        "gpus": gpus,
        "seeds": rows,
        "billed_seconds": round(billed, 3),
        "gpu_seconds": round(billed * gpus, 3),
        "ok": all(r["exit_code"] == 0 and not r["timed_out"] for r in rows),
    }
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / "summary.json")
    return summary


def write_scores(scores, out_dir, *, timeout_seconds):
    """Writes seed-<N>/score.json for each (seed, result or exception) and adds the scoring step to
    summary.json (score per seed, score_gpu_seconds: one GPU per scoring container, a failed call at its
    timeout). A failed scoring call is an `unverified` score, never a lost seed."""
    out = Path(out_dir)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    billed = 0.0
    by_seed = {}
    for seed, result in scores:
        if isinstance(result, BaseException):
            result = {"status": "unverified", "val_bpb": None,
                      "reason": f"the scoring step failed: {type(result).__name__}: {str(result)[:300]}"}
            billed += float(timeout_seconds)
        else:
            billed += float(result.get("container_seconds", result.get("seconds", 0.0)))
        seed_dir = out / f"seed-{seed}"
        seed_dir.mkdir(parents=True, exist_ok=True)
        (seed_dir / "score.json").write_text(json.dumps(result) + "\n", encoding="utf-8")
        by_seed[seed] = {"status": result["status"], "val_bpb": result.get("val_bpb"), "reason": result.get("reason")}
    for row in summary["seeds"]:
        row["score"] = by_seed.get(row["seed"])
    summary["score_gpu_seconds"] = round(billed, 3)
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / "summary.json")
    return summary


@app.local_entrypoint()
def main(seeds: str = "1337", out: str = "modal-out"):
    """Runs the seeds in parallel (one 8xH100 container each), writes --out, prints the GPU seconds used."""
    seed_list = parse_seeds(seeds)
    train_env = {"MAX_WALLCLOCK_SECONDS": str(TRAIN_SECONDS), "DATA_PATH": DATA_PATH, "TOKENIZER_PATH": TOKENIZER_PATH}
    print(f"caddie: {len(seed_list)} seed(s) on {GPU}, train cap {TRAIN_SECONDS} s, Modal timeout {TIMEOUT_SECONDS} s")
    results = list(train.map(seed_list, kwargs={"train_env": train_env}, return_exceptions=True))
    summary = write_outputs(list(zip(seed_list, results, strict=True)), out, gpus=NPROC, timeout_seconds=TIMEOUT_SECONDS)
    # caddie's own score, a separate container per model: the commit's code from the checkout, the model bytes.
    code = commit_code(CHECKOUT_DIR)
    scored = [(seed, r) for seed, r in zip(seed_list, results, strict=True)
              if not isinstance(r, BaseException) and MODEL_FILE in r["files"]]
    score_env = {k: v for k, v in train_env.items() if k != "DATA_PATH"}
    scores = list(score.starmap([(code, r["files"][MODEL_FILE]) for _, r in scored], kwargs={"score_env": score_env},
                                return_exceptions=True))
    summary = write_scores(list(zip([seed for seed, _ in scored], scores, strict=True)), out,
                           timeout_seconds=SCORE_TIMEOUT_SECONDS)
    print(f"caddie: GPU seconds used: {summary['gpu_seconds']:.1f} ({summary['billed_seconds']:.1f} s x {NPROC} GPUs)"
          f" + {summary['score_gpu_seconds']:.1f} for caddie's scoring")
    if not summary["ok"]:
        sys.exit(1)
