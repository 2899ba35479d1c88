/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hardware watchpoint probes (stap/probe_hwbkpt.c):
 * kernel.data(ADDRESS|"SYMBOL")[.length(N)].write|.rw.
 * The generated table _stp_hwbkpts ends with a NULL .probe.
 */
#ifndef _STP_HWBKPT_H_
#define _STP_HWBKPT_H_

#include <linux/hw_breakpoint.h>

/*
 * One wide breakpoint (a debug register on every CPU) per probe; the
 * handler runs after the access with the registers of the task that made
 * it.  A symbol is looked up when the module starts (kernel or module
 * data), as SystemTap does; one that is not there is skipped with a
 * warning.
 */
struct stp_hwbkpt {
	const struct stp_probe *probe;
	unsigned long addr;
	const char *symbol;
	int len;			/* 1 to 8 */
	int rw;				/* .rw, else .write */
	struct perf_event * __percpu *bp;
};

static void _stp_hwbkpt_fn(struct perf_event *e, struct perf_sample_data *data,
			   struct pt_regs *regs)
{
	struct stp_hwbkpt *h = e->overflow_handler_context;

	_stp_run_probe_fn(h->probe, regs, instruction_pointer(regs),
			  h->probe->ph);
}

/* The length the CPU can watch that covers LEN bytes. */
static int _stp_hwbkpt_len(int len)
{
	return len <= 1 ? HW_BREAKPOINT_LEN_1 : len <= 2 ? HW_BREAKPOINT_LEN_2 :
	       len <= 4 ? HW_BREAKPOINT_LEN_4 : HW_BREAKPOINT_LEN_8;
}

static void _stp_hwbkpt_arm(void *table, struct stp_arm_result *r)
{
	unsigned long (*lookup)(const char *name) = NULL;
	struct perf_event_attr attr;
	struct stp_hwbkpt *h;

	for (h = table; h->probe && !_stp_arm_stopped(r); h++) {
		unsigned long addr = h->addr;

		if (h->symbol) {
			if (!lookup)
				lookup = (void *)_stp_kprobe_addr("kallsyms_lookup_name");
			addr = lookup ? lookup(h->symbol) : 0;
			if (!addr) {
				_stp_warn("Probe %s registration skipped: invalid symbol %s",
					  h->probe->pp, h->symbol);
				_stp_probe_armed(r, h->probe, -ENOENT, 1);
				continue;
			}
		}
		hw_breakpoint_init(&attr);
		attr.bp_addr = addr;
		attr.bp_len = _stp_hwbkpt_len(h->len);
		attr.bp_type = h->rw ? HW_BREAKPOINT_R | HW_BREAKPOINT_W :
				       HW_BREAKPOINT_W;
		h->bp = register_wide_hw_breakpoint(&attr, _stp_hwbkpt_fn, h);
		if (IS_ERR((void __force *)h->bp)) {
			_stp_probe_armed(r, h->probe,
					 PTR_ERR((void __force *)h->bp), 0);
			h->bp = NULL;
			continue;
		}
		_stp_probe_armed(r, h->probe, 0, 0);
	}
}

static void _stp_hwbkpt_disarm(void *table)
{
	struct stp_hwbkpt *h;

	for (h = table; h->probe; h++) {
		if (h->bp)
			unregister_wide_hw_breakpoint(h->bp);
		h->bp = NULL;
	}
}

#endif /* _STP_HWBKPT_H_ */
