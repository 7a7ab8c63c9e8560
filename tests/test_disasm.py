"""decode_format() (src/decode/disasm.c) against GNU objdump.

The exit trace prints each instruction the way `objdump -d -M no-aliases`
does.  Here the GNU tools are the judge: a list of instructions is
assembled with riscv64-unknown-elf-as, disassembled with objdump, and
every word's objdump text must equal what decode_format() prints for it
(through build/host/decode_dump --text, tests/host/decode_dump.c), objdump's tab after the
mnemonic read as the one space decode_format() writes.  The words:

  * INSNS below: every instruction the decoder knows, with register,
    offset and ordering corners (x0/x31, f registers, negative offsets,
    the largest compressed offsets, each .aq/.rl combination);
  * `csrrs a0,<csr>,zero` for all 4096 CSR numbers (every name
    decode_csr_name() knows, every number it must print as 0x...), and the
    immediate forms on a spread of them;
  * every 16-bit word of compressed quadrants 0 and 2 (where the decoder's
    compressed instructions live), and a seeded random sweep of 32-bit
    words with random fields in the opcodes the decoder handles (SYSTEM,
    LOAD, STORE, LOAD-FP, STORE-FP, AMO), all emitted with `.insn`.

Words the decoder does not know (printed as .word/.short) are not compared
(objdump knows far more instructions than Umbra decodes): the sweep leaves
them out.  binutils 2.40 does not know Zacas's amocas.w/.d (it prints
.4byte): those are compared with objdump's text for the same word with
funct5 = amoswap, the name swapped, as amocas has exactly amoswap's
operands and ordering bits.

CSR names follow the privileged spec 1.12 (as -mpriv-spec=1.12 records it
in the object, objdump reads it from there).
"""
import os
import random
import re
import subprocess

import pytest

from guestrun import BUILD, ROOT

AS = os.environ.get("CROSS_AS", "riscv64-unknown-elf-as")
OBJDUMP = os.environ.get("CROSS_OBJDUMP", "riscv64-unknown-elf-objdump")
AS_FLAGS = ["-march=rv64gc_zicsr_zifencei_h_svinval", "-mpriv-spec=1.12"]
DISASM = [os.path.join(BUILD, "host", "decode_dump"), "--text"]

# amocas.w/.d (Zacas: funct5 00101), which binutils 2.40 cannot assemble:
# written as .insn r with the fields of the unpriv. spec's AMO format.
def amocas(width, aq, rl, rd, rs2, rs1):
    funct3 = {"w": 2, "d": 3}[width]
    return ".insn r 0x2f, %d, 0x%x, %s, %s, %s" % (funct3, 0b00101 << 2 | aq << 1 | rl,
                                                    rd, rs1, rs2)

