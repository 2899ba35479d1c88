#!/usr/bin/env python3
"""testsuite/oracle/installcheck.py - run the test_installcheck lines of
Debian's example scripts (their .meta files) with our stap, pass 5 in the
test VM, and report which exit 0.

Each line is run by bash in the example's directory, with `stap` a
function that calls TOP/run-stap with --remote=vm (so `-c CMD` runs CMD
in the VM, whose userland is busybox: commands it lacks fail there).
Lines whose script our stap rejects at -p2 with the same options are
counted apart ("rejected"), as the acceptance counts the scripts it
accepts.  Prints one line per example and the totals; the VM is the
one of STAPVM_DIR (default ~/.cache/stapvm/run-installcheck).

Usage: installcheck.py [--only SUBSTR] [--timeout SECS]
"""
import glob
import os
import re
import shlex
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = "/usr/share/systemtap/examples"
KVER = subprocess.run([os.path.join(TOP, "vm", "stapvm"), "kver"],
                      capture_output=True, text=True).stdout.strip()


def lines(only):
    for meta in sorted(glob.glob(os.path.join(EXAMPLES, "**", "*.meta"),
                                 recursive=True)):
        for line in open(meta, errors="replace"):
            m = re.match(r"test_installcheck:\s*(.*)", line)
            if m and (not only or only in meta):
                yield os.path.dirname(meta), m.group(1).strip(), meta


def run(d, line, timeout, p2=False):
    extra = ("-p2 -r " + KVER) if p2 else "--remote=vm"
    # "-x $$" names the shell running the test; the script runs in the
    # VM, where that is no process: there, init stands in for it
    line = line.replace("$$", "1")
    fn = 'stap() { "%s/run-stap" %s "$@"; }; export -f stap; ' % (TOP, extra)
    try:
        r = subprocess.run(["bash", "-c", fn + line], cwd=d,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout, text=True, errors="replace")
        return r.returncode, r.stderr
    except subprocess.TimeoutExpired as e:
        return "timeout", (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")


def main():
    only, timeout = None, 180
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--only":
            only = args.pop(0)
        elif a == "--timeout":
            timeout = int(args.pop(0))
        else:
            sys.exit(__doc__)
    os.environ.setdefault("STAPVM_DIR",
                          os.path.expanduser("~/.cache/stapvm/run-installcheck"))
    subprocess.run([os.path.join(TOP, "vm", "stapvm"), "start"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = bad = rejected = 0
    failures = []
    for d, line, meta in lines(only):
        name = os.path.relpath(meta, EXAMPLES)[:-5]
        if "stap" not in line:
            continue
        rc, err = run(d, line, 60, p2=True)
        if rc != 0:
            rejected += 1
            print("rejected %s" % name, flush=True)
            continue
        t = time.time()
        rc, err = run(d, line, timeout)
        t = time.time() - t
        if rc == 0:
            ok += 1
            print("ok       %s (%.0f s)" % (name, t), flush=True)
        else:
            bad += 1
            last = [l for l in err.splitlines() if l.strip()][-3:]
            failures.append((name, rc, last))
            print("FAIL     %s rc=%s: %s" % (name, rc, " | ".join(last)[:300]),
                  flush=True)
    total = ok + bad
    print("installcheck: %d of %d accepted scripts exit 0 (%.1f%%), %d rejected at -p2"
          % (ok, total, 100.0 * ok / total if total else 0, rejected))


if __name__ == "__main__":
    main()
