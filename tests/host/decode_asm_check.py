#!/usr/bin/python3
"""decode_asm_check.py - cross-check the instruction decoder against GNU as.

The ground truth here is the assembler: for an assembly line such as
"lw t0, -4(s0)" the operands say what the decoder must report (rd = 5,
rs1 = 8, imm = -4, width 4, signed).  For every line we

  1. assemble it with riscv64-unknown-elf-as and read the encoding back
     with objdump,
  2. run the decoder on that encoding (through decode_dump, built here from
     src/decode/decode.c) and compare every field with what the operands say.

The lines come from two places:

  * the rows of tests/host/test_decode.c (each row carries its assembly
    text): there we also check that the row's hard-coded encoding equals
    the assembler's, and that the row's expected struct equals the
    operand-derived one - so the unit-test table cannot drift from reality;
  * a seeded random sweep over every supported mnemonic (registers and
    immediates spread over their whole range, corner values included,
    the atomics with every combination of .aq/.rl), plus a few
    instructions that must decode as unknown.

Instructions this assembler does not know yet (AS_LACKS: Zacas's amocas,
binutils 2.40) are assembled with .insn from the fields the ISA manual
gives them, so their rows are still checked for operands and packing.

Prints one line per failure and "decode-asm: N passed, M failed"; exits 1
on any failure.  Tools can be overridden with $CC, $CROSS_AS and
$CROSS_OBJDUMP.  Needs only the Python standard library.
"""
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TEST_C = os.path.join(HERE, "test_decode.c")

CC = os.environ.get("CC", "gcc")
AS = os.environ.get("CROSS_AS", "riscv64-unknown-elf-as")
OBJDUMP = os.environ.get("CROSS_OBJDUMP", "riscv64-unknown-elf-objdump")
MARCH = "rv64gc_zicsr_zifencei_h_svinval"

