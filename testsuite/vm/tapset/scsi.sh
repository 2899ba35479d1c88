# scsi.* over scsi_debug's disk and CD-ROM (fixture scsi-debug.sh): the
# I/O of /tmp/scsi-io.sh, a rescan of the disk (its driver's commands
# through scsi.ioexecute), its state set to offline then running; each
# alias's values checked against sysfs (host:channel:id:lun, major:minor)
# and against each other (req_addr)
set -u
R="--remote=unix:$("$STAPVM" socket)"
sysfs() { "$STAPVM" exec "$1" | tr -d '\r'; }
sd=/sys/bus/pseudo/drivers/scsi_debug
disk=$(sysfs "basename $sd/adapter*/host*/target*/*/block/sd*")
cd=$(sysfs "basename $sd/adapter*/host*/target*/*/block/sr*")
disk_hctl=$(sysfs "basename \$(readlink -f /sys/block/$disk/device)")
cd_hctl=$(sysfs "basename \$(readlink -f /sys/block/$cd/device)")
disk_dev=$(sysfs "cat /sys/block/$disk/dev")
cd_dev=$(sysfs "cat /sys/block/$cd/dev")
"$STAP" -r "$KVER" "$R" -D MAXTRYLOCK=100000 -c "sh -c '/tmp/scsi-io.sh
echo 1 >/sys/block/$disk/device/rescan
echo offline >/sys/block/$disk/device/state
echo running >/sys/block/$disk/device/state'" -e '
global seen, reqs
function which(h, c, i, l) {
	s = sprintf("%d:%d:%d:%d", h, c, i, l)
	return s == @1 ? "disk" : s == @2 ? "cd" : "other " . s
}
@define which %( which(host_no, channel, dev_id, lun) %)
function dev(major, minor) {
	s = sprintf("%d:%d", major, minor)
	return s == @3 ? "disk" : s == @4 ? "cd" : "other " . s
}
probe scsi.ioentry {
	reqs[req_addr] = 1
	seen[sprintf("%s %s %s", pn(), dev(disk_major, disk_minor), device_state_str)]++
}
probe scsi.ioentry.scsilib, scsi.ioentry.sd, scsi.ioentry.sr {
	seen[sprintf("%s %s", pn(), dev(disk_major, disk_minor))]++
}
probe scsi.iodispatching {
	if (request_bufflen >= 2048)
		seen[sprintf("%s %s %s %s(%d) len=%d buf=%s req=%s", pn(), @which, device_state_str,
			     data_direction_str, data_direction, request_bufflen,
			     request_buffer ? "set" : "0", req_addr in reqs ? "entered" : "BAD")]++
}
probe scsi.iodone {
	# the CD-ROM: only the reads of the workload (the kernel may send it other
	# commands when it checks its media)
	if (req_addr in reqs && data_direction != 3 &&
	    (@which != "cd" || data_direction == 2))
		seen[sprintf("%s %s %s %s timer=%s", pn(), @which, device_state_str,
			     data_direction_str, scsi_timer_pending >= 0 ? "ok" : "BAD")]++
}
probe scsi.iocompleted {
	if (goodbytes >= 2048)
		seen[sprintf("%s %s %s %s goodbytes=%d req=%s", pn(), @which, device_state_str,
			     data_direction_str, goodbytes, req_addr in reqs ? "entered" : "BAD")]++
}
probe scsi.ioexecute {
	# only the disk: the CD-ROM commands depend on when its media is checked
	if (@which == "disk")
		seen[sprintf("%s %s %s %s timeout=%d retries=%d buf=%s", pn(), @which, device_state_str,
		     data_direction_str, timeout, retries,
		     request_bufflen ? (request_buffer ? "set" : "BAD") : "none")] = 2
}
probe scsi.set_state {
	printf("%s %s %s -> %s (%d -> %d)\n", pn(), @which, old_state_str, state_str, old_state, state)
}
probe end {
	foreach (s+ in seen)
		printf("%s: %s\n", s, seen[s] > 1 ? "several" : "1")
}' "$disk_hctl" "$cd_hctl" "$disk_dev" "$cd_dev" 2>&1
