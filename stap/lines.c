/*
 * lines.c - source line tables for symline(), symfileline(),
 * print_backtrace_fileline() and their user-space twins (doc/lines.md).
 *
 * Only a module whose functions say pragma:lines gets them: the kernel's
 * (its .debug_line, whole: any kernel address may be asked about) and
 * each user-space object's of usym.c.  A table is a blob assembled into
 * the module with .incbin (no C to compile: the kernel's is megabytes),
 * runtime/stp_lines.h reads it:
 *
 *   header   struct stp_lines_hdr (runtime/stp_lines.h)
 *   blocks   nblocks x { u32 addr, u32 off }   the first row of each run
 *                                              of STP_LINES_BLOCK rows
 *   files    nfiles x u32                      offsets of their names
 *   names    NUL-terminated
 *   rows     per row: uleb addr delta, uleb (zigzag line delta << 1 |
 *            file changes), [uleb file]; each block starts from
 *            addr = block addr, file 0, line 0
 *
 * Addresses are relative to the header's base.  A row of file 0 ends a
 * sequence: the addresses from it to the next row have no line.  Where
 * several rows share an address the last in the line program wins, and
 * a row that repeats the file and line of the one before is dropped; an
 * address then has the line of the last row at or below it, as libdw's
 * dwarf_getsrc_die gives it.  The kernel's tables are cached as
 * $SYSTEMTAP_DIR/cache/dwidx/BUILDID.lines.
 */
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stap.h"

/* The runtime's reader of the tables (its header's layout, the lookup of
 * the restricted tables below), compiled here too */
typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
#define U32_MAX UINT32_MAX
#define __maybe_unused __attribute__((unused))
#define scnprintf snprintf
#define strscpy(d, s, n) snprintf(d, n, "%s", s)
#include "runtime/stp_lines.h"

typedef struct LRow {
	uint64_t addr;
	uint32_t file;          /* 0: end of a sequence */
	uint32_t line;
	uint32_t seq;           /* order in the line programs */
} LRow;

typedef struct LBuild {
	LRow *rows;
	size_t n, cap;
	/* file names, interned */
	char **names;
	uint32_t nnames, cap_names;
	uint32_t *slots;        /* open addressing: index + 1 */
	uint32_t nslots;
} LBuild;

/* A blob for the build directory, and the symbol the C knows it by. */
typedef struct Blob {
	char *sym, *file;
	uint8_t *data;
	size_t size;
} Blob;
static Vec blobs;

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static uint32_t intern_file(LBuild *b, const char *name)
{
	if (b->nnames * 2 >= b->nslots) {
		uint32_t ns = b->nslots ? b->nslots * 2 : 1024;
		uint32_t *slots = calloc(ns, sizeof(*slots));
		if (!slots)
			fatal("out of memory");
		for (uint32_t i = 0; i < b->nnames; i++) {
			uint32_t h = str_hash(b->names[i]) & (ns - 1);
			while (slots[h])
				h = (h + 1) & (ns - 1);
			slots[h] = i + 1;
		}
		free(b->slots);
		b->slots = slots;
		b->nslots = ns;
	}
	uint32_t h = str_hash(name) & (b->nslots - 1);
	while (b->slots[h]) {
		if (!strcmp(b->names[b->slots[h] - 1], name))
			return b->slots[h];
		h = (h + 1) & (b->nslots - 1);
	}
	if (b->nnames == b->cap_names) {
		b->cap_names = b->cap_names ? b->cap_names * 2 : 256;
		b->names = realloc(b->names, b->cap_names * sizeof(*b->names));
		if (!b->names)
			fatal("out of memory");
	}
	b->names[b->nnames++] = arena_strdup(name);
	b->slots[h] = b->nnames;
	return b->nnames;
}

static void push_row(LBuild *b, uint64_t addr, uint32_t file, uint32_t line)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4096;
		b->rows = realloc(b->rows, b->cap * sizeof(*b->rows));
		if (!b->rows)
			fatal("out of memory");
	}
	b->rows[b->n] = (LRow){ addr, file, line, (uint32_t)b->n };
	b->n++;
}

/* Every line program of DW, addresses from LO up to HI only (the
 * sequences of discarded functions start at 0). */
