# every syscall.* and nd_syscall.* alias resolves at pass 2 on the test
# kernel with name and argstr at entry, retval and retstr at return; how
# many there are (SystemTap 4.8 lists 786 syscall.* ones, entries and
# returns, of which we lack 18, which 4.8 cannot resolve on this kernel
# either: tux, pipe32, sysctl32...)
set -u
for p in syscall nd_syscall; do
	"$STAP" -r "$KVER" -p2 -e "global n
probe $p.* { n++; print(name, argstr) }
probe $p.*.return { n++; print(name, retval, retstr) }" >"$TOP/testsuite/out/syscalls_p2.$p" 2>&1
	echo "$p.*: rc=$?, $(grep -c '^kernel.trace("raw_syscalls:sys_e' "$TOP/testsuite/out/syscalls_p2.$p") probes"
done
"$STAP" --dump-probe-aliases | grep -c -E '^syscall\.[a-z0-9_]+(\.return)? = ' |
	sed 's/^/syscall aliases: /'
"$STAP" --dump-probe-aliases | grep -c -E '^nd_syscall\.[a-z0-9_]+(\.return)? = syscall\.' |
	sed 's/^/nd_syscall aliases of syscall ones: /'
