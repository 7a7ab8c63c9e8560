"""The exit trace (src/core/trace.h): one line per exit into a file.

- A traced run writes a readable trace (every line in the documented
  format) showing what the guest's exits were, and tracing does not change
  what the guest sees: its output equals its native run.
- The kind, vCPU and pc filters keep exactly what they name.
- Without --trace nothing is written; Ctrl-] t turns tracing on and off at
  run time and Ctrl-] s prints the exit statistics so far, while the guest
  runs on.
- Bad trace options are refused with a clear message, by run.py before
  QEMU starts and by Umbra itself.
"""
import os
import re
import shlex
import subprocess

import pexpect
import pytest

from guestrun import BUILD, PYTHON, ROOT, guest_path, run_guest, run_py

# <time> <vm>/<vcpu> <mode> <pc> <kind>[+] | <instruction> | <detail>
LINE = re.compile(r"^(\d+\.\d{6}) (\S+)/(\d+) ([US]) ([0-9a-f]{16}) "
                  r"(csr|sbi|pf|mmio|irq|priv|exc)(\+?) \| (.*?) \|(?: (.*))?$")
HEADER = "# umbra trace v1"

BACKENDS = [("shadow", "rv64,h=false"), ("hext", "rv64")]
DEMO = "demo-paging" if os.path.exists(guest_path("demo-paging")) else "paging_basic"


def read_trace(path):
    """The trace's lines as [line, time, vm, vcpu, mode, pc, kind, +, insn, detail];
    fails on any line not in the format."""
    with open(path) as f:
        text = f.read()
    lines = text.splitlines()
    assert lines and lines[0] == HEADER, f"no header in {path}: {text[:200]!r}"
    rows = []
    for line in lines:
        if line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, f"a trace line not in the format: {line!r}"
        rows.append([m[0]] + [g or "" for g in m.groups()])
    return rows


def traced(tmp_path, guest, backend, cpu, *trace_args, timeout=120):
    path = str(tmp_path / "trace.log")
    run = run_guest(guest_path(guest), backend, cpu, timeout=timeout,
                    extra=["--trace-file", path, *trace_args])
    return run, path


