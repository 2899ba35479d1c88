/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side of doc/transport.md: /proc/systemtap/MODNAME/.cmd (the
 * control channel) and .data (the script's output).
 *
 * Output: one byte ring per CPU.  A handler's output is appended as one
 * record (a header with a global sequence number, then the bytes) by the
 * CPU that ran it, the only writer of that ring; the reader takes records
 * from all rings in sequence order.  A record that does not fit is dropped
 * and counted; in flight recorder mode (_stp_flight, staprun -F) with no
 * reader attached, the oldest records make room instead.  Probe context
 * never wakes anybody: a timer does, every STP_WAKE_MS, when a reader
 * waits and something is there.
 *
 * Bulk mode (STP_BULKMODE, stap -b): no merge.  .data_N reads CPU N's
 * ring alone, each record as stap-merge(1) expects it: a 32-bit sequence
 * number and a 32-bit length, native byte order, then the bytes.
 */
#ifndef _STP_TRANSPORT_H_
#define _STP_TRANSPORT_H_

#ifndef STP_WAKE_MS
#define STP_WAKE_MS 10
#endif

static int _stp_target;
static int _stp_uid;
static int _stp_gid;
static int _stp_bufsize;
static int _stp_flight;
module_param(_stp_target, int, 0);
MODULE_PARM_DESC(_stp_target, "target() pid");
module_param(_stp_uid, int, 0);
MODULE_PARM_DESC(_stp_uid, "owner of the /proc files");
module_param(_stp_gid, int, 0);
MODULE_PARM_DESC(_stp_gid, "group of the /proc files");
module_param(_stp_bufsize, int, 0);
MODULE_PARM_DESC(_stp_bufsize, "output buffer per CPU, KiB");
module_param(_stp_flight, int, 0);
MODULE_PARM_DESC(_stp_flight, "flight recorder: overwrite the oldest output while detached");
/* stapio's process id (stp_pid()), set at STP_START */
static pid_t _stp_stapio_pid;
/* staprun's local time zone (tz_gmtoff(), tz_name()): seconds west of UTC */
static long _stp_tz_gmtoff;
static char *_stp_tz_name = "";
module_param(_stp_tz_gmtoff, long, 0);
MODULE_PARM_DESC(_stp_tz_gmtoff, "staprun's time zone, seconds west of UTC");
module_param(_stp_tz_name, charp, 0);
MODULE_PARM_DESC(_stp_tz_name, "staprun's time zone name");

struct _stp_rec_hdr {
	u64 seq;
	u32 len;
	u32 pad;
};

struct _stp_ring {
	char *data;
	unsigned long size;	/* a power of two */
	unsigned long head;	/* bytes written (writer: the ring's CPU) */
	unsigned long tail;	/* bytes consumed (reader) */
	unsigned long dropped_bytes;
	unsigned long dropped_records;
	unsigned long dropped_lines;	/* '\n' in the dropped records */
	/* bulk mode: the record .data_N is in the middle of */
	int rd_in;		/* a record is being read */
	unsigned int rd_hdr_off;	/* bytes of rd_hdr delivered */
	unsigned long rd_left;	/* bytes of its data not delivered */
	u32 rd_hdr[2];		/* sequence number, length */
};

static struct _stp_ring *_stp_rings;	/* nr_cpu_ids */
static atomic64_t _stp_rec_seq = ATOMIC64_INIT(0);

static DEFINE_MUTEX(_stp_data_mutex);	/* readers of .data */
static atomic_t _stp_data_readers = ATOMIC_INIT(0);	/* .data opens */
static int _stp_rd_cpu = -1;		/* record being read, if any */
static unsigned long _stp_rd_left;

static DEFINE_MUTEX(_stp_cmd_mutex);	/* STP_START/STP_STOP */
static DEFINE_MUTEX(_stp_cmd_rd_mutex);	/* readers of .cmd */
static struct _stp_ctl_slot _stp_cmd_bounce;

static DECLARE_WAIT_QUEUE_HEAD(_stp_data_wq);
static DECLARE_WAIT_QUEUE_HEAD(_stp_cmd_wq);
static int _stp_data_eof;		/* STP_STOPPED was queued */
static int _stp_closing;		/* module unloading */
static struct timer_list _stp_wake_timer;
static int _stp_wake_timer_on;

static struct proc_dir_entry *_stp_proc_dir;

/* Defined by stp_module.h. */
static __maybe_unused int _stp_handle_start(void);
static __maybe_unused void _stp_handle_stop(void);

static __maybe_unused void _stp_ring_copy_in(struct _stp_ring *r, unsigned long pos,
			      const void *src, unsigned long n)
{
	unsigned long off = pos & (r->size - 1), first = r->size - off;

	if (first > n)
		first = n;
	memcpy(r->data + off, src, first);
	memcpy(r->data, (const char *)src + first, n - first);
}

static __maybe_unused void _stp_ring_copy_out(struct _stp_ring *r, unsigned long pos,
			       void *dst, unsigned long n);

/* Free at least NEED bytes of R by dropping its oldest whole records. */
static __maybe_unused void _stp_data_overwrite(struct _stp_ring *r, unsigned long need)
{
	unsigned long tail = r->tail;
	struct _stp_rec_hdr h;

	while (need > r->size - (r->head - tail)) {
		_stp_ring_copy_out(r, tail, &h, sizeof(h));
		tail += sizeof(h) + h.len;
	}
	smp_store_release(&r->tail, tail);
}

/*
 * Append one record to this CPU's ring.  Called by the handler that owns
 * the CPU's context, with preemption disabled.
 */
static __maybe_unused void _stp_data_write(const char *buf, unsigned long len)
{
	struct _stp_ring *r;
	struct _stp_rec_hdr h;
	unsigned long head, need = sizeof(h) + len;

	if (!_stp_rings || !len)
		return;
	r = &_stp_rings[raw_smp_processor_id()];
	head = r->head;
	if (need > r->size - (head - smp_load_acquire(&r->tail))) {
		if (!READ_ONCE(_stp_flight) || need > r->size ||
		    atomic_read(&_stp_data_readers)) {
			const char *p = buf, *end = buf + len;

			r->dropped_bytes += len;
			r->dropped_records++;
			while ((p = memchr(p, '\n', end - p))) {
				r->dropped_lines++;
				p++;
			}
			return;
		}
		/*
		 * Flight recorder, nobody reading: this CPU owns the tail
		 * too (a reader that opens .data waits for the handlers
		 * in flight, see _stp_data_open); forget the oldest
		 * records.
		 */
		_stp_data_overwrite(r, need);
	}
	h.seq = atomic64_inc_return(&_stp_rec_seq);
	h.len = len;
	h.pad = 0;
	_stp_ring_copy_in(r, head, &h, sizeof(h));
	_stp_ring_copy_in(r, head + sizeof(h), buf, len);
	smp_store_release(&r->head, head + need);
}

static __maybe_unused void _stp_ring_copy_out(struct _stp_ring *r, unsigned long pos,
			       void *dst, unsigned long n)
{
	unsigned long off = pos & (r->size - 1), first = r->size - off;

	if (first > n)
		first = n;
	memcpy(dst, r->data + off, first);
	memcpy((char *)dst + first, r->data, n - first);
}

static __maybe_unused int _stp_data_pending(void)
{
	int cpu;

	if (!_stp_rings)
		return 0;
	if (_stp_rd_cpu >= 0)
		return 1;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct _stp_ring *r = &_stp_rings[cpu];

		if (r->data && smp_load_acquire(&r->head) != r->tail)
			return 1;
	}
	return 0;
}

