"""`caddie_score split`: whole documents, deterministic, names kept, bad input refused in words."""

import json

import numpy as np
from caddie_score.shards import read_shard, write_shard
from caddie_score.split import document_starts
from scoring_helpers import cli, documents, write_docs


def split(tmp_path, pattern, *extra, run_dir="run", heldout="held/val.bin"):
    return cli("caddie_score", "split", "--val-glob", pattern, "--run-dir", str(tmp_path / run_dir),
               "--heldout", str(tmp_path / heldout), *extra)


def docs_of(tokens):
    starts = list(document_starts(tokens, 1)) + [len(tokens)]
    return [tuple(tokens[a:b]) for a, b in zip(starts[:-1], starts[1:], strict=True)]


def test_documents_stay_whole_and_every_document_lands_in_exactly_one_slice(tmp_path):
    docs = documents(40, seed=1)
    write_docs(tmp_path / "src" / "fineweb_val_000000.bin", docs[:25])
    write_docs(tmp_path / "src" / "fineweb_val_000001.bin", docs[25:])
    run = split(tmp_path, str(tmp_path / "src" / "fineweb_val_*.bin"))
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    run_files = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert run_files == ["fineweb_val_000000.bin", "fineweb_val_000001.bin"]  # the names a script globs
    run_docs = [d for name in run_files for d in docs_of(read_shard(str(tmp_path / "run" / name)))]
    held_docs = docs_of(read_shard(str(tmp_path / "held" / "val.bin")))
    assert sorted(run_docs + held_docs) == sorted(tuple(d) for d in docs)
    assert not set(run_docs) & set(held_docs)
    assert summary["documents"] == 40 and summary["heldout_documents"] == 20 == len(held_docs)
    assert summary["run_tokens"] == sum(map(len, run_docs))
    assert summary["heldout_tokens"] == sum(map(len, held_docs))
    # Each run document stays in the file it started in.
    first = {tuple(d) for d in docs[:25]}
    assert all(d in first for d in docs_of(read_shard(str(tmp_path / "run" / "fineweb_val_000000.bin"))))


def test_the_split_is_deterministic_and_a_second_call_writes_nothing(tmp_path):
    write_docs(tmp_path / "src" / "fineweb_val_000000.bin", documents(30, seed=2))
    pattern = str(tmp_path / "src" / "fineweb_val_*.bin")
    first = split(tmp_path, pattern, "--heldout-fraction", "0.3")
    held = tmp_path / "held" / "val.bin"
    stamp = held.stat().st_mtime_ns
    again = split(tmp_path, pattern, "--heldout-fraction", "0.3")
    assert json.loads(again.stdout)["reused"] is True
    assert held.stat().st_mtime_ns == stamp
    elsewhere = split(tmp_path, pattern, "--heldout-fraction", "0.3", run_dir="run2", heldout="held2/val.bin")
    assert (tmp_path / "held2" / "val.bin").read_bytes() == held.read_bytes()
    for key in ("run_tokens", "heldout_tokens", "heldout_documents"):
        assert json.loads(first.stdout)[key] == json.loads(elsewhere.stdout)[key]
    assert json.loads(first.stdout)["heldout_documents"] == 9  # round(0.3 x 30)


def test_a_changed_input_or_a_touched_output_is_split_again(tmp_path):
    src = tmp_path / "src" / "fineweb_val_000000.bin"
    write_docs(src, documents(10, seed=3))
    pattern = str(tmp_path / "src" / "fineweb_val_*.bin")
    split(tmp_path, pattern)
    write_docs(src, documents(12, seed=4))
    changed = json.loads(split(tmp_path, pattern).stdout)
    assert changed["reused"] is False and changed["documents"] == 12
    (tmp_path / "run" / "fineweb_val_000000.bin").write_bytes(b"tampered")
    redo = json.loads(split(tmp_path, pattern).stdout)
    assert redo["reused"] is False and redo["documents"] == 12
    assert len(read_shard(str(tmp_path / "run" / "fineweb_val_000000.bin"))) == redo["run_tokens"]


def test_the_held_out_share_follows_the_hash_not_the_position(tmp_path):
    docs = documents(200, seed=5)
    write_docs(tmp_path / "src" / "fineweb_val_000000.bin", docs)
    split(tmp_path, str(tmp_path / "src" / "fineweb_val_*.bin"))
    held = set(docs_of(read_shard(str(tmp_path / "held" / "val.bin"))))
    picked = [i for i, d in enumerate(docs) if tuple(d) in held]
    assert len(picked) == 100
    assert 25 < sum(i < 100 for i in picked) < 75  # not the first or last half of the file


def test_max_heldout_tokens_caps_with_whole_documents_and_the_rest_goes_to_the_run(tmp_path):
    docs = documents(20, seed=6)
    write_docs(tmp_path / "src" / "fineweb_val_000000.bin", docs)
    run = split(tmp_path, str(tmp_path / "src" / "fineweb_val_*.bin"), "--max-heldout-tokens", "500")
    summary = json.loads(run.stdout)
    assert 0 < summary["heldout_tokens"] <= 500
    assert summary["run_tokens"] + summary["heldout_tokens"] == sum(map(len, docs))


def test_bad_input_is_one_clear_error_and_exit_1(tmp_path):
    none = split(tmp_path, str(tmp_path / "nothing_*.bin"))
    assert none.returncode == 1 and "no validation shards match" in none.stderr
    bad = tmp_path / "bad" / "fineweb_val_000000.bin"
    bad.parent.mkdir()
    bad.write_bytes(np.array([123, 1, 0] + [0] * 253, dtype="<i4").tobytes())
    header = split(tmp_path, str(bad))
    assert header.returncode == 1 and "bad shard header" in header.stderr
    assert "Traceback" not in header.stderr
    short = tmp_path / "short" / "fineweb_val_000000.bin"
    write_shard(str(short), np.array([1, 5, 6, 7], dtype=np.uint16))
    one = split(tmp_path, str(short))
    assert one.returncode == 1 and "1 document(s)" in one.stderr
    truncated = tmp_path / "trunc" / "fineweb_val_000000.bin"
    write_docs(truncated, documents(4))
    truncated.write_bytes(truncated.read_bytes()[:-2])
    assert "header says" in split(tmp_path, str(truncated)).stderr


def test_the_originals_and_the_run_folder_are_protected(tmp_path):
    src = tmp_path / "src" / "fineweb_val_000000.bin"
    write_docs(src, documents(6))
    before = src.read_bytes()
    same = split(tmp_path, str(src), run_dir="src")
    assert same.returncode == 1 and "must not overwrite" in same.stderr
    inside = split(tmp_path, str(src), heldout="run/held.bin")
    assert inside.returncode == 1 and "outside the run folder" in inside.stderr
    assert src.read_bytes() == before
    assert cli("caddie_score", "split", "--val-glob", str(src), "--run-dir", "x", "--heldout", "y",
               "--heldout-fraction", "1.5").returncode == 2
