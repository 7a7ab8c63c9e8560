"""Linux 6.1 on several harts: natively on QEMU, and under Umbra on both
backends (shadow paging; the H extension) with as many vCPUs, and with
twice as many vCPUs as harts (4 on 2: Umbra's scheduler shares them).

One guest boots per (backend, number of harts) and the tests below run in it
in turn (a module-scoped fixture; pytest groups the tests by it):
  - boot: nproc and /proc/cpuinfo show every hart, the kernel brought them all up;
  - a parallel workload: one sha256sum job per hart, every result right,
    and /proc/stat shows that every CPU did some of the work;
  - CPU hotplug: hart 1 (and the last one) go offline (SBI HSM HART_STOP) and
    come back (HART_START), nproc follows, and the workload runs on what is
    online, then on all of them again;
  - tlbstress (guests/linux/tlbstress.c): mprotect, munmap/mmap, MADV_DONTNEED
    and fork against reader threads on every other CPU, so each change is a
    TLB shootdown (SBI remote fences) that must reach every hart in time
    (and its self-test first: changes published too early must be caught);
  - poweroff with every hart running.
"""
import os
import re
import shutil
import time

import pexpect
import pytest

from test_linux import DISK, IMAGE, PROMPT, Guest

pytestmark = pytest.mark.skipif(not os.path.exists(IMAGE),
                                reason="Linux images not built (make linux-images)")

# The Umbra backends run the guest 3-10x slower than native: the workloads
# are small, and the tlbstress run is bounded in time, not in work.
CMD_TIMEOUT = 300
TLBSTRESS_SECONDS = 5


def params():
    return [pytest.param((backend, smp, None), id=f"{backend}-smp{smp}")
            for backend in ("native", "shadow", "hext") for smp in (2, 4)] + \
        [pytest.param((backend, 4, 2), id=f"{backend}-smp4-harts2")
         for backend in ("shadow", "hext")]


@pytest.fixture(scope="module", params=params())
def smp_guest(request, tmp_path_factory):
    backend, smp, harts = request.param
    disk = tmp_path_factory.mktemp(f"{backend}-smp{smp}-harts{harts}") / "disk.img"
    shutil.copy(DISK, disk)
    g = Guest(backend, str(disk), smp=smp, harts=harts)
    g.smp = smp
    g.booted = time.monotonic()
    try:
        g.wait_boot()
        booted = True
    except (pexpect.EOF, pexpect.TIMEOUT):
        booted = False
    if not booted:
        g.kill()
        pytest.fail(f"{backend} with {smp} vCPUs ({harts or smp} harts) did not boot to the shell; it printed:\n"
                    + g.output()[-3000:].replace("\r", ""), pytrace=False)
    g.boot_seconds = time.monotonic() - g.booted
    # Kernel messages (CPU1: off, ...) only in dmesg, not in the middle of
    # the commands' output on the console.
    g.p.sendline("dmesg -n 1")
    g.p.expect_exact(PROMPT)
    yield g
    g.kill()


def sh(guest, command, timeout=CMD_TIMEOUT):
    """Run a shell command at the prompt; return (exit status, output).  The
    output is taken between two markers, so the console's echo of a long
    command line (which busybox may redraw) does not matter."""
    guest.p.sendline(f"echo @@S; {command}; echo @@E$?")
    try:
        guest.p.expect(r"@@S\r*\n", timeout=timeout)
        guest.p.expect(r"@@E(\d+)\r*\n", timeout=timeout)
        status, out = int(guest.p.match.group(1)), guest.p.before
        guest.p.expect_exact(PROMPT, timeout=timeout)
        error = None
    except (pexpect.EOF, pexpect.TIMEOUT) as e:
        error = type(e).__name__
    if error:
        # A hung guest is stopped: the tests after this one then fail at
        # once instead of waiting out their own timeouts.
        guest.kill()
        pytest.fail(f"{command!r}: {error} (after {timeout} s or the guest ended); "
                    "it printed:\n" + guest.output()[-3000:].replace("\r", ""), pytrace=False)
    return status, out.replace("\r", "").strip()


def ok(guest, command, timeout=CMD_TIMEOUT):
    status, out = sh(guest, command, timeout)
    assert status == 0, f"{command!r} exited with {status}:\n{out}"
    return out


TICKS = "grep '^cpu[0-9]' /proc/stat"


def parse_ticks(text):
    """{cpu number: user + nice + system ticks} from /proc/stat's cpuN lines
    (only online CPUs have one)."""
    ticks = {}
    for line in text.splitlines():
        f = line.split()
        if f and re.fullmatch(r"cpu\d+", f[0]):
            ticks[int(f[0][3:])] = int(f[1]) + int(f[2]) + int(f[3])
    return ticks


def cpulist(cpus):
    """[0, 2, 3] -> "0,2-3", as /sys/devices/system/cpu/online writes it."""
    runs = []
    for c in cpus:
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def online(guest):
    return ok(guest, "cat /sys/devices/system/cpu/online")


def parallel_workload(guest, jobs):
    """jobs sha256sum loops at once; returns the ticks each CPU spent in them."""
    ref = ok(guest, "sha256sum /tmp/f").split()[0]
    before = parse_ticks(ok(guest, TICKS))
    ok(guest, f"rm -f /tmp/sum.*; for i in $(seq {jobs}); do "
              f"(for j in 1 2 3; do sha256sum /tmp/f; done >/tmp/sum.$i) & done; wait")
    after = parse_ticks(ok(guest, TICKS))
    sums = ok(guest, "cat /tmp/sum.*").split("\n")
    assert len(sums) == 3 * jobs and all(s.split()[0] == ref for s in sums), sums
    return {cpu: after[cpu] - before.get(cpu, 0) for cpu in after}


