/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoint probes (stap/probe_trace.c): kernel.trace("NAME").
 * The generated table _stp_tracepoints ends with a NULL .probe.
 */
#ifndef _STP_TRACEPOINT_H_
#define _STP_TRACEPOINT_H_

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>

/*
 * kernel.trace("NAME"): FN is the generated probe function, with the
 * tracepoint's prototype (void *data, then each argument as an unsigned
 * long); it runs the handler with the arguments as the context's
 * entry_data.  The kernel's struct tracepoint is looked up by name at
 * arming.  A module's (MODULE set) is attached by a tracepoint module
 * notifier, which the kernel calls at arming for each module loaded
 * then, and later for each module coming or going: the probe is
 * attached when its module comes (at once if it is loaded) and detached
 * before it goes, as often as the module is loaded during the session.
 */
struct stp_tracepoint {
	const struct stp_probe *probe;
	const char *name;
	void *fn;
	const char *module;		/* NULL: the kernel's */
	struct tracepoint *tp;
	struct module *mod;		/* the loaded module it is in */
	int registered;
};

static void _stp_tracepoint_find(struct tracepoint *tp, void *priv)
{
	struct stp_tracepoint *t;

	for (t = priv; t->probe; t++)
		if (!t->module && !t->tp && !strcmp(t->name, tp->name))
			t->tp = tp;
}

static int _stp_register_tracepoint(struct stp_tracepoint *t)
{
	if (!t->tp)
		return -ENOENT;
	return tracepoint_probe_register(t->tp, t->fn, NULL);
}

/* The module entries' table while armed, and what guards their state
 * against the notifier. */
static struct stp_tracepoint *_stp_tp_modtable;
static DEFINE_MUTEX(_stp_tp_mutex);
static int _stp_tp_stopping;

static struct tracepoint *_stp_module_tracepoint(struct module *mod,
						 const char *name)
{
	unsigned int i;

	for (i = 0; i < mod->num_tracepoints; i++) {
		struct tracepoint *tp =
			tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]);

		if (!strcmp(tp->name, name))
			return tp;
	}
	return NULL;
}

static int _stp_tp_module_notify(struct notifier_block *nb,
				 unsigned long val, void *data)
{
	struct module *mod = ((struct tp_module *)data)->mod;
	struct stp_tracepoint *t;
	int rc;

	mutex_lock(&_stp_tp_mutex);
	for (t = _stp_tp_modtable; t && t->probe && !_stp_tp_stopping; t++) {
		if (!t->module || strcmp(t->module, mod->name))
			continue;
		if (val == MODULE_STATE_COMING && !t->registered) {
			t->tp = _stp_module_tracepoint(mod, t->name);
			rc = _stp_register_tracepoint(t);
			if (rc) {
				_stp_warn("probe %s registration error [man warning::pass5] (rc %d)",
					  t->probe->pp, rc);
				continue;
			}
			t->mod = mod;
			t->registered = 1;
		} else if (val == MODULE_STATE_GOING && t->registered &&
			   t->mod == mod) {
			tracepoint_probe_unregister(t->tp, t->fn, NULL);
			t->registered = 0;
			t->tp = NULL;
			t->mod = NULL;
		}
	}
	mutex_unlock(&_stp_tp_mutex);
	return NOTIFY_OK;
}

static struct notifier_block _stp_tp_nb = {
	.notifier_call = _stp_tp_module_notify,
};

static void _stp_tracepoints_disarm(void *table)
{
	struct stp_tracepoint *t;
	int any = 0;

	if (_stp_tp_modtable) {
		/* no notifier call attaches or detaches after this */
		mutex_lock(&_stp_tp_mutex);
		_stp_tp_stopping = 1;
		for (t = table; t->probe; t++)
			if (t->module && t->registered) {
				tracepoint_probe_unregister(t->tp, t->fn, NULL);
				t->registered = 0;
				any = 1;
			}
		mutex_unlock(&_stp_tp_mutex);
		unregister_tracepoint_module_notifier(&_stp_tp_nb);
		_stp_tp_modtable = NULL;
	}
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
	int modules = 0, rc = 0;

	for_each_kernel_tracepoint(_stp_tracepoint_find, table);
	for (t = table; t->probe && !_stp_arm_stopped(r); t++) {
		if (t->module)
			modules = 1;
		else if (!_stp_probe_armed(r, t->probe,
					   _stp_register_tracepoint(t), 0))
			t->registered = 1;
	}
	if (!modules || _stp_arm_stopped(r))
		return;
	/* the modules loaded now are attached before this returns; a
	 * probe of a module not loaded counts as armed: it waits */
	_stp_tp_stopping = 0;
	_stp_tp_modtable = table;
	rc = register_tracepoint_module_notifier(&_stp_tp_nb);
	if (rc)
		_stp_tp_modtable = NULL;
	for (t = table; t->probe; t++)
		if (t->module)
			_stp_probe_armed(r, t->probe, rc, 0);
}

#endif /* _STP_TRACEPOINT_H_ */
