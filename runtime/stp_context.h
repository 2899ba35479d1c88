/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probe context: one per CPU, allocated at module load.  A handler
 * owns its CPU's context from entry to exit (a second handler arriving on
 * the same CPU meanwhile, e.g. from an NMI or a probe inside the runtime,
 * is skipped and counted).  The context holds the handler's locals and
 * temporaries (union stp_probe_locals), the frames of script functions
 * (union stp_func_frame, one per nesting level), the print buffer and the
 * error state, so nothing big lives on the kernel stack.
 *
 * The generated code defines the two unions and MAXNESTING before
 * including this file.
 */
#ifndef _STP_CONTEXT_H_
#define _STP_CONTEXT_H_

#ifndef STP_MAXCALLERS
#define STP_MAXCALLERS 8
#endif

/* Handlers run with preemption disabled, interrupts enabled, as with
 * SystemTap's default; -DINTERRUPTIBLE=0 disables interrupts instead
 * (see _stp_run_probe_data). */
#ifndef INTERRUPTIBLE
#define INTERRUPTIBLE 1
#endif

struct context {
	int actionremaining;
#ifdef STP_OVERLOAD
	cycles_t cycles_base;		/* start of this overload interval */
	cycles_t cycles_sum;		/* handler cycles in it */
#endif
	int nesting;			/* script function call depth */
	int ncallers;
	int next;			/* a script function said 'next' */
	const struct stp_probe *probe;
	struct pt_regs *kregs;		/* kprobes: the probed registers */
	unsigned long probe_ip;		/* kprobes: the probed address */
	struct pt_regs *sregs;		/* a syscall's user registers, when a
					   tapset found them (*_arg read them) */
#ifdef STP_REGEX_MAXPROG
	int re_matched;			/* the last =~ matched: */
	int re_ngroups;
	int re_caps[STP_REGEX_MAXCAP];	/* its groups' offsets (-1: none) */
	char re_subject[MAXSTRINGLEN];	/* in this copy of the subject */
#endif
	void *entry_data;		/* kretprobes: the instance's values
					   saved at entry (@entry, $params);
					   tracepoints: their arguments
					   (unsigned long[]) */
	const char *last_error;		/* set: the handler is failing */
	const char *last_stmt;		/* where: "operator '/' at f:1:2" */
	const char *callers[STP_MAXCALLERS];	/* call sites, innermost first */
#ifdef STP_TIMING
	struct stp_stat *timing;	/* stap -t: this CPU's statistics of
					   each probe's run times,
					   STP_NPROBES of them */
#endif
	struct stp_sink psink;		/* print buffer */
	char error_buffer[MAXSTRINGLEN];	/* STAP_ERROR text */
	char msg_buffer[STP_CTL_SLOT_SIZE];	/* composing the ERROR line */
	char pbuf[STP_BUFFER_SIZE];
	union stp_probe_locals pl;
	union stp_func_frame frames[MAXNESTING > 0 ? MAXNESTING : 1];
};

static DEFINE_PER_CPU(struct context *, _stp_ctx);
/* The context is taken: a per-CPU counter, so that taking it is one
 * unlocked instruction that interrupts and NMIs cannot split. */
static DEFINE_PER_CPU(int, _stp_busy);

/* Everything printed so far, as one output record (a handler's end). */
static __maybe_unused void _stp_print_flush_sink(struct stp_sink *s)
{
	_stp_data_write(s->buf, s->len);
	s->len = 0;
}

/*
 * The print buffer is full in the middle of a handler: out with its
 * complete lines only, so that a record the transport must drop takes
 * whole lines with it and never cuts or merges one.  A line longer than
 * the whole buffer goes out in pieces.
 */
static __maybe_unused void _stp_print_flush_lines(struct stp_sink *s)
{
	unsigned int n = s->len;

	while (n && s->buf[n - 1] != '\n')
		n--;
	if (!n)
		n = s->len;

	_stp_data_write(s->buf, n);
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
}

static __maybe_unused void _stp_free_contexts(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
#ifdef STP_TIMING
		if (per_cpu(_stp_ctx, cpu))
			vfree(per_cpu(_stp_ctx, cpu)->timing);
#endif
		vfree(per_cpu(_stp_ctx, cpu));
		per_cpu(_stp_ctx, cpu) = NULL;
	}
}

