#!/usr/bin/env python3
"""testsuite/oracle/compare.py - compare our stap with SystemTap's (the oracle)
at -p1 and -p2 over a corpus: Debian's example scripts (with the options
and arguments of their .meta test_check lines) and our own tests.

For each script and pass it records accept/reject, the first error's kind
("parse error", "semantic error", ...) and its location (file:line:col of
the first "at:"/"saw:" line), and counts an agreement when both accept, or
both reject with the same kind at the same place.  Every disagreement is
printed.  The oracle's results are cached (they take seconds each).

Also parses every tapset file as a library file, ours and the oracle's.

Usage: compare.py [--passes 1,2] [--only SUBSTR] [--no-tapsets] [--jobs N]
Environment: ORACLE (default /usr/bin/stap), KVER (default: the test kernel,
scripts/fetch-kernel --print-kver),
STAP (ours, default TOP/run-stap), ORACLE_CACHE (default
~/.cache/stap-oracle).
"""
import concurrent.futures
import glob
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ORACLE = os.environ.get("ORACLE", "/usr/bin/stap")
KVER = os.environ.get("KVER") or subprocess.run(
    [os.path.join(TOP, "scripts", "fetch-kernel"), "--print-kver"],
    capture_output=True, text=True).stdout.strip()
OURS = os.environ.get("STAP", os.path.join(TOP, "run-stap"))
CACHE = os.environ.get("ORACLE_CACHE",
                       os.path.expanduser("~/.cache/stap-oracle"))
EXAMPLES = ["/usr/share/systemtap/examples",
            "/usr/share/doc/systemtap-doc/examples"]
ORACLE_TAPSET = "/usr/share/systemtap/tapset"

# options of test_check lines that we keep (with an argument or not)
KEEP1 = {"-g", "-u", "-w", "-W", "--all-modules", "-P"}
KEEPARG = {"-D", "-I", "-G", "-B"}
DROPARG = {"-c", "-x", "-m", "-o", "-d", "-S", "-r", "--remote", "-T",
           "--modinfo", "-a", "-R", "-s", "-E"}


def corpus():
    """Yield (name, cwd, options, script, args)."""
    seen = set()
    for root in EXAMPLES:
        if not os.path.isdir(root):
            continue
        metas = sorted(glob.glob(os.path.join(root, "**", "*.meta"),
                             recursive=True))
        for meta in metas:
            d = os.path.dirname(meta)
            n = 0
            for line in open(meta, errors="replace"):
                m = re.match(r"test_check:\s*(.*)", line)
                if not m:
                    continue
                try:
                    words = shlex.split(m.group(1))
                except ValueError:
                    continue
                if not words or words[0] != "stap":
                    continue
                opts, script, args = [], None, []
                i = 1
                while i < len(words):
                    w = words[i]
                    if w in DROPARG:
                        i += 2
                        continue
                    if (script is not None and w.startswith("-") and
                            not re.match(r"-\d", w) and w[:2] not in KEEPARG
                            and w not in KEEP1):
                        i += 1      # e.g. -c CMD after the script
                        continue
                    if script is not None and not (w in KEEP1 or w in KEEPARG or
                                                   w[:2] in KEEPARG):
                        args.append(w)
                    elif w.endswith(".stp") and script is None:
                        script = w
                    elif w in KEEP1:
                        opts.append(w)
                    elif w in KEEPARG:
                        opts += [w, words[i + 1]]
                        i += 1
                    elif w[:2] in KEEPARG and len(w) > 2:
                        opts.append(w)
                    elif w in DROPARG:
                        i += 1
                    elif re.match(r"-p\d", w) or w.startswith("--"):
                        pass
                    elif w.startswith("-") and w[:2] in DROPARG:
                        pass
                    i += 1
                if not script or "--bpf" in words or "--dyninst" in words:
                    continue
                path = os.path.join(d, script)
                if not os.path.exists(path):
                    continue
                n += 1
                rel = os.path.relpath(path, root)
                name = "ex:%s%s" % (rel, "" if n == 1 else "#%d" % n)
                seen.add(path)
                yield name, d, opts, script, args
        for path in sorted(glob.glob(os.path.join(root, "**", "*.stp"),
                                     recursive=True)):
            if path not in seen:
                seen.add(path)
                yield ("ex:" + os.path.relpath(path, root),
                       os.path.dirname(path), [], os.path.basename(path), [])
    # our own tests: the options of their "#! stap" line, minus the pass
    for path in sorted(glob.glob(os.path.join(TOP, "testsuite", "host", "*",
                                              "*.stp")) +
                       glob.glob(os.path.join(TOP, "testsuite", "vm", "*",
                                              "*.stp"))):
        first = open(path, errors="replace").readline()
        if not first.startswith("#! stap"):
            continue
        words = shlex.split(first[2:])[1:]
        opts = []
        i = 0
        while i < len(words):
            w = words[i]
            if re.match(r"-p\d", w) or w in ("-v", "-k") or w.startswith("--"):
                pass
            elif w in KEEP1:
                opts.append(w)
            elif w in KEEPARG:
                opts += [w, words[i + 1]]
                i += 1
            elif w in DROPARG:
                i += 1
            elif w[:2] in KEEPARG:
                opts.append(w)
            i += 1
        args = []
        argf = path[:-4] + ".args"
        if os.path.exists(argf):
            try:
                args = shlex.split(open(argf).read())
            except ValueError:
                pass
        yield ("t:" + os.path.relpath(path, os.path.join(TOP, "testsuite")),
               os.path.dirname(path), opts, os.path.basename(path), args)


