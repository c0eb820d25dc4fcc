"""A tiny script shaped like openai/parameter-golf's root train_gpt.py (written here, for tests on a fresh
clone): settings in a Hyperparameters class read from the environment, a GPT whose forward returns the loss
through F.cross_entropy, an int8 + zlib round trip with dequantize_state_dict_int8, and main() guarded by
__main__. It uses F.rms_norm and grouped-query F.scaled_dot_product_attention like the real script, so on an
old torch it also exercises the model host's reference implementations. No caddie_model(): caddie's adapter
must drive it."""

import glob
import io
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Hyperparameters:
    data_path = os.environ.get("DATA_PATH", "./data")
    vocab_size = int(os.environ.get("VOCAB_SIZE", 260))
    num_layers = int(os.environ.get("NUM_LAYERS", 2))
    model_dim = int(os.environ.get("MODEL_DIM", 32))
    num_heads = int(os.environ.get("NUM_HEADS", 4))
    num_kv_heads = int(os.environ.get("NUM_KV_HEADS", 2))
    logit_softcap = float(os.environ.get("LOGIT_SOFTCAP", 30.0))
    train_seq_len = int(os.environ.get("TRAIN_SEQ_LEN", 32))
    iterations = int(os.environ.get("ITERATIONS", 20))
    seed = int(os.environ.get("SEED", 1337))


class CastedLinear(nn.Linear):
    def forward(self, x):
        return F.linear(x, self.weight.to(x.dtype))


class Rotary(nn.Module):
    """As in the real script: positions are arange() in the inv_freq buffer's dtype, so the dtype main()
    leaves the model in changes the angles past position 256 (bf16)."""

    def __init__(self, dim):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / (10000.0 ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim)), persistent=False)

    def forward(self, x):
        t = torch.arange(x.size(-2), dtype=self.inv_freq.dtype)
        freqs = torch.outer(t, self.inv_freq)
        cos, sin = freqs.cos().to(x.dtype), freqs.sin().to(x.dtype)
        a, b = x[..., : x.size(-1) // 2], x[..., x.size(-1) // 2 :]
        return torch.cat((a * cos + b * sin, b * cos - a * sin), dim=-1)


class Block(nn.Module):
    def __init__(self, dim, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads, self.num_kv_heads, self.head_dim = num_heads, num_kv_heads, dim // num_heads
        self.q = CastedLinear(dim, dim, bias=False)
        self.kv = CastedLinear(dim, 2 * num_kv_heads * self.head_dim, bias=False)
        self.proj = CastedLinear(dim, dim, bias=False)
        self.mlp = nn.Sequential(CastedLinear(dim, 2 * dim, bias=False), nn.ReLU(), CastedLinear(2 * dim, dim, bias=False))
        self.attn_scale = nn.Parameter(torch.ones(dim))
        self.rotary = Rotary(self.head_dim)

    def forward(self, x):
        b, t, d = x.shape
        h = F.rms_norm(x, (d,))
        q = self.q(h).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
        k, v = self.kv(h).view(b, t, 2, self.num_kv_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k = self.rotary(q), self.rotary(k)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=self.num_kv_heads != self.num_heads)
        x = x + self.attn_scale * self.proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(F.rms_norm(x, (d,)))


class GPT(nn.Module):
    def __init__(self, vocab_size, num_layers, model_dim, num_heads, num_kv_heads, logit_softcap):
        super().__init__()
        self.logit_softcap = logit_softcap
        self.tok_emb = nn.Embedding(vocab_size, model_dim)
        self.blocks = nn.ModuleList([Block(model_dim, num_heads, num_kv_heads) for _ in range(num_layers)])

    def forward(self, input_ids, target_ids):
        x = F.rms_norm(self.tok_emb(input_ids), (self.tok_emb.embedding_dim,))
        for block in self.blocks:
            x = block(x)
        x = F.rms_norm(x, (x.size(-1),)).reshape(-1, x.size(-1))
        logits = self.logit_softcap * torch.tanh(F.linear(x, self.tok_emb.weight.to(x.dtype)) / self.logit_softcap)
        return F.cross_entropy(logits.float(), target_ids.reshape(-1), reduction="mean")


def quantize_state_dict_int8(state_dict):
    quantized, scales, dtypes, passthrough = {}, {}, {}, {}
    for name, t in state_dict.items():
        t = t.detach().cpu()
        if t.is_floating_point() and t.ndim == 2:
            scale = (t.float().abs().amax(dim=1) / 127.0).clamp_min(1e-8)
            quantized[name] = torch.round(t.float() / scale[:, None]).clamp(-127, 127).to(torch.int8)
            scales[name], dtypes[name] = scale.half(), str(t.dtype).removeprefix("torch.")
        else:
            passthrough[name] = t
    return {"quantized": quantized, "scales": scales, "dtypes": dtypes, "passthrough": passthrough}


def dequantize_state_dict_int8(obj):
    out = {name: (q.float() * obj["scales"][name].float()[:, None]).to(getattr(torch, obj["dtypes"][name]))
           for name, q in obj["quantized"].items()}
    out.update(obj["passthrough"])
    return out


def restore_low_dim_params_to_fp32(module):
    for name, param in module.named_parameters():
        if param.ndim < 2 or "scale" in name:
            param.data = param.data.float()


def make_model(args):
    """As the real script's main() prepares it: all bf16 (buffers too), CastedLinear and control tensors fp32."""
    model = GPT(args.vocab_size, args.num_layers, args.model_dim, args.num_heads, args.num_kv_heads, args.logit_softcap)
    model.bfloat16()
    for sub in model.modules():
        if isinstance(sub, CastedLinear):
            sub.float()
    restore_low_dim_params_to_fp32(model)
    return model


def main():
    args = Hyperparameters()
    torch.manual_seed(args.seed)
    files = sorted(glob.glob(os.path.join(args.data_path, "fineweb_train_*.bin")))
    tokens = torch.from_numpy(np.fromfile(files[0], dtype="<u2", offset=1024).astype(np.int64))
    model = make_model(args)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(args.iterations):
        start = (step * 4 * args.train_seq_len) % (len(tokens) - 4 * args.train_seq_len - 1)
        chunk = tokens[start : start + 4 * args.train_seq_len + 1]
        loss = model(chunk[:-1].view(4, -1), chunk[1:].view(4, -1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"step:{step + 1}/{args.iterations} train_loss:{loss.item():.4f}")
    buf = io.BytesIO()
    torch.save(quantize_state_dict_int8(model.state_dict()), buf)
    with open("final_model.int8.ptz", "wb") as f:
        f.write(zlib.compress(buf.getvalue(), level=9))


if __name__ == "__main__":
    main()