static __maybe_unused int _stp_alloc_contexts(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct context *c = _stp_mem_charge(sizeof(*c)) ?
			vzalloc_node(sizeof(*c), cpu_to_node(cpu)) : NULL;

		if (!c) {
			_stp_free_contexts();
			return -ENOMEM;
		}
		c->psink.buf = c->pbuf;
		c->psink.cap = sizeof(c->pbuf);
		c->psink.flush = _stp_print_flush_lines;
		per_cpu(_stp_ctx, cpu) = c;
#ifdef STP_TIMING
		c->timing = _stp_mem_charge(STP_NPROBES * sizeof(*c->timing)) ?
			vzalloc_node(STP_NPROBES * sizeof(*c->timing),
				     cpu_to_node(cpu)) : NULL;
		if (!c->timing) {
			_stp_free_contexts();
			return -ENOMEM;
		}
#endif
	}
	return 0;
}

/*
 * Enter a handler of probe P on this CPU (interrupts or preemption off).
 * Returns the context, or NULL if the session is not in STATE or the
 * context is busy (then the hit counts as skipped).
 */
static __always_inline struct context *
_stp_enter(const struct stp_probe *p, int state, struct pt_regs *regs,
	   unsigned long ip, int maxaction)
{
	struct context *c;

	if (unlikely(atomic_read(&_stp_session_state) != state))
		return NULL;
	if (unlikely(this_cpu_inc_return(_stp_busy) != 1)) {
		this_cpu_dec(_stp_busy);
#if INTERRUPTIBLE
		/* as in SystemTap: a probe of an interrupt that found its
		 * CPU's handler running is no skipped probe; stap -t says
		 * how many there were */
		atomic_inc(&_stp_skipped_why[STP_SKIP_REENTRANCY]);
#else
		_stp_skip(STP_SKIP_REENTRANCY);
#endif
		return NULL;
	}
	c = __this_cpu_read(_stp_ctx);
	/* nesting, last_error, last_stmt, ncallers are 0 between handlers */
	c->probe = p;
	c->kregs = regs;
	c->probe_ip = ip;
	c->sregs = NULL;
	c->entry_data = NULL;
#ifdef STP_REGEX_MAXPROG
	c->re_matched = 0;
#endif
	c->actionremaining = maxaction;
	return c;
}

/*
 * "ERROR: msg near where", as SystemTap 4.8 reports it: WHERE is the
 * statement that failed, or the function (its declaration) whose code
 * failed; error() leaves it empty ("ERROR: msg").
 */
static __maybe_unused void _stp_report_error(struct context *c)
{
	size_t n, room = sizeof(c->msg_buffer);

	n = scnprintf(c->msg_buffer, room, "%s", c->last_error);
	if (c->last_stmt && c->last_stmt[0])
		scnprintf(c->msg_buffer + n, room - n, " near %s",
			  c->last_stmt);
	_stp_error("%s", c->msg_buffer);
	if (atomic_inc_return(&_stp_error_count) > MAXERRORS)
		_stp_session_error();
}

#ifdef STP_OVERLOAD
/*
 * The handler that began at cycle START ends: add its cycles to this
 * CPU's sum; at the end of each STP_OVERLOAD_INTERVAL, a sum past
 * STP_OVERLOAD_THRESHOLD is an error that ends the session.
 */
static __always_inline void _stp_overload_check(struct context *c,
						cycles_t start)
{
	cycles_t end = get_cycles();

	c->cycles_sum += end - start;
	if (end > c->cycles_base &&
	    end - c->cycles_base <= (cycles_t)STP_OVERLOAD_INTERVAL)
		return;
	if (c->cycles_sum > (cycles_t)STP_OVERLOAD_THRESHOLD) {
		_stp_error("probe overhead (%lld cycles) exceeded threshold (%lld cycles) in last %lld cycles",
			   (long long)c->cycles_sum,
			   (long long)STP_OVERLOAD_THRESHOLD,
			   (long long)STP_OVERLOAD_INTERVAL);
		atomic_inc(&_stp_error_count);
		_stp_session_error();
	}
	c->cycles_base = end;
	c->cycles_sum = 0;
}
#define STP_OVERLOAD_START(t) cycles_t t = get_cycles()
#define STP_OVERLOAD_CHECK(c, t) _stp_overload_check(c, t)
#else
#define STP_OVERLOAD_START(t) do { } while (0)
#define STP_OVERLOAD_CHECK(c, t) do { } while (0)
#endif

#ifdef STP_TIMING
/*
 * stap -t: each run of a probe's handler, from before it takes its
 * context to the end of its body, goes into this CPU's statistics of
 * that probe (the context's, so that no other CPU writes the cache
 * line); the end of the session merges the CPUs (stp_timing.h).  In
 * cycles (get_cycles), or in ns with -DSTP_TIMING_NSECS.
 */
static const struct stp_stat_desc _stp_timing_sd = {
	.variance = 1, .size = sizeof(struct stp_stat),
};

