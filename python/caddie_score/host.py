"""The model host: an UNTRUSTED process the scorer starts inside the sandbox, in a fresh folder holding only
the commit's code and the model file. It imports the training script (as a module, so its __main__ guard
keeps it from training), turns the model file into a logits function through the script's caddie_model()
or caddie's adapter for the root train_gpt.py family, and answers the scorer's frames (framing.py).

It gets input ids only, never targets. Whatever it sends is checked by the scorer; nothing here is
trusted, and the script can change anything in this process. Protocol frames go over a private copy of
the original stdout; the script's own prints land on stderr."""

import argparse
import importlib.util
import json
import os
import sys
import traceback

from . import framing

DTYPES = ("float32", "bfloat16", "float16")


class HostError(Exception):
    """Why the host cannot serve the model, in words for the competitor."""


def describe(err, script):
    """`ValueError: bad shape (train_gpt.py line 42)`: the exception and the script line it came from."""
    where = ""
    for entry in reversed(traceback.extract_tb(err.__traceback__)):
        if os.path.basename(entry.filename) == os.path.basename(script):
            where = f" ({os.path.basename(script)} line {entry.lineno})"
            break
    text = f"{type(err).__name__}: {err}"
    return (text[:400] + "...") if len(text) > 400 else text + where


class Wire:
    def __init__(self, fd_in, fd_out):
        self.fd_in, self.fd_out = fd_in, fd_out

    def read_exact(self, n):
        chunks, left = [], n
        while left:
            chunk = os.read(self.fd_in, min(left, 1 << 20))
            if not chunk:
                raise EOFError("the scorer closed the pipe")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def recv(self):
        magic, kind, length = framing.HEADER.unpack(self.read_exact(framing.HEADER.size))
        if magic != framing.MAGIC:
            raise EOFError("bad frame from the scorer")
        return kind, self.read_exact(length)

    def send(self, kind, *parts):
        length = sum(len(memoryview(p).cast("B")) for p in parts)
        self.write_all(framing.HEADER.pack(framing.MAGIC, kind, length))
        for part in parts:
            self.write_all(part)

    def write_all(self, data):
        view = memoryview(data).cast("B")
        while view:
            view = view[os.write(self.fd_out, view) :]

    def error(self, text):
        self.send(framing.ERROR, text.encode("utf-8", "replace")[: framing.TEXT_CAP])


def load_script(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def read_contract(value):
    """caddie_model()'s answer -> (logits fn, context_len, dtype, score_first declared)."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        value = {"logits": value[0], "context_len": value[1]}
    if not isinstance(value, dict):
        raise HostError("caddie_model() must return (logits_fn, context_len) or a dict with "
                        f"'logits' and 'context_len'; it returned {type(value).__name__}")
    fn, ctx, dtype = value.get("logits"), value.get("context_len"), value.get("dtype", "float32")
    if not callable(fn):
        raise HostError("caddie_model() returned a logits function that is not callable")
    if isinstance(ctx, bool) or not isinstance(ctx, int) or not 1 <= ctx <= 1 << 20:
        raise HostError(f"caddie_model() returned context_len {ctx!r}; it must be an int between 1 and 1048576")
    if dtype not in DTYPES:
        raise HostError(f"caddie_model() declared dtype {dtype!r}; caddie knows {', '.join(DTYPES)}")
    return fn, ctx, dtype, value.get("score_first") is not None


def open_model(script, model_path, device):
    """(logits fn, context_len, contract name, dtype, score_first declared)."""
    from . import adapter_root

    try:
        module = load_script(script)
    except BaseException as err:  # noqa: BLE001 (the script may raise anything, SystemExit included)
        raise HostError(f"importing {os.path.basename(script)} failed: {describe(err, script)}") from err
    if callable(getattr(module, "caddie_model", None)):
        try:
            answer = module.caddie_model(model_path, device)
        except BaseException as err:  # noqa: BLE001
            raise HostError(f"caddie_model() raised {describe(err, script)}") from err
        fn, ctx, dtype, score_first = read_contract(answer)
        return fn, ctx, "caddie_model", dtype, score_first
    if adapter_root.matches(module):
        try:
            fn, ctx, dtype = adapter_root.load(module, model_path, device)
        except BaseException as err:  # noqa: BLE001
            raise HostError(f"caddie's root train_gpt.py adapter could not load the model: {describe(err, script)}") from err
        return fn, ctx, "adapter:root-train-gpt", dtype, False
    raise HostError(f"{os.path.basename(script)} defines no caddie_model(model_path, device) and is not "
                    "openai/parameter-golf's root train_gpt.py family (Hyperparameters, GPT, dequantize_state_dict_int8)")


def serve(wire, fn, script):
    import numpy as np
    import torch

    while True:
        kind, payload = wire.recv()
        if kind == framing.BYE:
            return
        if kind != framing.WINDOWS:
            raise HostError(f"unexpected frame kind {kind} from the scorer")
        batch, length = framing.WINDOWS_HEAD.unpack_from(payload)
        ids = np.frombuffer(payload, dtype="<i4", offset=framing.WINDOWS_HEAD.size).reshape(batch, length)
        x = torch.from_numpy(ids.astype(np.int64))
        try:
            with torch.no_grad():
                out = fn(x)
        except BaseException as err:  # noqa: BLE001
            raise HostError(f"the logits function raised {describe(err, script)}") from err
        if not torch.is_tensor(out) or out.ndim != 3 or tuple(out.shape[:2]) != (batch, length):
            shape = list(out.shape) if torch.is_tensor(out) else type(out).__name__
            raise HostError(f"the logits function returned {shape} for input [{batch}, {length}]; "
                            "caddie needs [batch, length, vocab]")
        values = out.detach().float().cpu().contiguous().numpy()
        wire.send(framing.LOGITS, framing.LOGITS_HEAD.pack(batch, length, values.shape[2], framing.FLOAT32), values)


def main(argv):
    # The protocol keeps private copies of stdin/stdout; the script's prints go to stderr instead.
    wire = Wire(os.dup(0), os.dup(1))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    parser = argparse.ArgumentParser(prog="python -m caddie_score.host")
    parser.add_argument("--script", default="train_gpt.py")
    parser.add_argument("--model", required=True)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    try:
        import torch

        from . import compat

        shims = compat.install()
        device = args.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        fn, ctx, contract, dtype, score_first = open_model(os.path.abspath(args.script), args.model, device)
        ready = {"context_len": ctx, "contract": contract, "dtype": dtype, "device": device,
                 "score_first_declared": score_first, "torch_shims": shims}
        wire.send(framing.READY, json.dumps(ready).encode())
        serve(wire, _on_device(fn, device), args.script)
    except HostError as err:
        wire.error(str(err))
        return 1
    except EOFError:
        return 1
    except BaseException as err:  # noqa: BLE001
        wire.error(f"the model host failed: {describe(err, args.script)}")
        return 1
    return 0


def _on_device(fn, device):
    def run(x):
        return fn(x.to(device))

    return run


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
