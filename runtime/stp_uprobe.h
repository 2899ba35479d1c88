/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space probes (stap/probe_uprobe.c): process("PATH").function,
 * .statement, .mark, .plt and .library(...) forms, through the kernel's
 * inode uprobes.  A uprobe belongs to a file (an inode and an offset in
 * it), so every process that maps the file, already running or started
 * later, gets the breakpoint with no task finder: uprobes installs it at
 * each mmap.  Which of those processes a probe runs in is decided in
 * the handler: .library probes only in the processes of their
 * executable, process(PID) in that process.
 *
 * The generated table _stp_uprobes ends with a NULL .probe; each entry
 * names its object (path), the offset in it, the SDT semaphore offset
 * (.mark probes whose marker has one: uprobes counts it up while the
 * probe is there, so the program's STAP_PROBE guards see it enabled),
 * and the handlers made for its wrapper with STP_UPROBE_HANDLERS.
 */
#ifndef _STP_UPROBE_H_
#define _STP_UPROBE_H_

#include <linux/uprobes.h>
#include <linux/namei.h>
#include <linux/mm_types.h>

#ifndef STP_UPROBE_ENTRY_SLOTS
#define STP_UPROBE_ENTRY_SLOTS 1024	/* .return calls in flight at once */
#endif

struct stp_uprobe {
	const struct stp_probe *probe;
	const char *path;		/* the probed object */
	loff_t offset;			/* in the file */
	loff_t sema;			/* SDT semaphore's file offset, or 0 */
	const char *proc;		/* .library: its process's executable */
	long pid;			/* process(PID): only there; 0 any */
	int ret;			/* a uretprobe */
	int optional;
	int (*handler)(struct uprobe_consumer *uc, struct pt_regs *regs);
	int (*ret_handler)(struct uprobe_consumer *uc, unsigned long func,
			   struct pt_regs *regs);
	/* .return probes that save values at entry: the entry handler runs
	 * ENTFN into a slot keyed by the task and its stack pointer */
	void *slots;
	size_t slot_size;
	struct uprobe_consumer uc;
	struct inode *inode;
	struct inode *proc_inode;
	int registered;
};

/* Does the current task belong to the executable at INODE? */
static inline int _stp_uprobe_in_exe(struct inode *inode)
{
	struct mm_struct *mm = current->mm;
	struct file *exe;
	int in = 0;

	if (!mm)
		return 0;
	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	in = exe && file_inode(exe) == inode;
	rcu_read_unlock();
	return in;
}

/* uprobes asks, for each process mapping the object, whether to put
 * the breakpoint there at all: a .library probe's only go into the
 * processes of its executable, so the others never trap. */
static bool _stp_uprobe_filter(struct uprobe_consumer *uc,
			       enum uprobe_filter_ctx ctx, struct mm_struct *mm)
{
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);
	struct file *exe;
	bool in;

	if (!u->proc_inode || !mm)
		return true;
	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	in = exe && file_inode(exe) == u->proc_inode;
	rcu_read_unlock();
	return in;
}

static __always_inline int _stp_uprobe_wanted(const struct stp_uprobe *u)
{
	if (u->pid && current->tgid != u->pid)
		return 0;
	if (u->proc_inode && !_stp_uprobe_in_exe(u->proc_inode))
		return 0;
	return 1;
}

/*
 * Entry values of .return probes: a slot per call in flight, keyed by
 * the thread and the stack pointer the function returns with (its
 * entry's stack pointer + 8: the return address popped), so recursion
 * and returns that never come (longjmp) leave no confusion behind.
 * Each slot starts with the tid and that key.
 */
struct stp_uslot_head {
	int tid;
	unsigned long sp;
};