INSNS = [
    # Zicsr
    "csrrs a0, sstatus, zero", "csrrw zero, satp, a0", "csrrc t1, sip, a2",
    "csrrw a0, 0x7c0, a1", "csrrs s11, senvcfg, t6", "csrrw x31, vsatp, x31",
    "csrrwi zero, sie, 5", "csrrsi a5, time, 0", "csrrci a1, 0xfff, 31",
    "csrrwi t0, hstatus, 16", "csrrsi zero, mstatus, 1", "csrrci ra, 0x000, 0",
    # trap entry/return, wait
    "ecall", "ebreak", "sret", "mret", "wfi",
    # fences
    "sfence.vma a0, a1", "sfence.vma zero, zero", "sfence.vma t6, zero",
    "sinval.vma t0, zero", "sinval.vma zero, s1", "sfence.w.inval", "sfence.inval.ir",
    "hfence.vvma a0, zero", "hfence.gvma zero, zero", "hfence.gvma a0, a1",
    "hinval.vvma a1, a2", "hinval.gvma s0, s1",
    # H loads and stores
    "hlv.b a0, (a1)", "hlv.bu t0, (sp)", "hlv.h a0, (a1)", "hlv.hu zero, (t6)",
    "hlv.w a0, (a1)", "hlv.wu a0, (a1)", "hlv.d ra, (gp)", "hlvx.hu a0, (zero)",
    "hlvx.wu t6, (a1)", "hsv.b a0, (a1)", "hsv.h zero, (a1)", "hsv.w t6, (s2)",
    "hsv.d a0, (zero)",
    # loads and stores, integer and FP
    "lb a0, -2048(a1)", "lh a0, 2047(a1)", "lw tp, 0(gp)", "ld a0, -8(s0)",
    "ld zero, -1(t6)", "lbu a0, 1(a1)", "lhu a0, 2(a1)", "lwu a0, 4(a1)",
    "flw ft0, -4(a0)", "flw ft11, 100(zero)", "fld fa0, 16(a1)", "fld fs11, -2048(sp)",
    "sb a0, 0(a1)", "sh a0, -2(a1)", "sw zero, 4(sp)", "sd a1, 8(sp)", "sd t6, -2048(t6)",
    "fsw fs11, 2047(t0)", "fsw fa7, -1(a0)", "fsd ft11, -2048(a0)", "fsd fs0, 8(sp)",
    # atomics, every ordering
    "lr.w a0, (a1)", "lr.d a0, (a1)", "lr.w.aq a0, (a1)", "lr.w.rl zero, (t6)",
    "lr.w.aqrl t0, (t1)", "lr.d.rl a0, (a1)", "lr.d.aqrl s11, (sp)",
    "sc.w a0, a1, (a2)", "sc.d.aq a0, a1, (a2)", "sc.w.rl zero, zero, (zero)",
    "sc.d.aqrl t6, t5, (t4)",
    "amoswap.w.aqrl a0, a1, (a2)", "amoswap.d a0, a1, (a2)",
    "amoadd.w.aq a0, a1, (a2)", "amoadd.d.rl a0, a1, (a2)",
    "amoxor.w a0, a1, (a2)", "amoxor.d.aqrl a0, a1, (a2)",
    "amoand.w.rl a0, a1, (a2)", "amoand.d a0, a1, (a2)",
    "amoor.w a0, a1, (a2)", "amoor.d.aq s0, s1, (s2)",
    "amomin.w a0, a1, (a2)", "amomin.d a0, a1, (a2)",
    "amomax.w.aqrl a0, a1, (a2)", "amomax.d a0, a1, (a2)",
    "amominu.w a0, a1, (a2)", "amominu.d.rl a0, a1, (a2)",
    "amomaxu.w a0, a1, (a2)", "amomaxu.d.aqrl zero, zero, (zero)",
    amocas("w", 1, 1, "a0", "a1", "a2"), amocas("d", 0, 0, "a0", "a1", "a2"),
    amocas("w", 0, 1, "t6", "zero", "sp"), amocas("d", 1, 0, "s0", "s1", "t0"),
    # compressed
    "c.lw a5, 4(a0)", "c.lw s0, 124(s1)", "c.ld s0, 248(s1)", "c.ld a0, 0(a5)",
    "c.fld fa0, 8(a1)", "c.fld fs0, 248(a5)", "c.sw a0, 124(a5)", "c.sw s1, 0(s0)",
    "c.sd a1, 0(a0)", "c.sd a5, 248(a4)", "c.fsd fs1, 16(a2)", "c.fsd fa5, 248(s0)",
    "c.lwsp ra, 0(sp)", "c.lwsp t6, 252(sp)", "c.ldsp a0, 504(sp)", "c.ldsp ra, 8(sp)",
    "c.fldsp fs0, 16(sp)", "c.fldsp ft0, 504(sp)", "c.swsp zero, 4(sp)",
    "c.swsp t6, 252(sp)", "c.sdsp ra, 8(sp)", "c.sdsp a0, 504(sp)",
    "c.fsdsp ft11, 504(sp)", "c.fsdsp fa0, 0(sp)", "c.ebreak",
]

# The immediate CSR forms, on a spread of numbers (named and not).
CSRI_NUMBERS = [0x000, 0x001, 0x100, 0x10a, 0x14d, 0x180, 0x200, 0x280, 0x300,
                0x3ef, 0x5a8, 0x600, 0x680, 0x7c0, 0x800, 0xc01, 0xc9f, 0xda0,
                0xf15, 0xfff]

# Opcodes of the 32-bit words the decoder handles, for the random sweep.
SWEEP_OPCODES = [0x73, 0x03, 0x23, 0x07, 0x27, 0x2f]


def sweep_words(rng, n32=5000):
    words = []
    for _ in range(n32):
        w = rng.getrandbits(32) & ~0x7f | rng.choice(SWEEP_OPCODES)
        if w & 0x7f == 0x73 and rng.random() < 0.5:
            # SYSTEM funct3 0 and 4 (privileged insns, H loads/stores) have
            # most of their bits fixed: aim at them often.
            w = w & ~0x7000 | rng.choice((0, 4)) << 12
            if rng.random() < 0.5:
                w &= ~0xf80		# rd = 0: fences, hsv
        words.append(("w", w))
    words += [("h", h) for h in range(0x10000) if h & 3 in (0, 2)]
    return words


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, **kw)


CHUNK = 2000
LINE_RE = re.compile(r"^\s*[0-9a-f]+:\t([0-9a-f]{4}|[0-9a-f]{8})\s+\t(.*)$", re.M)


