"""modal_train.py against the real modal client: the declared function, and its body run locally on CPU.

The body is trained on golf_mini (our CPU-sized course) with challenge-format shards that prepare.py builds
from the sample documents in ../conftest.py.
"""

import importlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import modal
import modal.exception
import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
GOLF_MINI = PYTHON_DIR / "golf_mini"

sys.path.insert(0, str(PYTHON_DIR))
import modal_train  # noqa: E402

# A golf_mini run small enough for a shared 2-core machine: a few seconds, most of it importing torch.
TINY = {
    "MODEL_DIM": "32", "NUM_LAYERS": "1", "NUM_HEADS": "2", "MLP_MULT": "2", "TRAIN_SEQ_LEN": "32",
    "TRAIN_BATCH_TOKENS": "256", "ITERATIONS": "8", "WARMUP_ITERS": "1", "WARMDOWN_ITERS": "2",
    "VAL_LOSS_EVERY": "0", "VAL_MAX_TOKENS": "512", "VAL_BATCH_TOKENS": "256", "MAX_WALLCLOCK_SECONDS": "30",
}


@pytest.fixture(scope="module")
def shards(tmp_path_factory, documents_jsonl):
    """golf_mini shards from the sample documents (prepare.py is the course's fixed data step)."""
    out = tmp_path_factory.mktemp("shards")
    subprocess.run([sys.executable, str(GOLF_MINI / "prepare.py"), "--jsonl", str(documents_jsonl), "--out", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.fixture
def checkout(tmp_path):
    """A fork checkout holding golf_mini's train_gpt.py (what the Image attaches)."""
    code = tmp_path / "checkout"
    code.mkdir()
    shutil.copy(GOLF_MINI / "train_gpt.py", code / "train_gpt.py")
    return code


# ---------------------------------------------------------------------------
# The declared Modal function
# ---------------------------------------------------------------------------
def test_the_function_asks_for_eight_strict_h100s_one_try_and_the_configured_timeout():
    info = modal_train.train.info()
    assert info.gpus == [("H100!", 8)]
    assert info.timeout == modal_train.TIMEOUT_SECONDS == 1800
    assert info.max_retries == 0


def test_the_fineweb_volume_is_mounted_read_only():
    info = modal_train.train.info()
    assert set(info.volumes) == {"/data"}
    mount = info.volumes["/data"]
    assert mount.name == "parameter-golf-fineweb"
    assert mount.read_only is True
    assert modal_train.DATA_PATH.startswith("/data/")


def test_untrusted_code_runs_without_network_modal_access_or_container_reuse():
    info = modal_train.train.info()
    assert info.block_network is True
    assert info.restrict_modal_access is True
    assert info.single_use_containers is True
    assert info.secrets == []


def test_the_timeout_and_the_train_cap_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CADDIE_MODAL_TIMEOUT", "2400")
    monkeypatch.setenv("CADDIE_TRAIN_SECONDS", "300")
    try:
        reloaded = importlib.reload(modal_train)
        assert reloaded.train.info().timeout == 2400
        assert reloaded.TRAIN_SECONDS == 300
    finally:
        monkeypatch.delenv("CADDIE_MODAL_TIMEOUT")
        monkeypatch.delenv("CADDIE_TRAIN_SECONDS")
        importlib.reload(modal_train)


def test_the_image_attaches_the_checkout_with_add_local_dir_and_pins_torch(monkeypatch, tmp_path):
    calls = {"add_local_dir": [], "pip_install": [], "function": []}

    def spy(name):
        original = getattr(modal.Image if name != "function" else modal.App, name)

        def wrapper(self, *args, **kwargs):
            calls[name].append((args, kwargs))
            return original(self, *args, **kwargs)

        return wrapper

    monkeypatch.setenv("CADDIE_CHECKOUT", str(tmp_path))
    monkeypatch.setattr(modal.Image, "add_local_dir", spy("add_local_dir"))
    monkeypatch.setattr(modal.Image, "pip_install", spy("pip_install"))
    monkeypatch.setattr(modal.App, "function", spy("function"))
    try:
        reloaded = importlib.reload(modal_train)
        checkout, scorer = calls["add_local_dir"]  # the training image's checkout, the scorer's caddie_score
        assert checkout[0] == (str(tmp_path),)
        assert checkout[1]["remote_path"] == reloaded.REMOTE_CODE
        assert ".git" in checkout[1]["ignore"]
        assert scorer[0] == (str(PYTHON_DIR / "caddie_score"),)
        assert scorer[1]["remote_path"] == f"{reloaded.REMOTE_CADDIE}/caddie_score"
        for packages, _ in calls["pip_install"]:
            assert "torch==2.9.1" in packages and "sentencepiece" in packages
        declared = [kwargs for _, kwargs in calls["function"]]
        assert [d["image"] for d in declared] == [reloaded.image, reloaded.score_image]
    finally:
        monkeypatch.undo()
        importlib.reload(modal_train)


def test_scoring_is_its_own_function_one_gpu_no_network_and_the_only_one_that_mounts_the_heldout_volume():
    info = modal_train.score.info()
    assert info.gpus == [("H100!", 1)]
    assert info.block_network is True and info.restrict_modal_access is True and info.single_use_containers is True
    assert info.secrets == [] and info.max_retries == 0
    assert info.timeout == modal_train.SCORE_TIMEOUT_SECONDS
    assert set(info.volumes) == {"/data", "/heldout"}
    assert info.volumes["/heldout"].name == "parameter-golf-heldout" and info.volumes["/heldout"].read_only is True
    assert "/heldout" not in modal_train.train.info().volumes  # the training container never sees it
    assert modal_train.HELDOUT_PATH.startswith("/heldout/")


def test_app_tags_carry_repo_pr_and_sha_in_the_characters_modal_allows():
    sha = "3f2a9c1e5b7d9f0a1b2c3d4e5f60718293a4b5c6"
    tags = modal_train.run_tags({"CADDIE_REPO": "alice/parameter-golf", "CADDIE_PR": "12", "CADDIE_SHA": sha})
    assert tags == {"tier": "full", "repo": "alice.parameter-golf", "pr": "12", "sha": sha}
    modal.App("tag-check", tags=tags)  # the real client validates tag syntax
    assert modal_train.run_tags({}) == {"tier": "full"}


def test_the_training_command_is_torchrun_standalone_with_one_process_per_gpu():
    assert modal_train.train_command(8, True)[1:] == [
        "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=8", "train_gpt.py",
    ]
    assert modal_train.train_command(1, False)[1:] == ["train_gpt.py"]
    with pytest.raises(ValueError, match="needs torchrun"):
        modal_train.train_command(8, False)


def test_seeds_are_parsed_strictly():
    assert modal_train.parse_seeds("1337, 42,2025") == [1337, 42, 2025]
    for bad in ("", "1337,x", "1,1", ",".join(str(i) for i in range(9))):
        with pytest.raises(ValueError):
            modal_train.parse_seeds(bad)


# ---------------------------------------------------------------------------
# The body, run locally on CPU
# ---------------------------------------------------------------------------
def test_the_body_trains_golf_mini_with_plain_python_and_returns_log_and_artifact(checkout, shards, tmp_path):
    printed = []

    class Echo:
        def write(self, text):
            printed.append(text)

        def flush(self):
            pass

    result = modal_train.run_training(
        str(checkout), seed=7, env={**TINY, "DATA_PATH": str(shards)}, nproc=1, use_torchrun=False,
        timeout_seconds=300, gpus=1, workdir=str(tmp_path / "work"), stream=Echo(),
    )
    assert result["exit_code"] == 0, result["log"][-2000:]
    assert result["timed_out"] is False
    assert "final_int8_zlib_roundtrip_exact val_loss:" in result["log"]
    assert "seed:7" in result["log"]
    assert result["files"]["train_gpt.py"] == (checkout / "train_gpt.py").read_bytes()
    model = result["files"][modal_train.MODEL_FILE]
    assert len(model) > 0
    assert f"Total submission size int8+zlib: {len(model) + len(result['files']['train_gpt.py'])} bytes" in result["log"]
    assert "logs/seed7.txt" in result["files"]
    assert result["gpu_seconds"] == pytest.approx(result["seconds"])
    assert "".join(printed).endswith(f"GPU seconds used: {result['gpu_seconds']:.1f}\n")
    assert not (checkout / modal_train.MODEL_FILE).exists()  # the attached checkout stays pristine


@pytest.fixture(scope="module")
def torchrun_works(tmp_path_factory):
    """torchrun of this machine's torch can start a process (torch 1.13 on Python 3.11 cannot: its
    elastic agent fails parsing --redirects); otherwise the torchrun test skips and says why."""
    probe = tmp_path_factory.mktemp("probe")
    (probe / "train_gpt.py").write_text("print('probe ok')\n")
    run = subprocess.run(modal_train.train_command(1, True), cwd=probe, capture_output=True, text=True, timeout=120)
    if run.returncode != 0 or "probe ok" not in run.stdout:
        import torch

        pytest.skip(f"torchrun of torch {torch.__version__} cannot start here: {run.stderr.strip().splitlines()[-1:]}")


def test_the_body_runs_train_gpt_under_torchrun(checkout, shards, tmp_path, torchrun_works):
    result = modal_train.run_training(
        str(checkout), seed=3, env={**TINY, "DATA_PATH": str(shards)}, nproc=1, use_torchrun=True,
        timeout_seconds=300, gpus=1, workdir=str(tmp_path / "work"), stream=open(os.devnull, "w"),
    )
    assert result["exit_code"] == 0, result["log"][-2000:]
    assert modal_train.MODEL_FILE in result["files"]


def test_a_crashing_run_comes_back_as_a_record_not_an_exception(tmp_path):
    code = tmp_path / "checkout"
    code.mkdir()
    (code / "train_gpt.py").write_text("raise ValueError('num_heads must divide model_dim')\n")
    result = modal_train.run_training(str(code), seed=1, env={}, nproc=1, use_torchrun=False, timeout_seconds=60,
                                      gpus=8, stream=open(os.devnull, "w"))
    assert result["exit_code"] == 1
    assert "ValueError: num_heads must divide model_dim" in result["log"]
    assert modal_train.MODEL_FILE not in result["files"]
    assert result["gpu_seconds"] == pytest.approx(8 * result["seconds"])


def test_the_watchdog_kills_a_run_that_outlives_its_time_and_keeps_the_log(tmp_path):
    code = tmp_path / "checkout"
    code.mkdir()
    (code / "train_gpt.py").write_text(textwrap.dedent("""\
        import subprocess, sys, time
        print("step:1/20000 train_loss:6.9 train_time:10ms step_avg:10.00ms", flush=True)
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a rank that must die too
        time.sleep(60)
        """))
    result = modal_train.run_training(str(code), seed=1, env={}, nproc=1, use_torchrun=False, timeout_seconds=2,
                                      gpus=8, stream=open(os.devnull, "w"))
    assert result["timed_out"] is True
    assert result["exit_code"] != 0
    assert result["seconds"] < 30
    assert "step:1/20000" in result["log"]
    assert "killed by the watchdog after 2 s" in result["log"]


def test_a_checkout_without_train_gpt_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no train_gpt.py"):
        modal_train.run_training(str(tmp_path), seed=1, env={}, nproc=1, use_torchrun=False, timeout_seconds=5, gpus=1)


def test_outputs_feed_the_action_and_a_failed_seed_settles_at_the_timeout(checkout, own_course, tmp_path):
    view, heldout = own_course
    ok = modal_train.run_training(
        str(checkout), seed=11, env={**TINY, "DATA_PATH": str(view)}, nproc=1, use_torchrun=False,
        timeout_seconds=300, gpus=8, workdir=str(tmp_path / "work"), stream=open(os.devnull, "w"),
    )
    failed = modal.exception.FunctionTimeoutError("Function timed out after 1800 s")
    out = tmp_path / "out"
    summary = modal_train.write_outputs([(11, ok), (12, failed)], out, gpus=8, timeout_seconds=1800)
    assert summary["ok"] is False
    assert summary["seeds"][1] == {"seed": 12, "exit_code": None, "timed_out": True, "seconds": None,
                                   "billed_seconds": 1800.0, "error": "FunctionTimeoutError: Function timed out after 1800 s"}
    assert summary["billed_seconds"] == pytest.approx(round(ok["seconds"], 3) + 1800, abs=1e-3)
    assert summary["gpu_seconds"] == pytest.approx(summary["billed_seconds"] * 8, abs=1e-2)
    assert json.loads((out / "summary.json").read_text()) == summary
    seed_dir = out / "seed-11"
    assert (seed_dir / "train.log").read_text() == ok["log"]
    assert (seed_dir / "logs" / "seed11.txt").is_file()

    # caddie's own score of the seed that wrote a model (modal_train's scoring function, run here on CPU).
    scored = modal_train.run_scoring(modal_train.commit_code(str(checkout)), ok["files"][modal_train.MODEL_FILE],
                                     tokens=str(heldout), tokenizer="byte260", env=TINY, timeout_seconds=300,
                                     device="cpu", caddie_python=str(PYTHON_DIR))
    modal_train.write_scores([(11, scored)], out, timeout_seconds=300)
    assert (seed_dir / "score.json").is_file()

    # The paths promote.yml hands to the action: the committed bundle must measure them as ok.
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed: the action step is not exercised")
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""), "GITHUB_OUTPUT": str(outputs), "RUNNER_TEMP": str(tmp_path),
        "INPUT_LOG": str(seed_dir / "train.log"), "INPUT_CODE": str(seed_dir / "train_gpt.py"),
        "INPUT_MODEL": str(seed_dir / modal_train.MODEL_FILE), "INPUT_TIER": "full", "INPUT_EXIT-CODE": "0",
        "INPUT_SCORE-RESULT": str(seed_dir / "score.json"),
    }
    run = subprocess.run([node, str(REPO / "dist" / "index.js")], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "status<<" in outputs.read_text()
    assert "\nok\n" in outputs.read_text()


# ---------------------------------------------------------------------------
# caddie's scoring step, run locally on CPU (data generated here: no ../shared needed)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def own_course(tmp_path_factory):
    """golf_mini shards from generated text, split by caddie_score into the run's view and a held-out shard."""
    root = tmp_path_factory.mktemp("own_course")
    texts = root / "texts"
    texts.mkdir()
    words = ["caddie", "scores", "the", "model", "on", "held", "out", "bytes", "golf", "par", "green", "a"]
    for i in range(30):
        (texts / f"{i:02d}.txt").write_text(" ".join(words[(i * 7 + j * 5) % len(words)] for j in range(150)) + "\n")
    shards = root / "shards"
    subprocess.run([sys.executable, str(GOLF_MINI / "prepare.py"), "--txt-dir", str(texts), "--out", str(shards),
                    "--val-every", "3"], check=True, capture_output=True)
    view, heldout = root / "view", root / "heldout" / "val.bin"
    split = subprocess.run([sys.executable, "-m", "caddie_score", "split", "--val-glob", str(shards / "fineweb_val_*.bin"),
                            "--run-dir", str(view), "--heldout", str(heldout)],
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(PYTHON_DIR)})
    assert split.returncode == 0, split.stderr
    (view / "fineweb_train_000000.bin").symlink_to(shards / "fineweb_train_000000.bin")
    return view, heldout


