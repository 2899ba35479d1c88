/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module init/exit and the session's life cycle (doc/transport.md):
 * load allocates everything and arms nothing; STP_START runs the begin
 * probes and arms the others; STP_STOP disarms, runs the end probes (or
 * the error probes after too many errors) and reports; unload stops the
 * session if stapio did not, then frees.
 *
 * Included last by the generated code, which has defined by then the
 * NULL-terminated tables _stp_begin_probes, _stp_end_probes,
 * _stp_error_probes (sorted by sequence number); _stp_probe_groups, the
 * tables of the other probe kinds with their arm and disarm functions
 * (stp_timer.h, stp_kprobe.h, stp_tracepoint.h, stp_perf.h: one runtime
 * header per kind), ending with a NULL .table; and
 * _stp_globals_init()/_stp_globals_free().
 */
#ifndef _STP_MODULE_H_
#define _STP_MODULE_H_

#ifdef STP_TIMING
#include "stp_timing.h"
#endif

static int _stp_started, _stp_stopped;
static u64 _stp_disarm_ns;		/* how long disarming took */

static void _stp_run_be_list(const struct stp_probe *const *list, int state)
{
	for (; *list; list++)
		_stp_run_be_probe(*list, state);
}

static int _stp_have_be_probes(void)
{
	return _stp_begin_probes[0] || _stp_end_probes[0] ||
	       _stp_error_probes[0];
}

/* Disarm every probe that is not begin/end/error, the groups in the
 * reverse order; no handler runs on after this.  Idempotent. */
static void _stp_disarm_probes(void)
{
	const struct stp_probe_group *g = _stp_probe_groups;
	u64 t0 = ktime_get_ns();

	while (g->table)
		g++;
	while (g-- > _stp_probe_groups)
		g->disarm(g->table);
	_stp_disarm_ns += ktime_get_ns() - t0;
}

/*
 * Arm every probe that is not begin/end/error: the groups of the probe
 * kinds the module has, in order, counting into R.  Returns 0, or the
 * last error when nothing at all could be armed.  Arming stops early
 * (_stp_arm_stopped) on a signal to the writer or the module's unload:
 * what was armed is then disarmed again and the session stops, -EINTR;
 * or when the session left RUNNING meanwhile.
 */
static int _stp_arm_probes(struct stp_arm_result *r)
{
	const struct stp_probe_group *g;

	for (g = _stp_probe_groups; g->table && !_stp_arm_stopped(r); g++)
		g->arm(g->table, r);
	if (r->stop == STP_ARM_INTERRUPTED) {
		_stp_disarm_probes();
		atomic_cmpxchg(&_stp_session_state, STP_SESSION_RUNNING,
			       STP_SESSION_STOPPING);
		return -EINTR;
	}
	if (r->tried && !r->armed && !_stp_have_be_probes())
		return r->rc ? r->rc : -ENOENT;
	return 0;
}

/* STP_START, with _stp_cmd_mutex held. */
static int _stp_handle_start(void)
{
	static struct _stp_msg_started st;
	struct stp_arm_result r = { 0 };

	_stp_stapio_pid = current->tgid;
	if (_stp_started) {
		/* a reader attaches again (staprun -A) */
		st.rc = 0;
		_stp_ctl_send(STP_STARTED, &st, sizeof(st));
		return 0;
	}
	_stp_started = 1;
	_stp_run_be_list(_stp_begin_probes, STP_SESSION_STARTING);
	atomic_cmpxchg(&_stp_session_state, STP_SESSION_STARTING,
		       STP_SESSION_RUNNING);
	if (atomic_read(&_stp_session_state) == STP_SESSION_RUNNING) {
		u64 t0 = ktime_get_ns();

		st.rc = _stp_arm_probes(&r);
		st.arm_ms = div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC);
	}
	st.tried = r.tried;
	st.armed = r.armed;
	st.failed = r.tried - r.armed;
	st.batched = r.batched;
	st.batch_ms = r.batch_ms;
	_stp_ctl_send(STP_STARTED, &st, sizeof(st));
	return 0;
}

/* STP_STOP (with _stp_cmd_mutex held) and module unload. */
static void _stp_handle_stop(void)
{
	struct _stp_msg_stopped st = { 0 };
	unsigned long records, lines;
	int errors, skipped, reentered = 0;
	u64 dropped;

	if (_stp_stopped)
		return;
	_stp_stopped = 1;
	atomic_cmpxchg(&_stp_session_state, STP_SESSION_RUNNING,
		       STP_SESSION_STOPPING);
	atomic_cmpxchg(&_stp_session_state, STP_SESSION_STARTING,
		       STP_SESSION_STOPPING);
	_stp_disarm_probes();
	if (_stp_started) {
		_stp_run_be_list(_stp_end_probes, STP_SESSION_STOPPING);
		_stp_run_be_list(_stp_error_probes, STP_SESSION_ERROR);
	}
	atomic_set(&_stp_session_state, STP_SESSION_STOPPED);
#ifdef STP_TIMING
	_stp_timing_report();
#endif

	errors = atomic_read(&_stp_error_count);
	skipped = atomic_read(&_stp_skipped_count);
	/* reentered probes are no skipped probes (stp_context.h), and
	 * said only by stap -t, as in SystemTap */
#ifdef STP_TIMING
	reentered = atomic_read(&_stp_skipped_why[STP_SKIP_REENTRANCY]);
#endif
	dropped = _stp_data_dropped(&records, &lines);
	if (atomic_read(&_stp_ctl_dropped))
		_stp_warn_final("%d warning and error messages were dropped",
				atomic_read(&_stp_ctl_dropped));
	if (errors || skipped || reentered) {
		_stp_warn_final("Number of errors: %d, skipped probes: %d",
				errors, skipped);
#ifdef STP_TIMING
		_stp_timing_skips();
#endif
	}
	if (records)
		_stp_warn_final("There were %lu transport failures (%lu lines of output lost). Try stap -s to increase the buffer size from %lu.",
				records, lines,
				_stp_rings ? _stp_rings[0].size >> 20 : 0UL);
	st.nerrors = errors;
	st.nskipped = skipped;
	st.dropped_bytes = dropped;
	st.disarm_ms = div_u64(_stp_disarm_ns, NSEC_PER_MSEC);
	_stp_ctl_send(STP_STOPPED, &st, sizeof(st));
	WRITE_ONCE(_stp_data_eof, 1);
	_stp_wake_readers();
}

static int __init _stp_module_init(void)
{
	int rc;

	rc = _stp_alloc_contexts();
	if (rc)
		return rc;
	rc = _stp_globals_init();
	if (rc)
		goto out_contexts;
	rc = _stp_transport_init();
	if (rc)
		goto out_globals;
#ifdef STP_HAVE_USYM
	_stp_usym_init(_stp_uobjs);
#endif
	return 0;

out_globals:
	_stp_globals_free();
out_contexts:
	_stp_free_contexts();
	return rc;
}

static void __exit _stp_module_exit(void)
{
	/* an STP_START arming meanwhile stops and undoes what it armed */
	atomic_set(&_stp_arm_abort, 1);
	mutex_lock(&_stp_cmd_mutex);
	_stp_handle_stop();
	mutex_unlock(&_stp_cmd_mutex);
	_stp_transport_exit();
	/* no handler can run any more: kprobes were unregistered, which
	 * waited for the ones in flight */
	_stp_globals_free();
#ifdef STP_HAVE_USYM
	_stp_usym_exit();
#endif
	_stp_free_contexts();
}

module_init(_stp_module_init);
module_exit(_stp_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("systemtap-c probe module");

#endif /* _STP_MODULE_H_ */
