"""`python -m caddie_score.sandbox`: the one rule for untrusted processes, in both modes."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from scoring_helpers import PYTHON_DIR, cli, skip_without_bwrap

SHOW_ENV = "import json, os; print(json.dumps(dict(os.environ)))"


def sandboxed(tmp_path, code, *flags, mode="auto"):
    report = tmp_path / f"report-{mode}.json"
    run = cli("caddie_score.sandbox", "--mode", mode, "--report", str(report), *flags, "--",
              sys.executable, "-c", code)
    return run, json.loads(report.read_text()) if report.exists() else None


@pytest.mark.parametrize("mode", ["auto", "none"])
def test_the_environment_is_cleared_to_a_minimal_base_plus_env(tmp_path, monkeypatch, mode):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-" + "x" * 20)
    run, report = sandboxed(tmp_path, SHOW_ENV, "--rw", str(tmp_path), "--cwd", str(tmp_path),
                            "--env", "MAX_WALLCLOCK_SECONDS=60", mode=mode)
    assert run.returncode == 0, run.stderr
    env = json.loads(run.stdout)
    env.pop("PWD", None)  # set by bwrap's chdir, not inherited
    assert set(env) == {"PATH", "HOME", "TMPDIR", "LANG", "MAX_WALLCLOCK_SECONDS"}
    assert env["HOME"].startswith(str(tmp_path)) and env["TMPDIR"].startswith(str(tmp_path))
    assert report["sandbox"] in (("bwrap", "none") if mode == "auto" else ("none",))


def test_without_bwrap_the_report_says_none_and_network_open_and_bwrap_mode_refuses(tmp_path):
    env = {"PATH": "/nonexistent", "PYTHONPATH": PYTHON_DIR}
    report = tmp_path / "report.json"
    base = [sys.executable, "-m", "caddie_score.sandbox", "--no-net", "--report", str(report)]
    run = subprocess.run([*base, "--", sys.executable, "-c", "print('ran')"], capture_output=True, text=True, env=env)
    assert run.stdout.strip() == "ran"
    assert json.loads(report.read_text()) == {"sandbox": "none", "network": "open",
                                              "reason": "bwrap is not installed (Debian package bubblewrap)"}
    refused = subprocess.run([*base, "--mode", "bwrap", "--", sys.executable, "-c", "print('ran')"],
                             capture_output=True, text=True, env=env)
    assert refused.returncode == 125 and "ran" not in refused.stdout
    assert "bwrap is not installed" in refused.stderr


def test_bwrap_makes_everything_read_only_but_rw_hides_paths_and_keeps_rw_inside_hidden(tmp_path):
    skip_without_bwrap()
    outside = tmp_path / "outside.txt"
    outside.write_text("caddie state")
    secret_dir = tmp_path / "secret"
    (secret_dir / "run").mkdir(parents=True)
    (secret_dir / "heldout.bin").write_text("held-out tokens")
    secret_file = tmp_path / "key.txt"
    secret_file.write_text("token")
    code = f"""
import os
out = {{}}
try:
    open("/etc/caddie-sandbox-test", "w").write("x")
    out["etc"] = "written"
except OSError as e:
    out["etc"] = e.strerror
open({str(outside)!r}, "w").write("rewritten")  # /tmp is private: the real file stays as it was
out["secret_dir"] = sorted(os.listdir({str(secret_dir)!r}))
out["secret_file"] = open({str(secret_file)!r}).read()
open({str(secret_dir / "run" / "model.bin")!r}, "w").write("ok")
print(out)
"""
    run, report = sandboxed(tmp_path, code, "--hide", str(secret_dir), "--hide", str(secret_file),
                            "--rw", str(secret_dir / "run"), "--cwd", str(secret_dir / "run"))
    assert run.returncode == 0, run.stderr
    assert report == {"sandbox": "bwrap", "network": "open", "reason": None}
    assert run.stdout.strip() == str({"etc": "Read-only file system", "secret_dir": ["run"], "secret_file": ""})
    assert outside.read_text() == "caddie state"
    assert (secret_dir / "run" / "model.bin").read_text() == "ok"


def reach(port):
    return f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"leak")
    print("connected")
except OSError as e:
    print("refused:", e)
"""


def test_no_net_blocks_the_network_under_bwrap(tmp_path, listener):
    skip_without_bwrap()
    port, seen = listener
    run, report = sandboxed(tmp_path, reach(port), "--no-net")
    assert report["network"] == "blocked"
    assert run.stdout.startswith("refused")
    time.sleep(0.3)
    assert seen == []


