"""Ctrl-C (SIGINT) and SIGTERM stop `serve` cleanly: exit status 0, no worker or other child left,
both ports free again."""

import signal
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.local_server import start_server


def children_of(pid: int) -> set[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.add(int(status.parent.name))
    return found


def is_running(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


def port_is_free(url: str) -> bool:
    address = urlsplit(url)
    with socket.socket() as probe:
        try:
            probe.bind((address.hostname or "", address.port or 0))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_leaves_nothing_behind(tmp_path: Path, stop_signal: signal.Signals) -> None:
    server = start_server(tmp_path, "--no-demo")
    assert server.request("GET", "/posts").status == 200
    assert server.request("GET", "/posts/nichts").status == 404
    workers = children_of(server.process.pid)
    assert workers, "the functions that served should have worker processes"

    assert server.stop(stop_signal) == 0

    assert not [pid for pid in workers if is_running(pid)]
    assert port_is_free(server.api_url)
    assert port_is_free(server.site_url)
    assert server.log().rstrip().endswith("Stopped.")