#ifdef STP_TIMING_NSECS
#define _stp_timing_now() ((int64_t)ktime_get_mono_fast_ns())
#else
#define _stp_timing_now() ((int64_t)get_cycles())
#endif
#define STP_TIMING_DECLARE(t) int64_t t
#define STP_TIMING_START(t) (t) = _stp_timing_now()
#define STP_TIMING_ADD(c, p, t) \
	_stp_stat_add(&(c)->timing[(p)->index], &_stp_timing_sd, \
		      _stp_timing_now() - (t))
#else
#define STP_TIMING_DECLARE(t)
#define STP_TIMING_START(t) do { } while (0)
#define STP_TIMING_ADD(c, p, t) do { } while (0)
#endif

/*
 * --suppress-handler-errors: an error ends its handler quietly; it is
 * counted (the summary at the end says how many) but not reported and
 * does not count toward MAXERRORS.
 */
static __always_inline void _stp_leave(struct context *c)
{
#ifdef STAP_SUPPRESS_HANDLER_ERRORS
	if (unlikely(c->last_error)) {
		atomic_inc(&_stp_error_count);
		c->last_error = NULL;
		c->last_stmt = NULL;
		c->ncallers = 0;
	}
#endif
	if (unlikely(c->last_error)) {
		_stp_report_error(c);
		c->last_error = NULL;
		c->last_stmt = NULL;
		c->ncallers = 0;
	}
	if (c->psink.len)
		_stp_print_flush_sink(&c->psink);
	this_cpu_dec(_stp_busy);
}

/* The actions a handler may take: as in SystemTap, every handler gets
 * MAXACTION_INTERRUPTIBLE (ten times MAXACTION unless set) when
 * handlers run with interrupts enabled, the default; MAXACTION with
 * -DINTERRUPTIBLE=0. */
#if INTERRUPTIBLE
#define STP_HANDLER_MAXACTION MAXACTION_INTERRUPTIBLE
#else
#define STP_HANDLER_MAXACTION MAXACTION
#endif

/*
 * Run probe P's wrapper FN (kprobes, timers).  The generated code passes
 * FN directly, which saves an indirect call.  As SystemTap's default
 * INTERRUPTIBLE=1, only preemption is disabled: an interrupt's probe
 * finding the context busy is skipped (and counted).  -DINTERRUPTIBLE=0
 * disables interrupts instead.
 *
 * DATA is a kretprobe instance's entry data (or NULL).  Returns 0 if the
 * handler failed or did not run (the entry handler then drops the
 * instance, so its return handler does not run on missing values). */
static __always_inline int _stp_run_probe_data(const struct stp_probe *p,
					       struct pt_regs *regs,
					       unsigned long ip,
					       void (*fn)(struct context *),
					       void *data)
{
	struct context *c;
	int ok = 0;
	STP_TIMING_DECLARE(tt);
#if !INTERRUPTIBLE
	unsigned long flags;
#endif

	if (unlikely(atomic_read(&_stp_session_state) != STP_SESSION_RUNNING))
		return 0;
#if INTERRUPTIBLE
	preempt_disable_notrace();
#else
	local_irq_save(flags);
#endif
	STP_TIMING_START(tt);
	c = _stp_enter(p, STP_SESSION_RUNNING, regs, ip,
			STP_HANDLER_MAXACTION);
	if (likely(c)) {
		STP_OVERLOAD_START(t0);

		c->entry_data = data;
		fn(c);
		ok = !c->last_error;
		STP_OVERLOAD_CHECK(c, t0);
		STP_TIMING_ADD(c, p, tt);
		_stp_leave(c);
	}
#if INTERRUPTIBLE
	preempt_enable_notrace();
#else
	local_irq_restore(flags);
#endif
	return ok;
}

static __always_inline void _stp_run_probe_fn(const struct stp_probe *p,
					      struct pt_regs *regs,
					      unsigned long ip,
					      void (*fn)(struct context *))
{
	_stp_run_probe_data(p, regs, ip, fn, NULL);
}

static __always_inline void _stp_run_probe(const struct stp_probe *p,
					   struct pt_regs *regs)
{
	_stp_run_probe_fn(p, regs, 0, p->ph);
}

/* Run a begin/end/error handler: process context, preemption off. */
static __maybe_unused void _stp_run_be_probe(const struct stp_probe *p, int state)
{
	struct context *c;
	STP_TIMING_DECLARE(tt);

	preempt_disable();
	STP_TIMING_START(tt);
	c = _stp_enter(p, state, NULL, 0, STP_HANDLER_MAXACTION);
	if (c) {
		STP_OVERLOAD_START(t0);

		p->ph(c);
		STP_OVERLOAD_CHECK(c, t0);
		STP_TIMING_ADD(c, p, tt);
		_stp_leave(c);
	}
	preempt_enable();
}

