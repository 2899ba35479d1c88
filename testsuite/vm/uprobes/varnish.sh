# The varnish scenario in miniature: a statement probe at a source line
# of the program prints $req->resp->status for every request, and what
# it prints is the program's own log.
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
uprog pie || exit 1
line=$(grep -n 'deliver: status set' "$TOP/testsuite/fixtures/uprobe/uprog.c" | cut -d: -f1)
ustap -c "$UDIR/uprog-pie serve 7" -e '
probe process("'"$UDIR"'/uprog-pie").statement("deliver@*uprog.c:'"$line"'") {
	printf("request %d %s -> %d %s\n", $req->id, user_string($req->url),
	       $req->resp->status, user_string($req->resp->reason))
}' >out.txt
echo "status=$?"
# the probe's lines and the program's, in the order each wrote them
grep -c '^request' out.txt
sort out.txt | uniq -c | awk '{ print $1 }' | sort | uniq -c
grep -v '^request' out.txt
rm -f out.txt