static void read_lines(LBuild *b, Dwarf *dw, bool strip_comp_dir,
		       uint64_t lo, uint64_t hi)
{
	Dwarf_Off off = 0, next;
	Dwarf_CU *cu;
	Dwarf_Files *files;
	Dwarf_Lines *lines;
	size_t nfiles, nlines;
	while (dwarf_next_lines(dw, off, &next, &cu, &files, &nfiles, &lines,
				&nlines) == 0) {
		off = next;
		const char *comp_dir = NULL;
		Dwarf_Die cudie;
		Dwarf_Attribute a;
		if (strip_comp_dir && cu &&
		    dwarf_cu_die(cu, &cudie, NULL, NULL, NULL, NULL, NULL, NULL))
			comp_dir = dwarf_formstring(dwarf_attr(&cudie, DW_AT_comp_dir, &a));
		const char *last_src = NULL;
		uint32_t last_id = 0;
		bool seq_start = true, skip = false;
		for (size_t i = 0; i < nlines; i++) {
			Dwarf_Line *l = dwarf_onesrcline(lines, i);
			Dwarf_Addr addr;
			int line;
			bool end;
			if (!l || dwarf_lineaddr(l, &addr) || dwarf_lineno(l, &line) ||
			    dwarf_lineendsequence(l, &end))
				continue;
			/* a sequence's first row decides for all of it */
			if (seq_start)
				skip = addr < lo || addr >= hi;
			seq_start = end;
			if (skip)
				continue;
			if (end) {
				push_row(b, addr, 0, 0);
				continue;
			}
			const char *src = dwarf_linesrc(l, NULL, NULL);
			if (!src)
				continue;
			if (src != last_src) {
				last_src = src;
				last_id = intern_file(b, dw_show_file(src, comp_dir));
			}
			push_row(b, addr, last_id, line < 0 ? 0 : (uint32_t)line);
		}
	}
}

static int cmp_row(const void *pa, const void *pb)
{
	const LRow *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	/* an end of sequence yields to a row of another sequence there */
	if (!a->file != !b->file)
		return !a->file ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sort; one row per address (the last); none repeating the one before. */
static void reduce(LBuild *b)
{
	qsort(b->rows, b->n, sizeof(*b->rows), cmp_row);
	size_t m = 0;
	for (size_t i = 0; i < b->n; i++) {
		LRow *r = &b->rows[i];
		if (m && b->rows[m - 1].addr == r->addr)
			m--;
		if (m && b->rows[m - 1].file == r->file && b->rows[m - 1].line == r->line)
			continue;
		if (!m && !r->file)
			continue;
		b->rows[m++] = *r;
	}
	b->n = m;
}

static void put_uleb(StrBuf *sb, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		sb_putc(sb, (char)(v ? c | 0x80 : c));
	} while (v);
}

static void put_u32(StrBuf *sb, uint32_t v)
{
	sb_putn(sb, (const char *)&v, 4);
}

/* The blob of B's rows, relative to BASE. */
static uint8_t *encode(LBuild *b, uint64_t base, size_t *size)
{
	StrBuf blocks = {0}, rows = {0}, offs = {0}, names = {0};
	uint32_t nblocks = 0, file = 0;
	int64_t line = 0;
	uint64_t addr = 0;
	for (size_t i = 0; i < b->n; i++) {
		LRow *r = &b->rows[i];
		if (i % STP_LINES_BLOCK == 0) {
			addr = r->addr;
			file = 0;
			line = 0;
			put_u32(&blocks, (uint32_t)(r->addr - base));
			put_u32(&blocks, (uint32_t)rows.len);
			nblocks++;
		}
		put_uleb(&rows, r->addr - addr);
		int64_t d = (int64_t)r->line - line;
		uint64_t zz = d < 0 ? ((uint64_t)(-d) << 1) - 1 : (uint64_t)d << 1;
		put_uleb(&rows, zz << 1 | (r->file != file));
		if (r->file != file)
			put_uleb(&rows, r->file);
		addr = r->addr;
		file = r->file;
		line = r->line;
	}
	put_u32(&offs, 0);	/* file 0: none */
	sb_putc(&names, '\0');
	for (uint32_t i = 0; i < b->nnames; i++) {
		put_u32(&offs, (uint32_t)names.len);
		sb_putn(&names, b->names[i], strlen(b->names[i]) + 1);
	}
	struct stp_lines_hdr h = { .magic = STP_LINES_MAGIC, .nblocks = nblocks,
			  .nfiles = b->nnames + 1, .base = base };
	h.blocks_off = sizeof(h);
	h.files_off = h.blocks_off + (uint32_t)blocks.len;
	uint32_t names_off = h.files_off + (uint32_t)offs.len;
	h.rows_off = (names_off + (uint32_t)names.len + 3) & ~3u;
	h.size = h.rows_off + (uint32_t)rows.len;
	uint8_t *out = arena_alloc(h.size + 8);
	/* the file offsets, made relative to the blob */
	for (uint32_t i = 0; i < h.nfiles; i++)
		((uint32_t *)offs.buf)[i] += names_off;
	memcpy(out, &h, sizeof(h));
	memcpy(out + h.blocks_off, blocks.buf, blocks.len);
	memcpy(out + h.files_off, offs.buf, offs.len);
	memcpy(out + names_off, names.buf, names.len);
	if (rows.len)
		memcpy(out + h.rows_off, rows.buf, rows.len);
	*size = h.size;
	sb_release(&blocks);
	sb_release(&rows);
	sb_release(&offs);
	sb_release(&names);
	return out;
}

