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
 * _stp_error_probes (sorted by sequence number), and, with
 * STP_HAVE_HRTIMERS / STP_HAVE_JTIMERS / STP_HAVE_KPROBES /
 * STP_HAVE_TRACEPOINTS / STP_HAVE_PERF, _stp_hrtimers, _stp_jtimers,
 * _stp_kprobes, _stp_tracepoints, _stp_perfs (terminated by a NULL
 * .probe); and
 * _stp_globals_init()/_stp_globals_free().
 */
#ifndef _STP_MODULE_H_
#define _STP_MODULE_H_

static int _stp_started, _stp_stopped;

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

#ifdef STP_HAVE_KPROBES
static int _stp_register_kprobe(struct stp_kprobe *k)
{
	if (k->ret) {
		struct kretprobe *rp = &k->u.rp;

		memset(rp, 0, sizeof(*rp));
		if (k->symbol[0]) {
			rp->kp.symbol_name = k->symbol;
			rp->kp.offset = k->offset;
		} else {	/* .absolute: offset is the address */
			rp->kp.addr = (kprobe_opcode_t *)k->offset;
		}
		rp->handler = k->rh;
		rp->entry_handler = k->eh;
		rp->data_size = k->data_size;
		rp->maxactive = k->maxactive >= 0 ? k->maxactive : KRETACTIVE;
		return register_kretprobe(rp);
	} else {
		struct kprobe *kp = &k->u.kp;

		memset(kp, 0, sizeof(*kp));
		if (k->symbol[0]) {
			kp->symbol_name = k->symbol;
			kp->offset = k->offset;
		} else {	/* .absolute: offset is the address */
			kp->addr = (kprobe_opcode_t *)k->offset;
		}
		kp->pre_handler = k->pre;
		return register_kprobe(kp);
	}
}

static void _stp_unregister_kprobes(void)
{
	struct kprobe **kps = NULL;
	struct kretprobe **rps = NULL;
	int nk = 0, nr = 0, n = 0;
	struct stp_kprobe *k;

	for (k = _stp_kprobes; k->probe; k++)
		n++;
	kps = kcalloc(n, sizeof(*kps), GFP_KERNEL);
	rps = kcalloc(n, sizeof(*rps), GFP_KERNEL);
	for (k = _stp_kprobes; k->probe; k++) {
		if (!k->registered)
			continue;
		if (kps && rps) {
			if (k->ret)
				rps[nr++] = &k->u.rp;
			else
				kps[nk++] = &k->u.kp;
		} else if (k->ret) {
			unregister_kretprobe(&k->u.rp);
		} else {
			unregister_kprobe(&k->u.kp);
		}
		k->registered = 0;
	}
	/* batched: one RCU grace period for all */
	if (nk)
		unregister_kprobes(kps, nk);
	if (nr)
		unregister_kretprobes(rps, nr);
	kfree(kps);
	kfree(rps);
}
#endif

#ifdef STP_HAVE_TRACEPOINTS
static void _stp_tracepoint_find(struct tracepoint *tp, void *priv)
{
	struct stp_tracepoint *t;

	for (t = _stp_tracepoints; t->probe; t++)
		if (!t->tp && !strcmp(t->name, tp->name))
			t->tp = tp;
}

static int _stp_register_tracepoint(struct stp_tracepoint *t)
{
	if (!t->tp)
		return -ENOENT;
	return tracepoint_probe_register(t->tp, t->fn, NULL);
}

static void _stp_unregister_tracepoints(void)
{
	struct stp_tracepoint *t;
	int any = 0;

	for (t = _stp_tracepoints; t->probe; t++)
		if (t->registered) {
			tracepoint_probe_unregister(t->tp, t->fn, NULL);
			t->registered = 0;
			any = 1;
		}
	/* no probe function runs on after this (one grace period) */
	if (any)
		tracepoint_synchronize_unregister();
}
#endif

#ifdef STP_HAVE_PERF
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
#endif

/* Arm every probe that is not begin/end/error.  Returns 0, or the last
 * error when nothing at all could be armed. */
