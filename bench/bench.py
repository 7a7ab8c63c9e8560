#!/usr/bin/python3
"""make bench: what trap-and-emulate costs, natively vs under Umbra.

Four configurations on the same QEMU:
  native          the guest alone (QEMU + OpenSBI), -cpu rv64,h=false
  shadow          Umbra's trap-and-emulate backend, -cpu rv64,h=false, hot
                  privileged instructions patched (run.py --patch 1)
  shadow-nopatch  the same without patching: every privileged instruction
                  traps (run.py --patch 0)
  hext            Umbra on the H extension, -cpu rv64

Micro-benchmarks: each benchmark guest (bench/trapbench: privileged
instructions and SBI calls; bench/pagebench: paging) twice per configuration:
  - with -icount shift=0: QEMU advances guest-visible time by one ns per
    instruction, so the figures are deterministic instruction counts
    ("instructions per operation", all privilege levels: guest, Umbra,
    OpenSBI);
  - without icount: wall-clock time per operation as the guest's time CSR
    sees it (10 MHz), which varies with the machine.

Linux workloads (Linux 6.1 + busybox, build/linux): boot to the shell prompt,
then workloads at the prompt (system calls, fork/exec, page faults, compute,
block I/O, pipes, pipe ping-pong), each timed by the host (wall) and by the
guest's own clock:
  - RUNS boots per configuration without icount, each running every
    workload once: the median wall time is reported;
  - with -icount shift=0, one boot per workload that runs only that
    workload, plus one boot that runs none: the guest time is then the
    instructions executed, and the difference of Umbra's exit tables (printed
    at power-off) between the two boots is the workload's exits by cause.
The exit trace (--only trace, and in every full run): the benchmark guests
and the syscall workload with -icount on Umbra without the trace's hooks
(build/umbra-notrace.bin), with them and tracing off (the normal image), and
with --trace all: tracing off must not differ measurably from no hooks.
Networking (--net, or --only net): the guest on a virtio-net card (natively
QEMU's, under Umbra Umbra's on its switch with QEMU's as uplink), QEMU user
networking: host -> guest TCP throughput (the guest's wget of 64 MiB from a
server on the host) and the guest's ping round trip to the gateway, median
of RUNS boots.
SMP scaling (--scaling, or --only scaling): native, shadow and hext with 1, 2
and 4 vCPUs: the boot to the prompt and a fixed parallel workload (four
md5sum jobs at once), median wall time of RUNS boots each, and the speedup
over one vCPU.  A configuration that does not boot with that many vCPUs (Umbra
before SMP support) shows n/a.  QEMU runs one host thread per vCPU: on a
machine with fewer cores than vCPUs the speedup stops at the core count.

Results: printed tables, build/bench/results.json, build/bench/workloads.png.

    bench.py [--only micro|linux|trace|scaling|net|multi] [--scaling] [--net] [--runs N]
             [--configs native,shadow,...] [--workloads syscall,pipes,...]
             [--no-icount] [--umbra FILE]
The Umbra image is $UMBRA_BIN, or build/umbra.bin.
"""
import argparse
import datetime
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from guestrun import BUILD, PYTHON, ROOT, guest_path, run_guest  # noqa: E402

BENCHES = ["trapbench", "pagebench"]
CPU = "rv64,h=false"

# Configuration -> (run.py backend, QEMU -cpu, run.py --patch).  Natively and
# on the trap-and-emulate backend: a core without H; the H-extension backend
# needs a core with it.  Same QEMU, same guest.
CONFIGS = {
    "native": ("native", CPU, "1"),
    "shadow": ("shadow", CPU, "1"),
    "shadow-nopatch": ("shadow", CPU, "0"),
    "hext": ("hext", "rv64", "1"),
}
UMBRA_CONFIGS = ["shadow", "shadow-nopatch", "hext"]

UMBRA = os.environ.get("UMBRA_BIN", os.path.join(BUILD, "umbra.bin"))
# The same Umbra with the exit trace's hooks compiled out (make bench builds it).
UMBRA_NOTRACE = os.path.join(BUILD, "umbra-notrace.bin")
OUT = os.path.join(BUILD, "bench")
TRACE_ARGS = []         # run.py's trace options for the runs (trace_figures)


def run_py_args(config, icount):
    """run.py's options for a configuration (the guest aside)."""
    backend, cpu, patch = CONFIGS[config]
    args = ["--backend", backend, "--cpu", cpu, "--umbra", UMBRA]
    if backend != "native":
        args += ["--patch", patch] + TRACE_ARGS
    return args + (["--icount"] if icount else [])


def ratio(x, base):
    return x / base if x is not None and base else None


def fmt_ratio(r, width=8):
    return f"{r:{width - 1}.1f}x" if r is not None else f"{'-':>{width}}"


# ---- Micro-benchmarks (bare-metal guests) ------------------------------------------

