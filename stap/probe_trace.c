/*
 * probe_trace.c - the probe kind of tracepoints (runtime/stp_tracepoint.h):
 *
 *   kernel.trace("[SYSTEM:]NAME")      globs allowed in both parts
 *
 * The handler runs with the tracepoint's arguments as $variables
 * (tvar.c), and $$name, $$system, $$vars, $$parms.
 * Which tracepoints there are, and their arguments: every tracepoint
 * NAME of the kernel image has a function __traceiter_NAME(void *__data,
 * ARGS...), whose prototype the kernel's BTF describes, names included.
 * So kernel.trace probes and their $arguments need no debuginfo at all.
 *
 * The system (the "sched" of sched:sched_switch) is the TRACE_SYSTEM of
 * the header that declared the event.  The kernel keeps it as data:
 * __event_NAME (in the _ftrace_events table) points to the event's
 * struct trace_event_call, whose ->class->system is the string.  With
 * the DWARF vmlinux (which holds the initialized data and the symbol
 * table) we read it from there; without, from the data of the kernel
 * image (vmlinuz: no symbols, so the chain is followed backwards from
 * the tracepoint's name), then the running kernel's tracefs when the
 * session's kernel is the running one.  A tracepoint without an event
 * (DECLARE_TRACE) has a system only through the DWARF (its header's
 * name); without, it prints as kernel.trace("NAME").
 *
 * The tracepoints of modules come from the modules' files (below, "The
 * tracepoints of modules"; doc/trace.md).
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "stap.h"

#define ITER_PREFIX "__traceiter_"

static TraceEvent *events;
static int nevents = -1;
/* The entry code of the sys_exit probes using @entry (translate.c's
 * gen_entry_fn): the derived probe and its function. */
static Vec entry_fns;           /* DerivedProbe* */
static Vec entry_names;         /* char* */

static void add_event(const char *name, CType *proto, void *arg)
{
	Vec *v = arg;
	TraceEvent *e = arena_alloc(sizeof(*e));
	e->name = arena_strdup(name + strlen(ITER_PREFIX));
	e->proto = proto;
	vec_push(v, e);
}

static int cmp_event(const void *a, const void *b)
{
	return strcmp(((const TraceEvent *)a)->name,
		      ((const TraceEvent *)b)->name);
}

static TraceEvent *find_event(const char *name)
{
	TraceEvent key = { .name = name };
	return bsearch(&key, events, nevents, sizeof(*events), cmp_event);
}

/* The bytes at link-time address ADDR of ELF, or NULL. */
static const char *elf_at(Elf *elf, uint64_t addr, size_t need)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) || addr < sh.sh_addr ||
		    addr + need > sh.sh_addr + sh.sh_size)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || addr - sh.sh_addr + need > d->d_size)
			return NULL;
		return (const char *)d->d_buf + (addr - sh.sh_addr);
	}
	return NULL;
}

static uint64_t member_offset(const char *type, const char *member, uint64_t dflt)
{
	CType *t = btf_find_type(type);
	CMember m;
	if (t && ct_find_member(t, member, &m))
		return m.bit_offset / 8;
	return dflt;
}

/* Systems from the vmlinux: __event_NAME->class->system. */
static bool systems_from_elf(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool found = false;
	Elf_Scn *scn = NULL;
	uint64_t class_off = member_offset("struct trace_event_call", "class", 16);
	uint64_t system_off = member_offset("struct trace_event_class", "system", 0);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; d && i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_OBJECT)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || strncmp(name, "__event_", 8))
				continue;
			TraceEvent *e = find_event(name + 8);
			if (!e || e->system)
				continue;
			/* __event_NAME points to event_NAME, the call */
			uint64_t call, cls, sys;
			const char *p = elf_at(elf, sym.st_value, 8);
			if (!p)
				continue;
			memcpy(&call, p, 8);
			if (!(p = elf_at(elf, call + class_off, 8)))
				continue;
			memcpy(&cls, p, 8);
			if (!(p = elf_at(elf, cls + system_off, 8)))
				continue;
			memcpy(&sys, p, 8);
			const char *str = elf_at(elf, sys, 1);
			if (str && memchr(str, '\0', 64)) {
				e->system = arena_strdup(str);
				found = true;
			}
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return found;
}

/* A tracepoint with no event (DECLARE_TRACE: sched's pelt_cfs_tp...):
 * its system is the name of the header under include/trace/events/
 * that declared it, the file of __traceiter_NAME in the DWARF. */
