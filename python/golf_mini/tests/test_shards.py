"""The shard reader: challenge format round trip and loud rejection of bad files."""

import numpy as np
import pytest
from prepare import shard_bytes
from train_gpt import load_data_shard


def write(path, data):
    path.write_bytes(data)
    return str(path)


def test_a_shard_written_by_prepare_reads_back_token_for_token(tmp_path):
    tokens = np.array([1, 4, 259, 65535, 0, 100], dtype=np.uint16)
    data = shard_bytes(tokens)
    assert len(data) == 1024 + 2 * len(tokens)
    assert np.frombuffer(data[:12], dtype="<i4").tolist() == [20240520, 1, 6]
    out = load_data_shard(write(tmp_path / "s.bin", data))
    assert out.tolist() == tokens.tolist()


def test_an_empty_shard_is_valid_and_empty(tmp_path):
    assert load_data_shard(write(tmp_path / "e.bin", shard_bytes(np.array([], dtype=np.uint16)))).numel() == 0


def test_a_bad_magic_number_is_rejected(tmp_path):
    data = bytearray(shard_bytes(np.arange(10, dtype=np.uint16)))
    data[0:4] = np.array([20240521], dtype="<i4").tobytes()
    with pytest.raises(ValueError, match="bad magic 20240521"):
        load_data_shard(write(tmp_path / "m.bin", bytes(data)))


def test_an_unknown_version_is_rejected(tmp_path):
    data = bytearray(shard_bytes(np.arange(10, dtype=np.uint16)))
    data[4:8] = np.array([2], dtype="<i4").tobytes()
    with pytest.raises(ValueError, match="unsupported shard version 2"):
        load_data_shard(write(tmp_path / "v.bin", bytes(data)))


@pytest.mark.parametrize("cut", [-2, -1, 2])
def test_a_file_whose_size_disagrees_with_its_token_count_is_rejected(tmp_path, cut):
    data = shard_bytes(np.arange(10, dtype=np.uint16))
    data = data[:cut] if cut < 0 else data + b"\0" * cut
    with pytest.raises(ValueError, match="header says 10 tokens"):
        load_data_shard(write(tmp_path / "t.bin", data))


def test_a_file_shorter_than_the_header_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="shorter than the 1024-byte shard header"):
        load_data_shard(write(tmp_path / "h.bin", b"\0" * 100))
