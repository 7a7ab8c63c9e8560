"""Several VMs at once, from one configuration (src/core/config.h).

Each guest's console lines come out tagged "[name] ..." (src/core/console.c);
taking a VM's lines and stripping the tag gives what it printed, which must
be what the same guest prints when it runs natively alone:

- differential: pairs of the differential test guests, each VM pinned to a
  hart of its own, on both backends;
- isolation: two VMs run guests/isolation (a marker with a run-time id on
  every free page, every word of RAM scanned for another VM's marker,
  access faults beyond the end of RAM), and its negative self-check (a
  planted marker of another id must be found);
- a hostile neighbour: VM A attacks Umbra (guests/hostile_*) while VM B runs
  a differential guest: B sees what it sees natively, A gives the verdict it
  gives alone;
- poweroff: a VM that powers off (or fails) ends alone, QEMU ends after the
  last one, with a non-zero status if any failed;
- console input focus: Ctrl-] 2 gives the input to the second VM.

A VM that never reaches its verdict is a failure; its output so far is
still checked against the start of its native output first, so the report
says where it stopped.
"""
import os
import re
import subprocess

import pexpect
import pytest

from guestrun import BUILD, PYTHON, ROOT, Run, Tee, guest_path, run_guest, run_py
from test_diff import expected_section
import test_hostile_disk as hostile_disk

NATIVE_CPU = "rv64,h=false"
# (backend, QEMU -cpu): trap-and-emulate on a core without H; the H backend.
BACKENDS = [("shadow", "rv64,h=false"), ("hext", "rv64")]
BACKEND_IDS = [b for b, _ in BACKENDS]
# Each VM gets the RAM a guest gets natively (run.py's default -m), so that
# what a guest prints of its RAM (isolation: how much it scanned) matches.
MEM_MIB = 128
TIMEOUT = 90
# The isolation VMs scan every word of their RAM: less of it is quicker.
ISO_MIB = 32


# ---- Running a configuration -----------------------------------------------------

def vm(name, guest, hart=None, bootargs=None, mem=MEM_MIB, disk=None):
    """One guest of a configuration: VM 'name' boots guests/<guest>."""
    return {"name": name, "guest": guest, "hart": hart, "bootargs": bootargs, "mem": mem,
            "disk": disk}


def config_dts(vms):
    nodes = ""
    for v in vms:
        props = [f"memory-mib = <{v['mem']}>;", f'kernel = "{guest_path(v["guest"])}";']
        if v["hart"] is not None:
            props.append(f"harts = <{v['hart']}>;")
        if v["bootargs"]:
            props.append(f'bootargs = "{v["bootargs"]}";')
        if v["disk"]:
            props.append(f'disk = "{v["disk"]}";')
        body = "".join(f"\t\t\t{p}\n" for p in props)
        nodes += f"\t\t{v['name']} {{\n{body}\t\t}};\n"
    return ("/dts-v1/;\n/ {\n\tcompatible = \"umbra,config\";\n\tguests {\n"
            f"{nodes}\t}};\n}};\n")


def compile_config(tmp_path, vms):
    src = tmp_path / "multi.dts"
    src.write_text(config_dts(vms))
    dtb = tmp_path / "multi.dtb"
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtb), str(src)], check=True)
    return str(dtb)


class MultiRun(Run):
    def vm(self, name):
        """What VM 'name' printed: its tagged lines, without the tag."""
        tag = f"[{name}] "
        # (Not a last line without its newline: QEMU exited while a hart
        # was writing it.)
        lines = [line[len(tag):] for line in self.output.split("\n")[:-1]
                 if line.startswith(tag)]
        return Run(self.returncode, "\n".join(lines) + "\n")

    def powered_off(self):
        """The VMs that powered off, in order, each with its reason."""
        return re.findall(r"^umbra: guest (\S+) powered off \(([^)]*)\)$", self.output, re.M)


