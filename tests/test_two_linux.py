"""Two Linux guests at once, from one configuration (configs/two-linux.dts's
shape), each in its own VM, on each backend: both boot to a shell on the
shared console (lines tagged [alpha] / [beta], input moved with Ctrl-]),
each sees its own vCPUs and its own disk; on Umbra's switch they ping each
other, one fetches a file from the other's web server, the host reaches
each through QEMU's hostfwd; one powering off leaves the other running;
and the same pair also runs time-sliced on fewer harts than vCPUs."""
import hashlib
import os
import re
import socket
import urllib.request
import shutil
import subprocess
import time

import pexpect
import pytest

from guestrun import BUILD, PYTHON, ROOT, Tee

LINUX = os.path.join(BUILD, "linux")
IMAGE = os.path.join(LINUX, "Image")
INITRD = os.path.join(LINUX, "initramfs.cpio.gz")
DISK = os.path.join(LINUX, "disk.img")
BOOT_TIMEOUT = 300
CMD_TIMEOUT = 60
ESC = "\x1d"     # Ctrl-]

pytestmark = pytest.mark.skipif(not os.path.exists(IMAGE),
                                reason="Linux images not built (make linux-images)")


IPS = {"alpha": "10.0.2.15", "beta": "10.0.2.16"}


def config_dts(tmp_path, vcpus=2):
    """Two Linux guests, alpha and beta, each with a fresh copy of the disk
    and a network card (alpha 10.0.2.15, beta 10.0.2.16)."""
    nodes = ""
    for name in ("alpha", "beta"):
        disk = tmp_path / f"disk-{name}.img"
        shutil.copyfile(DISK, disk)
        props = [f"vcpus = <{vcpus}>;", "memory-mib = <256>;", f'kernel = "{IMAGE}";',
                 f'initrd = "{INITRD}";', f'disk = "{disk}";', "network;",
                 f'bootargs = "console=ttyS0 umbra.ip={IPS[name]}/24";']
        nodes += f"\t\t{name} {{\n" + "".join(f"\t\t\t{p}\n" for p in props) + "\t\t};\n"
    src = tmp_path / "two.dts"
    src.write_text('/dts-v1/;\n/ {\n\tcompatible = "umbra,config";\n\tguests {\n'
                   + nodes + "\t};\n};\n")
    dtb = tmp_path / "two.dtb"
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtb), str(src)], check=True)
    return str(dtb)


class Pair:
    """Two guests on one console: run(name, command) types to one of them."""
    NAMES = ("alpha", "beta")

    def __init__(self, backend, dtb, harts=None):
        cpu = "rv64" if backend == "hext" else "rv64,h=false"
        self.hostfwd = free_ports(2)
        cmd = [os.path.join(ROOT, "scripts", "run.py"), "--config", dtb,
               "--backend", backend, "--cpu", cpu, "--hostfwd", str(self.hostfwd),
               "--umbra", os.path.join(BUILD, "umbra.bin")]
        if harts:
            cmd += ["--harts", str(harts)]
        self.p = pexpect.spawn(PYTHON, cmd, cwd=ROOT, encoding="utf-8",
                               codec_errors="replace", timeout=CMD_TIMEOUT)
        self.log = []
        self.p.logfile_read = Tee(self.log)
        self.focus = "alpha"
        self.n = 0

    def output(self):
        # (The pty adds a \r to the guest's \r\n.)
        return re.sub(r"\r+\n", "\n", "".join(self.log))

    def lines(self, name):
        """What guest 'name' printed, its tag taken off."""
        tag = f"[{name}] "
        return [l[len(tag):].rstrip("\r") for l in self.output().split("\n") if l.startswith(tag)]

    def wait_for(self, pattern, timeout=CMD_TIMEOUT, since=0):
        """Read the console until 'pattern' (a regex) shows in what was
        printed after position 'since': the two guests' lines come in any
        order, so this looks at the whole output, not at a stream."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.output()[since:], re.M):
            if time.monotonic() > deadline:
                raise pexpect.TIMEOUT(f"no {pattern!r} after {timeout} s")
            try:
                self.p.read_nonblocking(65536, timeout=0.2)
            except pexpect.TIMEOUT:
                pass

    def wait_boot(self):
        for name in self.NAMES:
            self.wait_for(re.escape(f"[{name}] umbra-guest: init done"), BOOT_TIMEOUT)
        for name in self.NAMES:
            self.wait_for(re.escape(f"[{name}] guest# "), BOOT_TIMEOUT)

    def wait_line(self, name, text, timeout=CMD_TIMEOUT, since=0):
        self.wait_for("^" + re.escape(f"[{name}] {text}") + "$", timeout, since)

    def type_to(self, name):
        if self.focus != name:
            mark = len(self.output())
            self.p.send(ESC + str(self.NAMES.index(name) + 1))
            self.wait_for(re.escape(f"umbra: input goes to guest {self.NAMES.index(name) + 1}, "
                                    f"{name}"), since=mark)
            self.focus = name

    def run(self, name, command, timeout=CMD_TIMEOUT):
        """Run a shell command in guest 'name'; return what it printed."""
        self.n += 1
        begin, end = f"@@begin-{self.n}@@", f"@@end-{self.n}@@"
        self.type_to(name)
        mark = len(self.output())
        self.p.sendline(f"echo {begin}; {command}; echo {end}")
        self.wait_line(name, end, timeout=timeout, since=mark)
        out = self.lines(name)
        return "\n".join(out[out.index(begin) + 1:out.index(end)]).strip()

    def close(self):
        if self.p.isalive():
            self.p.terminate(force=True)


def free_ports(n):
    """A host port p with p .. p + n - 1 all free (for hostfwd)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n > 65535:
            continue
        try:
            socks = []
            for i in range(1, n):
                t = socket.socket()
                socks.append(t)
                t.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for t in socks:
                t.close()
    raise RuntimeError("no free ports")


