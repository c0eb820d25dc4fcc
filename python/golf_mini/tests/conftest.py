"""Shared fixtures for the golf_mini tests: import paths, the real FineWeb sample, tiny shards."""

import json
import os
import subprocess
import sys

import pytest

GOLF_MINI = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(os.path.dirname(GOLF_MINI))
SHARED = os.path.join(os.path.dirname(REPO_ROOT), "shared")
FINEWEB_JSONL = os.path.join(SHARED, "fixtures", "fineweb-sample", "fineweb_200_docs.jsonl")
TRAIN_GPT = os.path.join(GOLF_MINI, "train_gpt.py")
PREPARE = os.path.join(GOLF_MINI, "prepare.py")

if GOLF_MINI not in sys.path:
    sys.path.insert(0, GOLF_MINI)


@pytest.fixture(scope="session")
def fineweb_jsonl():
    if not os.path.isfile(FINEWEB_JSONL):
        pytest.skip(f"shared fixtures missing: {FINEWEB_JSONL} (needs the ../shared checkout)")
    return FINEWEB_JSONL


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory, fineweb_jsonl):
    """Shards built by prepare.py (as a subprocess, the way a user runs it) from 12 real documents."""
    root = tmp_path_factory.mktemp("tiny_data")
    jsonl = root / "docs.jsonl"
    with open(fineweb_jsonl, encoding="utf-8") as src, open(jsonl, "w", encoding="utf-8") as dst:
        for _, line in zip(range(12), src, strict=False):
            dst.write(json.dumps({"text": json.loads(line)["text"]}) + "\n")
    out = root / "shards"
    proc = subprocess.run(
        [sys.executable, PREPARE, "--out", str(out), "--jsonl", str(jsonl), "--val-every", "4"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return out
