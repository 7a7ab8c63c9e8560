#!/usr/bin/python3
"""Boot a guest on QEMU virt, natively or under Umbra.

    run.py --guest G [--backend auto|shadow|hext|native] [--smp N] [--harts N] [--mem SIZE]
           [--append ARGS] [--initrd FILE] [--disk FILE] [--cpu CPU]
           [--icount] [--gdb [--symbols UMBRA_ELF]] [--patch 0|1] [--umbra BIN]

native: QEMU + OpenSBI start the guest directly in S-mode.
shadow: QEMU + OpenSBI start Umbra, which runs the guest in U-mode by
        trap-and-emulate.  The guest image (and initrd) are staged in host RAM
        with QEMU's loader device; Umbra's command line says where.
hext:   Umbra runs the guest in VS-mode on the H extension (-cpu must have H).
auto:   Umbra picks hext where the hart has H, shadow otherwise.

Exits with QEMU's exit status: 0 when the guest powered off normally, 1
when it reported a failure (under Umbra), 2 for bad arguments (--gdb: 0
when gdb quits; QEMU is stopped then).
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys

MiB = 1 << 20
RAM_BASE = 0x80000000
UMBRA_RESERVE = 64 * MiB      # Umbra's own pool: page tables, vCPUs
FDT_RESERVE = 2 * MiB         # QEMU puts the host DT in the top 2 MiB
HOST_RAM_MAX = 1024 * MiB - 2 * MiB   # what Umbra's window can map


def die(msg):
    print(f"run.py: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_size(text):
    units = {"K": 1 << 10, "M": MiB, "G": 1 << 30}
    t = text.strip().upper().rstrip("B")
    try:
        if t and t[-1] in units:
            return int(t[:-1], 0) * units[t[-1]]
        return int(t, 0)
    except ValueError:
        die(f"bad size '{text}'")


def align_up(x, a):
    return (x + a - 1) // a * a


def align_down(x, a):
    return x // a * a


def check_file(path, what):
    if not path or not os.path.isfile(path):
        die(f"{what} '{path}' does not exist (build it with 'make', or name another)")
    if os.path.getsize(path) == 0:
        die(f"{what} '{path}' is empty")


def qemu_base(args, mem_bytes):
    cmd = ["qemu-system-riscv64", "-M", "virt", "-cpu", args.cpu,
           "-smp", str(args.harts), "-m", f"{mem_bytes // MiB}M",
           "-bios", "default", "-nographic",
           # Modern (version 2) virtio-mmio, natively and for Umbra's driver.
           "-global", "virtio-mmio.force-legacy=false"]
    if args.icount:
        cmd += ["-icount", "shift=0"]
    if args.disk:
        cmd += ["-drive", f"file={args.disk},format=raw,if=none,id=disk0",
                "-device", "virtio-blk-device,drive=disk0"]
    return cmd


def native_cmd(args, mem):
    cmd = qemu_base(args, mem) + ["-kernel", args.guest]
    if args.initrd:
        cmd += ["-initrd", args.initrd]
    if args.append:
        cmd += ["-append", args.append]
    return cmd


def umbra_cmd(args, mem):
    check_file(args.umbra, "Umbra image")
    ksize = os.path.getsize(args.guest)
    isize = os.path.getsize(args.initrd) if args.initrd else 0
    staged = align_up(ksize, MiB) + align_up(isize, MiB)
    host_mem = align_up(mem + UMBRA_RESERVE + staged + FDT_RESERVE, 2 * MiB)
    if host_mem > HOST_RAM_MAX:
        die(f"guest memory {mem // MiB} MiB plus images needs {host_mem // MiB} MiB of host "
            f"RAM; Umbra maps at most {HOST_RAM_MAX // MiB} MiB")
    # Stage the images at the top of host RAM, below the host DT.
    top = RAM_BASE + host_mem - FDT_RESERVE
    kaddr = align_down(top - ksize, 4096)
    cmdline = f"guest={kaddr:#x},{ksize}"
    cmd = qemu_base(args, host_mem) + [
        "-kernel", args.umbra,
        "-device", f"loader,file={args.guest},addr={kaddr:#x},force-raw=on"]
    if args.initrd:
        iaddr = align_down(kaddr - isize, 4096)
        cmd += ["-device", f"loader,file={args.initrd},addr={iaddr:#x},force-raw=on"]
        cmdline += f" initrd={iaddr:#x},{isize}"
    cmdline += f" mem={mem} smp={args.smp} backend={args.backend} patch={args.patch}"
    cmdline += f" -- {args.append or ''}"
    cmd += ["-append", cmdline.rstrip()]
    return cmd


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--guest", required=True)
    p.add_argument("--backend", default="auto", choices=["auto", "shadow", "hext", "native"])
    p.add_argument("--smp", type=int, default=1, help="the guest's harts (vCPUs)")
    p.add_argument("--harts", type=int, default=0,
                   help="the machine's harts under Umbra (QEMU -smp; default --smp); "
                        "fewer than --smp share them (native runs: always --smp)")
    p.add_argument("--mem", default="128M")
    p.add_argument("--append", default="")
    p.add_argument("--initrd", default="")
    p.add_argument("--disk", default="", help="raw disk image for a virtio-blk disk")
    p.add_argument("--cpu", default="rv64,h=false")
    p.add_argument("--patch", default="1", choices=["0", "1"],
                   help="shadow backend: patch hot privileged instructions to ebreak (1)")
    p.add_argument("--umbra", default="build/umbra.bin")
    p.add_argument("--icount", action="store_true", help="-icount shift=0 (one hart)")
    p.add_argument("--gdb", action="store_true", help="wait for gdb on :1234 and start it")
    p.add_argument("--symbols", default="", help="ELF with Umbra's symbols, for --gdb")
    p.add_argument("--print-cmd", action="store_true")
    args = p.parse_args()

    check_file(args.guest, "guest image")
    if args.initrd:
        check_file(args.initrd, "initrd")
    if args.disk:
        check_file(args.disk, "disk image")
    if args.smp < 1:
        die("--smp must be at least 1")
    if args.harts < 0:
        die("--harts must be at least 1")
    if args.backend == "native" or not args.harts:
        args.harts = args.smp
    mem = parse_size(args.mem)
    if mem < 4 * MiB or mem % (2 * MiB):
        die(f"--mem {args.mem}: must be a multiple of 2 MiB, at least 4 MiB")
    if shutil.which("qemu-system-riscv64") is None:
        die("qemu-system-riscv64 not found: run 'make deps'")

    cmd = native_cmd(args, mem) if args.backend == "native" else umbra_cmd(args, mem)
    if args.print_cmd:
        print(shlex.join(cmd))
        return 0
    if args.gdb:
        return debug(cmd, args)
    os.execvp(cmd[0], cmd)


def guest_symbols(guest):
    """The ELF with the guest's symbols: the guest itself, or the vmlinux
    next to a Linux Image (the Makefile keeps one there); None if neither."""
    if guest.endswith(".elf"):
        return guest
    vmlinux = os.path.join(os.path.dirname(guest), "vmlinux")
    if os.path.basename(guest) == "Image" and os.path.isfile(vmlinux):
        return vmlinux
    return None


def debug(cmd, args):
    """QEMU waits on :1234; gdb-multiarch attaches with the symbols loaded:
    Umbra's (every backend but native runs Umbra, auto included) and the
    guest's.  Umbra runs in its window at the top of the address space, the
    guest below it, so the two sets of symbols do not overlap."""
    qemu = subprocess.Popen(cmd + ["-s", "-S"], stdin=subprocess.DEVNULL)
    gdb = ["gdb-multiarch", "-q", "-ex", "set architecture riscv:rv64"]
    if args.backend != "native" and args.symbols:
        gdb += ["-ex", f"symbol-file {args.symbols}"]
    guest_elf = guest_symbols(args.guest)
    if guest_elf:
        # (add-symbol-file asks for a yes first: not on a terminal.)
        gdb += ["-ex", "set confirm off", "-ex", f"add-symbol-file {guest_elf}",
                "-ex", "set confirm on"]
    gdb += ["-ex", "target remote :1234"]
    try:
        subprocess.call(gdb)
    finally:
        qemu.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