def assert_all_worked(ticks, cpus):
    assert sorted(ticks) == sorted(cpus), f"/proc/stat has CPUs {sorted(ticks)}"
    idle = [cpu for cpu in cpus if ticks[cpu] < 2]
    assert not idle, f"CPUs {idle} did (almost) none of the work: ticks per CPU {ticks}"


def test_smp_boot(smp_guest):
    g = smp_guest
    n = g.smp
    assert ok(g, "nproc") == str(n)
    assert ok(g, "grep -c ^processor /proc/cpuinfo") == str(n)
    assert online(g) == cpulist(range(n))
    # The boot log: every secondary hart came up through SBI HSM.
    assert re.search(rf"smp: Brought up 1 node, {n} CPUs", g.output()), \
        "no 'smp: Brought up 1 node, N CPUs' line in the boot log"
    assert f"{n} harts" in g.output()     # /init's banner
    print(f"{g.backend} smp={n}: booted to the shell in {g.boot_seconds:.1f} s")


def test_smp_parallel_workload(smp_guest):
    g = smp_guest
    ok(g, "dd if=/dev/urandom of=/tmp/f bs=64k count=8 2>/dev/null")   # 512 KiB
    t0 = time.monotonic()
    ticks = parallel_workload(g, g.smp)
    print(f"{g.backend} smp={g.smp}: {g.smp} jobs in {time.monotonic() - t0:.1f} s, "
          f"ticks per CPU {ticks}")
    assert_all_worked(ticks, range(g.smp))


def set_online(guest, cpu, on):
    ok(guest, f"echo {int(on)} >/sys/devices/system/cpu/cpu{cpu}/online")
    assert ok(guest, f"cat /sys/devices/system/cpu/cpu{cpu}/online") == str(int(on))


def test_smp_cpu_hotplug(smp_guest):
    g = smp_guest
    n = g.smp
    gone = sorted({1, n - 1})           # hart 1, and the last one
    rest = [c for c in range(n) if c not in gone]
    for cpu in gone:
        set_online(g, cpu, False)
    assert ok(g, "nproc") == str(len(rest))
    assert online(g) == cpulist(rest)
    # The kernel saw the harts die.  (It then asks SBI HSM HART_GET_STATUS
    # whether they stopped, and may warn "CPUn may not have stopped: 3": the
    # dying hart's HART_STOP can still be pending, natively too.)
    log = ok(g, "dmesg | tail -20")
    for cpu in gone:
        assert re.search(rf"CPU{cpu}: off", log), log
    assert "didn't die" not in log, log
    ticks = parallel_workload(g, len(rest))
    assert_all_worked(ticks, rest)

    for cpu in gone:
        set_online(g, cpu, True)
    assert ok(g, "nproc") == str(n)
    assert online(g) == cpulist(range(n))
    ticks = parallel_workload(g, n)
    assert_all_worked(ticks, range(n))
    # Unplug and replug once more, quickly: HSM stop and start again.
    set_online(g, 1, False)
    set_online(g, 1, True)
    assert ok(g, "nproc") == str(n)


def ipis(text):
    """{IPI name: count summed over CPUs} from /proc/interrupts."""
    counts = {}
    for line in text.splitlines():
        m = re.match(r"\s*(IPI\d+):\s+([\d\s]+?)\s+([A-Za-z].*)$", line)
        if m:
            counts[m.group(3).strip()] = sum(int(x) for x in m.group(2).split())
    return counts


def test_smp_tlbstress_self_test(smp_guest):
    """tlbstress's checks fire: with -x the writer publishes each change
    before making it, as a hart whose TLB shootdown came late sees it."""
    g = smp_guest
    status, out = sh(g, "tlbstress -s 2 -x 1")
    assert status == 1 and re.search(r"^tlbstress: FAIL .*read-only page \d+: no fault", out,
                                     re.M), out
    status, out = sh(g, "tlbstress -s 2 -x 2")
    assert status == 1 and re.search(r"^tlbstress: FAIL .* read \S+, expected 0x", out, re.M), out


def test_smp_tlbstress(smp_guest):
    g = smp_guest
    # Every hart online (the hotplug test may have failed half way).
    for cpu in range(1, g.smp):
        sh(g, f"echo 1 >/sys/devices/system/cpu/cpu{cpu}/online")
    assert ok(g, "nproc") == str(g.smp)
    before = ipis(ok(g, "cat /proc/interrupts"))
    t0 = time.monotonic()
    status, out = sh(g, f"tlbstress -s {TLBSTRESS_SECONDS}")
    wall = time.monotonic() - t0
    after = ipis(ok(g, "cat /proc/interrupts"))
    print(f"{g.backend} smp={g.smp}: {out.splitlines()[-1] if out else ''} ({wall:.1f} s wall); "
          "IPIs: " + ", ".join(f"{k} {after[k] - before.get(k, 0)}" for k in after
                               if after[k] - before.get(k, 0)))
    assert status == 0 and re.search(r"^tlbstress: OK [1-9]\d* iterations", out, re.M), out
    assert f"{g.smp} threads on {g.smp} CPUs" in out, out


def test_smp_poweroff(smp_guest):
    assert smp_guest.poweroff() == 0
