# The memory a @cast reads follows its type's module, as in SystemTap:
# a kernel type reads kernel memory from a user-space probe (the task
# of a process probe), a user header's ("<time.h>", compiled by gcc
# into a user module) or a program's reads the task's memory from a
# system call probe; with no module, a process probe's @cast is of the
# program's types (4.8, since 4.3); @cast_module_sizeof of a user header
# (sizeof.stp).
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
uprog pie || exit 1
P=$UDIR/uprog-pie
echo "== kernel types in a process probe"
ustap -c "$P serve 1" -e '
probe process("'"$P"'").function("deliver") {
	printf("pid %d\n", @cast(task_current(), "task_struct", "kernel")->pid == pid())
	printf("no module: the program'"'"'s type, %d\n", @cast($req, "struct req")->id == $req->id)
	t = @cast(task_current(), "task_struct", "kernel")->parent
	printf("parent %d\n", t->pid == ppid())
	printf("execname %s\n", task_execname(task_current()))
	exit()
}' >out
echo "status=$?"
progfirst out '^(request|classes) '
echo "== a user header's type in a system call probe"
ustap -c "sleep 1" -e '
probe syscall.clock_nanosleep, syscall.nanosleep {
	if (pid() == target())
		printf("%s %d.%09d %s\n", name,
		       @cast(req_uaddr, "timespec", "<time.h>")->tv_sec,
		       @cast(req_uaddr, "struct timespec", "<sys/types.h><time.h>")->tv_nsec,
		       req_str)
}'
echo "status=$?"
echo "== a program's type in a system call probe"
ustap -c "$P serve 1" -e '
probe syscall.write {
	if (pid() == target() && fd == 1)
		printf("first bytes %s\n", user_string_n(@cast(buf_uaddr, "char", "'"$P"'"), 7))
}' >out
echo "status=$?"
progfirst out '^(request|classes) '
echo "== sizeof of a user header's type"
ustap -e 'probe oneshot { printf("FILE %d, struct timespec %d\n",
	@cast_module_sizeof("</usr/include/stdio.h>", "FILE"),
	@cast_module_sizeof("<time.h>", "struct timespec")) }'
echo "status=$?"
rm -f out
