"""`python -m caddie_score split`: a course's validation shards -> the run's own slice + a held-out shard.

Whole documents (a document starts at a BOS token) are assigned by a keyed hash of their index: the
documents are ranked by that hash and the first `fraction` of them are held out, so both slices are a
random sample of the same documents, and the same inputs always give the same split. The run's slice keeps
the original file names (each document stays in the file it starts in), so a script that globs
`fineweb_val_*.bin` finds it; the held-out shard is one file that only the scorer reads.

A record beside the held-out file (`<heldout>.split.json`, outside the run's reach) holds the inputs'
fingerprint and what was written; a second call with unchanged inputs writes nothing."""

import argparse
import glob
import hashlib
import json
import os
import sys

import numpy as np

from .shards import ShardError, read_shard, write_atomic, write_shard

SPLIT_FORMAT = "caddie-split-v1"  # bump when the assignment rule changes, so old splits are rebuilt
HASH_KEY = b"caddie-split-v1"


class SplitError(ValueError):
    """Input that cannot be split; the message names what to fix."""


def document_starts(tokens, bos_id):
    """Start offsets of the documents in a token stream; text before the first BOS is a document too."""
    starts = np.flatnonzero(tokens == bos_id)
    if len(tokens) and (len(starts) == 0 or starts[0] != 0):
        starts = np.concatenate([[0], starts])
    return starts.astype(np.int64)


def heldout_documents(count, fraction):
    """Indices of the held-out documents: the round(fraction x count) with the smallest keyed hash, at
    least one and never all, in document order."""
    def rank(i):
        return hashlib.blake2b(int(i).to_bytes(8, "little"), digest_size=8, key=HASH_KEY).digest()

    k = min(max(round(fraction * count), 1), count - 1)
    return sorted(sorted(range(count), key=rank)[:k])


def fingerprint(files, options):
    h = hashlib.sha256(json.dumps({"format": SPLIT_FORMAT, **options}, sort_keys=True).encode())
    for path in files:
        h.update(os.path.basename(path).encode() + b"\0")
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def stat_key(path):
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def reusable(record_path, fp):
    """The earlier result when the record says these inputs were split and every output is untouched."""
    try:
        with open(record_path, encoding="utf-8") as f:
            record = json.load(f)
        if record.get("fingerprint") != fp:
            return None
        if any(stat_key(path) != key for path, key in record["outputs"].items()):
            return None
        return record["result"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def split(val_glob, run_dir, heldout, fraction=0.5, max_heldout_tokens=None, bos_id=1):
    """Writes the two slices (or finds them up to date) and returns the summary dict."""
    files = sorted(glob.glob(val_glob))
    if not files:
        raise SplitError(f"no validation shards match {val_glob}")
    run_dir, heldout = os.path.abspath(run_dir), os.path.abspath(heldout)
    outputs = [os.path.join(run_dir, os.path.basename(p)) for p in files]
    if len(set(outputs)) != len(outputs):
        raise SplitError(f"{val_glob} matches two files with the same name in different folders")
    inputs = {os.path.realpath(p) for p in files}
    if any(os.path.realpath(p) in inputs for p in [*outputs, heldout]):
        raise SplitError("the run folder and the held-out file must not overwrite the original shards")
    if os.path.realpath(os.path.dirname(heldout)).startswith(os.path.realpath(run_dir) + os.sep) or \
            os.path.realpath(os.path.dirname(heldout)) == os.path.realpath(run_dir):
        raise SplitError("the held-out file must be outside the run folder (the run reads that folder)")

    options = {"fraction": fraction, "max_heldout_tokens": max_heldout_tokens, "bos_id": bos_id}
    fp = fingerprint(files, options)
    record_path = heldout + ".split.json"
    earlier = reusable(record_path, fp)
    if earlier is not None:
        return {**earlier, "reused": True}

    parts = [read_shard(p) for p in files]
    tokens = np.concatenate(parts) if parts else np.zeros(0, np.uint16)
    shard_of_offset = np.cumsum([len(p) for p in parts])  # exclusive end offset of each file
    starts = document_starts(tokens, bos_id)
    if len(starts) < 2:
        raise SplitError(f"{val_glob}: {len(starts)} document(s) (documents start with token {bos_id}); "
                         "need at least 2 to split")
    ends = np.append(starts[1:], len(tokens))

    held = heldout_documents(len(starts), fraction)
    if max_heldout_tokens is not None:
        kept, total = [], 0
        for i in held:  # in document order; what does not fit goes to the run's slice
            n = int(ends[i] - starts[i])
            if total + n > max_heldout_tokens:
                break
            kept.append(i)
            total += n
        if not kept:
            raise SplitError(f"no held-out document fits in --max-heldout-tokens {max_heldout_tokens}")
        held = kept
    is_held = np.zeros(len(starts), dtype=bool)
    is_held[held] = True

    heldout_tokens = np.concatenate([tokens[starts[i] : ends[i]] for i in held])
    file_of_doc = np.searchsorted(shard_of_offset, starts, side="right")
    run_tokens = 0
    for f, out in enumerate(outputs):
        docs = np.flatnonzero((file_of_doc == f) & ~is_held)
        chunk = np.concatenate([tokens[starts[i] : ends[i]] for i in docs]) if len(docs) else np.zeros(0, np.uint16)
        write_shard(out, chunk)
        run_tokens += len(chunk)
    write_shard(heldout, heldout_tokens)

    result = {"run_tokens": int(run_tokens), "heldout_tokens": int(len(heldout_tokens)),
              "documents": int(len(starts)), "heldout_documents": len(held)}
    record = {"format": SPLIT_FORMAT, "fingerprint": fp, "result": result,
              "outputs": {p: stat_key(p) for p in [*outputs, heldout]}}
    write_atomic(record_path, (json.dumps(record, indent=2) + "\n").encode())
    return {**result, "reused": False}


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m caddie_score split",
                                     description="Split validation shards into the run's slice and a held-out shard.")
    parser.add_argument("--val-glob", required=True, help="the course's validation shards, e.g. DIR/fineweb_val_*.bin")
    parser.add_argument("--run-dir", required=True, help="folder for the run's slice (same file names)")
    parser.add_argument("--heldout", required=True, help="the held-out shard only the scorer reads")
    parser.add_argument("--heldout-fraction", type=float, default=0.5, help="share of documents held out (default 0.5)")
    parser.add_argument("--max-heldout-tokens", type=int, default=None, help="cap on held-out tokens (whole documents)")
    parser.add_argument("--bos-id", type=int, default=1, help="the token that starts a document (default 1)")
    args = parser.parse_args(argv)
    if not 0 < args.heldout_fraction < 1:
        parser.error("--heldout-fraction must be between 0 and 1 (exclusive)")
    if args.max_heldout_tokens is not None and args.max_heldout_tokens <= 0:
        parser.error("--max-heldout-tokens must be > 0")
    try:
        result = split(args.val_glob, args.run_dir, args.heldout, args.heldout_fraction,
                       args.max_heldout_tokens, args.bos_id)
    except (SplitError, ShardError) as err:
        print(f"caddie_score split: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"caddie_score split: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0
