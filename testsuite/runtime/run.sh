#!/bin/sh
# Build and run the user-space tests of the runtime's data structures
# under ASan and UBSan.  The last line printed is "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${TMPDIR:-/tmp}/stp-runtime-tests.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
CC=${CC:-gcc}
flags="-std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-function -Werror
	-fsanitize=address,undefined -fno-sanitize-recover=all
	-I$here -I$top/runtime"
if ! $CC $flags -o "$out/test_runtime" "$here/test_runtime.c" 2>"$out/cc.log"; then
	cat "$out/cc.log"
	echo "0 passed, 1 failed"
	exit 1
fi
"$out/test_runtime"
