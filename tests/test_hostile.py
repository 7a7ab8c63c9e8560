"""The hostile-guest suite: guests that attack Umbra (guests/hostile_*).

Each hostile guest tries one surface (page tables, the shadow pool, CSRs
and instructions, SBI arguments, device registers, virtio queues, ...),
states the architecturally correct outcome of every attack and checks it.
It runs natively on QEMU + OpenSBI first: there the checks must pass, which
shows that the expected outcomes are the hardware's.  Then it runs under
Umbra on both backends, where:

- its checks must pass and its output must equal the native one (except
  where NOT_DIFFERENTIAL names a guest and says why);
- it must never print ESCAPE: a guest prints that when it finds it runs
  with hypervisor privilege or reads a byte that is not its own;
- Umbra must not panic, hang, or exit with another status than the guest
  asked for.
"""
import os

import pytest

from guestrun import backend_ids, ROOT, guest_path, run_guest

NATIVE_CPU = "rv64,h=false"
# (backend, QEMU -cpu, run.py options): shadow with trap-and-patch (the
# default) and without (PATCH=0), and the H backend.
BACKENDS = [("shadow", "rv64,h=false", ()), ("shadow", "rv64,h=false", ("--patch", "0")),
            ("hext", "rv64", ())]

# Guests whose outcome under Umbra is Umbra's documented behaviour rather
# than the native machine's; their own checks still decide (they ask the SBI
# who implements it and expect what README documents).
NOT_DIFFERENTIAL = {
}

# Runs that Umbra must stop, as README documents, with this message and
# exit status 1 (and, until then, the same output as natively).
EXPECTED_STOP = {
    # Maps the top 1 GiB of virtual addresses (Umbra's window) to its own
    # RAM: natively and on hext that is ordinary memory; on shadow README
    # "Limits" says Umbra stops the guest (before that it maps the window
    # to devices, to no memory, invalid: as natively).
    ("hostile_window", "shadow"): "in the top 1 GiB that Umbra reserves",
}


# run.py options a hostile guest needs on every run, native included: the
# device it attacks.
GUEST_OPTS = {
    # A network card on QEMU user networking (no port forwarded: runs in
    # parallel must not compete for a host port).
    "hostile_net": ("--net", "--hostfwd", "0"),
}


def hostile_names():
    gdir = os.path.join(ROOT, "guests")
    return sorted(n for n in os.listdir(gdir)
                  if n.startswith("hostile_") and os.path.isfile(os.path.join(gdir, n, n + ".c")))


@pytest.fixture(scope="module")
def native_runs():
    return {}


def guest_lines(run):
    """The guest's section without QEMU's own complaints about a device
    (natively QEMU prints "qemu-system-riscv64: Looped descriptor" etc. on
    stderr, which run_guest merges into the output)."""
    return "\n".join(l for l in run.section().splitlines()
                     if not l.startswith("qemu-system-riscv64: "))


def assert_not_escaped(run, where):
    assert "ESCAPE" not in run.output, f"{where}: the guest escaped:\n" + run.output[-4000:]
    assert "umbra: PANIC" not in run.output, f"{where}: Umbra panicked:\n" + run.output[-4000:]
    assert not run.output.rstrip().endswith("timed out after 60 s]"), f"{where}: hung"


@pytest.mark.parametrize("backend,cpu,opts", BACKENDS, ids=backend_ids(BACKENDS))
@pytest.mark.parametrize("name", hostile_names())
def test_hostile_guest(name, backend, cpu, opts, native_runs):
    if name not in native_runs:
        native_runs[name] = run_guest(guest_path(name), "native", NATIVE_CPU,
                                      extra=GUEST_OPTS.get(name, ()))
    native = native_runs[name]
    assert_not_escaped(native, "native")
    assert native.verdict() == "PASS", "native run:\n" + native.output[-4000:]

    umbra = run_guest(guest_path(name), backend, cpu, extra=opts + GUEST_OPTS.get(name, ()))
    where = f"under Umbra ({backend}, -cpu {cpu} {' '.join(opts)})"
    assert_not_escaped(umbra, where)
    stop = EXPECTED_STOP.get((name, backend))
    if stop:
        assert stop in umbra.output, f"{where}: not stopped as documented:\n" + umbra.output[-4000:]
        assert umbra.returncode == 1, f"{where}: exit status {umbra.returncode}"
        head = umbra.output[umbra.output.index(f"TEST {name}: start"):]
        assert native.section().startswith(head[:head.index("umbra: error")].rstrip("\n")), \
            f"{where}: before the stop the guest saw something else than natively"
        return
    assert umbra.verdict() == "PASS", f"{where}:\n" + umbra.output[-4000:]
    if name not in NOT_DIFFERENTIAL:
        assert guest_lines(umbra) == guest_lines(native), \
            f"{where} the guest saw something else than natively:\n" + umbra.output[-4000:]
    assert umbra.returncode == 0, f"{where}: exit status {umbra.returncode}"