# ---- What each mnemonic means ------------------------------------------------
# name -> (operand syntax, class, width, signed, fp)
#   csr:   rd, csr, rs1          csri:  rd, csr, uimm
#   none:  no operands           fence: rs1, rs2
#   hlv:   rd, (rs1)             hsv:   rs2, (rs1)
#   load:  rd, imm(rs1)          store: rs2, imm(rs1)
#   lr:    rd, (rs1)             amo:   rd, rs2, (rs1)
#   (lr and amo take an ordering suffix: .aq, .rl or .aqrl)
MNEMONICS = {
    "csrrw": ("csr", "csr", 0, 0, 0),
    "csrrs": ("csr", "csr", 0, 0, 0),
    "csrrc": ("csr", "csr", 0, 0, 0),
    "csrrwi": ("csri", "csr", 0, 0, 0),
    "csrrsi": ("csri", "csr", 0, 0, 0),
    "csrrci": ("csri", "csr", 0, 0, 0),
    "ecall": ("none", "system", 0, 0, 0),
    "ebreak": ("none", "system", 0, 0, 0),
    "c.ebreak": ("none", "system", 0, 0, 0),
    "sret": ("none", "system", 0, 0, 0),
    "mret": ("none", "system", 0, 0, 0),
    "wfi": ("none", "system", 0, 0, 0),
    "sfence.vma": ("fence", "fence", 0, 0, 0),
    "sinval.vma": ("fence", "fence", 0, 0, 0),
    "sfence.w.inval": ("none", "fence", 0, 0, 0),
    "sfence.inval.ir": ("none", "fence", 0, 0, 0),
    "hfence.vvma": ("fence", "fence", 0, 0, 0),
    "hfence.gvma": ("fence", "fence", 0, 0, 0),
    "hinval.vvma": ("fence", "fence", 0, 0, 0),
    "hinval.gvma": ("fence", "fence", 0, 0, 0),
    "hlv.b": ("hlv", "hls", 1, 1, 0),
    "hlv.bu": ("hlv", "hls", 1, 0, 0),
    "hlv.h": ("hlv", "hls", 2, 1, 0),
    "hlv.hu": ("hlv", "hls", 2, 0, 0),
    "hlv.w": ("hlv", "hls", 4, 1, 0),
    "hlv.wu": ("hlv", "hls", 4, 0, 0),
    "hlv.d": ("hlv", "hls", 8, 1, 0),
    "hlvx.hu": ("hlv", "hls", 2, 0, 0),
    "hlvx.wu": ("hlv", "hls", 4, 0, 0),
    "hsv.b": ("hsv", "hls", 1, 0, 0),
    "hsv.h": ("hsv", "hls", 2, 0, 0),
    "hsv.w": ("hsv", "hls", 4, 0, 0),
    "hsv.d": ("hsv", "hls", 8, 0, 0),
    "lb": ("load", "load", 1, 1, 0),
    "lh": ("load", "load", 2, 1, 0),
    "lw": ("load", "load", 4, 1, 0),
    "ld": ("load", "load", 8, 1, 0),
    "lbu": ("load", "load", 1, 0, 0),
    "lhu": ("load", "load", 2, 0, 0),
    "lwu": ("load", "load", 4, 0, 0),
    "flw": ("load", "load", 4, 0, 1),
    "fld": ("load", "load", 8, 0, 1),
    "sb": ("store", "store", 1, 0, 0),
    "sh": ("store", "store", 2, 0, 0),
    "sw": ("store", "store", 4, 0, 0),
    "sd": ("store", "store", 8, 0, 0),
    "fsw": ("store", "store", 4, 0, 1),
    "fsd": ("store", "store", 8, 0, 1),
    "c.lw": ("load", "load", 4, 1, 0),
    "c.ld": ("load", "load", 8, 1, 0),
    "c.fld": ("load", "load", 8, 0, 1),
    "c.sw": ("store", "store", 4, 0, 0),
    "c.sd": ("store", "store", 8, 0, 0),
    "c.fsd": ("store", "store", 8, 0, 1),
    "c.lwsp": ("load", "load", 4, 1, 0),
    "c.ldsp": ("load", "load", 8, 1, 0),
    "c.fldsp": ("load", "load", 8, 0, 1),
    "c.swsp": ("store", "store", 4, 0, 0),
    "c.sdsp": ("store", "store", 8, 0, 0),
    "c.fsdsp": ("store", "store", 8, 0, 1),
    "lr.w": ("lr", "amo", 4, 1, 0),
    "lr.d": ("lr", "amo", 8, 1, 0),
    "sc.w": ("amo", "amo", 4, 0, 0),
    "sc.d": ("amo", "amo", 8, 0, 0),
}
for _op in ("amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax",
            "amominu", "amomaxu", "amocas"):
    MNEMONICS[_op + ".w"] = ("amo", "amo", 4, 1, 0)
    MNEMONICS[_op + ".d"] = ("amo", "amo", 8, 1, 0)

# Mnemonics binutils 2.40 cannot assemble: (opcode, funct3, funct5) of the
# R-type encoding (unpriv. spec, Zacas: AMOCAS.W/.D are funct5 00101).
AS_LACKS = {
    "amocas.w": (0x2f, 2, 0b00101),
    "amocas.d": (0x2f, 3, 0b00101),
}
ORDERING = {"": (0, 0), ".aq": (1, 0), ".rl": (0, 1), ".aqrl": (1, 1)}

XREG = {"zero": 0, "ra": 1, "sp": 2, "gp": 3, "tp": 4, "t0": 5, "t1": 6,
        "t2": 7, "s0": 8, "fp": 8, "s1": 9}
XREG.update({"a%d" % i: 10 + i for i in range(8)})
XREG.update({"s%d" % i: 16 + i for i in range(2, 12)})
XREG.update({"t%d" % i: 25 + i for i in range(3, 7)})
XREG.update({"x%d" % i: i for i in range(32)})
FREG = {"ft%d" % i: i for i in range(8)}
FREG.update({"fs0": 8, "fs1": 9})
FREG.update({"fa%d" % i: 10 + i for i in range(8)})
FREG.update({"fs%d" % i: 16 + i for i in range(2, 12)})
FREG.update({"ft%d" % i: 20 + i for i in range(8, 12)})
FREG.update({"f%d" % i: i for i in range(32)})