def measure(guest, config, icount):
    backend, cpu, _ = CONFIGS[config]
    # run.py takes the last --umbra and --cpu: ours override guestrun's.
    run = run_guest(guest_path(guest), backend, cpu, timeout=300,
                    extra=run_py_args(config, icount))
    rows = {}
    for m in re.finditer(r"^BENCH (\S+)\s+(\d+)\s+(\d+)$", run.output, re.M):
        rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    if not rows:
        sys.exit(f"bench: no BENCH lines from the {config} run:\n{run.output[-2000:]}")
    return rows


def micro_figures(configs):
    """The micro-op table; returns {guest: {config: {op: {instr, ns}}}}."""
    print("Cost per guest operation, natively and under Umbra (QEMU virt)")
    print("  instr = instructions retired per operation (guest + Umbra + OpenSBI),")
    print("          with -icount shift=0: deterministic, = guest-visible ns")
    print("  ns    = wall time per operation from the guest's time CSR, without icount")
    print("  nopatch = shadow-nopatch (every privileged instruction traps)")
    others = [c for c in configs if c != "native"]
    short = {"shadow-nopatch": "nopatch"}
    results = {}
    for guest in BENCHES:
        res = {c: (measure(guest, c, True), measure(guest, c, False)) for c in configs}
        ops = next(iter(res.values()))[0]
        namew = max([22] + [len(name) for name in ops])
        print()
        print(f"  {guest + ':':{namew}} {'instructions per op (icount)':^{9 + 15 * len(others)}}"
              f"  {'ns per op (wall)':^{9 * len(configs)}}")
        print(f"  {'':{namew}} {'native' if 'native' in res else '':>9}"
              + "".join(f" {short.get(c, c):>14}" for c in others) + "  "
              + "".join(f"{short.get(c, c):>9}" for c in configs))
        results[guest] = {c: {} for c in configs}
        for name in ops:
            ni = res["native"][0][name][0] if "native" in res else 0
            cells = []
            for c in others:
                v = res[c][0].get(name, (0, 0))[0]
                cells.append(f"{v:7} {f'{v / ni:.0f}x' if ni else '':>6}")
            # time ticks (10 MHz) per 1000 ops -> ns per op
            walls = {c: res[c][1].get(name, (0, 0))[1] / 10 for c in configs}
            print(f"  {name:{namew}} {ni if 'native' in res else '':>9}"
                  + "".join(f" {x:>14}" for x in cells) + "  "
                  + "".join(f"{walls[c]:9.0f}" for c in configs))
            for c in configs:
                results[guest][c][name] = {"instr": res[c][0].get(name, (0, 0))[0],
                                           "ns": walls[c]}
    return results


# ---- Linux workloads ---------------------------------------------------------------

LINUX = os.path.join(BUILD, "linux")
PROMPT = "guest# "
TIMEOUT = 1800          # seconds for any one step (boot, a workload, poweroff)

# The workloads: name, shell command, operations it does and what one is
# (for exits per operation), and a command that prepares it (untimed).
# Sizes: natively 0.3-0.6 s of wall time each (QEMU TCG on a 2.4 GHz EPYC);
# shadow-nopatch is 2-70x slower (the most on system calls: ~15 exits each).
WORKLOADS = [
    ("syscall", "dd if=/dev/zero of=/dev/null bs=1 count=30000 status=none",
     60000, "syscall", None),                  # a read and a write per byte
    ("forkexec", "i=0; while [ $i -lt 15 ]; do /bin/true; i=$((i+1)); done",
     15, "fork+exec", None),
    ("pagefault", "dd if=/dev/zero of=/dev/null bs=16M count=1 status=none",
     4096, "4K page", None),                   # dd's fresh 16 MiB buffer
    ("compute", "md5sum /tmp/f /tmp/f /tmp/f >/dev/null",
     None, None, None),                        # 3 x 4 MiB in tmpfs
    ("blockio", "dd if=/dev/zero of=/mnt/blk bs=64k count=128 status=none && sync",
     8, "MiB", "rm -f /mnt/blk; sync"),        # 8 MiB to the virtio disk
    ("pipes", "seq 10000 | sort | uniq | wc >/dev/null",
     None, None, None),
    ("pipeping", "pipeping 1000 >/dev/null",   # bench/linux/pipeping.c
     1000, "round trip", None),
]
PREP = {name: prep for name, _, _, _, prep in WORKLOADS}
OPS = {name: (ops, what) for name, _, ops, what, _ in WORKLOADS}

# Typed at the prompt after every boot (the same lines in every boot, so
# that their exits cancel out).  now() reads CLOCK_MONOTONIC (in ns) from
# the "now at N nsecs" line of /proc/timer_list, with shell built-ins only
# (busybox's date has no %N, /proc/uptime only 10 ms steps).  bench W marks
# its start for the host (@@S), runs w_W between two readings, and prints
# its exit status and the two readings (@@E).
SETUP = [
    "now() { { read _; read _; read _ _ T _; } </proc/timer_list; }",
    'bench() { echo "@@S"; now; t0=$T; w_$1; r=$?; now; echo "@@E $r $t0 $T"; }',
    "w_none() { :; }",
] + [f"w_{name}() {{ {cmd}; }}" for name, cmd, *_ in WORKLOADS] + [
    "dd if=/dev/zero of=/tmp/f bs=1M count=4 status=none",
]


