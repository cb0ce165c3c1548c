"""The offline guard of the book tests refuses non-loopback traffic (tested without any traffic)."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from bdp.book import _GUARD, offline_env


class _FakeSocketClass:
    def __init__(self, family):
        self.family = family
        self.calls = []

    def connect(self, address, *args):
        self.calls.append(("connect", address))

    def connect_ex(self, address, *args):
        self.calls.append(("connect_ex", address))
        return 0

    def sendto(self, data, *args):
        self.calls.append(("sendto", args[-1]))


def _guard_with_fake_socket(log_path):
    fake = types.SimpleNamespace(AF_INET=2, AF_INET6=10, socket=_FakeSocketClass,
                                 getaddrinfo=lambda host, *a, **k: [("resolved", host)],
                                 gethostname=lambda: "this-host")
    namespace = {"__name__": "guard"}
    code = _GUARD.replace("import ipaddress, os, socket", "import ipaddress, os")
    namespace["socket"] = fake
    import os

    os.environ["BDP_OFFLINE_LOG"] = str(log_path)
    try:
        exec(compile(code, "sitecustomize", "exec"), namespace)
    finally:
        del os.environ["BDP_OFFLINE_LOG"]
    return fake


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.6.7", "::1", "localhost", "0.0.0.0", ""])
def test_loopback_is_allowed(tmp_path, host):
    fake = _guard_with_fake_socket(tmp_path / "log")
    sock = fake.socket(fake.AF_INET)
    sock.connect((host, 8786))
    assert sock.calls == [("connect", (host, 8786))]
    assert fake.getaddrinfo(host, 80) == [("resolved", host)]


@pytest.mark.parametrize("host", ["192.0.2.1", "10.0.0.1", "2001:db8::1", "pypi.org"])
def test_other_addresses_are_refused_and_logged(tmp_path, host):
    log = tmp_path / "log"
    fake = _guard_with_fake_socket(log)
    sock = fake.socket(fake.AF_INET)
    for call in (lambda: sock.connect((host, 443)), lambda: sock.connect_ex((host, 443)),
                 lambda: sock.sendto(b"x", (host, 53)), lambda: fake.getaddrinfo(host, 443)):
        with pytest.raises(OSError, match="blocked in the book build"):
            call()
    assert sock.calls == []  # the real method was never reached
    assert log.read_text().count(host) == 4


def test_guard_is_installed_in_every_python_process(tmp_path):
    env, log = offline_env(tmp_path)
    code = "import socket; print(socket.socket.connect.__qualname__, socket.getaddrinfo.__name__)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert "_guarded" in out and "_guarded_getaddrinfo" in out
    assert log.exists() and log.read_text() == ""
