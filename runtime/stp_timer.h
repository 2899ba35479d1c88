/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timer probes (stap/probe_timer.c): one hrtimer per timer.s/ms/us/ns(N)
 * probe, one timer_list per timer.jiffies(N)/timer.hz(N) probe.  The
 * generated tables _stp_hrtimers and _stp_jtimers end with a NULL .probe.
 */
#ifndef _STP_TIMER_H_
#define _STP_TIMER_H_

/* timer.s/ms/us/ns(N)[.randomize(M)]: one hrtimer per probe */
struct stp_hrtimer {
	const struct stp_probe *probe;
	u64 interval_ns;
	u64 randomize_ns;
	struct hrtimer timer;
	int armed;
};

static u64 _stp_hrtimer_next(const struct stp_hrtimer *t)
{
	s64 ns = t->interval_ns;

	if (t->randomize_ns)
		ns += (s64)(get_random_u32() % (u32)(2 * t->randomize_ns + 1)) -
		      (s64)t->randomize_ns;
	return ns > 0 ? ns : 1;
}

static enum hrtimer_restart _stp_hrtimer_fn(struct hrtimer *h)
{
	struct stp_hrtimer *t = container_of(h, struct stp_hrtimer, timer);

	_stp_run_probe(t->probe, NULL);
	if (atomic_read(&_stp_session_state) != STP_SESSION_RUNNING)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(h, ns_to_ktime(_stp_hrtimer_next(t)));
	return HRTIMER_RESTART;
}

static __maybe_unused void _stp_hrtimers_arm(void *table,
					       struct stp_arm_result *r)
{
	struct stp_hrtimer *t;

	for (t = table; t->probe && !_stp_arm_stopped(r); t++) {
		r->tried++;
		hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		t->timer.function = _stp_hrtimer_fn;
		t->armed = 1;
		hrtimer_start(&t->timer, ns_to_ktime(_stp_hrtimer_next(t)),
			      HRTIMER_MODE_REL);
		r->armed++;
	}
}

static __maybe_unused void _stp_hrtimers_disarm(void *table)
{
	struct stp_hrtimer *t;

	for (t = table; t->probe; t++)
		if (t->armed) {
			hrtimer_cancel(&t->timer);
			t->armed = 0;
		}
}

/* timer.jiffies(N)[.randomize(M)], timer.hz(N) */
struct stp_jtimer {
	const struct stp_probe *probe;
	unsigned long interval;
	unsigned long randomize;
	struct timer_list timer;
	int armed;
};

static unsigned long _stp_jtimer_next(const struct stp_jtimer *t)
{
	long j = t->interval;

	if (t->randomize)
		j += (long)(get_random_u32() % (u32)(2 * t->randomize + 1)) -
		     (long)t->randomize;
	return jiffies + (j > 0 ? j : 1);
}

static void _stp_jtimer_fn(struct timer_list *tl)
{
	struct stp_jtimer *t = from_timer(t, tl, timer);

	_stp_run_probe(t->probe, NULL);
	if (atomic_read(&_stp_session_state) == STP_SESSION_RUNNING &&
	    READ_ONCE(t->armed))
		mod_timer(&t->timer, _stp_jtimer_next(t));
}

static __maybe_unused void _stp_jtimers_arm(void *table,
					      struct stp_arm_result *r)
{
	struct stp_jtimer *j;

	for (j = table; j->probe && !_stp_arm_stopped(r); j++) {
		r->tried++;
		timer_setup(&j->timer, _stp_jtimer_fn, 0);
		WRITE_ONCE(j->armed, 1);
		mod_timer(&j->timer, _stp_jtimer_next(j));
		r->armed++;
	}
}

static __maybe_unused void _stp_jtimers_disarm(void *table)
{
	struct stp_jtimer *j;

	for (j = table; j->probe; j++)
		if (j->armed) {
			WRITE_ONCE(j->armed, 0);
			del_timer_sync(&j->timer);
		}
}

#endif /* _STP_TIMER_H_ */