def test_a_promoted_seed_is_scored_from_the_commits_code_and_the_model_bytes(checkout, own_course, tmp_path):
    view, heldout = own_course
    run = modal_train.run_training(
        str(checkout), seed=5, env={**TINY, "DATA_PATH": str(view)}, nproc=1, use_torchrun=False,
        timeout_seconds=300, gpus=8, workdir=str(tmp_path / "work"), stream=open(os.devnull, "w"),
    )
    assert run["exit_code"] == 0, run["log"][-2000:]
    (checkout / "notes.txt").write_text("not code")
    code = modal_train.commit_code(str(checkout))
    assert list(code) == ["train_gpt.py"] and code["train_gpt.py"] == (checkout / "train_gpt.py").read_bytes()
    result = modal_train.run_scoring(code, run["files"][modal_train.MODEL_FILE], tokens=str(heldout), tokenizer="byte260",
                                     env=TINY, timeout_seconds=300, device="cpu", caddie_python=str(PYTHON_DIR))
    assert result["status"] == "verified", result["reason"]
    assert result["contract"] == "caddie_model" and result["val_bpb"] > 0

    broken = modal_train.run_scoring(code, b"not a model", tokens=str(heldout), tokenizer="byte260", env=TINY,
                                     timeout_seconds=300, device="cpu", caddie_python=str(PYTHON_DIR))
    assert broken["status"] == "unverified" and "caddie_model() raised" in broken["reason"]
    with pytest.raises(ValueError, match="not a plain file name"):
        modal_train.run_scoring({"../train_gpt.py": b""}, b"", tokens=str(heldout), tokenizer="byte260", env={},
                                timeout_seconds=10, caddie_python=str(PYTHON_DIR))