/* Pick the ring whose oldest record was flushed first; -1 if none. */
static __maybe_unused int _stp_data_next_record(void)
{
	int cpu, best = -1;
	u64 best_seq = 0;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct _stp_ring *r = &_stp_rings[cpu];
		struct _stp_rec_hdr h;

		if (!r->data || smp_load_acquire(&r->head) == r->tail)
			continue;
		_stp_ring_copy_out(r, r->tail, &h, sizeof(h));
		if (best < 0 || h.seq < best_seq) {
			best = cpu;
			best_seq = h.seq;
		}
	}
	return best;
}

/* Move N bytes of R's current record to user space. */
static __maybe_unused int _stp_ring_to_user(struct _stp_ring *r,
					    char __user *ubuf, unsigned long n)
{
	unsigned long off = r->tail & (r->size - 1);
	unsigned long first = min_t(unsigned long, n, r->size - off);

	if (copy_to_user(ubuf, r->data + off, first) ||
	    copy_to_user(ubuf + first, r->data, n - first))
		return -EFAULT;
	smp_store_release(&r->tail, r->tail + n);
	return 0;
}

/* Copy up to COUNT bytes of merged records to user space. */
static __maybe_unused ssize_t _stp_data_copy(char __user *ubuf, size_t count)
{
	size_t done = 0;

	while (done < count) {
		struct _stp_ring *r;
		unsigned long n;

		if (_stp_rd_cpu < 0) {
			struct _stp_rec_hdr h;

			_stp_rd_cpu = _stp_data_next_record();
			if (_stp_rd_cpu < 0)
				break;
			r = &_stp_rings[_stp_rd_cpu];
			_stp_ring_copy_out(r, r->tail, &h, sizeof(h));
			smp_store_release(&r->tail, r->tail + sizeof(h));
			_stp_rd_left = h.len;
		}
		r = &_stp_rings[_stp_rd_cpu];
		n = min_t(unsigned long, _stp_rd_left, count - done);
		if (_stp_ring_to_user(r, ubuf + done, n))
			return done ? done : -EFAULT;
		done += n;
		_stp_rd_left -= n;
		if (!_stp_rd_left)
			_stp_rd_cpu = -1;
	}
	return done;
}