LOC = re.compile(r"^\s*(?:at|saw):.* at (\S+):(\d+):(\d+)\s*$")
KIND = re.compile(r"^(parse error|semantic error|error|ERROR|stap):? ?(.*)$")


def summarize(rc, err):
    """(accepted, kind, message, location) of one run."""
    if rc == 0:
        return (True, "", "", "")
    kind = msg = loc = ""
    lines = err.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"^(parse error|semantic error): ?(.*)$", line)
        if m:
            kind, msg = m.group(1), m.group(2)
            # SystemTap leaves the file out of a location in the file of
            # the location shown before ("at :1:7"); ours always names it
            msg = re.sub(r" at [^ ]*:(\d+:\d+)$", r" at :\1", msg)
            for l2 in lines[i + 1:i + 4]:
                lm = LOC.match(l2)
                if lm:
                    loc = "%s:%s:%s" % (os.path.basename(lm.group(1)),
                                        lm.group(2), lm.group(3))
                    break
            break
    if not kind:
        for line in lines:
            if re.match(r"^Pass \d: .*failed", line):
                kind = line.split(":")[0]
                break
        else:
            kind = "rc=%d" % rc
        for line in lines:
            if line.strip() and not line.startswith("WARNING"):
                msg = line.strip()
                break
    return (False, kind, msg, loc)


def run(stap, cwd, opts, script, args, p, extra_env=None):
    cmd = [stap, "-r", KVER, "-p%d" % p] + opts + [script] + args
    env = dict(os.environ)
    if extra_env:
        env.update(extra_env)
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=300, env=env)
        return r.returncode, r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return 124, "timeout"


def oracle_run(cwd, opts, script, args, p):
    path = os.path.join(cwd, script)
    h = hashlib.sha1()
    h.update(open(path, "rb").read())
    h.update(json.dumps([opts, args, p, KVER, os.path.basename(path)]).encode())
    key = h.hexdigest()
    cf = os.path.join(CACHE, key + ".json")
    if os.path.exists(cf):
        try:
            return tuple(json.load(open(cf)))
        except ValueError:
            pass
    rc, err = run(ORACLE, cwd, opts, script, args, p)
    os.makedirs(CACHE, exist_ok=True)
    tmp = cf + ".tmp%d" % os.getpid()
    json.dump([rc, err], open(tmp, "w"))
    os.rename(tmp, cf)
    return rc, err


def compare_one(item, p):
    name, cwd, opts, script, args = item
    orc, oerr = oracle_run(cwd, opts, script, args, p)
    rc, err = run(OURS, cwd, opts, script, args, p,
                  {"SYSTEMTAP_DIR": os.path.join(tempfile.gettempdir(),
                                                 "stap-oracle-ours")})
    return name, summarize(orc, oerr), summarize(rc, err)