static void lbuild_free(LBuild *b)
{
	free(b->rows);
	free(b->names);
	free(b->slots);
}

static uint64_t fnv64(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* Registers DATA as the blob of a new table; returns its C symbol.  The
 * file is named after the contents, so the C (and the module's cache
 * key) changes with them. */
static const char *add_blob(uint8_t *data, size_t size)
{
	Blob *bl = arena_alloc(sizeof(*bl));
	bl->sym = format("_stp_lines_%d", blobs.len);
	bl->file = format("stp_lines_%016" PRIx64 ".bin", fnv64(data, size));
	bl->data = data;
	bl->size = size;
	vec_push(&blobs, bl);
	return bl->sym;
}

/* The C that assembles blob SYM into the module. */
static void emit_blob(FILE *out, const char *sym)
{
	for (int i = 0; i < blobs.len; i++) {
		Blob *bl = vec_get(&blobs, i);
		if (strcmp(bl->sym, sym))
			continue;
		fprintf(out, "asm(\".pushsection .rodata\\n.balign 8\\n%s:\\n"
			".incbin \\\"%s\\\"\\n.popsection\");\n"
			"extern const u8 %s[%zu];\n", sym, bl->file, sym, bl->size);
	}
}

bool lines_write(const char *dir)
{
	for (int i = 0; i < blobs.len; i++) {
		Blob *bl = vec_get(&blobs, i);
		if (!write_file(format("%s/%s", dir, bl->file), (char *)bl->data, bl->size))
			return false;
	}
	return true;
}

const char *lines_asm_flags(void)
{
	return blobs.len ? format(" -Wa,-I%s", sess->tmpdir) : "";
}

/* ------------------------------------------------------------------ */
/* The kernel */

static uint8_t *read_cached(const char *path, size_t *size)
{
	size_t n;
	char *data = path ? read_file(path, &n) : NULL;
	if (!data)
		return NULL;
	struct stp_lines_hdr h;
	if (n < sizeof(h) || (memcpy(&h, data, sizeof(h)), h.magic != STP_LINES_MAGIC) ||
	    h.size != n)
		return NULL;
	*size = n;
	return (uint8_t *)data;
}

static void write_cached(const char *path, const uint8_t *data, size_t size)
{
	if (!path)
		return;
	save_file(path, data, size);
}

/* Whether N calls the kernel's line functions only on addr(): their
 * pragma:klines functions with one argument, addr() itself. */
static bool klines_on_addr(Node *n)
{
	if (!n)
		return true;
	if (n->kind == ND_CALL && n->func && n->func->code &&
	    strstr(n->func->code, "pragma:klines")) {
		Node *a = n->args.len == 1 ? n->args.items[0] : NULL;
		if (!a || a->kind != ND_CALL || strcmp(a->name, "addr") || a->args.len)
			return false;
	}
	if (!klines_on_addr(n->lhs) || !klines_on_addr(n->rhs) ||
	    !klines_on_addr(n->cond) || !klines_on_addr(n->then) ||
	    !klines_on_addr(n->els) || !klines_on_addr(n->init) ||
	    !klines_on_addr(n->inc) || !klines_on_addr(n->body) ||
	    !klines_on_addr(n->limit) || !klines_on_addr(n->value))
		return false;
	for (int i = 0; i < n->args.len; i++)
		if (!klines_on_addr(n->args.items[i]))
			return false;
	return true;
}

/* When the script asks only for the lines of its probes' addresses
 * (symline(addr()) & co.; no backtrace, no probe whose addr() may be any
 * instruction, as perf's), those addresses (link-time) into ADDRS: the
 * module then needs their lines only. */
static bool probe_addresses(Elf *elf, Vec *addrs)
{
	for (int i = 0; i < sess->handlers.len; i++) {
		Handler *h = vec_get(&sess->handlers, i);
		if (!klines_on_addr(h->body))
			return false;
	}
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		if (!klines_on_addr(f->body))
			return false;
	}
	for (int i = 0; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		if (d->kind == &pk_perf)
			return false;
		if (d->kind != &pk_kprobe || d->kp.module)
			continue;	/* no address, or not the kernel's */
		uint64_t a = d->kp.dw_pc;
		if (!a && d->kp.symbol && *d->kp.symbol) {
			a = dw_elf_symbol(elf, d->kp.symbol);
			a = a ? a + d->kp.offset : 0;
		}
		if (!a)
			return false;
		uint64_t *p = arena_alloc(sizeof(*p));
		*p = a;
		vec_push(addrs, p);
	}
	return true;
}

