# kernel.data: hardware watchpoints (debug registers).  vm_dirty_ratio
# by symbol (.write, and .rw for cat's read), dirty_background_ratio by
# address with a length (from the VM's /proc/kallsyms, given as $1 as
# hw_watch_sym.stp does): the writes of "echo N > /proc/sys/vm/..." seen
# in the function that made them; a symbol that is not there is skipped
# with SystemTap's warning; a fifth watchpoint finds no debug register
# free (x86 has four) and fails to register while the others run.  (Two
# watchpoints on one address would both fire on a real CPU; qemu's TCG
# reports only the first, so they watch different variables here.)
set -u
vm() { "$STAPVM" exec "$@"; }
ksym() { printf '0x%s' "$(vm "grep ' $1\$' /proc/kallsyms" | awk '{print $1}')"; }
bg=$(ksym dirty_background_ratio)
script='global w, r, f
probe kernel.data("vm_dirty_ratio").write { if (execname() == "sh") w["symbol"]++ }
probe kernel.data($1).length(4).write {
	if (execname() == "sh") {
		w["address"]++
		f[symname(addr()), sprint_backtrace() =~ "proc_dointvec" ? "from proc_dointvec" : "?"]++
	}
}
probe kernel.data("vm_dirty_ratio").rw { r[execname()]++ }
probe kernel.data("no_such_sym").write { println("never") }
probe end {
	printf("writes by symbol %d, by address %d\n", w["symbol"], w["address"])
	foreach ([fn, bt] in f) printf("in %s %s\n", fn, bt)
	printf("rw: cat %s, sh %s\n", r["cat"] ? "read" : "-", r["sh"] >= 2 ? "wrote" : "-")
}'
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -e "$script" "$bg" \
	-c 'sh -c "echo 21 >/proc/sys/vm/dirty_ratio; cat /proc/sys/vm/dirty_ratio; echo 20 >/proc/sys/vm/dirty_ratio; echo 11 >/proc/sys/vm/dirty_background_ratio; echo 10 >/proc/sys/vm/dirty_background_ratio"' 2>&1
echo "rc=$?"
echo "== five"
five=
for s in vm_dirty_ratio dirty_background_ratio vm_dirty_bytes dirty_background_bytes dirty_writeback_interval; do
	five="$five
probe kernel.data($(ksym $s)).length(4).write { n[\"$s\"]++ }"
done
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -e "global n
$five
probe end { foreach (s+ in n) printf(\"%s %d\n\", s, n[s]) }" \
	-c 'sh -c "echo 21 >/proc/sys/vm/dirty_ratio; echo 20 >/proc/sys/vm/dirty_ratio"' 2>&1 |
	sed -E "s/0x[0-9a-f]{16}/ADDR/g"
echo "rc=$?"
