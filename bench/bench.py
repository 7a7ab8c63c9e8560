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
    return 0


if __name__ == "__main__":
    sys.exit(main())
