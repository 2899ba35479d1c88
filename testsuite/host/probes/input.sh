# input.char and input.line: the aliases' variables as SystemTap 4.8
# lists them (-L), and both on the one procfs file __stdin (-p2), which
# 4.8 allows for write probes (not for read probes)
set -u
echo "== -L"
"$STAP" -L 'input.*' 2>&1
echo "== -p2"
"$STAP" -p2 -e 'probe input.char { printf("%s", char) }
probe input.line { print(line) }
probe procfs("__stdin").write { print($value) }' 2>&1
echo "rc=$?"
