#!/usr/bin/python3
"""make bench: what trap-and-emulate costs, natively vs under Umbra.

Runs the trapbench guest (guests/trapbench) on the same QEMU twice per
backend:
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

GUEST = guest_path("trapbench")
CPU = "rv64,h=false"


def measure(backend, icount):
    run = run_guest(GUEST, backend, CPU, timeout=300, extra=["--icount"] if icount else [])
    rows = {}
    for m in re.finditer(r"^BENCH (\S+)\s+(\d+)\s+(\d+)$", run.output, re.M):
        rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    if not rows:
        sys.exit(f"bench: no BENCH lines from the {backend} run:\n{run.output[-2000:]}")
    return rows


def main():
    native_i, shadow_i = measure("native", True), measure("shadow", True)
    native_w, shadow_w = measure("native", False), measure("shadow", False)
    print("Trap-and-emulate cost per guest operation (QEMU virt, -cpu %s)" % CPU)
    print("  instr = instructions retired per operation, with -icount shift=0 (deterministic)")
    print("  ns    = wall time per operation from the guest's time CSR, without icount")
    print()
    print(f"  {'operation':24} {'native instr':>12} {'umbra instr':>12} {'ratio':>7}"
          f" {'native ns':>10} {'umbra ns':>10}")
    for name in native_i:
        if name == "loop":
            continue
        ni, si = native_i[name][0], shadow_i.get(name, (0, 0))[0]
        nw, sw = native_w[name][1] / 10, shadow_w.get(name, (0, 0))[1] / 10  # ticks/1000 ops -> ns
        ratio = f"{si / ni:.0f}x" if ni else "-"
        print(f"  {name:24} {ni:12} {si:12} {ratio:>7} {nw:10.0f} {sw:10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
