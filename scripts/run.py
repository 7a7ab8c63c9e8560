#!/usr/bin/python3
"""Boot a guest on QEMU virt, natively or under Umbra.

    run.py --guest G [--backend auto|shadow|hext|native] [--smp N] [--harts N] [--mem SIZE]
           [--append ARGS] [--initrd FILE] [--disk FILE] [--cpu CPU]
           [--icount] [--gdb [--symbols UMBRA_ELF]] [--patch 0|1] [--umbra BIN]
           [--net [--hostfwd PORT] [--mac MAC]]
    run.py --config CONFIG.dtb [--harts N] [--backend ...] [--cpu ...] ...

Umbra always boots from a configuration (src/core/config.h): --config names
one (a device tree compiled from configs/*.dts, listing several guests);
otherwise --guest, --mem, --smp, ... describe a one-guest configuration,
which this script writes itself.  tools/umbra-config checks it first and
says what to stage, so a bad configuration is refused before QEMU starts.

native: QEMU + OpenSBI start the guest directly in S-mode.
shadow: QEMU + OpenSBI start Umbra, which runs the guest in U-mode by
        trap-and-emulate.  The guest image (and initrd) are staged in host RAM
        with QEMU's loader device; Umbra's command line says where.
hext:   Umbra runs the guest in VS-mode on the H extension (-cpu must have H).
auto:   Umbra picks hext where the hart has H, shadow otherwise.

--net (or a guest with "network;" in a configuration): QEMU user networking
(10.0.2.0/24, gateway and DHCP 10.0.2.2) on a virtio-net-device, with host
port PORT + i (--hostfwd, default 10080; 0 for none) forwarded to
10.0.2.(15 + i):80 for the i-th guest with a network.  Natively that card is
the guest's (address --mac); under Umbra it is Umbra's uplink, and each such
guest gets Umbra's virtio-net card on Umbra's switch, address
52:54:00:12:34:(10 + its place in the configuration).

Exits with QEMU's exit status: 0 when the guest powered off normally, 1
when it reported a failure (under Umbra), 2 for bad arguments (--gdb: 0
when gdb quits; QEMU is stopped then).
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

MiB = 1 << 20
RAM_BASE = 0x80000000
UMBRA_RESERVE = 40 * MiB      # Umbra's own pool: page tables, vCPUs ...
VM_RESERVE = 24 * MiB         # ... and per guest (its shadow-table quota is 16 MiB)
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


def qemu_base(args, mem_bytes, harts):
    cmd = ["qemu-system-riscv64", "-M", "virt", "-cpu", args.cpu,
           "-smp", str(harts), "-m", f"{mem_bytes // MiB}M",
           "-bios", "default", "-nographic",
           # Modern (version 2) virtio-mmio, natively and for Umbra's driver.
           "-global", "virtio-mmio.force-legacy=false"]
    if args.icount:
        cmd += ["-icount", "shift=0"]
    return cmd


def net_args(args, nguests):
    """QEMU's virtio-net card on user networking (10.0.2.0/24, the host is
    10.0.2.2): the guest's own natively, Umbra's uplink otherwise.  With
    --hostfwd PORT, host port PORT + i reaches port 80 of the i-th guest with
    a network, at 10.0.2.(15 + i) (umbra.ip= in its bootargs)."""
    fwd = "".join(f",hostfwd=tcp:127.0.0.1:{args.hostfwd + i}-10.0.2.{15 + i}:80"
                  for i in range(nguests)) if args.hostfwd else ""
    return ["-netdev", f"user,id=net0{fwd}",
            "-device", "virtio-net-device,netdev=net0"
            + (f",mac={args.mac}" if args.backend == "native" else "")]


def native_cmd(args, mem):
    cmd = qemu_base(args, mem, args.smp) + ["-kernel", args.guest]
    if args.disk:
        cmd += ["-drive", f"file={args.disk},format=raw,if=none,id=disk0",
                "-device", "virtio-blk-device,drive=disk0"]
    if args.net:
        cmd += net_args(args, 1)
    if args.initrd:
        cmd += ["-initrd", args.initrd]
    if args.append:
        cmd += ["-append", args.append]
    return cmd


def guest_name(path):
    """A one-guest configuration's guest is named after its image."""
    base = os.path.basename(path)
    if base == "Image":
        return "linux"
    name = re.sub(r"[^a-z0-9-]", "-", os.path.splitext(base)[0].lower()).strip("-")
    return name[:15] or "guest"


