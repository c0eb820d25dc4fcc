"""Reference implementations of torch functions that parameter-golf scripts call and older torch lacks
(Debian's torch 1.13 has no F.rms_norm and no F.scaled_dot_product_attention; enable_gqa came in 2.5).
Installed in the model host only, and only where torch does not have them, so the same script runs on the
CPU here as on a GPU box with torch 2.x. Never used by the trusted side."""

import math

import torch
import torch.nn.functional as F


def rms_norm(x, normalized_shape, weight=None, eps=None):
    dims = tuple(range(-len(normalized_shape), 0))
    eps = torch.finfo(x.dtype).eps if eps is None else eps
    y = x * torch.rsqrt(x.pow(2).mean(dim=dims, keepdim=True) + eps)
    return y * weight if weight is not None else y


def sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    if dropout_p:
        raise NotImplementedError("caddie's reference attention does not do dropout (evaluation only)")
    if enable_gqa and key.size(-3) != query.size(-3):
        repeat = query.size(-3) // key.size(-3)
        key, value = key.repeat_interleave(repeat, dim=-3), value.repeat_interleave(repeat, dim=-3)
    scale = 1.0 / math.sqrt(query.size(-1)) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale
    t, s = query.size(-2), key.size(-2)
    if is_causal:
        mask = torch.ones(t, s, dtype=torch.bool, device=query.device).tril()
        scores = scores.masked_fill(~mask, float("-inf"))
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else scores + attn_mask
    return scores.softmax(dim=-1) @ value


def sdpa_takes_gqa(fn):
    q = torch.zeros(1, 2, 1, 2)
    kv = torch.zeros(1, 1, 1, 2)
    try:
        fn(q, kv, kv, enable_gqa=True)
        return True
    except TypeError:
        return False


def install():
    """Adds what is missing; returns the names it added (the host reports them)."""
    added = []
    if not hasattr(F, "rms_norm"):
        F.rms_norm = rms_norm
        added.append("rms_norm")
    native = getattr(F, "scaled_dot_product_attention", None)
    if native is None:
        F.scaled_dot_product_attention = sdpa
        added.append("scaled_dot_product_attention")
    elif not sdpa_takes_gqa(native):
        def with_gqa(query, key, value, *args, enable_gqa=False, **kwargs):
            if enable_gqa and key.size(-3) != query.size(-3):
                repeat = query.size(-3) // key.size(-3)
                key, value = key.repeat_interleave(repeat, dim=-3), value.repeat_interleave(repeat, dim=-3)
            return native(query, key, value, *args, **kwargs)

        F.scaled_dot_product_attention = with_gqa
        added.append("scaled_dot_product_attention(enable_gqa)")
    return added
