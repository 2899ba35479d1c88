#!/bin/sh
# testsuite/man/run.sh - the manual pages.  Run by testsuite/run-tests
# with the host tests; the last line printed is "N passed, N failed".
#
#  - make install DESTDIR=... installs the pages in man1, man3, man7, man8
#    under the mandir given;
#  - every "[man PAGE]" that stap, staprun, the runtime or the tapsets can
#    print names an installed page (and the check finds a made-up one);
#  - every installed page formats without groff warnings, and man(1)
#    finds and renders the referenced ones and a sample of the others;
#  - every public tapset function and probe alias has its page, and the
#    doc comments are well formed (gen-tapset-man -s);
#  - the generator itself, on testsuite/man/fixture.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stp-man-tests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "PASS: $1"; }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1"
	if [ -n "${2:-}" ] && [ -s "$2" ]; then
		sed 's/^/    /' "$2" | head -n 30
	fi
}
check() {   # check NAME COMMAND...: pass when COMMAND succeeds
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$name"; else bad "$name" "$tmp/out"; fi
}

# The pages named by "[man PAGE]" in the files below DIR...
man_refs() {
	grep -rhoE '\[man [^] ]+\]' "$@" 2>/dev/null |
		sed 's/^\[man //; s/\]$//' | LC_ALL=C sort -u
}
# ... that MANDIR does not have (printed; status 1 if any)
missing_pages() {
	mandir=$1
	shift
	rc=0
	for p in $(man_refs "$@"); do
		if ! ls "$mandir"/man*/"$p".* >/dev/null 2>&1; then
			echo "[man $p] has no page in $mandir"
			rc=1
		fi
	done
	return $rc
}

export LC_ALL=C.UTF-8 MANWIDTH=80
unset MANOPT MANPAGER PAGER

# ---------------------------------------------------------------------
# install

root="$tmp/root"
mandir=/opt/stap-man-test/man
if make -s -C "$top" install DESTDIR="$root" prefix=/usr mandir="$mandir" \
		>"$tmp/install.log" 2>&1; then
	ok "make install DESTDIR prefix mandir"
else
	bad "make install DESTDIR prefix mandir" "$tmp/install.log"
fi
M="$root$mandir"
for p in man1/stap.1 man1/stap-merge.1 man8/staprun.8 \
	 man3/stapprobes.3stap man3/stapfuncs.3stap man3/stapvars.3stap \
	 man3/stapex.3stap man3/function::strlen.3stap \
	 man3/probe::syscall.read.3stap man3/tapset::string.3stap \
	 man7/error::pass1.7stap man7/warning::debuginfo.7stap; do
	check "installed $p" test -s "$M/$p"
done
# the error:: and warning:: pages SystemTap ships, in section 7stap
n7=$(ls "$M/man7" 2>/dev/null | grep -cE '^(error|warning)::.*\.7stap$')
check "15 error::/warning:: pages in man7 (found $n7)" test "$n7" -ge 15

# ---------------------------------------------------------------------
# references

srcs="$top/stap $top/staprun $top/runtime $top/tapset"
nrefs=$(man_refs $srcs | wc -l)
check "the sources cite pages ($nrefs)" test "$nrefs" -gt 0
check "every [man PAGE] of stap/ staprun/ runtime/ tapset/ is installed" \
	missing_pages "$M" $srcs
# the check must see a reference without a page
mkdir -p "$tmp/fake"
printf 'fprintf(stderr, "Pass 6: failed.  [man error::newthing]\\n");\n' \
	>"$tmp/fake/fake.c"
if missing_pages "$M" $srcs "$tmp/fake" >"$tmp/out" 2>&1; then
	bad "a made-up [man error::newthing] is reported" "$tmp/out"
elif grep -q 'error::newthing' "$tmp/out"; then
	ok "a made-up [man error::newthing] is reported"
else
	bad "a made-up [man error::newthing] is reported" "$tmp/out"
fi

# ---------------------------------------------------------------------
# rendering

