"""A real MLflow tracking server (SQLite backend) on 127.0.0.1, started as its own process."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`mlflow server` on a free port with its database in `folder`; `stop` kills it, `start` brings it back on
    the same port and database."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        mlflow = shutil.which("mlflow") or str(Path(sys.executable).parent / "mlflow")
        command = [mlflow, "server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
                   "--backend-store-uri", f"sqlite:///{self.folder / 'mlflow.db'}",
                   "--artifacts-destination", str(self.folder / "artifacts")]  # fmt: skip
        log = open(self.folder / "server.log", "ab")  # the server process writes it while it runs
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise AssertionError(f"mlflow server did not start: {(self.folder / 'server.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            import os
            import signal

            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
        self.process = None


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("mlflow")).start()
    yield server
    server.stop()
