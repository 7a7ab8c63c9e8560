"""The documentation names real code: every markdown file in docs/,
README.md and the guests' README.md files (guests/README.md, the demos')
is checked for

- references of the form `path/file.c:name` (in backticks, link text or
  plain text): the file must exist and define `name`: a C function
  (a definition: the return type, the name and its parameters at the start
  of a line, then a body; a header may also just declare it), a macro, a
  struct/enum/union, a typedef or a file-scope table; an assembly label or
  ENTRY(); a Python def, class or module-level name.  A file name without a
  directory must name exactly one file of the tree;
- links [text](target) to files of the repository: the target must exist,
  an #anchor into a markdown file must be one of its headings, and a link
  whose text is a `file:name` reference must point at that file;
- exit-trace examples: a fenced block right after `<!-- trace: illustrative -->`
  or `<!-- trace: real -->` must hold lines in the trace format (v1).

Each failure lists every broken reference with its file and line.
"""
import functools
import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CODE_EXT = r"(?:c|h|S|py|ld)"
# path/file.ext:name, the path made of path characters, at least one '/'
# or a bare file name (then it must be unique in the tree).
REF = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*\." + CODE_EXT +
                 r"):([A-Za-z_]\w*)\b")
LINK = re.compile(r"(?<!!)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)"
                  r"|!\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")
TRACE_MARK = re.compile(r"^<!-- trace: (illustrative|real) -->\s*$")
TRACE_KINDS = {"csr", "sbi", "pf", "mmio", "irq", "priv", "exc"}
TRACE_LINE = re.compile(r"^\d+\.\d{6} [\w.-]+/\d+ [US] [0-9a-f]{16} (\w+)\+? \| ")

SKIP_DIRS = {".git", "build", "node_modules", "__pycache__"}


def markdown_files():
    files = sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
    files += sorted(glob.glob(os.path.join(ROOT, "guests", "**", "README.md"), recursive=True))
    files.append(os.path.join(ROOT, "README.md"))
    return [f for f in files if os.path.isfile(f)]


@functools.lru_cache(maxsize=None)
def tree_files():
    """Every file of the source tree by base name (build/ excluded)."""
    by_name = {}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for f in filenames:
            by_name.setdefault(f, []).append(
                os.path.relpath(os.path.join(dirpath, f), ROOT))
    return by_name


@functools.lru_cache(maxsize=None)
def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def c_defines(text, name, header):
    """Does C source 'text' define 'name' (or, in a header, declare it)?"""
    n = re.escape(name)
    # A function: at the start of a line (not indented, not a comment or a
    # directive), a return type, then the name and '('; the definition is
    # the one whose '{' comes before any ';'.
    for m in re.finditer(r"^[A-Za-z_][^;={}\n]*?[\s*]" + n + r"\s*\(", text, re.M):
        rest = text[m.end():]
        brace, semi = rest.find("{"), rest.find(";")
        if brace >= 0 and (semi < 0 or brace < semi):
            return True
        if header and semi >= 0:
            return True
    patterns = [
        r"^\s*#\s*define\s+" + n + r"\b",                         # macro
        r"^(?:typedef\s+)?(?:struct|enum|union)\s+" + n + r"\s*\{",  # tag
        r"^typedef\b[^;]*\b" + n + r"\s*;",                        # typedef
        r"^typedef\b[^;]*\(\s*\*\s*" + n + r"\s*\)",               # fn typedef
        # a file-scope object with an initializer (a table)
        r"^[A-Za-z_][^;(\n]*[\s*]" + n + r"\s*(?:\[[^\]]*\]\s*)*=",
    ]
    if header:
        patterns.append(r"^(?:extern\s+)?[A-Za-z_][^;(\n]*[\s*]" + n +
                        r"\s*(?:\[[^\]]*\]\s*)*;")
    return any(re.search(p, text, re.M) for p in patterns)


def asm_defines(text, name):
    n = re.escape(name)
    return bool(re.search(r"^\s*" + n + r":", text, re.M) or
                re.search(r"\b(?:ENTRY|SYM_FUNC_START|SYM_CODE_START)\(\s*" + n + r"\s*\)", text))


