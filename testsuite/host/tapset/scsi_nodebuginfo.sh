# Without any debuginfo (an empty SYSTEMTAP_DEBUGINFO_PATH) the scsi
# aliases over scsi_mod's tracepoints still resolve (its module file and
# BTF), those over functions do not
set -u
export SYSTEMTAP_DEBUGINFO_PATH=/nonexistent
"$STAP" -p2 -r "$KVER" -e 'probe scsi.iodispatching, scsi.iodone {
	printf("%s %d:%d:%d:%d %s %s %x\n", pn(), host_no, channel, dev_id, lun,
	       device_state_str, data_direction_str, req_addr)
}' 2>&1 | grep -E '^kernel|^module|error'
echo "== -l 'scsi.**'"
"$STAP" -r "$KVER" -l 'scsi.**' 2>&1
