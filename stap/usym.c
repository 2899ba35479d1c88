/*
 * usym.c - what the user-space context functions (usymname, umodname,
 * ubacktrace, ...; tapset/linux/ucontext-*.stp) know of user-space
 * objects, compiled into the module (runtime/stp_usym.h, doc/ustack.md).
 *
 * The objects are those the script's process probes name (the probed
 * files and the executables of .library probes), the -d files and, with
 * --ldd, the shared libraries those need (DT_NEEDED, found as the
 * dynamic linker finds them, and the program interpreter).  For each:
 *
 *   - its PT_LOAD headers, to turn a file offset into a link-time address;
 *   - its function symbols (the .symtab, from its separate debuginfo when
 *     the file is stripped, else the .dynsym), one per address (the last
 *     of the symbol table), each as big as the distance to the next, as
 *     SystemTap 4.8 shows them;
 *   - with a function that unwinds: its call frame information
 *     (.eh_frame, else .debug_frame) reduced to rows "from this pc on, the
 *     CFA is rsp or rbp + N, the return address is at CFA + 8*R, the
 *     caller's rbp at CFA + 8*B (or rbp is unchanged)".
 *
 * Addresses in the tables are relative to the object's base (its lowest
 * PT_LOAD address, page aligned) and fit 32 bits.
 */
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>

#include "stap.h"

/* Row kinds (runtime/stp_usym.h has the same) */
enum {
	UCFI_NONE,      /* no CFI here: frame pointers */
	UCFI_SP,        /* CFA = rsp + off */
	UCFI_BP,        /* CFA = rbp + off */
	UCFI_END,       /* the return address is undefined: the outermost frame */
	UCFI_UNKNOWN,   /* rules this unwinder does not follow: stop */
};
#define UCFI_BP_LOST (-128)     /* rbp's rule unknown: not recovered */

typedef struct URow {
	uint64_t pc;            /* link-time */
	int32_t cfa_off;        /* in units of 8 bytes */
	uint8_t kind;
	int8_t bp;
	uint8_t gap;            /* sorting: a gap row yields to a real one */
} URow;

typedef struct USym {
	uint64_t addr, size;
	const char *name;
	size_t idx;             /* in its symbol table */
} USym;

typedef struct UObj {
	char *path;
	char *build_id;
	int type;               /* ET_EXEC, ET_DYN */
	uint64_t base, span;
	GElf_Phdr loads[16];
	int nloads;
	USym *syms;
	int nsyms;
	URow *rows;
	int nrows, cap;
	bool cfi;               /* had .eh_frame or .debug_frame */
	const char *lines;      /* its line table's symbol (lines.c) */
} UObj;

/* ------------------------------------------------------------------ */
/* The objects */

static Elf *open_elf(const char *path, int *fd)
{
	elf_version(EV_CURRENT);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	Elf *elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		return elf;
	if (elf)
		elf_end(elf);
	close(*fd);
	*fd = -1;
	return NULL;
}

static void close_elf(Elf *elf, int fd)
{
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
}

static void add_object(Vec *objs, const char *path)
{
	char real[PATH_MAX];
	if (!path || !realpath(path, real))
		return;
	for (int i = 0; i < objs->len; i++)
		if (!strcmp(((UObj *)vec_get(objs, i))->path, real))
			return;
	int fd;
	Elf *elf = open_elf(real, &fd);
	GElf_Ehdr eh;
	if (!elf || !gelf_getehdr(elf, &eh) ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)) {
		close_elf(elf, fd);
		return;
	}
	close_elf(elf, fd);
	UObj *o = arena_alloc(sizeof(*o));
	o->path = arena_strdup(real);
	vec_push(objs, o);
}

/* A DT_NEEDED name as the dynamic linker finds it: DT_RUNPATH/DT_RPATH
 * directories ($ORIGIN is the object's), then the library directories. */
