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


# Natively and on the trap-and-emulate backend: a core without H; the
# H-extension backend needs a core with it.  Same QEMU, same guest.
CPUS = {"native": CPU, "shadow": CPU, "hext": "rv64"}


def measure(guest, backend, icount):
    run = run_guest(guest_path(guest), backend, CPUS[backend], timeout=300,
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
        res = {b: (measure(guest, b, True), measure(guest, b, False)) for b in CPUS}
        print()
        print(f"  {guest + ':':22} {'instructions per op (icount)':^33}  {'ns per op (wall)':^26}")
        print(f"  {'':22} {'native':>9} {'shadow':>11} {'hext':>11}  {'native':>8} {'shadow':>8} {'hext':>8}")
        for name in res["native"][0]:
            ni = res["native"][0][name][0]
            cells = []
            for b in ("shadow", "hext"):
                v = res[b][0].get(name, (0, 0))[0]
                cells.append(f"{v:6}" + (f" {v / ni:3.0f}x" if ni else "     "))
            # time ticks (10 MHz) per 1000 ops -> ns per op
            walls = [res[b][1].get(name, (0, 0))[1] / 10 for b in ("native", "shadow", "hext")]
            print(f"  {name:22} {ni:9} {cells[0]:>11} {cells[1]:>11}  "
                  f"{walls[0]:8.0f} {walls[1]:8.0f} {walls[2]:8.0f}")
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
               "--backend", backend, "--cpu", CPUS[backend], "--mem", "256M",
               "--append", "console=ttyS0",
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
    print("Linux 6.1 boot to the busybox prompt (QEMU virt, one hart, 256 MiB; native and")
    print("shadow on -cpu rv64,h=false, hext on -cpu rv64)")
    print("  guest s = the guest kernel's own uptime at the prompt; with -icount shift=0")
    print("            it is deterministic (1 ns per instruction executed, all levels)")
    print("  wall s  = wall time from starting QEMU to the prompt (includes firmware)")
    print()
    print(f"  {'':10} {'guest s (icount)':>17} {'wall s (icount)':>16} {'guest s':>9} {'wall s':>8}")
    rows, tables = {}, {}
    for backend in ("native", "shadow", "hext"):
        wi, gi, out = boot_linux(backend, True)
        w, g, out = boot_linux(backend, False)
        rows[backend] = (gi, wi, g, w)
        tables[backend] = out[out.find("umbra: exits of vCPU"):]
        print(f"  {backend:10} {gi:17.2f} {wi:16.2f} {g:9.2f} {w:8.2f}")
    n = rows["native"]
    for backend in ("shadow", "hext"):
        s = rows[backend]
        print(f"  {backend + '/native':14} {s[0] / n[0]:12.1f}x {s[1] / n[1]:15.1f}x "
              f"{s[2] / n[2]:8.1f}x {s[3] / n[3]:7.1f}x")
    for backend in ("shadow", "hext"):
        print()
        print(f"Umbra's exit table for the {backend} boot (without icount):")
        print(tables[backend].replace("\r", ""))


if __name__ == "__main__":
    sys.exit(main())
