# A program's variables: $$parms, pretty printing ($req$, $req$$),
# members through pointers, @var of a global (by name, and by name@file
# with the program's path), @cast with the program's path, -L.
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
uprog pie || exit 1
P=$UDIR/uprog-pie
echo "== -L"
"$STAP" -L 'process("'"$P"'").function("deliver")' 2>&1 | sed "s|$UDIR|UDIR|g; s|$TOP/||g"
ustap -c "$P serve 2" -e '
probe process("'"$P"'").function("deliver") {
	printf("served %d %d, id %d\n", @var("served"), @var("served@uprog.c", "'"$P"'"), $req->id)
	printf("url %s code %d\n", user_string(@cast($req, "struct req", "'"$P"'")->url), $code)
	println($$parms)
	println($req$)
	println($$parms$)
}
probe process("'"$P"'").function("deliver").return {
	printf("deliver returned %d, status now %d\n", $return, $req->resp->status)
}' >out
echo "status=$?"
sed -i 's/0x7ff[0-9a-f]*/ADDR/g' out
progfirst out '^(request|classes) '
rm -f out
echo "== UTF-16 and UTF-32 strings of the program"
ustap -c "$P utf" -e '
probe process("'"$P"'").function("note") {
	printf("%s | %s | %s | %s\n", user_string_utf16($s16, "(bad)"), user_string_utf32($s32),
	       user_string_quoted_utf16($s16), user_string_quoted_utf32($s32))
	println(user_string2_utf16(0, "(fault)"))
}' >out
echo "status=$?"
sed -i -E 's/0x[0-9a-f]{9,}/ADDR/g' out
progfirst out '^utf '
rm -f out
