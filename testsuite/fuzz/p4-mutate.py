#!/usr/bin/env python3
"""testsuite/fuzz/p4-mutate.py - the script fuzzer through passes 3 and 4.

Mutates the test suite's scripts a token at a time (literals, operators,
identifiers, whole lines), keeps the mutants pass 2 accepts, and builds
each with -p4: every script the front end accepts must compile, so a gcc
or kbuild error is a translator bug.  Each failing mutant is written to
OUT/fail-N.stp with its error in OUT/fail-N.log.  Not part of make check
(each build takes seconds); prints "N mutants, A accepted, B built, F
failed" at the end and exits 1 if any failed.

  testsuite/fuzz/p4-mutate.py [-n MUTANTS] [-s SEED] [-o OUT] [-r KVER]
"""
import argparse, glob, os, random, re, subprocess, sys, tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|0x[0-9a-fA-F]+|\d+|[A-Za-z_$@][A-Za-z0-9_$]*'
                   r'|<<<|<<=|>>=|[-+*/%&|^<>=!.]=|&&|\|\||<<|>>|\+\+|--|\S')
INTS = ["0", "1", "-1", "2", "63", "64", "-9223372036854775808",
        "9223372036854775807", "0x7fffffff", "1000"]
STRS = ['""', '"x"', '"%d"', '"a\\nb"', '"' + "z" * 600 + '"']
SWAPS = {"+": "-", "-": "*", "*": "/", "/": "%", "%": "+", "<": ">=",
         ">": "<=", "<=": ">", ">=": "<", "==": "!=", "!=": "==",
         "&&": "||", "||": "&&", "&": "|", "|": "^", "^": "&",
         "<<": ">>", ">>": "<<", "+=": "-=", "-=": "*=", "*=": "/=",
         "++": "--", "--": "++", ".": ".", "!": "~", "~": "!"}


def scripts():
    out = []
    for pat in ("testsuite/vm/lang/*.stp", "testsuite/vm/tapset/*.stp",
                "testsuite/vm/limits/*.stp", "testsuite/host/semantic/*.stp",
                "testsuite/host/translate/*.stp"):
        for p in sorted(glob.glob(os.path.join(TOP, pat))):
            text = open(p, errors="replace").read()
            first = text.split("\n", 1)[0]
            # no DWARF, no guru code, no kernel probes: passes 1-4 alone
            if "-g" in first.split() or "%{" in text or "kernel." in text \
                    or "module(" in text or "process" in text:
                continue
            out.append((p, text))
    return out


def mutate(text, rnd):
    lines = text.split("\n")
    body = [i for i, l in enumerate(lines) if l.strip() and not l.startswith("#")]
    if not body:
        return None
    how = rnd.randrange(6)
    if how == 0:                        # duplicate or drop a line
        i = rnd.choice(body)
        if rnd.random() < 0.5:
            lines.insert(i, lines[i])
        else:
            del lines[i]
        return "\n".join(lines)
    toks = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]
    cands = []
    for k, (s, e, t) in enumerate(toks):
        if how == 1 and re.fullmatch(r"\d+|0x[0-9a-fA-F]+", t):
            cands.append((s, e, rnd.choice(INTS)))
        elif how == 2 and t.startswith('"'):
            cands.append((s, e, rnd.choice(STRS)))
        elif how == 3 and t in SWAPS:
            cands.append((s, e, SWAPS[t]))
        elif how == 4 and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t):
            cands.append((s, e, None))
        elif how == 5 and t in ("(", "{") and k + 1 < len(toks):
            cands.append((s, e, None))
    if not cands:
        return None
    s, e, new = rnd.choice(cands)
    if how == 4:                        # another identifier of the script
        idents = sorted({t for _, _, t in toks
                         if re.fullmatch(r"[a-z_][a-z0-9_]*", t)})
        new = rnd.choice(idents)
    elif how == 5:                      # an expression in parentheses
        new = text[s:e]
        j = text.find(";", e)
        if j < 0:
            return None
        return text[:e] + "(" + text[e:j] + ")" + text[j:]
    return text[:s] + new + text[e:]


def run(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True,
                          errors="replace", timeout=600)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=60, help="mutants to build")
    ap.add_argument("-s", type=int, default=1, help="random seed")
    ap.add_argument("-o", default="/tmp/p4-mutate", help="output directory")
    ap.add_argument("-r", default=None, help="kernel release")
    a = ap.parse_args()
    rnd = random.Random(a.s)
    stap = os.path.join(TOP, "run-stap")
    kver = a.r or subprocess.run([os.path.join(TOP, "scripts/fetch-kernel"),
                                  "--print-kver"], capture_output=True,
                                 text=True).stdout.strip()
    os.makedirs(a.o, exist_ok=True)
    base = scripts()
    tried = accepted = built = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        while built < a.n and tried < a.n * 40:
            path, text = rnd.choice(base)
            m = mutate(text, rnd)
            if not m or m == text:
                continue
            tried += 1
            f = os.path.join(tmp, "m.stp")
            open(f, "w").write(m)
            opts = ["-r", kver, "--disable-cache", "-w"]
            if run([stap] + opts + ["-p2", f], tmp).returncode:
                continue
            accepted += 1
            r = run([stap] + opts + ["-p4", f], tmp)
            if r.returncode and "Pass 4: compilation failed" not in r.stderr:
                continue                # a pass-3 error: rejected, not a bug
            built += 1
            if r.returncode:
                failed += 1
                out = os.path.join(a.o, "fail-%d" % failed)
                open(out + ".stp", "w").write(m)
                open(out + ".log", "w").write("from %s\n%s" % (path, r.stderr))
                print("FAIL %s.stp (from %s)" % (out, os.path.relpath(path, TOP)),
                      flush=True)
    print("%d mutants, %d accepted, %d built, %d failed" %
          (tried, accepted, built, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
