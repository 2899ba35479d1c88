# stap.* and staprun.* (tapset/stap_staticmarkers.stp): the markers are
# in this tree's stap, staprun and stapio with 4.8's names (notes
# listed); the aliases list with 4.8's variables (-L) and resolve to
# them (-p2) when $PATH finds these programs.  (The VM has no
# translator: testsuite/vm/staprun/markers.sh runs the staprun ones.)
set -u
notes() {	# the stapsdt notes of FILE: provider, name, number of arguments
	readelf -n "$1" | awk '/Provider:/ { p = $2 } /Name:/ { n = $2 }
		/Arguments:/ { print p, n, NF - 1 }' | sort -u
}
for f in "$STAP" "$TOP/staprun/staprun" "$TOP/staprun/stapio"; do
	echo "== markers of ${f##*/}"
	notes "$f"
done
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
mkdir -p "$bin/bin" "$bin/lib/systemtap"
ln -s "$STAP" "$bin/bin/stap"
ln -s "$TOP/staprun/staprun" "$bin/bin/staprun"
ln -s "$TOP/staprun/stapio" "$bin/lib/systemtap/stapio"
export PATH="$bin/bin:$PATH"
echo "== -L"
"$STAP" -L 'stap.**' 2>&1
"$STAP" -L 'staprun.*' 2>&1
echo "== -L of an optional one without its marker: nothing, as in 4.8"
"$STAP" -L 'stap.cache_clean' 2>&1
echo "rc=$?"
echo "== -p2"
"$STAP" -p2 -e 'probe stap.pass2, stap.pass6.end { printf("%s %x\n", pn(), session) }
probe stap.system { println(command) }
probe stap.cache_get { println(source_path, module_path) }
probe staprun.send_control_message { println(type, data, len) }' 2>&1 |
	sed -E "s|$TOP/|TOP/|g; s/0x[0-9a-f]+/ADDR/g"
echo "rc=${PIPESTATUS[0]}"
