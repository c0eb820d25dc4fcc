"""caddie's adapter for openai/parameter-golf's root train_gpt.py family, used by the model host when a
script has no caddie_model() but has the family's shape: `Hyperparameters` (settings from environment
variables), `GPT` (whose forward(input_ids, target_ids) returns the loss) and `dequantize_state_dict_int8`
(the int8 + zlib round trip).

The model is built with the script's own GPT from the script's own Hyperparameters (so the host must get
the run's model-shape variables) and prepared the way the family's main() prepares it before training and
evaluation: `.bfloat16()` (buffers included: the rotary tables take their positions in bf16), CastedLinear
back to fp32, `restore_low_dim_params_to_fp32`. A script without those helpers gets each tensor in the
dtype it was saved with. The saved file goes through the script's own dequantizer. Logits are captured from the
script's final cross-entropy call: the script's `F` is wrapped so F.cross_entropy records its input and
returns a dummy loss; the targets passed are zeros, the real ones never reach this process."""

import contextlib
import inspect
import io
import zlib

import torch

NAMES = ("Hyperparameters", "GPT", "dequantize_state_dict_int8")


class AdapterError(RuntimeError):
    """The script looks like the family but cannot be driven the family's way."""


def matches(module):
    return (isinstance(getattr(module, "Hyperparameters", None), type) and isinstance(getattr(module, "GPT", None), type)
            and callable(getattr(module, "dequantize_state_dict_int8", None)))


class CaptureCrossEntropy:
    """Stands in for the script's `F`: everything is torch.nn.functional except cross_entropy, which keeps
    its input (the logits) and returns zero."""

    def __init__(self, functional):
        self._functional = functional
        self.logits = None

    def __getattr__(self, name):
        return getattr(self._functional, name)

    def cross_entropy(self, input, target, *args, **kwargs):  # noqa: A002 (torch's own parameter name)
        self.logits = input
        return input.new_zeros(())


def constructor_kwargs(cls, settings):
    """GPT(...)'s arguments, each from the Hyperparameters attribute of the same name."""
    kwargs = {}
    for name, param in list(inspect.signature(cls.__init__).parameters.items())[1:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if hasattr(settings, name):
            kwargs[name] = getattr(settings, name)
        elif param.default is param.empty:
            raise AdapterError(f"GPT(...) needs `{name}` and Hyperparameters has no attribute of that name")
    return kwargs


def prepare_like_main(module, model, state):
    """The dtypes main() evaluates with. Matching them matters beyond rounding: the real script's rotary
    positions are arange() in its inv_freq buffer's dtype, so a bf16 model sees other angles past
    position 256 than an fp32 one (measured on an H100: 2.52 vs the script's own 2.59 at 1024 tokens)."""
    casted, restore = getattr(module, "CastedLinear", None), getattr(module, "restore_low_dim_params_to_fp32", None)
    if isinstance(casted, type) and callable(restore):
        model.bfloat16()
        for sub in model.modules():
            if isinstance(sub, casted):
                sub.float()
        restore(model)
        return
    tensors = dict(model.named_parameters())
    tensors.update(dict(model.named_buffers()))
    for name, value in state.items():  # each tensor as it was saved (bf16 embedding, fp32 controls...)
        if name in tensors and torch.is_tensor(value) and tensors[name].dtype != value.dtype:
            tensors[name].data = tensors[name].data.to(value.dtype)


def load(module, model_path, device):
    """(logits function, context length, compute dtype name) for the saved model."""
    settings = module.Hyperparameters()
    model = module.GPT(**constructor_kwargs(module.GPT, settings))
    with open(model_path, "rb") as f:
        blob = f.read()
    try:
        saved = torch.load(io.BytesIO(zlib.decompress(blob)), map_location="cpu")
    except zlib.error as err:
        raise AdapterError(f"the model file is not zlib data: {err}") from err
    state = module.dequantize_state_dict_int8(saved)
    if not isinstance(state, dict):
        raise AdapterError("dequantize_state_dict_int8 did not return a state dict")
    prepare_like_main(module, model, state)
    model.load_state_dict(state, strict=True)
    model.to(device).eval()

    capture = CaptureCrossEntropy(module.F)
    module.F = capture
    cuda = torch.device(device).type == "cuda"
    low_precision = any(p.dtype in (torch.bfloat16, torch.float16) for p in model.parameters())
    dtype = "bfloat16" if cuda or low_precision else "float32"

    def logits(ids):
        capture.logits = None
        autocast = torch.autocast(device_type="cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext()
        with autocast:
            model(ids, torch.zeros_like(ids))  # the script's eval runs under bf16 autocast on CUDA
        if capture.logits is None:
            raise AdapterError("GPT.forward did not call F.cross_entropy, so caddie cannot read its logits")
        flat = capture.logits
        if flat.ndim != 2 or flat.shape[0] != ids.numel():
            raise AdapterError(f"F.cross_entropy got logits of shape {list(flat.shape)}, expected [{ids.numel()}, vocab]")
        return flat.reshape(ids.shape[0], ids.shape[1], flat.shape[1])

    return logits, int(settings.train_seq_len), dtype