static void header_system(DwIndex *idx, const DwEntry *ent, void *arg)
{
	TraceEvent *e = arg;
	const char *f = dw_str(idx, ent->file), *p;
	if (e->system || !f || !(p = strstr(f, "trace/events/")))
		return;
	p += strlen("trace/events/");
	const char *dot = strrchr(p, '.');
	if (dot && !strcmp(dot, ".h") && !strchr(p, '/'))
		e->system = arena_strndup(p, dot - p);
}

static void systems_from_headers(void)
{
	DwIndex *idx = dw_index(NULL);
	for (int i = 0; idx && i < nevents; i++)
		if (!events[i].system)
			dw_match(idx, format(ITER_PREFIX "%s", events[i].name),
				 NULL, 0, header_system, &events[i]);
}

/*
 * Systems from the kernel image (vmlinuz), without DWARF.  Its ELF keeps
 * the initialized data but no symbol table, so the chain __event_NAME ->
 * call -> class -> system is found from the other end: the string NAME
 * in .rodata (the tracepoint's name), a struct tracepoint whose ->name
 * points to it, a struct trace_event_call whose ->tp points to that
 * tracepoint and which the _ftrace_events table (in .init.data) points
 * to; its ->class->system is the string.  The image's pointers are
 * link-time addresses, as the ELF's.  What is found is cached (tpsys-...).
 */
typedef struct Word {
	uint64_t val, at;       /* an aligned 8-byte value and its address */
} Word;

typedef struct Image {
	Elf *elf;
	Word *words;            /* the pointers of the data, by value */
	size_t nwords;
	uint64_t init_lo, init_hi;      /* .init.data */
} Image;

static int cmp_word(const void *a, const void *b)
{
	const Word *x = a, *y = b;
	return x->val < y->val ? -1 : x->val > y->val;
}

/* The words whose value is VAL: *N of them, from the one returned. */
static Word *words_of(Image *im, uint64_t val, size_t *n)
{
	size_t lo = 0, hi = im->nwords, end;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (im->words[mid].val < val)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < im->nwords && im->words[end].val == val; end++)
		;
	*n = end - lo;
	return &im->words[lo];
}

/* Does the _ftrace_events table (in .init.data) point to CALL? */
static bool in_event_table(Image *im, uint64_t call)
{
	size_t n;
	Word *w = words_of(im, call, &n);
	for (size_t i = 0; i < n; i++)
		if (w[i].at >= im->init_lo && w[i].at < im->init_hi)
			return true;
	return false;
}

static bool image_ptr(Image *im, uint64_t addr, uint64_t *out)
{
	const char *p = elf_at(im->elf, addr, 8);
	if (p)
		memcpy(out, p, 8);
	return p != NULL;
}

/* The string at ADDR if it is a system's name: an identifier, as
 * TRACE_SYSTEM is, of fewer than 64 characters; else NULL. */
static const char *image_system(Image *im, uint64_t addr)
{
	const char *s = elf_at(im->elf, addr, 1);
	for (int n = 0; s && n < 64 && elf_at(im->elf, addr + n, 1); n++) {
		if (!s[n])
			return n ? s : NULL;
		if (s[n] != '_' && !isalnum((unsigned char)s[n]))
			return NULL;
	}
	return NULL;
}

/* Index the image's data: every aligned word of its allocated,
 * non-executable sections that points into the kernel's range. */
static bool image_index(Image *im)
{
	size_t shstrndx;
	uint64_t lo = UINT64_MAX, hi = 0;
	Elf_Scn *scn = NULL;
	if (elf_getshdrstrndx(im->elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(im->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || !sh.sh_addr)
			continue;
		lo = sh.sh_addr < lo ? sh.sh_addr : lo;
		hi = sh.sh_addr + sh.sh_size > hi ? sh.sh_addr + sh.sh_size : hi;
		const char *name = elf_strptr(im->elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".init.data")) {
			im->init_lo = sh.sh_addr;
			im->init_hi = sh.sh_addr + sh.sh_size;
		}
	}
	size_t cap = 0;
	while ((scn = elf_nextscn(im->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) || (sh.sh_flags & SHF_EXECINSTR) ||
		    !sh.sh_addr || (sh.sh_addr & 7) || !(d = elf_getdata(scn, NULL)) ||
		    !d->d_buf)
			continue;
		for (size_t off = 0; off + 8 <= d->d_size; off += 8) {
			uint64_t v;
			memcpy(&v, (const char *)d->d_buf + off, 8);
			if (v < lo || v >= hi)
				continue;
			if (im->nwords == cap) {
				Word *n = realloc(im->words, (cap = cap * 2 + 65536) * sizeof(Word));
				if (!n)
					return false;
				im->words = n;
			}
			im->words[im->nwords++] = (Word){ v, sh.sh_addr + off };
		}
	}
	qsort(im->words, im->nwords, sizeof(Word), cmp_word);
	return im->init_hi > im->init_lo;
}

