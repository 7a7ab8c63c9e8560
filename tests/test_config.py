"""Configurations (src/core/config.h): a bad one is refused before QEMU
starts, with a message naming the guest and the property, and exit status
2; the same parser (tools/umbra-config) runs again in Umbra at boot."""
import os
import subprocess

import pytest

from guestrun import BUILD, PYTHON, ROOT, guest_path

TOOL = os.path.join(BUILD, "tools", "umbra-config")
HELLO = guest_path("hello")


def dts(guests, root='compatible = "umbra,config";'):
    body = "".join(f"\t\t{name} {{\n{props}\t\t}};\n" for name, props in guests)
    return f"/dts-v1/;\n/ {{\n\t{root}\n\tguests {{\n{body}\t}};\n}};\n"


def guest(**props):
    """A guest node's properties: name=value pairs, value as written in DTS."""
    out = ""
    for k, v in props.items():
        k = k.replace("_", "-")
        out += f"\t\t\t{k};\n" if v is True else f"\t\t\t{k} = {v};\n"
    return out


def ok_guest(**extra):
    return guest(memory_mib="<16>", kernel=f'"{HELLO}"', **extra)


def compile_dts(tmp_path, text):
    src = tmp_path / "c.dts"
    src.write_text(text)
    out = tmp_path / "c.dtb"
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(out), str(src)], check=True)
    return str(out)


def check(tmp_path, text, harts=2):
    p = subprocess.run([TOOL, "--harts", str(harts), compile_dts(tmp_path, text)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def run_config(tmp_path, text, extra=()):
    p = subprocess.run([PYTHON, os.path.join(ROOT, "scripts", "run.py"), "--config",
                        compile_dts(tmp_path, text), "--backend", "shadow",
                        "--umbra", os.path.join(BUILD, "umbra.bin"), *extra],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60, cwd=ROOT)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def test_good_config_is_listed(tmp_path):
    code, out, err = check(tmp_path, dts([
        ("alpha", ok_guest(vcpus="<2>", harts="<0 1>", network=True,
                           bootargs='"console=ttyS0"')),
        ("beta", ok_guest())]))
    assert code == 0, err
    rows = [dict(f.split("=", 1) for f in line.split("\t")) for line in out.splitlines()]
    assert [r["name"] for r in rows] == ["alpha", "beta"]
    assert rows[0]["vcpus"] == "2" and rows[0]["network"] == "1" and rows[0]["harts"] == "0x3"
    assert rows[1]["mem"] == str(16 << 20) and rows[1]["vcpus"] == "1"


# (guest nodes, message expected): each names the guest and the property.
BAD = {
    "unknown-property": ([("alpha", ok_guest(memroy_mib="<8>"))],
                         "guest 'alpha': unknown property 'memroy-mib'"),
    "odd-memory": ([("alpha", guest(memory_mib="<5>", kernel=f'"{HELLO}"'))],
                   "guest 'alpha': 'memory-mib' must be even"),
    "no-memory": ([("alpha", guest(kernel=f'"{HELLO}"'))], "guest 'alpha': no 'memory-mib'"),
    "no-kernel": ([("alpha", guest(memory_mib="<8>"))], "guest 'alpha': no 'kernel'"),
    "missing-kernel": ([("alpha", guest(memory_mib="<8>", kernel='"/nonexistent/k.elf"'))],
                       "guest 'alpha': kernel '/nonexistent/k.elf' does not exist"),
    "missing-disk": ([("alpha", ok_guest(disk='"/nonexistent/d.img"'))],
                     "guest 'alpha': disk '/nonexistent/d.img' does not exist"),
    "too-many-vcpus": ([("alpha", ok_guest(vcpus="<9>"))], "guest 'alpha': 'vcpus' must be 1 to 8"),
    "pinned-vcpus-over-harts": ([("alpha", ok_guest(vcpus="<2>", harts="<1>"))],
                                "guest 'alpha': 2 vCPUs pinned to 1 hart in 'harts'"),
    "no-such-hart": ([("alpha", ok_guest(harts="<5>"))],
                     "guest 'alpha': 'harts' names hart 5, and the machine has harts 0 to 1"),
    "string-for-number": ([("alpha", ok_guest(vcpus='"three"'))],
                          "guest 'alpha': property 'vcpus' has a malformed value"),
    "shared-disk": ([("alpha", ok_guest(disk=f'"{HELLO}"')), ("beta", ok_guest(disk=f'"{HELLO}"'))],
                    "guests 'alpha' and 'beta': the same 'disk'"),
    "bad-name": ([("Alpha", ok_guest())], "guest 'Alpha': a name may only have a-z, 0-9 and '-'"),
    "staged-property": ([("alpha", ok_guest(**{"umbra,kernel": "<0 0 0 1>"}))],
                        "guest 'alpha': unknown property 'umbra,kernel'"),
    "no-guests": ([], "/guests lists no guest"),
    "five-guests": ([(f"g{i}", ok_guest()) for i in range(5)], "more than 4 guests"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_is_refused(tmp_path, case):
    guests, message = BAD[case]
    code, out, err = check(tmp_path, dts(guests))
    assert code == 2 and out == ""
    assert message in err


def test_not_an_umbra_config(tmp_path):
    code, _, err = check(tmp_path, dts([("alpha", ok_guest())], root='compatible = "acme,board";'))
    assert code == 2 and 'not compatible = "umbra,config"' in err


def test_not_a_device_tree(tmp_path):
    bad = tmp_path / "junk.dtb"
    bad.write_bytes(b"\xd0\x0d\xfe\xed" + bytes(60))
    p = subprocess.run([TOOL, str(bad)], stderr=subprocess.PIPE, text=True)
    assert p.returncode == 2 and "not a device tree blob" in p.stderr


def test_run_refuses_a_bad_config_before_qemu(tmp_path):
    code, out = run_config(tmp_path, dts([("alpha", ok_guest(colour='"blue"'))]))
    assert code == 2
    assert "guest 'alpha': unknown property 'colour'" in out
    assert "OpenSBI" not in out    # QEMU never started


def test_run_refuses_too_much_memory(tmp_path):
    big = guest(memory_mib="<600>", kernel=f'"{HELLO}"')
    code, out = run_config(tmp_path, dts([("alpha", big), ("beta", big)]))
    assert code == 2 and "host RAM" in out


def test_umbra_refuses_an_unstaged_config(tmp_path):
    """Umbra checks the configuration again: one that names files but was
    not staged by run.py (no umbra,kernel) is refused at boot, exit 1."""
    dtb = compile_dts(tmp_path, dts([("alpha", ok_guest())]))
    size = os.path.getsize(dtb)
    addr = 0x80000000 + (128 << 20) - (4 << 20)
    cmd = ["qemu-system-riscv64", "-M", "virt", "-cpu", "rv64,h=false", "-smp", "1",
           "-m", "128M", "-bios", "default", "-nographic",
           "-kernel", os.path.join(BUILD, "umbra.bin"),
           "-device", f"loader,file={dtb},addr={addr:#x},force-raw=on",
           "-append", f"config={addr:#x},{size} backend=shadow"]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 1, out[-2000:]
    assert "guest 'alpha': its images were not staged" in out
