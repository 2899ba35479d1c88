/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages on /proc/systemtap/MODNAME/.cmd, shared by the runtime (kernel)
 * and staprun/stapio (user space).  See doc/transport.md.
 */
#ifndef _STP_TRANSPORT_MSGS_H_
#define _STP_TRANSPORT_MSGS_H_

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
#endif

#define STP_PROTOCOL_VERSION	1
#define STP_MSG_MAX		4096

enum _stp_msg_type {
	STP_START = 1,
	STP_STOP = 2,
	STP_STARTED = 3,
	STP_OOB = 4,
	STP_REQUEST_EXIT = 5,
	STP_STOPPED = 6,
	STP_SYSTEM = 7,		/* system(): a NUL-terminated command */
	STP_SWITCH_FILE = 8,	/* switch_file(): the next -o file */
};

struct _stp_msg_hdr {
	u32 type;
	u32 len;
};

/* STP_STARTED (a stapio may read only rc, older ones did) */
struct _stp_msg_started {
	s32 rc;			/* 0, or -errno; -EINTR: registration was
				   interrupted and undone */
	u32 tried;		/* probes the module tried to arm */
	u32 armed;		/* of which armed */
	u32 failed;		/* refused (warned of unless optional) */
	u32 batched;		/* armed as one ftrace_ops (function entries) */
	u32 arm_ms;		/* how long arming took */
	u32 batch_ms;		/* of which the ftrace_ops */
};

struct _stp_msg_stopped {
	u32 nerrors;
	u32 nskipped;
	u64 dropped_bytes;
	u32 disarm_ms;		/* how long disarming took */
	u32 pad;
};

#endif /* _STP_TRANSPORT_MSGS_H_ */
