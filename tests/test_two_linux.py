"""Two Linux guests at once, from one configuration (configs/two-linux.dts's
shape), each in its own VM, on each backend: both boot to a shell on the
shared console (lines tagged [alpha] / [beta], input moved with Ctrl-]),
each sees its own vCPUs and its own disk, and one powering off leaves the
other running."""
import os
import re
import shutil
import subprocess
import time

import pexpect
import pytest

from guestrun import BUILD, PYTHON, ROOT

LINUX = os.path.join(BUILD, "linux")
IMAGE = os.path.join(LINUX, "Image")
INITRD = os.path.join(LINUX, "initramfs.cpio.gz")
DISK = os.path.join(LINUX, "disk.img")
BOOT_TIMEOUT = 300
CMD_TIMEOUT = 60
ESC = "\x1d"     # Ctrl-]

pytestmark = pytest.mark.skipif(not os.path.exists(IMAGE),
                                reason="Linux images not built (make linux-images)")


def config_dts(tmp_path, vcpus=2, extra=None):
    """Two Linux guests, alpha and beta, each with a fresh copy of the disk."""
    extra = extra or {}
    nodes = ""
    for name in ("alpha", "beta"):
        disk = tmp_path / f"disk-{name}.img"
        shutil.copyfile(DISK, disk)
        props = [f"vcpus = <{vcpus}>;", "memory-mib = <256>;", f'kernel = "{IMAGE}";',
                 f'initrd = "{INITRD}";', f'disk = "{disk}";',
                 f'bootargs = "{extra.get(name + "-bootargs", "console=ttyS0")}";']
        props += extra.get(name, [])
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
        cmd = [os.path.join(ROOT, "scripts", "run.py"), "--config", dtb,
               "--backend", backend, "--cpu", cpu, "--umbra", os.path.join(BUILD, "umbra.bin")]
        if harts:
            cmd += ["--harts", str(harts)]
        self.p = pexpect.spawn(PYTHON, cmd, cwd=ROOT, encoding="utf-8",
                               codec_errors="replace", timeout=CMD_TIMEOUT)
        self.log = []
        self.p.logfile_read = _Tee(self.log)
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


class _Tee:
    def __init__(self, log):
        self.log = log

    def write(self, s):
        self.log.append(s)

    def flush(self):
        pass


BACKENDS = ["shadow", "hext"]


@pytest.fixture(scope="module", params=BACKENDS)
def pair(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"two-{request.param}")
    g = Pair(request.param, config_dts(tmp))
    try:
        g.wait_boot()
    except (pexpect.EOF, pexpect.TIMEOUT):
        g.close()
        pytest.fail(f"two Linux guests did not boot on {request.param}:\n{g.output()[-4000:]}")
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
    for name in Pair.NAMES:
        pair.wait_line(name, f"{name}-job-done", timeout=120, since=mark)
    for name in Pair.NAMES:
        assert pair.run(name, "cut -c1-16 /tmp/sum") == "bb9f8df61474d25e"