/* Bulk mode: copy up to COUNT bytes of CPU's records, with headers. */
static __maybe_unused ssize_t _stp_bulk_copy(int cpu, char __user *ubuf,
					     size_t count)
{
	struct _stp_ring *r = &_stp_rings[cpu];
	size_t done = 0;

	while (done < count) {
		unsigned long n;

		if (!r->rd_in) {
			struct _stp_rec_hdr h;

			if (smp_load_acquire(&r->head) == r->tail)
				break;
			_stp_ring_copy_out(r, r->tail, &h, sizeof(h));
			smp_store_release(&r->tail, r->tail + sizeof(h));
			r->rd_hdr[0] = (u32)h.seq;
			r->rd_hdr[1] = h.len;
			r->rd_hdr_off = 0;
			r->rd_left = h.len;
			r->rd_in = 1;
		}
		if (r->rd_hdr_off < sizeof(r->rd_hdr)) {
			n = min_t(unsigned long, count - done,
				  sizeof(r->rd_hdr) - r->rd_hdr_off);
			if (copy_to_user(ubuf + done,
					 (char *)r->rd_hdr + r->rd_hdr_off, n))
				return done ? done : -EFAULT;
			r->rd_hdr_off += n;
			done += n;
			continue;
		}
		n = min_t(unsigned long, r->rd_left, count - done);
		if (_stp_ring_to_user(r, ubuf + done, n))
			return done ? done : -EFAULT;
		done += n;
		r->rd_left -= n;
		if (!r->rd_left)
			r->rd_in = 0;
	}
	return done;
}

/* The CPU whose ring a .data_N file reads; -1 for .data (merged). */
static __maybe_unused int _stp_data_cpu(struct file *file)
{
	return (int)(long)pde_data(file_inode(file)) - 1;
}

static __maybe_unused int _stp_cpu_pending(int cpu)
{
	struct _stp_ring *r;

	if (cpu < 0)
		return _stp_data_pending();
	r = &_stp_rings[cpu];
	return r->rd_in || smp_load_acquire(&r->head) != r->tail;
}