def test_without_a_sandbox_the_network_is_open_and_the_report_says_so(tmp_path, listener):
    port, seen = listener
    run, report = sandboxed(tmp_path, reach(port), "--no-net", mode="none")
    assert report == {"sandbox": "none", "network": "open", "reason": "--mode none"}
    assert run.stdout.strip() == "connected"


SPAWN = """
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import os, time; os.setsid(); time.sleep(120)", {marker!r}])
time.sleep(120)
"""


def tree(marker):
    """Live processes whose command line carries the marker (zombies count as gone)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            pids.append(int(pid))
    return pids


@pytest.mark.parametrize("mode", ["auto", "none"])
def test_killing_the_callers_process_group_kills_the_sandboxed_tree(tmp_path, mode):
    if mode == "auto":
        skip_without_bwrap()  # without bwrap a child that calls setsid() leaves the group: documented
    marker = f"caddie-kill-test-{os.getpid()}-{mode}"
    code = SPAWN.format(marker=marker) if mode == "auto" else SPAWN.format(marker=marker).replace("os.setsid(); ", "")
    proc = subprocess.Popen([sys.executable, "-m", "caddie_score.sandbox", "--mode", mode, "--", sys.executable, "-c", code],
                            env={**os.environ, "PYTHONPATH": PYTHON_DIR}, start_new_session=True)
    deadline = time.monotonic() + 30
    expected = 3 if mode == "auto" else 2  # (bwrap,) the command and its grandchild
    while time.monotonic() < deadline and len(tree(marker)) < expected:
        time.sleep(0.1)
    assert len(tree(marker)) >= expected
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and tree(marker):
        time.sleep(0.1)
    assert tree(marker) == []


def test_two_sandboxes_share_no_writable_place(tmp_path):
    skip_without_bwrap()
    writer = """
import os
from multiprocessing import shared_memory
shm = shared_memory.SharedMemory(name="caddie_note", create=True, size=16)
shm.buf[:4] = b"leak"
open("/tmp/caddie_note", "w").write("leak")
print("written")
import time; time.sleep(15)
"""
    reader = """
import os
from multiprocessing import shared_memory
try:
    shared_memory.SharedMemory(name="caddie_note")
    print("shm seen")
except FileNotFoundError:
    print("no shm")
print("tmp seen" if os.path.exists("/tmp/caddie_note") else "no tmp")
"""
    env = {**os.environ, "PYTHONPATH": PYTHON_DIR}
    first = subprocess.Popen([sys.executable, "-m", "caddie_score.sandbox", "--", sys.executable, "-c", writer],
                             stdout=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        assert first.stdout.readline().strip() == "written"
        second, _ = sandboxed(tmp_path, reader)
        assert second.stdout.split() == ["no", "shm", "no", "tmp"]
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()


def test_a_program_installed_under_tmp_keeps_its_own_folder_and_pythonpath(tmp_path):
    """The sandbox covers /tmp with an empty tmpfs; a clone there (a CI checkout) still finds its own
    interpreter (`<venv>/bin/python`) and caddie's own Python (PYTHONPATH), read-only."""
    skip_without_bwrap()
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    python = venv_bin / "python"
    python.symlink_to(os.path.realpath(sys.executable))
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "caddie_probe.py").write_text("X = 'found'\n")
    work = tmp_path / "work"
    work.mkdir()
    report = tmp_path / "report.json"
    run = cli("caddie_score.sandbox", "--report", str(report), "--rw", str(work), "--cwd", str(work),
              "--env", f"PYTHONPATH={pkg}", "--",
              str(python), "-c", "import caddie_probe, sys; print(caddie_probe.X, sys.executable)")
    assert run.returncode == 0, run.stderr
    assert json.loads(report.read_text())["sandbox"] == "bwrap"
    assert run.stdout.split()[0] == "found"
    # Read-only: the run cannot change the interpreter's folder.
    run = cli("caddie_score.sandbox", "--rw", str(work), "--cwd", str(work), "--",
              str(python), "-c", f"open({str(venv_bin / 'evil')!r}, 'w')")
    assert run.returncode != 0 and "Read-only file system" in run.stderr


def test_an_install_folder_that_holds_a_hidden_path_is_not_bound(tmp_path):
    sys.path.insert(0, PYTHON_DIR)
    from caddie_score.sandbox import own_folders

    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "secret").mkdir()
    program = str(venv / "bin" / "python")
    assert own_folders([program], {}, []) == [str(venv.resolve())]
    assert own_folders([program], {}, [str((venv / "secret").resolve())]) == []
    assert own_folders(["python3"], {"PYTHONPATH": f"relative{os.pathsep}{tmp_path}"}, []) == [str(tmp_path.resolve())]
    assert own_folders(["/usr/bin/python3"], {}, []) == ["/usr"]
