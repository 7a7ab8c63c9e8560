"""The host disk image changes only where the guest legitimately wrote.

guests/hostile_virtio attacks the virtio-blk device with a disk attached
(descriptors outside RAM, wrapping or looping chains, sectors past the
capacity, short headers, requests on a queue that is not ready, resets with
requests outstanding, ...) between legitimate writes of a known pattern to
known sectors.  It runs natively and under Umbra on both backends, each
time with a fresh 1 MiB image filled with a known pattern; afterwards the
image must be exactly the original with the legitimately written sectors
replaced by the guest's pattern: no attack may reach the disk, and every
legitimate write must land where it was aimed, nowhere else.

The sectors and the pattern are the guest's LEGIT_* and legit_byte()
(guests/hostile_virtio/hostile_virtio.c); attack writes carry 0xee bytes.
"""
import pytest

from guestrun import guest_path, run_guest

SECTOR = 512
DISK_SECTORS = 2048                      # 1 MiB
LEGIT_A, LEGIT_B = 8, 100
# (first sector, count) of every legitimate write the guest makes.
LEGIT_WRITES = [(LEGIT_A, 2), (LEGIT_B, 3), (DISK_SECTORS - 1, 1)]
ATTACK_BYTE = 0xEE

BACKENDS = [("native", "rv64,h=false"), ("shadow", "rv64,h=false"), ("hext", "rv64")]


def original_image():
    """Every byte distinct from its neighbours and from sector to sector."""
    return bytearray((i * 37 + (i >> 9) * 11 + 3) & 0xFF for i in range(DISK_SECTORS * SECTOR))


def legit_sector(s):
    return bytes((s * 13 + i * 7 + 0x5A) & 0xFF for i in range(SECTOR))


def expected_image():
    img = original_image()
    for first, count in LEGIT_WRITES:
        for s in range(first, first + count):
            img[s * SECTOR:(s + 1) * SECTOR] = legit_sector(s)
    return bytes(img)


def describe(data, s, orig):
    """What a sector holds, for the failure message."""
    sec = data[s * SECTOR:(s + 1) * SECTOR]
    if sec == orig[s * SECTOR:(s + 1) * SECTOR]:
        return "the original"
    if sec == legit_sector(s):
        return "the guest's legitimate pattern"
    if all(b == ATTACK_BYTE for b in sec):
        return "the attack pattern (0xee)"
    if not any(sec):
        return "zeros"
    return "other bytes: " + sec[:16].hex() + "..."


def guest_lines(run):
    """The guest's section without QEMU's own complaints about the device
    (natively QEMU prints "qemu-system-riscv64: Looped descriptor" etc. on
    stderr, which run_guest merges into the output)."""
    return "\n".join(l for l in run.section().splitlines()
                     if not l.startswith("qemu-system-riscv64: "))


@pytest.fixture(scope="module")
def native_sections():
    return {}


@pytest.mark.parametrize("backend,cpu", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_hostile_disk(tmp_path, backend, cpu, native_sections):
    disk = tmp_path / "disk.img"
    disk.write_bytes(original_image())
    run = run_guest(guest_path("hostile_virtio"), backend, cpu, extra=["--disk", str(disk)])
    where = "natively" if backend == "native" else f"under Umbra ({backend}, -cpu {cpu})"

    assert "ESCAPE" not in run.output, f"{where}: the guest escaped:\n" + run.output[-4000:]
    assert "umbra: PANIC" not in run.output, f"{where}: Umbra panicked:\n" + run.output[-4000:]
    assert not run.output.rstrip().endswith("timed out after 60 s]"), f"{where}: hung"
    assert "virtio-blk found" in run.section(), f"{where}: no disk seen:\n" + run.output[-4000:]
    assert run.verdict() == "PASS", f"{where}:\n" + run.output[-4000:]
    if backend == "native":
        native_sections["hostile_virtio"] = guest_lines(run)
    elif "hostile_virtio" in native_sections:
        assert guest_lines(run) == native_sections["hostile_virtio"], \
            f"{where} the guest saw something else than natively:\n" + run.output[-4000:]

    got = disk.read_bytes()
    want = expected_image()
    orig = bytes(original_image())
    assert len(got) == len(want), f"{where}: the image is now {len(got)} bytes"
    wrong = [s for s in range(DISK_SECTORS)
             if got[s * SECTOR:(s + 1) * SECTOR] != want[s * SECTOR:(s + 1) * SECTOR]]
    assert not wrong, f"{where}: sectors that should hold " + \
        "the legitimate pattern or the original do not: " + \
        "; ".join(f"{s}: {describe(got, s, orig)} (expected {describe(want, s, orig)})"
                  for s in wrong[:20])
    if backend != "native":
        assert run.returncode == 0, f"{where}: exit status {run.returncode}"
