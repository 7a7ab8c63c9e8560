"""Differential tests: each test guest prints what it observes of its hart.
Run natively on QEMU + OpenSBI and under Umbra, the outputs must be equal,
and the guest's own checks of what the spec requires must pass."""
import pytest

from guestrun import guest_path, run_guest, guest_names

NATIVE_CPU = "rv64,h=false"


@pytest.mark.parametrize("name", guest_names())
def test_guest_matches_native(name):
    native = run_guest(guest_path(name), "native", NATIVE_CPU)
    shadow = run_guest(guest_path(name), "shadow", NATIVE_CPU)
    assert native.section(), f"native run printed no TEST section:\n{native.output[-2000:]}"
    assert native.verdict() == "PASS", native.section()
    assert shadow.section() == native.section(), \
        "under Umbra the guest saw something else:\n" + shadow.output[-4000:]
    assert shadow.verdict() == "PASS"
    assert shadow.returncode == 0
    # Umbra ends every guest run with its exit table.
    assert "umbra: exits of vCPU 0:" in shadow.output
