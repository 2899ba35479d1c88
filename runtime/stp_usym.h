/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space symbols and backtraces (tapset/linux/ucontext-*.stp;
 * stap/usym.c makes the tables, doc/ustack.md).
 *
 * The generated _stp_uobjs[] (a NULL .path ends it) describes the
 * user-space objects the script named: their PT_LOAD headers, function
 * symbols and unwind rows, with addresses relative to each object's base
 * (its lowest PT_LOAD address).  An address of the current process is
 * placed by its vma: the vma's file is one of ours when its inode is
 * (looked up by path at module load), and the file offset
 * addr - vm_start + (vm_pgoff << PAGE_SHIFT) gives the link-time address
 * through the PT_LOAD that holds it.  A vma of another file still gives
 * its path and, from the ELF header mapped at its base, its size.
 *
 * Handlers cannot sleep: the mmap lock is only tried (no lock, no
 * answer), and the user stack is read with fault-free copies.
 */
#ifndef _STP_USYM_H_
#define _STP_USYM_H_

#define STP_HAVE_USYM 1

#include <linux/dcache.h>
#include <linux/elf.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>

struct stp_uload {
	unsigned long offset, vaddr, filesz;	/* a PT_LOAD */
};

struct stp_usym {
	u32 addr, size, name;	/* name: offset in the object's strs */
};

/* From pc on (up to the next row), the caller's frame is found so */
enum {
	STP_UCFI_NONE,		/* no CFI: frame pointers */
	STP_UCFI_SP,		/* CFA = rsp + 8 * cfa */
	STP_UCFI_BP,		/* CFA = rbp + 8 * cfa */
	STP_UCFI_END,		/* no return address: the outermost frame */
	STP_UCFI_UNKNOWN,	/* rules not followed here: stop */
};
#define STP_UCFI_BP_LOST (-128)

struct stp_ucfi {
	u32 pc;
	s16 cfa;		/* CFA = rsp or rbp + 8 * cfa; the return
				   address is at CFA - 8 */
	u8 kind;
	s8 bp;			/* caller's rbp at CFA + 8 * bp; 0: rbp kept */
};

struct stp_uobj {
	const char *path, *name, *build_id;
	int et_dyn;
	unsigned long base, span;
	const struct stp_uload *loads;
	int nloads;
	const struct stp_usym *syms;
	int nsyms;
	const char *strs;
	const struct stp_ucfi *cfi;
	int ncfi;
	const u8 *lines;	/* source lines (stp_lines.h), or NULL */
	struct inode *inode;	/* at module load; NULL: not on this system */
};

static struct stp_uobj *_stp_uobj_list;

/* Module load and unload (stp_module.h): the objects' inodes. */
static void _stp_usym_init(struct stp_uobj *objs)
{
	struct stp_uobj *o;
	struct path p;

	_stp_uobj_list = objs;
#ifdef _STP_UPROBE_H_
	/* see through uretprobe trampolines */
	WRITE_ONCE(_stp_uret_track, 1);
#endif
	for (o = objs; o->path; o++) {
		o->inode = NULL;
		if (kern_path(o->path, LOOKUP_FOLLOW, &p))
			continue;
		if (d_inode(p.dentry))
			o->inode = igrab(d_inode(p.dentry));
		path_put(&p);
	}
}

static void _stp_usym_exit(void)
{
	struct stp_uobj *o;

	for (o = _stp_uobj_list; o && o->path; o++) {
		if (o->inode)
			iput(o->inode);
		o->inode = NULL;
	}
}

/* Where an address of the current process is. */
struct stp_uloc {
	const struct stp_uobj *obj;	/* one of ours, or NULL */
	int mapped;			/* in a file's mapping */
	int tramp;			/* in the "[uprobes]" page */
	unsigned long rel;		/* from the object's base */
	unsigned long span;		/* the object's size; 0: unknown */
	const char *path;		/* the file (in the caller's buffer) */
};

