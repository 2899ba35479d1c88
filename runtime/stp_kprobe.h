/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kprobes and kretprobes (stap/probe_kprobe.c): kernel.function,
 * kernel.statement, module(...).function/statement, kprobe.function.
 * The generated table _stp_kprobes ends with a NULL .probe; each entry
 * names its site (symbol + offset, or an address for .absolute) and the
 * handlers made for its wrapper with STP_KPROBE_HANDLERS and, for a
 * .return probe saving values at entry, STP_KRETPROBE_ENTRY.
 */
#ifndef _STP_KPROBE_H_
#define _STP_KPROBE_H_

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

static void _stp_kprobes_disarm(void *table)
{
	struct kprobe **kps = NULL;
	struct kretprobe **rps = NULL;
	int nk = 0, nr = 0, n = 0;
	struct stp_kprobe *k;

	for (k = table; k->probe; k++)
		n++;
	kps = kcalloc(n, sizeof(*kps), GFP_KERNEL);
	rps = kcalloc(n, sizeof(*rps), GFP_KERNEL);
	for (k = table; k->probe; k++) {
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

static void _stp_kprobes_arm(void *table, struct stp_arm_result *r)
{
	struct stp_kprobe *k;

	for (k = table; k->probe && !_stp_arm_stopped(r); k++)
		if (!_stp_probe_armed_at(r, k->probe, _stp_register_kprobe(k),
					 k->optional, k->symbol, k->offset))
			k->registered = 1;
}

#endif /* _STP_KPROBE_H_ */
