# -t (and -DSTP_TIMING, which is the same) defines STP_TIMING and gives
# each probe's table entry the location and derivation of the report, as
# SystemTap 4.8 words them (compared with its -p3 -t); -t changes the C,
# so the module's cache key (-p4 prints a module of another name).
# -DSTP_TIMING_NSECS alone is no -t.
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
export SYSTEMTAP_DIR=$d/sd
s='global g; probe begin, end { g++ } probe init { g++ } probe timer.s(1) { g = 0 }'
p3() { "$STAP" -r "$KVER" -p3 "$@" -e "$s" |
	grep -E '^#define STP_(TIMING|NPROBES)|\.location =|lstats\)|"__global' | sed 's/^[ \t]*//'; }
echo "-t:"; p3 -t
echo "-DSTP_TIMING:"; p3 -DSTP_TIMING | head -2
echo "-DSTP_TIMING_NSECS:"; p3 -DSTP_TIMING_NSECS
"$STAP" -r "$KVER" -p2 -t -e "$s" >/dev/null && echo "-p2 -t: ok"
a=$("$STAP" -r "$KVER" -p4 -e "$s")
b=$("$STAP" -r "$KVER" -p4 -t -e "$s")
c=$("$STAP" -r "$KVER" -p4 -t -e "$s")
[ -n "$a" ] && [ "$a" != "$b" ] && echo "-t: another module"
[ "$b" = "$c" ] && echo "-t again: the cached one"
