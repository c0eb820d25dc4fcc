"""`python -m caddie_score.sandbox [options] -- ARGV...`: the one sandbox rule for every untrusted process
caddie starts (training runs, the scorer's model host).

With a working bubblewrap (`bwrap`, probed once per call by starting a sandbox), ARGV runs with:
  - the whole filesystem read-only, except the --rw paths (bound read-write);
  - each --hide path covered (a folder by an empty tmpfs, a file by /dev/null), applied before the --rw
    binds, so a read-write folder inside a hidden one still works; --ro re-binds a path read-only last;
  - a fresh /dev (GPU device nodes bound in; its /dev/shm private), /proc of its own pid namespace, a
    private /tmp and its own System V IPC namespace, so two sandboxes share no writable place;
  - no network with --no-net (a network namespace holding only loopback);
  - its own pid namespace and session, killed with its parent; no capabilities, even as root;
  - an environment of exactly PATH, HOME and TMPDIR (inside the working folder), LANG, plus --env.
Without one (not installed, or namespaces refused, as in many containers) it still clears the
environment the same way and runs ARGV directly; the report says "sandbox": "none" and why.

The report JSON ({"sandbox", "network", "reason"}) is written to --report before ARGV starts. The wrapper
`exec`s (bwrap, or ARGV itself), so killing the caller's process group kills the sandboxed tree."""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
GPU_DEVICES = ("/dev/nvidia*", "/dev/nvidia-caps", "/dev/dri")


class SandboxError(ValueError):
    """A request the sandbox cannot honour (a missing path, bwrap demanded but not working)."""


def parse_env(pairs):
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not name.replace("_", "a").isalnum() or name[0].isdigit():
            raise SandboxError(f"--env wants NAME=VALUE, got {pair!r}")
        env[name] = value
    return env


def base_env(cwd, extra, writable):
    """The whole environment an untrusted process gets: nothing inherited but PATH. HOME and TMPDIR are
    made inside the working folder when the process may write there (a --rw path holds it)."""
    env = {
        "PATH": os.environ.get("PATH") or DEFAULT_PATH,
        "HOME": os.path.join(cwd, ".home"),
        "TMPDIR": os.path.join(cwd, ".tmp"),
        "LANG": "C.UTF-8",
    }
    if writable:
        for key in ("HOME", "TMPDIR"):
            os.makedirs(env[key], exist_ok=True)
    return {**env, **extra}


def inside(path, folders):
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def probe_bwrap(no_net):
    """(path, None) when bwrap can start a sandbox with the namespaces we use, else (None, why not)."""
    path = shutil.which("bwrap")
    if path is None:
        return None, "bwrap is not installed (Debian package bubblewrap)"
    true = shutil.which("true") or "/bin/true"
    argv = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--unshare-ipc",
            *(["--unshare-net"] if no_net else []), "--die-with-parent", "--", true]
    try:
        run = subprocess.run(argv, capture_output=True, text=True, timeout=20, env={"PATH": DEFAULT_PATH})
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, f"bwrap cannot start a sandbox here: {err}"
    if run.returncode != 0:
        why = (run.stderr.strip().splitlines() or [f"exit {run.returncode}"])[-1]
        return None, f"bwrap cannot start a sandbox here: {why}"
    return path, None