def fetch(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=CMD_TIMEOUT) as r:
        return r.read()


BACKENDS = ["shadow", "hext"]


def boot_pair(backend, tmp, harts=None):
    g = Pair(backend, config_dts(tmp), harts)
    try:
        g.wait_boot()
    except (pexpect.EOF, pexpect.TIMEOUT):
        g.close()
        pytest.fail(f"two Linux guests did not boot on {backend}"
                    f"{f' on {harts} harts' if harts else ''}:\n{g.output()[-4000:]}")
    return g


@pytest.fixture(scope="module", params=BACKENDS)
def pair(request, tmp_path_factory):
    g = boot_pair(request.param, tmp_path_factory.mktemp(f"two-{request.param}"))
    yield g
    g.close()


def test_both_boot_with_their_own_vcpus(pair):
    for name in Pair.NAMES:
        assert pair.run(name, "nproc") == "2"
        assert pair.run(name, "grep -c ^processor /proc/cpuinfo") == "2"


def test_each_has_its_own_disk(pair):
    pair.run("alpha", "echo alpha-was-here > /mnt/owner; sync")
    pair.run("beta", "echo beta-was-here > /mnt/owner; sync")
    assert pair.run("alpha", "cat /mnt/owner") == "alpha-was-here"
    assert pair.run("beta", "cat /mnt/owner") == "beta-was-here"


def test_input_goes_only_to_the_focused_guest(pair):
    pair.run("alpha", "echo only-alpha-typed-this")
    assert "only-alpha-typed-this" not in "\n".join(pair.lines("beta"))
    mark = len(pair.output())
    pair.p.send(ESC + "?")
    pair.wait_for(re.escape("umbra:   1 alpha"), since=mark)
    pair.wait_for(re.escape("umbra:   2 beta"), since=mark)


def test_both_work_at_once(pair):
    # A CPU-bound job in each, started together: both finish.
    mark = len(pair.output())
    for name in Pair.NAMES:
        pair.type_to(name)
        pair.p.sendline(f"(dd if=/dev/zero bs=64k count=64 2>/dev/null | sha256sum > /tmp/sum; "
                        f"echo {name}-job-done) &")
    # (A job's line may follow its shell's prompt, "[alpha] guest# ", when
    # no other line came between: the console goes on with the open line.)
    for name in Pair.NAMES:
        pair.wait_for("^" + re.escape(f"[{name}] ") + "(guest# )?" + re.escape(f"{name}-job-done")
                      + "$", 120, mark)
    for name in Pair.NAMES:
        assert pair.run(name, "cut -c1-16 /tmp/sum") == "bb9f8df61474d25e"


def test_they_ping_each_other(pair):
    out = pair.run("alpha", f"ping -c 3 -W 5 {IPS['beta']}", timeout=60)
    assert "3 packets transmitted, 3 packets received" in out, out
    out = pair.run("beta", f"ping -c 3 -W 5 {IPS['alpha']}", timeout=60)
    assert "3 packets transmitted, 3 packets received" in out, out


def test_one_fetches_a_file_from_the_other(pair):
    # 1 MiB of random bytes on beta's web server, fetched by alpha.
    pair.run("beta", "dd if=/dev/urandom of=/www/blob.bin bs=64k count=16 2>/dev/null")
    want = pair.run("beta", "md5sum /www/blob.bin").split()[0]
    pair.run("alpha", f"wget -q -O /tmp/blob.bin http://{IPS['beta']}/blob.bin", timeout=120)
    assert pair.run("alpha", "md5sum /tmp/blob.bin").split()[0] == want


def test_the_host_reaches_each_guest(pair):
    for i, name in enumerate(Pair.NAMES):
        pair.run(name, f"echo served-by-{name} > /www/who.txt")
        assert fetch(pair.hostfwd + i, "/who.txt").decode().strip() == f"served-by-{name}"
    data = fetch(pair.hostfwd + 1, "/blob.bin")
    assert hashlib.md5(data).hexdigest() == pair.run("beta", "md5sum /www/blob.bin").split()[0]


def test_one_powers_off_the_other_keeps_working(pair):
    # (Last in the module: alpha is gone after it.)
    mark = len(pair.output())
    pair.type_to("alpha")
    pair.p.sendline("poweroff")
    pair.wait_for(re.escape("umbra: guest alpha powered off (success)"), since=mark)
    assert pair.run("beta", "echo still-here; nproc") == "still-here\n2"
    assert pair.run("beta", "cat /mnt/owner") == "beta-was-here"
    out = pair.run("beta", "ping -c 2 -W 5 10.0.2.2", timeout=60)
    assert "2 packets received" in out, out
    pair.type_to("beta")
    pair.p.sendline("poweroff")
    pair.p.expect(pexpect.EOF, timeout=CMD_TIMEOUT)
    pair.p.close()
    assert pair.p.exitstatus == 0, pair.output()[-3000:]
    assert "umbra: guest beta powered off (success)" in pair.output()


@pytest.mark.parametrize("backend", BACKENDS)
def test_more_vcpus_than_harts(backend, tmp_path):
    """Two 2-vCPU guests on 2 harts, time-sliced: both boot, see 2 CPUs,
    and reach each other."""
    g = boot_pair(backend, tmp_path, harts=2)
    try:
        for name in Pair.NAMES:
            assert g.run(name, "nproc") == "2"
        out = g.run("alpha", f"ping -c 2 -W 5 {IPS['beta']}", timeout=60)
        assert "2 packets received" in out, out
    finally:
        g.close()
