# An output flood (upstream's dumpalot, harder): 100000 lines of 300
# bytes from one handler overflow the transport (-s 1: 1 MiB a CPU).
# Every line that arrives is whole, the lost ones are counted in the
# transport-failure warning, received + lost = printed, and the end
# probe's line gets through after exit() (stapio drains first).
set -u
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -s 1 \
	-DSTP_NO_OVERLOAD -DMAXACTION=1000000 -e '
global n
probe begin {
	for (i = 0; i < 100000; i++) {
		k = n++
		printf("%08d %s %s\n", k, sprintf("%0145d", k), sprintf("%0145d", k))
	}
	exit()
}
probe end { printf("printed %d\n", n) }' >"$out/o" 2>"$out/e"
echo "rc=$?"
sed -E 's/[0-9]+ transport failures \([0-9]+ lines/N transport failures (N lines/' "$out/e"
lost=$(sed -nE 's/.*transport failures \(([0-9]+) lines.*/\1/p' "$out/e")
awk -v lost="${lost:-0}" '
	/^printed / { printed = $2; next }
	length($0) != 300 || $2 != sprintf("%0145d", $1 + 0) || $3 != $2 { cut++; next }
	{ got++ }
	END {
		printf("printed %d, cut or merged %d\n", printed, cut + 0)
		if (got + lost == printed && lost > 0)
			print "whole lines received + lost = printed"
		else
			printf("MISMATCH: received %d + lost %d\n", got, lost)
	}' "$out/o"
