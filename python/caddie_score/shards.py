"""Challenge-format shards: 256 x int32 LE header [20240520, 1, ntokens, 0...], then ntokens x uint16 LE.

Read strictly (magic, version, exact size) so a bad file fails here with its name, and written atomically
(a temporary name in the same folder, then a rename), so a reader never sees half a file."""

import os
import tempfile

import numpy as np

MAGIC = 20240520
VERSION = 1
HEADER_INTS = 256
HEADER_BYTES = HEADER_INTS * 4


class ShardError(ValueError):
    """A file that is not a well-formed challenge shard."""


def read_shard(path):
    """The tokens of one shard as a uint16 array."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            header = np.frombuffer(f.read(HEADER_BYTES), dtype="<i4")
            if header.size != HEADER_INTS:
                raise ShardError(f"{path}: {size} bytes is shorter than the {HEADER_BYTES}-byte shard header")
            if int(header[0]) != MAGIC or int(header[1]) != VERSION:
                raise ShardError(f"{path}: bad shard header (magic {int(header[0])}, version {int(header[1])}; "
                                 f"expected {MAGIC}, {VERSION})")
            ntokens = int(header[2])
            if ntokens < 0 or size != HEADER_BYTES + 2 * ntokens:
                raise ShardError(f"{path}: file is {size} bytes but its header says {ntokens} tokens")
            tokens = np.frombuffer(f.read(), dtype="<u2")
    except OSError as err:
        raise ShardError(f"{path}: cannot read: {err.strerror or err}") from err
    return tokens.astype(np.uint16, copy=False)


def shard_bytes(tokens):
    header = np.zeros(HEADER_INTS, dtype="<i4")
    header[0], header[1], header[2] = MAGIC, VERSION, len(tokens)
    return header.tobytes() + np.asarray(tokens, dtype="<u2").tobytes()


def write_atomic(path, data):
    """Write bytes to `path` through a temporary file in the same folder and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600: a run user must read its slice
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_shard(path, tokens):
    write_atomic(path, shard_bytes(tokens))