/* The size of the ELF object mapped at BASE (its PT_LOADs' extent). */
static unsigned long _stp_uelf_span(unsigned long base)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned long lo = ULONG_MAX, hi = 0;
	int i;

	if (_stp_uread(&eh, base, sizeof(eh)) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phnum > 64)
		return 0;
	for (i = 0; i < eh.e_phnum; i++) {
		if (_stp_uread(&ph, base + eh.e_phoff + i * sizeof(ph),
			       sizeof(ph)))
			return 0;
		if (ph.p_type != PT_LOAD)
			continue;
		lo = min_t(unsigned long, lo, ph.p_vaddr);
		hi = max_t(unsigned long, hi, ph.p_vaddr + ph.p_memsz);
	}
	return lo < hi ? PAGE_ALIGN(hi) - (lo & PAGE_MASK) : 0;
}

/* The path of a mapped file into BUF (SIZE bytes), or NULL: d_path,
 * unless a rename holds rename_lock (this handler may have interrupted
 * it on this CPU: d_path would wait for it forever). */
static const char *_stp_ufile_path(struct file *f, char *buf, int size)
{
	char *p;

	if (!buf || size < 2 || (raw_read_seqcount(&rename_lock.seqcount) & 1))
		return NULL;
	p = d_path(&f->f_path, buf, size);
	return IS_ERR(p) ? NULL : p;
}

/*
 * Place ADDR of the current process: 1 when it is in a file mapping
 * (*LOC says which object, and for one of ours where in it), else 0.
 * BUF (SIZE bytes, may be NULL) receives the file's path.
 */
static int _stp_ulocate(unsigned long addr, struct stp_uloc *loc, char *buf,
			int size)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct stp_uobj *o;
	unsigned long off, base = 0;
	int i;

	memset(loc, 0, sizeof(*loc));
	if (!mm || (current->flags & PF_KTHREAD) || in_nmi() || !addr ||
	    addr >= TASK_SIZE_MAX)
		return 0;
	if (!mmap_read_trylock(mm))
		return 0;
	vma = vma_lookup(mm, addr);
	if (vma && !vma->vm_file && vma->vm_ops && vma->vm_ops->name) {
		const char *name = vma->vm_ops->name(vma);

		loc->tramp = name && !strcmp(name, "[uprobes]");
	}
	if (!vma || !vma->vm_file) {
		mmap_read_unlock(mm);
		return 0;
	}
	loc->mapped = 1;
	off = addr - vma->vm_start + (vma->vm_pgoff << PAGE_SHIFT);
	for (o = _stp_uobj_list; o && o->path; o++) {
		if (!o->inode || o->inode != file_inode(vma->vm_file))
			continue;
		for (i = 0; i < o->nloads; i++) {
			const struct stp_uload *l = &o->loads[i];

			if (off >= l->offset && off - l->offset < l->filesz) {
				loc->obj = o;
				loc->rel = off - l->offset + l->vaddr - o->base;
				loc->span = o->span;
				loc->path = o->path;
				break;
			}
		}
		break;
	}
	if (!loc->obj) {
		loc->path = _stp_ufile_path(vma->vm_file, buf, size);
		base = vma->vm_start - (vma->vm_pgoff << PAGE_SHIFT);
		loc->rel = addr - base;
	}
	mmap_read_unlock(mm);
	if (!loc->obj)
		loc->span = _stp_uelf_span(base);
	return 1;
}

/* The symbol of one of our objects holding REL, or NULL. */
static const struct stp_usym *_stp_usym_find(const struct stp_uobj *o,
					     unsigned long rel)
{
	int lo = 0, hi = o->nsyms - 1, mid;
	const struct stp_usym *s;

	if (!o->syms || rel > U32_MAX)
		return NULL;
	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (o->syms[mid].addr <= rel)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	if (hi < 0)
		return NULL;
	s = &o->syms[hi];
	return rel - s->addr < s->size ? s : NULL;
}

static const struct stp_ucfi *_stp_ucfi_find(const struct stp_uobj *o,
					     unsigned long rel)
{
	int lo = 0, hi = o->ncfi - 1, mid;

	if (!o->cfi || rel > U32_MAX)
		return NULL;
	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (o->cfi[mid].pc <= rel)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return hi < 0 ? NULL : &o->cfi[hi];
}

/* What an address is, for the formats below */
struct stp_uaddr_info {
	struct stp_uloc loc;
	const struct stp_usym *sym;
	const char *name;		/* the symbol's name */
	unsigned long off;		/* in the symbol */
};

