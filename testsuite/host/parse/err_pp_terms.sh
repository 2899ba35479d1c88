# the preprocessor's condition terms, checked as 4.8 checks them: each
# left side wants its own right side and operators; errors show " at:"
# the token they are about, the '%(' when the condition does not end at
# '%?', and the '%?' when the condition ends too early
set -u
for c in 'kernel_v >= 1' 'kernel_v + "1"' 'arch == 1' 'arch < "x"' \
	 'guru_mode == "1"' 'guru_mode < 1' 'guru_mode == 2' 'CONFIG_X == x' \
	 'CONFIG_X < "y"' 'CONFIG_X' '1 == "a"' '"a" == 1' '1 == x' '1 + 1' \
	 '1' '' 'foo == 1' '1 == 1 &&' '1 == 1 == 1' 'kernel_v == "1" x'; do
	echo "== %( $c %?"
	"$STAP" -p1 -e "probe begin { %( $c %? 2 %) }" 2>&1 | sed "/^$/q"
done
echo "== macros"
for s in '@define m(a,b) %( 1 %) probe begin { @m(1,2,3) }' \
	 '@define m(a,b) %( 1 %) probe begin { @m(1) }' \
	 '@define m(a,b) %( 1 %) probe begin { @m }' \
	 '@define m() %( 1 %) probe begin { @m }' \
	 '@define m(a b) %( 1 %) probe begin { @m }' \
	 '@define m %( 1 '; do
	"$STAP" -p1 -e "$s" 2>&1 | sed "/^$/q"
done
