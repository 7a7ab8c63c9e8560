"""Host unit tests: Umbra's pure parts (instruction decoding and printing, CSR WARL rules)
compiled for the host and driven from tables; see tests/host/."""
import os
import subprocess

from guestrun import BUILD, PYTHON, ROOT


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    out = p.stdout.decode()
    assert p.returncode == 0, out
    assert " 0 failed" in out, out
    return out


def test_decode_table():
    run([os.path.join(BUILD, "host", "test_decode")])


def test_decode_against_gnu_assembler():
    run([PYTHON, os.path.join(ROOT, "tests", "host", "decode_asm_check.py")])


def test_disasm_table():
    run([os.path.join(BUILD, "host", "test_disasm")])


def test_csr_warl_rules():
    run([os.path.join(BUILD, "host", "test_vcsr")])


def test_guest_page_table_walk():
    run([os.path.join(BUILD, "host", "test_walk")])


def test_uart_model():
    run([os.path.join(BUILD, "host", "test_uart")])


def test_plic_model():
    run([os.path.join(BUILD, "host", "test_plic")])


def test_shadow_tables():
    run([os.path.join(BUILD, "host", "test_shadow")])


def test_virtio_models():
    run([os.path.join(BUILD, "host", "test_virtio")])


def test_net_models():
    run([os.path.join(BUILD, "host", "test_net")])


def test_patch_table():
    run([os.path.join(BUILD, "host", "test_patch")])