class GuestError(SystemExit):
    """The guest did not do what was expected (uncaught: exits with the message)."""


class LinuxGuest:
    """The Linux guest in one configuration, driven over its serial console:
    build/linux/Image, initramfs.cpio.gz and a private copy of disk.img."""

    def __init__(self, config, icount, tmp, smp=1, net_args=()):
        import pexpect
        self.pexpect = pexpect
        self.config = config
        disk = os.path.join(tmp, "disk.img")
        shutil.copy(os.path.join(LINUX, "disk.img"), disk)
        cmd = [os.path.join(ROOT, "scripts", "run.py"), "--guest", os.path.join(LINUX, "Image"),
               "--initrd", os.path.join(LINUX, "initramfs.cpio.gz"), "--disk", disk,
               "--mem", "256M", "--append", "console=ttyS0" + NET_APPEND * bool(net_args),
               "--smp", str(smp), *net_args] \
            + run_py_args(config, icount)
        self.log = io.StringIO()
        self.start = time.monotonic()
        self.p = pexpect.spawn(PYTHON, cmd, cwd=ROOT, encoding="utf-8", codec_errors="replace",
                               timeout=TIMEOUT)
        self.p.logfile_read = self.log

    def expect(self, pattern):
        try:
            self.p.expect(pattern)
        except (self.pexpect.TIMEOUT, self.pexpect.EOF):
            self.p.terminate(force=True)
            raise GuestError(f"bench: {self.config}: no {pattern!r} from the guest; it printed:\n"
                             + self.log.getvalue()[-3000:].replace("\r", ""))
        return self.p.match

    def boot(self):
        """Wait for the prompt; return (wall seconds from starting QEMU, the
        guest's uptime when /init was done), then type the setup lines."""
        guest_s = float(self.expect(r"init done \(.*, ([0-9.]+)s after boot\)").group(1))
        self.expect(re.escape(PROMPT))
        wall = time.monotonic() - self.start
        for line in SETUP:
            self.command(line)
        return wall, guest_s

    def command(self, line):
        self.p.sendline(line)
        self.expect(re.escape(PROMPT))

    def bench(self, name):
        """Run workload 'name'; return (wall seconds, guest seconds)."""
        self.p.sendline(f"bench {name}")
        self.expect(r"@@S\r*\n")
        t0 = time.monotonic()
        m = self.expect(r"@@E (\d+) (\d+) (\d+)\r*\n")
        wall = time.monotonic() - t0
        self.expect(re.escape(PROMPT))
        if m.group(1) != "0":
            self.p.terminate(force=True)
            raise GuestError(f"bench: {self.config}: workload {name} failed "
                             f"(status {m.group(1)}):\n"
                             + self.log.getvalue()[-3000:].replace("\r", ""))
        return wall, (int(m.group(3)) - int(m.group(2))) / 1e9

    def poweroff(self):
        """Power off; return Umbra's exit table (None natively)."""
        self.p.sendline("poweroff")
        self.expect(self.pexpect.EOF)
        self.p.close()
        return parse_exits(self.log.getvalue().replace("\r", ""))


def parse_exits(out):
    """Umbra's exit table as {"group: name": count}, with "exits: total" (the
    header's count), e.g. "exit: illegal instruction", "shadow: fills"."""
    m = re.search(r"^umbra: exits of vCPU 0: (\d+)", out, re.M)
    if not m:
        return None
    table = {"exits: total": int(m.group(1))}
    # Rows are "  %-12s %-26s %10lu" (src/trap/vcpu.c, src/shadowpt/shadow.c).
    for row in re.finditer(r"^  (.{12}) (.+?)\s+(\d+)$", out[m.end():], re.M):
        table[f"{row.group(1).strip()}: {row.group(2)}"] = int(row.group(3))
    return table


def diff_exits(table, base):
    keys = set(table) | set(base)
    return {k: table.get(k, 0) - base.get(k, 0) for k in sorted(keys)}


def progress(msg):
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def wall_runs(configs, names, runs):
    """RUNS boots per configuration (interleaved, so that a busy machine
    slows them alike), each running every workload once.  Returns
    {config: {workload: [(wall, guest) per run]}}, boot included."""
    res = {c: {w: [] for w in ["boot"] + names} for c in configs}
    for run in range(runs):
        for c in configs:
            progress(f"{c}: run {run + 1} of {runs}, without icount")
            with tempfile.TemporaryDirectory() as tmp:
                g = LinuxGuest(c, False, tmp)
                res[c]["boot"].append(g.boot())
                for name in names:
                    if PREP[name]:
                        g.command(PREP[name])
                    res[c][name].append(g.bench(name))
                g.poweroff()
    return res


