/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process events (stap/probe_uprobe.c, pk_utask): process("PATH"|PID),
 * and bare process, with .begin, .end, .thread.begin, .thread.end,
 * .syscall and .syscall.return.  A small task finder over four
 * tracepoints keeps the processes that match some probe in a table
 * (tgid -> executable):
 *
 *  - at arming, every process already running that matches is entered,
 *    marked to get its .begin at its next return from a system call
 *    (so that it runs in that process, as SystemTap's does);
 *  - sched_process_exec: the image an entered process ran gets its .end;
 *    a process that now runs a probed executable is entered and gets
 *    its .begin;
 *  - sys_exit with 0 from clone/fork/vfork/clone3 is a new task's first
 *    step in user space: a new thread of an entered process gets
 *    .thread.begin, a new process that runs a probed executable .begin;
 *  - sys_enter/sys_exit: .syscall and .syscall.return of entered ones;
 *  - sched_process_exit (the task's memory is gone by then: the table
 *    says what it ran): .thread.end, and .end for the last thread.
 *
 * With -c or -x, only the target and its descendants count, as in
 * SystemTap.
 */
#ifndef _STP_UTASK_H_
#define _STP_UTASK_H_

#include <linux/sched/signal.h>
#include <linux/tracepoint.h>
#include <asm/unistd.h>
#include "stp_uprobe.h"		/* _stp_uprobe_inode */

enum {
	STP_UT_BEGIN, STP_UT_END, STP_UT_THREAD_BEGIN, STP_UT_THREAD_END,
	STP_UT_SYSCALL, STP_UT_SYSCALL_RETURN,
};

struct stp_utask {
	const struct stp_probe *probe;
	int type;			/* STP_UT_* */
	const char *path;		/* the executable, NULL: any */
	long pid;			/* process(PID), 0: any */
	void (*fn)(struct context *c);
	struct inode *inode;
};

#ifndef STP_UTASK_MAX
#define STP_UTASK_MAX 4096		/* processes followed at once */
#endif

struct stp_utask_proc {
	int tgid;			/* 0: never used, -1: freed */
	int pending_begin;		/* was running at arming */
	int ended;			/* .end ran: threads still exiting
					   get .thread.end; the slot is free
					   for another process */
	struct inode *exe;		/* for comparison only (no reference) */
};

static struct stp_utask_proc _stp_uprocs[STP_UTASK_MAX];
static DEFINE_SPINLOCK(_stp_uprocs_lock);
static struct stp_utask *_stp_utask_table;
static atomic_t _stp_utask_pending = ATOMIC_INIT(0);

/* The table is open-addressed by tgid; a freed slot becomes -1 (a
 * tombstone), so that searches go on past it, and a search ends at the
 * first slot never used. */
static atomic_t _stp_uprocs_used = ATOMIC_INIT(0);

static struct stp_utask_proc *_stp_uproc_find(int tgid)
{
	unsigned int h = (unsigned int)tgid % STP_UTASK_MAX, i;

	if (!atomic_read(&_stp_uprocs_used))
		return NULL;
	for (i = 0; i < STP_UTASK_MAX; i++) {
		struct stp_utask_proc *p = &_stp_uprocs[(h + i) % STP_UTASK_MAX];
		int t = READ_ONCE(p->tgid);

		if (t == tgid)
			return p;
		if (!t)
			break;
	}
	return NULL;
}

static struct stp_utask_proc *_stp_uproc_add(int tgid, struct inode *exe)
{
	unsigned int h = (unsigned int)tgid % STP_UTASK_MAX, i;
	struct stp_utask_proc *p = NULL;
	unsigned long flags;

	spin_lock_irqsave(&_stp_uprocs_lock, flags);
	for (i = 0; i < STP_UTASK_MAX; i++) {
		struct stp_utask_proc *q = &_stp_uprocs[(h + i) % STP_UTASK_MAX];

		if (q->tgid == tgid) {
			p = q;
			break;
		}
		if ((q->tgid <= 0 || READ_ONCE(q->ended)) && !p)
			p = q;
		if (!q->tgid)
			break;
	}
	if (p) {
		p->exe = exe;
		if (p->tgid <= 0)
			atomic_inc(&_stp_uprocs_used);
		if (p->tgid != tgid)
			p->pending_begin = 0;
		p->ended = 0;
		WRITE_ONCE(p->tgid, tgid);
	}
	spin_unlock_irqrestore(&_stp_uprocs_lock, flags);
	return p;
}

static void _stp_uproc_del(struct stp_utask_proc *p)
{
	unsigned long flags;

	if (xchg(&p->pending_begin, 0))
		atomic_dec(&_stp_utask_pending);
	spin_lock_irqsave(&_stp_uprocs_lock, flags);
	if (p->tgid > 0) {
		WRITE_ONCE(p->tgid, -1);
		atomic_dec(&_stp_uprocs_used);
	}
	spin_unlock_irqrestore(&_stp_uprocs_lock, flags);
}

/* Is T the -c/-x target or one of its descendants (or is there none)? */
static int _stp_in_target_tree(struct task_struct *t)
{
	int in = 0, depth = 0;

	if (!_stp_target)
		return 1;
	rcu_read_lock();
	while (t && depth++ < 64) {
		if (t->tgid == _stp_target) {
			in = 1;
			break;
		}
		if (t->pid <= 1)
			break;
		t = rcu_dereference(t->real_parent);
	}
	rcu_read_unlock();
	return in;
}

/* The executable of task T (no reference; compared only), or NULL. */
static struct inode *_stp_task_exe(struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	struct file *exe;
	struct inode *inode = NULL;

	if (!mm || (t->flags & PF_KTHREAD))
		return NULL;
	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	if (exe)
		inode = file_inode(exe);
	rcu_read_unlock();
	return inode;
}

static int _stp_utask_matches(const struct stp_utask *u, struct inode *exe,
			      int tgid)
{
	if (u->pid && u->pid != tgid)
		return 0;
	return !u->inode || u->inode == exe;
}

/* Does any probe follow a process running EXE? */
static int _stp_utask_wanted(struct inode *exe, int tgid)
{
	const struct stp_utask *u;

	for (u = _stp_utask_table; u && u->probe; u++)
		if (_stp_utask_matches(u, exe, tgid))
			return 1;
	return 0;
}

/* Run the probes of TYPE for the process of TGID running EXE. */
static void _stp_utask_fire(int type, struct inode *exe, int tgid,
			    struct pt_regs *regs)
{
	const struct stp_utask *u;

	for (u = _stp_utask_table; u && u->probe; u++)
		if (u->type == type && _stp_utask_matches(u, exe, tgid))
			_stp_run_probe_fn(u->probe, regs,
					  regs ? instruction_pointer(regs) : 0,
					  u->fn);
}

static void _stp_utask_exec(void *data, struct task_struct *p, pid_t old_pid,
			    struct linux_binprm *bprm)
{
	struct inode *exe = _stp_task_exe(current);
	struct stp_utask_proc *up = _stp_uproc_find(current->tgid);

	/* as SystemTap: the image the process ran ends here */
	if (up && !xchg(&up->ended, 1))
		_stp_utask_fire(STP_UT_END, up->exe, current->tgid, NULL);
	if (!exe || !_stp_in_target_tree(current) ||
	    !_stp_utask_wanted(exe, current->tgid)) {
		if (up)
			_stp_uproc_del(up);
		return;
	}
	_stp_uproc_add(current->tgid, exe);
	_stp_utask_fire(STP_UT_BEGIN, exe, current->tgid,
			task_pt_regs(current));
}

static int _stp_utask_is_fork(long nr)
{
	return nr == __NR_clone || nr == __NR_clone3 || nr == __NR_fork ||
	       nr == __NR_vfork;
}

static void _stp_utask_sys_exit(void *data, struct pt_regs *regs, long ret)
{
	struct stp_utask_proc *up;
	struct inode *exe;

	if (unlikely(atomic_read(&_stp_utask_pending))) {
		up = _stp_uproc_find(current->tgid);
		if (up && xchg(&up->pending_begin, 0)) {
			atomic_dec(&_stp_utask_pending);
			_stp_utask_fire(STP_UT_BEGIN, up->exe, current->tgid,
					regs);
		}
	}
	if (unlikely(ret == 0 && _stp_utask_is_fork(regs->orig_ax))) {
		/* a new task's first return to user space */
		up = _stp_uproc_find(current->tgid);
		if (current->pid != current->tgid) {
			if (up)
				_stp_utask_fire(STP_UT_THREAD_BEGIN, up->exe,
						current->tgid, regs);
		} else {
			exe = _stp_task_exe(current);
			if (exe && _stp_in_target_tree(current) &&
			    _stp_utask_wanted(exe, current->tgid)) {
				_stp_uproc_add(current->tgid, exe);
				_stp_utask_fire(STP_UT_BEGIN, exe,
						current->tgid, regs);
			}
		}
		return;
	}
	up = _stp_uproc_find(current->tgid);
	if (up)
		_stp_utask_fire(STP_UT_SYSCALL_RETURN, up->exe, current->tgid,
				regs);
}

static void _stp_utask_sys_enter(void *data, struct pt_regs *regs, long id)
{
	struct stp_utask_proc *up = _stp_uproc_find(current->tgid);

	if (up)
		_stp_utask_fire(STP_UT_SYSCALL, up->exe, current->tgid, regs);
}

static void _stp_utask_exit(void *data, struct task_struct *p)
{
	struct stp_utask_proc *up = _stp_uproc_find(current->tgid);

	if (!up)
		return;
	/* (a thread that exits with the last of its group may come here
	 * after the one that ran .end: it still gets its .thread.end) */
	if (current->pid != current->tgid || atomic_read(&current->signal->live))
		_stp_utask_fire(STP_UT_THREAD_END, up->exe, current->tgid, NULL);
	if (!atomic_read(&current->signal->live) && !xchg(&up->ended, 1)) {
		if (xchg(&up->pending_begin, 0))
			atomic_dec(&_stp_utask_pending);
		_stp_utask_fire(STP_UT_END, up->exe, current->tgid, NULL);
	}
}

static struct {
	const char *name;
	void *fn;
	struct tracepoint *tp;
	int registered;
} _stp_utask_tps[] = {
	{ "sched_process_exec", _stp_utask_exec },
	{ "sched_process_exit", _stp_utask_exit },
	{ "sys_enter", _stp_utask_sys_enter },
	{ "sys_exit", _stp_utask_sys_exit },
};

static void _stp_utask_tp_find(struct tracepoint *tp, void *priv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(_stp_utask_tps); i++)
		if (!strcmp(tp->name, _stp_utask_tps[i].name))
			_stp_utask_tps[i].tp = tp;
}

