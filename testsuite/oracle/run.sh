#!/bin/sh
# testsuite/oracle/run.sh - compare our stap with SystemTap 4.8 (the
# oracle, /usr/bin/stap) at -p1 and -p2 over Debian's example scripts and
# our tests, and parse every tapset file (ours and Debian's) as a library
# file.  Prints the agreement rates and every disagreement.  Not part of
# make check: it needs the oracle (skips cleanly without it), and the
# oracle's first run takes long (its results are cached in
# ~/.cache/stap-oracle).  Options: see compare.py (--passes 1, --only SUBSTR,
# --no-tapsets, --no-corpus, --jobs N).
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -x "${ORACLE:-/usr/bin/stap}" ]; then
	echo "oracle: ${ORACLE:-/usr/bin/stap} not found, skipped"
	exit 0
fi
[ -x "$top/stap/stap" ] || { echo "oracle: build first (make)" >&2; exit 1; }
exec python3 "$top/testsuite/oracle/compare.py" "$@"
