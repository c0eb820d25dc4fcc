"""Helpers for the caddie_score tests: shards written here, the CLIs as subprocesses."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from caddie_score.sandbox import probe_bwrap
from caddie_score.shards import write_shard

TESTS = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(os.path.dirname(TESTS))
REPO = os.path.dirname(PYTHON_DIR)
SHARED = os.environ.get("CADDIE_SHARED_DIR", os.path.join(os.path.dirname(REPO), "shared"))
SHARED_MISSING = f"../shared/fixtures not found beside the checkout ({SHARED}); fixture test skipped"
GOLF_MINI = os.path.join(PYTHON_DIR, "golf_mini", "train_gpt.py")

BWRAP_WHY = probe_bwrap(no_net=True)[1]


def shared(*parts):
    return os.path.join(SHARED, "fixtures", *parts)


def cli(*args, timeout=300):
    """Runs `python -m caddie_score ...` (or `caddie_score.sandbox`) as a user would."""
    env = {**os.environ, "PYTHONPATH": PYTHON_DIR}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, env=env, timeout=timeout)


def documents(count, seed=0, min_len=20, max_len=200, bos=1):
    """Byte-layout documents (BOS, then byte tokens 4..259) of random lengths."""
    rng = np.random.default_rng(seed)
    return [np.concatenate([[bos], rng.integers(4, 260, rng.integers(min_len, max_len))]).astype(np.uint16)
            for _ in range(count)]


def write_docs(path, docs):
    write_shard(str(path), np.concatenate(docs) if docs else np.zeros(0, np.uint16))
    return path


def score(tmp_path, code_dir, model, tokens, *extra, tokenizer="byte260", timeout=300):
    """`caddie_score score` on the CPU; returns (result dict, completed process)."""
    out = tmp_path / "result.json"
    run = cli("caddie_score", "score", "--code-dir", str(code_dir), "--model", str(model), "--tokens", str(tokens),
              "--tokenizer", tokenizer, "--out", str(out), "--device", "cpu", *extra, timeout=timeout)
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())
    assert json.loads(run.stdout.strip().splitlines()[-1]) == result
    return result, run


def skip_without_bwrap():
    if BWRAP_WHY:
        pytest.skip(f"bwrap cannot sandbox on this machine ({BWRAP_WHY}): the bwrap-only assertion is skipped")


def code_dir(tmp_path, script, name="code"):
    """A commit's files: one train_gpt.py with the given source."""
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train_gpt.py").write_text(script)
    return folder


# A model with fixed logits: log weights (1 + id % 3) over a 260-id vocabulary, whatever the input.
FIXED = '''
import torch

def caddie_model(model_path, device):
    assert open(model_path).read() == "fixed weights", "not the model file caddie copied"
    row = torch.log(1.0 + (torch.arange(260) % 3).float())

    def logits(ids):
        return row.expand(ids.shape[0], ids.shape[1], 260).clone()

    return logits, 16
'''


def fixed_model(tmp_path):
    path = tmp_path / "model.bin"
    path.write_text("fixed weights")
    return path