/* The systems of the events still without one, from the image's .rodata
 * strings (each a candidate name) through the chain above. */
static void image_systems(Image *im)
{
	uint64_t name_off = member_offset("struct tracepoint", "name", 0);
	uint64_t tp_off = member_offset("struct trace_event_call", "tp", 24);
	uint64_t class_off = member_offset("struct trace_event_call", "class", 16);
	uint64_t system_off = member_offset("struct trace_event_class", "system", 0);
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	if (elf_getshdrstrndx(im->elf, &shstrndx) != 0)
		return;
	while ((scn = elf_nextscn(im->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *sec;
		if (!gelf_getshdr(scn, &sh) ||
		    !(sec = elf_strptr(im->elf, shstrndx, sh.sh_name)) ||
		    strcmp(sec, ".rodata") || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			continue;
		const char *base = d->d_buf, *end = base + d->d_size, *p = base;
		while (p < end) {
			const char *nul = memchr(p, '\0', end - p);
			if (!nul)
				break;
			TraceEvent *e = nul > p && nul - p < 128 ? find_event(p) : NULL;
			uint64_t str = sh.sh_addr + (p - base);
			p = nul + 1;
			if (!e || e->system)
				continue;
			size_t ntp, ncall;
			Word *tp = words_of(im, str, &ntp);
			for (size_t i = 0; i < ntp && !e->system; i++) {
				Word *c = words_of(im, tp[i].at - name_off, &ncall);
				for (size_t j = 0; j < ncall && !e->system; j++) {
					uint64_t call = c[j].at - tp_off, cls, sys;
					const char *name;
					if (in_event_table(im, call) &&
					    image_ptr(im, call + class_off, &cls) &&
					    image_ptr(im, cls + system_off, &sys) &&
					    (name = image_system(im, sys)))
						e->system = arena_strdup(name);
				}
			}
		}
	}
}

static bool systems_from_image(void)
{
	char *img = kimage_path();
	char *saved = img ? kimage_cache_name("tpsys", img) : NULL;
	if (!saved)
		return false;
	char *text = read_file(saved, NULL);
	if (text && !strncmp(text, "tpsys 1\n", 8)) {
		for (char *line = text + 8, *nl; *line; line = nl + 1) {
			if (!(nl = strchr(line, '\n')))
				break;
			*nl = '\0';
			char *sp = strchr(line, ' ');
			TraceEvent *e;
			if (sp && (*sp = '\0', e = find_event(line)) && !e->system)
				e->system = arena_strdup(sp + 1);
		}
		return true;
	}
	if (verbose_for(2))
		fprintf(stderr, "Reading the tracepoints' systems from \"%s\"\n", img);
	size_t len;
	unsigned char *data = kimage_elf(img, &len);
	if (!data)
		return false;
	elf_version(EV_CURRENT);
	Image im = { .elf = elf_memory((char *)data, len) };
	if (im.elf && image_index(&im))
		image_systems(&im);
	free(im.words);
	if (im.elf)
		elf_end(im.elf);
	free(data);
	StrBuf sb = {0};
	sb_puts(&sb, "tpsys 1\n");
	for (int i = 0; i < nevents; i++)
		if (events[i].system)
			sb_printf(&sb, "%s %s\n", events[i].name, events[i].system);
	save_file(saved, sb.buf, sb.len);
	sb_release(&sb);
	return true;
}

/* Systems from the running kernel's tracefs: events/SYSTEM/NAME/. */
static bool systems_from_tracefs(void)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events",
	};
	struct utsname u;
	if (uname(&u) != 0 || strcmp(u.release, sess->kernel_release))
		return false;
	for (size_t r = 0; r < sizeof(roots) / sizeof(*roots); r++) {
		DIR *top = opendir(roots[r]);
		if (!top)
			continue;
		struct dirent *s;
		while ((s = readdir(top))) {
			if (s->d_name[0] == '.')
				continue;
			char *sub = format("%s/%s", roots[r], s->d_name);
			DIR *dir = opendir(sub);
			struct dirent *ev;
			while (dir && (ev = readdir(dir))) {
				TraceEvent *e = find_event(ev->d_name);
				if (e && !e->system)
					e->system = arena_strdup(s->d_name);
			}
			if (dir)
				closedir(dir);
		}
		closedir(top);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* The tracepoints of modules */

/*
 * A module's tracepoints are found in its file: the target kernel's
 * installed modules (/lib/modules/KVER/), the test VM's (the stapvm
 * cache's KVER/modules/) and the debuginfo ones (DEBUGINFO_PATH's
 * DIR/lib/modules/KVER/: Debian's keep data and BTF), the first file of
 * a module name winning.  Its symbols __traceiter_NAME name them, its
 * __event_NAME give their systems as in the vmlinux, through the file's
 * relocations (a .ko is relocatable: its pointers are zeros with a
 * RELA entry each).  What all the files hold is indexed in
 * $SYSTEMTAP_DIR/cache/tracepoints-KVER.idx, valid while the same files
 * have the same sizes and times; the prototypes come from the split BTF
 * of the modules that match.
 */
static TraceEvent *mevents;
static int nmevents = -1;

typedef struct ModFile {
	char *name, *path;
	long long size, mtime;
} ModFile;

static void walk_modules(const char *dir, Vec *files, int depth)
{
	DIR *d = depth < 8 ? opendir(dir) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "build") ||
		    !strcmp(e->d_name, "source"))
			continue;
		char *path = format("%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk_modules(path, files, depth + 1);
			continue;
		}
		size_t len = strlen(e->d_name);
		if (len < 4 || strcmp(e->d_name + len - 3, ".ko"))
			continue;
		char *name = arena_strndup(e->d_name, len - 3);
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		bool dup = false;
		for (int i = 0; i < files->len && !dup; i++)
			dup = !strcmp(((ModFile *)vec_get(files, i))->name, name);
		if (dup)
			continue;
		ModFile *f = arena_alloc(sizeof(*f));
		*f = (ModFile){ name, path, (long long)st.st_size, (long long)st.st_mtime };
		vec_push(files, f);
	}
	if (d)
		closedir(d);
}

