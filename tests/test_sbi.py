"""Umbra's own SBI: what it answers differently from the firmware (and so
has no native run to compare with): its implementation id, the debug
console, and the choices the spec leaves to an SBI where Umbra's differ
from OpenSBI 1.5.1's (DBTR without triggers, SSE without events, FWFT
features that cannot be changed, PMU firmware events Umbra cannot see, and
the spec's error codes where OpenSBI departs from them)."""
import pytest

from guestrun import guest_path, run_guest

EXPECTED = """spec version: 2.0
impl id: 0x554d4252
probe DBCN: 1
dbcn: hello through DBCN write
write: error 0, wrote 31
!
write_byte: error 0
read: error 0, read 0
write outside RAM: error -3
write with high address bits: error -3
unknown DBCN function: error -2
dbtr num_triggers: error 0, 0
dbtr read_triggers without shmem: error -9
dbtr set_shmem: error 0
dbtr install_triggers(1): error -11
dbtr uninstall_triggers(0): error -3
sse register(local software event): error -3
sse hart_unmask: error 0
sse hart_unmask again: error -7
sse hart_mask: error 0
sse hart_mask again: error -8
fwft set MISALIGNED_EXC_DELEG = 1: error -4
fwft set PTE_AD_HW_UPDATING = 0: error -4
pmu config_matching(MISALIGNED_LOAD): error -2
pmu config_matching(no counters): error -2
pmu fw_read_hi(hardware counter): error -3
pmu start a started firmware counter: error -7
pmu stop a stopped firmware counter: error -8
"""


@pytest.mark.parametrize("backend,cpu", [("shadow", "rv64,h=false"), ("hext", "rv64")])
def test_umbra_sbi_extras(backend, cpu):
    r = run_guest(guest_path("sbi_umbra"), backend, cpu)
    assert EXPECTED in r.output, r.output[-2000:]
    assert r.returncode == 0
