# Process events: .begin/.end across fork and exec, .thread.begin/.end,
# .syscall/.syscall.return; a program started after the session began
# (its .begin and its function probes fire); Ctrl-C while a probed
# program runs on (the uprobes go, the program finishes unharmed).
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
uprog pie || exit 1
P=$UDIR/uprog-pie
echo "== fork, exec"
ustap -c "$P fork" -e '
probe process("'"$P"'").begin { printf("begin target=%d child-of-target=%d\n", pid() == target(), ppid() == target()) }
probe process("'"$P"'").end { printf("end target=%d\n", pid() == target()) }
probe process("'"$P"'").function("level1") { printf("level1(%d) in %s\n", $x, pid() == target() ? "target" : "child") }' >out
echo "status=$?"
progfirst out '^(chain|child|parent) '
echo "== threads"
ustap -c "$P threads 3" -e '
global tb, te
probe process("'"$P"'").thread.begin { tb++ }
probe process("'"$P"'").thread.end { te++ }
probe end { printf("threads begun %d, ended %d\n", tb, te) }' >out
echo "status=$?"
grep '^thread ' out | sort
grep -v '^thread ' out
echo "== system calls"
ustap -c "$P malloc 3" -e '
global enter, ret
probe process("'"$P"'").syscall { if ($syscall == 1) enter++ }
probe process("'"$P"'").syscall.return { if ($syscall == 1 && $return > 0) ret += $return }
probe end { printf("write: %d calls, %d bytes\n", enter, ret) }' >out
echo "status=$?"
progfirst out '^block '
echo "== started after the session began"
ustap -e '
probe begin { system("'"$P"' chain 2 >/dev/null") }
probe process("'"$P"'").begin { println("begin") }
probe process("'"$P"'").function("level5") { printf("level5(%d)\n", $x) }
probe process("'"$P"'").end { println("end"); exit() }'
echo "status=$?"
echo "== Ctrl-C while the program runs"
spin='global n
probe process("'"$P"'").function("level5") { n++ }
probe end { printf("hits %s\n", n > 1000 ? "many" : sprint(n)) }'
# the module built (and cached) first: on a loaded machine pass 4 could
# outlast the program's 6 s, and the probes would see none of it
ustap -p4 -e "$spin" >/dev/null || echo "pass 4 failed"
vmrun "($P spin 6 >/tmp/spin.out 2>&1; echo exit=\$? >>/tmp/spin.out) &"
ustap -T 2 -e "$spin"
echo "status=$?"
sleep 6
vmrun "cat /tmp/spin.out | sed 's/spun [0-9]*/spun N/'; rm -f /tmp/spin.out"
rm -f out
