"""Linux 6.1 with a busybox shell, driven over its console with pexpect:
natively on QEMU and under Umbra on both backends (trap-and-emulate with
shadow paging; the H extension with two-stage translation), with Umbra's
emulated UART, PLIC and virtio devices.  The same tests run on each."""
import os
import shutil
import subprocess

import pexpect
import pytest

from guestrun import BUILD, PYTHON, ROOT, Tee

LINUX = os.path.join(BUILD, "linux")
IMAGE = os.path.join(LINUX, "Image")
INITRD = os.path.join(LINUX, "initramfs.cpio.gz")
DISK = os.path.join(LINUX, "disk.img")
PROMPT = "guest# "
BOOT_TIMEOUT = 300      # seconds to the shell prompt (generous for a loaded CI)
CMD_TIMEOUT = 60

pytestmark = pytest.mark.skipif(not os.path.exists(IMAGE),
                                reason="Linux images not built (make linux-images)")


class ConsoleGuest:
    """A guest started by run.py with these arguments, driven on its serial
    console (everything it printed is kept: output())."""

    def __init__(self, run_args):
        self.p = pexpect.spawn(PYTHON, [os.path.join(ROOT, "scripts", "run.py"), *run_args],
                               cwd=ROOT, encoding="utf-8", codec_errors="replace",
                               timeout=CMD_TIMEOUT)
        self.log = []
        self.p.logfile_read = Tee(self.log)

    def output(self):
        return "".join(self.log)

    def run(self, command, timeout=CMD_TIMEOUT):
        """Run a shell command; return what it printed."""
        self.p.sendline(command)
        self.p.expect_exact(command)          # the echo
        self.p.expect_exact(PROMPT, timeout=timeout)
        return self.p.before.strip()

    def poweroff(self):
        self.p.sendline("poweroff")
        self.p.expect(pexpect.EOF, timeout=CMD_TIMEOUT)
        self.p.close()
        return self.p.exitstatus

    def kill(self):
        if self.p.isalive():
            self.p.terminate(force=True)


class Guest(ConsoleGuest):
    """The Linux guest with its disk."""

    def __init__(self, backend, disk, smp=1, harts=None):
        # Natively and on the trap-and-emulate backend: a core without H;
        # the H-extension backend runs on a core with it.  shadow-nopatch is
        # trap-and-emulate with PATCH=0: every privileged instruction traps.
        cpu = "rv64" if backend == "hext" else "rv64,h=false"
        patch = "0" if backend == "shadow-nopatch" else "1"
        backend = backend.replace("-nopatch", "")
        super().__init__(["--guest", IMAGE,
                          "--initrd", INITRD, "--disk", disk, "--backend", backend,
                          "--cpu", cpu, "--patch", patch, "--smp", str(smp),
                          *(("--harts", str(harts)) if harts else ()),
                          "--mem", "256M", "--append", "console=ttyS0",
                          "--umbra", os.path.join(BUILD, "umbra.bin")])
        self.backend = backend

    def wait_boot(self):
        self.p.expect("umbra-guest: init done", timeout=BOOT_TIMEOUT)
        self.p.expect_exact(PROMPT)


@pytest.fixture(params=["native", "shadow", "shadow-nopatch", "hext"])
def guest(request, tmp_path):
    disk = tmp_path / "disk.img"
    shutil.copy(DISK, disk)
    g = Guest(request.param, str(disk))
    g.disk = str(disk)
    yield g
    g.kill()


def test_boot_to_shell_and_run_commands(guest):
    guest.wait_boot()
    assert "Linux" in guest.run("uname -s")
    assert guest.run("echo $((6 * 7))") == "42"
    cpuinfo = guest.run("cat /proc/cpuinfo")
    isa = [line for line in cpuinfo.splitlines() if line.startswith("isa")]
    assert isa and "rv64ima" in isa[0]
    assert "mmu" in cpuinfo
    if guest.backend != "native":
        # Only what Umbra gives: no hypervisor extension, no Sstc.
        assert "h" not in isa[0].split(":")[1].strip().split("_")[0][4:]
        assert "sstc" not in isa[0]
    # Processes, pipes, and a file system in RAM.
    assert guest.run("ls / | grep -c proc") == "1"
    assert guest.run("seq 1 1000 | sort -rn | head -1") == "1000"
    assert guest.poweroff() == 0


def test_disk_write_survives_poweroff(guest):
    guest.wait_boot()
    text = f"written by the {guest.backend} guest"
    guest.run(f"echo '{text}' > /mnt/hello.txt")
    guest.run("dd if=/dev/urandom of=/mnt/random.bin bs=4k count=64 2>/dev/null")
    sum_in_guest = guest.run("md5sum /mnt/random.bin").split()[0]
    guest.run("sync")
    assert guest.poweroff() == 0

    # The data is in the host's image file, and the file system is clean.
    out = subprocess.run(["debugfs", "-R", "cat /hello.txt", guest.disk],
                         capture_output=True, text=True)
    assert text in out.stdout
    out = subprocess.run(["debugfs", "-R", "dump /random.bin /dev/stdout", guest.disk],
                         capture_output=True)
    import hashlib
    assert hashlib.md5(out.stdout).hexdigest() == sum_in_guest
    fsck = subprocess.run(["fsck.ext4", "-fn", guest.disk], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_reboot_boots_again(guest):
    guest.wait_boot()
    guest.run("echo before-reboot > /mnt/marker")
    guest.p.sendline("reboot")
    guest.wait_boot()                       # a second boot, same disk
    assert guest.run("cat /mnt/marker") == "before-reboot"
    assert guest.poweroff() == 0
