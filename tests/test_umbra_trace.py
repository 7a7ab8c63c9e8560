"""scripts/umbra-trace: the exit-trace summarizer (trace format v1).

A synthetic trace and System.map with known answers, the error cases, and
symbols from a real ELF the repository builds (build/guests/hello.elf)."""
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "scripts", "umbra-trace")
PY = "/usr/bin/python3"

HEADER = ("# umbra trace v1\n"
          "# time(s) vcpu mode pc kind | instruction | what Umbra did "
          "[=> trap injected into the guest]\n")

# Kernel symbols of the synthetic map (System.map has no sizes: a symbol
# runs up to the next one).  'D' data and 'a' absolute symbols must be
# ignored for pcs.
SYSTEM_MAP = """\
0000000000000000 A _text_offset
ffffffff80000000 T _start
ffffffff80001000 T handle_exception
ffffffff80001100 t ret_from_exception
ffffffff80002000 T __switch_to
ffffffff80002080 D some_data
ffffffff80002100 W arch_cpu_idle
ffffffff80002200 T _etext
"""


def line(t, vcpu, mode, pc, kind, insn, detail=""):
    return f"{t:.6f} {vcpu} {mode} {pc:016x} {kind} | {insn} | {detail}\n"


def synthetic_trace():
    """15 exits and one '+' line.  Second 0 has 6 exits, second 1 has 3,
    second 2 has 6: two busiest windows."""
    L = []
    # handle_exception+0x10: 4 csr exits (one with a '+' line after it)
    for i in range(4):
        L.append(line(0.1 + i * 0.01, "alpha/0", "S", 0xffffffff80001010,
                      "csr", "csrrs a0,sstatus,zero",
                      "sstatus 0x0000000200000000 (read)"))
    L.append(line(0.131, "alpha/0", "S", 0xffffffff80001014, "csr+",
                  "csrrw zero,sscratch,tp",
                  "sscratch 0x0 -> 0xffffffff81000000"))
    # handle_exception+0x20: 2 csr exits on alpha/1
    for i in range(2):
        L.append(line(0.5 + i * 0.1, "alpha/1", "S", 0xffffffff80001020,
                      "csr", "csrrw zero,sepc,a1",
                      "sepc 0x0 -> 0x10000"))
    # ret_from_exception+0x8: 3 priv exits (sret) in second 1
    for i in range(3):
        L.append(line(1.2 + i * 0.1, "alpha/0", "S", 0xffffffff80001108,
                      "priv", "sret", "sret -> U pc=0x10000"))
    # __switch_to+0x0 (offset 0): 2 pf exits, second 2
    for i in range(2):
        L.append(line(2.0 + i * 0.1, "beta/0", "S", 0xffffffff80002000,
                      "pf", "sd ra,0(a0)",
                      "store va=0x0000000040001000 -> a/d"))
    # arch_cpu_idle+0x4 (a weak symbol): 1 irq exit, 1 priv exit
    L.append(line(2.3, "beta/0", "S", 0xffffffff80002104, "irq", "timer",
                  "timer => s-timer-interrupt tval=0x0"))
    L.append(line(2.4, "beta/0", "S", 0xffffffff80002104, "priv", "wfi",
                  "wfi"))
    # a user-mode pc: below every kernel symbol -> no symbol
    L.append(line(2.5, "beta/0", "U", 0x10000, "exc", "ecall",
                  "reflect => user-ecall tval=0x0"))
    # an sbi exit with an empty 3rd part
    L.append(line(2.9, "beta/0", "S", 0xffffffff80001020, "sbi", "ecall",
                  ""))
    text = HEADER + "".join(L)
    return text


def run(*args):
    return subprocess.run([PY, TOOL, *args], capture_output=True, text=True)


