"""The autouse guard in conftest.py really blocks non-loopback hosts."""

import socket

import pytest


def test_guard_blocks_non_loopback_and_allows_loopback(no_network_except_loopback):
    with pytest.raises(OSError, match="network"):
        socket.getaddrinfo("example.com", 443)
    with socket.socket() as sock, pytest.raises(OSError, match="network"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1, never routed
    assert no_network_except_loopback == ["getaddrinfo 'example.com'", "connect '192.0.2.1'"]
    no_network_except_loopback.clear()  # don't fail this test at teardown

    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("127.0.0.1", 80)
