/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stap -t (STP_TIMING): the reports at the end of the session, in
 * SystemTap 4.8's words.  Included by stp_module.h, once the generated
 * code has defined _stp_probes[] (with .index, .location and
 * .derivation) and _stp_lock_infos[] (each global's lock counts).
 *
 * On the output stream, after the end probes:
 *
 *	----- probe hit report: 
 *	PP, (LOCATION), hits: N, cycles: MINmin/AVGavg/MAXmax, variance: V, from: ..., index: I
 *	----- refresh report:
 *	'__global_X' lock contention occurred N times
 *
 * one line for each probe that ran (nsecs instead of cycles with
 * -DSTP_TIMING_NSECS), the statistics of its CPUs merged as @variance
 * merges them; this runtime never re-arms probes on the fly, so the
 * refresh report is its title only.  Then, with the warnings of the
 * session's end (stp_module.h), why probes were skipped
 * (_stp_timing_skips).
 */
#ifndef _STP_TIMING_H_
#define _STP_TIMING_H_

#ifdef STP_TIMING_NSECS
#define STP_TIMING_UNIT "nsecs"
#else
#define STP_TIMING_UNIT "cycles"
#endif

/* All CPUs' runs of probe I. */
static void _stp_timing_merge(struct stp_stat *st, unsigned int i)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		struct context *c = per_cpu(_stp_ctx, cpu);

		if (c && c->timing)
			_stp_stat_merge(st, &c->timing[i], &_stp_timing_sd);
	}
}

/* Print the reports through this CPU's context, as a handler would:
 * every probe is disarmed by now, so it is free. */
static void _stp_timing_report(void)
{
	const struct stp_probe *p;
	const struct stp_lock_info *l;
	struct stp_stat st;

	preempt_disable();
	if (this_cpu_inc_return(_stp_busy) != 1)
		goto out;
	_stp_printf("----- probe hit report: \n");
	for (p = _stp_probes; p->pp; p++) {
		_stp_timing_merge(&st, p->index);
		if (!st.count)
			continue;
		_stp_printf("%s, (%s), hits: %lld, " STP_TIMING_UNIT ": %lldmin/%lldavg/%lldmax, variance: %lld,%s, index: %u\n",
			    p->pp, p->location, (long long)st.count,
			    (long long)st.min, (long long)_stp_stat_avg(&st),
			    (long long)st.max,
			    (long long)_stp_stat_variance(&st, &_stp_timing_sd),
			    p->derivation, p->index);
	}
	_stp_printf("----- refresh report:\n");
	for (l = _stp_lock_infos; l->name; l++) {
		int n = atomic_read(&l->stats->contended);

		if (n)
			_stp_printf("'%s' lock contention occurred %d times\n",
				    l->name, n);
	}
	_stp_print_flush_sink(_stp_cur_sink());
out:
	this_cpu_dec(_stp_busy);
	preempt_enable();
}

/* After "Number of errors: N, skipped probes: M": why. */
static void _stp_timing_skips(void)
{
	const struct stp_lock_info *l;
	int n;

	for (l = _stp_lock_infos; l->name; l++) {
		n = atomic_read(&l->stats->skipped);
		if (n)
			_stp_warn_final("Skipped due to global '%s' lock timeout: %d",
					l->name, n);
	}
	n = atomic_read(&_stp_skipped_why[STP_SKIP_REENTRANCY]);
	if (n)
		_stp_warn_final("Skipped due to reentrancy: %d", n);
}

#endif /* _STP_TIMING_H_ */