static void _stp_utasks_disarm(void *table)
{
	struct stp_utask *u;
	size_t i;
	int any = 0;

	for (i = 0; i < ARRAY_SIZE(_stp_utask_tps); i++)
		if (_stp_utask_tps[i].registered) {
			tracepoint_probe_unregister(_stp_utask_tps[i].tp,
						    _stp_utask_tps[i].fn, NULL);
			_stp_utask_tps[i].registered = 0;
			any = 1;
		}
	if (any)
		tracepoint_synchronize_unregister();
	_stp_utask_table = NULL;
	for (u = table; u->probe; u++)
		if (u->inode) {
			iput(u->inode);
			u->inode = NULL;
		}
	memset(_stp_uprocs, 0, sizeof(_stp_uprocs));
	atomic_set(&_stp_uprocs_used, 0);
	atomic_set(&_stp_utask_pending, 0);
}

/* The processes already running that a probe follows: entered, their
 * .begin due at their next system call's return. */
static void _stp_utask_scan(void)
{
	struct task_struct *p;
	struct stp_utask_proc *up;
	int begins = 0;
	const struct stp_utask *u;
	struct inode *self;

	for (u = _stp_utask_table; u->probe; u++)
		begins |= u->type == STP_UT_BEGIN;
	/* (this runs in stapio: neither it nor the -c command it forked,
	 * which has not run its exec yet, is a process the user means) */
	self = _stp_task_exe(current);
	rcu_read_lock();
	for_each_process(p) {
		struct inode *exe;

		task_lock(p);
		exe = _stp_task_exe(p);
		task_unlock(p);
		if (!exe || exe == self ||
		    !_stp_in_target_tree(p) || !_stp_utask_wanted(exe, p->tgid))
			continue;
		up = _stp_uproc_add(p->tgid, exe);
		if (up && begins && !xchg(&up->pending_begin, 1))
			atomic_inc(&_stp_utask_pending);
	}
	rcu_read_unlock();
}