static int cmp_modfile(const void *a, const void *b)
{
	return strcmp((*(ModFile *const *)a)->path, (*(ModFile *const *)b)->path);
}

/* The module files of the session's kernel, by path. */
static Vec module_files(void)
{
	Vec files = {0};
	const char *rel = sess->kernel_release, *home = getenv("HOME");
	const char *vmc = getenv("STAPVM_CACHE");
	walk_modules(format("/lib/modules/%s", rel), &files, 0);
	if (vmc && *vmc)
		walk_modules(format("%s/%s/modules", vmc, rel), &files, 0);
	else if (home)
		walk_modules(format("%s/.cache/stapvm/%s/modules", home, rel), &files, 0);
	Vec dirs = dw_debug_dirs();
	for (int i = 0; i < dirs.len; i++)
		walk_modules(format("%s/lib/modules/%s", (char *)vec_get(&dirs, i), rel),
			     &files, 0);
	if (files.len)
		qsort(files.data, files.len, sizeof(void *), cmp_modfile);
	return files;
}

/* A relocatable ELF's pointers: the RELA entries of each section. */
typedef struct Rel {
	uint64_t off;
	int sec;                /* the target: section, offset */
	uint64_t to;
} Rel;

typedef struct KoFile {
	Elf *elf;
	size_t nsec;
	Rel **rels;             /* by section, sorted; NULL: none */
	int *nrels;
	bool *tried;
} KoFile;

static int cmp_rel(const void *a, const void *b)
{
	const Rel *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The R_X86_64_64 relocations of section SEC, sorted (made on first use). */
static void ko_relocs(KoFile *k, int sec)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(k->elf, scn))) {
		GElf_Shdr sh, symsh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    sh.sh_info != (GElf_Word)sec || !sh.sh_entsize)
			continue;
		Elf_Scn *symscn = elf_getscn(k->elf, sh.sh_link);
		Elf_Data *d = elf_getdata(scn, NULL);
		Elf_Data *sd = symscn ? elf_getdata(symscn, NULL) : NULL;
		if (!d || !sd || !gelf_getshdr(symscn, &symsh))
			return;
		size_t n = sh.sh_size / sh.sh_entsize, m = 0;
		Rel *r = malloc(sizeof(*r) * (n ? n : 1));
		if (!r)
			return;
		for (size_t i = 0; i < n; i++) {
			GElf_Rela ra;
			GElf_Sym sym;
			if (!gelf_getrela(d, i, &ra) ||
			    GELF_R_TYPE(ra.r_info) != R_X86_64_64 ||
			    !gelf_getsym(sd, GELF_R_SYM(ra.r_info), &sym) ||
			    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= k->nsec)
				continue;
			r[m++] = (Rel){ ra.r_offset, sym.st_shndx,
					sym.st_value + ra.r_addend };
		}
		qsort(r, m, sizeof(*r), cmp_rel);
		k->rels[sec] = r;
		k->nrels[sec] = m;
		return;
	}
}