FIELDS = ("op", "len", "cls", "rd", "rs1", "rs2", "csr", "csr_imm", "imm",
          "width", "signed", "fp", "aq", "rl")


def mnemonic(asm):
    return asm.split(None, 1)[0]


def split_ordering(name):
    """'amoadd.w.aqrl' -> ('amoadd.w', aq, rl); other names unchanged."""
    for sfx in (".aqrl", ".aq", ".rl"):
        base = name[:-len(sfx)]
        if name.endswith(sfx) and MNEMONICS.get(base, ("",))[0] in ("lr", "amo"):
            return (base,) + ORDERING[sfx]
    return name, 0, 0


def expect(asm):
    """Fields the decoder must report for one line of assembly."""
    full = mnemonic(asm)
    rest = asm[len(full):]
    name, aq, rl = split_ordering(full)
    ops = [o.strip() for o in rest.split(",")] if rest.strip() else []
    e = dict.fromkeys(FIELDS, 0)
    e["len"] = 2 if name.startswith("c.") else 4
    if name not in MNEMONICS:
        e.update(op="unknown", cls="none")
        return e
    kind, cls, width, signed, fp = MNEMONICS[name]
    e.update(op=name, cls=cls, width=width, signed=signed, fp=fp, aq=aq, rl=rl)
    reg = FREG if fp else XREG

    def mem(o):		# "imm(reg)" or "(reg)" -> (imm, reg number)
        m = re.fullmatch(r"(-?(?:0x)?[0-9a-fA-F]*)\((\w+)\)", o)
        return int(m.group(1) or "0", 0), XREG[m.group(2)]

    if kind in ("csr", "csri"):
        e["rd"], e["csr"] = XREG[ops[0]], int(ops[1], 0)
        if kind == "csr":
            e["rs1"] = XREG[ops[2]]
        else:
            e["rs1"] = e["imm"] = int(ops[2], 0)
            e["csr_imm"] = 1
    elif kind == "fence":
        e["rs1"], e["rs2"] = XREG[ops[0]], XREG[ops[1]]
    elif kind == "hlv":
        e["rd"], (_, e["rs1"]) = XREG[ops[0]], mem(ops[1])
    elif kind == "hsv":
        e["rs2"], (_, e["rs1"]) = XREG[ops[0]], mem(ops[1])
    elif kind == "load":
        e["rd"], (e["imm"], e["rs1"]) = reg[ops[0]], mem(ops[1])
    elif kind == "store":
        e["rs2"], (e["imm"], e["rs1"]) = reg[ops[0]], mem(ops[1])
    elif kind == "lr":
        e["rd"], (_, e["rs1"]) = XREG[ops[0]], mem(ops[1])
    elif kind == "amo":
        e["rd"], e["rs2"], (_, e["rs1"]) = XREG[ops[0]], XREG[ops[1]], mem(ops[2])
    else:
        assert not ops, asm
    return e


# ---- The rows of test_decode.c ------------------------------------------------

ROW_RE = re.compile(r'\{\s*"([^"]*)"\s*,\s*(0x[0-9a-fA-F]+)\s*,\s*(-?\d+)\s*,'
                    r'\s*\{([^{}]*)\}\s*\}', re.S)
CLASS_C = {"NONE": "none", "CSR": "csr", "SYSTEM": "system", "FENCE": "fence",
           "HLS": "hls", "LOAD": "load", "STORE": "store", "AMO": "amo"}


