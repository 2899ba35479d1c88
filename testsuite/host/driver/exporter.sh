# stap-exporter's HTTP side on this machine (no module loads here): the
# index, 404, 405, HEAD, a script whose stap fails (500 with its status),
# bad options.  The VM test staprun/exporter serves real metrics.
set -u
d=$(mktemp -d)
exporter=$TOP/staprun/stap-exporter
mkdir "$d/scripts" "$d/bin"
echo 'probe prometheus { $value .= "x 1\n" }' >"$d/scripts/fails.stp"
echo 'probe begin { }' >"$d/scripts/.hidden.stp"
printf '#!/bin/sh\necho "stap $*" >>%s/log; exit 3\n' "$d" >"$d/bin/stap"
chmod +x "$d/bin/stap"
port=$((20000 + $$ % 20000))
PATH=$d/bin:$PATH "$exporter" -p $port -s "$d/scripts" 2>"$d/err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$d"' EXIT
req() {	# req METHOD PATH: the answer's status line and body
	local i
	for i in $(seq 50); do
		{ exec 3<>/dev/tcp/127.0.0.1/$port; } 2>/dev/null && break
		sleep 0.1
	done
	printf '%s %s HTTP/1.0\r\nHost: x\r\n\r\n' "$1" "$2" >&3
	tr -d '\r' <&3 | sed -n '1p; /^$/,$ { /^$/d; p }'
	exec 3<&-
}
echo "== GET /"
req GET /
echo "== GET /fails.stp"
req GET /fails.stp
sed "s|$d|D|g" "$d/log"
echo "== not scripts"
req GET /nosuch.stp | sed "s|$d|D|g"
req GET /.hidden.stp | sed "s|$d|D|g"
req GET /../fails.stp | sed "s|$d|D|g"
echo "== HEAD, POST"
req HEAD /
req POST /fails.stp
echo "== SIGINT"
kill -INT $pid; wait $pid; echo "status=$?"
cat "$d/err"
echo "== options"
"$exporter" -p 0 2>&1; echo "status=$?"
"$exporter" -k x 2>&1; echo "status=$?"
"$exporter" extra 2>&1 | head -n 2; echo "status=${PIPESTATUS[0]}"
"$exporter" -h | head -n 1