static void _stp_uaddr_info(unsigned long addr, struct stp_uaddr_info *ai,
			    char *buf, int size)
{
	ai->sym = NULL;
	ai->name = NULL;
	ai->off = 0;
	if (!_stp_ulocate(addr, &ai->loc, buf, size) || !ai->loc.obj)
		return;
	ai->sym = _stp_usym_find(ai->loc.obj, ai->loc.rel);
	if (ai->sym) {
		ai->name = ai->loc.obj->strs + ai->sym->name;
		ai->off = ai->loc.rel - ai->sym->addr;
	}
}

/* Formats of an address, as SystemTap prints them */
enum {
	STP_USYM_DATA,		/* usymdata: "f+0x1/0x10 [/p/obj]" */
	STP_USYM_LINE,		/* print_ubacktrace: " 0xADDR : f+0x1/0x10 [/p/obj]" */
	STP_USYM_SHORT,		/* sprint_ubacktrace: "f+0x1 [obj]" */
	STP_USYM_BRIEF,		/* print_ubacktrace_brief: "f+0x1" */
	STP_USYM_NAME,		/* usymname: "f" */
};

static const char *_stp_ubasename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int _stp_usym_format(char *out, size_t n, unsigned long addr, int how,
			    char *scratch, int ssize)
{
	struct stp_uaddr_info ai;
	const char *path;

	_stp_uaddr_info(addr, &ai, scratch, ssize);
	path = ai.loc.path;
	if (ai.sym) {
		switch (how) {
		case STP_USYM_DATA:
			return scnprintf(out, n, "%s+0x%lx/0x%x [%s]", ai.name,
					 ai.off, ai.sym->size, path);
		case STP_USYM_LINE:
			return scnprintf(out, n, " 0x%lx : %s+0x%lx/0x%x [%s]\n",
					 addr, ai.name, ai.off, ai.sym->size,
					 path);
		case STP_USYM_SHORT:
			return scnprintf(out, n, "%s+0x%lx [%s]\n", ai.name,
					 ai.off, _stp_ubasename(path));
		case STP_USYM_BRIEF:
			return scnprintf(out, n, "%s+0x%lx\n", ai.name, ai.off);
		default:
			return scnprintf(out, n, "%s", ai.name);
		}
	}
	if (path && ai.loc.span) {
		switch (how) {
		case STP_USYM_DATA:
			return scnprintf(out, n, "0x%lx [%s+0x%lx/0x%lx]", addr,
					 path, ai.loc.rel, ai.loc.span);
		case STP_USYM_LINE:
			return scnprintf(out, n, " 0x%lx [%s+0x%lx/0x%lx]\n",
					 addr, path, ai.loc.rel, ai.loc.span);
		case STP_USYM_SHORT:
			return scnprintf(out, n, "0x%lx [%s+0x%lx]\n", addr,
					 _stp_ubasename(path), ai.loc.rel);
		}
	}
	switch (how) {
	case STP_USYM_LINE:
		return scnprintf(out, n, " 0x%lx\n", addr);
	case STP_USYM_SHORT:
	case STP_USYM_BRIEF:
		return scnprintf(out, n, "0x%lx\n", addr);
	default:
		return scnprintf(out, n, "0x%lx", addr);
	}
}

#ifdef _STP_LINES_H_
/* _stp_lines_text() of ADDR of the current process, from its object's
 * line table */
static __maybe_unused void _stp_ulines_text(char *out, size_t n,
					    unsigned long addr, int what)
{
	struct stp_uloc loc;
	const u8 *blob = NULL;

	if (_stp_ulocate(addr, &loc, NULL, 0) && loc.obj)
		blob = loc.obj->lines;
	_stp_lines_text(out, n, blob, blob ? loc.obj->base + loc.rel : 0,
			addr, what);
}
#endif

/* The user registers of the probe: a uprobe's own, or those the
 * current task entered the kernel with. */
static struct pt_regs *_stp_uregs(struct context *c)
{
	if (c->kregs && user_mode(c->kregs))
		return c->kregs;
	if (!current->mm || (current->flags & PF_KTHREAD))
		return NULL;
	return task_pt_regs(current);
}