def objdump(lines, tmp):
    """[(word, text)] for the assembly lines, as objdump prints them: its
    tab between mnemonic and operands made a space, and without the
    comment it appends to a load or store whose base register it thinks
    it knows (zero, gp, tp): "lw a0,16(zero) # 10 <.text+0x10>" is an
    address guessed from symbols, not part of the instruction.
    (objdump 2.40 slows down more than linearly on a long text section:
    the lines go in chunks of CHUNK.)"""
    res = []
    for n, first in enumerate(range(0, len(lines), CHUNK)):
        chunk = lines[first:first + CHUNK]
        src, obj = os.path.join(tmp, "t%d.s" % n), os.path.join(tmp, "t%d.o" % n)
        with open(src, "w") as f:
            option = None
            for line in chunk:
                # c.* must be compressed and nothing else may be.
                want = "rvc" if line.startswith(("c.", ".insn 2,")) else "norvc"
                if want != option:
                    f.write(".option %s\n" % want)
                    option = want
                f.write("\t%s\n" % line)
        run([AS, *AS_FLAGS, "-o", obj, src])
        out = run([OBJDUMP, "-d", "-M", "no-aliases", obj]).stdout
        got = [(int(w, 16), re.sub(r"\s+# .*$", "", t.strip()).replace("\t", " "))
               for w, t in LINE_RE.findall(out)]
        assert len(got) == len(chunk), "objdump gave %d words for %d lines" % (len(got), len(chunk))
        res += got
    return res


def umbra(words):
    out = run(DISASM, input="".join("%x\n" % w for w in words)).stdout.splitlines()
    assert len(out) == len(words)
    return out


def insn_line(kind, w):
    return ".insn 2, 0x%04x" % w if kind == "h" else ".insn 0x%08x" % w


def ops_of_decoder():
    """Every op's mnemonic, from decode.h's enum (C_LW -> c.lw)."""
    with open(os.path.join(ROOT, "src", "decode", "decode.h")) as f:
        names = re.findall(r"\bDECODE_OP_(\w+)", f.read())
    return {n.lower().replace("_", ".") for n in names} - {"unknown", "count"}


def is_data(text):
    """decode_format()'s text for a word the decoder does not know."""
    return text.startswith((".word ", ".short "))


def test_disasm_matches_objdump(tmp_path):
    tmp = str(tmp_path)
    # The sweep's words the decoder does not know are left out at once:
    # they would not be compared, and objdump takes ~0.2 ms a word.
    sweep = sweep_words(random.Random(20261201))
    sweep = [(k, w) for (k, w), t in zip(sweep, umbra([w for _, w in sweep])) if not is_data(t)]
    n32 = sum(1 for k, _ in sweep if k == "w")
    assert n32 > 1500, "only %d random 32-bit words decode" % n32

    lines = (INSNS
             + ["csrrs a0, 0x%x, zero" % c for c in range(4096)]
             + ["csrrwi t1, 0x%x, %d" % (c, i) for i, c in enumerate(CSRI_NUMBERS)]
             + [insn_line(k, w) for k, w in sweep])
    where = (["insn"] * len(INSNS) + ["csr"] * (4096 + len(CSRI_NUMBERS))
             + ["sweep"] * len(sweep))
    dumped = objdump(lines, tmp)
    words = [w for w, _ in dumped]
    assert words[len(lines) - len(sweep):] == [w for _, w in sweep]
    mine = umbra(words)

    # Every line decodes (INSNS and the CSR lines are all instructions the
    # decoder knows), and every op of decode.h is among them.
    unknown = [lines[i] for i, t in enumerate(mine) if is_data(t)]
    assert not unknown, "decoded as unknown: %s" % unknown
    seen = {re.sub(r"\.(aq|rl|aqrl)$", "", t.split()[0]) for t in mine}
    assert ops_of_decoder() <= seen, "never compared: %s" % sorted(ops_of_decoder() - seen)

    # amocas: objdump's text of the amoswap twin (funct5 00001), renamed.
    want = [t for _, t in dumped]
    cas = [i for i, t in enumerate(mine) if t.startswith("amocas.")]
    twins = objdump([".insn 0x%08x" % (words[i] & ~0xf8000000 | 0x01 << 27) for i in cas], tmp)
    for i, (_, t) in zip(cas, twins):
        assert t.startswith("amoswap."), t
        assert want[i].startswith(".4byte"), "objdump knows amocas now: %s" % want[i]
        want[i] = t.replace("amoswap.", "amocas.", 1)

    bad = ["[%s] %-30s 0x%08x: objdump '%s', decode_format '%s'"
           % (where[i], lines[i], words[i], want[i], mine[i])
           for i in range(len(lines)) if mine[i] != want[i]]
    print("disasm: %d words compared (%d amocas via amoswap), %d differ"
          % (len(lines), len(cas), len(bad)))
    assert not bad, "%d differ:\n%s" % (len(bad), "\n".join(bad))


@pytest.mark.parametrize("raw,text", [
    (0x00c58533, ".word 0x00c58533"),
    (0x0001, ".short 0x0001"),
])
def test_disasm_unknown_words(raw, text):
    assert umbra([raw]) == [text]
