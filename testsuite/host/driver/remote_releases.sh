# --remote targets of two kernel releases (two fake ssh targets greet
# with two releases whose headers are installed here): passes 1-4 run once
# per release (the third target shares the second's), each target gets
# the module built for its kernel, and the lines come back prefixed.
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
set -- $(ls -d /lib/modules/*/build/Makefile | sed 's|/lib/modules/||; s|/build/Makefile||' | sort -V | tail -n 2)
cat >"$d/ssh" <<X
#!/bin/bash
host=\${@: -2:1}
case \$host in
old) rel=$1 ;;
*) rel=$2 ;;
esac
X
cat >>"$d/ssh" <<'X'
read -r _ _ tok
echo "stapsh 2 x86_64 $rel $tok"
n=0
while read -r cmd a b rest; do
	n=$((n + 1))
	case $cmd in
	file) head -c "$a" >"$(dirname "$0")/$host.ko"; echo "OK $n" ;;
	run) echo "OK $n"
	     msg="$host: $(modinfo -F vermagic "$(dirname "$0")/$host.ko" | cut -d' ' -f1)"
	     echo "out $(( ${#msg} + 1 ))"; echo "$msg"; echo "exit $n 0" ;;
	quit) echo "OK $n"; exit 0 ;;
	*) echo "OK $n" ;;
	esac
done
X
chmod +x "$d/ssh"
export STAP_SSH=$d/ssh
"$STAP" -v --disable-cache --remote-prefix --remote old --remote new \
	--remote new2 -e 'probe begin { exit() }' >"$d/out" 2>"$d/err"
echo "rc=$?"
sed -e "s/ $1\$/ OLD/" -e "s/ $2\$/ NEW/" "$d/out" | LC_ALL=C sort
echo "Pass 4 lines: $(grep -c '^Pass 4:' "$d/err")"
grep -v '^Pass' "$d/err"
exit 0