def run_vms(tmp_path, vms, backend, cpu, timeout=TIMEOUT, extra=()):
    return run_py(["--config", compile_config(tmp_path, vms), "--backend", backend,
                   "--cpu", cpu, *extra], timeout, MultiRun)


def assert_sane(run, where):
    assert "umbra: PANIC" not in run.output, f"{where}: Umbra panicked:\n" + run.output[-4000:]
    assert "ESCAPE" not in run.output, f"{where}: a guest escaped:\n" + run.output[-4000:]
    assert run.returncode is not None, f"{where}: hung:\n" + run.output[-4000:]


@pytest.fixture(scope="module")
def native_runs():
    return {}


def native(guest, native_runs, disk=None, mem=MEM_MIB):
    """The guest run natively, alone (cached): on a one-hart machine, as
    each VM here is one (a guest that counts harts must see one); 'disk': a
    fresh copy of this image as its virtio-blk disk.  QEMU's own complaints
    about what the guest hands its devices are not the guest's output."""
    key = (guest, disk is not None, mem)
    if key not in native_runs:
        extra = ("--mem", f"{mem}M")
        if disk is not None:
            path = os.path.join(os.path.dirname(disk), f"native-{os.path.basename(disk)}")
            with open(disk, "rb") as src, open(path, "wb") as dst:
                dst.write(src.read())
            extra += ("--disk", path)
        run = run_guest(guest_path(guest), "native", NATIVE_CPU, timeout=TIMEOUT, extra=extra)
        run = Run(run.returncode, "".join(line for line in run.output.splitlines(True)
                                          if not line.startswith("qemu-system-riscv64: ")))
        run.name = guest
        assert run.section(), f"native {guest} printed no TEST section:\n" + run.output[-2000:]
        native_runs[key] = run
    return native_runs[key]


# What a guest sees differently because QEMU itself runs several harts
# (here two, one per VM) rather than one, found by running it natively with
# -smp 1 and -smp 2: with several harts QEMU's TCG runs them in parallel and
# a misaligned AMO raises the store/AMO misaligned cause (6), with one hart
# the load cause (4).  The spec allows either for an AMO (exceptions.c
# accepts both); which one does not depend on Umbra.
QEMU_SMP = {
    "exceptions": (re.compile(r"^(amo\S+ +buf\+\d +)scause=4 ", re.M), r"\1scause=6 "),
}


def expected_vm_section(nat, backend):
    """What the guest must print as a VM here: its native section, with the
    differences QEMU_H (test_diff.py: the H backend) and QEMU_SMP name."""
    text = expected_section(nat, backend)
    if nat.name in QEMU_SMP:
        pattern, repl = QEMU_SMP[nat.name]
        text, n = pattern.subn(repl, text)
        assert n, f"known difference no longer in the native output of {nat.name}"
    return text


def check_vm(run, name, guest, expected, where):
    """VM 'name' (running 'guest') printed 'expected' from its TEST line to
    its verdict (a VM ends alone: another's poweroff never cuts it short)."""
    out = run.vm(name).output
    # A vCPU run on two harts at once prints its start twice.
    assert out.count(f"TEST {guest}: start") <= 1, \
        f"{where}: VM {name} ({guest}) started twice:\n" + run.output[-6000:]
    assert run.vm(name).section() == expected, \
        f"{where}: VM {name} ({guest}) saw something else than natively alone:\n" + \
        run.output[-6000:]


def check_matches_native(run, name, guest, backend, native_runs, where, disk=None,
                         mem=MEM_MIB):
    """VM 'name' (running 'guest', with 'mem' MiB of RAM) printed what the
    guest prints natively alone (check_vm)."""
    nat = native(guest, native_runs, disk, mem)
    assert nat.verdict() == "PASS", f"native {guest}:\n" + nat.section()
    check_vm(run, name, guest, expected_vm_section(nat, backend), where)


# ---- 1. Differential: pairs of test guests at once -----------------------------------

