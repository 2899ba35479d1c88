#!/bin/sh
# Translate testsuite/runtime/kbuild/*.stp and build them with kbuild for
# the VM's kernel, warnings as errors (also -Wdeclaration-after-statement):
# the generated C and the runtime must compile cleanly.  A first line
# "#! stap OPTIONS" adds translator options.  Needs the kernel
# headers; prints "N passed, N failed" last.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kver=${KVER:-$("$top/vm/stapvm" kver 2>/dev/null)}
kdir=/lib/modules/$kver/build
if [ ! -f "$kdir/Makefile" ]; then
	echo "kbuild.sh: no kernel build tree for $kver (skipped)"
	echo "0 passed, 0 failed"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
for f in "$here"/kbuild/*.stp; do
	n=$(basename "$f" .stp)
	mkdir "$work/$n"
	opts=$(sed -n '1s/^#! *stap //p' "$f")
	# shellcheck disable=SC2086
	if ! "$top/run-stap" -r "$kver" -p3 $opts "$f" >"$work/$n/$n.c" 2>"$work/$n/stap.log"; then
		echo "FAIL $n: translation"; cat "$work/$n/stap.log"
		failed=$((failed + 1)); continue
	fi
	printf 'obj-m := %s.o\nccflags-y := -I%s -Werror -Wdeclaration-after-statement\n' \
		"$n" "$top/runtime" >"$work/$n/Makefile"
	if make -s -C "$kdir" M="$work/$n" modules >"$work/$n/build.log" 2>&1 &&
	   [ -f "$work/$n/$n.ko" ]; then
		passed=$((passed + 1))
	else
		echo "FAIL $n: kbuild"; grep -v BTF "$work/$n/build.log" | head -20
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
