"""`caddie_score score`: caddie's own number from logits, and every way a model can fail to earn one."""

import json
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from caddie_score.shards import read_shard
from scoring_helpers import BWRAP_WHY, FIXED, PYTHON_DIR, cli, code_dir, documents, fixed_model, score, write_docs


@pytest.fixture
def heldout(tmp_path):
    return write_docs(tmp_path / "heldout.bin", documents(8, seed=11, min_len=30, max_len=90))


def by_hand(tokens, ctx, starts=None):
    """The fixed model's val_loss and val_bpb, from the definition, in plain Python: the targets of the
    windows starting at `starts` (default: every whole window)."""
    weights = [1.0 + i % 3 for i in range(260)]
    log_z = math.log(sum(weights))
    if starts is None:
        starts = range(0, ((len(tokens) - 1) // ctx) * ctx, ctx)
    targets = [int(tokens[s + i]) for s in starts for i in range(1, ctx + 1)]
    nats = sum(log_z - math.log(weights[t]) for t in targets)
    nbytes = sum(1 for t in targets if t >= 4)
    return nats / len(targets), nats / math.log(2) / nbytes, len(targets), nbytes


def test_a_model_with_fixed_logits_gets_exactly_the_hand_computed_score(tmp_path, heldout):
    result, _ = score(tmp_path, code_dir(tmp_path, FIXED), fixed_model(tmp_path), heldout)
    loss, bpb, n, nbytes = by_hand(read_shard(str(heldout)), 16)
    assert result["status"] == "verified", result["reason"]
    assert result["reason"] is None
    assert result["tokens"] == n and result["bytes"] == nbytes
    # The logits travel as float32 (log 2 and log 3 rounded there): equal to float32 precision.
    assert result["val_loss"] == pytest.approx(loss, rel=1e-7)
    assert result["val_bpb"] == pytest.approx(bpb, rel=1e-7)
    assert result["context_len"] == 16 and result["contract"] == "caddie_model"
    assert result["causality"]["ok"] is True and result["causality"]["probes"] > 0
    assert result["causality"]["max_abs_diff"] == 0.0
    assert result["seconds"] >= result["load_seconds"] > 0


def test_max_tokens_and_stride_change_what_is_scored_the_documented_way(tmp_path, heldout):
    tokens = read_shard(str(heldout))
    capped, _ = score(tmp_path, code_dir(tmp_path, FIXED), fixed_model(tmp_path), heldout, "--max-tokens", "100")
    total = (len(tokens) - 1) // 16
    spread = [16 * (k * total // 6) for k in range(6)]  # six windows of 16, spread evenly over the data
    assert capped["tokens"] == 96 and capped["windows"] == 6
    assert capped["val_bpb"] == pytest.approx(by_hand(tokens, 16, spread)[1], rel=1e-7)
    assert spread[-1] > len(tokens) // 2  # not a prefix
    slid, _ = score(tmp_path, code_dir(tmp_path, FIXED), fixed_model(tmp_path), heldout, "--stride", "4")
    assert slid["tokens"] == len(tokens) - 1  # every target once, the tail included
    assert slid["stride"] == 4 and slid["windows"] == 1 + math.ceil((len(tokens) - 1 - 16) / 4)


def test_the_windows_cover_every_target_exactly_once_with_a_stride():
    from caddie_score.score import plan_windows

    for n, ctx, stride in [(100, 16, 4), (17, 16, 4), (1000, 64, 64), (1000, 64, 7), (50, 8, 100)]:
        seen = []
        for start, first in plan_windows(n, ctx, stride):
            assert 0 <= start and start + ctx <= n - 1
            seen += range(start + first + 1, start + ctx + 1)
        assert seen == list(range(1, n)), (n, ctx, stride)
    assert plan_windows(1000, 64, 7, max_tokens=200)[-1][0] + 64 == 200  # with a stride: the first 201 tokens


def train_golf_mini(tmp_path):
    """golf_mini's own prepare.py and train_gpt.py on generated text: a tiny real model, its data folder."""
    rng = np.random.default_rng(0)
    words = ["the", "golf", "model", "of", "bytes", "and", "a", "short", "run", "caddie", "keeps", "score", "ball"]
    texts = tmp_path / "texts"
    texts.mkdir()
    for i in range(40):
        (texts / f"{i:03d}.txt").write_text(" ".join(rng.choice(words, 120)) + ".\n")
    shards = tmp_path / "shards"
    subprocess.run([sys.executable, os.path.join(PYTHON_DIR, "golf_mini", "prepare.py"), "--txt-dir", str(texts),
                    "--out", str(shards), "--val-every", "2"], check=True, capture_output=True)
    view = tmp_path / "view"
    split = cli("caddie_score", "split", "--val-glob", str(shards / "fineweb_val_*.bin"), "--run-dir", str(view),
                "--heldout", str(tmp_path / "heldout" / "val.bin"))
    assert split.returncode == 0, split.stderr
    os.symlink(shards / "fineweb_train_000000.bin", view / "fineweb_train_000000.bin")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    code = open(os.path.join(PYTHON_DIR, "golf_mini", "train_gpt.py")).read()
    (run_dir / "train_gpt.py").write_text(code)
    env = {**os.environ, **TINY, "DATA_PATH": str(view)}
    run = subprocess.run([sys.executable, "train_gpt.py"], cwd=run_dir, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return run_dir, tmp_path / "heldout" / "val.bin", run.stdout


TINY = {"MODEL_DIM": "32", "NUM_LAYERS": "1", "NUM_HEADS": "2", "MLP_MULT": "2", "TRAIN_SEQ_LEN": "32",
        "TRAIN_BATCH_TOKENS": "256", "ITERATIONS": "30", "WARMUP_ITERS": "1", "WARMDOWN_ITERS": "5",
        "VAL_LOSS_EVERY": "0", "VAL_MAX_TOKENS": "2048", "VAL_BATCH_TOKENS": "512", "MAX_WALLCLOCK_SECONDS": "60"}


@pytest.fixture(scope="module")
def golf_mini_run(tmp_path_factory):
    return train_golf_mini(tmp_path_factory.mktemp("golf_mini"))


def test_golf_mini_implements_the_contract_end_to_end(tmp_path, golf_mini_run):
    import torch

    sys.path.insert(0, os.path.join(PYTHON_DIR, "golf_mini"))
    import train_gpt as golf

    run_dir, heldout, _ = golf_mini_run
    env = [a for k, v in TINY.items() for a in ("--env", f"{k}={v}")]
    result, _ = score(tmp_path, run_dir, run_dir / "final_model.int8.ptz", heldout, *env)
    assert result["status"] == "verified", result["reason"]
    assert result["contract"] == "caddie_model" and result["context_len"] == 32

    # golf_mini's own evaluation of the same model on the same held-out tokens agrees.
    model = golf.GPT(260, 32, 1, 2, 2)
    model.load_state_dict(golf.deserialize_int8_zlib((run_dir / "final_model.int8.ptz").read_bytes()))
    windows = golf.select_val_windows(torch.from_numpy(read_shard(str(heldout)).astype(np.int64)), 32, 10**9)
    loss, bpb = golf.eval_val(model, windows, 16, torch.device("cpu"), golf.contextlib.nullcontext, 260)
    assert result["val_loss"] == pytest.approx(loss, rel=1e-5)
    assert result["val_bpb"] == pytest.approx(bpb, rel=1e-5)
    assert result["tokens"] == windows.shape[0] * 32


def test_the_scorer_reads_only_the_code_and_the_model_it_was_given(tmp_path, golf_mini_run):
    run_dir, heldout, _ = golf_mini_run
    bare = code_dir(tmp_path, (run_dir / "train_gpt.py").read_text())
    env = [a for k, v in TINY.items() for a in ("--env", f"{k}={v}")]
    missing, _ = score(tmp_path, bare, tmp_path / "nothing.ptz", heldout, *env)
    assert missing["status"] == "unverified" and "wrote no model file" in missing["reason"]
    garbage = tmp_path / "final_model.int8.ptz"
    garbage.write_bytes(b"not a model at all")
    broken, _ = score(tmp_path, bare, garbage, heldout, *env)
    assert broken["status"] == "unverified"
    assert broken["reason"].startswith("caddie_model() raised error: Error -3 while decompressing data")
    assert broken["val_bpb"] is None


# ---------------------------------------------------------------------------
# Attacks at the model level: each is a train_gpt.py an agent could write.
# ---------------------------------------------------------------------------
UNIFORM = '''
import torch

def caddie_model(model_path, device):
    def logits(ids):
        return torch.zeros(ids.shape[0], ids.shape[1], 260)
    return logits, 16
'''


def attack(tmp_path, heldout, body, *extra):
    """Scores a train_gpt.py made of the given parts (each dedented on its own)."""
    parts = body if isinstance(body, tuple) else (body,)
    script = "\n".join(textwrap.dedent(p) for p in parts)
    return score(tmp_path, code_dir(tmp_path, script), fixed_model(tmp_path), heldout, *extra)[0]


def test_a_model_that_peeks_at_the_next_input_is_not_causal(tmp_path, heldout):
    result = attack(tmp_path, heldout, '''
        import torch
        def caddie_model(model_path, device):
            def logits(ids):
                ahead = torch.roll(ids, -1, dims=1)  # the next input is the target
                return torch.nn.functional.one_hot(ahead, 260).float() * 30.0
            return logits, 16
        ''')
    assert result["status"] == "unverified"
    assert result["reason"].startswith("the model is not causal")
    assert result["causality"]["ok"] is False and result["causality"]["max_abs_diff"] > 1
    assert result["val_bpb"] is None


def test_a_model_honest_on_its_first_call_and_peeking_later_is_caught(tmp_path, heldout):
    result = attack(tmp_path, heldout, '''
        import torch
        calls = []
        def caddie_model(model_path, device):
            def logits(ids):
                calls.append(1)
                if len(calls) == 1:  # the probe host only ever makes one call
                    return torch.zeros(ids.shape[0], ids.shape[1], 260)
                return torch.nn.functional.one_hot(torch.roll(ids, -1, dims=1), 260).float() * 30.0
            return logits, 16
        ''', "--batch-tokens", "64")
    assert result["status"] == "unverified" and "not causal" in result["reason"]


@pytest.mark.parametrize("body, reason", [
    ("return torch.zeros(ids.shape[0], ids.shape[1] - 1, 260)", "caddie needs [batch, length, vocab]"),
    ("return torch.full((ids.shape[0], ids.shape[1], 260), float('nan'))", "NaN or infinite logits"),
    ("return torch.zeros(ids.shape[0], ids.shape[1], 100)", "vocabulary (100) does not cover"),
    ("return 'logits'", "returned str for input"),
    ("os._exit(3)", "exited with code 3"),
    ("raise MemoryError('out of memory on the eval batch')", "the logits function raised MemoryError: out of memory"),
])
def test_bad_logits_are_unverified_with_the_reason(tmp_path, heldout, body, reason):
    result = attack(tmp_path, heldout, f'''
        import os, torch
        def caddie_model(model_path, device):
            def logits(ids):
                {body}
            return logits, 16
        ''')
    assert result["status"] == "unverified"
    assert reason in result["reason"]
    assert result["val_bpb"] is None and result["val_loss"] is None


@pytest.mark.parametrize("script, reason", [
    ("def caddie_model(model_path, device):\n    raise ValueError('num_heads must divide model_dim')\n",
     "caddie_model() raised ValueError: num_heads must divide model_dim (train_gpt.py line 2)"),
    ("def caddie_model(model_path, device):\n    return 42\n", "caddie_model() must return"),
    ("def caddie_model(model_path, device):\n    return (lambda ids: ids), 0\n", "context_len 0"),
    ("raise SystemExit(4)\n", "importing train_gpt.py failed: SystemExit: 4"),
    ("print('no contract here')\n", "defines no caddie_model(model_path, device)"),
])
def test_a_contract_that_fails_is_unverified_with_the_reason(tmp_path, heldout, script, reason):
    result = attack(tmp_path, heldout, script)
    assert result["status"] == "unverified"
    assert reason in result["reason"]


def test_a_host_that_hangs_is_killed_at_the_timeout_with_its_children(tmp_path, heldout):
    marker = f"caddie-hang-{os.getpid()}"
    result = attack(tmp_path, heldout, f'''
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", {marker!r}])
        def caddie_model(model_path, device):
            time.sleep(300)
        ''', "--timeout", "4")
    assert result["status"] == "unverified"
    assert "time limit" in result["reason"]
    assert result["seconds"] < 60
    leftovers = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert leftovers == []


def test_garbage_on_the_protocol_pipe_or_a_forged_giant_frame_is_refused(tmp_path, heldout):
    garbage = attack(tmp_path, heldout, ('''
        import os
        for fd in map(int, os.listdir("/proc/self/fd")):
            try:
                os.write(fd, b"GARBAGE" * 10) if fd > 2 else None
            except OSError:
                pass
        ''', UNIFORM))
    assert garbage["status"] == "unverified" and "not caddie's protocol" in garbage["reason"]
    forged = attack(tmp_path, heldout, '''
        import os, struct, time, torch
        def caddie_model(model_path, device):
            def logits(ids):
                head = struct.pack("<4sB3xQ", b"CSC1", 2, 2**40) + struct.pack("<IIII", *ids.shape, 260, 1)
                for fd in map(int, os.listdir("/proc/self/fd")):
                    try:
                        os.write(fd, head) if fd > 2 else None
                    except OSError:
                        pass
                time.sleep(60)
            return logits, 16
        ''', "--timeout", "50")
    assert forged["status"] == "unverified" and "bytes of logits where" in forged["reason"]
    assert forged["seconds"] < 40  # refused on the header, not after reading a terabyte or timing out


def test_a_forged_ready_message_is_refused_without_trusting_it(tmp_path, heldout):
    result = attack(tmp_path, heldout, '''
        import os, struct, time
        ready = b"[" * 30000 + b"]" * 30000  # nested deep enough to break a recursive parser
        for fd in map(int, os.listdir("/proc/self/fd")):
            try:
                os.write(fd, struct.pack("<4sB3xQ", b"CSC1", 1, len(ready)) + ready) if fd > 2 else None
            except OSError:
                pass
        time.sleep(60)
        ''', "--timeout", "50")
    assert result["status"] == "unverified"
    assert result["reason"].startswith("the model host's ready message is not")
    assert result["seconds"] < 40


def test_prints_from_the_script_do_not_disturb_the_protocol(tmp_path, heldout):
    noisy = attack(tmp_path, heldout, "print('final_int8_zlib_roundtrip_exact val_loss:0.1 val_bpb:0.1')\n" + FIXED.replace(
        "return row.expand", "print('val_bpb:0.0', flush=True); return row.expand"))
    clean = attack(tmp_path, heldout, FIXED)
    assert noisy["status"] == "verified"
    assert noisy["val_bpb"] == clean["val_bpb"]


def test_import_time_monkeypatching_cannot_change_the_trusted_numbers(tmp_path, heldout):
    honest = attack(tmp_path, heldout, UNIFORM)
    patched = attack(tmp_path, heldout, ('''
        import math, numpy, torch
        numpy.log = lambda x, *a, **k: numpy.zeros_like(x)
        numpy.exp = lambda x, *a, **k: numpy.ones_like(x)
        math.log = lambda *a: 0.0
        torch.nn.functional.cross_entropy = lambda *a, **k: torch.tensor(0.0)
        ''', UNIFORM))
    assert honest["status"] == patched["status"] == "verified", patched["reason"]
    assert patched["val_bpb"] == honest["val_bpb"]
    assert honest["val_loss"] == pytest.approx(math.log(260), rel=1e-12)


def test_usage_errors_exit_2_and_broken_caddie_inputs_exit_1(tmp_path, heldout):
    code = code_dir(tmp_path, FIXED)
    usage = cli("caddie_score", "score", "--code-dir", str(code))
    assert usage.returncode == 2
    out = tmp_path / "r.json"
    base = ["caddie_score", "score", "--code-dir", str(code), "--model", str(fixed_model(tmp_path)), "--out", str(out)]
    bad_tokenizer = cli(*base, "--tokens", str(heldout), "--tokenizer", "wordpiece")
    assert bad_tokenizer.returncode == 1 and "unknown tokenizer spec" in bad_tokenizer.stderr
    bad_tokens = cli(*base, "--tokens", str(code / "train_gpt.py"), "--tokenizer", "byte260")
    assert bad_tokens.returncode == 1 and "shard" in bad_tokens.stderr
    assert not out.exists()
    assert json.loads(score(tmp_path, code, fixed_model(tmp_path), heldout)[1].stdout.splitlines()[-1])["status"] == "verified"


@pytest.mark.parametrize("mode", ["auto", "none"])
def test_a_host_that_reads_the_heldout_file_reaches_the_network_or_reads_secrets(tmp_path, heldout, listener, monkeypatch, mode):
    """Under bwrap the held-out file reads empty and the network is gone; without a sandbox the report says
    so (and the read works: why `none` is the weaker mode). Secrets in the scorer's environment never arrive."""
    port, seen = listener
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-" + "y" * 24)
    result = attack(tmp_path, heldout, f'''
        import os, socket, torch
        try:
            peeked = len(open({str(heldout)!r}, "rb").read()) > 0
        except OSError:
            peeked = False
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"held-out tokens")
        except OSError:
            pass
        secret = "ANTHROPIC_API_KEY" in os.environ

        def caddie_model(model_path, device):
            def logits(ids):
                out = torch.zeros(ids.shape[0], ids.shape[1], 260)
                out[..., 5] = 10.0 if peeked else 0.0
                out[..., 6] = 10.0 if secret else 0.0
                return out
            return logits, 16
        ''', "--sandbox", mode)
    assert result["status"] == "verified", result["reason"]
    uniform = math.log(260)
    if mode == "none":
        assert (result["sandbox"], result["network"]) == ("none", "open")
        assert result["val_loss"] > uniform + 1  # the read worked: its logits moved
        assert seen and set(seen) == {b"held-out tokens"}  # one connection per model host
        return
    if BWRAP_WHY:
        pytest.skip(f"bwrap cannot sandbox on this machine ({BWRAP_WHY}): the bwrap-only assertions are skipped")
    assert (result["sandbox"], result["network"]) == ("bwrap", "blocked")
    assert result["val_loss"] == pytest.approx(uniform, rel=1e-12)  # no peek, no secret
    assert seen == []
