"""Run a guest natively or under Umbra and collect what it printed.

The same run script users call (scripts/run.py, behind `make run`) is used,
so the tests exercise what users run.
"""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
PYTHON = "/usr/bin/python3"

# A test guest's own output: from "TEST <name>: start" to its verdict line
# (names may have a hyphen: demo-paging).
_SECTION = re.compile(r"^TEST ([\w-]+): start$.*?^TEST \1: (?:PASS|FAIL[^\n]*)$",
                      re.M | re.S)


class Run:
    def __init__(self, returncode, output):
        self.returncode = returncode
        self.output = output

    def section(self):
        """The guest's own lines, without firmware or hypervisor banners."""
        m = _SECTION.search(self.output)
        return m.group(0) if m else ""

    def verdict(self):
        m = re.search(r"^TEST [\w-]+: (PASS|FAIL.*)$", self.output, re.M)
        return m.group(1) if m else None


class Tee:
    """pexpect's logfile_read: keeps everything the guest printed in a list."""

    def __init__(self, log):
        self.log = log

    def write(self, s):
        self.log.append(s)

    def flush(self):
        pass


def run_py(args, timeout=60, run_class=Run):
    """scripts/run.py with these arguments (and Umbra's image), no input:
    its exit status (None if it hung) and everything it printed."""
    cmd = [PYTHON, os.path.join(ROOT, "scripts", "run.py"),
           "--umbra", os.path.join(BUILD, "umbra.bin"), *args]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout, cwd=ROOT)
        code, raw = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        # A hang is a failure; keep what was printed so the report shows where.
        code, raw = None, (e.stdout or b"") + f"\n[timed out after {timeout} s]\n".encode()
    return run_class(code, raw.decode("utf-8", "replace").replace("\r\n", "\n"))


def run_guest(guest, backend, cpu="rv64,h=false", timeout=60, extra=()):
    return run_py(["--guest", guest, "--backend", backend, "--cpu", cpu, *extra], timeout)


def backend_ids(backends):
    """pytest ids for (backend, QEMU -cpu, run.py options) rows."""
    return [f"{b}-{c}" + "".join(o) for b, c, o in backends]


def guest_path(name):
    return os.path.join(BUILD, "guests", name + ".elf")


def _test_guests(prefix=None):
    names = []
    gdir = os.path.join(ROOT, "guests")
    for name in sorted(os.listdir(gdir)):
        src = os.path.join(gdir, name, name + ".c")
        if not (os.path.isfile(src) and "test_begin(" in open(src).read()):
            continue
        if prefix is not None and name.startswith(prefix):
            names.append(name)
        elif prefix is None and not name.startswith(("hostile_", "smp_")):
            names.append(name)
    return names


def guest_names():
    """The differential test guests: every guests/<name>/ with a TEST line
    (the hostile ones have their own suite, test_hostile.py, and the smp_
    ones, which need several harts, theirs, test_smp.py)."""
    return _test_guests()


def smp_guest_names():
    """The differential test guests that need several harts: guests/smp_*/."""
    return _test_guests("smp_")
