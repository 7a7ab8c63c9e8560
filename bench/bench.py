#!/usr/bin/python3
"""make bench: what trap-and-emulate costs, natively vs under Umbra.

Runs each benchmark guest (bench/trapbench: privileged instructions and SBI
calls; bench/pagebench: paging) on the same QEMU twice per backend:
  - with -icount shift=0: QEMU advances guest-visible time by one ns per
    instruction, so the figures are deterministic instruction counts
    ("instructions per operation", all privilege levels: guest, Umbra,
    OpenSBI);
  - without icount: wall-clock time per operation as the guest's time CSR
    sees it (10 MHz), which varies with the machine.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from guestrun import guest_path, run_guest  # noqa: E402

BENCHES = ["trapbench", "pagebench"]
CPU = "rv64,h=false"


def measure(guest, backend, icount):
    run = run_guest(guest_path(guest), backend, CPU, timeout=300,
                    extra=["--icount"] if icount else [])
    rows = {}
    for m in re.finditer(r"^BENCH (\S+)\s+(\d+)\s+(\d+)$", run.output, re.M):
        rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    if not rows:
        sys.exit(f"bench: no BENCH lines from the {backend} run:\n{run.output[-2000:]}")
    return rows


def main():
    print("Cost per guest operation, natively and under Umbra (QEMU virt, -cpu %s)" % CPU)
    print("  instr = instructions retired per operation (guest + Umbra + OpenSBI),")
    print("          with -icount shift=0: deterministic, = guest-visible ns")
    print("  ns    = wall time per operation from the guest's time CSR, without icount")
    for guest in BENCHES:
        native_i, shadow_i = measure(guest, "native", True), measure(guest, "shadow", True)
        native_w, shadow_w = measure(guest, "native", False), measure(guest, "shadow", False)
        print()
        print(f"  {guest + ':':24} {'native instr':>12} {'umbra instr':>12} {'ratio':>7}"
              f" {'native ns':>10} {'umbra ns':>10}")
        for name in native_i:
            ni, si = native_i[name][0], shadow_i.get(name, (0, 0))[0]
            # time ticks (10 MHz) per 1000 ops -> ns per op
            nw, sw = native_w[name][1] / 10, shadow_w.get(name, (0, 0))[1] / 10
            ratio = f"{si / ni:.0f}x" if ni else "-"
            print(f"  {name:24} {ni:12} {si:12} {ratio:>7} {nw:10.0f} {sw:10.0f}")
    linux_boot_figures()
    return 0



# ---- Linux boot ---------------------------------------------------------------

LINUX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "linux")


def boot_linux(backend, icount):
    """Boot to the shell prompt and power off; return (wall seconds to the
    prompt, guest seconds to the prompt from the kernel's uptime, output)."""
    import shutil
    import tempfile
    import time

    import pexpect
    from guestrun import BUILD, PYTHON, ROOT

    with tempfile.TemporaryDirectory() as tmp:
        disk = os.path.join(tmp, "disk.img")
        shutil.copy(os.path.join(LINUX, "disk.img"), disk)
        cmd = [os.path.join(ROOT, "scripts", "run.py"), "--guest", os.path.join(LINUX, "Image"),
               "--initrd", os.path.join(LINUX, "initramfs.cpio.gz"), "--disk", disk,
               "--backend", backend, "--mem", "256M", "--append", "console=ttyS0",
               "--umbra", os.path.join(BUILD, "umbra.bin")] + (["--icount"] if icount else [])
        start = time.monotonic()
        p = pexpect.spawn(PYTHON, cmd, cwd=ROOT, encoding="utf-8", codec_errors="replace",
                          timeout=900)
        p.expect(r"init done \(.*, ([0-9.]+)s after boot\)")
        guest_s = float(p.match.group(1))
        p.expect_exact("guest# ")
        wall = time.monotonic() - start
        p.sendline("poweroff")
        p.expect(pexpect.EOF)
        return wall, guest_s, p.before


def linux_boot_figures():
    if not os.path.exists(os.path.join(LINUX, "Image")):
        print("\n  (Linux images not built: make linux-images)")
        return
    print()
    print("Linux 6.1 boot to the busybox prompt (QEMU virt, one hart, 256 MiB)")
    print("  guest s = the guest kernel's own uptime at the prompt; with -icount shift=0")
    print("            it is deterministic (1 ns per instruction executed, all levels)")
    print("  wall s  = wall time from starting QEMU to the prompt (includes firmware)")
    print()
    print(f"  {'':10} {'guest s (icount)':>17} {'wall s (icount)':>16} {'guest s':>9} {'wall s':>8}")
    rows = {}
    for backend in ("native", "shadow"):
        wi, gi, out = boot_linux(backend, True)
        w, g, out = boot_linux(backend, False)
        rows[backend] = (gi, wi, g, w)
        print(f"  {backend:10} {gi:17.2f} {wi:16.2f} {g:9.2f} {w:8.2f}")
        if backend == "shadow":
            table = out[out.find("umbra: exits of vCPU"):]
    n, s = rows["native"], rows["shadow"]
    print(f"  {'ratio':10} {s[0] / n[0]:16.1f}x {s[1] / n[1]:15.1f}x {s[2] / n[2]:8.1f}x "
          f"{s[3] / n[3]:7.1f}x")
    print()
    print("Umbra's exit table for that boot (without icount):")
    print(table.replace("\r", ""))


if __name__ == "__main__":
    sys.exit(main())
