# nfsd.* and sunrpc.* resolve on the test kernel with its modules'
# debuginfo, each with the variables it sets (stap -L, the target's
# $variables left out): the same names SystemTap 4.8 lists here (64 and
# 45; nfsd.proc2.*, nfsd.close and nfsd.createv3 probe functions this
# kernel does not have, and rpc_release_task's return is inlined away), an
# alias of several points listing the variables all of them set.
set -u
for f in nfsd sunrpc; do
	"$STAP" -r "$KVER" -L "$f.**" 2>&1 | grep "^$f\." | sed 's/ \$.*//'
done
# the names that exist but do not resolve here
"$STAP" -r "$KVER" --dump-probe-aliases | grep -c '^nfsd\.\|^sunrpc\.'