def table_rows():
    """[(asm, raw, ret, expected-fields)] parsed from test_decode.c."""
    rows = []
    with open(TEST_C) as f:
        text = f.read()
    for asm, raw, ret, body in ROW_RE.findall(text):
        e = dict.fromkeys(FIELDS, 0)
        e.update(op="unknown", cls="none")
        for k, v in re.findall(r"\.(\w+)\s*=\s*([^,]+)", body):
            v = v.strip()
            if k == "op":
                v = v.replace("DECODE_OP_", "").lower()
                # enum name -> mnemonic: C_LW -> c.lw, SFENCE_VMA -> sfence.vma
                v = v.replace("_", ".")
            elif k == "cls":
                v = CLASS_C[v.replace("DECODE_CLASS_", "")]
            elif v in ("true", "false"):
                v = int(v == "true")
            else:
                v = int(v, 0)
            e["signed" if k == "is_signed" else k] = v
        rows.append((asm, int(raw, 16), int(ret), e))
    return rows


# ---- Random sweep ------------------------------------------------------------

def sweep(rng, per_op=12):
    xr = ["x%d" % i for i in range(32)]
    fr = ["f%d" % i for i in range(32)]
    xc = ["x%d" % i for i in range(8, 16)]
    fc = ["f%d" % i for i in range(8, 16)]
    csrs = [0x000, 0x001, 0x100, 0x180, 0x300, 0x600, 0xc01, 0xf14, 0xfff]
    lines = []
    for name, (kind, _cls, width, _s, fp) in MNEMONICS.items():
        for i in range(per_op if kind != "none" else 1):
            pick = (lambda l: l[i % len(l)] if i < 2 else rng.choice(l))
            corner = i < 2
            if kind in ("csr", "csri"):
                csr = csrs[i % len(csrs)] if i < len(csrs) else rng.randrange(4096)
                src = pick(xr) if kind == "csr" else str(rng.randrange(32) if not corner else 31 * i)
                lines.append("%s %s, 0x%x, %s" % (name, pick(xr), csr, src))
            elif kind == "none":
                lines.append(name)
            elif kind == "fence":
                lines.append("%s %s, %s" % (name, pick(xr), rng.choice(xr)))
            elif kind in ("hlv", "hsv"):
                lines.append("%s %s, (%s)" % (name, pick(xr), rng.choice(xr)))
            elif kind in ("lr", "amo"):
                # Corners: no suffix and .aqrl; then all four at random.
                sfx = ("", ".aqrl")[i] if corner else rng.choice(sorted(ORDERING))
                src = "" if kind == "lr" else " %s," % rng.choice(xr)
                lines.append("%s%s %s,%s (%s)" % (name, sfx, pick(xr), src, rng.choice(xr)))
            elif not name.startswith("c."):
                imm = (-2048, 2047)[i] if corner else rng.randrange(-2048, 2048)
                lines.append("%s %s, %d(%s)" % (name, pick(fr if fp else xr),
                                                imm, rng.choice(xr)))
            else:
                sp = name.endswith("sp")
                # c.lw/c.sw: 5-bit uimm * 4; c.ld & co: 5-bit * 8;
                # *sp forms have one more bit.
                step = 4 if width == 4 else 8
                top = (64 if sp else 32) * step - step
                imm = (0, top)[i] if corner else rng.randrange(0, top + 1, step)
                regs = (fr if fp else xr) if sp else (fc if fp else xc)
                rd = pick(regs)
                if name in ("c.lwsp", "c.ldsp") and rd == "x0":
                    rd = "x1"	# reserved encoding; covered by test_decode.c
                base = "sp" if sp else rng.choice(xc)
                lines.append("%s %s, %d(%s)" % (name, rd, imm, base))
    # Must come out as unknown: ordinary instructions of nearby opcodes.
    lines += ["add a0, a1, a2", "addi x31, x31, -1", "fence", "fence.i",
              "fence.tso", "fadd.d fa0, fa1, fa2", "lui a0, 0x12345", "jal ra, 0",
              "c.addi a0, 1", "c.nop", "c.mv a0, a1", "c.jr ra",
              "c.addi4spn s0, sp, 4", "c.li a0, -1"]
    return lines


