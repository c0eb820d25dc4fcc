"""prepare.py: deterministic split, byte layout, idempotent and atomic output."""

import json
import os

import numpy as np
import pytest
from prepare import encode_documents, main, prepare, read_jsonl, split_documents
from train_gpt import load_data_shard


def docs_named(n):
    return [(f"{i:03d}.txt", f"document {i} text".encode()) for i in range(n)]


def test_every_kth_document_goes_to_val_and_the_rest_to_train():
    train, val = split_documents(docs_named(25), val_every=5, seed=0)
    assert sorted(name for name, _ in val) == ["000.txt", "005.txt", "010.txt", "015.txt", "020.txt"]
    assert len(train) == 20 and not {n for n, _ in train} & {n for n, _ in val}


def test_the_split_and_its_order_depend_only_on_the_inputs_and_the_seed():
    a = split_documents(docs_named(40), val_every=4, seed=7)
    b = split_documents(docs_named(40), val_every=4, seed=7)
    c = split_documents(docs_named(40), val_every=4, seed=8)
    assert a == b
    assert [n for n, _ in a[0]] != [n for n, _ in c[0]]  # another seed, another order...
    assert sorted(a[0]) == sorted(c[0])  # ...of the same documents


def test_empty_documents_are_dropped_and_too_few_documents_fail_clearly():
    train, val = split_documents([("a", b""), ("b", b"x"), ("c", b"y")], val_every=2, seed=0)
    assert [n for n, _ in val] == ["b"] and [n for n, _ in train] == ["c"]
    with pytest.raises(ValueError, match="too few"):
        split_documents([("a", b"x")], val_every=2, seed=0)


def test_each_document_becomes_bos_then_its_bytes_plus_four():
    tokens = encode_documents([("a", "hé".encode()), ("b", b"\x00\xff")])
    assert tokens.tolist() == [1, ord("h") + 4, 0xC3 + 4, 0xA9 + 4, 1, 4, 259]


def test_the_same_inputs_give_byte_identical_shards_and_meta_in_two_places(tmp_path, any_documents_jsonl):
    docs = read_jsonl(str(any_documents_jsonl))[:30]
    meta_a, _ = prepare(docs, str(tmp_path / "a"), {"test": 1}, val_every=5)
    meta_b, _ = prepare(docs, str(tmp_path / "b"), {"test": 1}, val_every=5)
    assert meta_a == meta_b
    for name in meta_a["shards"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert meta_a["docs"] == {"train": 24, "val": 6}
    val = load_data_shard(str(tmp_path / "a" / "fineweb_val_000000.bin"))
    assert val.numel() == meta_a["tokens"]["val"] == meta_a["bytes"]["val"] + 6
    assert int((val == 1).sum()) == 6


def test_a_second_run_with_the_same_inputs_is_skipped_and_a_changed_input_rebuilds(tmp_path):
    out = str(tmp_path / "out")
    _, skipped = prepare(docs_named(10), out, {}, val_every=3)
    assert not skipped
    shard = os.path.join(out, "fineweb_train_000000.bin")
    before = os.stat(shard).st_mtime_ns
    _, skipped = prepare(docs_named(10), out, {}, val_every=3)
    assert skipped and os.stat(shard).st_mtime_ns == before
    changed = docs_named(10)
    changed[4] = ("004.txt", b"edited")
    meta, skipped = prepare(changed, out, {}, val_every=3)
    assert not skipped
    assert load_data_shard(shard).numel() == meta["tokens"]["train"]


def test_a_damaged_shard_is_rebuilt_rather_than_trusted(tmp_path):
    out = str(tmp_path / "out")
    prepare(docs_named(10), out, {}, val_every=3)
    with open(os.path.join(out, "fineweb_val_000000.bin"), "r+b") as f:
        f.seek(1030)
        f.write(b"\x09")
    _, skipped = prepare(docs_named(10), out, {}, val_every=3)
    assert not skipped


def test_shards_split_at_shard_tokens_and_a_smaller_rebuild_leaves_no_stale_shard(tmp_path):
    out = tmp_path / "out"
    meta, _ = prepare(docs_named(30), str(out), {}, val_every=3, shard_tokens=100)
    names = sorted(p.name for p in out.glob("fineweb_train_*.bin"))
    assert len(names) == 4 and meta["tokens"]["train"] == sum(
        load_data_shard(str(out / n)).numel() for n in names)
    prepare(docs_named(30), str(out), {}, val_every=3)
    assert sorted(p.name for p in out.glob("fineweb_*.bin")) == ["fineweb_train_000000.bin", "fineweb_val_000000.bin"]
    assert not [p for p in out.iterdir() if p.name.startswith(".prepare-")]


def test_the_command_line_reads_a_directory_of_text_files(tmp_path, capsys):
    src = tmp_path / "txt"
    src.mkdir()
    for name, data in docs_named(6):
        (src / name).write_bytes(data)
    (src / "ignored.json").write_text("{}")
    assert main(["--out", str(tmp_path / "out"), "--txt-dir", str(src), "--val-every", "3"]) == 0
    assert "written: train 4 docs" in capsys.readouterr().out
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert sorted(meta["val_docs"]) == ["000.txt", "003.txt"]
    assert set(meta["shards"]) == {"fineweb_train_000000.bin", "fineweb_val_000000.bin"}
    train = load_data_shard(str(tmp_path / "out" / "fineweb_train_000000.bin"))
    assert np.array_equal(np.sort(train.numpy()[train.numpy() != 1]),
                          np.sort(np.concatenate([np.frombuffer(d, np.uint8) + 4 for n, d in docs_named(6)
                                                  if n not in ("000.txt", "003.txt")])))


def test_the_command_line_reports_a_bad_jsonl_line_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"body": "no text"}\n')
    assert main(["--out", str(tmp_path / "out"), "--jsonl", str(bad)]) == 1
    assert "bad.jsonl:2: expected an object" in capsys.readouterr().err