def icount_runs(config, names):
    """With -icount shift=0: a boot that runs nothing (the baseline) and one
    per workload that runs only it.  Returns ({workload: (wall, guest)},
    {workload: exits by cause}) with the baseline as "boot"."""
    times, exits = {}, {}
    base = None
    for name in ["none"] + names:
        progress(f"{config}: with icount, workload {name}")
        with tempfile.TemporaryDirectory() as tmp:
            g = LinuxGuest(config, True, tmp)
            boot = g.boot()
            if PREP.get(name):
                g.command(PREP[name])
            t = g.bench(name)
            table = g.poweroff()
        if name == "none":
            times["boot"], base = boot, table
            exits["boot"] = table
        else:
            times[name] = t
            exits[name] = diff_exits(table, base) if table and base else None
    return times, exits


# ---- What the exit trace costs -------------------------------------------------------

def trace_figures(configs):
    """Tracing off must cost nothing measurable.  Each benchmark guest and a
    Linux workload run with -icount shift=0 (instruction counts: exact and
    repeatable) on three Umbra images: without the trace's hooks
    (umbra-notrace.bin), with them but tracing off (umbra.bin: what everyone
    runs), and tracing everything (--trace all).  Returns {config: {...}}."""
    global UMBRA, TRACE_ARGS
    if not os.path.exists(UMBRA_NOTRACE):
        sys.exit(f"bench: {UMBRA_NOTRACE} is missing: make bench builds it")
    print()
    print("What the exit trace costs: instructions per operation with -icount shift=0")
    print("  no hooks = umbra-notrace.bin (trace compiled out), off = umbra.bin with tracing off,")
    print("  on = umbra.bin --trace all (one line per exit into a file)")
    main_umbra = UMBRA
    variants = [("no hooks", UMBRA_NOTRACE, []), ("off", main_umbra, []),
                ("on", main_umbra, ["--trace", "all"])]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for c in [c for c in configs if c in ("shadow", "hext")]:
            res = {}
            for label, image, targs in variants:
                UMBRA = image
                TRACE_ARGS = targs + (["--trace-file", os.path.join(tmp, "t.log")] if targs else [])
                progress(f"{c}: trace cost, {label}")
                try:
                    res[label] = {g: measure(g, c, True) for g in BENCHES}
                    with tempfile.TemporaryDirectory() as ltmp:
                        lg = LinuxGuest(c, True, ltmp)
                        lg.boot()
                        res[label]["linux"] = {"syscall workload (per syscall)": (
                            round(lg.bench("syscall")[1] * 1e9 / OPS["syscall"][0]), 0)}
                        lg.poweroff()
                finally:
                    UMBRA, TRACE_ARGS = main_umbra, []
            print()
            print(f"  {c}:{'':22} {'no hooks':>10} {'off':>10} {'off/no':>8} {'on':>10} {'on/no':>8}")
            results[c] = {}
            worst = 0.0
            for g in BENCHES + ["linux"]:
                for op, (base, _) in res["no hooks"][g].items():
                    off = res["off"][g].get(op, (0, 0))[0]
                    on = res["on"][g].get(op, (0, 0))[0]
                    results[c][f"{g}: {op}"] = {"no hooks": base, "off": off, "on": on}
                    if base:
                        worst = max(worst, abs(off - base) / base)
                    print(f"  {op[:28]:28} {base:10} {off:10} {ratio(off, base) or 0:7.3f}x "
                          f"{on:10} {ratio(on, base) or 0:7.1f}x")
            results[c]["worst off/no-hooks difference"] = worst
            print(f"  largest difference, tracing off vs no hooks: {100 * worst:.2f}%")
    return results


def per_op(x):
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 1 else f"{x:.2g}"


def human(n):
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            return f"{n / div:.3g}{suffix}"
    return str(n)


