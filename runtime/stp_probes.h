/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Probe kinds: the structures the generated probe tables fill in, and the
 * callbacks the kernel invokes.  Registration is in stp_module.h.
 *
 * The generated code defines STP_HAVE_HRTIMERS, STP_HAVE_JTIMERS,
 * STP_HAVE_KPROBES, STP_HAVE_TRACEPOINTS and STP_HAVE_PERF when it has
 * such probes; the rest is not compiled (pass 4 time matters).
 */
#ifndef _STP_PROBES_H_
#define _STP_PROBES_H_

#ifdef STP_HAVE_HRTIMERS
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
#endif /* STP_HAVE_HRTIMERS */

#ifdef STP_HAVE_JTIMERS
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
#endif /* STP_HAVE_JTIMERS */

#ifdef STP_HAVE_KPROBES
/* kprobe.function(F), kernel.function(F) entry, and .return */
struct stp_kprobe {
	const struct stp_probe *probe;
	const char *symbol;
	unsigned long offset;
	int ret;			/* kretprobe */
	int maxactive;			/* -1: KRETACTIVE */
	/* the handlers made for this probe's wrapper (STP_KPROBE_HANDLERS) */
	int (*pre)(struct kprobe *kp, struct pt_regs *regs);
	int (*rh)(struct kretprobe_instance *ri, struct pt_regs *regs);
	/* .return probes saving values at entry (STP_KRETPROBE_ENTRY) */
	int (*eh)(struct kretprobe_instance *ri, struct pt_regs *regs);
	size_t data_size;
	int optional;
	int registered;
	union {
		struct kprobe kp;
		struct kretprobe rp;
	} u;
};

static inline struct stp_kprobe *
_stp_kretprobe_of(struct kretprobe_instance *ri)
{
	struct kretprobe *rp = get_kretprobe(ri);

	return rp ? container_of(rp, struct stp_kprobe, u.rp) : NULL;
}

/* A kprobe pre-handler and a kretprobe handler calling wrapper FN
 * directly (the generated code makes them for each wrapper of a kprobe). */
#define STP_KPROBE_HANDLERS(name, fn)					\
static __maybe_unused int name##_pre(struct kprobe *kp,		\
				     struct pt_regs *regs)		\
{									\
	_stp_run_probe_fn(container_of(kp, struct stp_kprobe, u.kp)->probe, \
			  regs, (unsigned long)kp->addr, fn);		\
	return 0;							\
}									\
static __maybe_unused int name##_ret(struct kretprobe_instance *ri,	\
				     struct pt_regs *regs)		\
{									\
	struct stp_kprobe *k = _stp_kretprobe_of(ri);			\
									\
	if (likely(k))							\
		_stp_run_probe_fn(k->probe, regs,			\
				  (unsigned long)k->u.rp.kp.addr, fn);	\
	return 0;							\
}

/* A .return probe that saves values at entry: the kretprobe's entry
 * handler runs ENTFN with the instance's data, the return handler FN. */
#define STP_KRETPROBE_ENTRY(name, fn, entfn)				\
static int name##_ent(struct kretprobe_instance *ri,			\
		      struct pt_regs *regs)				\
{									\
	struct stp_kprobe *k = _stp_kretprobe_of(ri);			\
									\
	if (unlikely(!k))						\
		return 1;						\
	return _stp_run_probe_data(k->probe, regs,			\
				   (unsigned long)k->u.rp.kp.addr,	\
				   entfn, ri->data) ? 0 : 1;		\
}									\
static int name##_retd(struct kretprobe_instance *ri,			\
		       struct pt_regs *regs)				\
{									\
	struct stp_kprobe *k = _stp_kretprobe_of(ri);			\
									\
	if (likely(k))							\
		_stp_run_probe_data(k->probe, regs,			\
				    (unsigned long)k->u.rp.kp.addr,	\
				    fn, ri->data);			\
	return 0;							\
}
#endif /* STP_HAVE_KPROBES */

#ifdef STP_HAVE_TRACEPOINTS
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
#endif /* STP_HAVE_TRACEPOINTS */

#ifdef STP_HAVE_PERF
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
#endif /* STP_HAVE_PERF */

#endif /* _STP_PROBES_H_ */