# Guests whose native output is deterministic (all of test_diff's are),
# paired a shorter with a longer one.
PAIRS = [("csr", "timer"), ("exceptions", "paging_basic"), ("umode", "paging_faults"),
         ("sbi", "ssip_wfi")]


def vm_name(guest):
    return guest.replace("_", "-")


@pytest.mark.parametrize("backend,cpu", BACKENDS, ids=BACKEND_IDS)
@pytest.mark.parametrize("pair", PAIRS, ids=["+".join(p) for p in PAIRS])
def test_pair_matches_native(tmp_path, pair, backend, cpu, native_runs):
    vms = [vm(vm_name(g), g, hart=i) for i, g in enumerate(pair)]
    run = run_vms(tmp_path, vms, backend, cpu)
    where = f"{'+'.join(pair)} on {backend}"
    assert_sane(run, where)
    for v in vms:
        check_matches_native(run, v["name"], v["guest"], backend, native_runs, where)
    assert sorted(run.powered_off()) == sorted((v["name"], "success") for v in vms)
    assert run.returncode == 0, f"{where}: exit status {run.returncode}"


@pytest.mark.parametrize("backend,cpu", BACKENDS, ids=BACKEND_IDS)
def test_pinned_crosswise(tmp_path, backend, cpu, native_runs):
    """The first guest pinned to hart 1, the second to hart 0: each runs on
    its own hart, once.  (Hart indexes are not hart ids: index 0 is the hart
    the firmware booted on; Umbra used to run the first guest on the boot
    hart whatever its pinning, so here on both harts at once, and the second
    guest not at all.)"""
    vms = [vm("sbi", "sbi", hart=1), vm("umode", "umode", hart=0)]
    run = run_vms(tmp_path, vms, backend, cpu)
    where = f"sbi on hart 1 + umode on hart 0, {backend}"
    assert_sane(run, where)
    for v in vms:
        check_matches_native(run, v["name"], v["guest"], backend, native_runs, where)
    assert run.returncode == 0


# ---- 2. Isolation -----------------------------------------------------------------------

def check_scan(run, name, found, where):
    """VM 'name' (isolation) scanned its RAM and found 'found' markers of
    other ids."""
    m = re.search(r"^other markers found: (\d+)$", run.vm(name).output, re.M)
    assert m, f"{where}: {name} did not get to its scan:\n" + run.output[-4000:]
    assert int(m.group(1)) == found, \
        f"{where}: {name} found {m.group(1)} other markers, not {found}:\n" + run.output[-6000:]


@pytest.mark.parametrize("backend,cpu", BACKENDS, ids=BACKEND_IDS)
def test_isolation_two_vms(tmp_path, backend, cpu, native_runs):
    """Each VM finds only its own markers in its RAM (none of the other's),
    and nothing beyond its end; with as much RAM as natively, it prints what
    it prints natively (the id is never printed)."""
    vms = [vm("iso-a", "isolation", hart=0, mem=ISO_MIB),
           vm("iso-b", "isolation", hart=1, mem=ISO_MIB)]
    run = run_vms(tmp_path, vms, backend, cpu)
    where = f"two isolation VMs on {backend}"
    assert_sane(run, where)
    for v in vms:
        check_scan(run, v["name"], 0, where)
        check_matches_native(run, v["name"], "isolation", backend, native_runs, where,
                             mem=ISO_MIB)
    assert run.returncode == 0


@pytest.mark.parametrize("backend", ["native"] + BACKEND_IDS)
def test_isolation_finds_a_planted_marker(backend):
    """The negative self-check: a marker of another id planted in the
    middle of a page (bootargs 'plant') is found by the scan, at its
    address: the scan does look at every word, and does tell ids apart."""
    cpu = dict(BACKENDS).get(backend, NATIVE_CPU)
    run = run_guest(guest_path("isolation"), backend, cpu, extra=("--append", "plant"))
    assert "planted a marker with another id" in run.section(), run.output[-4000:]
    assert "other markers found: 1\n" in run.section(), run.output[-4000:]
    assert "ok: the scan finds the planted marker, and nothing else" in run.section()
    assert run.verdict() == "PASS", run.output[-4000:]


