"""golf_mini: a CPU-sized Parameter Golf course in one file.

Trains a small byte-level GPT on challenge-format shards, then packs it the way the challenge
counts it: int8 weights + zlib, plus the UTF-8 bytes of this file. It prints the same log keys as
openai/parameter-golf's root train_gpt.py, so the same parser reads both.

Run: python train_gpt.py   (settings come from environment variables, see the block below)
Data: python prepare.py --out DIR --txt-dir DIR   (then DATA_PATH=DIR)
"""

import contextlib
import glob
import io
import math
import os
import random
import sys
import time
import uuid
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------
# Settings
# One setting per line, always `NAME = type(os.environ.get("NAME", default))  # comment`:
# a sweep tool rewrites the default in place, so keep that shape.
# ---------------------------------------------------------------------------
DATA_PATH = str(os.environ.get("DATA_PATH", "./data/datasets/sotu_byte260"))  # dir with fineweb_{train,val}_*.bin
RUN_ID = str(os.environ.get("RUN_ID", ""))  # log name under logs/; empty = random
SEED = int(os.environ.get("SEED", 1337))  # python, numpy and torch seeds
VOCAB_SIZE = int(os.environ.get("VOCAB_SIZE", 260))  # byte layout: 0-3 specials (BOS=1), byte b -> b+4
MODEL_DIM = int(os.environ.get("MODEL_DIM", 128))  # residual width
NUM_LAYERS = int(os.environ.get("NUM_LAYERS", 4))  # transformer blocks
NUM_HEADS = int(os.environ.get("NUM_HEADS", 4))  # attention heads; MODEL_DIM/NUM_HEADS must be even
MLP_MULT = int(os.environ.get("MLP_MULT", 4))  # MLP hidden width = MLP_MULT * MODEL_DIM
TRAIN_SEQ_LEN = int(os.environ.get("TRAIN_SEQ_LEN", 128))  # context length in tokens (train and eval)
TRAIN_BATCH_TOKENS = int(os.environ.get("TRAIN_BATCH_TOKENS", 1024))  # tokens per optimizer step
ITERATIONS = int(os.environ.get("ITERATIONS", 20000))  # max optimizer steps
WARMUP_ITERS = int(os.environ.get("WARMUP_ITERS", 10))  # linear LR warm-up steps (the real script has none)
WARMDOWN_ITERS = int(os.environ.get("WARMDOWN_ITERS", 200))  # linear LR decay to 0, in steps (time-based under a cap)
MATRIX_LR = float(os.environ.get("MATRIX_LR", 0.006))  # AdamW LR for block weight matrices
EMBED_LR = float(os.environ.get("EMBED_LR", 0.006))  # AdamW LR for the tied embedding / output head
BETA1 = float(os.environ.get("BETA1", 0.9))  # AdamW beta1
BETA2 = float(os.environ.get("BETA2", 0.95))  # AdamW beta2
WEIGHT_DECAY = float(os.environ.get("WEIGHT_DECAY", 0.0))  # decoupled weight decay on block matrices
GRAD_CLIP_NORM = float(os.environ.get("GRAD_CLIP_NORM", 1.0))  # max global grad norm; 0 = off
VAL_LOSS_EVERY = int(os.environ.get("VAL_LOSS_EVERY", 500))  # eval cadence in steps (and at step 0); 0 = final only
TRAIN_LOG_EVERY = int(os.environ.get("TRAIN_LOG_EVERY", 25))  # train_loss line cadence (steps 1-10 always)
VAL_MAX_TOKENS = int(os.environ.get("VAL_MAX_TOKENS", 16384))  # scored val tokens cap, windows spread over the split
VAL_BATCH_TOKENS = int(os.environ.get("VAL_BATCH_TOKENS", 8192))  # tokens per eval forward pass
MAX_WALLCLOCK_SECONDS = float(os.environ.get("MAX_WALLCLOCK_SECONDS", 60.0))  # training-loop time cap; 0 = none
TORCH_THREADS = int(os.environ.get("TORCH_THREADS", 1))  # CPU threads; 1 beat 2 on a shared 2-core box
# ---------------------------------------------------------------------------