: >"$tmp/groff.log"
npages=0
for f in "$M"/man*/*; do
	npages=$((npages + 1))
	groff -man -Tutf8 -ww -z "$f" 2>&1 | sed "s|^|$(basename "$f"): |" \
		>>"$tmp/groff.log"
done
if [ "$npages" -gt 200 ] && [ ! -s "$tmp/groff.log" ]; then
	ok "all $npages installed pages format without groff warnings"
else
	bad "all $npages installed pages format without groff warnings" "$tmp/groff.log"
fi

render() {   # render PAGE: man finds it, no warnings, its NAME line
	MANPATH="$M" man --warnings -P cat "$1" 2>"$tmp/page.err" |
		tr -s ' ' >"$tmp/page" || return 1
	if [ -s "$tmp/page.err" ]; then cat "$tmp/page.err"; return 1; fi
	grep -qF -- "$1 - " "$tmp/page" || grep -qF -- "$1 \\- " "$tmp/page" || {
		echo "no NAME line for $1:"; head -n 8 "$tmp/page"; return 1; }
}
if command -v man >/dev/null 2>&1; then
	for p in $(man_refs $srcs) stap staprun stapprobes stapfuncs stapvars \
		 stapex error::reporting function::strlen function::user_string \
		 probe::syscall.read probe::perf.sw.cpu_clock tapset::context \
		 macro::json_output_data_start; do
		check "man $p" render "$p"
	done
else
	bad "man(1) is missing (scripts/install-deps installs man-db)"
fi

# ---------------------------------------------------------------------
# coverage of the tapset library

stap=${STAP_BINARY:-$top/stap/stap}
export SYSTEMTAP_TAPSET="$top/tapset" SYSTEMTAP_RUNTIME="$top/runtime"
cover() {   # cover KIND DUMP-OPTION SED: every name listed has its page
	"$stap" "$2" >"$tmp/names" 2>&1 || { cat "$tmp/names"; return 1; }
	rc=0
	for n in $(sed "$3" "$tmp/names" | LC_ALL=C sort -u); do
		case "$n" in _*) continue ;; esac
		if [ ! -s "$M/man3/$1::$n.3stap" ]; then
			echo "$1 $n has no page: give it a /** doc comment (doc/man.md)"
			rc=1
		fi
	done
	return $rc
}
check "every public function has a function:: page" \
	cover function --dump-functions 's/:.*//'
check "every probe alias has a probe:: page" \
	cover probe --dump-probe-aliases 's/ =.*//'
check "the doc comments are well formed (gen-tapset-man -s)" \
	"$top/man/gen-tapset-man" -s "$top/tapset" "$tmp/strict"

# ---------------------------------------------------------------------
# the generator, on a small tapset

gen="$tmp/gen"
check "gen-tapset-man -s on the fixture" \
	"$top/man/gen-tapset-man" -s "$here/fixture" "$gen" \
	"$top/man/stapfuncs.3stap.in"
page() { MANPATH="$gen" man -P cat "$1" 2>&1 | tr -s ' \n' '  '; }
has() {     # has PAGE TEXT...: the rendered PAGE contains each TEXT
	p=$1
	shift
	page "$p" >"$tmp/has"
	for t in "$@"; do
		grep -qF -- "$t" "$tmp/has" || { echo "no '$t' in $p:"; cat "$tmp/has"; return 1; }
	done
}
check "fixture: a function's page" has function::demo_len \
	"function::demo_len - The length of a demo string" \
	"demo_len:long(s:string)" "described on two lines" "A second one" \
	'x = demo_len("a-b\n")' "RETURN VALUE" "Defined in demo.stp"
check "fixture: overloads share a page" has function::demo_pair \
	"demo_pair:long(a:long)" "demo_pair:long(a:long, b:long)" "the second"
check "fixture: a probe alias's page" has probe::syscall.demo \
	"VALUES" "the file descriptor" "CONTEXT" \
	'alias of kprobe.function("__x64_sys_demo")' "tapset::syscalls(3stap)"
check "fixture: a macro's page" has macro::demo_macro "@demo_macro(x)"
check "fixture: the group page" has tapset::demo \
	"function::demo_len(3stap)" "macro::demo_macro(3stap)"
check "fixture: the index filled in" has stapfuncs \
	"function::demo_pair(3stap)" "2 functions, 1 probe aliases and 1 macros"
check "fixture: no page for internal or undocumented functions" \
	sh -c "! ls '$gen/man3' | grep -E 'internal|undocumented|plain'"
if "$top/man/gen-tapset-man" -s "$here/badfixture" "$tmp/bad" >"$tmp/out" 2>&1; then
	bad "a doc comment naming another function is an error (-s)" "$tmp/out"
elif grep -q 'bad.stp:4: the doc comment names function bad_name but other_name follows' "$tmp/out"; then
	ok "a doc comment naming another function is an error (-s)"
else
	bad "a doc comment naming another function is an error (-s)" "$tmp/out"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
