"""Import paths for the caddie_score tests: caddie's python/ folder and this folder (scoring_helpers)."""

import os
import socket
import sys
import threading

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
for path in (os.path.dirname(os.path.dirname(TESTS)), TESTS):
    if path not in sys.path:
        sys.path.insert(0, path)


@pytest.fixture
def listener():
    """A TCP server on the host's loopback that counts connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            seen.append(conn.recv(100))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()