def test_the_scorer_gets_only_top_level_python_files_of_the_checkout_and_refuses_one_without_train_gpt(tmp_path):
    (tmp_path / "train_gpt.py").write_text("print('train')\n")
    (tmp_path / "helper.py").write_text("X = 1\n")
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "old.py").write_text("")
    (tmp_path / "data.bin").write_bytes(b"\0" * 10)
    assert sorted(modal_train.commit_code(str(tmp_path))) == ["helper.py", "train_gpt.py"]
    (tmp_path / "train_gpt.py").unlink()
    with pytest.raises(FileNotFoundError, match="no train_gpt.py"):
        modal_train.commit_code(str(tmp_path))


def test_scores_are_written_per_seed_and_a_failed_scoring_call_is_an_unverified_score_billed_at_its_timeout(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"gpus": 8, "ok": True, "billed_seconds": 700.0, "gpu_seconds": 5600.0,
                                                       "seeds": [{"seed": 1}, {"seed": 2}, {"seed": 3}]}))
    verified = {"status": "verified", "val_bpb": 1.2345, "reason": None, "seconds": 40.0, "container_seconds": 55.0}
    failed = modal.exception.FunctionTimeoutError("Function timed out after 900 s")
    summary = modal_train.write_scores([(1, verified), (2, failed)], tmp_path, timeout_seconds=900)
    assert summary["score_gpu_seconds"] == 955.0
    assert summary["gpu_seconds"] == 5600.0  # training's own count is unchanged
    assert [row["score"] for row in summary["seeds"]] == [
        {"status": "verified", "val_bpb": 1.2345, "reason": None},
        {"status": "unverified", "val_bpb": None,
         "reason": "the scoring step failed: FunctionTimeoutError: Function timed out after 900 s"},
        None,  # seed 3 wrote no model: nothing to score
    ]
    assert json.loads((tmp_path / "seed-1" / "score.json").read_text()) == verified
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