@pytest.mark.parametrize("backend,cpu", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_trace_is_readable_and_harmless(tmp_path, backend, cpu):
    native = run_guest(guest_path(DEMO), "native")
    run, path = traced(tmp_path, DEMO, backend, cpu, "--trace", "all")
    assert run.returncode == 0, run.output[-2000:]
    assert run.verdict() == "PASS"
    # Tracing is invisible to the guest.
    assert run.section() == native.section()
    rows = read_trace(path)
    kinds = {m[6] for m in rows}
    vcpus = {f"{m[2]}/{m[3]}" for m in rows}
    assert vcpus == {DEMO.replace("_", "-") + "/0"}   # (run.py names the VM after the file)
    times = [float(m[1]) for m in rows]
    assert times == sorted(times), "one vCPU's lines are in time order"
    # The guest's SBI calls are there on both backends, with their results,
    # and the last one is its shutdown.
    sbi = [m for m in rows if m[6] == "sbi"]
    assert sbi and all(m[8] == "ecall" for m in sbi)
    assert any(re.search(r"-> err=0 val=0x", m[9]) for m in sbi)
    assert sbi[-1][9].startswith("srst fid=0")
    if backend == "shadow":
        # Every privileged instruction of the kernel traps: the satp write
        # that turns paging on shows old -> new, the shadow fills on the
        # first touches, sret says where it went.
        assert {"csr", "pf", "priv", "sbi"} <= kinds
        satp = [m for m in rows if m[6] == "csr" and m[9].startswith("satp ")]
        assert any(re.fullmatch(r"satp 0x0{16} -> 0x[89][0-9a-f]{15}", m[9]) for m in satp), \
            [m[0] for m in satp]
        assert any(m[8].startswith("csrr") for m in satp)
        assert any(re.search(r"va=0x[0-9a-f]+ -> fill", m[9]) for m in rows if m[6] == "pf")
        assert any(m[8] == "sret" and re.search(r"-> [US] pc=0x", m[9]) for m in rows)
        assert any(m[8].startswith("sfence.vma") for m in rows if m[6] == "priv")
        # A page fault the guest's own tables cause is handed to it.
        assert any(re.search(r"-> guest-fault => (load|store|fetch) page fault tval=0x", m[9])
                   for m in rows if m[6] == "pf")
    else:
        # On hext the guest's CSRs and page tables are the hart's: no csr
        # or page-fault exits at all from this guest.
        assert "pf" not in kinds
        assert not any(m[6] == "csr" and m[9] and "illegal" not in m[9] for m in rows)


def test_trace_kind_filter(tmp_path):
    run, path = traced(tmp_path, "timer", "shadow", "rv64,h=false", "--trace", "sbi,irq")
    assert run.verdict() == "PASS", run.output[-2000:]
    rows = read_trace(path)
    assert {m[6] for m in rows} == {"sbi", "irq"} or {m[6] for m in rows} == {"sbi"}
    assert any("time fid=0" in m[9] for m in rows)


def test_trace_pc_filter(tmp_path):
    full, fpath = traced(tmp_path, "hello", "shadow", "rv64,h=false", "--trace", "all")
    rows = read_trace(fpath)
    pcs = sorted({int(m[5], 16) for m in rows})
    lo, hi = pcs[len(pcs) // 4], pcs[3 * len(pcs) // 4]
    expect = [(m[5], m[6], m[8]) for m in rows if lo <= int(m[5], 16) < hi]
    os.unlink(fpath)
    run, path = traced(tmp_path, "hello", "shadow", "rv64,h=false", "--trace", "all",
                       "--trace-pc", f"{lo:x}-{hi:x}")
    assert run.returncode == 0
    got = read_trace(path)
    assert got and all(lo <= int(m[5], 16) < hi for m in got)
    # The same exits as in the full trace (pc, kind, instruction: times
    # and timer deadlines differ from run to run).
    assert [(m[5], m[6], m[8]) for m in got] == expect


def test_trace_vcpu_filter(tmp_path):
    path = str(tmp_path / "trace.log")
    run = run_py(["--config", os.path.join(BUILD, "configs", "two-tests.dtb"), "--backend",
                  "shadow", "--trace", "all", "--trace-vcpu", "timer/0", "--trace-file", path],
                 timeout=120)
    assert run.returncode == 0, run.output[-2000:]
    rows = read_trace(path)
    assert rows and {f"{m[2]}/{m[3]}" for m in rows} == {"timer/0"}


def test_no_trace_without_asking(tmp_path):
    run, path = traced(tmp_path, "hello", "shadow", "rv64,h=false")
    assert run.returncode == 0
    assert os.path.getsize(path) == 0


def test_toggle_and_live_stats(tmp_path):
    """Ctrl-] t on, some exits, Ctrl-] t off; Ctrl-] s prints the exit table
    so far and the guest goes on echoing."""
    path = str(tmp_path / "trace.log")
    cmd = [os.path.join(ROOT, "scripts", "run.py"), "--guest", guest_path("isolation"),
           "--append", "echo", "--backend", "shadow", "--umbra",
           os.path.join(BUILD, "umbra.bin"), "--trace-file", path]
    p = pexpect.spawn(PYTHON, cmd, cwd=ROOT, encoding="utf-8", codec_errors="replace",
                      timeout=60)
    try:
        p.expect("echo: type lines, 'quit' ends")
        p.sendline("before")
        p.expect("got: before")
        assert os.path.getsize(path) == 0
        p.send("\x1dt")
        p.expect("umbra: tracing on")
        p.sendline("traced")
        p.expect("got: traced")
        p.send("\x1dt")
        p.expect("umbra: tracing off")
        rows = read_trace(path)
        assert any(m[6] == "sbi" for m in rows)
        n = len(rows)
        p.sendline("after")
        p.expect("got: after")
        assert len(read_trace(path)) == n, "lines written after tracing went off"
        p.send("\x1ds")
        p.expect(r"umbra: exit statistics of guest isolation so far")
        p.expect(r"umbra: exits of vCPU 0: (\d+)")
        assert int(p.match.group(1)) > 0
        p.expect(r"sbi +legacy getchar +\d+")
        # The guest runs on.
        p.sendline("still here")
        p.expect("got: still here")
        # Ctrl-] Ctrl-] is still one Ctrl-] for the guest; Ctrl-] ? lists the keys.
        p.send("\x1d?")
        p.expect("t trace on/off")
        p.sendline("quit")
        p.expect(pexpect.EOF)
    finally:
        p.close(force=True)


@pytest.mark.parametrize("opts,message", [
    (["--trace", "csr,bogus"], "unknown kind 'bogus'"),
    (["--trace", "all", "--trace-pc", "2000-1000"], "LO below HI"),
    (["--trace", "all", "--trace-pc", "xyz"], "give LO-HI"),
    (["--trace", "all", "--trace-vcpu", "a/b/c"], "give NAME/N"),
    (["--trace-file", "/nonexistent/dir/t.log"], "no directory"),
])
def test_bad_options_refused_by_run_py(opts, message):
    p = subprocess.run([PYTHON, os.path.join(ROOT, "scripts", "run.py"), "--guest",
                        guest_path("hello"), "--backend", "shadow", *opts],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30, cwd=ROOT)
    assert p.returncode == 2
    assert message in p.stdout.decode()


def test_native_has_nothing_to_trace():
    p = subprocess.run([PYTHON, os.path.join(ROOT, "scripts", "run.py"), "--guest",
                        guest_path("hello"), "--backend", "native", "--trace", "all"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30, cwd=ROOT)
    assert p.returncode == 2 and b"no Umbra to trace" in p.stdout


@pytest.mark.parametrize("option,message", [
    ("trace=csr,nosuch", "trace: unknown kind"),
    ("trace_pc=9-1", "trace: bad pc range"),
    ("trace_vcpu=x/y", "trace: bad vCPU"),
])
def test_bad_options_refused_by_umbra(option, message):
    """Umbra checks its own command line too (run.py is not the only way in)."""
    out = subprocess.run([PYTHON, os.path.join(ROOT, "scripts", "run.py"), "--guest",
                          guest_path("hello"), "--backend", "shadow", "--print-cmd",
                          "--umbra", os.path.join(BUILD, "umbra.bin")],
                         stdout=subprocess.PIPE, check=True, cwd=ROOT).stdout.decode()
    cmd = shlex.split(out.strip())
    i = cmd.index("-append")
    cmd[i + 1] += " " + option
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60, cwd=ROOT)
    text = p.stdout.decode(errors="replace")
    assert message in text, text[-2000:]
    assert p.returncode != 0
    assert "TEST" not in text and "Hello" not in text


def test_linux_boot_hottest_sites(tmp_path):
    """The Linux guest traced from boot to the shell: scripts/umbra-trace
    names the hottest sites by kernel symbol (System.map), and its counts
    are the trace's."""
    linux = os.path.join(BUILD, "linux")
    sysmap = os.path.join(linux, "obj", "System.map")
    disk = str(tmp_path / "disk.img")
    with open(os.path.join(linux, "disk.img"), "rb") as src, open(disk, "wb") as dst:
        dst.write(src.read())
    path = str(tmp_path / "trace.log")
    cmd = [os.path.join(ROOT, "scripts", "run.py"), "--guest", os.path.join(linux, "Image"),
           "--initrd", os.path.join(linux, "initramfs.cpio.gz"), "--disk", disk,
           "--mem", "256M", "--append", "console=ttyS0", "--backend", "shadow",
           "--umbra", os.path.join(BUILD, "umbra.bin"), "--trace", "all", "--trace-file", path]
    p = pexpect.spawn(PYTHON, cmd, cwd=ROOT, encoding="utf-8", codec_errors="replace",
                      timeout=240)
    try:
        p.expect("guest# ")
        p.sendline("poweroff -f")
        p.expect(pexpect.EOF)
    finally:
        p.close(force=True)
    rows = read_trace(path)
    exits = sum(1 for m in rows if not m[7])
    assert exits > 10000
    # Every kind of exit a Linux boot makes on shadow is there.
    assert {"csr", "sbi", "pf", "mmio", "priv", "irq", "exc"} <= {m[6] for m in rows}

    out = subprocess.run([PYTHON, os.path.join(ROOT, "scripts", "umbra-trace"), path,
                          "--map", sysmap, "--top", "15"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=True, timeout=300).stdout.decode()
    assert re.search(rf"^exits: {exits}\b", out, re.M), out[:500]
    syms = {}
    with open(sysmap) as f:
        for line in f:
            addr, _, name = line.split()
            syms.setdefault(name, int(addr, 16))
    # The top pcs: each kernel pc is named as symbol+offset, and the
    # symbol's address plus the offset is the pc.
    top = out.split("top 15 pcs by exits", 1)[1].split("hottest symbols", 1)[0]
    named = 0
    for m in re.finditer(r"^  ([0-9a-f]{16}) +(\d+)  (\S+)\+0x([0-9a-f]+) ", top, re.M):
        pc, sym, off = int(m[1], 16), m[3], int(m[4], 16)
        assert syms[sym] + off == pc, m[0]
        named += 1
    assert named >= 10, top
    # The hottest functions of a Linux boot on the shadow backend: the trap
    # entry (its CSR saves, every exception and interrupt) and the
    # interrupt-disabling spinlocks (csrrci/csrs sstatus).
    hottest = out.split("hottest symbols", 1)[1]
    names = re.findall(r"^  (\S+) +\d+ +\d+ ", hottest, re.M)[:15]
    assert "_save_context" in names or "handle_exception" in names, hottest
    assert any(n.startswith("_raw_spin") for n in names), hottest
