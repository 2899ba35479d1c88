/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Session state, error and skip counters, and the queue of control
 * messages for stapio (STP_OOB warnings/errors, STP_REQUEST_EXIT, ...).
 *
 * The queue is a ring of fixed slots under a raw spinlock, so probe
 * handlers in any context can report; readers are woken by the transport
 * timer, never from probe context.
 */
#ifndef _STP_SESSION_H_
#define _STP_SESSION_H_

enum {
	STP_SESSION_STARTING,	/* loaded; begin probes run in this state */
	STP_SESSION_RUNNING,	/* probes armed */
	STP_SESSION_ERROR,	/* too many errors: only error probes run */
	STP_SESSION_STOPPING,	/* exit requested: end probes run */
	STP_SESSION_STOPPED,
};

static atomic_t _stp_session_state = ATOMIC_INIT(STP_SESSION_STARTING);
static atomic_t _stp_error_count = ATOMIC_INIT(0);
static atomic_t _stp_skipped_count = ATOMIC_INIT(0);
static atomic_t _stp_exit_requested = ATOMIC_INIT(0);
/* The module is being unloaded: an STP_START still arming stops. */
static atomic_t _stp_arm_abort = ATOMIC_INIT(0);

/* Why a probe hit was skipped (counted separately for stap -t). */
enum {
	STP_SKIP_REENTRANCY, STP_SKIP_LOCK, STP_SKIP_OTHER, STP_SKIP_NR,
};
static atomic_t _stp_skipped_why[STP_SKIP_NR];

static inline int _stp_session_state_get(void)
{
	return atomic_read(&_stp_session_state);
}

/* ------------------------------------------------------------------ */
/* control messages to stapio */

#define STP_CTL_SLOTS 128
#define STP_CTL_SLOT_SIZE 2048

struct _stp_ctl_slot {
	struct _stp_msg_hdr hdr;
	char data[STP_CTL_SLOT_SIZE - sizeof(struct _stp_msg_hdr)];
};

static struct _stp_ctl_slot *_stp_ctl_q;	/* STP_CTL_SLOTS slots */
static unsigned int _stp_ctl_head, _stp_ctl_tail;	/* free-running */
static DEFINE_RAW_SPINLOCK(_stp_ctl_lock);
static atomic_t _stp_ctl_dropped = ATOMIC_INIT(0);

/*
 * Take a free slot with the lock held (irqs off), using at most LIMIT
 * slots; NULL if full.  Text (STP_OOB) from handlers may not take the last
 * STP_CTL_RESERVED slots, so that the end-of-session summary, and
 * STP_STARTED, STP_REQUEST_EXIT and STP_STOPPED always get through (stapio
 * cannot drain the queue while it waits in its STP_START/STP_STOP write).
 */
#define STP_CTL_RESERVED 4
#define STP_CTL_LIMIT_TEXT (STP_CTL_SLOTS - STP_CTL_RESERVED)
#define STP_CTL_LIMIT_FINAL (STP_CTL_SLOTS - 1)

static __maybe_unused struct _stp_ctl_slot *
_stp_ctl_reserve(unsigned long *flags, unsigned int limit)
{
	raw_spin_lock_irqsave(&_stp_ctl_lock, *flags);
	if (!_stp_ctl_q || _stp_ctl_head - _stp_ctl_tail >= limit) {
		raw_spin_unlock_irqrestore(&_stp_ctl_lock, *flags);
		atomic_inc(&_stp_ctl_dropped);
		return NULL;
	}
	return &_stp_ctl_q[_stp_ctl_head % STP_CTL_SLOTS];
}

static __maybe_unused void _stp_ctl_commit(unsigned long flags)
{
	_stp_ctl_head++;
	raw_spin_unlock_irqrestore(&_stp_ctl_lock, flags);
}