# ---- Tools ---------------------------------------------------------------------

def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def as_line(asm):
    """asm itself, or for an AS_LACKS mnemonic the same instruction as
    '.insn r opcode, funct3, funct7, rd, rs1, rs2' (R-type: the operand
    fields are the assembler's to place)."""
    name, aq, rl = split_ordering(mnemonic(asm))
    if name not in AS_LACKS:
        return asm
    opcode, funct3, funct5 = AS_LACKS[name]
    e = expect(asm)
    return ".insn r 0x%x, %d, 0x%x, x%d, x%d, x%d" % (
        opcode, funct3, funct5 << 2 | aq << 1 | rl, e["rd"], e["rs1"], e["rs2"])


def assemble(lines, tmp):
    """Encodings (ints) of lines, in order, as as + objdump see them."""
    src = os.path.join(tmp, "check.s")
    obj = os.path.join(tmp, "check.o")
    with open(src, "w") as f:
        for l in lines:
            # Explicit c.* lines need RVC; everything else must not be
            # silently compressed by the assembler.
            f.write(".option %s\n\t%s\n" % ("rvc" if l.startswith("c.") else "norvc",
                                             as_line(l)))
    run([AS, "-march=" + MARCH, "-o", obj, src])
    out = run([OBJDUMP, "-d", "-M", "no-aliases", obj]).stdout
    words = [int(m, 16) for m in
             re.findall(r"^\s*[0-9a-f]+:\s+([0-9a-f]{4}|[0-9a-f]{8})\s", out, re.M)]
    if len(words) != len(lines):
        sys.exit("decode-asm: objdump gave %d words for %d lines" % (len(words), len(lines)))
    return words


def build_dump(tmp):
    exe = os.path.join(tmp, "decode_dump")
    run([CC, "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2",
         "-I" + os.path.join(ROOT, "src", "decode"),
         "-I" + os.path.join(ROOT, "src", "include"),
         "-o", exe, os.path.join(HERE, "decode_dump.c"),
         os.path.join(ROOT, "src", "decode", "decode.c"),
         os.path.join(ROOT, "src", "decode", "disasm.c")])
    return exe


def decode(exe, words):
    out = run([exe], input="\n".join("%x" % w for w in words) + "\n").stdout
    res = []
    for line in out.splitlines():
        d = dict(kv.split("=", 1) for kv in line.split())
        for k in d:
            if k not in ("op", "cls", "raw"):
                d[k] = int(d[k], 0)
        res.append(d)
    return res


def diff(want, got):
    return ["%s=%s (want %s)" % (k, got.get(k), want[k])
            for k in FIELDS if got.get(k) != want[k]]


def main():
    rng = random.Random(20240601)
    rows = [r for r in table_rows() if r[0]]
    if not rows:
        sys.exit("decode-asm: no rows with assembly found in " + TEST_C)
    extra = sweep(rng)
    lines = [r[0] for r in rows] + extra
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        words = assemble(lines, tmp)
        got = decode(build_dump(tmp), words)
    for i, (asm, w, g) in enumerate(zip(lines, words, got)):
        want = expect(asm)
        problems = diff(want, g)
        if g["ret"] != (-1 if want["op"] == "unknown" else 0):
            problems.append("ret=%d" % g["ret"])
        if i < len(rows):
            _, raw, ret, table = rows[i]
            where = "test_decode.c"
            if raw != w:
                problems.append("table encoding 0x%08x, assembler says 0x%08x" % (raw, w))
            if ret != (-1 if want["op"] == "unknown" else 0):
                problems.append("table ret %d" % ret)
            problems += ["table " + p for p in diff(want, table)]
        else:
            where = "sweep"
        if problems:
            failed += 1
            print("FAIL [%s] %-32s 0x%08x: %s" % (where, asm, w, "; ".join(problems)))
        else:
            passed += 1
    print("decode-asm: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
