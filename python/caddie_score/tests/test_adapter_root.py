"""caddie's adapter for openai/parameter-golf's root train_gpt.py family: caddie's score equals the script's
own evaluation of the same saved model. Against the real script in ../shared when present (skipped, saying
so, when absent), and always against a small root-shaped script written here."""

import contextlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import zlib

import numpy as np
import pytest
import torch
from caddie_score import compat
from caddie_score.shards import read_shard
from scoring_helpers import PYTHON_DIR, SHARED_MISSING, cli, code_dir, documents, score, shared, write_docs

TESTS = os.path.dirname(os.path.abspath(__file__))
TINY_SCRIPT = os.path.join(TESTS, "root_family_tiny.py")
REAL_SCRIPT = shared("parameter-golf", "scripts", "train_gpt.py")
TOKENIZER = shared("parameter-golf", "tokenizer", "fineweb_1024_bpe.model")
SP_VAL = shared("fineweb-sample", "sp1024", "fineweb_val_000000.bin")


def import_script(path, name, monkeypatch, env):
    """The script as a module, imported with the run's settings in the environment (read at import)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    compat.install()  # this process runs the script's own code too, on the same old torch
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def env_flags(env):
    return [a for k, v in env.items() for a in ("--env", f"{k}={v}")]


def perturb(model, seed):
    """Random weights everywhere (the scripts zero-initialise projections), so every layer matters."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_((torch.randn(p.shape, generator=gen) * 0.05).to(p.dtype))


def save_int8_zlib(obj, path):
    buf = io.BytesIO()
    torch.save(obj, buf)
    path.write_bytes(zlib.compress(buf.getvalue(), level=9))


# ---------------------------------------------------------------------------
# The real script (../shared)
# ---------------------------------------------------------------------------
# A context past 256 tokens: the script's rotary positions are bf16 there, which only main()'s dtypes reproduce.
REAL_ENV = {"VOCAB_SIZE": "1024", "NUM_LAYERS": "2", "MODEL_DIM": "64", "NUM_HEADS": "4", "NUM_KV_HEADS": "2",
            "MLP_MULT": "2", "TRAIN_SEQ_LEN": "512"}


@pytest.fixture
def cuda_autocast_off_without_cuda(monkeypatch):
    """The script's eval_val always enters torch.autocast("cuda", bf16); torch 1.13 refuses that without
    CUDA (newer torch warns and disables it). Do what newer torch does, for this process only."""
    if torch.cuda.is_available():
        return
    real = torch.autocast

    def autocast(device_type, *args, **kwargs):
        return contextlib.nullcontext() if device_type == "cuda" else real(device_type, *args, **kwargs)

    monkeypatch.setattr(torch, "autocast", autocast)


