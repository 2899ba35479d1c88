/* SPDX-License-Identifier: GPL-2.0 */
/*
 * @entry(EXPR) in a raw_syscalls:sys_exit probe (the syscall.*.return
 * aliases): a probe on sys_enter evaluates EXPR for every system call
 * and keeps the values in a slot of the calling task; the sys_exit probe
 * runs its handler only when its task has a slot (it was in the call
 * when the module came, or lost its slot: skipped), reads the values
 * there, and frees the slot.  A task makes one system call at a time,
 * so the slot holds that call's entry.  STP_TP_ENTRY_FOR(N) (in the
 * generated code, after struct stp_ent_N) makes probe N's table and
 * stp_tpslot_N(): 1 claims the task's slot, 0 finds it, -1 frees it;
 * stp_tpval_N(): the values of the task's slot (zeros when it has none).
 */
#ifndef _STP_TP_ENTRY_H_
#define _STP_TP_ENTRY_H_

#ifndef STP_TP_ENTRY_SLOTS
#define STP_TP_ENTRY_SLOTS 256		/* tasks in a system call at once */
#endif
#define STP_TP_ENTRY_PROBES 16		/* slots tried from the hashed one */

/* The tid word of the slot of the current task in TABLE (NSLOTS slots of
 * SIZE bytes, each starting with an int tid), or NULL.  HOW: 1 claim
 * (a free slot, else the hashed one is taken over), 0 find, -1 free. */
static __maybe_unused int *_stp_tp_slot(void *table, size_t size, int how)
{
	int tid = current->pid, i;
	unsigned int h = (unsigned int)tid % STP_TP_ENTRY_SLOTS;
	int *t;

	if (unlikely(tid == 0))
		return NULL;
	for (i = 0; i < STP_TP_ENTRY_PROBES; i++) {
		t = (int *)((char *)table + ((h + i) % STP_TP_ENTRY_SLOTS) * size);
		if (READ_ONCE(*t) == tid) {
			if (how < 0)
				WRITE_ONCE(*t, 0);
			return t;
		}
	}
	if (how <= 0)
		return NULL;
	for (i = 0; i < STP_TP_ENTRY_PROBES; i++) {
		t = (int *)((char *)table + ((h + i) % STP_TP_ENTRY_SLOTS) * size);
		if (READ_ONCE(*t) == 0 && cmpxchg(t, 0, tid) == 0)
			return t;
	}
	t = (int *)((char *)table + h * size);
	WRITE_ONCE(*t, tid);
	return t;
}

#define STP_TP_ENTRY_SLOTS_FOR(n)					\
struct stp_tps_##n { int tid; struct stp_ent_##n d; };			\
static struct stp_tps_##n stp_tps_##n[STP_TP_ENTRY_SLOTS];		\
static __maybe_unused struct stp_ent_##n *stp_tpslot_##n(int how)	\
{									\
	int *t = _stp_tp_slot(stp_tps_##n, sizeof(stp_tps_##n[0]), how);\
									\
	return t ? &container_of(t, struct stp_tps_##n, tid)->d : NULL;	\
}									\
static __maybe_unused const struct stp_ent_##n *stp_tpval_##n(void)	\
{									\
	static const struct stp_ent_##n none;				\
	const struct stp_ent_##n *d = stp_tpslot_##n(0);		\
									\
	return d ? d : &none;						\
}

#endif /* _STP_TP_ENTRY_H_ */