SHARD_MAGIC = 20240520
SHARD_VERSION = 1
SHARD_HEADER_INTS = 256
BOS_ID = 1
BYTE_OFFSET = 4  # byte b is token b + 4; ids below are specials and stand for no text
MODEL_FILE = "final_model.int8.ptz"


def check_settings():
    """Reject settings that would fail later or train garbage, naming the variable to fix."""
    positive = {
        "VOCAB_SIZE": VOCAB_SIZE, "MODEL_DIM": MODEL_DIM, "NUM_LAYERS": NUM_LAYERS,
        "NUM_HEADS": NUM_HEADS, "MLP_MULT": MLP_MULT, "TRAIN_SEQ_LEN": TRAIN_SEQ_LEN,
        "TRAIN_BATCH_TOKENS": TRAIN_BATCH_TOKENS, "ITERATIONS": ITERATIONS,
        "VAL_MAX_TOKENS": VAL_MAX_TOKENS, "VAL_BATCH_TOKENS": VAL_BATCH_TOKENS,
        "TORCH_THREADS": TORCH_THREADS,
    }
    for name, value in positive.items():
        if value <= 0:
            raise ValueError(f"{name} must be > 0, got {value}")
    non_negative = {
        "WARMUP_ITERS": WARMUP_ITERS, "WARMDOWN_ITERS": WARMDOWN_ITERS, "WEIGHT_DECAY": WEIGHT_DECAY,
        "GRAD_CLIP_NORM": GRAD_CLIP_NORM, "VAL_LOSS_EVERY": VAL_LOSS_EVERY,
        "TRAIN_LOG_EVERY": TRAIN_LOG_EVERY, "MAX_WALLCLOCK_SECONDS": MAX_WALLCLOCK_SECONDS,
    }
    for name, value in non_negative.items():
        if not value >= 0 or not math.isfinite(value):  # `not >=` also catches NaN
            raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    for name, value in {"MATRIX_LR": MATRIX_LR, "EMBED_LR": EMBED_LR}.items():
        if not value > 0 or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number > 0, got {value}")
    for name, value in {"BETA1": BETA1, "BETA2": BETA2}.items():
        if not 0 <= value < 1:
            raise ValueError(f"{name} must be in [0, 1), got {value}")
    if MODEL_DIM % NUM_HEADS != 0:
        raise ValueError(f"MODEL_DIM ({MODEL_DIM}) must be divisible by NUM_HEADS ({NUM_HEADS})")
    if (MODEL_DIM // NUM_HEADS) % 2 != 0:
        raise ValueError(f"head dim MODEL_DIM/NUM_HEADS = {MODEL_DIM // NUM_HEADS} must be even (rotary embedding)")
    if TRAIN_BATCH_TOKENS % TRAIN_SEQ_LEN != 0:
        raise ValueError(f"TRAIN_BATCH_TOKENS ({TRAIN_BATCH_TOKENS}) must be a multiple of TRAIN_SEQ_LEN ({TRAIN_SEQ_LEN})")
    if VAL_MAX_TOKENS < TRAIN_SEQ_LEN or VAL_BATCH_TOKENS < TRAIN_SEQ_LEN:
        raise ValueError(f"VAL_MAX_TOKENS and VAL_BATCH_TOKENS must be >= TRAIN_SEQ_LEN ({TRAIN_SEQ_LEN})")
    if VOCAB_SIZE < BYTE_OFFSET + 256:
        raise ValueError(f"VOCAB_SIZE must be >= {BYTE_OFFSET + 256} for the byte layout, got {VOCAB_SIZE}")


# ---------------------------------------------------------------------------
# Data: challenge shards = 256 x int32 LE header [magic, version, ntokens, 0...], then ntokens x uint16 LE
# ---------------------------------------------------------------------------


def load_data_shard(path):
    """Read one shard, checking magic, version and exact file size so a bad file fails here, loudly."""
    header_bytes = SHARD_HEADER_INTS * 4
    size = os.path.getsize(path)
    if size < header_bytes:
        raise ValueError(f"{path}: {size} bytes is shorter than the {header_bytes}-byte shard header")
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(header_bytes), dtype="<i4")
        if header[0] != SHARD_MAGIC:
            raise ValueError(f"{path}: bad magic {header[0]} (expected {SHARD_MAGIC}); not a challenge shard")
        if header[1] != SHARD_VERSION:
            raise ValueError(f"{path}: unsupported shard version {header[1]} (expected {SHARD_VERSION})")
        ntok = int(header[2])
        expected = header_bytes + 2 * ntok
        if ntok < 0 or size != expected:
            raise ValueError(f"{path}: file is {size} bytes but its header says {ntok} tokens ({expected} bytes)")
        tokens = np.frombuffer(f.read(), dtype="<u2")
    return torch.from_numpy(tokens.astype(np.int64))


