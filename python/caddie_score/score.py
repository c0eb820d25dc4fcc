"""`python -m caddie_score score`: caddie's own score of a run's model, on held-out data.

The trusted side (this file) never imports the run's code. It copies the commit's files and the model into
fresh folders, starts two UNTRUSTED model hosts there (host.py) through the sandbox (sandbox.py), sends them
input ids only, and computes everything else itself: cross-entropy from the logits (numpy, float64 sums),
bytes per token from the tokenizer (token_bytes.py), and causality:

  The "main" host scores every window. A second, fresh "probe" host (its own process and folder, so it
  cannot remember or be told what the main host saw) gets probe batches (at least PROBE_MIN_WINDOWS
  windows): scored windows whose later tokens were replaced, at a secret random cut, by text from
  elsewhere in the held-out data. Its logits for the positions up to the cut must equal the main host's
  within a tolerance suited to the declared compute dtype; a model that reads the tokens it is scored on
  cannot pass. Probe windows sit at the same row of a batch of the same size as in the main host, so a
  deterministic model gives equal bits.

Any failure of the model side (no contract, a raise, a crash, garbage on the pipe, a wrong shape, NaN/inf,
a non-causal model, the time limit) is an `unverified` result with the reason; the scorer itself only
exits non-zero for its own bad inputs (1) or bad usage (2)."""

import argparse
import collections
import concurrent.futures
import fcntl
import json
import math
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from . import framing, sandbox, token_bytes
from .shards import ShardError, read_shard, write_atomic

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # caddie's python/ folder
# Probe tolerance (atol, rtol) by the compute dtype the host declares. A causal, deterministic model gives
# equal bits (same inputs, same batch shape, same row); the slack only absorbs kernels that are not
# bit-reproducible, and bounds what a leak could hide under it to about 2 x atol nats per token.
TOLERANCE = {"float32": (1e-4, 1e-4), "bfloat16": (1e-2, 1e-2), "float16": (1e-2, 1e-2)}
MAX_VOCAB = 1 << 20
LOGITS_FRAME_CAP = 1 << 31  # bytes of one LOGITS frame
BATCH_LOGITS_BYTES = 128 << 20  # batches are cut so one answer stays under this
STDERR_TAIL = 16 * 1024
CE_THREADS = max(1, min(4, os.cpu_count() or 1))  # numpy releases the GIL in exp/log/sum
PROBE_MIN_WINDOWS = 8  # at least this many probed windows (more when a batch holds more)


class Unverified(Exception):
    """The model side failed; the message is the reason shown to the competitor."""


class InputError(Exception):
    """caddie's own inputs are unusable (exit 1): not the run's fault."""


