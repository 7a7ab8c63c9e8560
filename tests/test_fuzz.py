"""Fuzzers, briefly: every libFuzzer harness tests/fuzz/fuzz_<name>.c (built
as build/fuzz/fuzz_<name> with ASan and UBSan, `make fuzzers`) runs over its
seed corpus tests/fuzz/corpus/<name>/ and then a few seconds of fresh
mutations, so a change that breaks an invariant a harness checks, or that a
sanitizer catches, fails `make test`.  The long runs are `make fuzz`."""
import glob
import os
import re
import subprocess

import pytest

from guestrun import BUILD, ROOT

# Per harness: at most this many executions, and at most this many seconds
# of fuzzing after the seed corpus (8 harnesses stay well under 90 s).
RUNS = 100000
SECONDS = 8

# What a sanitizer, libFuzzer or a harness's own check prints when it fails.
FAILURE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|"
                     r"FUZZ_CHECK|panic\(\)|^SUMMARY: ", re.M)


def harness_names():
    return sorted(re.sub(r"^fuzz_(.*)\.c$", r"\1", os.path.basename(p))
                  for p in glob.glob(os.path.join(ROOT, "tests", "fuzz", "fuzz_*.c")))


@pytest.mark.parametrize("name", harness_names())
def test_fuzz_smoke(name, tmp_path):
    exe = os.path.join(BUILD, "fuzz", "fuzz_" + name)
    assert os.path.isfile(exe), f"{exe} is missing: make fuzzers"
    seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
    # New inputs go to a scratch directory first, so the seed corpus in the
    # tree is only read; crash files too.
    cmd = [exe, f"-runs={RUNS}", f"-max_total_time={SECONDS}", "-seed=1",
           "-print_final_stats=1", f"-artifact_prefix={tmp_path}/", str(tmp_path)]
    if os.path.isdir(seeds):
        cmd.append(seeds)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       cwd=tmp_path, timeout=60 + SECONDS)
    out = p.stdout.decode("utf-8", "replace")
    lines = out.splitlines()
    # The report: the lines that say what failed, then how the run ended.
    report = "\n".join([l for l in lines if FAILURE.search(l)][:10] + ["..."] + lines[-12:])
    assert p.returncode == 0, f"fuzz_{name} exited with {p.returncode}:\n{report}"
    assert not FAILURE.search(out), f"fuzz_{name} reported a failure:\n{report}"
    assert "stat::number_of_executed_units" in out, report