static char *find_needed(const char *name, const char *runpath, const char *origin)
{
	if (strchr(name, '/'))
		return arena_strdup(name);
	if (runpath) {
		char *list = arena_strdup(runpath);
		for (char *save = NULL, *d = strtok_r(list, ":", &save); d;
		     d = strtok_r(NULL, ":", &save)) {
			char *dir = !strncmp(d, "$ORIGIN", 7) ? format("%s%s", origin, d + 7) :
				    !strncmp(d, "${ORIGIN}", 9) ? format("%s%s", origin, d + 9) : d;
			char *p = format("%s/%s", dir, name);
			if (access(p, R_OK) == 0)
				return p;
		}
	}
	return uprobe_path(name, true, NULL);
}

/* The objects PATH loads itself: its interpreter and its DT_NEEDED
 * libraries, found as the dynamic linker finds them (find_needed), as
 * paths not yet made real; empty when PATH is no ELF file. */
Vec elf_needed(const char *path)
{
	Vec names = {0}, out = {0};
	int fd;
	Elf *elf = open_elf(path, &fd);
	if (!elf)
		return out;
	const char *runpath = NULL;
	size_t nph;
	if (elf_getphdrnum(elf, &nph) == 0) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_INTERP) {
				size_t size;
				char *img = elf_rawfile(elf, &size);
				if (img && ph.p_offset + ph.p_filesz <= size && ph.p_filesz)
					vec_push(&names, arena_strndup(img + ph.p_offset,
								       strnlen(img + ph.p_offset, ph.p_filesz)));
			}
		}
	}
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; data && i < n; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(data, i, &dyn))
				continue;
			const char *s = NULL;
			if (dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_RUNPATH ||
			    dyn.d_tag == DT_RPATH)
				s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			if (dyn.d_tag == DT_NEEDED)
				vec_push(&names, arena_strdup(s));
			else if (!runpath || dyn.d_tag == DT_RUNPATH)
				runpath = arena_strdup(s);
		}
	}
	close_elf(elf, fd);
	char *origin = arena_strdup(path);
	char *slash = strrchr(origin, '/');
	if (slash)
		*slash = '\0';
	for (int i = 0; i < names.len; i++) {
		char *p = find_needed(vec_get(&names, i), runpath, origin);
		if (p)
			vec_push(&out, p);
	}
	return out;
}

/* --ldd: the libraries OBJ needs and its interpreter */
static void add_needed(Vec *objs, UObj *obj)
{
	Vec needed = elf_needed(obj->path);
	for (int i = 0; i < needed.len; i++)
		add_object(objs, vec_get(&needed, i));
}

static Vec collect_objects(void)
{
	Vec objs = {0};
	for (int i = 0; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		if (d->kind == &pk_uprobe) {
			add_object(&objs, d->kp.proc);
			add_object(&objs, d->kp.module);
		} else if (d->kind == &pk_utask && d->kp.module) {
			add_object(&objs, d->kp.module);
		}
	}
	for (int i = 0; i < sess->extra_modules.len; i++) {
		const char *m = vec_get(&sess->extra_modules, i);
		if (strchr(m, '/'))
			add_object(&objs, m);
	}
	if (sess->ldd)
		for (int i = 0; i < objs.len; i++)  /* grows as it goes */
			add_needed(&objs, vec_get(&objs, i));
	return objs;
}

/* ------------------------------------------------------------------ */
/* Load headers and symbols */

static void read_headers(UObj *o, Elf *elf)
{
	GElf_Ehdr eh;
	size_t nph;
	gelf_getehdr(elf, &eh);
	o->type = eh.e_type;
	uint64_t lo = UINT64_MAX, hi = 0;
	if (elf_getphdrnum(elf, &nph) != 0)
		nph = 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (o->nloads < (int)(sizeof(o->loads) / sizeof(o->loads[0])))
			o->loads[o->nloads++] = ph;
		if (ph.p_vaddr < lo)
			lo = ph.p_vaddr;
		if (ph.p_vaddr + ph.p_memsz > hi)
			hi = ph.p_vaddr + ph.p_memsz;
	}
	if (lo > hi)
		lo = hi = 0;
	o->base = lo & ~0xfffULL;
	o->span = ((hi + 0xfff) & ~0xfffULL) - o->base;
	size_t len;
	const void *id;
	ssize_t n = dwelf_elf_gnu_build_id(elf, &id);
	len = n > 0 ? (size_t)n : 0;
	if (len) {
		StrBuf sb = {0};
		for (size_t i = 0; i < len; i++)
			sb_printf(&sb, "%02x", ((const unsigned char *)id)[i]);
		o->build_id = arena_strdup(sb.buf);
		sb_release(&sb);
	}
}

