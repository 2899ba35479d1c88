# $SYSTEMTAP_DIR/rc: options read before the command line's, words split
# as the shell splits them (quotes kept together, no command substitution)
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
export SYSTEMTAP_DIR=$d
echo "== -p1 from rc"
printf -- '-p1\n' >"$d/rc"
"$STAP" -e 'probe begin { print($#) }' 2>&1; echo "rc=$?"
echo "== the command line comes after rc"
"$STAP" -p2 -e 'probe begin { print($#) }' 2>&1; echo "rc=$?"
echo "== quoted words"
printf -- '-p1 "a b" c\n' >"$d/rc"
"$STAP" -e 'probe begin { printf("%d %s\n", $#, @1) }' 2>&1; echo "rc=$?"
echo "== no commands"
printf -- '-p1 `ls`\n' >"$d/rc"
"$STAP" -e 'probe begin { print($#) }' 2>&1 | sed "s|$d|DIR|"; echo "rc=${PIPESTATUS[0]}"