static void _stp_utasks_arm(void *table, struct stp_arm_result *r)
{
	struct stp_utask *u;
	size_t i;
	int rc;

	for (u = table; u->probe; u++) {
		u->inode = NULL;
		if (!u->path)
			continue;
		u->inode = _stp_uprobe_inode(u->path);
		if (IS_ERR(u->inode)) {
			rc = PTR_ERR(u->inode);
			u->inode = NULL;
			_stp_warn("probe %s: cannot find '%s' (rc %d)",
				  u->probe->pp, u->path, rc);
			_stp_probe_armed(r, u->probe, rc, 0);
			_stp_utasks_disarm(table);
			return;
		}
	}
	_stp_utask_table = table;
	for_each_kernel_tracepoint(_stp_utask_tp_find, NULL);
	for (i = 0; i < ARRAY_SIZE(_stp_utask_tps); i++) {
		if (!_stp_utask_tps[i].tp) {
			rc = -ENOENT;
		} else {
			rc = tracepoint_probe_register(_stp_utask_tps[i].tp,
						       _stp_utask_tps[i].fn,
						       NULL);
		}
		if (rc) {
			_stp_probe_armed(r, ((struct stp_utask *)table)->probe,
					 rc, 0);
			_stp_utasks_disarm(table);
			return;
		}
		_stp_utask_tps[i].registered = 1;
	}
	_stp_utask_scan();
	for (u = table; u->probe; u++)
		_stp_probe_armed(r, u->probe, 0, 0);
}

#endif /* _STP_UTASK_H_ */
