"""int8 per-row quantization and the int8+zlib artifact."""

import io
import zlib

import pytest
import torch
from train_gpt import (
    GPT,
    INT8_MIN_NUMEL,
    dequantize_state_dict_int8,
    deserialize_int8_zlib,
    quantize_state_dict_int8,
    serialize_int8_zlib,
)


def test_a_large_matrix_round_trips_within_half_a_step_per_row():
    torch.manual_seed(0)
    w = torch.randn(64, 128) * torch.logspace(-3, 1, 64)[:, None]  # rows of very different scale
    obj = quantize_state_dict_int8({"w": w})
    q, scale = obj["quantized"]["w"], obj["scales"]["w"]
    assert q.dtype == torch.int8 and scale.dtype == torch.float16 and scale.shape == (64,)
    assert q.abs().max().item() <= 127
    err = (dequantize_state_dict_int8(obj)["w"] - w).abs().amax(dim=1)
    row_max = w.abs().amax(dim=1)
    # Half a quantization step, plus what clamping costs when fp16 rounds the scale down.
    assert torch.all(err <= 0.5 * scale.float() + row_max * 2**-10)
    assert torch.all(err <= row_max / 127)


def test_small_and_one_dimensional_tensors_are_kept_in_fp16_and_get_their_dtype_back():
    small = torch.randn(8, INT8_MIN_NUMEL // 8)
    vec = torch.randn(300)
    ints = torch.arange(5)
    obj = quantize_state_dict_int8({"small": small, "vec": vec, "ints": ints})
    assert obj["quantized"] == {}
    out = dequantize_state_dict_int8(obj)
    assert out["small"].dtype == torch.float32
    assert torch.equal(out["small"], small.half().float())
    assert torch.equal(out["vec"], vec.half().float())
    assert torch.equal(out["ints"], ints)


def test_an_all_zero_row_stays_zero_instead_of_dividing_by_zero():
    w = torch.randn(100, 100)
    w[3] = 0.0
    out = dequantize_state_dict_int8(quantize_state_dict_int8({"w": w}))["w"]
    assert torch.isfinite(out).all()
    assert torch.equal(out[3], torch.zeros(100))


def test_the_zlib_blob_decodes_to_the_same_weights_as_the_in_memory_round_trip():
    torch.manual_seed(1)
    model = GPT(260, 64, 2, 2, 2)
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.05)
    state = model.state_dict()
    blob, stats = serialize_int8_zlib(state)
    raw = zlib.decompress(blob)
    assert stats["raw_torch"] == len(raw)
    assert len(blob) < stats["raw_torch"]
    loaded = deserialize_int8_zlib(blob)
    expected = dequantize_state_dict_int8(torch.load(io.BytesIO(raw)))
    assert loaded.keys() == state.keys()
    for name in state:
        assert torch.equal(loaded[name], expected[name])
        assert loaded[name].shape == state[name].shape
    model.load_state_dict(loaded)  # the shipped weights fit the model they came from


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_quantization_accepts_the_dtypes_training_produces(dtype):
    w = torch.randn(80, 80).to(dtype)
    out = dequantize_state_dict_int8(quantize_state_dict_int8({"w": w}))["w"]
    assert out.dtype == dtype
    assert (out.float() - w.float()).abs().max() <= w.float().abs().max() / 127 * 1.01
