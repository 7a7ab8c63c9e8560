"""The vCPU scheduler (src/core/sched.c): two CPU-bound vCPUs sharing one
hart get the same share of it, and each keeps its own FP state (and, on a
hart with V, vector state) across the switches.  (The SMP guests with more vCPUs than harts are in
test_smp.py; Linux with more vCPUs than harts in test_linux_smp.py.)"""
import re

import pytest

from guestrun import backend_ids, guest_path, run_guest
from test_diff import BACKENDS

SHARED_BACKENDS = [BACKENDS[0], BACKENDS[2]]
# The same on harts with the vector extension.
VECTOR_BACKENDS = [("shadow", "rv64,h=false,v=true", ()), ("hext", "rv64,v=true", ())]


@pytest.mark.parametrize("backend,cpu,opts", SHARED_BACKENDS + VECTOR_BACKENDS,
                         ids=backend_ids(SHARED_BACKENDS + VECTOR_BACKENDS))
def test_two_cpu_bound_vcpus_share_one_hart_fairly(backend, cpu, opts):
    run = run_guest(guest_path("sched_fair"), backend, cpu, timeout=120,
                    extra=tuple(opts) + ("--smp", "2", "--harts", "1"))
    m = re.search(r"sched_fair: counts (\d+) (\d+)", run.output)
    assert m, run.output[-3000:]
    a, b = int(m.group(1)), int(m.group(2))
    assert a > 0 and b > 0, run.output[-3000:]
    # Each ran for about half of the second: within 10% of each other.
    assert abs(a - b) <= 0.10 * max(a, b), f"unfair: {a} vs {b} iterations"
    assert "sched_fair: fp ok" in run.output, run.output[-3000:]
    vector = "ok" if "v=true" in cpu else "none"
    assert f"sched_fair: vector {vector}" in run.output, run.output[-3000:]
    assert "umbra: exits of vCPU 1:" in run.output
    assert run.returncode == 0