@pytest.mark.skipif(not os.path.isfile(REAL_SCRIPT), reason=SHARED_MISSING)
def test_the_real_root_script_scores_the_same_through_caddie_and_through_its_own_eval_val(
        tmp_path, monkeypatch, cuda_autocast_off_without_cuda):
    pg = import_script(REAL_SCRIPT, "parameter_golf_train_gpt", monkeypatch, REAL_ENV)
    args = pg.Hyperparameters()

    def build():  # as the script's main() sets it up: bf16, CastedLinear in fp32, control tensors in fp32
        model = pg.GPT(vocab_size=args.vocab_size, num_layers=args.num_layers, model_dim=args.model_dim,
                       num_heads=args.num_heads, num_kv_heads=args.num_kv_heads, mlp_mult=args.mlp_mult,
                       tie_embeddings=args.tie_embeddings, tied_embed_init_std=args.tied_embed_init_std,
                       logit_softcap=args.logit_softcap, rope_base=args.rope_base, qk_gain_init=args.qk_gain_init).bfloat16()
        for module in model.modules():
            if isinstance(module, pg.CastedLinear):
                module.float()
        pg.restore_low_dim_params_to_fp32(model)
        return model

    trained = build()
    perturb(trained, seed=3)
    quant, _ = pg.quantize_state_dict_int8(trained.state_dict())  # the script's own quantizer
    model_file = tmp_path / "final_model.int8.ptz"
    save_int8_zlib(quant, model_file)
    code = tmp_path / "code"
    code.mkdir()
    shutil.copyfile(REAL_SCRIPT, code / "train_gpt.py")  # a temporary checkout, never the repository

    split = cli("caddie_score", "split", "--val-glob", SP_VAL, "--run-dir", str(tmp_path / "view"),
                "--heldout", str(tmp_path / "held" / "val.bin"), "--max-heldout-tokens", "6000")
    assert split.returncode == 0, split.stderr
    heldout = tmp_path / "held" / "val.bin"
    result, _ = score(tmp_path, code, model_file, heldout, *env_flags(REAL_ENV), tokenizer=f"sentencepiece:{TOKENIZER}")
    assert result["status"] == "verified", result["reason"]
    assert result["contract"] == "adapter:root-train-gpt"
    assert result["context_len"] == 512
    assert result["causality"]["ok"] and result["causality"]["probes"] > 0

    # The script's own round trip and its own eval_val, with its own byte tables, on the same tokens.
    import sentencepiece as spm

    model = build()
    blob = zlib.decompress(model_file.read_bytes())
    model.load_state_dict(pg.dequantize_state_dict_int8(torch.load(io.BytesIO(blob), map_location="cpu")), strict=True)
    # load_validation_tokens' rule (its uint16 tensor needs torch >= 2.3): whole windows plus one target.
    tokens = torch.from_numpy(read_shard(str(heldout)).astype(np.int64))
    val_tokens = tokens[: ((tokens.numel() - 1) // args.train_seq_len) * args.train_seq_len + 1]
    luts = pg.build_sentencepiece_luts(spm.SentencePieceProcessor(model_file=TOKENIZER), args.vocab_size, torch.device("cpu"))
    loss, bpb = pg.eval_val(args, model, 0, 1, torch.device("cpu"), 8, val_tokens, *luts)
    assert result["tokens"] == val_tokens.numel() - 1
    assert result["val_loss"] == pytest.approx(loss, rel=1e-5)
    assert result["val_bpb"] == pytest.approx(bpb, rel=1e-5)


# ---------------------------------------------------------------------------
# A root-shaped script written here (fresh clone)
# ---------------------------------------------------------------------------
# Windows past 256 tokens, where bf16 rotary positions differ from fp32 ones (see root_family_tiny.Rotary).
TINY_SEQ = 300
TINY_ENV = {"VOCAB_SIZE": "260", "NUM_LAYERS": "2", "MODEL_DIM": "32", "NUM_HEADS": "4", "NUM_KV_HEADS": "2",
            "TRAIN_SEQ_LEN": str(TINY_SEQ), "ITERATIONS": "6"}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The tiny script's own main(): trains a few steps on shards written here and saves its artifact."""
    root = tmp_path_factory.mktemp("root_tiny")
    data = root / "data"
    write_docs(data / "fineweb_train_000000.bin", documents(60, seed=21))
    heldout = write_docs(root / "heldout.bin", documents(10, seed=22, min_len=40, max_len=120))
    run = root / "run"
    run.mkdir()
    shutil.copyfile(TINY_SCRIPT, run / "train_gpt.py")
    # Its main() on this machine's torch, with the same reference functions the model host adds.
    main = "from caddie_score import compat; compat.install(); import runpy; runpy.run_path('train_gpt.py', run_name='__main__')"
    proc = subprocess.run([sys.executable, "-c", main], cwd=run, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **TINY_ENV, "DATA_PATH": str(data), "PYTHONPATH": PYTHON_DIR})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return run, heldout


def test_a_root_shaped_script_without_a_contract_is_scored_through_the_adapter(tmp_path, monkeypatch, tiny_run):
    run, heldout = tiny_run
    result, _ = score(tmp_path, run, run / "final_model.int8.ptz", heldout, *env_flags(TINY_ENV))
    assert result["status"] == "verified", result["reason"]
    assert result["contract"] == "adapter:root-train-gpt" and result["context_len"] == TINY_SEQ

    # Independent: the script's own forward gives the mean loss of each window; bytes are the byte tokens.
    tiny = import_script(str(run / "train_gpt.py"), "root_family_tiny_check", monkeypatch, TINY_ENV)
    model = tiny.make_model(tiny.Hyperparameters())
    blob = zlib.decompress((run / "final_model.int8.ptz").read_bytes())
    model.load_state_dict(tiny.dequantize_state_dict_int8(torch.load(io.BytesIO(blob))))
    tokens = torch.from_numpy(read_shard(str(heldout)).astype(np.int64))
    n = ((len(tokens) - 1) // TINY_SEQ) * TINY_SEQ
    assert n >= TINY_SEQ
    with torch.no_grad():
        loss = model(tokens[:n].view(-1, TINY_SEQ), tokens[1 : n + 1].view(-1, TINY_SEQ)).item()
    nbytes = int((tokens[1 : n + 1] >= 4).sum())
    assert result["tokens"] == n and result["bytes"] == nbytes
    assert result["val_loss"] == pytest.approx(loss, rel=1e-5)
    assert result["val_bpb"] == pytest.approx(loss * n / np.log(2) / nbytes, rel=1e-5)


def test_the_adapter_needs_the_runs_model_shape_and_says_what_is_wrong(tmp_path, tiny_run):
    run, heldout = tiny_run
    wrong_shape, _ = score(tmp_path, run, run / "final_model.int8.ptz", heldout, "--env", "MODEL_DIM=48", "--env", "NUM_HEADS=4")
    assert wrong_shape["status"] == "unverified"
    assert wrong_shape["reason"].startswith("caddie's root train_gpt.py adapter could not load the model: RuntimeError")
    corrupt = tmp_path / "final_model.int8.ptz"
    corrupt.write_bytes(b"\x00" * 100)
    broken, _ = score(tmp_path, run, corrupt, heldout, *env_flags(TINY_ENV))
    assert broken["status"] == "unverified" and "not zlib data" in broken["reason"]


@pytest.mark.parametrize("edit, replacement, reason", [
    ("return F.cross_entropy(", "return torch.nn.functional.cross_entropy(", "did not call F.cross_entropy"),
    ("    logit_softcap = float(", "    softcap = float(", "GPT(...) needs `logit_softcap` and Hyperparameters has no"),
])
def test_a_family_script_the_adapter_cannot_drive_is_unverified_in_words(tmp_path, tiny_run, edit, replacement, reason):
    run, heldout = tiny_run
    source = open(TINY_SCRIPT).read()
    assert edit in source
    edited = code_dir(tmp_path, source.replace(edit, replacement))
    result, _ = score(tmp_path, edited, run / "final_model.int8.ptz", heldout, *env_flags(TINY_ENV))
    assert result["status"] == "unverified"
    assert reason in result["reason"]
