"""Networking: the Linux guest on a virtio-net card, natively (QEMU's own
card on user networking, the reference) and under Umbra on both backends
(Umbra's virtio-net model, its switch, and its driver for QEMU's card as
the uplink).  The same checks run on each:

  - the host fetches the guest's web page and test file through QEMU's
    hostfwd (127.0.0.1:PORT -> 10.0.2.15:80), and they match what the
    guest has;
  - the guest pings the gateway 10.0.2.2;
  - the guest fetches 1 MiB from an HTTP server the test runs on the host
    (127.0.0.1, which the guest reaches as 10.0.2.2) and its md5 matches.
Under Umbra also with two vCPUs on hext (both harts poll the uplink).
"""
import hashlib
import http.server
import os
import socket
import threading
import urllib.request

import pytest

from guestrun import BUILD
from test_linux import IMAGE, INITRD, PROMPT, BOOT_TIMEOUT, ConsoleGuest

pytestmark = pytest.mark.skipif(not os.path.exists(IMAGE),
                                reason="Linux images not built (make linux-images)")

GUEST_IP = "10.0.2.15"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NetGuest(ConsoleGuest):
    """The Linux guest with a network card, on its serial console."""

    def __init__(self, backend, hostfwd, smp=1):
        cpu = "rv64" if backend == "hext" else "rv64,h=false"
        super().__init__(["--guest", IMAGE,
                          "--initrd", INITRD, "--backend", backend, "--cpu", cpu,
                          "--smp", str(smp), "--mem", "256M", "--net", "--hostfwd", str(hostfwd),
                          "--append", f"console=ttyS0 umbra.ip={GUEST_IP}/24",
                          "--umbra", os.path.join(BUILD, "umbra.bin")])
        self.backend = backend
        self.hostfwd = hostfwd

    def wait_boot(self):
        self.p.expect(r"umbra-guest: init done \([^\n]*net: ([^,]*),", timeout=BOOT_TIMEOUT)
        net = self.p.match.group(1)
        self.p.expect_exact(PROMPT)
        return net


# hext-smp2: two vCPUs, so two harts poll the uplink and take frames.
@pytest.fixture(params=["native", "shadow", "hext", "hext-smp2"])
def guest(request):
    backend, _, smp = request.param.partition("-smp")
    g = NetGuest(backend, free_port(), int(smp or 1))
    yield g
    g.kill()


def fetch(port, path, timeout=60):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return r.read()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_net_host_fetches_from_guest_and_guest_pings(guest):
    assert guest.wait_boot() == f"eth0 {GUEST_IP}/24"
    page = fetch(guest.hostfwd, "/index.html").decode()
    assert page.startswith("umbra-guest: hello from")
    assert page.strip() == guest.run("cat /www/index.html")
    data = fetch(guest.hostfwd, "/test.bin")
    assert len(data) == 262144
    assert hashlib.md5(data).hexdigest() == guest.run("md5sum /www/test.bin").split()[0]
    # ICMP echo to QEMU's gateway (slirp answers pings to its own address).
    out = guest.run("ping -c 3 -W 5 10.0.2.2", timeout=60)
    assert "3 packets transmitted, 3 packets received" in out, out
    assert guest.poweroff() == 0
    if guest.backend != "native":
        # The switch's table: the guest's port sent and received frames.
        assert "switch port" in guest.output()


def test_net_guest_fetches_1mib_from_host(guest, tmp_path):
    blob = os.urandom(1 << 20)
    (tmp_path / "blob.bin").write_bytes(blob)
    handler = lambda *a, **kw: _Quiet(*a, directory=str(tmp_path), **kw)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        guest.wait_boot()
        guest.run(f"wget -q -O /tmp/blob.bin http://10.0.2.2:{port}/blob.bin && echo fetched",
                  timeout=180)
        assert guest.run("ls -l /tmp/blob.bin").split()[4] == str(1 << 20)
        assert guest.run("md5sum /tmp/blob.bin").split()[0] == hashlib.md5(blob).hexdigest()
        assert guest.poweroff() == 0
    finally:
        server.shutdown()
