"""val_bpb on cases small enough to compute by hand."""

import math

import torch
import train_gpt
from train_gpt import eval_val, select_val_windows


class Uniform(torch.nn.Module):
    """Equal logits for every id: each target costs exactly ln(vocab) nats."""

    def __init__(self, vocab):
        super().__init__()
        self.vocab = vocab

    def forward(self, x):
        return torch.zeros(*x.shape, self.vocab)


class Certain(torch.nn.Module):
    """Puts (nearly) all mass on next_id[x], the true successor in the cyclic stream below."""

    def __init__(self, next_id, vocab):
        super().__init__()
        self.next_id = next_id
        self.vocab = vocab

    def forward(self, x):
        return torch.nn.functional.one_hot(self.next_id[x], self.vocab).float() * 100.0


def evaluate(model, tokens, seq_len, max_tokens=10**9):
    windows = select_val_windows(torch.tensor(tokens), seq_len, max_tokens)
    return eval_val(model, windows, 2, torch.device("cpu"), train_gpt.contextlib.nullcontext, 260)


def test_a_uniform_model_scores_log2_260_bits_per_byte_when_every_target_is_a_byte():
    tokens = [4 + (i * 7) % 256 for i in range(129)]  # bytes only, no BOS
    val_loss, val_bpb = evaluate(Uniform(260), tokens, seq_len=16)
    assert math.isclose(val_loss, math.log(260), rel_tol=1e-6)
    assert math.isclose(val_bpb, math.log2(260), rel_tol=1e-6)


def test_a_bos_target_costs_nats_but_counts_zero_bytes():
    # Two documents [BOS, 10, 11, 12] [BOS, 20, 21, 22, 23]; seq_len 4 gives two windows whose
    # targets are [10, 11, 12, BOS] and [20, 21, 22, 23]: 8 scored targets, 7 bytes of text.
    tokens = [1, 10, 11, 12, 1, 20, 21, 22, 23]
    val_loss, val_bpb = evaluate(Uniform(260), tokens, seq_len=4)
    assert math.isclose(val_loss, math.log(260), rel_tol=1e-6)
    assert math.isclose(val_bpb, 8 * math.log(260) / math.log(2) / 7, rel_tol=1e-6)


def test_a_model_that_is_certain_of_every_next_token_scores_zero():
    next_id = torch.arange(260) + 1
    next_id[259] = 1  # after the last byte comes BOS
    next_id[1] = 4  # after BOS comes byte 0
    stream = [1] + list(range(4, 260))
    tokens = (stream * 3)[:700]
    val_loss, val_bpb = evaluate(Certain(next_id, 260), tokens, seq_len=32)
    assert 0 <= val_loss < 1e-9
    assert 0 <= val_bpb < 1e-9


def test_the_val_cap_keeps_evenly_spread_whole_windows():
    tokens = torch.arange(1001)
    windows = select_val_windows(tokens, seq_len=10, max_tokens=30)
    assert windows.shape == (3, 11)
    assert windows[:, 0].tolist() == [0, 330, 660]  # windows 0, 33 and 66 of 100
    assert torch.equal(windows[1], torch.arange(330, 341))


def test_without_a_cap_every_full_window_is_scored_once():
    windows = select_val_windows(torch.arange(45), seq_len=10, max_tokens=10**9)
    assert windows[:, 0].tolist() == [0, 10, 20, 30]
    assert windows[-1, -1].item() == 40
