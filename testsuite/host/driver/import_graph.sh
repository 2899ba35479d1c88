# The translator's import graph (from the symbols of stap/*.o): nothing
# calls back into the driver (main.c), and pass 1 calls nothing of the
# later passes.
set -u
cd "$TOP/stap" || exit 1
defs() { nm --defined-only -g "$1.o" | awk '{print $3}' | sort; }
uses() { nm -u "$1.o" | awk '{print $2}' | sort; }
pass1="tokenize parse library unparse"
later="elaborate resolve bind list optimize type tvar tvgen translate build run remote probe_be probe_kprobe probe_perf probe_timer probe_trace"
bad=0
for o in *.o; do
	f=${o%.o}
	[ "$f" = main ] && continue
	calls=$(comm -12 <(uses "$f") <(defs main))
	[ -n "$calls" ] && { echo "$f.c calls main.c: $calls"; bad=1; }
done
for f in $pass1; do
	for g in $later; do
		calls=$(comm -12 <(uses "$f") <(defs "$g"))
		[ -n "$calls" ] && { echo "pass 1 $f.c calls $g.c: $calls"; bad=1; }
	done
done
echo "main.c called by none, pass 1 calling no later pass: $([ $bad = 0 ] && echo yes || echo no)"
