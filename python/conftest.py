"""Fixtures for every Python test: documents that a fresh clone always has, to build shards from."""

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The State of the Union addresses npm installs for the demo course (`npm run setup` trains on them too).
SOTU_DIR = REPO / "node_modules" / "@stdlib" / "datasets-sotu" / "data"
SHARED = Path(os.environ.get("CADDIE_SHARED_DIR", REPO.parent / "shared"))
FINEWEB_JSONL = SHARED / "fixtures" / "fineweb-sample" / "fineweb_200_docs.jsonl"


@pytest.fixture(scope="session")
def documents_jsonl(tmp_path_factory):
    """40 documents as JSON lines, each cut to about a web page's length (4,000 characters)."""
    files = sorted(SOTU_DIR.glob("*.txt"))[:40]
    if len(files) < 40:
        pytest.fail(f"{SOTU_DIR} is missing: run 'npm ci' (or 'npm run setup') first")
    out = tmp_path_factory.mktemp("documents") / "docs.jsonl"
    with open(out, "w", encoding="utf-8") as dst:
        for f in files:
            dst.write(json.dumps({"text": f.read_text(encoding="utf-8")[:4000]}) + "\n")
    return out


@pytest.fixture(scope="session", params=["sample documents", "real FineWeb documents"])
def any_documents_jsonl(request, documents_jsonl):
    """The sample documents always; the real FineWeb sample in ../shared too, when it is there."""
    if request.param == "sample documents":
        return documents_jsonl
    if not FINEWEB_JSONL.is_file():
        pytest.skip(f"{FINEWEB_JSONL} not found: the real-data variant needs ../shared beside the checkout")
    return FINEWEB_JSONL
