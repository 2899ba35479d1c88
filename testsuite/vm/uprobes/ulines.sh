# usymfileline, usymfile, usymline and print_ubacktrace_fileline() and
# (pc, sp, fp) at the bottom of uprog's call chain, through libc to
# _start with --ldd: each frame's FILE:LINE is what eu-addr2line finds
# at its offset in its file (umodaddr) with the file's debuginfo (libc's
# with libc6-dbg installed, else neither has a line there); a frame
# without line data (_start, no DWARF) and addresses of no object print
# as 4.8 prints them all (it carries no line tables).
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
uprog nofp || exit 1
P=$UDIR/uprog-nofp
out=$(mktemp)
trap 'rm -f "$out"' EXIT
ustap --ldd -c "$P chain 3" -e '
probe process("'"$P"'").function("level5") {
	a = uaddr()
	printf("usymfileline %s\n", usymfileline(a))
	printf("same %d\n", usymfileline(a) == usymfile(a) . ":" . usymline(a))
	printf("zero %s %s %s\n", usymfileline(0), usymfile(0), usymline(0))
	print_ubacktrace_fileline()
	println("--")
	print_ubacktrace_fileline(uaddr(), u_register("rsp"), u_register("rbp"))
	println("--")
	for (f = 0; f < 20; f++) {
		try { s = ustack(f) } catch { break }
		printf("at 0x%x %s %x\n", s, umodname(s), umodaddr(s))
	}
}' >"$out"
echo "status=$?"
# (uprog's own line first: its stdout and the module's output come in
# either order)
progfirst "$out" '^chain ' | grep -E '^(chain|usymfileline|same|zero|--)' |
	sed -E 's/:[0-9]+$/:LINE/'
# the two backtraces are the same
awk '/^--/ { n++; next } /^ 0x/ { t[n + 0] = t[n + 0] $0 "\n" } END { print (t[0] == t[1] ? "both backtraces alike" : "backtraces differ") }' "$out"
# each frame of the first with eu-addr2line
awk '/^--/ { exit } /^ 0x/' "$out" | while read -r a rest; do
	where=$(grep "^at $a " "$out" | head -n 1)
	[ -n "$where" ] || continue
	set -- $where
	file=${3/UDIR/$UDIR} off=0x$4
	sym=$(printf '%s\n' "$rest" | sed -E 's/^: ([^+ ]+).*/\1/')
	got=$(printf '%s\n' "$rest" | sed -nE 's/.* at ([^ ]+)$/\1/p')
	want=$(eu-addr2line -e "$file" "$off" | sed -E 's/(:[0-9]+):[0-9]+$/\1/')
	case $want in
	"??:0") want= ;;
	esac
	if [ "$got" = "$want" ] || { [ -n "$got" ] && [ "${want%"$got"}" != "$want" ]; }; then
		# (libc's lines only with libc6-dbg here: not shown)
		echo "frame $sym ${file##*/}: ${got:+${got##*/} }as eu-addr2line" |
			sed -E 's/:[0-9]+ as/:LINE as/; s/(libc\.so\.6:) .* as/\1 as/'
	else
		echo "frame $sym ${file##*/}: '$got', eu-addr2line says '$want'"
	fi
done