@pytest.mark.parametrize("backend,cpu", BACKENDS, ids=BACKEND_IDS)
def test_isolation_plant_beside_another_vm(tmp_path, backend, cpu):
    """The self-check with two VMs: the planting VM finds exactly its one
    planted marker (none of its neighbour's), the neighbour none."""
    vms = [vm("planter", "isolation", hart=0, bootargs="plant", mem=ISO_MIB),
           vm("plain", "isolation", hart=1, mem=ISO_MIB)]
    run = run_vms(tmp_path, vms, backend, cpu)
    where = f"isolation plant + plain on {backend}"
    assert_sane(run, where)
    for v in vms:
        check_scan(run, v["name"], 1 if v["name"] == "planter" else 0, where)
        assert run.vm(v["name"]).verdict() == "PASS", f"{where}:\n" + run.output[-6000:]


# ---- 3. A hostile neighbour ---------------------------------------------------------------

# (hostile guest for VM A, differential guest for VM B, A has a disk).
# (The victim is mostly the quicker one: from before a VM ended alone.)
# hostile_virtio attacks a virtio-blk disk, so it gets one (without, it has
# nothing to attack); its image must change only where the guest wrote
# legitimately (test_hostile_disk.py).
HOSTILE_PAIRS = [("hostile_paging", "exceptions", False), ("hostile_dev", "timer", False),
                 ("hostile_pool", "paging_basic", False), ("hostile_sbi", "umode", False),
                 ("hostile_virtio", "sbi", True), ("hostile_window", "csr", False)]
# As in test_hostile.py: on shadow Umbra stops hostile_window (README "Limits").
EXPECTED_STOP = {("hostile_window", "shadow"): "in the top 1 GiB that Umbra reserves"}


@pytest.mark.parametrize("backend,cpu", BACKENDS, ids=BACKEND_IDS)
@pytest.mark.parametrize("pair", HOSTILE_PAIRS, ids=[f"{a}+{b}" for a, b, _ in HOSTILE_PAIRS])
def test_hostile_neighbour(tmp_path, pair, backend, cpu, native_runs):
    hostile, victim, with_disk = pair
    a, b = vm_name(hostile), vm_name(victim)
    disk = None
    if with_disk:
        disk = str(tmp_path / "disk.img")
        with open(disk, "wb") as f:
            f.write(hostile_disk.original_image())
    vms = [vm(a, hostile, hart=0, disk=disk), vm(b, victim, hart=1)]
    run = run_vms(tmp_path, vms, backend, cpu)
    where = f"{hostile} beside {victim} on {backend}"
    assert_sane(run, where)

    # A: what it gives alone (natively: the same section and PASS; or the
    # documented stop, with the guest's lines up to it as natively).
    nat_a = native(hostile, native_runs, disk)
    assert nat_a.verdict() == "PASS", f"native {hostile}:\n" + nat_a.output[-4000:]
    stop = EXPECTED_STOP.get((hostile, backend))
    stopped = bool(stop) and stop in run.output
    if stopped:
        assert (a, "system failure") in run.powered_off(), run.output[-6000:]
        mine = run.vm(a).output
        head = mine[mine.index(f"TEST {hostile}: start"):]
        assert nat_a.section().startswith(head), \
            f"{where}: before the stop {a} saw something else than natively:\n" + run.output[-6000:]
    else:
        assert not stop, \
            f"{where}: {a} not stopped as documented:\n" + run.output[-6000:]
        check_matches_native(run, a, hostile, backend, native_runs, where, disk)
    if disk and run.vm(a).verdict():
        with open(disk, "rb") as f:
            assert f.read() == hostile_disk.expected_image(), \
                f"{where}: the disk changed elsewhere than where {a} wrote legitimately"

    # B: exactly what it sees natively alone.
    check_matches_native(run, b, victim, backend, native_runs, where)
    assert run.returncode == (1 if stopped else 0), f"{where}: exit status {run.returncode}"


