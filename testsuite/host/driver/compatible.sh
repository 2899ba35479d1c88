# --compatible=VERSION: systemtap_v follows it; a version after ours is an
# error (4.8: "cannot be compatible with future version"); both spellings
set -u
s='probe begin { %( systemtap_v >= "4.0" %? print("4.0+") %: print("old") %)
                 %( systemtap_v < "2.3" %? print(" before 2.3") %) }'
for c in "" --compatible=4.0 --compatible=3.9 "--compatible 2.2" --compatible=; do
	echo "== $c"
	"$STAP" -p1 $c -e "$s" 2>&1 | grep print; echo "rc=${PIPESTATUS[0]}"
done
for v in 99 5.6.1x foo; do
	echo "== --compatible=$v"
	"$STAP" -p1 --compatible=$v -e "$s" 2>&1 | sed 's/version [0-9.]* cannot/version N cannot/'
	echo "rc=${PIPESTATUS[0]}"
done
echo "== abort() is new in 4.0"
"$STAP" -p2 --compatible=3.3 -e 'probe begin { abort() }' 2>&1 | head -1
