"""golf_mini data preparation: a text corpus -> challenge-format byte shards.

This file is the fixed part of the course (train_gpt.py is the part an agent edits): it decides the
train/val split and the token layout, so every run is scored on the same val tokens.

    python prepare.py --out DIR --txt-dir DIR      # one document per *.txt file (sorted by name)
    python prepare.py --out DIR --jsonl FILE       # one {"text": ...} document per line

Layout (the challenge's pure-byte "byte260" vocabulary): ids 0-3 are specials (BOS = 1), byte b is id
b + 4; every document is [BOS] + its UTF-8 bytes. Every VAL_EVERY-th document (in sorted order) goes to
val, the rest to train; each split is then shuffled with a fixed seed, so a short run sees every era of
the corpus and a capped eval samples all of val. Output: fineweb_train_000000.bin, fineweb_val_000000.bin
(more numbered shards past --shard-tokens) and meta.json. The run is skipped when meta.json says the
same inputs and options produced the shards already; otherwise files are written under a temporary
name and renamed into place, meta.json last.
"""

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile

import numpy as np

SHARD_MAGIC = 20240520
SHARD_VERSION = 1
SHARD_HEADER_INTS = 256
VOCAB_SIZE = 260
BOS_ID = 1
BYTE_OFFSET = 4
FORMAT = "golf_mini-byte260-v1"  # bump when the layout or split rule changes, so old outputs are rebuilt


def read_txt_dir(path):
    """Documents as (name, bytes) from *.txt files, sorted by file name."""
    names = sorted(n for n in os.listdir(path) if n.endswith(".txt"))
    if not names:
        raise ValueError(f"{path}: no .txt files")
    docs = []
    for name in names:
        with open(os.path.join(path, name), "rb") as f:
            docs.append((name, f.read()))
    return docs


def read_jsonl(path):
    """Documents as (name, bytes) from the "text" field of each JSON line, in file order."""
    docs = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            text = record.get("text") if isinstance(record, dict) else None
            if not isinstance(text, str):
                raise ValueError(f"{path}:{lineno}: expected an object with a string \"text\" field")
            docs.append((f"line{lineno}", text.encode("utf-8")))
    if not docs:
        raise ValueError(f"{path}: no documents")
    return docs


def split_documents(docs, val_every, seed):
    """Deterministic split: document i (0-based, input order) goes to val when i % val_every == 0.
    Empty documents are dropped. Each split is shuffled with `seed`. Returns (train, val)."""
    if val_every < 2:
        raise ValueError(f"--val-every must be >= 2, got {val_every}")
    docs = [d for d in docs if d[1]]
    val = [d for i, d in enumerate(docs) if i % val_every == 0]
    train = [d for i, d in enumerate(docs) if i % val_every != 0]
    if not train or not val:
        raise ValueError(f"{len(docs)} non-empty documents are too few to split with --val-every {val_every}")
    random.Random(seed).shuffle(train)
    random.Random(seed + 1).shuffle(val)
    return train, val


def encode_documents(docs):
    """[BOS] + (byte + 4) for each document, concatenated, as uint16."""
    parts = []
    for _, data in docs:
        parts.append(np.array([BOS_ID], dtype=np.uint16))
        parts.append(np.frombuffer(data, dtype=np.uint8).astype(np.uint16) + BYTE_OFFSET)
    return np.concatenate(parts)


def shard_bytes(tokens):
    """One shard: 256 x int32 LE header [magic, version, ntokens, 0...] then the tokens as uint16 LE."""
    header = np.zeros(SHARD_HEADER_INTS, dtype="<i4")
    header[0], header[1], header[2] = SHARD_MAGIC, SHARD_VERSION, len(tokens)
    return header.tobytes() + np.asarray(tokens, dtype="<u2").tobytes()


