# one handler per distinct body: the points of 'probe a, b, c { }' share
# theirs (each point costs its table entry), an alias expanded for two
# points of one probe too; a body with $variables gets one per point
set -u
handlers() { "$STAP" -r "$KVER" -p3 -e "$1" | grep -c '^static void stp_handler_'; }
echo "begin, end, timer: $(handlers 'global x; probe begin, end, timer.s(1) { printf("%d\n", x++) }')"
echo "two functions: $(handlers 'probe kernel.function("vfs_read"), kernel.function("vfs_write") { println(pp()) }')"
echo "an alias twice: $(handlers 'probe init, init { println(1) }')"
echo "two bodies: $(handlers 'probe begin { println(1) } probe begin { println(2) }')"
echo "\$variables: $(handlers 'probe kernel.function("vfs_read"), kernel.function("vfs_write") { println($count) }')"