def find_shards(pattern):
    files = sorted(glob.glob(pattern))
    if not files:
        raise FileNotFoundError(f"no shards match {pattern}; build them with prepare.py and set DATA_PATH")
    return files


class TrainStream:
    """Shards in sorted order as one endless token stream; each batch is the next contiguous chunk."""

    def __init__(self, files):
        self.files = files
        self.file_idx = 0
        self.tokens = load_data_shard(files[0])
        self.pos = 0

    def take(self, n):
        parts = []
        while n > 0:
            if self.pos >= self.tokens.numel():
                self.file_idx = (self.file_idx + 1) % len(self.files)
                self.tokens = load_data_shard(self.files[self.file_idx])
                self.pos = 0
            chunk = self.tokens[self.pos : self.pos + n]
            parts.append(chunk)
            self.pos += chunk.numel()
            n -= chunk.numel()
        return torch.cat(parts)

    def next_batch(self, batch_tokens, seq_len, device):
        chunk = self.take(batch_tokens + 1)  # +1 so the last input still has a target
        x = chunk[:-1].reshape(-1, seq_len)
        y = chunk[1:].reshape(-1, seq_len)
        return x.to(device, non_blocking=True), y.to(device, non_blocking=True)


def select_val_windows(tokens, seq_len, max_tokens):
    """Cut the val stream into seq_len windows (+1 target token each) and keep at most max_tokens of them,
    spread evenly over the split so a small cap still samples every part of it. Deterministic."""
    total = (tokens.numel() - 1) // seq_len
    if total < 1:
        raise ValueError(f"val split has {tokens.numel()} tokens, fewer than TRAIN_SEQ_LEN + 1 = {seq_len + 1}")
    keep = min(total, max(max_tokens // seq_len, 1))
    picks = (torch.arange(keep) * total) // keep
    starts = picks * seq_len
    offsets = torch.arange(seq_len + 1)
    return tokens[starts[:, None] + offsets[None, :]]


def token_byte_counts(vocab_size):
    """Bytes of text each token id stands for: 1 for a byte token, 0 for specials such as BOS."""
    counts = torch.zeros(vocab_size, dtype=torch.float64)
    counts[BYTE_OFFSET : BYTE_OFFSET + 256] = 1.0
    return counts


# ---------------------------------------------------------------------------
# Model: token embedding, pre-norm blocks (causal self-attention with rotary positions, relu^2 MLP),
# output head tied to the embedding
# ---------------------------------------------------------------------------

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")  # PyTorch >= 2.0; 1.13 needs the manual path


def rms_norm(x, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def rotary_tables(seq_len, head_dim, device, base=10000.0):
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, device=device, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(seq_len, device=device, dtype=torch.float32), inv_freq)
    return angles.cos()[None, None], angles.sin()[None, None]


def apply_rotary(x, cos, sin):
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat((x1 * cos + x2 * sin, x2 * cos - x1 * sin), dim=-1)


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.proj = nn.Linear(dim, dim, bias=False)
        nn.init.zeros_(self.proj.weight)  # each block starts as the identity, which steadies early steps

    def forward(self, x, cos, sin):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q = apply_rotary(rms_norm(q), cos, sin).to(v.dtype)  # q/k norm keeps attention logits in range
        k = apply_rotary(rms_norm(k), cos, sin).to(v.dtype)
        if HAS_SDPA:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
            y = scores.masked_fill(mask, float("-inf")).softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class MLP(nn.Module):
    def __init__(self, dim, mult):
        super().__init__()
        self.fc = nn.Linear(dim, mult * dim, bias=False)
        self.proj = nn.Linear(mult * dim, dim, bias=False)
        nn.init.zeros_(self.proj.weight)

    def forward(self, x):
        return self.proj(F.relu(self.fc(x)).square())


class Block(nn.Module):
    def __init__(self, dim, num_heads, mlp_mult):
        super().__init__()
        self.attn = CausalSelfAttention(dim, num_heads)
        self.mlp = MLP(dim, mlp_mult)

    def forward(self, x, cos, sin):
        x = x + self.attn(rms_norm(x), cos, sin)
        return x + self.mlp(rms_norm(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, dim, num_layers, num_heads, mlp_mult):
        super().__init__()
        self.head_dim = dim // num_heads
        self.tok_emb = nn.Embedding(vocab_size, dim)
        nn.init.normal_(self.tok_emb.weight, std=0.02)
        self.blocks = nn.ModuleList([Block(dim, num_heads, mlp_mult) for _ in range(num_layers)])

    def forward(self, idx, targets=None):
        """Logits (B, T, vocab) without targets; mean cross-entropy in nats with them."""
        cos, sin = rotary_tables(idx.shape[1], self.head_dim, idx.device)
        x = rms_norm(self.tok_emb(idx))
        for block in self.blocks:
            x = block(x, cos, sin)
        logits = F.linear(rms_norm(x), self.tok_emb.weight).float()  # tied head
        if targets is None:
            return logits
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))


# ---------------------------------------------------------------------------
# Eval: val_loss = mean nats per scored target token; val_bpb = total nats / ln 2 / total text bytes
# ---------------------------------------------------------------------------


@torch.no_grad()
def eval_val(model, windows, batch_seqs, device, autocast, vocab_size):
    """Score every target of every window. Returns (val_loss, val_bpb).

    A target byte token counts 1 byte and a special token (BOS) 0, as the challenge counts bytes of the
    original text; predicting BOS still costs nats. Sums are kept in float64."""
    was_training = model.training
    model.eval()
    byte_counts = token_byte_counts(vocab_size).to(device)
    total_nats = torch.zeros((), dtype=torch.float64, device=device)
    total_bytes = torch.zeros((), dtype=torch.float64, device=device)
    total_tokens = 0
    for i in range(0, windows.shape[0], batch_seqs):
        batch = windows[i : i + batch_seqs].to(device)
        x, y = batch[:, :-1], batch[:, 1:]
        with autocast():
            logits = model(x)
        nats = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
        total_nats += nats.double()
        total_bytes += byte_counts[y].sum()
        total_tokens += y.numel()
    model.train(was_training)
    nats, nbytes = total_nats.item(), total_bytes.item()
    if nbytes == 0:
        raise ValueError("the scored val windows contain no byte tokens; val_bpb is undefined")
    return nats / total_tokens, nats / math.log(2) / nbytes


# ---------------------------------------------------------------------------
# Quantization: 2-D float weights -> int8 per row with fp16 scales; other/small float tensors -> fp16;
# torch.save to bytes, then zlib level 9. This is the model part of the artifact.
# ---------------------------------------------------------------------------

INT8_MIN_NUMEL = 4096  # 2-D tensors at or below this many elements are cheaper to keep in fp16


def quantize_state_dict_int8(state_dict):
    quantized, scales, passthrough, dtypes = {}, {}, {}, {}
    for name, tensor in state_dict.items():
        t = tensor.detach().cpu()
        dtypes[name] = str(t.dtype).removeprefix("torch.")
        if not t.is_floating_point():
            passthrough[name] = t.clone()
        elif t.ndim == 2 and t.numel() > INT8_MIN_NUMEL:
            t = t.float()
            # Round the scale to fp16 first and quantize against the stored value, so dequantization
            # reproduces exactly what was rounded (error <= scale/2, plus clamping by fp16 rounding).
            scale = (t.abs().amax(dim=1) / 127.0).clamp_min(1e-7).half()
            q = torch.round(t / scale.float()[:, None]).clamp_(-127, 127).to(torch.int8)
            quantized[name], scales[name] = q.contiguous(), scale.contiguous()
        else:
            passthrough[name] = t.half().contiguous()
    return {"format": "int8_per_row_v1", "quantized": quantized, "scales": scales,
            "passthrough": passthrough, "dtypes": dtypes}


def dequantize_state_dict_int8(obj):
    out = {}
    for name, dtype_name in obj["dtypes"].items():
        dtype = getattr(torch, dtype_name)
        if name in obj["quantized"]:
            q, scale = obj["quantized"][name], obj["scales"][name]
            out[name] = (q.float() * scale.float()[:, None]).to(dtype)
        else:
            out[name] = obj["passthrough"][name].to(dtype)
    return out


def serialize_int8_zlib(state_dict):
    """Returns (compressed bytes, stats) for the quantized state dict."""
    obj = quantize_state_dict_int8(state_dict)
    buf = io.BytesIO()
    torch.save(obj, buf)
    raw = buf.getvalue()
    payload = sum(t.numel() * t.element_size() for part in ("quantized", "scales", "passthrough")
                  for t in obj[part].values())
    return zlib.compress(raw, level=9), {"payload": payload, "raw_torch": len(raw)}


def deserialize_int8_zlib(blob):
    obj = torch.load(io.BytesIO(zlib.decompress(blob)), map_location="cpu")
    return dequantize_state_dict_int8(obj)


def caddie_model(model_path, device):
    """caddie's scoring contract (docs/SCORING.md): the saved model as a function from input ids [B, T] to
    logits [B, T, vocab], and the context length it was trained for. caddie scores the logits itself."""
    model = GPT(VOCAB_SIZE, MODEL_DIM, NUM_LAYERS, NUM_HEADS, MLP_MULT).to(device)
    with open(model_path, "rb") as f:
        model.load_state_dict(deserialize_int8_zlib(f.read()))
    model.eval()
    cuda = torch.device(device).type == "cuda"

    def logits(ids):
        autocast = torch.autocast(device_type="cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext()
        with torch.no_grad(), autocast:  # as eval_val runs it
            return model(ids)

    return {"logits": logits, "context_len": TRAIN_SEQ_LEN, "dtype": "bfloat16" if cuda else "float32"}


# ---------------------------------------------------------------------------
# Training loop
# ---------------------------------------------------------------------------


def lr_multiplier(step, elapsed_ms, max_wallclock_ms):
    """Linear warm-up, flat, then linear warm-down to 0. Under a wallclock cap the warm-down is timed
    like the real script: it starts when the time left is less than WARMDOWN_ITERS average steps."""
    warm = min((step + 1) / WARMUP_ITERS, 1.0) if WARMUP_ITERS > 0 else 1.0
    if WARMDOWN_ITERS <= 0:
        return warm
    if max_wallclock_ms is None:
        left_steps = ITERATIONS - step
        return warm * min(left_steps / WARMDOWN_ITERS, 1.0)
    step_ms = elapsed_ms / max(step, 1)
    left_ms = max(max_wallclock_ms - elapsed_ms, 0.0)
    return warm * min(left_ms / max(WARMDOWN_ITERS * step_ms, 1e-9), 1.0)


def peak_memory_mib(device):
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() // 2**20, torch.cuda.max_memory_reserved() // 2**20
    import resource  # Unix only; on CPU the process peak RSS stands in for allocator stats

    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # Linux reports KiB
    return rss_mib, rss_mib


def make_logger(run_id):
    os.makedirs("logs", exist_ok=True)
    path = os.path.join("logs", f"{run_id}.txt")

    def log(msg, console=True):
        if console:
            print(msg, flush=True)  # progress is read live by the runner
        with open(path, "a", encoding="utf-8") as f:
            f.write(msg + "\n")

    return path, log


def main():
    check_settings()
    wall_start = time.perf_counter()
    code = open(__file__, encoding="utf-8").read()
    run_id = RUN_ID or str(uuid.uuid4())
    log_path, log = make_logger(run_id)
    print(log_path, flush=True)
    log(code, console=False)
    log("=" * 100, console=False)
    log(f"Running Python {sys.version.split()[0]}", console=False)
    log(f"Running PyTorch {torch.__version__}", console=False)

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

        def autocast():
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    else:
        torch.set_num_threads(TORCH_THREADS)
        autocast = contextlib.nullcontext

    # Data.
    train_files = find_shards(os.path.join(DATA_PATH, "fineweb_train_*.bin"))
    val_pattern = os.path.join(DATA_PATH, "fineweb_val_*.bin")
    val_tokens = torch.cat([load_data_shard(f) for f in find_shards(val_pattern)])
    if int(val_tokens.max()) >= VOCAB_SIZE:
        raise ValueError(f"val shards hold token id {int(val_tokens.max())} >= VOCAB_SIZE ({VOCAB_SIZE})")
    val_windows = select_val_windows(val_tokens, TRAIN_SEQ_LEN, VAL_MAX_TOKENS)
    stream = TrainStream(train_files)
    log(f"val_bpb:enabled tokenizer_kind=byte{VOCAB_SIZE} bos_id:{BOS_ID} byte_offset:{BYTE_OFFSET}")
    log(f"train_loader:dataset:{os.path.basename(os.path.normpath(DATA_PATH))} train_shards:{len(train_files)}")
    log(f"val_loader:shards pattern={val_pattern} tokens:{val_tokens.numel()} "
        f"scored_tokens:{val_windows.shape[0] * TRAIN_SEQ_LEN}")

    # Model and optimizer.
    model = GPT(VOCAB_SIZE, MODEL_DIM, NUM_LAYERS, NUM_HEADS, MLP_MULT).to(device)
    matrices = [p for n, p in model.named_parameters() if p.ndim == 2 and not n.startswith("tok_emb")]
    groups = [
        {"params": [model.tok_emb.weight], "lr": EMBED_LR, "base_lr": EMBED_LR, "weight_decay": 0.0},
        {"params": matrices, "lr": MATRIX_LR, "base_lr": MATRIX_LR, "weight_decay": WEIGHT_DECAY},
    ]
    optimizer = torch.optim.AdamW(groups, betas=(BETA1, BETA2), eps=1e-8)
    log(f"model_params:{sum(p.numel() for p in model.parameters())}")
    log("world_size:1 grad_accum_steps:1")
    log(f"device:{device.type} torch_threads:{torch.get_num_threads()} attention:{'sdpa' if HAS_SDPA else 'manual'}")
    log(f"model_dim:{MODEL_DIM} num_layers:{NUM_LAYERS} num_heads:{NUM_HEADS} mlp_mult:{MLP_MULT}")
    log(f"tie_embeddings:True embed_lr:{EMBED_LR} matrix_lr:{MATRIX_LR} weight_decay:{WEIGHT_DECAY} "
        f"grad_clip_norm:{GRAD_CLIP_NORM}")
    log(f"train_batch_tokens:{TRAIN_BATCH_TOKENS} train_seq_len:{TRAIN_SEQ_LEN} iterations:{ITERATIONS} "
        f"warmup_iters:{WARMUP_ITERS} warmdown_iters:{WARMDOWN_ITERS} max_wallclock_seconds:{MAX_WALLCLOCK_SECONDS:.3f}")
    log(f"seed:{SEED}")

    def validate():
        return eval_val(model, val_windows, max(VAL_BATCH_TOKENS // TRAIN_SEQ_LEN, 1), device, autocast, VOCAB_SIZE)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    # The clock counts only training steps: it is paused while validating, like the real script.
    max_wallclock_ms = 1000.0 * MAX_WALLCLOCK_SECONDS if MAX_WALLCLOCK_SECONDS > 0 else None
    train_ms = 0.0
    stop_after_step = None
    step = 0
    sync()
    t0 = time.perf_counter()
    while True:
        last_step = step == ITERATIONS or (stop_after_step is not None and step >= stop_after_step)
        if last_step or (VAL_LOSS_EVERY > 0 and step % VAL_LOSS_EVERY == 0):
            sync()
            train_ms += 1000.0 * (time.perf_counter() - t0)
            val_loss, val_bpb = validate()
            log(f"step:{step}/{ITERATIONS} val_loss:{val_loss:.4f} val_bpb:{val_bpb:.4f} "
                f"train_time:{train_ms:.0f}ms step_avg:{train_ms / max(step, 1):.2f}ms")
            sync()
            t0 = time.perf_counter()
        if last_step:
            if stop_after_step is not None and step < ITERATIONS:
                log(f"stopping_early: wallclock_cap train_time:{train_ms:.0f}ms step:{step}/{ITERATIONS}")
            break

        elapsed_ms = train_ms + 1000.0 * (time.perf_counter() - t0)
        mult = lr_multiplier(step, elapsed_ms, max_wallclock_ms)
        for group in optimizer.param_groups:
            group["lr"] = group["base_lr"] * mult
        x, y = stream.next_batch(TRAIN_BATCH_TOKENS, TRAIN_SEQ_LEN, device)
        with autocast():
            loss = model(x, y)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            log(f"error: non-finite train_loss {loss_value} at step:{step + 1}/{ITERATIONS}; lower MATRIX_LR/EMBED_LR")
            sys.exit(1)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if GRAD_CLIP_NORM > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP_NORM)
        optimizer.step()
        step += 1

        approx_ms = train_ms + 1000.0 * (time.perf_counter() - t0)
        if TRAIN_LOG_EVERY > 0 and (step <= 10 or step % TRAIN_LOG_EVERY == 0):
            log(f"step:{step}/{ITERATIONS} train_loss:{loss_value:.4f} "
                f"train_time:{approx_ms:.0f}ms step_avg:{approx_ms / step:.2f}ms")
        if stop_after_step is None and max_wallclock_ms is not None and approx_ms >= max_wallclock_ms:
            stop_after_step = step

    # -----------------------------------------------------------------------
    # Summary: sizes of the artifact, then the score of the model as shipped (int8 + zlib round trip)
    # -----------------------------------------------------------------------
    allocated, reserved = peak_memory_mib(device)
    log(f"peak memory allocated: {allocated} MiB reserved: {reserved} MiB")
    state_dict = model.state_dict()
    raw_buf = io.BytesIO()
    torch.save(state_dict, raw_buf)
    code_bytes = len(code.encode("utf-8"))
    log(f"Serialized model: {len(raw_buf.getvalue())} bytes")
    log(f"Code size: {code_bytes} bytes")
    log(f"Total submission size: {len(raw_buf.getvalue()) + code_bytes} bytes")

    blob, stats = serialize_int8_zlib(state_dict)
    tmp_path = MODEL_FILE + ".tmp"
    with open(tmp_path, "wb") as f:
        f.write(blob)
    os.replace(tmp_path, MODEL_FILE)
    model_bytes = os.path.getsize(MODEL_FILE)
    log(f"Serialized model int8+zlib: {model_bytes} bytes (payload:{stats['payload']} raw_torch:{stats['raw_torch']} "
        f"payload_ratio:{sum(t.numel() * 4 for t in state_dict.values()) / stats['payload']:.2f}x)")
    log(f"Total submission size int8+zlib: {model_bytes + code_bytes} bytes")

    with open(MODEL_FILE, "rb") as f:
        model.load_state_dict(deserialize_int8_zlib(f.read()))
    sync()
    t_eval = time.perf_counter()
    q_loss, q_bpb = validate()
    sync()
    log(f"final_int8_zlib_roundtrip val_loss:{q_loss:.4f} val_bpb:{q_bpb:.4f} "
        f"eval_time:{1000.0 * (time.perf_counter() - t_eval):.0f}ms")
    log(f"final_int8_zlib_roundtrip_exact val_loss:{q_loss:.8f} val_bpb:{q_bpb:.8f}")
    log(f"total_wall_time:{time.perf_counter() - wall_start:.1f}s", console=False)


if __name__ == "__main__":
    main()