def linux_figures(configs, names, runs, icount):
    if not os.path.exists(os.path.join(LINUX, "Image")):
        print("\n  (Linux images not built: make linux-images)")
        return None
    walls = wall_runs(configs, names, runs) if runs else {}
    ic_times, ic_exits = {}, {}
    if icount:
        for c in configs:
            ic_times[c], ic_exits[c] = icount_runs(c, names)
    rows = ["boot"] + names

    # Medians of the wall runs; the icount runs are one each.
    med = {c: {} for c in configs}
    for c in configs:
        for w in rows:
            m = med[c][w] = {}
            if c in walls:
                m["wall_s"] = statistics.median(x[0] for x in walls[c][w])
                m["guest_s"] = statistics.median(x[1] for x in walls[c][w])
            if c in ic_times:
                m["icount_wall_s"], m["icount_guest_s"] = ic_times[c][w]

    print()
    print("Linux 6.1 workloads at the busybox prompt (QEMU virt, one hart, 256 MiB; native and")
    print("shadow on -cpu rv64,h=false, hext on -cpu rv64; nopatch = shadow-nopatch)")
    for name, cmd, *_ in WORKLOADS:
        if name in names:
            print(f"  {name:10} {cmd}")
    print("  boot       QEMU start to the prompt (wall); the guest's uptime when /init is done")
    print("             (icount: /proc/uptime, in 10 ms steps)")
    if runs:
        print("  wall   = host time from the workload's start marker to its end marker,")
        print(f"           median of {runs} boot(s) per configuration, without icount")
    if icount:
        print("  icount = guest time (CLOCK_MONOTONIC) across the workload with -icount shift=0:")
        print("           1 ns per instruction executed at any level, deterministic; one run,")
        print("           in a boot that runs only that workload")
    others = [c for c in configs if c != "native"]
    short = {"shadow-nopatch": "nopatch"}
    blocks = [(k, t) for k, t, on in (("wall_s", "wall (host)", bool(runs)),
                                       ("icount_guest_s", "icount (guest)", icount)) if on]
    width = 10 + 10 * len(others)
    print()
    print(f"  {'':10}" + "".join(f"  {t:^{width}}" for _, t in blocks))
    print(f"  {'':10}" + "".join(
        "  " + (f"{'native ms':>10}" if "native" in configs else f"{'':10}")
        + "".join(f"{short.get(c, c) + '/n':>10}" for c in others) for _ in blocks))
    for w in rows:
        line = f"  {w:10}"
        for key, _ in blocks:
            n = med["native"][w].get(key) if "native" in configs else None
            line += "  " + (f"{n * 1000:10.1f}" if n is not None else f"{'-':>10}")
            line += "".join(fmt_ratio(ratio(med[c][w].get(key), n), 10) for c in others)
        print(line)

    if icount:
        print_exits([c for c in configs if c in UMBRA_CONFIGS], rows, ic_exits)
    return {"workloads": {name: {"command": cmd, "ops": ops, "op": what, "prepare": prep}
                          for name, cmd, ops, what, prep in WORKLOADS if name in names},
            "runs": runs,
            "wall_runs": {c: {w: [{"wall_s": a, "guest_s": b} for a, b in walls[c][w]]
                              for w in rows} for c in walls},
            "icount_runs": {c: {w: {"wall_s": a, "guest_s": b}
                                for w, (a, b) in ic_times[c].items()} for c in ic_times},
            "medians": med,
            "ratios": {c: {w: {k: ratio(med[c][w].get(k), med["native"][w].get(k))
                               for k in ("wall_s", "guest_s", "icount_guest_s")}
                           for w in rows}
                       for c in others if "native" in configs},
            "exits": ic_exits}


def print_exits(configs, rows, exits):
    """Per workload and Umbra configuration: total exits, exits per
    operation, the top exit causes, and shadow fills."""
    print()
    print("Umbra's exits per workload, with icount: the exit table of a boot that runs only")
    print("the workload minus that of a boot that runs none (boot: the latter, whole, from")
    print("power-on to power-off).  Causes are real traps to Umbra; shadow fills are")
    print("shadow page-table entries filled on (some of) the page-fault exits; patched")
    print("sites run = privileged instructions emulated at patched sites (several can run")
    print("in one breakpoint exit).")
    for c in configs:
        print()
        print(f"  {c}:")
        print(f"    {'workload':10} {'exits':>8}  {'per operation':20}  top causes")
        for w in rows:
            t = exits[c].get(w)
            if not t:
                print(f"    {w:10} {'(no exit table)':>8}")
                continue
            total = t["exits: total"]
            ops, what = OPS.get(w, (None, None))
            per = f"{per_op(total / ops)} per {what}" if ops else ""
            # The exit causes ("patch: sites run" counts the patched sites
            # emulated, several per breakpoint exit where sites follow each
            # other; the breakpoint exits themselves are "breakpoint").
            causes = sorted(((n, k[len("exit: "):]) for k, n in t.items()
                             if k.startswith("exit: ") and n > 0),
                            reverse=True)
            text = ", ".join(f"{name} {human(n)}" for n, name in causes[:4])
            if t.get("shadow: fills"):
                text += f"; fills {human(t['shadow: fills'])}"
            if t.get("patch: sites run"):
                text += f"; patched sites run {human(t['patch: sites run'])}"
            print(f"    {w:10} {human(total):>8}  {per:20}  {text}")


# ---- SMP scaling ---------------------------------------------------------------------

SCALING_CONFIGS = ["native", "shadow", "hext"]
SCALING_SMP = [1, 2, 4]
# A fixed amount of work in four jobs: 4 x 2 x 4 MiB of md5sum (/tmp/f, made
# by SETUP), so that 1, 2 and 4 vCPUs share the same work.
SCALING_WORKLOAD = ("parallel", "for i in 1 2 3 4; do md5sum /tmp/f /tmp/f >/dev/null & done; wait")


def scaling_runs(configs, runs):
    """RUNS boots per configuration and vCPU count: the boot and the parallel
    workload.  Returns {config: {smp: {"boot": [s], "parallel": [s]} or
    {"error": why}}}: a configuration that fails with some vCPU count (Umbra
    refuses smp > 1 before SMP support) is recorded as such, not fatal."""
    name, cmd = SCALING_WORKLOAD
    res = {c: {} for c in configs}
    for run in range(runs):
        for c in configs:
            for n in SCALING_SMP:
                if "error" in res[c].get(n, {}):
                    continue
                progress(f"{c}: {n} vCPU(s), run {run + 1} of {runs}")
                r = res[c].setdefault(n, {"boot": [], name: []})
                try:
                    with tempfile.TemporaryDirectory() as tmp:
                        g = LinuxGuest(c, False, tmp, smp=n)
                        r["boot"].append(g.boot()[0])
                        g.command(f"w_{name}() {{ {cmd}; }}")
                        r[name].append(g.bench(name)[0])
                        g.poweroff()
                except GuestError as e:
                    why = re.findall(r"^umbra: error: (.*)$", str(e.code), re.M)
                    res[c][n] = {"error": why[0] if why else str(e.code).splitlines()[0]}
                    progress(f"{c}: {n} vCPU(s): n/a ({res[c][n]['error']})")
    return res