/* The pointer at offset OFF of section SEC: *to_sec, *to_off. */
static bool ko_pointer(KoFile *k, int sec, uint64_t off, int *to_sec, uint64_t *to_off)
{
	Rel key = { .off = off }, *r;
	if (sec <= 0 || (size_t)sec >= k->nsec)
		return false;
	if (!k->tried[sec]) {
		k->tried[sec] = true;
		ko_relocs(k, sec);
	}
	if (!k->rels[sec] ||
	    !(r = bsearch(&key, k->rels[sec], k->nrels[sec], sizeof(*r), cmp_rel)))
		return false;
	*to_sec = r->sec;
	*to_off = r->to;
	return true;
}

static const char *ko_string(KoFile *k, int sec, uint64_t off)
{
	Elf_Scn *scn = elf_getscn(k->elf, sec);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	if (!d || !d->d_buf || off >= d->d_size ||
	    !memchr((char *)d->d_buf + off, '\0', d->d_size - off))
		return NULL;
	return (char *)d->d_buf + off;
}

/* Append "T MODULE SYSTEM NAME" lines for the tracepoints of file F. */
static void scan_module(ModFile *f, StrBuf *out)
{
	int fd = open(f->path, O_RDONLY);
	if (fd < 0)
		return;
	KoFile k = { .elf = elf_begin(fd, ELF_C_READ_MMAP, NULL) };
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while (k.elf && (scn = elf_nextscn(k.elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	size_t n = d && sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	Vec names = {0}, systems = {0};
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;
		if (gelf_getsym(d, i, &sym) &&
		    GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
		    (name = elf_strptr(k.elf, sh.sh_link, sym.st_name)) &&
		    !strncmp(name, ITER_PREFIX, strlen(ITER_PREFIX))) {
			vec_push(&names, (void *)(name + strlen(ITER_PREFIX)));
			vec_push(&systems, NULL);
		}
	}
	uint64_t class_off = member_offset("struct trace_event_call", "class", 16);
	uint64_t system_off = member_offset("struct trace_event_class", "system", 0);
	if (names.len) {
		elf_getshdrnum(k.elf, &k.nsec);
		k.rels = calloc(k.nsec + 1, sizeof(*k.rels));
		k.nrels = calloc(k.nsec + 1, sizeof(*k.nrels));
		k.tried = calloc(k.nsec + 1, sizeof(*k.tried));
		if (!k.rels || !k.nrels || !k.tried)
			k.nsec = 0;     /* no systems */
	}
	for (size_t i = 0; names.len && i < n; i++) {
		GElf_Sym sym;
		const char *name;
		if (!gelf_getsym(d, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_OBJECT ||
		    !(name = elf_strptr(k.elf, sh.sh_link, sym.st_name)) ||
		    strncmp(name, "__event_", 8))
			continue;
		/* __event_NAME -> event_NAME ->class ->system */
		int s1, s2, s3;
		uint64_t o1, o2, o3;
		const char *str;
		if (!ko_pointer(&k, sym.st_shndx, sym.st_value, &s1, &o1) ||
		    !ko_pointer(&k, s1, o1 + class_off, &s2, &o2) ||
		    !ko_pointer(&k, s2, o2 + system_off, &s3, &o3) ||
		    !(str = ko_string(&k, s3, o3)))
			continue;
		for (int j = 0; j < names.len; j++)
			if (!strcmp(vec_get(&names, j), name + 8))
				systems.data[j] = (void *)str;
	}
	for (int j = 0; j < names.len; j++) {
		const char *sys = vec_get(&systems, j);
		sb_printf(out, "T %s %s %s\n", f->name, sys && *sys ? sys : "-",
			  (char *)vec_get(&names, j));
	}
	for (size_t i = 0; k.rels && i < k.nsec; i++)
		free(k.rels[i]);
	free(k.rels);
	free(k.nrels);
	free(k.tried);
	if (k.elf)
		elf_end(k.elf);
	close(fd);
}

static void add_module_events(char *text, Vec *files, Vec *out)
{
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char mod[256], sys[256], name[256];
		if (sscanf(l, "T %255s %255s %255s", mod, sys, name) != 3)
			continue;
		TraceEvent *e = arena_alloc(sizeof(*e));
		e->name = arena_strdup(name);
		e->system = strcmp(sys, "-") ? arena_strdup(sys) : NULL;
		e->module = arena_strdup(mod);
		for (int i = 0; i < files->len && !e->path; i++) {
			ModFile *f = vec_get(files, i);
			if (!strcmp(f->name, mod))
				e->path = f->path;
		}
		vec_push(out, e);
	}
}

static void set_proto(const char *name, CType *proto, void *arg)
{
	Vec *evs = arg;
	for (int i = 0; i < evs->len; i++) {
		TraceEvent *e = vec_get(evs, i);
		if (!strcmp(e->name, name + strlen(ITER_PREFIX)))
			e->proto = proto;
	}
}

/* The prototypes of module M's events (from its split BTF). */
static void module_protos(const char *path)
{
	Vec evs = {0};
	for (int i = 0; i < nmevents; i++)
		if (mevents[i].path == path && !mevents[i].proto)
			vec_push(&evs, &mevents[i]);
	if (!evs.len)
		return;
	int fd = open(path, O_RDONLY);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	while (elf && elf_getshdrstrndx(elf, &shstrndx) == 0 &&
	       (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *sn;
		if (!gelf_getshdr(scn, &sh) ||
		    !(sn = elf_strptr(elf, shstrndx, sh.sh_name)) || strcmp(sn, ".BTF"))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		Btf *b = d && d->d_buf ? btf_module(d->d_buf, d->d_size) : NULL;
		if (b)
			btf_module_foreach_func(b, ITER_PREFIX, set_proto, &evs);
		break;
	}
	/* (the ELF stays mapped: the BTF is its data) */
	if (!elf && fd >= 0)
		close(fd);
}

static int module_events(TraceEvent **out)
{
	if (nmevents < 0) {
		Stamp t = now_stamp();
		Vec files = module_files(), evs = {0};
		StrBuf sig = {0}, idx = {0};
		for (int i = 0; i < files.len; i++) {
			ModFile *f = vec_get(&files, i);
			sb_printf(&sig, "F %s %lld %lld\n", f->path, f->size, f->mtime);
		}
		char *cache = format("%s/tracepoints-%s.idx", sess->cache_dir,
				     sess->kernel_release);
		size_t len;
		char *text = read_file(cache, &len);
		bool hit = text && sig.len && len >= sig.len &&
			   !memcmp(text, sig.buf, sig.len);
		if (!hit && files.len) {
			if (verbose_for(2))
				fprintf(stderr, "Indexing the tracepoints of %d modules\n",
					files.len);
			elf_version(EV_CURRENT);
			sb_puts(&idx, sig.buf);
			for (int i = 0; i < files.len; i++)
				scan_module(vec_get(&files, i), &idx);
			text = arena_strdup(idx.buf);
			if (mkdir_p(sess->cache_dir) == 0) {
				char *tmp = format("%s.%d", cache, (int)getpid());
				FILE *fp = fopen(tmp, "w");
				if (fp) {
					bool ok = fwrite(idx.buf, 1, idx.len, fp) == idx.len;
					if (fclose(fp) == 0 && ok)
						rename(tmp, cache);
					else
						unlink(tmp);
				}
			}
		}
		if (text && (hit || files.len))
			add_module_events(text, &files, &evs);
		mevents = arena_alloc(sizeof(*mevents) * (evs.len ? evs.len : 1));
		for (int i = 0; i < evs.len; i++)
			mevents[i] = *(TraceEvent *)vec_get(&evs, i);
		nmevents = evs.len;
		if (verbose_for(2))
			fprintf(stderr, "%d tracepoints in %d module files (%s) in %s\n",
				nmevents, files.len, hit ? "cached" : "indexed", elapsed(&t));
		sb_release(&sig);
		sb_release(&idx);
	}
	*out = mevents;
	return nmevents;
}

static int trace_events(TraceEvent **out)
{
	if (nevents < 0) {
		Vec v = {0};
		nevents = 0;
		if (btf_foreach_func(ITER_PREFIX, add_event, &v) > 0) {
			events = arena_alloc(sizeof(*events) * v.len);
			for (int i = 0; i < v.len; i++)
				events[i] = *(TraceEvent *)vec_get(&v, i);
			nevents = v.len;
			qsort(events, nevents, sizeof(*events), cmp_event);
			Dwarf *dw = dw_open(sess, NULL);
			if (dw && systems_from_elf(dw_path(NULL))) {
				systems_from_headers();
			} else {
				systems_from_image();
				systems_from_tracefs();
			}
		}
	}
	*out = events;
	return nevents;
}

static bool event_matches(TraceEvent *e, const char *sys, const char *name)
{
	return fnmatch(name, e->name, 0) == 0 &&
	       (!sys || fnmatch(sys, e->system ? e->system : "", 0) == 0);
}

/* The tracepoints PATTERN matches: the kernel's, then (when it has
 * globs, or the kernel has none of it) the modules'. */
static int trace_match(const char *pattern, void (*fn)(TraceEvent *e, void *arg),
		void *arg)
{
	TraceEvent *ev;
	int n = trace_events(&ev), count = 0;
	const char *colon = strchr(pattern, ':');
	char *sys = colon ? arena_strndup(pattern, colon - pattern) : NULL;
	const char *name = colon ? colon + 1 : pattern;
	for (int i = 0; i < n; i++)
		if (event_matches(&ev[i], sys, name)) {
			fn(&ev[i], arg);
			count++;
		}
	if (count && !strpbrk(pattern, "*?["))
		return count;
	n = module_events(&ev);
	for (int i = 0; i < n; i++)
		if (event_matches(&ev[i], sys, name) && !ev[i].proto)
			module_protos(ev[i].path);
	for (int i = 0; i < n; i++)
		if (event_matches(&ev[i], sys, name) && ev[i].proto) {
			fn(&ev[i], arg);
			count++;
		}
	return count;
}

static char *trace_pp(TraceEvent *e)
{
	if (e->system)
		return format("kernel.trace(\"%s:%s\")", e->system, e->name);
	return format("kernel.trace(\"%s\")", e->name);
}

void trace_reset(void)
{
	events = NULL;
	nevents = -1;
	mevents = NULL;
	nmevents = -1;
	entry_fns = (Vec){0};
	entry_names = (Vec){0};
}

/* ------------------------------------------------------------------ */
/* The probe kind */

typedef struct TraceMatch {
	Resolution *ctx;
	ProbePoint *pp;
	int count;
} TraceMatch;

static void add_trace_probe(TraceEvent *e, void *arg)
{
	TraceMatch *m = arg;
	DerivedProbe *d = derived_new(m->ctx, &pk_trace, m->pp, trace_pp(e));
	d->trace.tp = e;
	d->func = (char *)e->name;
	m->count++;
}

/* "no match (similar tracepoints: a, b)": the five closest names */
static char *similar_tracepoints(const char *pattern)
{
	TraceEvent *ev;
	int n = trace_events(&ev), k = 0;
	const char *colon = strchr(pattern, ':');
	const char *want = colon ? colon + 1 : pattern;
	StrBuf sb = {0};
	int limit = strlen(want) / 2 + 1;
	TraceEvent *mev;
	int mn = module_events(&mev);
	for (int d = 1; d <= limit && k < 5; d++) {
		for (int i = 0; i < n && k < 5; i++)
			if (edit_distance(want, ev[i].name) == d)
				sb_printf(&sb, "%s%s", k++ ? ", " : "", ev[i].name);
		for (int i = 0; i < mn && k < 5; i++)
			if (edit_distance(want, mev[i].name) == d)
				sb_printf(&sb, "%s%s", k++ ? ", " : "", mev[i].name);
	}
	char *r = k ? arena_strdup(sb.buf) : NULL;
	sb_release(&sb);
	return r;
}

static int match_trace(Resolution *ctx, ProbePoint *pp)
{
	Component *t = &pp->comps[1];
	if (pp->ncomps != 2 || !comp_is(t, "trace") || !comp_str(t))
		return PK_NOT_MINE;
	TraceEvent *ev;
	if (trace_events(&ev) == 0) {
		if (pp->optional)
			return PK_MATCHED;
		semantic_error2(t->tok, ctx->user->tok,
				format("no tracepoints: kernel.trace needs the BTF of kernel %s, found in neither /sys/kernel/btf/vmlinux nor its image",
				       sess->kernel_release),
				"while resolving probe point");
		return PK_ERROR;
	}
	TraceMatch m = { ctx, pp, 0 };
	trace_match(t->arg->str, add_trace_probe, &m);
	if (m.count)
		return PK_MATCHED;
	if (pp->optional)
		return PK_MATCHED;
	if (strpbrk(t->arg->str, "*?["))
		return PK_NO_MATCH;
	char *sim = similar_tracepoints(t->arg->str);
	if (sim)
		resolve_error(pp->tok, NULL, "no match (similar tracepoints: %s)", sim);
	else
		resolve_error(pp->tok, NULL, "no match");
	return PK_ERROR;
}

/*
 * kernel.function("PAT")[.call|.return[.maxactive(N)]]
 * kprobe.function("NAME")[.call|.return[.maxactive(N)]]
 */

/* -L: the point and its arguments, "$prev:struct task_struct*" */
static char *list_line(DerivedProbe *d, bool with_vars)
{
	if (!with_vars)
		return d->pp;
	StrBuf sb = {0};
	sb_puts(&sb, d->pp);
	CType *proto = d->trace.tp->proto;
	for (int k = 1; k < proto->nparams; k++)
		sb_printf(&sb, " $%s:%s", proto->params[k].name,
			  ct_listing_name(proto->params[k].type));
	char *line = arena_strdup(sb.buf);
	sb_release(&sb);
	return line;
}

bool trace_is_sys_exit(DerivedProbe *d)
{
	return d && d->kind == &pk_trace && !strcmp(d->trace.tp->name, "sys_exit") &&
	       (!d->trace.tp->system || !strcmp(d->trace.tp->system, "raw_syscalls"));
}

static const char *entry_fn_of(DerivedProbe *d)
{
	for (int i = 0; i < entry_fns.len; i++)
		if (vec_get(&entry_fns, i) == d)
			return vec_get(&entry_names, i);
	return NULL;
}

static void emit_code(StrBuf *code, DerivedProbe *d, bool new_wrapper,
		      const char *entry_fn)
{
	(void)code;
	(void)new_wrapper;
	if (entry_fn && trace_is_sys_exit(d)) {
		vec_push(&entry_fns, d);
		vec_push(&entry_names, (void *)entry_fn);
	}
}

/* A probe function of the tracepoint's shape for each probe (its
 * arguments as unsigned longs, the handler's entry data), and the table.
 * A sys_exit probe with @entry values has a sys_enter one too, which
 * saves them in the task's slot (runtime/stp_tp_entry.h). */
static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		int n = d->trace.tp->proto->nparams - 1;
		const char *ent = entry_fn_of(d);
		fprintf(out, "static void stp_tp_%d(void *__data", d->index);
		for (int k = 0; k < n; k++)
			fprintf(out, ", unsigned long a%d", k);
		fprintf(out, ")\n{\n\tunsigned long args[] = { 0");
		for (int k = 0; k < n; k++)
			fprintf(out, ", a%d", k);
		fputs(" };\n\n", out);
		if (ent)
			fprintf(out, "\tif (!stp_tpslot_%d(0))\n\t\treturn;\n", d->index);
		fprintf(out, "\t_stp_run_probe_data(&_stp_probes[%d], NULL, 0, %s, args + 1);\n",
			d->index, d->wrapper);
		if (ent)
			fprintf(out, "\tstp_tpslot_%d(-1);\n", d->index);
		fputs("}\n\n", out);
		if (ent)        /* sys_enter(struct pt_regs *regs, long id) */
			fprintf(out, "static void stp_tpe_%d(void *__data, unsigned long a0, unsigned long a1)\n"
				"{\n\tunsigned long args[] = { 0, a0, a1 };\n\n"
				"\t_stp_run_probe_data(&_stp_probes[%d], NULL, 0, %s, args + 1);\n}\n\n",
				d->index, d->index, ent);
	}
	fputs("static struct stp_tracepoint _stp_tracepoints[] = {\n", out);
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		if (entry_fn_of(d))
			fprintf(out, "\t{ .probe = &_stp_probes[%d], .name = \"sys_enter\", .fn = stp_tpe_%d },\n",
				d->index, d->index);
		fprintf(out, "\t{ .probe = &_stp_probes[%d], .name = %s, .fn = stp_tp_%d",
			d->index, c_string(d->trace.tp->name), d->index);
		if (d->trace.tp->module)
			fprintf(out, ", .module = %s", c_string(d->trace.tp->module));
		fputs(" },\n", out);
	}
	fputs("\t{ }\n};\n", out);
	sb_puts(groups, "\tSTP_PROBE_GROUP(tracepoints, _stp_tracepoints),\n");
}

const ProbeKind pk_trace = {
	.name = "tracepoint",
	.families = (const char *const[]){ "kernel", NULL },
	.types = (const char *const[]){ "kernel.trace(string)", NULL },
	.match = match_trace,
	.list_line = list_line,
	.runtime_header = "stp_tracepoint.h",
	.emit_code = emit_code,
	.emit_tables = emit_tables,
};
