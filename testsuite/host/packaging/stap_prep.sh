# stap-prep -n: what it would install (apt-get) and check for a kernel
# release, changing nothing; then a real run for KVER (all installed here:
# nothing to install, the test build passes)
set -u
export STAP
echo "== a release apt does not know"
out=$("$TOP/scripts/stap-prep" -n -r 0.0.0-0-amd64 2>&1)
echo "rc=$?"
printf '%s\n' "$out" | sed "s|$STAP|STAP|"
echo "== KVER, dry run"
"$TOP/scripts/stap-prep" -n --no-dbg "$KVER" 2>&1 | sed "s|$KVER|KVER|g; s|$STAP|STAP|"
echo "== KVER"
"$TOP/scripts/stap-prep" --no-dbg -r "$KVER" 2>&1 | sed "s|$KVER|KVER|g; s|$STAP|STAP|"
echo "== bad option"
"$TOP/scripts/stap-prep" --frobnicate 2>&1
echo "rc=$?"