/* The table of FULL's lines at ADDRS only: each address's row, and an
 * end of sequence after it. */
static uint8_t *restrict_to(const uint8_t *full, Vec *addrs, uint64_t base,
			    size_t *size)
{
	LBuild b = {0};
	for (int i = 0; i < addrs->len; i++) {
		uint64_t a = *(uint64_t *)vec_get(addrs, i);
		const char *file;
		unsigned int line;
		if (_stp_lines_find(full, a, &file, &line)) {
			push_row(&b, a, intern_file(&b, file), line);
			push_row(&b, a + 1, 0, 0);
		}
	}
	reduce(&b);
	uint8_t *data = encode(&b, base, size);
	lbuild_free(&b);
	return data;
}

/* The kernel's table: "_stp_klines", and the link-time address of the
 * exported symbol the runtime finds the kernel's load offset by. */
static void emit_kernel(FILE *out)
{
	Dwarf *dw = dw_open(sess, NULL);
	Elf *elf = dw ? dwarf_getelf(dw) : NULL;
	const char *anchor = "_printk";
	uint64_t anchor_addr = elf ? dw_elf_symbol(elf, anchor) : 0;
	if (elf && !anchor_addr)
		anchor_addr = dw_elf_symbol(elf, anchor = "printk");
	uint64_t stext = elf ? dw_elf_symbol(elf, "_stext") : 0;
	uint64_t etext = elf ? dw_elf_symbol(elf, "_etext") : 0;
	if (!dw || !anchor_addr || !stext || etext <= stext) {
		fputs("static const struct stp_klines _stp_klines;\n", out);
		return;
	}
	const void *id;
	ssize_t idlen = dwelf_elf_gnu_build_id(elf, &id);
	char *path = NULL;
	if (idlen > 0) {
		StrBuf hex = {0};
		for (ssize_t i = 0; i < idlen; i++)
			sb_printf(&hex, "%02x", ((const uint8_t *)id)[i]);
		path = format("%s/dwidx/%s.lines", sess->cache_dir, hex.buf);
		sb_release(&hex);
	}
	Stamp t = now_stamp();
	size_t size;
	uint8_t *data = read_cached(path, &size);
	if (!data) {
		LBuild b = {0};
		read_lines(&b, dw, true, stext, etext);
		reduce(&b);
		data = encode(&b, stext, &size);
		if (verbose_for(3) > 1)
			fprintf(stderr, "lines: kernel: read %zu rows, %u files in %s\n",
				b.n, b.nnames, elapsed(&t));
		lbuild_free(&b);
		write_cached(path, data, size);
	}
	Vec addrs = {0};
	if (probe_addresses(elf, &addrs)) {
		data = restrict_to(data, &addrs, stext, &size);
		if (verbose_for(3) > 1)
			fprintf(stderr, "lines: kernel: the lines of %d probe address%s, %zu bytes\n",
				addrs.len, addrs.len == 1 ? "" : "es", size);
	} else if (verbose_for(3) > 1) {
		fprintf(stderr, "lines: kernel: the whole table, %zu bytes\n", size);
	}
	const char *sym = add_blob(data, size);
	emit_blob(out, sym);
	fprintf(out, "extern int %s(const char *, ...);\n"
		"static const struct stp_klines _stp_klines = { %s, (unsigned long)&%s, 0x%"
		PRIx64 "UL };\n", anchor, sym, anchor, anchor_addr);
}

/* ------------------------------------------------------------------ */

bool lines_needed(void)
{
	return uses_pragma("pragma:lines");
}

void lines_emit_kernel(FILE *out)
{
	if (uses_pragma("pragma:klines"))
		emit_kernel(out);
}

const char *lines_emit_user(FILE *out, const char *path, uint64_t base)
{
	Dwarf *dw = lines_needed() ? dw_open(sess, path) : NULL;
	if (!dw)
		return NULL;
	LBuild b = {0};
	read_lines(&b, dw, false, 1, UINT64_MAX);
	reduce(&b);
	if (!b.n) {
		lbuild_free(&b);
		return NULL;
	}
	size_t size;
	uint8_t *data = encode(&b, base, &size);
	if (verbose_for(3) > 1)
		fprintf(stderr, "lines: %s: %zu rows, %u files, %zu bytes\n", path,
			b.n, b.nnames, size);
	lbuild_free(&b);
	const char *sym = add_blob(data, size);
	emit_blob(out, sym);
	return sym;
}