static __maybe_unused ssize_t _stp_data_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	int cpu = _stp_data_cpu(file);
	ssize_t rc;

	if (!count)
		return 0;
	for (;;) {
		if (mutex_lock_interruptible(&_stp_data_mutex))
			return -ERESTARTSYS;
		if (cpu < 0)
			rc = _stp_data_copy(ubuf, count);
		else
			rc = _stp_bulk_copy(cpu, ubuf, count);
		mutex_unlock(&_stp_data_mutex);
		if (rc)
			return rc;
		if (READ_ONCE(_stp_data_eof) || READ_ONCE(_stp_closing))
			return 0;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(_stp_data_wq,
					     _stp_cpu_pending(cpu) ||
					     READ_ONCE(_stp_data_eof) ||
					     READ_ONCE(_stp_closing)))
			return -ERESTARTSYS;
	}
}

/*
 * A reader attaches: from now on the writers leave the tails alone.
 * Every handler runs with preemption disabled, so once an RCU grace
 * period has passed none is still overwriting.
 */
static __maybe_unused int _stp_data_open(struct inode *inode, struct file *file)
{
	atomic_inc(&_stp_data_readers);
	if (READ_ONCE(_stp_flight))
		synchronize_rcu();
	return 0;
}

/* A reader detaches (staprun -L, -F, SIGQUIT): the rest of a record it
 * was in the middle of goes, so that records stay whole. */
static __maybe_unused int _stp_data_release(struct inode *inode, struct file *file)
{
	int cpu = _stp_data_cpu(file);

	mutex_lock(&_stp_data_mutex);
	if (cpu >= 0 && _stp_rings[cpu].rd_in) {
		struct _stp_ring *r = &_stp_rings[cpu];

		smp_store_release(&r->tail, r->tail + r->rd_left);
		r->rd_in = 0;
		r->rd_left = 0;
	} else if (cpu < 0 && _stp_rd_cpu >= 0) {
		struct _stp_ring *r = &_stp_rings[_stp_rd_cpu];

		smp_store_release(&r->tail, r->tail + _stp_rd_left);
		_stp_rd_cpu = -1;
		_stp_rd_left = 0;
	}
	atomic_dec(&_stp_data_readers);
	mutex_unlock(&_stp_data_mutex);
	return 0;
}

static __maybe_unused __poll_t _stp_data_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &_stp_data_wq, wait);
	if (_stp_cpu_pending(_stp_data_cpu(file)) ||
	    READ_ONCE(_stp_data_eof) ||
	    READ_ONCE(_stp_closing))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static __maybe_unused u64 _stp_data_dropped(unsigned long *records,
					     unsigned long *lines)
{
	u64 bytes = 0;
	int cpu;

	*records = *lines = 0;
	if (!_stp_rings)
		return 0;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		bytes += _stp_rings[cpu].dropped_bytes;
		*records += _stp_rings[cpu].dropped_records;
		*lines += _stp_rings[cpu].dropped_lines;
	}
	return bytes;
}

/* ------------------------------------------------------------------ */
/* .cmd */

static __maybe_unused int _stp_ctl_pending(void)
{
	return READ_ONCE(_stp_ctl_head) != READ_ONCE(_stp_ctl_tail);
}

static __maybe_unused ssize_t _stp_cmd_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	unsigned long flags;
	size_t n;

	for (;;) {
		if (mutex_lock_interruptible(&_stp_cmd_rd_mutex))
			return -ERESTARTSYS;
		raw_spin_lock_irqsave(&_stp_ctl_lock, flags);
		if (_stp_ctl_head != _stp_ctl_tail) {
			struct _stp_ctl_slot *s =
				&_stp_ctl_q[_stp_ctl_tail % STP_CTL_SLOTS];

			n = sizeof(s->hdr) + s->hdr.len;
			if (count < n) {
				raw_spin_unlock_irqrestore(&_stp_ctl_lock,
							   flags);
				mutex_unlock(&_stp_cmd_rd_mutex);
				return -EINVAL;
			}
			memcpy(&_stp_cmd_bounce, s, n);
			_stp_ctl_tail++;
			raw_spin_unlock_irqrestore(&_stp_ctl_lock, flags);
			if (copy_to_user(ubuf, &_stp_cmd_bounce, n))
				n = -EFAULT;
			mutex_unlock(&_stp_cmd_rd_mutex);
			return n;
		}
		raw_spin_unlock_irqrestore(&_stp_ctl_lock, flags);
		mutex_unlock(&_stp_cmd_rd_mutex);
		if (READ_ONCE(_stp_closing))
			return 0;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(_stp_cmd_wq, _stp_ctl_pending() ||
					     READ_ONCE(_stp_closing)))
			return -ERESTARTSYS;
	}
}

