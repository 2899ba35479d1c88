/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procfs probes (stap/probe_procfs.c): files under /proc/systemtap/MOD/
 * that exist while the session runs.  Reading one from its start runs the
 * read probe, whose handler fills a buffer of the open file through
 * $value (_stp_procfs_set/_append); each write(2) runs the write probes
 * (a file may have several) with the bytes written as $value
 * (_stp_procfs_value).  The generated
 * table _stp_procfs_files lists directories before what is in them and
 * ends with a NULL .name.
 */
#ifndef _STP_PROCFS_H_
#define _STP_PROCFS_H_

#ifndef STP_PROCFS_BUFSIZE
#define STP_PROCFS_BUFSIZE MAXSTRINGLEN
#endif

struct stp_procfs {
	const char *name;
	int parent;			/* entry of its directory; -1: MOD's */
	int dir;
	umode_t mode;
	const struct stp_probe *read;
	const struct stp_probe *const *write;	/* NULL-terminated */
	size_t bufsize;			/* of the read buffer; 0: default */
	struct proc_dir_entry *pde;
};

/* An open file's buffer: the handler's c->entry_data. */
struct stp_procfs_buf {
	const struct stp_procfs *file;
	size_t size;			/* of data[], with the NUL */
	size_t len;
	char data[];
};

static struct stp_procfs_buf *_stp_procfs_buf(struct context *c)
{
	return c->entry_data;
}

/* $value = S in a read probe */
static __maybe_unused const char *_stp_procfs_set(struct context *c,
						  const char *s)
{
	struct stp_procfs_buf *b = _stp_procfs_buf(c);

	b->len = 0;
	b->data[0] = '\0';
	if (!s)
		return "";
	b->len = strnlen(s, b->size - 1);
	memcpy(b->data, s, b->len);
	b->data[b->len] = '\0';
	return s;
}

/* $value .= S in a read probe: up to the buffer's size (.maxsize) */
static __maybe_unused const char *_stp_procfs_append(struct context *c,
						     const char *s)
{
	struct stp_procfs_buf *b = _stp_procfs_buf(c);
	size_t n;

	if (!s)
		return "";
	n = strnlen(s, b->size - 1 - b->len);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return s;
}

/* $value in a write probe: what was written (at most MAXSTRINGLEN - 1
 * bytes of it as a script string) */
static __maybe_unused const char *_stp_procfs_value(struct context *c)
{
	return _stp_procfs_buf(c)->data;
}

static int _stp_procfs_open(struct inode *inode, struct file *f)
{
	const struct stp_procfs *p = pde_data(inode);
	struct stp_procfs_buf *b;
	size_t size;

	if ((f->f_mode & FMODE_READ) && !p->read)
		return -EACCES;
	if ((f->f_mode & FMODE_WRITE) && !p->write)
		return -EACCES;
	size = p->bufsize ? p->bufsize : STP_PROCFS_BUFSIZE;
	if ((f->f_mode & FMODE_WRITE) && size < STP_PROCFS_BUFSIZE)
		size = STP_PROCFS_BUFSIZE;
	b = kvzalloc(sizeof(*b) + size + 1, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->file = p;
	b->size = size + 1;
	f->private_data = b;
	return 0;
}

static int _stp_procfs_release(struct inode *inode, struct file *f)
{
	kvfree(f->private_data);
	return 0;
}

/* A read from the start runs the read probe; the rest comes from what it
 * left in the buffer. */
static ssize_t _stp_procfs_read(struct file *f, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct stp_procfs_buf *b = f->private_data;
	const struct stp_probe *p = b->file->read;

	if (*ppos == 0) {
		b->len = 0;
		b->data[0] = '\0';
		_stp_run_probe_data(p, NULL, 0, p->ph, b);
	}
	return simple_read_from_buffer(ubuf, count, ppos, b->data, b->len);
}

/* Each write runs the write probes, in order, with as much of the data as
 * the buffer holds, and consumes that much. */
static ssize_t _stp_procfs_write(struct file *f, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct stp_procfs_buf *b = f->private_data;
	const struct stp_probe *const *p;
	size_t n = min(count, b->size - 1);

	if (copy_from_user(b->data, ubuf, n))
		return -EFAULT;
	for (p = b->file->write; *p; p++) {
		b->data[n] = '\0';
		b->len = n;
		_stp_run_probe_data(*p, NULL, 0, (*p)->ph, b);
	}
	*ppos += n;
	return n;
}

static const struct proc_ops _stp_procfs_ops = {
	.proc_open = _stp_procfs_open,
	.proc_read = _stp_procfs_read,
	.proc_write = _stp_procfs_write,
	.proc_lseek = default_llseek,
	.proc_release = _stp_procfs_release,
};

/* Remove what was made, the files before their directories. */
static void _stp_procfs_disarm(void *table)
{
	struct stp_procfs *p = table;
	int n = 0;

	while (p[n].name)
		n++;
	while (n-- > 0)
		if (p[n].pde) {
			proc_remove(p[n].pde);
			p[n].pde = NULL;
		}
}

static void _stp_procfs_arm(void *table, struct stp_arm_result *r)
{
	struct stp_procfs *files = table, *p;
	kuid_t uid = make_kuid(&init_user_ns, _stp_uid);
	kgid_t gid = make_kgid(&init_user_ns, _stp_gid);

	if (!uid_valid(uid) || !gid_valid(gid)) {
		uid = GLOBAL_ROOT_UID;
		gid = GLOBAL_ROOT_GID;
	}
	for (p = files; p->name && !_stp_arm_stopped(r); p++) {
		struct proc_dir_entry *parent = p->parent < 0 ? _stp_proc_dir :
						files[p->parent].pde;
		const struct stp_probe *const *w;

		if (!parent) {
			p->pde = NULL;
		} else if (p->dir) {
			p->pde = proc_mkdir_mode(p->name, p->mode, parent);
		} else {
			p->pde = proc_create_data(p->name, p->mode, parent,
						  &_stp_procfs_ops, p);
		}
		if (p->pde)
			proc_set_user(p->pde, uid, gid);
		if (p->read)
			_stp_probe_armed(r, p->read, p->pde ? 0 : -ENOMEM, 0);
		for (w = p->write; w && *w; w++)
			_stp_probe_armed(r, *w, p->pde ? 0 : -ENOMEM, 0);
	}
}

#endif /* _STP_PROCFS_H_ */
