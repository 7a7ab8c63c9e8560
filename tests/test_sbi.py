"""Umbra's own SBI: what it offers beyond the firmware (and so has no native
run to compare with): spec 2.0, its implementation id, the debug console."""
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
"""


@pytest.mark.parametrize("backend,cpu", [("shadow", "rv64,h=false"), ("hext", "rv64")])
def test_umbra_sbi_extras(backend, cpu):
    r = run_guest(guest_path("sbi_umbra"), backend, cpu)
    assert EXPECTED in r.output, r.output[-2000:]
    assert r.returncode == 0