def py_defines(text, name):
    n = re.escape(name)
    return bool(re.search(r"^\s*(?:async\s+)?def\s+" + n + r"\b", text, re.M) or
                re.search(r"^\s*class\s+" + n + r"\b", text, re.M) or
                re.search(r"^" + n + r"\s*=", text, re.M))


def defines(relpath, name):
    text = read(os.path.join(ROOT, relpath))
    ext = os.path.splitext(relpath)[1]
    if ext in (".c", ".h"):
        return c_defines(text, name, ext == ".h")
    if ext == ".S":
        return asm_defines(text, name)
    if ext == ".py":
        return py_defines(text, name)
    if ext == ".ld":
        return bool(re.search(r"\b" + re.escape(name) + r"\s*=", text))
    return False


def resolve_code_path(path):
    """The repository path a reference names, or an error message."""
    if "/" in path:
        if os.path.isfile(os.path.join(ROOT, path)):
            return path, None
        return None, f"no such file {path}"
    found = tree_files().get(path, [])
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, f"no file named {path} in the tree"
    return None, f"{path} is ambiguous ({', '.join(sorted(found))}): give its directory"


def slug(heading):
    """GitHub's anchor for a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(md_path):
    out, fenced = set(), False
    for line in read(md_path).splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m and not fenced:
            out.add(slug(m.group(1)))
    return out


def check_markdown(md_path, root=ROOT):
    """Every broken reference of one markdown file, as messages."""
    problems = []
    text = read(md_path)
    rel_md = os.path.relpath(md_path, root)
    lines = text.splitlines()
    fenced = False
    for lineno, line in enumerate(lines, 1):
        where = f"{rel_md}:{lineno}"
        # file:name references, anywhere (code blocks too)
        for m in REF.finditer(line):
            path, name = m.group(1), m.group(2)
            rel, err = resolve_code_path(path)
            if err:
                problems.append(f"{where}: `{path}:{name}`: {err}")
            elif not defines(rel, name):
                problems.append(f"{where}: `{path}:{name}`: {name} is not defined in {rel}")
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        # links
        for m in LINK.finditer(line):
            label, target = m.group(1), m.group(2) or m.group(3)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):     # http:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            if file_part:
                dest = os.path.normpath(os.path.join(os.path.dirname(md_path), file_part))
                if not os.path.exists(dest):
                    problems.append(f"{where}: link ({target}): no such file")
                    continue
            else:
                dest = md_path
            if anchor and dest.endswith(".md") and anchor not in anchors(dest):
                problems.append(f"{where}: link ({target}): no heading #{anchor} in "
                                f"{os.path.relpath(dest, root)}")
            ref = REF.search(label or "")
            if ref and file_part:
                rel, err = resolve_code_path(ref.group(1))
                if rel and os.path.normpath(os.path.join(root, rel)) != dest:
                    problems.append(f"{where}: link text names {rel} but the link "
                                    f"goes to {os.path.relpath(dest, root)}")
    # trace examples
    for i, line in enumerate(lines):
        if not TRACE_MARK.match(line):
            continue
        where = f"{rel_md}:{i + 1}"
        if i + 1 >= len(lines) or not FENCE.match(lines[i + 1]):
            problems.append(f"{where}: a trace marker must be followed by a fenced block")
            continue
        j, body = i + 2, []
        while j < len(lines) and not FENCE.match(lines[j]):
            body.append((j + 1, lines[j]))
            j += 1
        if not body:
            problems.append(f"{where}: empty trace block")
        for n, tl in body:
            if tl.startswith("#"):
                continue
            m = TRACE_LINE.match(tl)
            # (three parts; the last may be empty: the line then ends " |")
            if not m or m.group(1) not in TRACE_KINDS or \
                    (tl + " ").count(" | ") < 2:
                problems.append(f"{rel_md}:{n}: not a trace line (v1): {tl}")
    return problems


@pytest.mark.parametrize("md", markdown_files(), ids=lambda p: os.path.relpath(p, ROOT))
def test_references(md):
    problems = check_markdown(md)
    assert not problems, "broken references:\n" + "\n".join(problems)


def test_docs_exist_and_reference_code():
    """The walkthrough and the extending guide are there and name code
    (so the check above is not vacuous)."""
    for name in ("walkthrough.md", "extending.md"):
        text = read(os.path.join(ROOT, "docs", name))
        assert len(REF.findall(text)) >= 20, name
    walk = read(os.path.join(ROOT, "docs", "walkthrough.md"))
    assert len(re.findall(r"^<!-- trace: real -->$", walk, re.M)) >= 8


def test_checker_finds_broken_references(tmp_path):
    """The checker itself: a page full of mistakes, each one reported."""
    docs = tmp_path / "docs"
    docs.mkdir()
    os.symlink(os.path.join(ROOT, "src"), str(tmp_path / "src"))
    page = docs / "bad.md"
    page.write_text(
        "# Title\n\n"
        "[`src/trap/csr.c:vcsr_emulate`](../src/trap/csr.c) is fine.\n"
        "`src/trap/csr.c:no_such_function` is not defined.\n"
        "`src/trap/nope.c:trap_handle` names no file.\n"
        "`src/trap/trap.c:vcsr_emulate` is defined elsewhere.\n"
        "`src/trap/trap.c:trap_handle` is fine, and a call is not a\n"
        "definition: `src/trap/trap.c:vcpu_inject_trap`.\n"
        "Nor is a function the file only calls: "
        "`src/trap/csr.c:vcpu_poll_timer`.\n"
        "`src/trap/vector.S:trap_vector` is a label; "
        "`src/trap/vector.S:no_label` is not.\n"
        "`vcpu.h:vcpu_put` and `vcpu.h:vcpu_run` are declarations in a header.\n"
        "[`src/trap/csr.c:vcsr_emulate`](../src/trap/trap.c) points elsewhere.\n"
        "[a missing file](../src/missing.c) and [a missing anchor](#nowhere)\n"
        "and [a good anchor](#title).\n\n"
        "<!-- trace: illustrative -->\n"
        "```\n"
        "0.000001 hello/0 S 0000000080200000 csr | csrr a0,sstatus | sstatus 0x0 (read)\n"
        "0.1 hello/0 S 80200000 bogus | x | y\n"
        "```\n")
    problems = check_markdown(str(page), root=str(tmp_path))
    text = "\n".join(problems)
    assert "no_such_function is not defined in src/trap/csr.c" in text
    assert "`src/trap/nope.c:trap_handle`: no such file" in text
    assert "vcsr_emulate is not defined in src/trap/trap.c" in text
    assert "vcpu_inject_trap is not defined in src/trap/trap.c" in text
    assert "vcpu_poll_timer is not defined in src/trap/csr.c" in text
    assert "no_label is not defined in src/trap/vector.S" in text
    assert "link text names src/trap/csr.c but the link goes to" in text
    assert "link (../src/missing.c): no such file" in text
    assert "no heading #nowhere" in text
    assert "not a trace line (v1): 0.1 hello/0" in text
    assert len(problems) == 10, text


def test_c_definition_rules():
    src = ("static int foo(int a);\n"
           "int bar(void)\n{\n\treturn foo(1);\n}\n"
           "static const struct x table[] = {\n};\n"
           "#define MAC(x) (x)\n"
           "struct thing {\n\tint a;\n};\n"
           "static void __attribute__((noreturn)) baz(struct vm *vm,\n"
           "\t\tint b)\n{\n}\n")
    assert not c_defines(src, "foo", header=False)     # prototype only
    assert c_defines(src, "foo", header=True)          # declared in a header
    assert c_defines(src, "bar", header=False)
    assert c_defines(src, "table", header=False)
    assert c_defines(src, "MAC", header=False)
    assert c_defines(src, "thing", header=False)
    assert c_defines(src, "baz", header=False)
    assert not c_defines(src, "return", header=False)
