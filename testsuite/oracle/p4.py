#!/usr/bin/env python3
"""testsuite/oracle/p4.py - build (-p4) every corpus script that our stap
accepts at -p2 (and SystemTap at -p3) and report those that do not build or whose build shows a
compiler warning.

The corpus is compare.py's: Debian's example scripts (with the options of
their .meta test_check lines) and our own tests.  For each script: -p2; if
accepted, -p3 (the C); then -p4 with pass-4 verbosity 2, so that gcc's
warnings are shown even when the build succeeds.  Results are cached by
the generated C and the runtime's contents (not by the stap binary), so a
rerun after a change rebuilds only the modules whose C changed.

Besides the corpus, one generated script calls every function of our
tapset library (--dump-functions) with dummy arguments in a kernel
function probe, so that every tapset function's C is built too.  With -u,
each script is also built unoptimized (-u: nothing elided), which
exercises more of pass 3.

Usage: p4.py [--only SUBSTR] [--jobs N] [-u]
Environment: STAP (ours, default TOP/run-stap), KVER (default: the test
kernel, scripts/fetch-kernel --print-kver), P4_CACHE (default ~/.cache/stap-p4corpus).
"""
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

TOP = compare.TOP
OURS = compare.OURS
KVER = compare.KVER
CACHE = os.environ.get("P4_CACHE",
                       os.path.expanduser("~/.cache/stap-p4corpus"))
SDIR = os.path.join(tempfile.gettempdir(), "stap-p4corpus-%d" % os.getuid())


def runtime_digest():
    h = hashlib.sha1()
    root = os.path.join(TOP, "runtime")
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for f in sorted(files):
            if f.endswith((".h", ".c")):
                p = os.path.join(d, f)
                h.update(p[len(root):].encode())
                h.update(open(p, "rb").read())
    h.update(KVER.encode())
    return h.hexdigest()


def run(cwd, opts, script, args, p, extra=()):
    cmd = [OURS, "-r", KVER, "-p%d" % p] + list(extra) + opts + [script] + args
    env = dict(os.environ, SYSTEMTAP_DIR=SDIR)
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=600, env=env)
        return (r.returncode, r.stdout.decode(errors="replace"),
                r.stderr.decode(errors="replace"))
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"


DIAG = re.compile(r"^(\S+):(\d+):(\d+): (error|warning): (.*)$")


def first_problem(err):
    """The first gcc error (else warning) of a pass-4 log, else the first
    error-looking line."""
    lines = err.split("\n")
    for kind in ("error", "warning"):
        for line in lines:
            m = DIAG.match(line)
            if m and m.group(4) == kind:
                return "%s:%s: %s: %s" % (os.path.basename(m.group(1)),
                                          m.group(2), kind, m.group(5))
    for line in lines:
        if re.search(r"error|warning|failed", line, re.I):
            return line.strip()
    return next((l for l in lines if l.strip()), "")


def all_functions_script():
    """A script calling every tapset function, or None."""
    r = subprocess.run([OURS, "--dump-functions"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    calls = []
    for line in r.stdout.decode(errors="replace").split("\n"):
        m = re.match(r"(\w+):(\w+) \((.*)\)", line)
        if not m:
            continue
        args = ['"s"' if a.endswith(":string") else "1"
                for a in m.group(3).split(", ") if a]
        call = "%s(%s)" % (m.group(1), ", ".join(args))
        calls.append("\tprintln(%s)" % call
                     if m.group(2) in ("long", "string") else "\t" + call)
    if not calls:
        return None
    d = tempfile.mkdtemp(prefix="p4corpus")
    f = os.path.join(d, "all_functions.stp")
    with open(f, "w") as out:
        out.write('probe kernel.function("vfs_read") {\n%s\n}\n' %
                  "\n".join(calls))
    # -g: the guru functions (dump_stack, raise, panic ...) are built too
    return ("tapset:all_functions", d, ["-g"], "all_functions.stp", [])


def check(item, rt):
    """(status, detail): status is 'rejected' (at -p2), 'ok', or 'fail'."""
    name, cwd, opts, script, args = item[:5]
    rc, _, err = run(cwd, opts, script, args, 2)
    if rc != 0:
        return "rejected", ""
    exp = os.path.join(cwd, script[:-4] + ".expect")
    if (name.lstrip("-u ").startswith("t:") and os.path.exists(exp) and
            "Pass 4: compilation failed" in open(exp, errors="replace").read()):
        return "rejected", ""      # a test of a failing build
    rc, csrc, err = run(cwd, opts, script, args, 3)
    if rc != 0:
        # SystemTap too rejects some scripts only in pass 3 (a 'break'
        # outside a loop): those are rejected, not failures
        if (os.access(compare.ORACLE, os.X_OK) and
                compare.oracle_run(cwd, opts, script, args, 3)[0] != 0):
            return "rejected", ""
        return "fail", "pass 3: " + first_problem(err)
    key = hashlib.sha1((rt + csrc).encode(errors="replace")).hexdigest()
    cf = os.path.join(CACHE, key + ".json")
    if os.path.exists(cf):
        try:
            return tuple(json.load(open(cf)))
        except ValueError:
            pass
    rc, _, err = run(cwd, opts, script, args, 4,
                     ["--vp", "0002", "--disable-cache"])
    warned = any(DIAG.match(l) for l in err.split("\n"))
    if rc == 0 and not warned:
        res = ("ok", "")
    else:
        res = ("fail", ("pass 4: " if rc else "pass 4 warning: ") +
               first_problem(err))
    os.makedirs(CACHE, exist_ok=True)
    tmp = cf + ".tmp%d" % os.getpid()
    json.dump(list(res), open(tmp, "w"))
    os.rename(tmp, cf)
    return res


def main():
    only = None
    jobs = 1
    unopt = False
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "--only":
            only = argv.pop(0)
        elif a == "--jobs":
            jobs = int(argv.pop(0))
        elif a == "-u":
            unopt = True
        else:
            print(__doc__)
            return 2
    rt = runtime_digest()
    items = list(compare.corpus())
    allfn = all_functions_script()
    if allfn:
        items.append(allfn)
    if unopt:
        items += [("-u " + n, cwd, ["-u"] + opts, script, args)
                  for n, cwd, opts, script, args, *_ in items]
    items = [c for c in items if not only or only in c[0]]
    accepted = built = 0
    fails = []
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        futs = [(it[0], ex.submit(check, it, rt)) for it in items]
        for name, fu in futs:
            status, detail = fu.result()
            if status == "rejected":
                continue
            accepted += 1
            if status == "ok":
                built += 1
            else:
                fails.append((name, detail))
                print("FAIL %s\n   %s" % (name, detail), flush=True)
    print("== -p4: %d scripts, %d accepted at -p2, %d built without warning, "
          "%d failed" % (len(items), accepted, built, len(fails)))
    return 0 if not fails else 1


if __name__ == "__main__":
    sys.exit(main())
