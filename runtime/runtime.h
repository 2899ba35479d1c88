/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runtime compiled into every module.  The translator's output is one
 * C file shaped like this (see doc/runtime.md):
 *
 *	the -D limits (the module's name is KBUILD_MODNAME)
 *	#include "runtime.h"		this file: limits, strings, printf,
 *					statistics, maps, session, transport
 *	globals, frame structs, union stp_probe_locals, union stp_func_frame
 *	#include "stp_context.h"	struct context, handler entry/exit
 *	functions, handlers, probe tables
 *	#include "stp_module.h"		probe registration, module init/exit
 */
#ifndef _STP_RUNTIME_H_
#define _STP_RUNTIME_H_

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/delay.h>
#include <linux/uaccess.h>
#include <linux/sched.h>
#include <linux/cred.h>
#include <linux/kprobes.h>
#include <linux/hrtimer.h>
#include <linux/timer.h>
#include <linux/random.h>
#include <linux/proc_fs.h>
#include <linux/poll.h>
#include <linux/wait.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/rtnetlink.h>
#include <linux/tracepoint.h>
#include <linux/perf_event.h>
#include <linux/cpu.h>
#include <linux/kallsyms.h>
#include <linux/ftrace.h>
#include <linux/sort.h>
#include <linux/bsearch.h>
#include <asm/word-at-a-time.h>

#define STP_MODULE_NAME KBUILD_MODNAME

/* In the generated code these are translator bugs: stop the build. */
#pragma GCC diagnostic error "-Wint-conversion"
#pragma GCC diagnostic error "-Wincompatible-pointer-types"
#pragma GCC diagnostic error "-Wreturn-type"

/* Limits, SystemTap's names and defaults; every one can be overridden
 * with -D. */
#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 512
#endif
#ifndef MAXACTION
#define MAXACTION 1000
#endif
#ifndef MAXACTION_INTERRUPTIBLE
#define MAXACTION_INTERRUPTIBLE (MAXACTION * 10)
#endif
#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048
#endif
#ifndef MAXERRORS
#define MAXERRORS 0
#endif
#ifndef MAXSKIPPED
#define MAXSKIPPED 100
#endif
#ifndef MAXTRYLOCK
#define MAXTRYLOCK 100
#endif
#ifndef TRYLOCKDELAY
#define TRYLOCKDELAY 10		/* microseconds */
#endif
#ifndef KRETACTIVE
#define KRETACTIVE (max(15, 6 * (int)num_possible_cpus()))
#endif
#ifndef MAXBACKTRACE
#define MAXBACKTRACE 20
#endif
#ifndef HIST_WIDTH
#define HIST_WIDTH 50
#endif
#ifndef HIST_ELISION
#define HIST_ELISION 2
#endif
#ifndef STP_MAX_BUCKETS
#define STP_MAX_BUCKETS 128
#endif
#ifndef STP_BUFFER_SIZE
#define STP_BUFFER_SIZE 8192	/* one handler's print buffer */
#endif
#ifndef STP_DEFAULT_BUFSIZE
#define STP_DEFAULT_BUFSIZE 4096	/* KiB of output buffer per CPU */
#endif

/* Overload: a CPU whose handlers took more than STP_OVERLOAD_THRESHOLD
 * cycles of the last STP_OVERLOAD_INTERVAL ends the session, unless
 * -DSTP_NO_OVERLOAD or stap --suppress-time-limits. */
#ifndef STP_OVERLOAD_INTERVAL
#define STP_OVERLOAD_INTERVAL 1000000000LL
#endif
#ifndef STP_OVERLOAD_THRESHOLD
#define STP_OVERLOAD_THRESHOLD 500000000LL
#endif
#if !defined(STP_NO_OVERLOAD) && !defined(STAP_NO_OVERLOAD) && \
	!defined(STAP_SUPPRESS_TIME_LIMITS_ENABLE)
#define STP_OVERLOAD
#endif

#if MAXSTRINGLEN < 16
#error MAXSTRINGLEN too small
#endif

/*
 * STP_MAXMEMORY (-D, in kilobytes): what the module may use, its own
 * code and data included, as in SystemTap.  Everything the runtime keeps
 * is allocated at load (contexts, maps, output buffers), each through
 * _stp_mem_charge; past the cap the allocation fails and so does the
 * load (ENOMEM).  Allocations of the kernel's own on our behalf
 * (kprobes, perf events) are not counted.
 */
#ifdef STP_MAXMEMORY
#include <linux/version.h>
static size_t _stp_allocated_memory;

static inline size_t _stp_module_size(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	return THIS_MODULE->mem[MOD_TEXT].size +
	       THIS_MODULE->mem[MOD_DATA].size +
	       THIS_MODULE->mem[MOD_RODATA].size +
	       THIS_MODULE->mem[MOD_RO_AFTER_INIT].size;
#else
	return THIS_MODULE->core_layout.size;
#endif
}

static inline int _stp_mem_charge(size_t n)
{
	if (_stp_module_size() + _stp_allocated_memory + n >
	    (size_t)(STP_MAXMEMORY) * 1024) {
		pr_err("%s: STP_MAXMEMORY (%lu KB) exceeded: module %zu, allocated %zu, %zu more bytes asked\n",
		       THIS_MODULE->name, (unsigned long)(STP_MAXMEMORY),
		       _stp_module_size(), _stp_allocated_memory, n);
		return 0;
	}
	_stp_allocated_memory += n;
	return 1;
}
#else
static size_t _stp_allocated_memory;	/* module_size() reports it */

static inline int _stp_mem_charge(size_t n)
{
	_stp_allocated_memory += n;
	return 1;
}
#endif

/* What the portable parts (maps, statistics) need from the kernel. */
#define _stp_ncpus ((int)nr_cpu_ids)
#define _stp_this_cpu() raw_smp_processor_id()
#define _stp_vzalloc(n) (_stp_mem_charge(n) ? vzalloc(n) : NULL)
#define _stp_vfree(p) vfree(p)
#define _stp_kzalloc(n) (_stp_mem_charge(n) ? kzalloc((n), GFP_KERNEL) : NULL)
#define _stp_kfree(p) kfree(p)
/* 8 bytes at P, zeros past the end of a mapped page */
#define _stp_load_word(p) ((uint64_t)load_unaligned_zeropad(p))

#include "transport_msgs.h"
#include "stp_string.h"
#include "stp_format.h"
#include "stp_stat.h"
#include "stp_map.h"
#include "stp_lock.h"
#include "stp_session.h"
#include "stp_transport.h"
#include "stp_tp_entry.h"

/* One probe as the generated code describes it. */
struct context;
struct stp_probe {
	void (*ph)(struct context *c);	/* locks, condition, handler */
	const char *pp;			/* what pp() returns */
	const char *name;		/* the probe point as written; NULL:
					 * the pp (use _stp_probe_name) */
	const char *func;		/* probefunc(): the probed function */
#ifdef STP_TIMING
	unsigned int index;		/* in _stp_probes[] */
	const char *location;		/* -t report: "FILE:L:C" */
	const char *derivation;		/* -t report: " from: X from: Y" */
#endif
};

static inline const char *_stp_probe_name(const struct stp_probe *p)
{
	return p->name ? p->name : p->pp;
}

/*
 * The probes of one kind, for arming and disarming (stp_module.h).  Each
 * kind's header defines _stp_KIND_arm() and _stp_KIND_disarm() for its
 * generated table; the generated _stp_probe_groups lists them.
 */
struct stp_arm_result {
	int tried;			/* probes tried */
	int armed;			/* of which armed */
	int batched;			/* of those, through one ftrace_ops */
	int batch_ms;			/* how long those took */
	int rc;				/* the last error */
	int stop;			/* arming stopped: STP_ARM_* */
};

/* Why arming stopped before the end (stp_arm_result.stop). */
enum {
	STP_ARM_GOING,
	STP_ARM_ENDED,		/* the session left RUNNING (exit(), errors) */
	STP_ARM_INTERRUPTED,	/* a signal to the writer, or module unload */
};

struct stp_probe_group {
	void *table;
	void (*arm)(void *table, struct stp_arm_result *r);
	void (*disarm)(void *table);
};

#define STP_PROBE_GROUP(kind, table)					\
	{ (table), _stp_##kind##_arm, _stp_##kind##_disarm }

#endif /* _STP_RUNTIME_H_ */