def bwrap_argv(bwrap, *, ro, rw, hide, no_net, env, cwd, argv):
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev"]
    for pattern in GPU_DEVICES:
        for dev in sorted(glob.glob(pattern)):
            args += ["--dev-bind", dev, dev]
    args += ["--proc", "/proc", "--tmpfs", "/tmp"]
    for path in hide:
        if os.path.isdir(path):
            args += ["--tmpfs", path]
        elif os.path.exists(path):
            args += ["--dev-bind", "/dev/null", path]  # reads empty, swallows writes (a plain bind is nodev)
    for path in rw:
        args += ["--bind", path, path]
    for path in ro:
        args += ["--ro-bind", path, path]
    args += ["--unshare-pid", "--unshare-ipc", *(["--unshare-net"] if no_net else []), "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL"]  # root keeps every capability in a bwrap sandbox unless told
    args += ["--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return [*args, "--chdir", cwd, "--", *argv]


def own_folders(argv, env, hide):
    """What the sandboxed program needs of its own install, bound read-only: the install folder of ARGV's
    program (a venv or a Node install: `<folder>/bin/<program>`) and each PYTHONPATH folder. The sandbox
    covers /tmp with an empty tmpfs, so a checkout there (a CI clone) would otherwise lose its own
    interpreter and caddie's own Python. Never a folder that would show a hidden path again, never /."""
    wanted = []
    program = argv[0] if argv else ""
    if os.path.isabs(program):
        bin_dir = os.path.dirname(program)
        wanted.append(os.path.dirname(bin_dir) if os.path.basename(bin_dir) == "bin" else bin_dir)
    wanted += [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if os.path.isabs(p)]
    folders = []
    for folder in (os.path.realpath(p) for p in wanted):
        if folder == os.path.sep or not os.path.isdir(folder) or folder in folders:
            continue
        if any(inside(h, [folder]) for h in hide):
            continue
        folders.append(folder)
    return folders


def plan(mode, *, ro, rw, hide, no_net, env, cwd, argv):
    """(report, exec argv, exec env): what to run and what the report says about it."""
    ro = [*ro, *(f for f in own_folders(argv, env, hide) if f not in ro)]
    for path in [*ro, *rw]:
        if not os.path.exists(path):
            raise SandboxError(f"{path}: no such file or folder to bind")
    if not os.path.isdir(cwd):
        raise SandboxError(f"--cwd {cwd}: no such folder")
    full_env = base_env(cwd, env, writable=inside(cwd, rw))
    bwrap, why = (None, "--mode none") if mode == "none" else probe_bwrap(no_net)
    if bwrap is None:
        if mode == "bwrap":
            raise SandboxError(f"--mode bwrap, but {why}")
        report = {"sandbox": "none", "network": "open", "reason": why}
        return report, list(argv), full_env
    report = {"sandbox": "bwrap", "network": "blocked" if no_net else "open", "reason": None}
    command = bwrap_argv(bwrap, ro=ro, rw=rw, hide=hide, no_net=no_net, env=full_env, cwd=cwd, argv=argv)
    return report, command, {"PATH": DEFAULT_PATH}


def write_report(path, report):
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(report) + "\n")
    os.replace(tmp, path)


def main(argv):
    if "--" not in argv:
        print("usage: python -m caddie_score.sandbox [options] -- ARGV...", file=sys.stderr)
        return 2
    split_at = argv.index("--")
    command = argv[split_at + 1 :]
    parser = argparse.ArgumentParser(prog="python -m caddie_score.sandbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ro", action="append", default=[], help="bind PATH read-only (after --rw)")
    parser.add_argument("--rw", action="append", default=[], help="bind PATH read-write")
    parser.add_argument("--hide", action="append", default=[], help="cover PATH (empty folder or empty file)")
    parser.add_argument("--no-net", action="store_true", help="no network (loopback only)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE added to the minimal environment")
    parser.add_argument("--cwd", default=None, help="working folder (default: the current one)")
    parser.add_argument("--report", default=None, help="write the report JSON here before starting ARGV")
    parser.add_argument("--mode", choices=("auto", "bwrap", "none"), default="auto",
                        help="auto: bwrap when it works, else none; bwrap: refuse to run without it")
    args = parser.parse_args(argv[:split_at])
    if not command:
        parser.error("nothing to run after --")
    try:
        report, exec_argv, exec_env = plan(
            args.mode,
            ro=[os.path.realpath(p) for p in args.ro],
            rw=[os.path.realpath(p) for p in args.rw],
            hide=[os.path.realpath(p) for p in args.hide],
            no_net=args.no_net,
            env=parse_env(args.env),
            cwd=os.path.realpath(args.cwd or os.getcwd()),
            argv=command,
        )
    except SandboxError as err:
        print(f"caddie sandbox: {err}", file=sys.stderr)
        return 125
    if args.report:
        write_report(args.report, report)
    if report["sandbox"] == "none":
        os.chdir(args.cwd or os.getcwd())
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        if report["sandbox"] == "bwrap":
            os.execve(exec_argv[0], exec_argv, exec_env)
        os.execvpe(exec_argv[0], exec_argv, exec_env)
    except OSError as err:
        print(f"caddie sandbox: cannot start {exec_argv[0]}: {err.strerror or err}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