/* SystemTap's hint, once per object: a frame in a file without tables */
static void _stp_uwarn_missing(unsigned long pc, char *buf, int size)
{
	static unsigned long warned[8];
	static atomic_t nwarned = ATOMIC_INIT(0);
	struct stp_uloc loc;
	unsigned long h;
	int i, n;

	if (!_stp_ulocate(pc, &loc, buf, size) || !loc.path)
		return;
	h = full_name_hash(NULL, loc.path, strlen(loc.path)) | 1;
	n = min(atomic_read(&nwarned), 8);
	for (i = 0; i < n; i++)
		if (READ_ONCE(warned[i]) == h)
			return;
	i = atomic_inc_return(&nwarned) - 1;
	if (i < 8)
		WRITE_ONCE(warned[i], h);
	_stp_warn("Missing unwind data for a module, rerun with 'stap -d %s'",
		  loc.path);
}

/* *PC, a return address found at SP - 8, is in the "[uprobes]" page:
 * the return address a uretprobe's trampoline replaced there, as noted
 * at the call's entry (stp_uprobe.h), in *PC and *LOC; 0 if it is not. */
static int _stp_uret_through(unsigned long *pc, struct stp_uloc *loc,
			     unsigned long sp)
{
#ifdef _STP_UPROBE_H_
	unsigned long ra;

	_stp_ulocate(*pc, loc, NULL, 0);
	if (loc->tramp && (ra = _stp_uret_orig(sp - 8)) &&
	    _stp_ulocate(ra - 1, loc, NULL, 0)) {
		*pc = ra;
		return 1;
	}
#endif
	return 0;
}

/*
 * Up to MAX return addresses of the current task's user stack from PC,
 * SP and BP (rbp) on, the first address PC.  Each frame is unwound by its object's CFI row
 * for the pc (the pc - 1 of a return address: the call), or by the rbp
 * chain where the object has no row; a frame in a file without tables
 * ends it (with SystemTap's warning), as does a fault.
 */
static int _stp_ustack_from(unsigned long pc, unsigned long sp,
			    unsigned long bp, unsigned long *pcs, int max,
			    char *buf, int size)
{
	unsigned long cfa, ra, nbp;
	const struct stp_ucfi *row;
	struct stp_uloc loc;
	int n = 0;

	while (n < max && pc) {
		if (!_stp_ulocate(pc - (n > 0), &loc, NULL, 0) &&
		    !(n && _stp_uret_through(&pc, &loc, sp))) {
			pcs[n++] = pc;
			break;
		}
		pcs[n++] = pc;
		if (!loc.obj) {
			_stp_uwarn_missing(pc, buf, size);
			break;
		}
		row = _stp_ucfi_find(loc.obj, loc.rel);
		nbp = bp;
		if (!row || row->kind == STP_UCFI_NONE) {
			/* push %rbp; mov %rsp,%rbp */
			if (!bp || bp < sp || (bp & 7) ||
			    _stp_uread(&ra, bp + 8, sizeof(ra)) ||
			    _stp_uread(&nbp, bp, sizeof(nbp)))
				break;
			cfa = bp + 16;
		} else if (row->kind == STP_UCFI_SP || row->kind == STP_UCFI_BP) {
			cfa = (row->kind == STP_UCFI_SP ? sp : bp) + 8L * row->cfa;
			if (_stp_uread(&ra, cfa - 8, sizeof(ra)))
				break;
			if (row->bp == STP_UCFI_BP_LOST)
				nbp = 0;
			else if (row->bp &&
				 _stp_uread(&nbp, cfa + 8L * row->bp, sizeof(nbp)))
				break;
		} else {
			break;
		}
		if (cfa <= sp)
			break;
		pc = ra;
		sp = cfa;
		bp = nbp;
	}
	return n;
}

/* The stack from the probe's user registers (_stp_uregs) */
static int _stp_ustack(struct context *c, unsigned long *pcs, int max,
		       char *buf, int size)
{
	struct pt_regs *regs = _stp_uregs(c);

	if (!regs)
		return 0;
	return _stp_ustack_from(regs->ip, regs->sp, regs->bp, pcs, max, buf,
				size);
}

#endif /* _STP_USYM_H_ */