static __maybe_unused ssize_t _stp_cmd_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct _stp_msg_hdr h;
	int rc = 0;

	if (count < sizeof(h) || count > sizeof(h) + STP_MSG_MAX)
		return -EINVAL;
	if (copy_from_user(&h, ubuf, sizeof(h)))
		return -EFAULT;
	if (h.len != count - sizeof(h))
		return -EINVAL;
	if (mutex_lock_interruptible(&_stp_cmd_mutex))
		return -ERESTARTSYS;
	switch (h.type) {
	case STP_START:
		rc = _stp_handle_start();
		break;
	case STP_STOP:
		_stp_handle_stop();
		break;
	default:
		rc = -EINVAL;
	}
	mutex_unlock(&_stp_cmd_mutex);
	wake_up_interruptible(&_stp_cmd_wq);
	wake_up_interruptible(&_stp_data_wq);
	return rc < 0 ? rc : count;
}

static __maybe_unused __poll_t _stp_cmd_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &_stp_cmd_wq, wait);
	if (_stp_ctl_pending() || READ_ONCE(_stp_closing))
		return EPOLLIN | EPOLLRDNORM;
	return EPOLLOUT | EPOLLWRNORM;
}

static const struct proc_ops _stp_cmd_ops = {
	.proc_read = _stp_cmd_read,
	.proc_write = _stp_cmd_write,
	.proc_poll = _stp_cmd_poll,
	.proc_lseek = noop_llseek,
};

static const struct proc_ops _stp_data_ops = {
	.proc_open = _stp_data_open,
	.proc_release = _stp_data_release,
	.proc_read = _stp_data_read,
	.proc_poll = _stp_data_poll,
	.proc_lseek = noop_llseek,
};

static __maybe_unused void _stp_wake_fn(struct timer_list *t)
{
	if (_stp_ctl_pending() && wq_has_sleeper(&_stp_cmd_wq))
		wake_up_interruptible(&_stp_cmd_wq);
	if (_stp_data_pending() && wq_has_sleeper(&_stp_data_wq))
		wake_up_interruptible(&_stp_data_wq);
	if (READ_ONCE(_stp_wake_timer_on))
		mod_timer(&_stp_wake_timer,
			  jiffies + msecs_to_jiffies(STP_WAKE_MS));
}

static __maybe_unused void _stp_wake_readers(void)
{
	wake_up_interruptible(&_stp_cmd_wq);
	wake_up_interruptible(&_stp_data_wq);
}

/*
 * /proc/systemtap is shared by every loaded module and outlives them: a
 * module cannot tell, without a lock the modules share, that no other one
 * is about to create or remove an entry in it, and procfs WARNs on both
 * races (a second proc_mkdir of the same name, removing a directory that
 * is gone or not empty).  So it is created once and never removed, and
 * the lookup-then-create runs under rtnl_lock(), the one kernel-wide
 * mutex every module can take, held only for these few instructions.
 */
static __maybe_unused int _stp_proc_root(void)
{
	struct path path;
	int rc = 0;

	rtnl_lock();
	if (kern_path("/proc/systemtap", LOOKUP_DIRECTORY, &path) == 0)
		path_put(&path);
	else if (!proc_mkdir("systemtap", NULL))
		rc = -ENOMEM;
	rtnl_unlock();
	return rc;
}

static __maybe_unused void _stp_transport_free(void)
{
	int cpu;

	if (_stp_rings) {
		for (cpu = 0; cpu < nr_cpu_ids; cpu++)
			vfree(_stp_rings[cpu].data);
		kfree(_stp_rings);
		_stp_rings = NULL;
	}
	vfree(_stp_ctl_q);
	_stp_ctl_q = NULL;
}

