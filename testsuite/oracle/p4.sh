#!/bin/sh
# testsuite/oracle/p4.sh - build at -p4 every script of the corpus (Debian's
# systemtap-doc examples and our tests, see compare.py) that our stap
# accepts at -p2, against the installed headers of the test kernel, and print
# the built/accepted counts and each failure (a build error or a gcc
# warning) with its first message.  Not part of make check: a first run
# takes minutes (results are cached by the generated C in
# ~/.cache/stap-p4corpus).  Options: --only SUBSTR, --jobs N (default 1;
# this machine's 2 cores are shared).
top=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$top/stap/stap" ] || { echo "p4: build first (make)" >&2; exit 1; }
exec python3 "$top/testsuite/oracle/p4.py" "$@"
