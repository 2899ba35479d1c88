/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoint probes (stap/probe_trace.c): kernel.trace("NAME").
 * The generated table _stp_tracepoints ends with a NULL .probe.
 */
#ifndef _STP_TRACEPOINT_H_
#define _STP_TRACEPOINT_H_

/*
 * kernel.trace("NAME"): FN is the generated probe function, with the
 * tracepoint's prototype (void *data, then each argument as an unsigned
 * long); it runs the handler with the arguments as the context's
 * entry_data.  The struct tracepoint is looked up by name at arming.
 */
struct stp_tracepoint {
	const struct stp_probe *probe;
	const char *name;
	void *fn;
	struct tracepoint *tp;
	int registered;
};

static void _stp_tracepoint_find(struct tracepoint *tp, void *priv)
{
	struct stp_tracepoint *t;

	for (t = priv; t->probe; t++)
		if (!t->tp && !strcmp(t->name, tp->name))
			t->tp = tp;
}

static int _stp_register_tracepoint(struct stp_tracepoint *t)
{
	if (!t->tp)
		return -ENOENT;
	return tracepoint_probe_register(t->tp, t->fn, NULL);
}

static void _stp_tracepoints_disarm(void *table)
{
	struct stp_tracepoint *t;
	int any = 0;

	for (t = table; t->probe; t++)
		if (t->registered) {
			tracepoint_probe_unregister(t->tp, t->fn, NULL);
			t->registered = 0;
			any = 1;
		}
	/* no probe function runs on after this (one grace period) */
	if (any)
		tracepoint_synchronize_unregister();
}

static void _stp_tracepoints_arm(void *table, struct stp_arm_result *r)
{
	struct stp_tracepoint *t;

	for_each_kernel_tracepoint(_stp_tracepoint_find, table);
	for (t = table; t->probe && !_stp_arm_stopped(r); t++)
		if (!_stp_probe_armed(r, t->probe, _stp_register_tracepoint(t),
				      0))
			t->registered = 1;
}

#endif /* _STP_TRACEPOINT_H_ */