static Elf_Scn *find_section(Elf *elf, unsigned type, const char *name)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		const char *nm;
		if (gelf_getshdr(scn, &sh) && (!type || sh.sh_type == type) &&
		    (!name || ((nm = elf_strptr(elf, shstrndx, sh.sh_name)) &&
			       !strcmp(nm, name))))
			return scn;
	}
	return NULL;
}

static int cmp_sym(const void *a, const void *b)
{
	const USym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void read_symbols(UObj *o, Elf *elf, Elf_Scn *scn)
{
	GElf_Shdr sh;
	gelf_getshdr(scn, &sh);
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	USym *syms = arena_alloc(sizeof(*syms) * (n + 1));
	int k = 0;
	for (size_t i = 0; data && i < n; i++) {
		GElf_Sym s;
		const char *nm;
		if (!gelf_getsym(data, i, &s) || s.st_shndx == SHN_UNDEF ||
		    s.st_shndx == SHN_ABS || !s.st_value ||
		    (GELF_ST_TYPE(s.st_info) != STT_FUNC &&
		     GELF_ST_TYPE(s.st_info) != STT_GNU_IFUNC) ||
		    s.st_value < o->base || s.st_value - o->base > UINT32_MAX ||
		    !(nm = elf_strptr(elf, sh.sh_link, s.st_name)) || !*nm)
			continue;
		syms[k++] = (USym){ s.st_value, s.st_size, arena_strdup(nm), i };
	}
	qsort(syms, k, sizeof(*syms), cmp_sym);
	/* one per address, the symbol table's last; sized to the next */
	int m = 0;
	for (int i = 0; i < k; i++) {
		if (m && syms[m - 1].addr == syms[i].addr)
			m--;
		syms[m++] = syms[i];
	}
	for (int i = 0; i + 1 < m; i++)
		syms[i].size = syms[i + 1].addr - syms[i].addr;
	o->syms = syms;
	o->nsyms = m;
}

/* The .symtab: the file's, its separate debuginfo's, else its .dynsym. */
static void load_symbols(UObj *o, Elf *elf)
{
	Elf_Scn *scn = find_section(elf, SHT_SYMTAB, NULL);
	if (scn) {
		read_symbols(o, elf, scn);
		return;
	}
	Vec c = dw_user_candidates(o->path);
	for (int i = 1; i < c.len; i++) {
		int fd;
		Elf *dbg = open_elf(vec_get(&c, i), &fd);
		Elf_Scn *s = dbg ? find_section(dbg, SHT_SYMTAB, NULL) : NULL;
		if (s) {
			read_symbols(o, dbg, s);
			/* names are copied: the file can go */
			close_elf(dbg, fd);
			return;
		}
		close_elf(dbg, fd);
	}
	scn = find_section(elf, SHT_DYNSYM, NULL);
	if (scn)
		read_symbols(o, elf, scn);
}

/* ------------------------------------------------------------------ */
/* Call frame information */

typedef struct Rd {
	const uint8_t *start, *p, *end;
	uint64_t addr;          /* the section's address (pcrel) */
	bool bad;
} Rd;

static uint64_t rd_bytes(Rd *r, int n)
{
	uint64_t v = 0;
	if (r->end - r->p < n) {
		r->bad = true;
		r->p = r->end;
		return 0;
	}
	for (int i = 0; i < n; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static uint64_t rd_uleb(Rd *r)
{
	uint64_t v = 0;
	for (int shift = 0; r->p < r->end; shift += 7) {
		uint8_t b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return v;
}

static int64_t rd_sleb(Rd *r)
{
	int64_t v = 0;
	int shift = 0;
	uint8_t b = 0x80;
	while (r->p < r->end && (b & 0x80)) {
		b = *r->p++;
		if (shift < 64)
			v |= (int64_t)(b & 0x7f) << shift;
		shift += 7;
	}
	if (b & 0x80)
		r->bad = true;
	else if (shift < 64 && (b & 0x40))
		v |= -((int64_t)1 << shift);
	return v;
}

/* A pointer in DW_EH_PE encoding ENC */
static uint64_t rd_encoded(Rd *r, uint8_t enc)
{
	if (enc == 0xff)        /* DW_EH_PE_omit */
		return 0;
	uint64_t here = r->addr + (uint64_t)(r->p - r->start), v;
	switch (enc & 0x0f) {
	case 0x00: v = rd_bytes(r, 8); break;
	case 0x01: v = rd_uleb(r); break;
	case 0x02: v = rd_bytes(r, 2); break;
	case 0x03: v = rd_bytes(r, 4); break;
	case 0x04: v = rd_bytes(r, 8); break;
	case 0x09: v = rd_sleb(r); break;
	case 0x0a: v = (int16_t)rd_bytes(r, 2); break;
	case 0x0b: v = (int32_t)rd_bytes(r, 4); break;
	case 0x0c: v = rd_bytes(r, 8); break;
	default: r->bad = true; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += here; break;
	default: r->bad = true; break;  /* textrel, datarel, funcrel: not in CFI */
	}
	return v;
}

typedef struct Cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	bool aug_z;
	const uint8_t *insns, *insns_end;
	bool ok;
} Cie;

/* The register rules this unwinder follows */
enum { R_SAME, R_OFFSET, R_UNDEF, R_OTHER };
typedef struct CfaState {
	int cfa_reg;            /* DWARF number; -1: an expression */
	int64_t cfa_off;
	int ra_how, bp_how;
	int64_t ra_off, bp_off;
} CfaState;

#define REG_RBP 6
#define REG_RSP 7

static void push_row(UObj *o, uint64_t pc, const CfaState *s, bool gap)
{
	URow row = { .pc = pc, .gap = gap, .kind = UCFI_NONE };
	if (!gap) {
		if (s->cfa_reg == REG_RSP)
			row.kind = UCFI_SP;
		else if (s->cfa_reg == REG_RBP)
			row.kind = UCFI_BP;
		else
			row.kind = UCFI_UNKNOWN;
		/* the CFA in units of 8 bytes, the return address just
		 * below it (x86-64's rules everywhere but in trampolines) */
		if (s->cfa_off % 8 || s->cfa_off / 8 < INT16_MIN ||
		    s->cfa_off / 8 > INT16_MAX)
			row.kind = UCFI_UNKNOWN;
		row.cfa_off = (int32_t)(s->cfa_off / 8);
		if (s->ra_how == R_UNDEF)
			row.kind = UCFI_END;
		else if (s->ra_how != R_OFFSET || s->ra_off != -8)
			row.kind = UCFI_UNKNOWN;
		if (s->bp_how == R_SAME)
			row.bp = 0;
		else if (s->bp_how == R_OFFSET && !(s->bp_off % 8) && s->bp_off &&
			 s->bp_off / 8 >= -127 && s->bp_off / 8 <= 127)
			row.bp = (int8_t)(s->bp_off / 8);
		else
			row.bp = UCFI_BP_LOST;
		if (row.kind == UCFI_END || row.kind == UCFI_UNKNOWN)
			row.cfa_off = row.bp = 0;
	}
	if (o->nrows == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 1024;
		URow *n = arena_alloc(sizeof(*n) * o->cap);
		if (o->nrows)
			memcpy(n, o->rows, sizeof(*n) * o->nrows);
		o->rows = n;
	}
	o->rows[o->nrows++] = row;
}

static void set_rule(CfaState *s, uint64_t reg, int how, int64_t off)
{
	if (reg == 16) {
		s->ra_how = how;
		s->ra_off = off;
	} else if (reg == REG_RBP) {
		s->bp_how = how;
		s->bp_off = off;
	}
}

static void restore_rule(CfaState *s, const CfaState *init, uint64_t reg)
{
	if (reg == 16) {
		s->ra_how = init->ra_how;
		s->ra_off = init->ra_off;
	} else if (reg == REG_RBP) {
		s->bp_how = init->bp_how;
		s->bp_off = init->bp_off;
	}
}

/*
 * Run the CFA instructions [P, END) from state S at LOC (FDE code: emit
 * a row at each advance, up to LIMIT; INIT is the CIE's state for
 * DW_CFA_restore).  Returns false on an instruction it cannot read.
 */
static bool run_cfa(UObj *o, Rd *r, const Cie *cie, CfaState *s,
		    const CfaState *init, uint64_t loc, uint64_t limit, bool emit)
{
	CfaState stack[16];
	int depth = 0;
	while (r->p < r->end && !r->bad) {
		uint8_t op = *r->p++;
		uint64_t reg, delta = 0;
		bool advance = false;
		switch (op & 0xc0) {
		case 0x40:
			delta = (op & 0x3f) * cie->code_align;
			advance = true;
			break;
		case 0x80:
			set_rule(s, op & 0x3f, R_OFFSET,
				 (int64_t)rd_uleb(r) * cie->data_align);
			continue;
		case 0xc0:
			restore_rule(s, init, op & 0x3f);
			continue;
		}
		if (!advance) {
			switch (op) {
			case 0x00:      /* nop */
				break;
			case 0x01: {    /* set_loc */
				uint64_t to = rd_encoded(r, cie->fde_enc);
				if (emit && to > loc)
					push_row(o, loc, s, false);
				loc = to;
				break;
			}
			case 0x02: delta = rd_bytes(r, 1) * cie->code_align; advance = true; break;
			case 0x03: delta = rd_bytes(r, 2) * cie->code_align; advance = true; break;
			case 0x04: delta = rd_bytes(r, 4) * cie->code_align; advance = true; break;
			case 0x05:      /* offset_extended */
				reg = rd_uleb(r);
				set_rule(s, reg, R_OFFSET, (int64_t)rd_uleb(r) * cie->data_align);
				break;
			case 0x06:      /* restore_extended */
				restore_rule(s, init, rd_uleb(r));
				break;
			case 0x07:      /* undefined */
				set_rule(s, rd_uleb(r), R_UNDEF, 0);
				break;
			case 0x08:      /* same_value */
				set_rule(s, rd_uleb(r), R_SAME, 0);
				break;
			case 0x09:      /* register */
				reg = rd_uleb(r);
				rd_uleb(r);
				set_rule(s, reg, R_OTHER, 0);
				break;
			case 0x0a:      /* remember_state */
				if (depth == 16)
					return false;
				stack[depth++] = *s;
				break;
			case 0x0b:      /* restore_state */
				if (!depth)
					return false;
				*s = stack[--depth];
				break;
			case 0x0c:      /* def_cfa */
				s->cfa_reg = (int)rd_uleb(r);
				s->cfa_off = (int64_t)rd_uleb(r);
				break;
			case 0x0d:      /* def_cfa_register */
				s->cfa_reg = (int)rd_uleb(r);
				break;
			case 0x0e:      /* def_cfa_offset */
				s->cfa_off = (int64_t)rd_uleb(r);
				break;
			case 0x0f:      /* def_cfa_expression */
				r->p += rd_uleb(r);
				s->cfa_reg = -1;
				break;
			case 0x10:      /* expression */
			case 0x16:      /* val_expression */
				reg = rd_uleb(r);
				r->p += rd_uleb(r);
				set_rule(s, reg, R_OTHER, 0);
				break;
			case 0x11:      /* offset_extended_sf */
				reg = rd_uleb(r);
				set_rule(s, reg, R_OFFSET, rd_sleb(r) * cie->data_align);
				break;
			case 0x12:      /* def_cfa_sf */
				s->cfa_reg = (int)rd_uleb(r);
				s->cfa_off = rd_sleb(r) * cie->data_align;
				break;
			case 0x13:      /* def_cfa_offset_sf */
				s->cfa_off = rd_sleb(r) * cie->data_align;
				break;
			case 0x14:      /* val_offset */
				reg = rd_uleb(r);
				rd_uleb(r);
				set_rule(s, reg, R_OTHER, 0);
				break;
			case 0x15:      /* val_offset_sf */
				reg = rd_uleb(r);
				rd_sleb(r);
				set_rule(s, reg, R_OTHER, 0);
				break;
			case 0x2e:      /* GNU_args_size */
				rd_uleb(r);
				break;
			case 0x2f:      /* GNU_negative_offset_extended */
				reg = rd_uleb(r);
				set_rule(s, reg, R_OFFSET, -(int64_t)rd_uleb(r) * cie->data_align);
				break;
			default:
				return false;
			}
			if (r->p > r->end)
				r->bad = true;
		}
		if (advance) {
			if (emit && delta)
				push_row(o, loc, s, false);
			loc += delta;
			if (loc >= limit)
				break;
		}
	}
	if (emit && loc < limit)
		push_row(o, loc, s, false);
	return !r->bad;
}

static Cie parse_cie(Rd *sec, size_t off, bool eh)
{
	Cie c = { .fde_enc = 0 };
	Rd r = *sec;
	r.p = sec->start + off;
	uint64_t len = rd_bytes(&r, 4);
	int idsz = 4;
	if (len == 0xffffffff) {
		len = rd_bytes(&r, 8);
		idsz = 8;
	}
	if (r.bad || len > (uint64_t)(r.end - r.p))
		return c;
	r.end = r.p + len;
	uint64_t id = rd_bytes(&r, idsz);
	if (eh ? id != 0 : id != (idsz == 4 ? 0xffffffffULL : UINT64_MAX))
		return c;
	uint8_t version = (uint8_t)rd_bytes(&r, 1);
	const char *aug = (const char *)r.p;
	size_t alen = strnlen(aug, r.end - r.p);
	r.p += alen + 1;
	if (version >= 4)
		rd_bytes(&r, 2);        /* address size, segment size */
	c.code_align = rd_uleb(&r);
	c.data_align = rd_sleb(&r);
	c.ra_reg = version == 1 ? rd_bytes(&r, 1) : rd_uleb(&r);
	c.fde_enc = eh ? 0 : 0x00;
	const uint8_t *aug_end = NULL;
	if (aug[0] == 'z') {
		uint64_t n = rd_uleb(&r);
		aug_end = r.p + n;
		c.aug_z = true;
	} else if (alen && strcmp(aug, "")) {
		return c;               /* an augmentation not understood */
	}
	for (size_t i = 1; aug[0] == 'z' && i < alen && !r.bad; i++) {
		switch (aug[i]) {
		case 'R': c.fde_enc = (uint8_t)rd_bytes(&r, 1); break;
		case 'L': rd_bytes(&r, 1); break;
		case 'P': {
			uint8_t enc = (uint8_t)rd_bytes(&r, 1);
			rd_encoded(&r, enc & 0x7f);
			break;
		}
		case 'S': case 'B': break;
		default: r.p = aug_end; i = alen; break;
		}
	}
	if (aug_end)
		r.p = aug_end;
	if (r.bad || r.p > r.end || c.ra_reg != 16)
		return c;
	c.insns = r.p;
	c.insns_end = r.end;
	c.ok = true;
	return c;
}

/* The rows of every FDE in a .eh_frame (EH) or .debug_frame section. */
static void parse_frames(UObj *o, const uint8_t *buf, size_t size, uint64_t addr, bool eh)
{
	Rd sec = { buf, buf, buf + size, addr, false };
	/* a small cache: FDEs share few CIEs */
	size_t cie_off[8] = { 0 };
	Cie cies[8];
	int ncie = 0, next = 0;
	while (sec.p < sec.end) {
		const uint8_t *entry = sec.p;
		uint64_t len = rd_bytes(&sec, 4);
		int idsz = 4;
		if (sec.bad || len == 0)
			break;          /* (a zero terminator ends .eh_frame) */
		if (len == 0xffffffff) {
			len = rd_bytes(&sec, 8);
			idsz = 8;
		}
		if (sec.bad || len > (uint64_t)(sec.end - sec.p))
			break;
		const uint8_t *body = sec.p, *end = sec.p + len;
		uint64_t id = rd_bytes(&sec, idsz);
		sec.p = end;
		bool is_cie = eh ? id == 0 : id == (idsz == 4 ? 0xffffffffULL : UINT64_MAX);
		if (is_cie)
			continue;
		size_t coff = eh ? (size_t)(body - buf) - id : id;
		if (coff >= size)
			continue;
		Cie *cie = NULL;
		for (int i = 0; i < ncie; i++)
			if (cie_off[i] == coff)
				cie = &cies[i];
		if (!cie) {
			cie_off[next] = coff;
			cies[next] = parse_cie(&sec, coff, eh);
			cie = &cies[next];
			if (ncie < 8)
				ncie++;
			next = (next + 1) % 8;
		}
		if (!cie->ok)
			continue;
		Rd r = { buf, body + idsz, end, addr, false };
		uint64_t pc = rd_encoded(&r, eh ? cie->fde_enc : 0x00);
		uint64_t range = rd_encoded(&r, eh ? cie->fde_enc & 0x0f : 0x00);
		if (cie->aug_z)
			r.p += rd_uleb(&r);
		(void)entry;
		if (r.bad || !range || pc < o->base || pc + range - o->base > UINT32_MAX)
			continue;
		CfaState init = { .cfa_reg = REG_RSP, .cfa_off = 8, .ra_how = R_UNDEF,
				  .bp_how = R_SAME };
		Rd ci = { buf, cie->insns, cie->insns_end, addr, false };
		if (!run_cfa(o, &ci, cie, &init, &init, pc, pc, false))
			continue;
		CfaState s = init;
		int before = o->nrows;
		if (!run_cfa(o, &r, cie, &s, &init, pc, pc + range, true)) {
			o->nrows = before;      /* what it made is suspect */
			continue;
		}
		push_row(o, pc + range, &s, true);
	}
}

static int cmp_row(const void *a, const void *b)
{
	const URow *x = a, *y = b;
	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	return (int)y->gap - (int)x->gap;       /* the gap first, a real row wins */
}

static void load_cfi(UObj *o, Elf *elf)
{
	Elf *src = elf;
	int fd = -1;
	bool eh = true;
	Elf_Scn *scn = find_section(elf, SHT_PROGBITS, ".eh_frame");
	if (!scn) {
		eh = false;
		scn = find_section(elf, SHT_PROGBITS, ".debug_frame");
		Vec c = dw_user_candidates(o->path);
		for (int i = 1; !scn && i < c.len; i++) {
			src = open_elf(vec_get(&c, i), &fd);
			scn = src ? find_section(src, SHT_PROGBITS, ".debug_frame") : NULL;
			if (!scn) {
				close_elf(src, fd);
				src = NULL;
				fd = -1;
			}
		}
	}
	GElf_Shdr sh;
	if (scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_COMPRESSED))
		elf_compress(scn, 0, 0);
	Elf_Data *data = scn && gelf_getshdr(scn, &sh) ? elf_getdata(scn, NULL) : NULL;
	if (data && data->d_buf && data->d_size) {
		o->cfi = true;
		parse_frames(o, data->d_buf, data->d_size, sh.sh_addr, eh);
	}
	if (src != elf)
		close_elf(src, fd);
	qsort(o->rows, o->nrows, sizeof(*o->rows), cmp_row);
	/* one row per pc (the last sorted: a real row over a gap), and
	 * none that repeats the one before */
	int m = 0;
	for (int i = 0; i < o->nrows; i++) {
		URow *r = &o->rows[i];
		if (m && o->rows[m - 1].pc == r->pc)
			m--;
		if (m && o->rows[m - 1].kind == r->kind &&
		    o->rows[m - 1].cfa_off == r->cfa_off &&
		    o->rows[m - 1].bp == r->bp)
			continue;
		o->rows[m++] = *r;
	}
	o->nrows = m;
}

/* ------------------------------------------------------------------ */
/* Emission */

/* A used function's C, or a top-level %{ %} of a used tapset, says
 * PRAGMA. */
bool uses_pragma(const char *pragma)
{
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		if (f->code && strstr(f->code, pragma))
			return true;
	}
	for (int i = 0; i < sess->used_embeds.len; i++) {
		Token *t = vec_get(&sess->used_embeds, i);
		if (t->str && strstr(t->str, pragma))
			return true;
	}
	return false;
}

bool usym_needed(void)
{
	return uses_pragma("pragma:vma") || uses_pragma("pragma:unwind");
}

static void emit_object(FILE *out, UObj *o, int n, bool unwind)
{
	fprintf(out, "static const struct stp_uload _stp_uloads_%d[] = {\n", n);
	for (int i = 0; i < o->nloads; i++)
		fprintf(out, "\t{ 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 " },\n",
			(uint64_t)o->loads[i].p_offset, (uint64_t)o->loads[i].p_vaddr,
			(uint64_t)o->loads[i].p_filesz);
	fputs("};\n", out);
	if (o->nsyms) {
		fprintf(out, "static const struct stp_usym _stp_usyms_%d[] = {\n", n);
		uint32_t name = 0;
		for (int i = 0; i < o->nsyms; i++) {
			USym *s = &o->syms[i];
			uint64_t size = s->size > UINT32_MAX ? UINT32_MAX : s->size;
			fprintf(out, "{0x%" PRIx64 ",0x%" PRIx64 ",%u},\n", s->addr - o->base,
				size, name);
			name += strlen(s->name) + 1;
		}
		fprintf(out, "};\nstatic const char _stp_ustrs_%d[] =\n", n);
		for (int i = 0; i < o->nsyms; i++) {
			/* names are C-safe but for the odd character */
			char *lit = c_string(o->syms[i].name);
			lit[strlen(lit) - 1] = '\0';
			fprintf(out, "%s\\0\"\n", lit);
		}
		fputs(";\n", out);
	}
	if (unwind && o->nrows) {
		fprintf(out, "static const struct stp_ucfi _stp_ucfi_%d[] = {\n", n);
		for (int i = 0; i < o->nrows; i++) {
			URow *r = &o->rows[i];
			fprintf(out, "{0x%" PRIx64 ",%d,%d,%d},\n", r->pc - o->base,
				r->cfa_off, r->kind, r->bp);
		}
		fputs("};\n", out);
	}
}