# ---- 4. Poweroff: a VM ends alone (the scheduler branch) -----------------------------------

@pytest.mark.parametrize("backend,cpu", BACKENDS, ids=BACKEND_IDS)
def test_poweroff_ends_one_vm(tmp_path, backend, cpu, native_runs):
    """hello powers off at once; timer, beside it, still runs to its verdict,
    and QEMU exits (0) only after the last VM powered off."""
    vms = [vm("hello", "hello", hart=0), vm("timer", "timer", hart=1)]
    run = run_vms(tmp_path, vms, backend, cpu)
    where = f"hello + timer on {backend}"
    assert_sane(run, where)
    assert "umbra: guest hello powered off (success)" in run.output, run.output[-4000:]
    assert "Goodbye." in run.vm("hello").output
    assert run.vm("timer").verdict() == "PASS", \
        f"{where}: timer did not finish after hello powered off:\n" + run.output[-4000:]
    assert run.vm("timer").section() == expected_vm_section(native("timer", native_runs), backend)
    assert run.powered_off() == [("hello", "success"), ("timer", "success")]
    assert run.returncode == 0, f"{where}: exit status {run.returncode}"


# (VM A, its guest, its bootargs, what says it failed) beside timer: a guest
# that powers off with SRST reason system failure, and one that Umbra stops.
FAILING = [("failing", "isolation", "fail", "TEST isolation: FAIL"),
           ("hostile-window", "hostile_window", None, "in the top 1 GiB that Umbra reserves")]


@pytest.mark.parametrize("backend,cpu", BACKENDS, ids=BACKEND_IDS)
@pytest.mark.parametrize("failing", FAILING, ids=[f[0] for f in FAILING])
def test_failing_vm_does_not_stop_the_other(tmp_path, failing, backend, cpu, native_runs):
    name, guest, bootargs, sign = failing
    if guest == "hostile_window" and backend != "shadow":
        pytest.skip("Umbra stops hostile_window only on shadow (on hext it passes)")
    vms = [vm(name, guest, hart=0, bootargs=bootargs), vm("timer", "timer", hart=1)]
    run = run_vms(tmp_path, vms, backend, cpu)
    where = f"{name} + timer on {backend}"
    assert_sane(run, where)
    assert sign in run.output, f"{where}: {name} did not fail:\n" + run.output[-4000:]
    assert f"umbra: guest {name} powered off (system failure)" in run.output
    assert run.vm("timer").verdict() == "PASS", \
        f"{where}: timer did not finish after {name} failed:\n" + run.output[-4000:]
    assert run.vm("timer").section() == expected_vm_section(native("timer", native_runs), backend)
    assert sorted(run.powered_off()) == sorted([(name, "system failure"), ("timer", "success")])
    # One VM failed: the machine's exit status says so, after the last VM.
    assert run.returncode not in (0, None), f"{where}: exit status {run.returncode}"


# ---- 5. Console input focus ------------------------------------------------------------------

