# -p4 --disable-cache: the module is built outside the cache and lands in
# the current directory (SystemTap's behaviour); the cache stays empty;
# the per-kernel caches (symbols, BTF) are still used
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
export SYSTEMTAP_DIR=$d/sd
cd "$d" || exit 1
ko=$("$STAP" -r "$KVER" -p4 --disable-cache -e 'probe begin { println("x") }')
echo "rc=$?"
case "$ko" in
"$d"/stap_*.ko) echo "printed the module in the current directory" ;;
*) echo "printed '$ko'" ;;
esac
test -s "$ko" && echo "and it is there"
ls "$d"/sd/cache/??/ 2>/dev/null | grep -c . || true