void usym_emit(FILE *out)
{
	bool unwind = uses_pragma("pragma:unwind");
	Vec objs = collect_objects();
	for (int i = 0; i < objs.len; i++) {
		UObj *o = vec_get(&objs, i);
		int fd;
		Elf *elf = open_elf(o->path, &fd);
		if (!elf)
			continue;
		read_headers(o, elf);
		load_symbols(o, elf);
		if (unwind)
			load_cfi(o, elf);
		close_elf(elf, fd);
		if (verbose_for(3) > 1)
			fprintf(stderr, "usym: %s: %d symbols, %d unwind rows%s\n", o->path,
				o->nsyms, unwind ? o->nrows : 0,
				unwind && !o->cfi ? " (no CFI: frame pointers)" : "");
		emit_object(out, o, i, unwind);
		o->lines = lines_emit_user(out, o->path, o->base);
	}
	fputs("static struct stp_uobj _stp_uobjs[] = {\n", out);
	for (int i = 0; i < objs.len; i++) {
		UObj *o = vec_get(&objs, i);
		const char *slash = strrchr(o->path, '/');
		fprintf(out, "\t{ .path = %s, .name = %s, .build_id = %s, .et_dyn = %d,\n"
			"\t  .base = 0x%" PRIx64 ", .span = 0x%" PRIx64 ",\n"
			"\t  .loads = _stp_uloads_%d, .nloads = %d",
			c_string(o->path), c_string(slash ? slash + 1 : o->path),
			c_string(o->build_id ? o->build_id : ""), o->type == ET_DYN,
			o->base, o->span, i, o->nloads);
		if (o->nsyms)
			fprintf(out, ",\n\t  .syms = _stp_usyms_%d, .nsyms = %d, .strs = _stp_ustrs_%d",
				i, o->nsyms, i);
		if (unwind && o->nrows)
			fprintf(out, ",\n\t  .cfi = _stp_ucfi_%d, .ncfi = %d", i, o->nrows);
		if (o->lines)
			fprintf(out, ",\n\t  .lines = %s", o->lines);
		fputs(" },\n", out);
	}
	fputs("\t{ }\n};\n", out);
}