static __maybe_unused void *_stp_uprobe_slot(struct stp_uprobe *u,
					      unsigned long sp, int claim)
{
	int tid = current->pid, i;
	unsigned int h = (unsigned int)(tid * 31 + (sp >> 3)) %
			 STP_UPROBE_ENTRY_SLOTS;
	struct stp_uslot_head *s;

	if (!u->slots)
		return NULL;
	for (i = 0; i < 16; i++) {
		s = (void *)((char *)u->slots +
			     ((h + i) % STP_UPROBE_ENTRY_SLOTS) * u->slot_size);
		if (READ_ONCE(s->tid) == tid && s->sp == sp) {
			if (!claim)
				WRITE_ONCE(s->tid, 0);
			return s;
		}
	}
	if (!claim)
		return NULL;
	for (i = 0; i < 16; i++) {
		s = (void *)((char *)u->slots +
			     ((h + i) % STP_UPROBE_ENTRY_SLOTS) * u->slot_size);
		if (READ_ONCE(s->tid) == 0 && cmpxchg(&s->tid, 0, tid) == 0) {
			s->sp = sp;
			return s;
		}
	}
	s = (void *)((char *)u->slots + h * u->slot_size);
	WRITE_ONCE(s->tid, tid);
	s->sp = sp;
	return s;
}

/*
 * A uretprobe replaces the return address of the probed call with the
 * address of its trampoline (in the "[uprobes]" page) and keeps the
 * original to itself.  For user backtraces through such a call
 * (stp_usym.h) the entry handlers note, per thread, the stack slot
 * holding the return address and the original; the return handlers
 * forget it.  Only modules with user backtraces turn it on.
 */
#define STP_URET_NOTES 256
struct stp_uret_note {
	int tid;
	unsigned long slot, orig;
};
static struct stp_uret_note _stp_uret_notes[STP_URET_NOTES];
static int _stp_uret_track;

static struct stp_uret_note *_stp_uret_find(unsigned long slot, int claim)
{
	int tid = current->pid, i;
	unsigned int h = (unsigned int)(tid * 31 + (slot >> 3)) %
			 STP_URET_NOTES;
	struct stp_uret_note *n;

	for (i = 0; i < 8; i++) {
		n = &_stp_uret_notes[(h + i) % STP_URET_NOTES];
		if (READ_ONCE(n->tid) == tid && READ_ONCE(n->slot) == slot)
			return n;
	}
	for (i = 0; claim && i < 8; i++) {
		n = &_stp_uret_notes[(h + i) % STP_URET_NOTES];
		if (READ_ONCE(n->tid) == 0 && cmpxchg(&n->tid, 0, tid) == 0)
			return n;
	}
	return NULL;
}

static void _stp_uret_note(struct pt_regs *regs)
{
	struct stp_uret_note *n;
	unsigned long ra;

	if (!READ_ONCE(_stp_uret_track) ||
	    copy_from_user_nofault(&ra, (const void __user *)regs->sp,
				   sizeof(ra)))
		return;
	n = _stp_uret_find(regs->sp, 1);
	if (!n)
		return;
	WRITE_ONCE(n->orig, ra);
	WRITE_ONCE(n->slot, regs->sp);
}

/* at the return: the return address was popped from SP - 8 */
static void _stp_uret_forget(struct pt_regs *regs)
{
	struct stp_uret_note *n;

	if (!READ_ONCE(_stp_uret_track))
		return;
	n = _stp_uret_find(regs->sp - 8, 0);
	if (n)
		WRITE_ONCE(n->tid, 0);
}

/* The return address a uretprobe's trampoline stands for at SLOT of
 * the current thread's stack, or 0. */
static __maybe_unused unsigned long _stp_uret_orig(unsigned long slot)
{
	struct stp_uret_note *n = _stp_uret_find(slot, 0);

	return n ? READ_ONCE(n->orig) : 0;
}

/* The entry handler of .return probes that save nothing at entry */
static int _stp_uret_entry(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	_stp_uret_note(regs);
	return 0;
}

/* The uprobe handler and uretprobe handler calling wrapper FN (the
 * generated code makes them for each wrapper of a uprobe). */
#define STP_UPROBE_HANDLERS(name, fn)					\
static __maybe_unused int name##_uh(struct uprobe_consumer *uc,	\
				    struct pt_regs *regs)		\
{									\
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);\
									\
	if (_stp_uprobe_wanted(u))					\
		_stp_run_probe_fn(u->probe, regs,			\
				  instruction_pointer(regs), fn);	\
	return 0;							\
}									\
static __maybe_unused int name##_ur(struct uprobe_consumer *uc,	\
				    unsigned long func,			\
				    struct pt_regs *regs)		\
{									\
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);\
									\
	if (_stp_uprobe_wanted(u))					\
		_stp_run_probe_fn(u->probe, regs,			\
				  instruction_pointer(regs), fn);	\
	_stp_uret_forget(regs);						\
	return 0;							\
}