def dts_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def one_guest_dts(args, mem):
    """The configuration --guest, --mem, --smp ... describe."""
    lines = [f"vcpus = <{args.smp}>;", f"memory-mib = <{mem // MiB}>;",
             f"kernel = {dts_string(os.path.abspath(args.guest))};"]
    if args.initrd:
        lines.append(f"initrd = {dts_string(os.path.abspath(args.initrd))};")
    if args.disk:
        lines.append(f"disk = {dts_string(os.path.abspath(args.disk))};")
    if args.append:
        lines.append(f"bootargs = {dts_string(args.append)};")
    if args.net:
        lines.append("network;")
    body = "\n\t\t\t".join(lines)
    return ("/dts-v1/;\n/ {\n\tcompatible = \"umbra,config\";\n\tguests {\n"
            f"\t\t{guest_name(args.guest)} {{\n\t\t\t{body}\n\t\t}};\n\t}};\n}};\n")


def run_tool(cmd, what):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode:
        msg = (p.stderr or p.stdout).strip()
        print(f"run.py: {what}: {msg}" if msg else f"run.py: {what} failed", file=sys.stderr)
        sys.exit(2)
    return p.stdout


def read_plan(args, dtb, harts):
    """tools/umbra-config's checked list of guests: one dict per guest."""
    tool = os.path.join(os.path.dirname(args.umbra) or ".", "tools", "umbra-config")
    check_file(tool, "configuration checker")
    out = run_tool([tool, "--harts", str(harts), dtb], "configuration")
    return [dict(f.split("=", 1) for f in line.split("\t")) for line in out.splitlines()]


def work_dir():
    """A directory for the configuration Umbra boots from.  QEMU reads it at
    start and again at every reset (a reboot), so it must outlive this
    script, which becomes QEMU: directories older than a day are removed."""
    base = os.path.join(tempfile.gettempdir(), f"umbra-run-{os.getuid()}")
    os.makedirs(base, exist_ok=True)
    now = time.time()
    for d in os.listdir(base):
        path = os.path.join(base, d)
        try:
            if now - os.path.getmtime(path) > 86400:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass
    return tempfile.mkdtemp(dir=base)


def umbra_cmd(args, mem):
    check_file(args.umbra, "Umbra image")
    work = work_dir()
    if args.config:
        check_file(args.config, "configuration")
        if not args.config.endswith(".dtb"):
            die(f"--config {args.config}: give the compiled .dtb (make compiles configs/*.dts)")
        dtb = os.path.join(work, "config.dtb")
        shutil.copyfile(args.config, dtb)
    else:
        dts = os.path.join(work, "config.dts")
        with open(dts, "w") as f:
            f.write(one_guest_dts(args, mem))
        dtb = os.path.join(work, "config.dtb")
        run_tool(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, dts], "dtc")
    # Harts: as many as asked, else one per vCPU (at most 8).
    plan0 = read_plan(args, dtb, 8)
    harts = args.harts or min(8, sum(int(g["vcpus"]) for g in plan0))
    plan = read_plan(args, dtb, harts)

    staged = 0
    for g in plan:
        for key in ("kernel", "initrd"):
            if g[key]:
                staged += align_up(os.path.getsize(g[key]), MiB)
    guest_mem = sum(int(g["mem"]) for g in plan)
    host_mem = align_up(guest_mem + UMBRA_RESERVE + VM_RESERVE * len(plan) + staged + MiB +
                        FDT_RESERVE, 2 * MiB)
    if host_mem > HOST_RAM_MAX:
        die(f"guest memory {guest_mem // MiB} MiB plus images needs {host_mem // MiB} MiB of "
            f"host RAM; Umbra maps at most {HOST_RAM_MAX // MiB} MiB")
    cmd = qemu_base(args, host_mem, harts) + ["-kernel", args.umbra]

    # Stage the images at the top of host RAM, below the host DT, and write
    # where each went into the configuration Umbra boots from.
    top = RAM_BASE + host_mem - FDT_RESERVE
    for g in plan:
        path = f"/guests/{g['name']}"
        for key in ("kernel", "initrd"):
            if not g[key]:
                continue
            size = os.path.getsize(g[key])
            top = align_down(top - size, 4096)
            cmd += ["-device", f"loader,file={g[key]},addr={top:#x},force-raw=on"]
            cells = [top >> 32, top & 0xffffffff, size >> 32, size & 0xffffffff]
            run_tool(["fdtput", "-t", "x", dtb, path, f"umbra,{key}"] + [f"{c:x}" for c in cells],
                     "fdtput")
        if g["disk"]:
            drive = f"disk-{g['name']}"
            cmd += ["-drive", f"file={g['disk']},format=raw,if=none,id={drive}",
                    "-device", f"virtio-blk-device,drive={drive},serial={g['name']}"]
    nets = sum(g["network"] == "1" for g in plan)
    if nets:
        cmd += net_args(args, nets)
    # The exit trace's way out: a virtio console whose port QEMU writes
    # into a file (src/host/virtio_console.c; Umbra writes to it only while
    # tracing, from --trace or Ctrl-] t).
    trace_file = args.trace_file or os.path.join(work, "trace.log")
    cmd += ["-chardev", f"file,id=umbratrace,path={trace_file}",
            "-device", "virtio-serial-device,max_ports=1",
            "-device", "virtconsole,chardev=umbratrace,nr=0"]
    csize = os.path.getsize(dtb)
    top = align_down(top - csize, 4096)
    cmd += ["-device", f"loader,file={dtb},addr={top:#x},force-raw=on"]
    umbra_args = f"config={top:#x},{csize} backend={args.backend} patch={args.patch}"
    for opt, val in (("trace", args.trace), ("trace_vcpu", args.trace_vcpu),
                     ("trace_pc", args.trace_pc)):
        if val:
            umbra_args += f" {opt}={val}"
    cmd += ["-append", umbra_args]
    return cmd


