# --remote over ssh without a network: $STAP_SSH names a fake ssh that
# logs its arguments and, by host, fails as ssh does (255), finds no
# stapsh (127), or plays a stapsh that greets with this machine's kernel
# (or another machine kind) and says OK to the rest.  Bad URLs are one
# line each before anything runs; the targets are asked their kernel
# before pass 1, an unreachable one is said and left out, and the exit
# status is 1 when one was; all unreachable ends stap there.
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cat >"$d/ssh" <<'X'
#!/bin/bash
host=${@: -2:1}
echo "ssh $*" >>"$STAP_TEST_LOG"
case $host in
down) echo "ssh: connect to host down port 22: Connection refused" >&2; exit 255 ;;
nostapsh) echo "sh: 1: stapsh: not found" >&2; exit 127 ;;
arm) mach=aarch64 ;;
*) mach=x86_64 ;;
esac
read -r _ _ tok
echo "stapsh 2 $mach $(uname -r) $tok"
n=0
while read -r line; do
	n=$((n + 1))
	echo "OK $n"
	[ "$line" = quit ] && exit 0
done
X
chmod +x "$d/ssh"
export STAP_SSH=$d/ssh STAP_TEST_LOG=$d/log STAP_SSH_OPTS="-F $d/config -o Foo=bar"
script='probe begin { exit() }'

echo "== URLs"
for u in foo://h h:x ssh:// ssh://h:0 ssh://h:65536 ssh://h/path ssh://@h \
	 '-oProxyCommand=x' 'a@-b' 'unix:' 'ssh://[::1'; do
	"$STAP" -p1 --remote "$u" -e "$script" 2>&1; echo "rc=$?"
done
echo "== ssh fails, or finds no stapsh"
"$STAP" -p1 --remote down -e "$script" 2>&1; echo "rc=$?"
"$STAP" -p1 --remote ssh://nostapsh -e "$script" 2>&1; echo "rc=$?"
echo "== one answers"
"$STAP" -p1 --remote ssh://me@h1:2222/ -e "$script" 2>&1; echo "rc=$?"
echo "== three targets, two left out"
"$STAP" -p1 --remote down --remote root@h2 --remote 'ssh://[fe80::1]:22' \
	--remote arm -e "$script" 2>&1; echo "rc=$?"
echo "== the ssh commands (sorted: targets are asked at once)"
sed "s|$d|DIR|g" "$d/log" | LC_ALL=C sort