def describe(s):
    acc, kind, msg, loc = s
    if acc:
        return "accepts"
    return "%s%s: %s" % (kind, " at " + loc if loc else "", msg[:110])


def tapset_check():
    """Parse every tapset file alone, as a library file (-p1 with the
    file's directory as the only extra tapset dir is too coarse: use
    --tapset-file when we have it, else SYSTEMTAP_TAPSET=dir)."""
    results = {}
    for label, root in (("ours", os.path.join(TOP, "tapset")),
                        ("oracle's", ORACLE_TAPSET)):
        if not os.path.isdir(root):
            continue
        # the directories SystemTap reads for x86_64 and the kernel runtime
        files = []
        for sub in ("", "x86_64", "linux", "linux/x86_64"):
            for suf in ("*.stpm", "*.stp"):
                files += sorted(glob.glob(os.path.join(root, sub, suf)))
        bad = []
        env = dict(os.environ, SYSTEMTAP_TAPSET=root)
        for f in files:
            r = subprocess.run([os.path.join(TOP, "stap", "stap"),
                                "--parse-library", f],
                               stdout=subprocess.DEVNULL, env=env,
                               stderr=subprocess.PIPE, timeout=60)
            if r.returncode != 0:
                first = [l for l in r.stderr.decode(errors="replace").split("\n")
                         if l.strip()]
                where = ""
                for l in first:
                    lm = LOC.match(l)
                    if lm:
                        where = "%s:%s:%s" % (os.path.relpath(lm.group(1), root),
                                              lm.group(2), lm.group(3))
                        break
                bad.append((os.path.relpath(f, root),
                            (first[0] if first else "rc=%d" % r.returncode),
                            where))
        results[label] = (len(files), bad)
    return results


def main():
    passes = [1, 2]
    only = None
    tapsets = True
    jobs = 1
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "--passes":
            passes = [int(x) for x in argv.pop(0).split(",")]
        elif a == "--only":
            only = argv.pop(0)
        elif a == "--no-tapsets":
            tapsets = False
        elif a == "--no-corpus":
            passes = []
        elif a == "--jobs":
            jobs = int(argv.pop(0))
        else:
            print(__doc__)
            return 2
    if not os.access(ORACLE, os.X_OK):
        print("oracle: %s not found, skipped" % ORACLE)
        return 0
    items = [c for c in corpus() if not only or only in c[0]]
    for p in passes:
        agree = 0
        same_accept = 0
        ours_ok = oracle_ok = 0
        diffs = []
        by_set = {}     # "ex" (Debian's examples), "t" (our tests): [n, oracle, ours]
        with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
            futs = [ex.submit(compare_one, it, p) for it in items]
            for fu in futs:
                name, o, u = fu.result()
                oracle_ok += o[0]
                ours_ok += u[0]
                c = by_set.setdefault(name.split(":")[0], [0, 0, 0])
                c[0] += 1
                c[1] += o[0]
                c[2] += u[0]
                if o[0] == u[0]:
                    same_accept += 1
                if o[0] and u[0] or (not o[0] and not u[0] and o[1] == u[1]
                                      and o[3] == u[3]):
                    agree += 1
                else:
                    diffs.append((name, o, u))
        n = len(items)
        print("== pass %d: %d scripts; oracle accepts %d, ours %d" %
              (p, n, oracle_ok, ours_ok))
        for name, o, u in diffs:
            print("DIFF -p%d %s\n   oracle: %s\n   ours:   %s" %
                  (p, name, describe(o), describe(u)))
        print("pass %d: same accept/reject %d/%d (%.1f%%); full agreement "
              "(kind and location too) %d/%d (%.1f%%)" %
              (p, same_accept, n, 100.0 * same_accept / max(n, 1), agree, n,
               100.0 * agree / max(n, 1)))
        for k, (m, oo, uu) in sorted(by_set.items()):
            print("pass %d, %s: %d scripts; oracle accepts %d, ours %d" %
                  (p, k, m, oo, uu))
    if tapsets:
        for label, (n, bad) in tapset_check().items():
            print("== %s tapset: %d files, %d parse as library files" %
                  (label, n, n - len(bad)))
            for f, msg, where in bad:
                print("TAPSET-FAIL %s %s: %s" % (f, where, msg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