TRACE_KINDS = ("csr", "sbi", "pf", "mmio", "irq", "priv", "exc", "all")


def check_trace_args(args):
    """The trace options, checked before QEMU starts (Umbra checks them
    again and refuses what it cannot parse)."""
    for k in args.trace.split(",") if args.trace else []:
        if k not in TRACE_KINDS:
            die(f"--trace {args.trace}: unknown kind '{k}' (kinds: {', '.join(TRACE_KINDS)})")
    if args.trace_vcpu and not re.fullmatch(r"([A-Za-z][A-Za-z0-9_-]*)?(/?[0-9]+)?",
                                            args.trace_vcpu):
        die(f"--trace-vcpu {args.trace_vcpu}: give NAME/N, NAME or N")
    if args.trace_pc:
        m = re.fullmatch(r"(?:0x)?([0-9a-fA-F]+)-(?:0x)?([0-9a-fA-F]+)", args.trace_pc)
        if not m or int(m[1], 16) >= int(m[2], 16):
            die(f"--trace-pc {args.trace_pc}: give LO-HI in hex, LO below HI")
        args.trace_pc = f"{m[1]}-{m[2]}"
    if args.trace_file:
        d = os.path.dirname(os.path.abspath(args.trace_file))
        if not os.path.isdir(d):
            die(f"--trace-file {args.trace_file}: no directory {d}")
    if args.backend == "native" and (args.trace or args.trace_vcpu or args.trace_pc):
        die("--trace: a native run has no Umbra to trace its exits")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--guest", help="a guest image (a one-guest configuration)")
    p.add_argument("--config", default="", help="a configuration (.dtb) listing the guests")
    p.add_argument("--harts", type=int, default=0,
                   help="the machine's harts under Umbra (QEMU -smp; default: one per vCPU, "
                   "at most 8); fewer than the vCPUs share them (native runs: --smp)")
    p.add_argument("--backend", default="auto", choices=["auto", "shadow", "hext", "native"])
    p.add_argument("--smp", type=int, default=1, help="the guest's harts (vCPUs)")
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
    p.add_argument("--net", action="store_true",
                   help="a network card on QEMU user networking (see above)")
    p.add_argument("--hostfwd", type=int, default=10080,
                   help="host port forwarded to the guest's 10.0.2.15:80 (+ i: the i-th "
                   "guest's 10.0.2.(15 + i):80; 0: none)")
    p.add_argument("--mac", default="52:54:00:12:34:10",
                   help="with --net, natively: the card's address (Umbra's first guest's)")
    p.add_argument("--trace", default="",
                   help="exit trace: kinds csr,sbi,pf,mmio,irq,priv,exc or all (Ctrl-] t "
                   "toggles it at run time)")
    p.add_argument("--trace-file", default="",
                   help="where the trace goes (default: a file in the run's work directory)")
    p.add_argument("--trace-vcpu", default="", help="trace only this vCPU: NAME/N, NAME or N")
    p.add_argument("--trace-pc", default="", help="trace only guest pcs in LO-HI (hex)")
    p.add_argument("--print-cmd", action="store_true")
    args = p.parse_args()
    check_trace_args(args)

    if args.config:
        if args.backend == "native":
            die("--config: a configuration runs under Umbra (native runs one --guest)")
        if args.gdb:
            die("--config: --gdb takes one --guest")
    elif not args.guest:
        die("give --guest IMAGE or --config CONFIG.dtb")
    else:
        check_file(args.guest, "guest image")
    if args.initrd:
        check_file(args.initrd, "initrd")
    if args.disk:
        check_file(args.disk, "disk image")
    if args.smp < 1:
        die("--smp must be at least 1")
    if args.harts < 0:
        die("--harts must be at least 1")
    if args.backend == "native":
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
    if args.trace:
        where = args.trace_file or "the run's work directory"
        print(f"run.py: exit trace ({args.trace}) into {where}; Ctrl-] t turns it off and on",
              file=sys.stderr, flush=True)
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