def load_module():
    loader = importlib.machinery.SourceFileLoader("umbra_trace", TOOL)
    spec = importlib.util.spec_from_loader("umbra_trace", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


@pytest.fixture
def files(tmp_path):
    tr = tmp_path / "trace.log"
    tr.write_text(synthetic_trace())
    sm = tmp_path / "System.map"
    sm.write_text(SYSTEM_MAP)
    return str(tr), str(sm)


def section(out, title):
    """The lines of the section that starts with `title`."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(title))
    body = []
    for ln in lines[start + 1:]:
        if not ln.strip():
            break
        body.append(ln)
    return body


def test_executable_and_stdlib_only():
    assert os.access(TOOL, os.X_OK)
    with open(TOOL) as f:
        src = f.read()
    assert src.startswith("#!/usr/bin/python3")
    imports = set(re.findall(r"^\s*(?:import|from)\s+(\w+)", src, re.M))
    assert imports <= set(sys.stdlib_module_names), imports


def test_counts(files):
    tr, _ = files
    p = run(tr)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    # 16 lines of which one is a '+' line: 15 exits
    assert out.startswith("exits: 15  (+ 1 extra")
    kinds = {ln.split()[0]: int(ln.split()[1])
             for ln in section(out, "exits by kind")}
    assert kinds == {"csr": 6, "priv": 4, "pf": 2, "irq": 1, "exc": 1,
                     "sbi": 1}
    vcpus = {ln.split()[0]: int(ln.split()[1])
             for ln in section(out, "exits by vCPU")}
    assert vcpus == {"alpha/0": 7, "alpha/1": 2, "beta/0": 6}


def test_rate_and_windows(files):
    tr, _ = files
    out = run(tr).stdout
    rate = section(out, "exits per second")
    # 15 exits from 0.1 s to 2.9 s: 15 / 2.8 = 5.4 -> "5/s"
    assert rate[0].strip() == ("overall: 5/s (15 exits from 0.100000 s to "
                               "2.900000 s)")
    # windows: [0,1) 6 exits (4 + 2 csr), [1,2) 3 sret, [2,3) 6: a tie
    assert rate[1].strip() == ("busiest 1-second window(s): [0, 1) s, "
                               "[2, 3) s: 6 exits")


def test_tied_windows(tmp_path):
    tr = tmp_path / "t.log"
    tr.write_text(HEADER
                  + line(0.5, "a/0", "S", 0x1000, "csr", "csrr a0,sstatus")
                  + line(3.5, "a/0", "S", 0x1000, "csr", "csrr a0,sstatus"))
    out = run(str(tr)).stdout
    assert ("busiest 1-second window(s): [0, 1) s, [3, 4) s: 1 exits"
            in out)
    assert "overall: 1/s (2 exits from 0.500000 s to 3.500000 s)" in out


def test_top_pcs_without_symbols(files):
    tr, _ = files
    rows = section(run(tr, "--top", "2").stdout, "top 2 pcs by exits (of 6)")
    assert rows[0].split()[0] == "pc"
    assert rows[1].split()[:2] == ["ffffffff80001010", "4"]
    assert rows[1].endswith("csrrs a0,sstatus,zero | csr 4")
    # 0xffffffff80001020: 2 csr + 1 sbi exits (the '+' line's pc does not
    # count: it is not an exit); ties with 0x...1108 (3 priv) broken by pc
    assert rows[2].split()[:2] == ["ffffffff80001020", "3"]
    assert rows[2].endswith("csrrw zero,sepc,a1 | csr 2, sbi 1")
    assert len(rows) == 3


def test_symbols_from_map(files):
    tr, sm = files
    p = run(tr, "--map", sm)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    pcs = {ln.split()[0]: ln.split()[2]
           for ln in section(out, "top 6 pcs by exits (of 6)")[1:]}
    assert pcs == {
        "ffffffff80001010": "handle_exception+0x10",
        "ffffffff80001020": "handle_exception+0x20",
        "ffffffff80001108": "ret_from_exception+0x8",
        "ffffffff80002000": "__switch_to+0x0",
        "ffffffff80002104": "arch_cpu_idle+0x4",   # past some_data (D)
        "0000000000010000": "?",                    # user pc, no symbol
    }
    syms = section(out, "hottest symbols")
    assert syms[0].split()[:3] == ["symbol", "exits", "pcs"]
    table = {ln.split()[0]: (int(ln.split()[1]), int(ln.split()[2]),
                             ln.split(None, 3)[3]) for ln in syms[1:]}
    assert table == {
        "handle_exception": (7, 2, "csr 6, sbi 1"),
        "ret_from_exception": (3, 1, "priv 3"),
        "__switch_to": (2, 1, "pf 2"),
        "arch_cpu_idle": (2, 1, "irq 1, priv 1"),
        "?": (1, 1, "exc 1"),
    }
    # ordered by exits
    assert [ln.split()[0] for ln in syms[1:]][0] == "handle_exception"


def test_filters(files):
    tr, sm = files
    out = run(tr, "--vcpu", "beta", "--map", sm).stdout
    assert out.startswith("exits: 6\n")
    out = run(tr, "--vcpu", "alpha/1").stdout
    assert out.startswith("exits: 2\n")
    out = run(tr, "--kind", "csr,pf", "--map", sm).stdout
    assert out.startswith("exits: 8  (+ 1 extra")
    kinds = {ln.split()[0] for ln in section(out, "exits by kind")}
    assert kinds == {"csr", "pf"}
    out = run(tr, "--kind", "mmio").stdout
    assert out.startswith("exits: 0\n")


@pytest.mark.parametrize("content,msg", [
    (None, "no such file"),
    ("0.1 a/0 S 0000000000001000 csr | x | y\n", "not an Umbra trace"),
    ("# umbra trace v2\n", "not an Umbra trace"),
    ("", "not an Umbra trace"),
])
def test_errors(tmp_path, content, msg):
    path = tmp_path / "t.log"
    if content is not None:
        path.write_text(content)
    p = run(str(path))
    assert p.returncode == 2
    assert p.stdout == ""
    assert msg in p.stderr and str(path) in p.stderr


def test_unreadable_and_directory(tmp_path):
    p = run(str(tmp_path))
    assert p.returncode == 2 and "directory" in p.stderr
    f = tmp_path / "t.log"
    f.write_text(HEADER)
    f.chmod(0)
    if os.access(str(f), os.R_OK):
        pytest.skip("running as root: chmod 0 does not stop reads")
    p = run(str(f))
    assert p.returncode == 2 and "cannot read" in p.stderr


def test_bad_map_and_malformed_lines(files, tmp_path):
    tr, _ = files
    p = run(tr, "--map", str(tmp_path / "nope.map"))
    assert p.returncode == 2 and "nope.map" in p.stderr
    t = tmp_path / "t.log"
    t.write_text(HEADER + "garbage line\n"
                 + line(0.5, "a/0", "S", 0x1000, "csr", "csrr a0,sstatus"))
    p = run(str(t))
    assert p.returncode == 0
    assert p.stdout.startswith("exits: 1\n")
    assert "1 malformed line(s) skipped (line 3)" in p.stderr


HELLO = os.path.join(ROOT, "build", "guests", "hello.elf")


def nm_symbols(path):
    mod = load_module()
    nm = mod.find_nm()
    if nm is None:
        pytest.skip("no RISC-V nm installed")
    out = subprocess.run([nm, "-n", path], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for ln in out.splitlines():
        f = ln.split()
        if len(f) == 3 and f[1] in "tT":
            syms[f[2]] = int(f[0], 16)
    return syms


@pytest.mark.skipif(not os.path.exists(HELLO),
                    reason="build/guests/hello.elf not built (make)")
def test_elf_symbols(tmp_path):
    syms = nm_symbols(HELLO)
    assert "console_puts" in syms and "sbi_ecall" in syms
    pc_puts = syms["console_puts"] + 0x12
    pc_sbi = syms["sbi_ecall"]
    t = tmp_path / "t.log"
    t.write_text(HEADER
                 + line(0.1, "hello/0", "S", pc_puts, "mmio", "sb a1,0(a0)",
                        "uart+0x000 store 1 <- 0x41") * 3
                 + line(0.2, "hello/0", "S", pc_sbi, "sbi", "ecall",
                        "DBCN fid=0 a0=0x1 a1=0x0 a2=0x0 -> err=0 val=0x1"))
    p = run(str(t), "--elf", HELLO)
    assert p.returncode == 0, p.stderr
    rows = section(p.stdout, "top 2 pcs by exits")
    assert rows[1].split()[:3] == [f"{pc_puts:016x}", "3",
                                   "console_puts+0x12"]
    assert rows[2].split()[:3] == [f"{pc_sbi:016x}", "1", "sbi_ecall+0x0"]
    syms_tab = section(p.stdout, "hottest symbols")
    assert syms_tab[1].split()[:3] == ["console_puts", "3", "1"]
    assert syms_tab[2].split()[:3] == ["sbi_ecall", "1", "1"]


@pytest.mark.skipif(not os.path.exists(HELLO),
                    reason="build/guests/hello.elf not built (make)")
def test_builtin_elf_reader_matches_nm():
    """Without a RISC-V nm the tool reads .symtab itself: same answers."""
    mod = load_module()
    via_nm = mod.load_elf(HELLO, use_nm=True)
    own = mod.load_elf(HELLO, use_nm=False)
    nm_syms = nm_symbols(HELLO)
    for name in ("console_puts", "sbi_ecall", "check", "_start"):
        a = nm_syms[name]
        for pc in (a, a + 2):
            assert own.lookup(pc) == via_nm.lookup(pc) == (name, pc - a)
    # well past the end of the image: no symbol
    assert own.lookup(0xffffffffffff0000) is None
    assert via_nm.lookup(0xffffffffffff0000) is None
