"""Fixtures for the golf_mini tests: import paths and tiny shards (documents from ../../conftest.py)."""

import json
import os
import subprocess
import sys

import pytest

GOLF_MINI = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(os.path.dirname(GOLF_MINI))
TRAIN_GPT = os.path.join(GOLF_MINI, "train_gpt.py")
PREPARE = os.path.join(GOLF_MINI, "prepare.py")

if GOLF_MINI not in sys.path:
    sys.path.insert(0, GOLF_MINI)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory, documents_jsonl):
    """Shards built by prepare.py (as a subprocess, the way a user runs it) from 12 sample documents."""
    root = tmp_path_factory.mktemp("tiny_data")
    jsonl = root / "docs.jsonl"
    with open(documents_jsonl, encoding="utf-8") as src, open(jsonl, "w", encoding="utf-8") as dst:
        for _, line in zip(range(12), src, strict=False):
            dst.write(json.dumps({"text": json.loads(line)["text"]}) + "\n")
    out = root / "shards"
    proc = subprocess.run(
        [sys.executable, PREPARE, "--out", str(out), "--jsonl", str(jsonl), "--val-every", "4"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return out