def clean(text, limit=300):
    """Untrusted text (the host's words) made printable and short, for a reason line."""
    text = "".join(c if c.isprintable() else " " for c in str(text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------
# One sandboxed model host and its pipes
# ---------------------------------------------------------------------------
class Host:
    def __init__(self, role, argv, deadline):
        self.role, self.deadline = role, deadline
        self.name = "the model host" if role == "main" else "the second model host (the causality probe)"
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", sandbox.DEFAULT_PATH), "PYTHONPATH": PYTHON_DIR},
            start_new_session=True,  # its own process group: the time limit kills all of it
        )
        self.stderr = collections.deque()
        self.stderr_size = 0
        self.drain = threading.Thread(target=self.drain_stderr, daemon=True)
        self.drain.start()
        for stream in (self.proc.stdin, self.proc.stdout):
            flags = fcntl.fcntl(stream.fileno(), fcntl.F_GETFL)
            fcntl.fcntl(stream.fileno(), fcntl.F_SETFL, flags | os.O_NONBLOCK)

    def drain_stderr(self):
        """Keeps the last STDERR_TAIL bytes of what the host prints (the script's own output lands here)."""
        for chunk in iter(lambda: self.proc.stderr.read1(65536), b""):
            self.stderr.append(chunk)
            self.stderr_size += len(chunk)
            while self.stderr_size - len(self.stderr[0]) > STDERR_TAIL:
                self.stderr_size -= len(self.stderr.popleft())

    def last_words(self):
        lines = [line for line in b"".join(self.stderr).decode("utf-8", "replace").splitlines() if line.strip()]
        return clean(lines[-1]) if lines else ""

    def gone(self, what):
        """The reason when the host stops answering: exited (with its last stderr line) or timed out."""
        if time.monotonic() >= self.deadline:
            return Unverified(f"scoring ran past its time limit while {what}; {self.name} was stopped")
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        self.drain.join(timeout=1)
        said = self.last_words()
        how = f"exited with code {code}" if code is not None else "closed its output"
        return Unverified(f"{self.name} {how} while {what}" + (f": {said}" if said else ""))

    def wait_fd(self, fd, for_write, what):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.gone(what)
        ready = select.select([], [fd], [], left) if for_write else select.select([fd], [], [], left)
        if not (ready[1] if for_write else ready[0]):
            raise self.gone(what)

    def read_into(self, view, what):
        fd = self.proc.stdout.fileno()
        while len(view):
            self.wait_fd(fd, False, what)
            try:
                n = os.readv(fd, [view])
            except BlockingIOError:
                continue
            if n == 0:
                raise self.gone(what)
            view = view[n:]

    def read_exact(self, n, what):
        buf = bytearray(n)
        self.read_into(memoryview(buf), what)
        return buf

    def send(self, kind, payload, what):
        fd = self.proc.stdin.fileno()
        view = memoryview(framing.frame(kind, payload))
        while len(view):
            self.wait_fd(fd, True, what)
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                continue
            except BrokenPipeError:
                raise self.gone(what) from None

    def header(self, what):
        magic, kind, length = framing.HEADER.unpack(self.read_exact(framing.HEADER.size, what))
        if magic != framing.MAGIC:
            raise Unverified(f"the model host wrote something that is not caddie's protocol while {what} "
                             "(a script writing to the protocol's pipe?)")
        if kind == framing.ERROR:
            if length > framing.TEXT_CAP:
                raise Unverified(f"the model host sent an oversized error message while {what}")
            raise Unverified(clean(self.read_exact(length, what).decode("utf-8", "replace"), 600))
        return kind, length

    def ready(self):
        what = "loading the model"
        kind, length = self.header(what)
        if kind != framing.READY or length > framing.TEXT_CAP:
            raise Unverified(f"the model host answered with frame kind {kind} while {what}")
        try:
            info = json.loads(bytes(self.read_exact(length, what)).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as err:  # deep nesting recurses in json
            raise Unverified(f"the model host's ready message is not JSON: {clean(err)}") from None
        if not isinstance(info, dict):
            raise Unverified("the model host's ready message is not a JSON object")
        ctx, dtype = info.get("context_len"), info.get("dtype")
        if isinstance(ctx, bool) or not isinstance(ctx, int) or not 1 <= ctx <= 1 << 20:
            raise Unverified(f"the model declared context length {clean(repr(ctx), 40)}; caddie needs an int in [1, 1048576]")
        if dtype not in TOLERANCE:
            raise Unverified(f"the model declared compute dtype {clean(repr(dtype), 40)}; caddie knows {', '.join(TOLERANCE)}")
        contract = info.get("contract")
        if contract not in ("caddie_model", "adapter:root-train-gpt"):
            raise Unverified("the model host named no known contract")
        return {"context_len": ctx, "dtype": dtype, "contract": contract,
                "score_first_declared": info.get("score_first_declared") is True}

    def logits(self, ids, vocab):
        """Send windows [B, T] of input ids; return the checked logits [B, T, V] (float32) and V."""
        batch, length = ids.shape
        what = "computing logits"
        self.send(framing.WINDOWS, framing.WINDOWS_HEAD.pack(batch, length) + ids.astype("<i4").tobytes(), what)
        kind, size = self.header(what)
        if kind != framing.LOGITS or size < framing.LOGITS_HEAD.size:
            raise Unverified(f"the model host answered with frame kind {kind} while {what}")
        b, t, v, dtype = framing.LOGITS_HEAD.unpack(self.read_exact(framing.LOGITS_HEAD.size, what))
        if (b, t) != (batch, length):
            raise Unverified(f"the model returned logits for [{b}, {t}] when asked for [{batch}, {length}]")
        if dtype != framing.FLOAT32 or not 1 <= v <= MAX_VOCAB or (vocab is not None and v != vocab):
            raise Unverified(f"the model returned logits of vocab {v} (expected {vocab or 'at most 1048576'}) or an unknown dtype")
        expected = framing.LOGITS_HEAD.size + b * t * v * 4
        if size != expected or size > LOGITS_FRAME_CAP:
            raise Unverified(f"the model host sent {size} bytes of logits where [{b}, {t}, {v}] float32 needs {expected}")
        values = np.empty((b, t, v), dtype="<f4")
        self.read_into(memoryview(values).cast("B"), what)
        return values, v

    def kill(self):
        """The whole process group (in bwrap mode the sandbox, whose namespace dies with it)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()

    def close(self):
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.drain.join(timeout=2)
        self.proc.stderr.close()


# ---------------------------------------------------------------------------
# Windows, cross-entropy, causality
# ---------------------------------------------------------------------------
def plan_windows(n_tokens, ctx, stride, max_tokens=None):
    """[(start, first scored offset)]: inputs tokens[start:start+ctx], scored targets from start+first+1.

    No stride: non-overlapping windows; the tail that does not fill one is left out (as the challenge's
    eval does); with max_tokens, about that many tokens in windows spread evenly over the data (as
    golf_mini's own eval picks them). Stride S: over the first max_tokens + 1 tokens, the first window scores
    all its positions, each later one (moved by S) only its last S, and a last window aligned to the end
    scores what is left, so every target is scored exactly once with at least ctx - S tokens of context."""
    if stride is not None and max_tokens is not None:
        n_tokens = min(n_tokens, max_tokens + 1)
    n_inputs = n_tokens - 1
    if n_inputs < ctx:
        raise Unverified(f"the model's context length {ctx} is longer than the held-out data ({n_tokens} tokens)")
    if stride is None:
        total = n_inputs // ctx
        keep = total if max_tokens is None else min(total, max(1, max_tokens // ctx))
        return [(int(k) * ctx, 0) for k in (np.arange(keep) * total) // keep]
    stride = min(stride, ctx)
    windows, scored_end = [(0, 0)], ctx
    while scored_end < n_inputs:
        start = min(scored_end + stride - ctx, n_inputs - ctx)
        windows.append((start, scored_end - start))
        scored_end = start + ctx
    return windows


def scored_targets(windows, ctx):
    """Positions of every scored target (each once), for the byte count."""
    return np.concatenate([np.arange(start + first + 1, start + ctx + 1) for start, first in windows])


def window_ids(tokens, batch, ctx):
    return np.stack([tokens[start : start + ctx] for start, _ in batch]).astype(np.int64)


def batch_nats(values, batch, tokens, ctx):
    """Sum of -log p(target) over the scored positions of one batch, in float64."""
    if not np.isfinite(values).all():
        raise Unverified("the model returned NaN or infinite logits")
    total = 0.0
    for row, (start, first) in enumerate(batch):
        x = values[row, first:]
        targets = tokens[start + first + 1 : start + ctx + 1].astype(np.int64)
        top = x.max(axis=1)
        lse = top.astype(np.float64) + np.log(np.exp(x - top[:, None]).sum(axis=1, dtype=np.float64))
        total += float((lse - x[np.arange(len(targets)), targets]).sum())
    return total


def plan_probes(batches, tokens, ctx, vocab, rng):
    """Probe batches, each as big as the largest batch, enough for PROBE_MIN_WINDOWS windows: row r is a
    variant of the window at row r of a random batch of that size, its tokens after a random cut replaced
    by held-out text from a random place (the token right after the cut always differs)."""
    if ctx < 2:
        return []  # one input token: nothing later to change
    size = max(len(b) for b in batches)
    full = [i for i, b in enumerate(batches) if len(b) == size]
    probe_batches = []
    for _ in range(-(-PROBE_MIN_WINDOWS // size)):
        rows = []
        for row in range(size):
            which = rng.choice(full)
            start = batches[which][row][0]
            original = tokens[start : start + ctx].astype(np.int64)
            cut = rng.randrange(0, ctx - 1)  # positions 0..cut keep their inputs
            donor = rng.randrange(0, len(tokens) - ctx + 1)
            variant = original.copy()
            variant[cut + 1 :] = tokens[donor : donor + ctx - cut - 1]
            if variant[cut + 1] == original[cut + 1]:
                variant[cut + 1] = (original[cut + 1] + 1 + rng.randrange(vocab - 1)) % vocab if vocab > 1 else 0
            rows.append({"batch": which, "row": row, "cut": cut, "ids": variant})
        probe_batches.append(rows)
    return probe_batches


def compare_probes(probe_batches, saved, probe_values, dtype):
    """(max |difference|, ok) over the positions up to each cut."""
    atol, rtol = TOLERANCE[dtype]
    worst, ok = 0.0, True
    for rows, values in zip(probe_batches, probe_values, strict=True):
        for row, probe in enumerate(rows):
            got = values[row, : probe["cut"] + 1]
            if not np.isfinite(got).all():
                return math.inf, False
            reference = saved[(probe["batch"], probe["row"])][: probe["cut"] + 1].astype(np.float64)
            diff = np.abs(got.astype(np.float64) - reference)
            worst = max(worst, float(diff.max()))
            ok = ok and bool((diff <= atol + rtol * np.abs(reference)).all())
    return worst, ok


# ---------------------------------------------------------------------------
# The scoring run
# ---------------------------------------------------------------------------
def copy_code(code_dir, dest):
    """Regular files only (no symlinks, no .git): the commit's code as the caller prepared it."""
    for root, dirs, files in os.walk(code_dir):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__") and not os.path.islink(os.path.join(root, d))]
        rel = os.path.relpath(root, code_dir)
        os.makedirs(os.path.join(dest, rel), exist_ok=True)
        for name in files:
            src = os.path.join(root, name)
            if os.path.isfile(src) and not os.path.islink(src):
                shutil.copyfile(src, os.path.join(dest, rel, name))


def host_argv(opts, folder, work, mode):
    hides = [work, opts.tokens, opts.tokens + ".split.json", *opts.hide]
    argv = [sys.executable, "-m", "caddie_score.sandbox", "--mode", mode, "--no-net", "--rw", folder, "--cwd", folder,
            "--report", os.path.join(work, f"{os.path.basename(folder)}-sandbox.json")]
    for path in hides:
        argv += ["--hide", path]
    for name, value in {"PYTHONPATH": PYTHON_DIR, "PYTHONDONTWRITEBYTECODE": "1", **opts.env}.items():
        argv += ["--env", f"{name}={value}"]
    return [*argv, "--", sys.executable, "-m", "caddie_score.host", "--script", opts.script,
            "--model", os.path.basename(opts.model), "--device", opts.device]


def new_result(mode):
    return {"status": "unverified", "reason": None, "val_bpb": None, "val_loss": None, "tokens": 0, "bytes": 0,
            "context_len": None, "contract": None, "causality": {"probes": 0, "max_abs_diff": 0.0, "ok": False},
            "sandbox": mode, "network": "blocked" if mode == "bwrap" else "open", "seconds": 0.0,
            "load_seconds": 0.0, "score_first_declared": False, "stride": None, "windows": 0}


def probe_causality(probe, probe_batches, ctx, vocab, contract):
    """The probe host's logits for each probe batch (runs in its own thread, beside the main host)."""
    info = probe.ready()
    if info["context_len"] != ctx or info["contract"] != contract:
        raise Unverified("the model host declared a different model on a second start")
    return [probe.logits(np.stack([p["ids"] for p in rows]), vocab)[0] for rows in probe_batches]


def score_batches(main, first, vocab, batches, tokens, ctx, wanted, pool):
    """Total nats over every batch (the first one's logits already in hand) and the probed rows' logits.
    Cross-entropy runs in `pool` while the host computes the next batch; at most a few batches wait."""
    saved = {}

    def consume(index, values):
        for row, cut in wanted[index].items():
            saved[(index, row)] = values[row, : cut + 1].copy()
        return batch_nats(values, batches[index], tokens, ctx)

    pending = [pool.submit(consume, 0, first)]
    for index in range(1, len(batches)):
        busy = [job for job in pending if not job.done()]
        if len(busy) >= CE_THREADS:
            concurrent.futures.wait(busy, return_when=concurrent.futures.FIRST_COMPLETED)
        for job in pending:
            if job.done() and job.exception() is not None:
                raise job.exception()  # NaN logits: no need to score the rest
        values, _ = main.logits(window_ids(tokens, batches[index], ctx), vocab)
        pending.append(pool.submit(consume, index, values))
    return sum(job.result() for job in pending), saved


def score(opts, tokens, table, mode):
    """The result dict; the model side's failures become `unverified` with the reason."""
    started = time.monotonic()
    deadline = started + opts.timeout
    result = new_result(mode)
    work = tempfile.mkdtemp(prefix="caddie-score-")
    hosts = []
    ce_pool = concurrent.futures.ThreadPoolExecutor(max_workers=CE_THREADS)
    probe_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        if not os.path.isfile(os.path.join(opts.code_dir, opts.script)):
            raise Unverified(f"the commit has no {opts.script}")
        if not os.path.isfile(opts.model):
            raise Unverified(f"the run wrote no model file ({os.path.basename(opts.model)})")
        for role in ("main", "probe"):
            folder = os.path.join(work, role)
            copy_code(opts.code_dir, folder)
            shutil.copyfile(opts.model, os.path.join(folder, os.path.basename(opts.model)))
            hosts.append(Host(role, host_argv(opts, folder, work, mode), deadline))
        main, probe = hosts
        info = main.ready()
        result["load_seconds"] = round(time.monotonic() - started, 3)
        ctx = info["context_len"]
        result.update(context_len=ctx, contract=info["contract"], score_first_declared=info["score_first_declared"])
        windows = plan_windows(len(tokens), ctx, opts.stride, opts.max_tokens)
        result["stride"] = min(opts.stride, ctx) if opts.stride else None
        top_id = int(tokens.max())

        first, vocab = main.logits(window_ids(tokens, windows[:1], ctx), None)
        if top_id >= vocab:
            raise Unverified(f"the model's vocabulary ({vocab}) does not cover the data's token ids (up to {top_id})")
        per_batch = max(1, min(opts.batch_tokens // ctx, BATCH_LOGITS_BYTES // (ctx * vocab * 4)))
        batches = [windows[:1]] + [windows[i : i + per_batch] for i in range(1, len(windows), per_batch)]
        batches = [b for b in batches if b]
        probes = plan_probes(batches, tokens, ctx, vocab, random.SystemRandom())
        wanted = collections.defaultdict(dict)  # batch -> row -> the longest prefix a probe compares
        for p in (p for rows in probes for p in rows):
            wanted[p["batch"]][p["row"]] = max(p["cut"], wanted[p["batch"]].get(p["row"], -1))
        probe_job = probe_pool.submit(probe_causality, probe, probes, ctx, vocab, info["contract"]) if probes else None

        nats, saved = score_batches(main, first, vocab, batches, tokens, ctx, wanted, ce_pool)
        worst, causal = compare_probes(probes, saved, probe_job.result(), info["dtype"]) if probe_job else (0.0, True)
        count = sum(len(rows) for rows in probes)
        result["causality"] = {"probes": count, "max_abs_diff": worst if math.isfinite(worst) else None, "ok": causal}

        targets = scored_targets(windows, ctx)
        nbytes = table.count(tokens[targets].astype(np.int64), tokens[targets - 1].astype(np.int64))
        if nbytes <= 0:
            raise Unverified("the scored held-out tokens stand for no bytes of text; val_bpb is undefined")
        result.update(tokens=len(targets), bytes=nbytes, windows=len(windows), val_loss=nats / len(targets),
                      val_bpb=nats / math.log(2) / nbytes)
        if not causal:
            atol, rtol = TOLERANCE[info["dtype"]]
            raise Unverified(
                "the model is not causal: changing later tokens changed the logits of earlier positions by up to "
                f"{worst:.3g} (tolerance {atol:g} + {rtol:g} x |logit| for {info['dtype']}), so it can see what it is scored on")
        result.update(status="verified", reason=None)
    except Unverified as err:
        result.update(status="unverified", reason=str(err))
    finally:
        for host in hosts:
            host.kill()  # first, so a thread waiting on a host's pipe sees it close
        ce_pool.shutdown(wait=True)
        probe_pool.shutdown(wait=True)
        for host in hosts:
            host.close()
        shutil.rmtree(work, ignore_errors=True)
        result["seconds"] = round(time.monotonic() - started, 3)
    if result["status"] != "verified":
        result.update(val_bpb=None, val_loss=None)
    return result


def sandbox_mode(requested):
    """`bwrap` or `none`, decided here (trusted) so a host cannot rewrite what the result says."""
    if requested == "none":
        return "none"
    path, why = sandbox.probe_bwrap(no_net=True)
    if path is None and requested == "bwrap":
        raise InputError(f"--sandbox bwrap, but {why}")
    return "bwrap" if path else "none"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m caddie_score score",
                                     description="caddie's own score of a run's model on held-out data (docs/SCORING.md).")
    parser.add_argument("--code-dir", required=True, help="the commit's files (prepared by the caller)")
    parser.add_argument("--model", required=True, help="the model file the run wrote")
    parser.add_argument("--tokens", required=True, help="the held-out shard (challenge format)")
    parser.add_argument("--tokenizer", required=True, help="byte260 or sentencepiece:PATH")
    parser.add_argument("--out", required=True, help="where to write the result JSON")
    parser.add_argument("--script", default="train_gpt.py", help="the training script in --code-dir")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds for the whole scoring step")
    parser.add_argument("--max-tokens", type=int, default=None,
                        help="score about N tokens: windows spread over the data (with --stride: the first N + 1 tokens)")
    parser.add_argument("--stride", type=int, default=None, help="sliding-window evaluation with this stride")
    parser.add_argument("--batch-tokens", type=int, default=4096, help="input tokens per forward pass (default 4096)")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default="auto")
    parser.add_argument("--hide", action="append", default=[], help="another path the model host must not see")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the model host (the run's settings)")
    opts = parser.parse_args(argv)
    for name in ("timeout", "max_tokens", "stride", "batch_tokens"):
        value = getattr(opts, name)
        if value is not None and not value > 0:
            parser.error(f"--{name.replace('_', '-')} must be > 0")
    if os.path.basename(opts.script) != opts.script or not opts.script.endswith(".py"):
        parser.error("--script must be a .py file name inside --code-dir")
    try:
        opts.env = sandbox.parse_env(opts.env)
    except sandbox.SandboxError as err:
        parser.error(str(err))
    for name in ("code_dir", "model", "tokens", "out"):
        setattr(opts, name, os.path.abspath(getattr(opts, name)))
    opts.hide = [os.path.abspath(p) for p in opts.hide]
    return opts


def main(argv):
    opts = parse_args(argv)
    try:
        tokens = read_shard(opts.tokens)
        table = token_bytes.load(opts.tokenizer)
        if len(tokens) and int(tokens.max()) >= table.size:
            raise InputError(f"{opts.tokens} holds token id {int(tokens.max())}, outside the tokenizer ({table.size} ids)")
        mode = sandbox_mode(opts.sandbox)
        result = score(opts, tokens, table, mode)
        line = json.dumps(result)
        write_atomic(opts.out, (line + "\n").encode())
    except (InputError, ShardError, token_bytes.TokenizerError, OSError) as err:
        print(f"caddie_score score: {err}", file=sys.stderr)
        return 1
    print(line)
    return 0
