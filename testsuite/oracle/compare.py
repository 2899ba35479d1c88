#!/usr/bin/env python3
"""testsuite/oracle/compare.py - compare our stap with SystemTap's (the oracle)
at -p1 and -p2 over a corpus: Debian's example scripts (with the options
and arguments of their .meta test_check lines), our own tests, and the
scripts of testsuite/oracle/ko/ (parse/ and sem/: small scripts, each
for one rule of the language, most of which SystemTap rejects; each runs
only at the pass of its "#! stap -pN" line).

For each script and pass it records accept/reject, the first error's kind
("parse error", "semantic error", ...) and its location (file:line:col of
the first "at:"/"saw:" line, or the message's own "at F:L:C"), and counts an agreement when both accept, or
both reject with the same kind at the same place.  Every disagreement is
printed.  The oracle's results are cached (they take seconds each).

Also parses every tapset file as a library file, ours and the oracle's.

For the ko/ scripts it also compares the first error's message, and
prints the figures per directory (--ko: those scripts only; --messages:
list the ones that differ only in the message too).

Usage: compare.py [--passes 1,2] [--only SUBSTR] [--no-tapsets] [--jobs N]
                  [--ko] [--messages]
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


def stap_line_options(path):
    """The options of a test's "#! stap" first line (minus -p, -v, -k and
    long options), and the pass it names (None without -pN); None when
    the first line is not one."""
    first = open(path, errors="replace").readline()
    if not first.startswith("#! stap"):
        return None
    words = shlex.split(first[2:])[1:]
    opts = []
    npass = None
    i = 0
    while i < len(words):
        w = words[i]
        if re.match(r"-p\d", w):
            npass = int(w[2])
        elif w in ("-v", "-k") or w.startswith("--"):
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
    return opts, npass


def script_args(path):
    argf = path[:-4] + ".args"
    if os.path.exists(argf):
        try:
            return shlex.split(open(argf).read())
        except ValueError:
            pass
    return []


KO = os.path.join(TOP, "testsuite", "oracle", "ko")


def ko_corpus():
    """Yield (name, cwd, options, script, args, pass) for testsuite/oracle/ko."""
    for path in sorted(glob.glob(os.path.join(KO, "*", "*.stp"))):
        o = stap_line_options(path)
        if o is None:
            continue
        yield ("ko:" + os.path.relpath(path, KO), os.path.dirname(path), o[0],
               os.path.basename(path), script_args(path), o[1])


def split_flags(w):
    """Combined short options as stap takes them: "-gp4" is -g -p4."""
    m = re.fullmatch(r"-([guwkv]+)(p\d)?", w)
    if not m or (len(m.group(1)) == 1 and not m.group(2)):
        return [w]
    return ["-" + c for c in m.group(1)] + (["-" + m.group(2)] if m.group(2) else [])


def corpus():
    """Yield (name, cwd, options, script, args, None)."""
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
                words = [x for w in words for x in split_flags(w)]
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
                yield name, d, opts, script, args, None
        for path in sorted(glob.glob(os.path.join(root, "**", "*.stp"),
                                     recursive=True)):
            if path not in seen:
                seen.add(path)
                yield ("ex:" + os.path.relpath(path, root),
                       os.path.dirname(path), [], os.path.basename(path), [],
                       None)
    # our own tests: the options of their "#! stap" line, minus the pass
    for path in sorted(glob.glob(os.path.join(TOP, "testsuite", "host", "*",
                                              "*.stp")) +
                       glob.glob(os.path.join(TOP, "testsuite", "vm", "*",
                                              "*.stp"))):
        o = stap_line_options(path)
        if o is None:
            continue
        opts, args = o[0], script_args(path)
        yield ("t:" + os.path.relpath(path, os.path.join(TOP, "testsuite")),
               os.path.dirname(path), opts, os.path.basename(path), args, None)


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
            else:
                # a semantic error names its place in the message
                mm = re.search(r" at [^ ]*:(\d+):(\d+)$", m.group(2))
                if mm:
                    loc = ":%s:%s" % mm.groups()
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


def run(stap, cwd, opts, script, args, p, extra_env=None, timeout=300):
    cmd = [stap, "-r", KVER, "-p%d" % p] + opts + [script] + args
    env = dict(os.environ)
    if extra_env:
        env.update(extra_env)
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout, env=env)
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
    # 4.8 loops on some of ko/ (10,000 nested parentheses)
    rc, err = run(ORACLE, cwd, opts, script, args, p, timeout=60)
    os.makedirs(CACHE, exist_ok=True)
    tmp = cf + ".tmp%d" % os.getpid()
    json.dump([rc, err], open(tmp, "w"))
    os.rename(tmp, cf)
    return rc, err


def compare_one(item, p):
    name, cwd, opts, script, args, _ = item
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
    ko_only = messages = False
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
        elif a == "--ko":
            ko_only, tapsets = True, False
        elif a == "--messages":
            messages = True
        else:
            print(__doc__)
            return 2
    if not os.access(ORACLE, os.X_OK):
        print("oracle: %s not found, skipped" % ORACLE)
        return 0
    items = [] if ko_only else list(corpus())
    items = [c for c in items + list(ko_corpus()) if not only or only in c[0]]
    for p in passes:
        agree = 0
        same_accept = 0
        ours_ok = oracle_ok = 0
        diffs = []
        msgdiffs = []
        # "ex" (Debian's examples), "t" (our tests), "ko:parse", "ko:sem":
        # [n, oracle accepts, ours accepts, full agreement, same message]
        by_set = {}
        these = [it for it in items if it[5] in (None, p)]
        with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
            futs = [ex.submit(compare_one, it, p) for it in these]
            for fu in futs:
                name, o, u = fu.result()
                oracle_ok += o[0]
                ours_ok += u[0]
                key = name.split(":")[0]
                if key == "ko":
                    key = "ko:" + name[3:].split("/")[0]
                c = by_set.setdefault(key, [0, 0, 0, 0, 0])
                c[0] += 1
                c[1] += o[0]
                c[2] += u[0]
                if o[0] == u[0]:
                    same_accept += 1
                if o[0] and u[0] or (not o[0] and not u[0] and o[1] == u[1]
                                      and o[3] == u[3]):
                    agree += 1
                    c[3] += 1
                    if o[2] == u[2]:
                        c[4] += 1
                    elif key.startswith("ko"):
                        msgdiffs.append((name, o, u))
                else:
                    diffs.append((name, o, u))
        n = len(these)
        print("== pass %d: %d scripts; oracle accepts %d, ours %d" %
              (p, n, oracle_ok, ours_ok))
        for name, o, u in diffs:
            print("DIFF -p%d %s\n   oracle: %s\n   ours:   %s" %
                  (p, name, describe(o), describe(u)))
        print("pass %d: same accept/reject %d/%d (%.1f%%); full agreement "
              "(kind and location too) %d/%d (%.1f%%)" %
              (p, same_accept, n, 100.0 * same_accept / max(n, 1), agree, n,
               100.0 * agree / max(n, 1)))
        if messages:
            for name, o, u in msgdiffs:
                print("MESSAGE -p%d %s\n   oracle: %s\n   ours:   %s" %
                      (p, name, o[2], u[2]))
        for k, (m, oo, uu, ag, sm) in sorted(by_set.items()):
            print("pass %d, %s: %d scripts; oracle accepts %d, ours %d; "
                  "agree %d%s" % (p, k, m, oo, uu, ag,
                                  ", same message too %d" % sm
                                  if k.startswith("ko") else ""))
    if tapsets:
        for label, (n, bad) in tapset_check().items():
            print("== %s tapset: %d files, %d parse as library files" %
                  (label, n, n - len(bad)))
            for f, msg, where in bad:
                print("TAPSET-FAIL %s %s: %s" % (f, where, msg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