static int _stp_arm_probes(void)
{
	int armed = 0, tried = 0, rc = 0;
#ifdef STP_HAVE_KPROBES
	struct stp_kprobe *k;

	for (k = _stp_kprobes; k->probe; k++) {
		int err = _stp_register_kprobe(k);

		tried++;
		if (err) {
			rc = err;
			if (!k->optional)
				_stp_warn("probe %s registration error (rc %d)",
					  k->probe->pp, err);
			continue;
		}
		k->registered = 1;
		armed++;
	}
#endif
#ifdef STP_HAVE_PERF
	{
		struct stp_perf *p;

		for (p = _stp_perfs; p->probe; p++) {
			int err = _stp_register_perf(p);

			tried++;
			if (err) {
				rc = err;
				_stp_warn("probe %s registration error (rc %d)",
					  p->probe->pp, err);
				continue;
			}
			armed++;
		}
	}
#endif
#ifdef STP_HAVE_TRACEPOINTS
	{
		struct stp_tracepoint *t;

		for_each_kernel_tracepoint(_stp_tracepoint_find, NULL);
		for (t = _stp_tracepoints; t->probe; t++) {
			int err = _stp_register_tracepoint(t);

			tried++;
			if (err) {
				rc = err;
				_stp_warn("probe %s registration error (rc %d)",
					  t->probe->pp, err);
				continue;
			}
			t->registered = 1;
			armed++;
		}
	}
#endif
#ifdef STP_HAVE_HRTIMERS
	{
		struct stp_hrtimer *t;

		for (t = _stp_hrtimers; t->probe; t++) {
			tried++;
			hrtimer_init(&t->timer, CLOCK_MONOTONIC,
				     HRTIMER_MODE_REL);
			t->timer.function = _stp_hrtimer_fn;
			t->armed = 1;
			hrtimer_start(&t->timer,
				      ns_to_ktime(_stp_hrtimer_next(t)),
				      HRTIMER_MODE_REL);
			armed++;
		}
	}
#endif
#ifdef STP_HAVE_JTIMERS
	{
		struct stp_jtimer *j;

		for (j = _stp_jtimers; j->probe; j++) {
			tried++;
			timer_setup(&j->timer, _stp_jtimer_fn, 0);
			WRITE_ONCE(j->armed, 1);
			mod_timer(&j->timer, _stp_jtimer_next(j));
			armed++;
		}
	}
#endif
	if (tried && !armed && !_stp_have_be_probes())
		return rc ? rc : -ENOENT;
	return 0;
}

static void _stp_disarm_probes(void)
{
#ifdef STP_HAVE_HRTIMERS
	struct stp_hrtimer *t;

	for (t = _stp_hrtimers; t->probe; t++)
		if (t->armed) {
			hrtimer_cancel(&t->timer);
			t->armed = 0;
		}
#endif
#ifdef STP_HAVE_JTIMERS
	{
		struct stp_jtimer *j;

		for (j = _stp_jtimers; j->probe; j++)
			if (j->armed) {
				WRITE_ONCE(j->armed, 0);
				del_timer_sync(&j->timer);
			}
	}
#endif
#ifdef STP_HAVE_KPROBES
	_stp_unregister_kprobes();
#endif
#ifdef STP_HAVE_TRACEPOINTS
	_stp_unregister_tracepoints();
#endif
#ifdef STP_HAVE_PERF
	{
		struct stp_perf *p;

		for (p = _stp_perfs; p->probe; p++)
			_stp_unregister_perf(p);
	}
#endif
}

/* STP_START, with _stp_cmd_mutex held. */
static int _stp_handle_start(void)
{
	s32 rc = 0;

	if (_stp_started) {
		/* a reader attaches again (staprun -A) */
		_stp_ctl_send(STP_STARTED, &rc, sizeof(rc));
		return 0;
	}
	_stp_started = 1;
	_stp_run_be_list(_stp_begin_probes, STP_SESSION_STARTING);
	atomic_cmpxchg(&_stp_session_state, STP_SESSION_STARTING,
		       STP_SESSION_RUNNING);
	if (atomic_read(&_stp_session_state) == STP_SESSION_RUNNING)
		rc = _stp_arm_probes();
	_stp_ctl_send(STP_STARTED, &rc, sizeof(rc));
	return 0;
}

/* STP_STOP (with _stp_cmd_mutex held) and module unload. */
static void _stp_handle_stop(void)
{
	struct _stp_msg_stopped st;
	unsigned long records;
	int errors, skipped;
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

	errors = atomic_read(&_stp_error_count);
	skipped = atomic_read(&_stp_skipped_count);
	dropped = _stp_data_dropped(&records);
	if (atomic_read(&_stp_ctl_dropped))
		_stp_warn_final("%d warning and error messages were dropped",
				atomic_read(&_stp_ctl_dropped));
	if (errors || skipped)
		_stp_warn_final("Number of errors: %d, skipped probes: %d",
				errors, skipped);
	if (records)
		_stp_warn_final("There were %lu transport failures. Try stap -s to increase the buffer size from %lu.",
				records,
				_stp_rings ? _stp_rings[0].size >> 20 : 0UL);
	st.nerrors = errors;
	st.nskipped = skipped;
	st.dropped_bytes = dropped;
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
	return 0;

out_globals:
	_stp_globals_free();
out_contexts:
	_stp_free_contexts();
	return rc;
}

static void __exit _stp_module_exit(void)
{
	mutex_lock(&_stp_cmd_mutex);
	_stp_handle_stop();
	mutex_unlock(&_stp_cmd_mutex);
	_stp_transport_exit();
	/* no handler can run any more: kprobes were unregistered, which
	 * waited for the ones in flight */
	_stp_globals_free();
	_stp_free_contexts();
}

module_init(_stp_module_init);
module_exit(_stp_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("systemtap-c probe module");

#endif /* _STP_MODULE_H_ */
