# a known kernel release without its build tree is one clear line at
# pass 4 (here: -r DIR, a tree that names its release but has no Makefile)
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/include/config"
echo 0.0.0-no-such-kernel >"$d/include/config/kernel.release"
"$STAP" -r "$d" -p4 -e 'probe begin { exit() }' 2>&1 | sed "s|$d|DIR|g"
echo "rc=${PIPESTATUS[0]}"