def test_console_focus_leaves_a_guest_that_does_not_read(tmp_path):
    """alpha reads nothing for 3 s (isolation 'echo deaf'): typing more than
    Umbra holds for it drops the rest with a word on the console, and
    Ctrl-] 2 still moves the input to beta, which echoes at once; alpha
    then reads what was held for it."""
    vms = [vm("alpha", "isolation", hart=0, bootargs="echo deaf", mem=32),
           vm("beta", "isolation", hart=1, bootargs="echo", mem=32)]
    cmd = [os.path.join(ROOT, "scripts", "run.py"), "--config", compile_config(tmp_path, vms),
           "--backend", "shadow", "--cpu", "rv64,h=false",
           "--umbra", os.path.join(BUILD, "umbra.bin")]
    p = pexpect.spawn(PYTHON, cmd, cwd=ROOT, encoding="utf-8", codec_errors="replace",
                      timeout=30)
    try:
        ready = [f"[{name}] echo: type lines, 'quit' ends" for name in ("alpha", "beta")]
        while ready:
            ready.pop(p.expect_exact(ready))
        for _ in range(10):                 # 5,000 bytes for alpha, which holds 4,096
            p.send("y" * 500)
        p.expect_exact("umbra: alpha is not reading its console: input dropped")
        p.send("\x1d2")
        p.expect_exact("umbra: input goes to guest 2, beta")
        p.send("for-beta\r")
        p.expect_exact("[beta] got: for-beta")
        p.send("quit\r")
        p.expect_exact("umbra: guest beta powered off (success)")
        # alpha wakes and reads its 4,096 bytes (a line of its first 79).
        p.expect_exact("[alpha] echo: reading now")
        p.send("\x1d1")
        p.send("\rquit\r")
        p.expect_exact("[alpha] got: " + "y" * 79)
        p.expect_exact("[alpha] got: quit")
        p.expect_exact("umbra: guest alpha powered off (success)")
        p.expect(pexpect.EOF, timeout=30)
    finally:
        if p.isalive():
            p.terminate(force=True)


def test_console_input_focus(tmp_path):
    """Two VMs echo what they are typed (isolation with bootargs 'echo');
    Ctrl-] ? lists them, Ctrl-] 2 gives the input to the second, and what is
    typed reaches only the VM that has the input."""
    vms = [vm("alpha", "isolation", hart=0, bootargs="echo", mem=32),
           vm("beta", "isolation", hart=1, bootargs="echo", mem=32)]
    cmd = [os.path.join(ROOT, "scripts", "run.py"), "--config", compile_config(tmp_path, vms),
           "--backend", "shadow", "--cpu", "rv64,h=false",
           "--umbra", os.path.join(BUILD, "umbra.bin")]
    p = pexpect.spawn(PYTHON, cmd, cwd=ROOT, encoding="utf-8", codec_errors="replace",
                      timeout=30)
    log = []
    p.logfile_read = Tee(log)
    try:
        # Both are ready, in either order.
        ready = [f"[{name}] echo: type lines, 'quit' ends" for name in ("alpha", "beta")]
        while ready:
            ready.pop(p.expect_exact(ready))
        # The list, with who has the input (the first guest, at first).
        p.send("\x1d?")
        p.expect_exact("umbra:   1 alpha (has the input)")
        p.expect_exact("umbra:   2 beta")
        # Input to the second guest: only it echoes.
        p.send("\x1d2")
        p.expect_exact("umbra: input goes to guest 2, beta")
        p.send("for-beta\r")
        p.expect_exact("[beta] got: for-beta")
        # And back to the first.
        p.send("\x1d1")
        p.expect_exact("umbra: input goes to guest 1, alpha")
        p.send("for-alpha\r")
        p.expect_exact("[alpha] got: for-alpha")
        out = "".join(log)
        assert "[alpha] got: for-beta" not in out and "[beta] got: for-alpha" not in out, out
        # The list again: now alpha has it.
        p.send("\x1d?")
        p.expect_exact("umbra:   1 alpha (has the input)")
        # Ctrl-] Ctrl-] is one Ctrl-] for the guest (echoed as typed).
        p.send("x\x1d\x1dy\r")
        p.expect_exact("[alpha] got: x\x1dy")
        # End: alpha first, then beta, each alone.
        p.send("quit\r")
        p.expect_exact("umbra: guest alpha powered off (success)")
        p.send("\x1d2quit\r")
        p.expect_exact("umbra: guest beta powered off (success)")
        p.expect(pexpect.EOF, timeout=30)
        out = "".join(log)
        assert "[alpha] got: quit" in out and "[beta] got: for-alpha" not in out
        assert "[alpha] got: for-beta" not in out
    finally:
        if p.isalive():
            p.terminate(force=True)