def scaling_figures(configs, runs):
    configs = [c for c in SCALING_CONFIGS if c in configs]
    if not configs:
        return None
    if not os.path.exists(os.path.join(LINUX, "Image")):
        print("\n  (Linux images not built: make linux-images)")
        return None
    runs = max(runs, 1)
    res = scaling_runs(configs, runs)
    name, cmd = SCALING_WORKLOAD
    med = {c: {n: ({k: statistics.median(v) for k, v in res[c][n].items()}
                   if "error" not in res[c][n] else None) for n in SCALING_SMP} for c in configs}
    print()
    print(f"SMP scaling: Linux 6.1 with 1, 2 and 4 vCPUs ({os.cpu_count()} host cores; QEMU runs")
    print("one thread per vCPU), median wall time (host) of "
          f"{runs} boot(s) per cell, speedup over 1 vCPU")
    print("  boot       QEMU start to the shell prompt")
    print(f"  {name:10} {cmd}")
    print("  n/a        the configuration does not boot with that many vCPUs")
    colw = 10, 16
    print()
    print(f"  {'':6}" + "".join(f"  {c:^{sum(colw)}}" for c in configs))
    print(f"  {'vCPUs':6}" + "".join(f"  {'boot ms':>{colw[0]}}{name + ' ms':>{colw[1]}}"
                                     for _ in configs))
    for n in SCALING_SMP:
        line = f"  {n:<6}"
        for c in configs:
            line += "  "
            for k, w in zip(("boot", name), colw):
                m, one = med[c][n], med[c][1]
                if m is None:
                    cell = "n/a"
                else:
                    cell = f"{m[k] * 1000:.0f}"
                    if k == name and one is not None:
                        cell += f" ({one[k] / m[k]:.2f}x)"
                line += f"{cell:>{w}}"
        print(line)
    for c in configs:
        for n in SCALING_SMP:
            if "error" in res[c][n]:
                print(f"  n/a: {c} with {n} vCPUs: {res[c][n]['error']}")
    return {"smp": SCALING_SMP, "workload": {"name": name, "command": cmd}, "runs": runs,
            "results": {c: {str(n): res[c][n] for n in SCALING_SMP} for c in configs},
            "medians": {c: {str(n): med[c][n] for n in SCALING_SMP} for c in configs}}


# ---- Results: JSON and a chart -------------------------------------------------------

# ---- Networking (--net, or --only net) ----------------------------------------------

