# stap-prep -n for a kernel whose debuginfo apt knows but is not installed
# (the cloud flavour of KVER's ABI): its sizes, the BTF note, and the
# apt-get command with --dbg and without
set -u
k=${KVER%-amd64}-cloud-amd64
"$TOP/scripts/stap-prep" -n --no-check -r "$k" 2>&1 | sed "s|$k|CLOUD|g"
echo "== --dbg"
"$TOP/scripts/stap-prep" -n --no-check --dbg "$k" 2>&1 | sed "s|$k|CLOUD|g" | grep 'would run'
