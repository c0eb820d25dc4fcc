"""train_gpt.py as a subprocess: the log keys a parser reads, the artifact file, and failing fast."""

import io
import math
import os
import re
import subprocess
import sys
import zlib

import pytest
import torch
import train_gpt

TRAIN_GPT = train_gpt.__file__

NUM = r"(-?[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf)"
TINY = {
    "MODEL_DIM": "32", "NUM_LAYERS": "1", "NUM_HEADS": "2", "MLP_MULT": "2", "TRAIN_SEQ_LEN": "64",
    "TRAIN_BATCH_TOKENS": "256", "ITERATIONS": "100000", "WARMDOWN_ITERS": "20", "VAL_LOSS_EVERY": "15",
    "TRAIN_LOG_EVERY": "5", "VAL_MAX_TOKENS": "2048", "VAL_BATCH_TOKENS": "1024",
    "MAX_WALLCLOCK_SECONDS": "2", "TORCH_THREADS": "1", "RUN_ID": "tiny",
}


def run_trainer(data, cwd, **overrides):
    env = {**os.environ, **TINY, "DATA_PATH": str(data), **overrides}
    return subprocess.run([sys.executable, TRAIN_GPT], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def run(tiny_data, tmp_path_factory):
    cwd = tmp_path_factory.mktemp("run")
    proc = run_trainer(tiny_data, cwd)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout, cwd


def one(pattern, text):
    matches = re.findall(f"^{pattern}$", text, flags=re.M)
    assert len(matches) == 1, f"expected one line matching {pattern!r}, found {len(matches)}"
    return matches[0]


def test_the_first_line_names_the_log_file_and_the_file_holds_the_same_lines(run):
    out, cwd = run
    assert out.splitlines()[0] == "logs/tiny.txt"
    log = (cwd / "logs" / "tiny.txt").read_text()
    assert "TRAIN_SEQ_LEN = int(" in log  # the source code heads the file, as in the real script
    for line in out.splitlines()[1:]:
        assert line in log


def test_every_key_of_the_real_script_appears_with_its_shape(run):
    out, _ = run
    params = int(one(r"model_params:(\d+)", out))
    assert params == 260 * 32 + 1 * (4 * 32 * 32 + 2 * 2 * 32 * 32)
    iters = "100000"
    val_lines = re.findall(rf"^step:(\d+)/{iters} val_loss:{NUM} val_bpb:{NUM} train_time:(\d+)ms step_avg:{NUM}ms$",
                           out, flags=re.M)
    assert val_lines[0][0] == "0" and len(val_lines) >= 2
    train_lines = re.findall(rf"^step:(\d+)/{iters} train_loss:{NUM} train_time:(\d+)ms step_avg:{NUM}ms$",
                             out, flags=re.M)
    assert [int(s) for s, *_ in train_lines[:10]] == list(range(1, 11))
    stop_time, stop_step = one(rf"stopping_early: wallclock_cap train_time:(\d+)ms step:(\d+)/{iters}", out)
    assert int(stop_time) >= 2000 and stop_step == val_lines[-1][0]
    one(r"peak memory allocated: (\d+) MiB reserved: (\d+) MiB", out)
    one(r"Serialized model: (\d+) bytes", out)
    int8 = one(r"Serialized model int8\+zlib: (\d+) bytes \(payload:(\d+) raw_torch:(\d+) payload_ratio:([0-9.]+)x\)", out)
    code = one(r"Code size: (\d+) bytes", out)
    total = one(r"Total submission size int8\+zlib: (\d+) bytes", out)
    assert int(total) == int(int8[0]) + int(code)
    assert int(code) == len(open(TRAIN_GPT, encoding="utf-8").read().encode("utf-8"))
    one(rf"final_int8_zlib_roundtrip val_loss:{NUM} val_bpb:{NUM} eval_time:(\d+)ms", out)
    one(r"final_int8_zlib_roundtrip_exact val_loss:(\d+\.\d{8}) val_bpb:(\d+\.\d{8})", out)


def test_numbers_are_finite_and_training_moved_val_bpb_below_a_uniform_guess(run):
    out, _ = run
    loss, bpb = one(r"final_int8_zlib_roundtrip_exact val_loss:(\S+) val_bpb:(\S+)", out)
    assert math.isfinite(float(loss)) and math.isfinite(float(bpb))
    first_bpb = float(re.search(r"^step:0/\d+ val_loss:\S+ val_bpb:(\S+)", out, flags=re.M).group(1))
    assert abs(first_bpb - math.log2(260)) < 0.2  # an untrained model is close to uniform
    assert float(bpb) < first_bpb - 0.5
    pre_quant = float(re.findall(r"^step:\d+/\d+ val_loss:\S+ val_bpb:(\S+)", out, flags=re.M)[-1])
    assert abs(float(bpb) - pre_quant) < 0.05  # int8 costs little


def test_the_artifact_file_is_the_counted_zlib_blob_of_an_int8_state_dict(run):
    out, cwd = run
    blob = (cwd / "final_model.int8.ptz").read_bytes()
    assert len(blob) == int(one(r"Serialized model int8\+zlib: (\d+) bytes.*", out))
    obj = torch.load(io.BytesIO(zlib.decompress(blob)))
    assert obj["quantized"] and all(t.dtype == torch.int8 for t in obj["quantized"].values())
    assert not (cwd / "final_model.int8.ptz.tmp").exists()


def test_a_non_finite_loss_prints_an_error_line_and_exits_1(tiny_data, tmp_path):
    proc = run_trainer(tiny_data, tmp_path, MATRIX_LR="1e30", EMBED_LR="1e30", GRAD_CLIP_NORM="0")
    assert proc.returncode == 1
    assert re.search(r"^error: non-finite train_loss \S+ at step:\d+/100000", proc.stdout, flags=re.M)
    assert not (tmp_path / "final_model.int8.ptz").exists()


@pytest.mark.parametrize("overrides, message", [
    ({"NUM_HEADS": "3"}, r"MODEL_DIM \(32\) must be divisible by NUM_HEADS \(3\)"),
    ({"TRAIN_BATCH_TOKENS": "100"}, r"TRAIN_BATCH_TOKENS \(100\) must be a multiple of TRAIN_SEQ_LEN \(64\)"),
])
def test_bad_settings_stop_with_a_value_error_before_training(tiny_data, tmp_path, overrides, message):
    proc = run_trainer(tiny_data, tmp_path, **overrides)
    assert proc.returncode != 0
    assert re.search(f"ValueError: {message}", proc.stderr)
    assert "step:" not in proc.stdout


def test_a_missing_data_path_says_how_to_build_the_shards(tmp_path):
    proc = run_trainer(tmp_path / "nowhere", tmp_path)
    assert proc.returncode != 0
    assert "build them with prepare.py and set DATA_PATH" in proc.stderr