NET_APPEND = " umbra.ip=10.0.2.15/24"
NET_BYTES = 64 << 20
PINGS = 20


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Zeros:
    """An HTTP server on 127.0.0.1 that answers any GET with NET_BYTES zeros."""

    def __init__(self):
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(NET_BYTES))
                self.end_headers()
                chunk = bytes(1 << 20)
                for _ in range(NET_BYTES // len(chunk)):
                    self.wfile.write(chunk)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def net_throughput(g, server):
    """Host -> guest TCP: the guest's wget fetches NET_BYTES from 'server'
    (10.0.2.2 is the host's 127.0.0.1 for a user-networking guest) into
    /dev/null.  MB/s from sending the command to the prompt after it."""
    line = f"wget -q -O /dev/null http://10.0.2.2:{server.port}/zeros; echo @@W$?"
    t0 = time.monotonic()
    g.p.sendline(line)
    m = g.expect(r"@@W(\d+)\r*\n")
    wall = time.monotonic() - t0
    g.expect(re.escape(PROMPT))
    if m.group(1) != "0":
        raise GuestError(f"bench: {g.config}: wget failed ({m.group(1)})")
    return NET_BYTES / wall / 1e6


def net_ping(g):
    """The guest pings QEMU's gateway: (average, max) round trip in ms."""
    g.p.sendline(f"ping -c {PINGS} -i 0.2 10.0.2.2")
    m = g.expect(r"round-trip min/avg/max = ([0-9.]+)/([0-9.]+)/([0-9.]+) ms")
    g.expect(re.escape(PROMPT))
    return float(m.group(2)), float(m.group(3))


def net_figures(configs, runs):
    """Per configuration, median of 'runs' boots: host -> guest TCP
    throughput and the guest's ping round trip to the gateway."""
    print(f"Networking: host -> guest TCP ({NET_BYTES >> 20} MiB, the guest's wget from a host "
          f"server), guest ping of 10.0.2.2 ({PINGS} pings); median of {runs} boot(s)")
    print(f"  {'config':16} {'MB/s':>8} {'ping avg ms':>12} {'ping max ms':>12}")
    out = {}
    for c in configs:
        tps, pavg, pmax = [], [], []
        for _ in range(max(runs, 1)):
            port = free_port()
            with tempfile.TemporaryDirectory() as tmp:
                g = LinuxGuest(c, False, tmp, net_args=("--net", "--hostfwd", str(port)))
                g.boot()
                a, m = net_ping(g)
                pavg.append(a)
                pmax.append(m)
                server = _Zeros()
                try:
                    tps.append(net_throughput(g, server))
                finally:
                    server.close()
                g.poweroff()
        out[c] = {"mbps": statistics.median(tps), "ping_avg_ms": statistics.median(pavg),
                  "ping_max_ms": statistics.median(pmax)}
        print(f"  {c:16} {out[c]['mbps']:8.2f} {out[c]['ping_avg_ms']:12.2f} "
              f"{out[c]['ping_max_ms']:12.2f}", flush=True)
    return out


# ---- Several guests (--multi, or --only multi) -------------------------------------

MULTI_CONFIGS = ["shadow", "hext"]
MULTI_ZEROS = ('#!/bin/sh\necho "Content-Type: application/octet-stream"\necho\n'
               f'dd if=/dev/zero bs=64k count={NET_BYTES >> 16} 2>/dev/null\n')


def multi_once(config, harts):
    """Two 2-vCPU Linux guests from one configuration (tests/test_two_linux.py's):
    wall seconds from starting QEMU to both shells; then guest -> guest TCP
    (alpha's wget of NET_BYTES from a CGI on beta's httpd, MB/s) and alpha's
    ping of beta (average and max ms)."""
    from test_two_linux import IPS, Pair, config_dts
    backend, cpu, _ = CONFIGS[config]
    with tempfile.TemporaryDirectory() as tmp:
        import pathlib
        t0 = time.monotonic()
        g = Pair(backend, config_dts(pathlib.Path(tmp)), harts)
        try:
            g.wait_boot()
            boot = time.monotonic() - t0
            g.run("beta", "mkdir -p /www/cgi-bin && printf '"
                  + MULTI_ZEROS.replace("\n", "\\n") + "' > /www/cgi-bin/zeros && "
                  "chmod +x /www/cgi-bin/zeros")
            out = g.run("alpha", f"ping -c {PINGS} -i 0.2 {IPS['beta']}", timeout=120)
            m = re.search(r"round-trip min/avg/max = ([0-9.]+)/([0-9.]+)/([0-9.]+) ms", out)
            if not m:
                raise GuestError(f"bench: {config}: ping of beta failed:\n{out}")
            t1 = time.monotonic()
            out = g.run("alpha", f"wget -q -O /dev/null http://{IPS['beta']}/cgi-bin/zeros; "
                        "echo @@W$?", timeout=TIMEOUT)
            wall = time.monotonic() - t1
            if "@@W0" not in out:
                raise GuestError(f"bench: {config}: guest-to-guest wget failed:\n{out}")
            return {"boot_s": boot, "mbps": NET_BYTES / wall / 1e6,
                    "ping_avg_ms": float(m.group(2)), "ping_max_ms": float(m.group(3))}
        finally:
            g.close()


def multi_figures(configs, runs):
    configs = [c for c in MULTI_CONFIGS if c in configs]
    if not configs:
        return None
    print()
    print("Several guests: two 2-vCPU Linux guests from one configuration, on 4 harts (one per")
    print("vCPU) and on 2 (time-sliced); median of "
          f"{max(runs, 1)} run(s), wall time (host)")
    print("  boot       QEMU start to both shells")
    print(f"  TCP        alpha's wget of {NET_BYTES >> 20} MiB from beta's httpd, through "
          "Umbra's switch")
    print(f"  ping       alpha -> beta, {PINGS} pings (Umbra's switch; an idle guest sees a "
          "frame at its next 10 ms poll)")
    print(f"  {'config':10} {'harts':>5} {'boot s':>8} {'MB/s':>8} {'ping avg':>9} {'max ms':>8}")
    out = {}
    for c in configs:
        for harts in (4, 2):
            rows = [multi_once(c, harts) for _ in range(max(runs, 1))]
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            out[f"{c}/{harts}"] = med
            print(f"  {c:10} {harts:>5} {med['boot_s']:8.1f} {med['mbps']:8.2f} "
                  f"{med['ping_avg_ms']:9.2f} {med['ping_max_ms']:8.2f}", flush=True)
    return out


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        qemu = subprocess.run(["qemu-system-riscv64", "--version"], capture_output=True,
                              text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        qemu = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "qemu": qemu,
            "date": datetime.datetime.now().isoformat(timespec="seconds")}


def chart(linux, mach, path):
    """Ratio to native per workload and Umbra configuration, log scale: wall
    time (medians) and, if there, icount guest time."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import ticker
    except ImportError:
        print("  (no chart: python3-matplotlib is missing; make deps)")
        return False
    ratios = linux["ratios"]
    configs = [c for c in UMBRA_CONFIGS if c in ratios]
    rows = list(next(iter(linux["medians"].values())))
    panels = [(k, t) for k, t in (("wall_s", "wall time (host), median"),
                                  ("icount_guest_s", "guest time with -icount shift=0"))
              if any(ratios[c][w][k] for c in configs for w in rows)]
    if not configs or not panels:
        return False
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 4.2 * len(panels)), squeeze=False)
    colors = {"shadow": "tab:blue", "shadow-nopatch": "tab:red", "hext": "tab:green"}
    bar = 0.8 / len(configs)
    for ax, (key, title) in zip(axes[:, 0], panels):
        for i, c in enumerate(configs):
            xs = [j + (i - (len(configs) - 1) / 2) * bar for j in range(len(rows))]
            ys = [ratios[c][w][key] or 0 for w in rows]
            ax.bar(xs, ys, bar, label=c, color=colors[c])
            for x, y in zip(xs, ys):
                if y:
                    ax.text(x, y, f"{y:.1f}", ha="center", va="bottom", fontsize=7)
        ax.axhline(1, color="black", linewidth=1)
        ax.set_yscale("log")
        top = max([2] + [ratios[c][w][key] or 0 for c in configs for w in rows])
        ax.set_ylim(0.5, top * 1.6)
        ax.yaxis.set_major_locator(ticker.FixedLocator(
            [t * 10 ** e for e in range(-1, 4) for t in (1, 2, 5)]))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda y, _: f"{y:g}x"))
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        ax.set_xticks(range(len(rows)), rows)
        ax.set_ylabel("time / native")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(axis="y", which="both", alpha=0.3)
    fig.suptitle("Umbra: Linux 6.1 workloads, slowdown vs native (log scale)\n"
                 f"{mach['cpu']}, {mach['cores']} cores; {mach['qemu']}; {mach['date']}",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main():
    global UMBRA
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=["micro", "linux", "trace", "scaling", "net", "multi"],
                   help="run only this part")
    p.add_argument("--net", action="store_true",
                   help="also the networking table (TCP throughput, ping; QEMU user networking)")
    p.add_argument("--multi", action="store_true",
                   help="also the several-guests table (two Linux guests: boot, guest-to-guest "
                   "TCP and ping; shadow, hext)")
    p.add_argument("--scaling", action="store_true",
                   help="also the SMP scaling table (1, 2, 4 vCPUs; native, shadow, hext)")
    p.add_argument("--runs", type=int, default=3, help="Linux boots per configuration "
                   "without icount (default 3; 0: none)")
    p.add_argument("--configs", default=",".join(CONFIGS),
                   help="comma-separated, of " + ",".join(CONFIGS))
    p.add_argument("--workloads", default=",".join(w[0] for w in WORKLOADS),
                   help="comma-separated, of " + ",".join(w[0] for w in WORKLOADS))
    p.add_argument("--no-icount", action="store_true", help="skip the Linux icount runs")
    p.add_argument("--umbra", default=UMBRA, help="Umbra image (default $UMBRA_BIN or "
                   "build/umbra.bin)")
    args = p.parse_args()
    UMBRA = os.path.abspath(args.umbra)
    configs = [c for c in CONFIGS if c in args.configs.split(",")]
    names = [w[0] for w in WORKLOADS if w[0] in args.workloads.split(",")]
    unknown = set(args.configs.split(",")) - set(CONFIGS)
    unknown |= set(args.workloads.split(",")) - set(w[0] for w in WORKLOADS)
    if unknown or not configs:
        p.error(f"unknown configuration or workload: {', '.join(sorted(unknown)) or '(none)'}")

    start = time.monotonic()
    mach = machine()
    print(f"Machine: {mach['cpu']}, {mach['cores']} cores; {mach['qemu']}; {mach['date']}")
    print(f"Umbra: {UMBRA}")
    print()
    results = {"machine": mach, "umbra": UMBRA, "configs": {c: {
        "backend": CONFIGS[c][0], "cpu": CONFIGS[c][1], "patch": CONFIGS[c][2]} for c in configs}}
    if args.only in (None, "micro"):
        results["micro"] = micro_figures(configs)
    if args.only in (None, "linux"):
        results["linux"] = linux_figures(configs, names, args.runs, not args.no_icount)
    if args.only in (None, "trace"):
        results["trace"] = trace_figures(configs)
    if args.only == "scaling" or (args.scaling and args.only is None):
        results["scaling"] = scaling_figures(configs, args.runs)
    if args.only == "net" or (args.net and args.only is None):
        results["net"] = net_figures(configs, args.runs)
    if args.only == "multi" or (args.multi and args.only is None):
        results["multi"] = multi_figures(configs, args.runs)

    os.makedirs(OUT, exist_ok=True)
    results["seconds"] = round(time.monotonic() - start)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print()
    print(f"Results: {os.path.relpath(os.path.join(OUT, 'results.json'), ROOT)}", end="")
    if results.get("linux") and "native" in configs and \
            chart(results["linux"], mach, os.path.join(OUT, "workloads.png")):
        print(f", chart: {os.path.relpath(os.path.join(OUT, 'workloads.png'), ROOT)}", end="")
    print(f" ({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
