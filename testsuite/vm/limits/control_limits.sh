# upstream's control_limits, our own scripts: each limit just inside and
# just past its -D override, with the error 4.8 prints (compared with
# ../shared/oracle/stap48): MAXNESTING (function call depth), MAXMAPENTRIES
# (elements of an array), MAXSTRINGLEN (strings cut at N-1 bytes) and
# MAXACTION (statements of a handler: a timer's runs with
# MAXACTION_INTERRUPTIBLE, 10 x MAXACTION unless given)
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cat >"$d/nest.stp" <<'S'
function f(n) { if (n > 0) return f(n - 1) + 1; return 0 }
probe begin { println(f($1)); exit() }
S
cat >"$d/map.stp" <<'S'
global a
probe begin { for (i = 0; i < $1; i++) a[i] = i; println(a[$1 - 1]); exit() }
S
cat >"$d/str.stp" <<'S'
probe begin {
	s = "0123456789"; s .= s; s .= s; println(strlen(s), " ", s)
	t = sprintf("%s-%s", s, s); println(strlen(t), " ", t)
	exit()
}
S
cat >"$d/act.stp" <<'S'
global n
probe timer.ms(10) { for (i = 0; i < $1; i++) n++; println(n); exit() }
S
run() {
	echo "== $*"
	(cd "$d" && "$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" "$@" >"$d/out" 2>"$d/err")
	echo "rc=$?"
	cat "$d/err" "$d/out"
}
run -DMAXNESTING=5 nest.stp 4
run -DMAXNESTING=5 nest.stp 5
run -DMAXMAPENTRIES=10 map.stp 10
run -DMAXMAPENTRIES=10 map.stp 11
run -DMAXSTRINGLEN=20 str.stp
run -DMAXACTION=100 -DMAXACTION_INTERRUPTIBLE=100 act.stp 40
run -DMAXACTION=100 -DMAXACTION_INTERRUPTIBLE=100 act.stp 60
run -DMAXACTION=100 act.stp 400
run -DMAXACTION=100 act.stp 600
