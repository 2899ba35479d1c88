/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Perf event probes (stap/probe_perf.c): perf.type(T).config(C)...
 * The generated table _stp_perfs ends with a NULL .probe.
 */
#ifndef _STP_PERF_H_
#define _STP_PERF_H_

/*
 * perf.type(T).config(C).sample(N)/.hz(F) (and timer.profile, an alias):
 * one kernel counter per online CPU; at each overflow the handler runs
 * with the interrupted registers (in NMI context for hardware events,
 * where the context's busy flag keeps it from nesting).
 */
struct stp_perf {
	const struct stp_probe *probe;
	u32 type;
	u64 config;
	u64 sample;			/* period, or frequency with .freq */
	int freq;
	struct perf_event **events;	/* by CPU */
};

static void _stp_perf_fn(struct perf_event *e, struct perf_sample_data *data,
			 struct pt_regs *regs)
{
	struct stp_perf *p = e->overflow_handler_context;

	_stp_run_probe_fn(p->probe, regs, instruction_pointer(regs),
			  p->probe->ph);
}

static void _stp_unregister_perf(struct stp_perf *p)
{
	int cpu;

	if (!p->events)
		return;
	for_each_possible_cpu(cpu)
		if (p->events[cpu])
			perf_event_release_kernel(p->events[cpu]);
	kfree(p->events);
	p->events = NULL;
}

/* A counter on each online CPU (CPUs that come later have none). */
static int _stp_register_perf(struct stp_perf *p)
{
	struct perf_event_attr attr = {
		.type = p->type,
		.size = sizeof(attr),
		.config = p->config,
		.sample_period = p->sample,
		.freq = p->freq,
		.pinned = 1,
	};
	int cpu, rc = 0;

	p->events = kcalloc(nr_cpu_ids, sizeof(*p->events), GFP_KERNEL);
	if (!p->events)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct perf_event *e;

		e = perf_event_create_kernel_counter(&attr, cpu, NULL,
						     _stp_perf_fn, p);
		if (IS_ERR(e)) {
			rc = PTR_ERR(e);
			break;
		}
		p->events[cpu] = e;
	}
	cpus_read_unlock();
	if (rc)
		_stp_unregister_perf(p);
	return rc;
}

static void _stp_perf_arm(void *table, struct stp_arm_result *r)
{
	struct stp_perf *p;

	for (p = table; p->probe && !_stp_arm_stopped(r); p++)
		_stp_probe_armed(r, p->probe, _stp_register_perf(p), 0);
}

static void _stp_perf_disarm(void *table)
{
	struct stp_perf *p;

	for (p = table; p->probe; p++)
		_stp_unregister_perf(p);
}

#endif /* _STP_PERF_H_ */
