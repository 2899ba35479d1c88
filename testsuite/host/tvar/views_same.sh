# $variables and -L read the probed function's DWARF unit through a view
# of the vmlinux (dwarf.c, "Reading one unit"): the C they give, and the
# listings, are the same as through libdw's own handle
# (STAP_DW_NO_VIEWS=1): parameters, locals, members, arrays, @cast,
# .return with @entry, pretty printing, many probes over many units,
# inlined instances, statements, a module, @var, autocast.  ("views
# no": a module's DWARF is read through libdwfl, @var through libdw's
# handle; without the function index cached, the run that builds it has
# read every unit already.)
set -u
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$STAP" -r "$KVER" -p2 -e 'probe kernel.function("vfs_read") {}' >/dev/null 2>&1
same() {        # same NAME STAP-ARGS...
	local name=$1; shift
	"$STAP" -r "$KVER" -w -vvv "$@" >"$out/a" 2>"$out/a.err"
	local rc=$?
	STAP_DW_NO_VIEWS=1 "$STAP" -r "$KVER" -w "$@" >"$out/b" 2>"$out/b.err"
	local views=no
	grep -q "through a view" "$out/a.err" && views=yes
	if cmp -s "$out/a" "$out/b" && [ -s "$out/a" ]; then
		echo "$name: same, rc=$rc, views $views"
	else
		echo "$name: DIFFERENT, rc=$rc, views $views"
		diff "$out/b" "$out/a" | head -20
	fi
}
p3() {
	local name=$1; shift
	same "$name" -p3 -e "$1"
}
p3 params 'probe kernel.function("vfs_read") { printf("%p %p %d %p\n", $file, $buf, $count, $pos) }'
p3 locals 'probe kernel.function("do_sys_openat2") { println($$locals) }'
p3 members 'probe kernel.function("vfs_read") { printf("%s %x %d\n", kernel_string($file->f_path->dentry->d_name->name), $file->f_flags, $file->f_pos) }'
p3 arrays 'probe kernel.function("vfs_read") { printf("%d %s\n", $file->f_path->dentry->d_iname[1], kernel_string($file->f_path->dentry->d_iname)) }'
p3 cast 'probe kernel.function("vfs_read") { println(@cast($file, "struct file")->f_mode) println(@cast(task_current(), "struct task_struct", "kernel")->pid) }'
p3 return 'probe kernel.function("vfs_read").return { printf("%d %d %d %p\n", $return, @entry($count), $count, @entry($file->f_path->dentry)) }'
p3 pretty 'probe kernel.function("vfs_read") { println($$parms$) println($$parms$$) println($file$) }'
p3 many 'probe kernel.function("vfs_*") { println($$parms) }'
p3 many_return 'probe kernel.function("vfs_w*").return { println($$return, $$parms) }'
p3 inline 'probe kernel.function("rw_verify_area").inline { println($$parms) }'
p3 statement 'probe kernel.statement("vfs_read@fs/read_write.c:*") { println($$vars) }'
p3 module 'probe module("virtio_ring").function("virtqueue_kick") { println($vq->num_free, $$parms$) }'
p3 var 'probe kernel.function("vfs_read") { println(@var("jiffies"), @var("nr_threads@kernel/fork.c")) }'
p3 autocast 'probe kernel.function("vfs_read") { f = $file; println(f->f_pos, @defined($nosuch) ? 1 : 2) }'
same list_vars -L 'kernel.function("vfs_*")'
same list_return -L 'kernel.function("vfs_*").return'
same list_statement -L 'kernel.statement("vfs_read@fs/read_write.c:*")'