/* .data (CPU -1: all rings merged) or bulk mode's .data_N (ring N). */
static __maybe_unused int _stp_data_file(const char *name, int cpu,
					 kuid_t uid, kgid_t gid)
{
	struct proc_dir_entry *e;

	e = proc_create_data(name, 0400, _stp_proc_dir, &_stp_data_ops,
			     (void *)(long)(cpu + 1));
	if (!e)
		return -ENOMEM;
	proc_set_user(e, uid, gid);
	return 0;
}

static __maybe_unused int _stp_transport_init(void)
{
	unsigned long size = STP_DEFAULT_BUFSIZE * 1024UL;
	struct proc_dir_entry *cmd;
	char pname[MODULE_NAME_LEN + 16];
	kuid_t uid;
	kgid_t gid;
	int cpu;

	if (_stp_bufsize > 0)
		size = (unsigned long)_stp_bufsize * 1024;
	size = roundup_pow_of_two(max(size, 8192UL));
	_stp_ctl_q = _stp_vzalloc(STP_CTL_SLOTS * sizeof(*_stp_ctl_q));
	_stp_rings = _stp_kzalloc(nr_cpu_ids * sizeof(*_stp_rings));
	if (!_stp_ctl_q || !_stp_rings)
		goto nomem;
	for_each_possible_cpu(cpu) {
		_stp_rings[cpu].data = _stp_mem_charge(size) ?
			vmalloc(size) : NULL;
		if (!_stp_rings[cpu].data)
			goto nomem;
		_stp_rings[cpu].size = size;
	}

	if (_stp_proc_root())
		goto noproc;
	/* THIS_MODULE's name: staprun -R renames the module at load */
	snprintf(pname, sizeof(pname), "systemtap/%s", THIS_MODULE->name);
	_stp_proc_dir = proc_mkdir(pname, NULL);
	if (!_stp_proc_dir)
		goto noproc;
	uid = make_kuid(&init_user_ns, _stp_uid);
	gid = make_kgid(&init_user_ns, _stp_gid);
	if (!uid_valid(uid) || !gid_valid(gid)) {
		uid = GLOBAL_ROOT_UID;
		gid = GLOBAL_ROOT_GID;
	}
	proc_set_user(_stp_proc_dir, uid, gid);
	cmd = proc_create(".cmd", 0600, _stp_proc_dir, &_stp_cmd_ops);
	if (!cmd)
		goto noproc;
	proc_set_user(cmd, uid, gid);
#ifdef STP_BULKMODE
	for_each_possible_cpu(cpu) {
		char name[24];

		snprintf(name, sizeof(name), ".data_%d", cpu);
		if (_stp_data_file(name, cpu, uid, gid))
			goto noproc;
	}
#else
	if (_stp_data_file(".data", -1, uid, gid))
		goto noproc;
#endif
	timer_setup(&_stp_wake_timer, _stp_wake_fn, 0);
	_stp_wake_timer_on = 1;
	mod_timer(&_stp_wake_timer, jiffies + msecs_to_jiffies(STP_WAKE_MS));
	return 0;

noproc:
	if (_stp_proc_dir)
		proc_remove(_stp_proc_dir);
	_stp_proc_dir = NULL;
	_stp_transport_free();
	pr_err("%s: cannot create /proc/systemtap/%s\n", THIS_MODULE->name,
	       THIS_MODULE->name);
	return -EEXIST;
nomem:
	_stp_transport_free();
	return -ENOMEM;
}

static __maybe_unused void _stp_transport_exit(void)
{
	WRITE_ONCE(_stp_closing, 1);
	WRITE_ONCE(_stp_wake_timer_on, 0);
	del_timer_sync(&_stp_wake_timer);
	_stp_wake_readers();
	/* waits for readers and writers still inside our file operations */
	proc_remove(_stp_proc_dir);
	_stp_proc_dir = NULL;
	_stp_transport_free();
}

#endif /* _STP_TRANSPORT_H_ */
