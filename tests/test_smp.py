"""Differential SMP tests: the smp_* guests start the other harts and make
them work together (IPIs, HSM, remote fences, concurrent A/D updates and
AMOs), printing only what does not depend on the interleaving.  Each runs
natively on QEMU + OpenSBI with 2 and with 4 harts (twice: the output must
be the same both times, and the guest's checks must pass) and under Umbra
on each backend with the same number of harts, where the output must be
equal to the native one.  Under Umbra they also run with more vCPUs than
harts (the vCPU scheduler shares the harts: smp=4 on 2 harts, smp=3 on
1), where the output must equal the native one with that many harts."""
import pytest

from guestrun import backend_ids, guest_path, run_guest, smp_guest_names
from test_diff import BACKENDS, NATIVE_CPU, expected_section

SMPS = [2, 4]
# Several harts on a shared 2-core machine: give a run more time than the
# single-hart guests get.
TIMEOUT = 120


def smp_opts(smp):
    return ("--smp", str(smp))


@pytest.fixture(scope="module")
def native_runs():
    return {}


def native(name, smp, native_runs):
    key = (name, smp)
    if key not in native_runs:
        run = run_guest(guest_path(name), "native", NATIVE_CPU, timeout=TIMEOUT,
                        extra=smp_opts(smp))
        run.name = name
        native_runs[key] = run
    return native_runs[key]


@pytest.mark.parametrize("smp", SMPS, ids=[f"smp{s}" for s in SMPS])
@pytest.mark.parametrize("name", smp_guest_names())
def test_native(name, smp, native_runs):
    """The guest passes natively, and prints the same thing every time."""
    first = native(name, smp, native_runs)
    assert first.section(), f"native run printed no TEST section:\n{first.output[-2000:]}"
    assert first.verdict() == "PASS", first.section()
    again = run_guest(guest_path(name), "native", NATIVE_CPU, timeout=TIMEOUT,
                      extra=smp_opts(smp))
    assert again.section() == first.section(), \
        "a second native run printed something else:\n" + again.output[-4000:]


@pytest.mark.parametrize("backend,cpu,opts", BACKENDS, ids=backend_ids(BACKENDS))
@pytest.mark.parametrize("smp", SMPS, ids=[f"smp{s}" for s in SMPS])
@pytest.mark.parametrize("name", smp_guest_names())
def test_smp_guest_matches_native(name, smp, backend, cpu, opts, native_runs):
    nat = native(name, smp, native_runs)
    assert nat.section(), f"native run printed no TEST section:\n{nat.output[-2000:]}"
    assert nat.verdict() == "PASS", nat.section()

    umbra = run_guest(guest_path(name), backend, cpu, timeout=TIMEOUT,
                      extra=tuple(opts) + smp_opts(smp))
    expected = expected_section(nat, backend)
    assert umbra.section() == expected, \
        f"under Umbra ({backend}, -cpu {cpu}, {smp} harts) the guest saw something else:\n" \
        + umbra.output[-4000:]
    assert "umbra: exits of vCPU 0:" in umbra.output
    assert f"umbra: backend: {backend}" in umbra.output
    passed = f"TEST {name}: PASS" in expected
    assert umbra.returncode == (0 if passed else 1)


# More vCPUs than harts: (vCPUs, harts).  The native run has as many harts
# as the guest has vCPUs.
OVERSUBSCRIBED = [(4, 2), (3, 1)]
# The scheduler on both backends (shadow without H, hext with Sstc).
SHARED_BACKENDS = [BACKENDS[0], BACKENDS[2]]


@pytest.mark.parametrize("backend,cpu,opts", SHARED_BACKENDS, ids=backend_ids(SHARED_BACKENDS))
@pytest.mark.parametrize("smp,harts", OVERSUBSCRIBED,
                         ids=[f"smp{s}-harts{h}" for s, h in OVERSUBSCRIBED])
@pytest.mark.parametrize("name", smp_guest_names())
def test_smp_guest_shared_harts_matches_native(name, smp, harts, backend, cpu, opts,
                                               native_runs):
    nat = native(name, smp, native_runs)
    assert nat.section(), f"native run printed no TEST section:\n{nat.output[-2000:]}"
    assert nat.verdict() == "PASS", nat.section()

    umbra = run_guest(guest_path(name), backend, cpu, timeout=TIMEOUT,
                      extra=tuple(opts) + smp_opts(smp) + ("--harts", str(harts)))
    expected = expected_section(nat, backend)
    assert umbra.section() == expected, \
        f"under Umbra ({backend}, -cpu {cpu}, {smp} vCPUs on {harts} harts) the guest " \
        "saw something else:\n" + umbra.output[-4000:]
    assert f"umbra: exits of vCPU {smp - 1}:" in umbra.output
    passed = f"TEST {name}: PASS" in expected
    assert umbra.returncode == (0 if passed else 1)
