# stap-report prints its sections: versions, kernel config bits, the build
# tree, debuginfo, BTF, signing/lockdown and a test build (-p4) for KVER
set -u
out=$(STAP=$STAP STAPRUN=$TOP/staprun/staprun "$TOP/scripts/stap-report" -r "$KVER" 2>&1)
echo "rc=$?"
printf '%s\n' "$out" | sed "s|$KVER|KVER|g" | grep -E '^== |^CONFIG_(KPROBES|UPROBES|DEBUG_INFO_BTF|FTRACE|MODULE_SIG)=|^Makefile:|^rc=|^Systemtap (translator|module)'
# the running kernel (this machine's may have no build tree: the test
# build then fails, and the report goes on): the same sections
sections() { grep '^== ' | sed 's/ -r [^ ]* / -r KVER /'; }
run=$(STAP=$STAP STAPRUN=$TOP/staprun/staprun "$TOP/scripts/stap-report" 2>&1)
echo "rc=$?"
if [ "$(printf '%s\n' "$out" | sections)" = "$(printf '%s\n' "$run" | sections)" ]; then
	echo "the running kernel's report has the same sections"
else
	diff <(printf '%s\n' "$out" | sections) <(printf '%s\n' "$run" | sections)
fi