/* ------------------------------------------------------------------ */
/* helpers for the generated code */

/* Record a runtime error at token description WHERE. */
#define STP_SET_ERROR(c, msg, where) \
	do { (c)->last_error = (msg); (c)->last_stmt = (where); } while (0)

/* After a call that failed: add the call site (innermost first). */
static inline void _stp_error_at_call(struct context *c, const char *where,
				      int script_fn)
{
	const char *prev = c->ncallers ? c->callers[c->ncallers - 1] :
					 c->last_stmt;

	if (!c->last_stmt)
		c->last_stmt = where;
	else if (script_fn && c->ncallers < STP_MAXCALLERS && prev != where)
		c->callers[c->ncallers++] = where;	/* recursion: once */
}

static inline int64_t _stp_sdiv(int64_t a, int64_t b)
{
	return b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b;
}

static inline int64_t _stp_smod(int64_t a, int64_t b)
{
	return b == -1 ? 0 : a % b;
}

/* The current CPU's print sink (for embedded C: _stp_printf). */
static inline struct stp_sink *_stp_cur_sink(void)
{
	return &__this_cpu_read(_stp_ctx)->psink;
}

static __maybe_unused __printf(1, 2) void _stp_printf(const char *fmt, ...)
{
	struct stp_sink *s = _stp_cur_sink();
	char *p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= (int)(s->cap - s->len))
		_stp_print_flush_lines(s);
	p = s->buf + s->len;
	va_start(ap, fmt);
	n = vscnprintf(p, s->cap - s->len, fmt, ap);
	va_end(ap);
	s->len += n;
}

static inline void _stp_print(const char *str)
{
	_stp_sink_puts(_stp_cur_sink(), str);
}

/*
 * Between two registrations: whether the kind's arm loop must stop.
 * Registering thousands of kprobes takes minutes (each one looks its
 * symbol up), and STP_START runs in stapio's write(), so a signal to
 * stapio (Ctrl-C, kill, even SIGKILL) or the unload of the module
 * (staprun -d, _stp_arm_abort) interrupts it here; stp_module.h then
 * removes what was armed.  A session that left RUNNING meanwhile
 * (exit() or errors in a probe already armed) just arms no more.
 */
/* A stop signal to the writer (stapio) or the module's unload. */
static inline int _stp_arm_interrupted(void)
{
	return signal_pending(current) || atomic_read(&_stp_arm_abort);
}

static __maybe_unused int _stp_arm_stopped(struct stp_arm_result *r)
{
	if (r->stop)
		return 1;
	if (_stp_arm_interrupted())
		r->stop = STP_ARM_INTERRUPTED;
	else if (atomic_read(&_stp_session_state) != STP_SESSION_RUNNING)
		r->stop = STP_ARM_ENDED;
	else
		cond_resched();
	return r->stop;
}

/*
 * Count a probe's registration (ERR: its result) for the kind's arm
 * function: armed, or an error, warned of unless the probe is OPTIONAL,
 * in SystemTap's words; SYM+OFF (kprobes) or ADDR (SYM NULL, absolute
 * kprobes) say where, when the kind has such a site.  Returns ERR.
 */
static __maybe_unused int _stp_probe_armed_at(struct stp_arm_result *r,
					      const struct stp_probe *p,
					      int err, int optional,
					      const char *sym,
					      unsigned long off)
{
	r->tried++;
	if (!err) {
		r->armed++;
		return 0;
	}
	r->rc = err;
	if (optional)
		return err;
	if (sym && sym[0])
		_stp_warn("probe %s (%s+%lu) registration error [man warning::pass5] (rc %d)",
			  p->pp, sym, off, err);
	else if (sym)
		_stp_warn("probe %s (address 0x%lx) registration error [man warning::pass5] (rc %d)",
			  p->pp, off, err);
	else
		_stp_warn("probe %s registration error [man warning::pass5] (rc %d)",
			  p->pp, err);
	return err;
}

static __maybe_unused int _stp_probe_armed(struct stp_arm_result *r,
					   const struct stp_probe *p, int err,
					   int optional)
{
	return _stp_probe_armed_at(r, p, err, optional, NULL, 0);
}

/*
 * The address of kernel function NAME, found by a kprobe registered on it
 * for a moment (kallsyms_lookup_name itself is not exported): 0 if none.
 */
static __maybe_unused unsigned long _stp_kprobe_addr(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	unsigned long addr;

	if (register_kprobe(&kp))
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

#include "stp_uaccess.h"

#endif /* _STP_CONTEXT_H_ */