/* A .return probe saving values at entry: ENTFN at the function's
 * entry (into a slot), FN at its return (reading it). */
#define STP_URETPROBE_ENTRY(name, fn, entfn)				\
static int name##_ue(struct uprobe_consumer *uc, struct pt_regs *regs)\
{									\
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);\
	struct stp_uslot_head *s;					\
									\
	_stp_uret_note(regs);						\
	if (!_stp_uprobe_wanted(u))					\
		return 0;						\
	s = _stp_uprobe_slot(u, regs->sp + 8, 1);			\
	if (s && !_stp_run_probe_data(u->probe, regs,			\
				      instruction_pointer(regs), entfn,	\
				      s + 1))				\
		WRITE_ONCE(s->tid, 0);					\
	return 0;							\
}									\
static int name##_urd(struct uprobe_consumer *uc, unsigned long func,	\
		      struct pt_regs *regs)				\
{									\
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);\
	struct stp_uslot_head *s;					\
									\
	_stp_uret_forget(regs);						\
	if (!_stp_uprobe_wanted(u))					\
		return 0;						\
	s = _stp_uprobe_slot(u, regs->sp, 0);				\
	if (s)								\
		_stp_run_probe_data(u->probe, regs,			\
				    instruction_pointer(regs), fn, s + 1);\
	return 0;							\
}

/* The inode of the file at PATH (a reference), or an ERR_PTR. */
static struct inode *_stp_uprobe_inode(const char *path)
{
	struct path p;
	struct inode *inode;
	int rc = kern_path(path, LOOKUP_FOLLOW, &p);

	if (rc)
		return ERR_PTR(rc);
	inode = d_inode(p.dentry);
	if (!inode || !S_ISREG(inode->i_mode))
		inode = ERR_PTR(-EINVAL);
	else
		inode = igrab(inode);
	path_put(&p);
	return inode ? inode : ERR_PTR(-ENOENT);
}

static int _stp_register_uprobe(struct stp_uprobe *u)
{
	struct inode *inode;
	int rc;

	inode = _stp_uprobe_inode(u->path);
	if (IS_ERR(inode))
		return PTR_ERR(inode);	/* (-ENOENT: no such file here) */
	u->proc_inode = NULL;
	if (u->proc) {
		u->proc_inode = _stp_uprobe_inode(u->proc);
		if (IS_ERR(u->proc_inode)) {
			rc = PTR_ERR(u->proc_inode);
			u->proc_inode = NULL;
			iput(inode);
			return rc;
		}
	}
	if (u->slots)
		memset(u->slots, 0, u->slot_size * STP_UPROBE_ENTRY_SLOTS);
	memset(&u->uc, 0, sizeof(u->uc));
	if (u->proc_inode)
		u->uc.filter = _stp_uprobe_filter;
	if (u->ret) {
		u->uc.ret_handler = u->ret_handler;
		if (u->slots)
			u->uc.handler = u->handler;
		else if (READ_ONCE(_stp_uret_track))
			u->uc.handler = _stp_uret_entry;
	} else {
		u->uc.handler = u->handler;
	}
	if (u->sema)
		rc = uprobe_register_refctr(inode, u->offset, u->sema, &u->uc);
	else
		rc = uprobe_register(inode, u->offset, &u->uc);
	if (rc) {
		iput(inode);
		if (u->proc_inode)
			iput(u->proc_inode);
		u->proc_inode = NULL;
		return rc;
	}
	u->inode = inode;
	return 0;
}

static void _stp_uprobes_disarm(void *table)
{
	struct stp_uprobe *u;

	for (u = table; u->probe; u++) {
		if (!u->registered)
			continue;
		uprobe_unregister(u->inode, u->offset, &u->uc);
		iput(u->inode);
		if (u->proc_inode)
			iput(u->proc_inode);
		u->inode = NULL;
		u->proc_inode = NULL;
		u->registered = 0;
	}
}

static void _stp_uprobes_arm(void *table, struct stp_arm_result *r)
{
	struct stp_uprobe *u;

	for (u = table; u->probe && !_stp_arm_stopped(r); u++)
		if (!u->registered &&
		    !_stp_probe_armed_at(r, u->probe, _stp_register_uprobe(u),
					 u->optional, u->path, u->offset))
			u->registered = 1;
}

#endif /* _STP_UPROBE_H_ */