static __maybe_unused void _stp_ctl_send(u32 type, const void *data, u32 len)
{
	struct _stp_ctl_slot *s;
	unsigned long flags;

	if (len > sizeof(s->data))
		len = sizeof(s->data);
	s = _stp_ctl_reserve(&flags, type == STP_OOB ? STP_CTL_LIMIT_TEXT :
				 STP_CTL_SLOTS);
	if (!s)
		return;
	s->hdr.type = type;
	s->hdr.len = len;
	memcpy(s->data, data, len);
	_stp_ctl_commit(flags);
}

/* An STP_OOB line: PREFIX, the formatted text and a newline, using at
 * most LIMIT slots of the queue. */
static __maybe_unused __printf(3, 0) void
_stp_ctl_vprintf(unsigned int limit, const char *prefix, const char *fmt,
		 va_list ap)
{
	struct _stp_ctl_slot *s;
	unsigned long flags;
	size_t n, room;

	s = _stp_ctl_reserve(&flags, limit);
	if (!s)
		return;
	room = sizeof(s->data);
	n = strscpy(s->data, prefix, room);
	n += vscnprintf(s->data + n, room - n - 1, fmt, ap);
	if (n == 0 || s->data[n - 1] != '\n')
		s->data[n++] = '\n';
	s->hdr.type = STP_OOB;
	s->hdr.len = n;
	_stp_ctl_commit(flags);
}

static __maybe_unused __printf(1, 2) void _stp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_stp_ctl_vprintf(STP_CTL_LIMIT_TEXT, "WARNING: ", fmt, ap);
	va_end(ap);
}

/* The end-of-session summary lines (may use reserved slots). */
static __maybe_unused __printf(1, 2) void _stp_warn_final(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_stp_ctl_vprintf(STP_CTL_LIMIT_FINAL, "WARNING: ", fmt, ap);
	va_end(ap);
}

/* An error that is not a script handler's (those go through
 * _stp_report_error and count toward MAXERRORS). */
static __maybe_unused __printf(1, 2) void _stp_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_stp_ctl_vprintf(STP_CTL_LIMIT_TEXT, "ERROR: ", fmt, ap);
	va_end(ap);
}

/* exit(): stop running handlers, ask stapio to stop the session. */
static __maybe_unused void _stp_request_exit(void)
{
	atomic_cmpxchg(&_stp_session_state, STP_SESSION_RUNNING,
		       STP_SESSION_STOPPING);
	atomic_cmpxchg(&_stp_session_state, STP_SESSION_STARTING,
		       STP_SESSION_STOPPING);
	if (atomic_cmpxchg(&_stp_exit_requested, 0, 1) == 0)
		_stp_ctl_send(STP_REQUEST_EXIT, NULL, 0);
}

/* Too many errors: only error probes run from now on.  Returns 1 for
 * the caller that made the change. */
static __maybe_unused int _stp_session_error(void)
{
	int s = atomic_read(&_stp_session_state), changed = 0;

	while (s == STP_SESSION_STARTING || s == STP_SESSION_RUNNING ||
	       s == STP_SESSION_STOPPING) {
		int old = atomic_cmpxchg(&_stp_session_state, s,
					 STP_SESSION_ERROR);
		if (old == s) {
			changed = 1;
			break;
		}
		s = old;
	}
	if (atomic_cmpxchg(&_stp_exit_requested, 0, 1) == 0)
		_stp_ctl_send(STP_REQUEST_EXIT, NULL, 0);
	return changed;
}

/* A probe hit that could not run. */
static __maybe_unused void _stp_skip(int why)
{
	atomic_inc(&_stp_skipped_why[why]);
#ifdef STAP_SUPPRESS_HANDLER_ERRORS
	atomic_inc(&_stp_skipped_count);	/* no MAXSKIPPED */
#else
	if (unlikely(atomic_inc_return(&_stp_skipped_count) > MAXSKIPPED) &&
	    _stp_session_error())
		_stp_error("Skipped too many probes, check MAXSKIPPED or try again with stap -t for more details.");
#endif
}

#endif /* _STP_SESSION_H_ */
