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
"$out/test_runtime" | tee "$out/unit.log" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
line=$(tail -n 1 "$out/unit.log")
p=${line%% passed*}
f=$(echo "$line" | sed -n 's/.* passed, \([0-9]*\) failed.*/\1/p')
case "$p" in ''|*[!0-9]*) p=0; f=1 ;; esac
# the generated C and the runtime build warning-free with kbuild
if [ -z "${STP_SKIP_KBUILD:-}" ]; then
	"$here/kbuild.sh" >"$out/kbuild.log" 2>&1
	grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$out/kbuild.log"
	kline=$(tail -n 1 "$out/kbuild.log")
	kp=${kline%% passed*}
	kf=$(echo "$kline" | sed -n 's/.* passed, \([0-9]*\) failed.*/\1/p')
	case "$kp" in ''|*[!0-9]*) kp=0; kf=1 ;; esac
	p=$((p + kp))
	f=$((f + kf))
fi
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
