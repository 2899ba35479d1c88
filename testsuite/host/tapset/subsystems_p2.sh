# the subsystem tapsets' aliases resolve on the test kernel, each with
# the variables it sets (as stap -L lists them, the target's $variables
# left out): vfs/generic, kprocess, signal, scheduler, socket, tcp, udp,
# vm, netdev, ioblock, ioscheduler, tty and the MIB counters.  The names
# and variables are SystemTap 4.8's (testsuite/vm/tapset compares the
# values).
set -u
for f in vfs generic kprocess signal scheduler socket tcp udp vm netdev \
	 ioblock ioblock_trace ioscheduler ioscheduler_trace tty ipmib \
	 tcpmib linuxmib irq_handler softirq; do
	"$STAP" -r "$KVER" -L "$f.**" 2>&1 | grep "^$f\." | sed 's/ \$.*//'
done
