"""Bad input gets a clear error and a non-zero exit status, never a hang."""
import os
import struct

import pytest

from guestrun import BUILD, guest_path, run_guest


def test_missing_guest_file():
    r = run_guest("/nonexistent/guest.elf", "shadow")
    assert r.returncode == 2
    assert "does not exist" in r.output


def test_guest_memory_too_large():
    r = run_guest(guest_path("hello"), "shadow", extra=["--mem", "4G"])
    assert r.returncode == 2
    assert "host RAM" in r.output


def test_guest_memory_not_2mib_multiple():
    r = run_guest(guest_path("hello"), "shadow", extra=["--mem", "5M"])
    assert r.returncode == 2
    assert "multiple of 2 MiB" in r.output


def test_elf_for_another_machine(tmp_path):
    # An x86-64 ELF header: Umbra must refuse it, not run it.
    elf = tmp_path / "x86.elf"
    elf.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HH", 2, 62) + bytes(200))
    r = run_guest(str(elf), "shadow")
    assert r.returncode == 1
    assert "not a 64-bit little-endian RISC-V ELF" in r.output


def test_elf_segment_outside_guest_ram(tmp_path):
    # A RISC-V ELF whose one segment wants to load at 0x1000, below guest RAM.
    ehdr = struct.pack("<16sHHIQQQIHHHHHH",
                       b"\x7fELF\x02\x01\x01" + bytes(9), 2, 243, 1,
                       0x1000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 7, 120, 0x1000, 0x1000, 8, 8, 8)
    elf = tmp_path / "low.elf"
    elf.write_bytes(ehdr + phdr + bytes(8))
    r = run_guest(str(elf), "shadow")
    assert r.returncode == 1
    assert "outside guest RAM" in r.output


def test_guest_too_large_for_its_memory(tmp_path):
    # A 6 MiB flat image cannot fit in 4 MiB of guest RAM at 0x80200000.
    img = tmp_path / "big.bin"
    img.write_bytes(bytes(6 << 20))
    r = run_guest(str(img), "shadow", extra=["--mem", "4M"])
    assert r.returncode == 1
    assert "do not fit in guest RAM" in r.output


def test_umbra_image_missing(tmp_path):
    r = run_guest(guest_path("hello"), "shadow", extra=["--umbra", str(tmp_path / "none.bin")])
    assert r.returncode == 2
    assert os.path.exists(os.path.join(BUILD, "umbra.bin"))


@pytest.mark.parametrize("harts", [9, 2])
def test_more_vcpus_than_supported(harts):
    # A VM has at most 8 vCPUs, however many harts they share (9: Umbra
    # uses 8 of them; 2): the configuration is refused before QEMU starts,
    # naming the guest and the property.
    r = run_guest(guest_path("hello"), "shadow", extra=["--smp", "9", "--harts", str(harts)])
    assert r.returncode == 2, r.output[-2000:]
    assert "guest 'hello': 'vcpus' must be 1 to 8" in r.output


def test_hext_on_a_core_without_h():
    r = run_guest(guest_path("hello"), "hext", "rv64,h=false")
    assert r.returncode == 1, r.output[-2000:]
    assert "this hart has no H extension" in r.output