def fingerprint(docs, options):
    h = hashlib.sha256(json.dumps({"format": FORMAT, **options}, sort_keys=True).encode())
    for name, data in docs:
        h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_up_to_date(out, inputs_sha256):
    """True when out/meta.json records these inputs and every shard it lists is intact."""
    try:
        with open(os.path.join(out, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return False
    if meta.get("inputs_sha256") != inputs_sha256:
        return False
    for name, info in meta.get("shards", {}).items():
        path = os.path.join(out, name)
        if not os.path.isfile(path) or sha256_file(path) != info.get("sha256"):
            return False
    return True


def prepare(docs, out, source, val_every=10, seed=0, shard_tokens=100_000_000):
    """Build shards + meta.json in `out` from (name, bytes) documents. Returns (meta, skipped)."""
    options = {"val_every": val_every, "seed": seed, "shard_tokens": shard_tokens}
    inputs_sha256 = fingerprint(docs, options)
    if is_up_to_date(out, inputs_sha256):
        with open(os.path.join(out, "meta.json"), encoding="utf-8") as f:
            return json.load(f), True

    train, val = split_documents(docs, val_every, seed)
    os.makedirs(out, exist_ok=True)
    tmp_dir = tempfile.mkdtemp(prefix=".prepare-", dir=out)
    shards = {}
    try:
        for split, split_docs in (("train", train), ("val", val)):
            tokens = encode_documents(split_docs)
            for i, start in enumerate(range(0, len(tokens), shard_tokens)):
                name = f"fineweb_{split}_{i:06d}.bin"
                data = shard_bytes(tokens[start : start + shard_tokens])
                with open(os.path.join(tmp_dir, name), "wb") as f:
                    f.write(data)
                shards[name] = {"split": split, "tokens": min(shard_tokens, len(tokens) - start),
                                "sha256": hashlib.sha256(data).hexdigest()}
        meta = {
            "format": FORMAT,
            "source": source,
            "vocab_size": VOCAB_SIZE,
            "bos_id": BOS_ID,
            "byte_offset": BYTE_OFFSET,
            "val_every": val_every,
            "seed": seed,
            "docs": {"train": len(train), "val": len(val)},
            "tokens": {s: sum(v["tokens"] for v in shards.values() if v["split"] == s) for s in ("train", "val")},
            "bytes": {"train": sum(len(d) for _, d in train), "val": sum(len(d) for _, d in val)},
            "val_docs": [name for name, _ in val],
            "shards": shards,
            "inputs_sha256": inputs_sha256,
        }
        with open(os.path.join(tmp_dir, "meta.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        # meta.json goes away first and comes back last, so a crash in between never looks complete.
        meta_path = os.path.join(out, "meta.json")
        if os.path.exists(meta_path):
            os.remove(meta_path)
        for name in os.listdir(out):
            if name.startswith("fineweb_") and name.endswith(".bin") and name not in shards:
                os.remove(os.path.join(out, name))  # stale shard of an older, larger build
        for name in shards:
            os.replace(os.path.join(tmp_dir, name), os.path.join(out, name))
        os.replace(os.path.join(tmp_dir, "meta.json"), meta_path)
    finally:
        for name in os.listdir(tmp_dir):
            os.remove(os.path.join(tmp_dir, name))
        os.rmdir(tmp_dir)
    return meta, False


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build golf_mini byte-layout shards from a text corpus.")
    parser.add_argument("--out", required=True, help="output directory (DATA_PATH for train_gpt.py)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--txt-dir", help="directory of .txt files, one document each")
    source.add_argument("--jsonl", help='JSONL file, one {"text": ...} document per line')
    parser.add_argument("--val-every", type=int, default=10, help="every k-th document goes to val (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="shuffle seed for the document order (default 0)")
    parser.add_argument("--shard-tokens", type=int, default=100_000_000, help="max tokens per shard file")
    args = parser.parse_args(argv)
    if args.shard_tokens <= 0:
        parser.error("--shard-tokens must be > 0")
    try:
        if args.txt_dir:
            docs, source_desc = read_txt_dir(args.txt_dir), {"txt_dir": os.path.abspath(args.txt_dir)}
        else:
            docs, source_desc = read_jsonl(args.jsonl), {"jsonl": os.path.abspath(args.jsonl)}
        meta, skipped = prepare(docs, args.out, source_desc, args.val_every, args.seed, args.shard_tokens)
    except (OSError, ValueError) as e:
        print(f"prepare: error: {e}", file=sys.stderr)
        return 1
    state = "up to date, skipped" if skipped else "written"
    print(f"prepare: {args.out} {state}: train {meta['docs']['train']} docs {meta['tokens']['train']} tokens, "
          f"val {meta['docs']['val']} docs {meta['tokens']['val']} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
