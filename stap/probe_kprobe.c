/*
 * probe_kprobe.c - the probe kind of kprobes (runtime/stp_kprobe.h).
 *
 *   kernel.function("PAT[@FILE[:LINE]]")[.call|.return|.inline|.exported]
 *     [.maxactive(N)]
 *   kernel.statement("PAT@FILE:LINE"), kernel.statement(ADDR)[.absolute]
 *   module("MPAT").function(...), module("MPAT").statement(...)
 *   kprobe.function("NAME")[.call|.return[.maxactive(N)]]
 *
 * With the kernel's DWARF the points resolve through the function index
 * (dwarf.c, doc/dwarf.md) and carry their site for $variables (tvar.c);
 * without it kernel.function("PAT") matches the symbol table (System.map,
 * kallsyms or BTF: ksym.c) and the kernel resolves the names when the
 * probes are registered.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

typedef struct SymMatch {
	Resolution *ctx;
	ProbePoint *pp;
	bool is_return;
	bool is_call;           /* kernel.function(...).call, as written */
	bool kprobe_family;
	int maxactive;
	int count;
	const char *module;     /* kprobe.module("M") */
} SymMatch;

static void add_symbol_probe(const char *name, void *arg)
{
	SymMatch *m = arg;
	char *pp = format("%s.function(\"%s\")%s",
			  m->module ? format("kprobe.module(\"%s\")", m->module) :
			  m->kprobe_family ? "kprobe" : "kernel", name,
			  m->is_return ? ".return" : m->is_call ? ".call" : "");
	DerivedProbe *d = derived_new(m->ctx, &pk_kprobe, m->pp, pp);
	d->kp.symbol = m->module ? format("%s:%s", m->module, name) :
		       arena_strdup(name);
	d->func = d->kp.symbol;
	d->kp.is_return = m->is_return;
	d->kp.maxactive = m->maxactive;
	m->count++;
}

/* ------------------------------------------------------------------ */
/* Probe points through DWARF (dwarf.c, doc/dwarf.md):
 *   kernel.function("PAT[@FILE[:LINE]]")[.call|.return|.inline|.exported]
 *     [.maxactive(N)]
 *   kernel.statement("PAT@FILE:LINE"), kernel.statement(ADDR)[.absolute]
 *   module("MPAT").function(...)/.statement(...)
 */

typedef struct DwSpec {
	Resolution *ctx;
	ProbePoint *pp;
	const char *module;     /* the module being matched, NULL = kernel */
	bool statement;
	bool is_return, is_call, is_inline, exported;
	int maxactive;
	char *func, *file;      /* split from "FUNC@FILE:LINE" */
	int line;               /* 0 none, -1 '*' */
	int rel;                /* "FUNC@FILE+N": LINE is the function's
				 * declaration line + N (set per function) */
	char *suffix;           /* ".return" ... as written */
	uint64_t *seen;         /* set of addresses + 1 already probed */
	uint32_t *seen_name;    /* and the names probed there */
	size_t nseen, cap;
	int count;
	int lines_seen;         /* statement: records found near LINE */
	int near_lo, near_hi;   /* statement: closest lines around LINE */
	DwIndex *idx;
	const DwEntry *entry;
	const DwEntry *last;    /* the previous function entry matched */
	/* process(...) probes */
	bool user;
	const char *proc;       /* .library: the process path */
	const char *prefix;     /* process("PATH") as pp() spells it */
	const char *qual;       /* C++ "ns::Class" the function is in */
	const char *label;      /* .label("PAT"), or NULL */
	const char *fname;      /* the function's name, as pp() spells it */
} DwSpec;

static char *dw_prefix(DwSpec *m)
{
	if (m->user)
		return (char *)m->prefix;
	return m->module ? format("module(\"%s\")", m->module) : "kernel";
}

static uint64_t addr_hash(uint64_t k)
{
	k *= 0x9E3779B97F4A7C15ULL;
	return k ^ (k >> 29) ^ (k >> 41);
}

/* Has function NAME been probed at ADDR already?  (an open-addressing
 * set; nested inlined functions can share an address, so the name is
 * part of the key) */
static bool seen_addr(DwSpec *m, uint64_t addr, uint32_t name)
{
	if (m->nseen * 2 >= m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		uint64_t *slots = arena_alloc(cap * sizeof(*slots));
		uint32_t *names = arena_alloc(cap * sizeof(*names));
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->seen[i])
				continue;
			size_t j = addr_hash(m->seen[i] + m->seen_name[i]) & (cap - 1);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = m->seen[i];
			names[j] = m->seen_name[i];
		}
		m->seen = slots;
		m->seen_name = names;
		m->cap = cap;
	}
	uint64_t key = addr + 1;
	size_t j = addr_hash(key + name) & (m->cap - 1);
	while (m->seen[j]) {
		if (m->seen[j] == key && m->seen_name[j] == name)
			return true;
		j = (j + 1) & (m->cap - 1);
	}
	m->seen[j] = key;
	m->seen_name[j] = name;
	m->nseen++;
	return false;
}

static DerivedProbe *dw_derived(DwSpec *m, DwIndex *idx, const DwEntry *e,
				uint64_t addr, char *pp, bool entry)
{
	if (m->user && entry && !m->is_return) {
		/* unoptimized code: after the prologue, as SystemTap */
		uint64_t pe = dw_prologue_end(idx, e);
		if (pe) {
			addr = pe;
			entry = false;
		}
	}
	DerivedProbe *d = derived_new(m->ctx, m->user ? &pk_uprobe : &pk_kprobe,
				      m->pp, pp);
	KprobeSite *k = &d->kp;
	if (m->ctx->depth == 0)
		d->user_pp = pp;
	char *sym;
	int64_t off;
	if (m->user) {
		uint64_t foff = 0;
		if (!dw_user_offset(m->module, addr, &foff))
			semantic_error(m->pp->tok, "cannot place a probe at 0x%llx of %s: not in a loaded segment",
				       (unsigned long long)addr, m->module);
		k->symbol = arena_strdup(dw_str(idx, e->name));
		k->offset = foff;
		k->user = true;
		k->elf_type = dw_user_elf_type(m->module);
		k->proc = m->proc ? arena_strdup(m->proc) : NULL;
	} else if (dw_kprobe_site(idx, addr, &sym, &off)) {
		k->symbol = sym;
		k->offset = off;
	} else {
		k->symbol = arena_strdup(dw_str(idx, e->name));
		k->offset = addr - e->addr;
	}
	k->is_return = m->is_return;
	k->maxactive = m->maxactive;
	k->module = m->module ? arena_strdup(m->module) : NULL;
	d->func = arena_strdup(dw_str(idx, e->name));
	k->dw_entry = entry;
	k->dw_pc = addr;
	k->dw_die = e->die;
	k->dw_cu = e->cu;
	k->dw_inline = e->flags & DWF_INLINE;
	k->dw_text = idx->text_addr;
	m->count++;
	return d;
}

static void dw_on_line(int line, uint64_t addr, void *arg)
{
	DwSpec *m = arg;
	if (m->line > 0 && line != m->line) {
		if (line < m->line && line > m->near_lo)
			m->near_lo = line;
		if (line > m->line && (!m->near_hi || line < m->near_hi))
			m->near_hi = line;
		return;
	}
	m->lines_seen++;
	const DwEntry *e = m->entry;
	if (seen_addr(m, addr, e->name))
		return;
	char *pp = format("%s.statement(\"%s@%s:%d\")%s", dw_prefix(m),
			  m->qual ? format("%s::%s", m->qual, dw_str(m->idx, e->name)) :
			  dw_str(m->idx, e->name),
			  dw_str(m->idx, e->file), line, m->suffix);
	dw_derived(m, m->idx, e, addr, pp, false);
}

/* .label("PAT"): a probe at a label of the function; pp() names the
 * function at the label's line, pn() adds .label("NAME") (4.8's) */
static void dw_on_label(const char *name, int line, uint64_t addr, void *arg)
{
	DwSpec *m = arg;
	const DwEntry *e = m->entry;
	if (seen_addr(m, addr, e->name))
		return;
	char *pp = format("%s.function(\"%s@%s:%d\")", dw_prefix(m), m->fname,
			  dw_str(m->idx, e->file), line);
	DerivedProbe *d = dw_derived(m, m->idx, e, addr, pp, false);
	d->kp.label = arena_strdup(name);
	if (m->ctx->depth == 0)
		d->user_pp = format("%s.label(\"%s\")", pp, name);
}

static void has_line(int line, uint64_t addr, void *arg)
{
	int *want = arg;
	if (line == *want)
		*want = 0;
}

static void dw_on_function(DwIndex *idx, const DwEntry *e, void *arg)
{
	DwSpec *m = arg;
	const char *name = dw_str(idx, e->name);
	/* .exported: as SystemTap does, global (DW_AT_external) functions */
	if (m->exported && !(e->flags & DWF_EXTERNAL))
		return;
	if (m->qual) {
		/* C++ "Class::f", "ns::Class::f": f in a scope that ends so */
		const char *q = dw_scope_name(idx, e);
		size_t lq = strlen(q), lw = strlen(m->qual);
		if (lq < lw || strcmp(q + lq - lw, m->qual) ||
		    (lq > lw && strncmp(q + lq - lw - 2, "::", 2)))
			return;
		name = format("%s::%s", m->qual, name);
	}
	if (m->rel)
		m->line = e->line + m->rel;
	if (m->statement || m->label) {
		if (e->flags & DWF_INLINE)
			return;
		m->idx = idx;
		m->entry = e;
		m->fname = name;
		if (m->label)
			dw_function_labels(idx, e, m->label, dw_on_label, m);
		else
			dw_function_lines(idx, e, dw_on_line, m);
		return;
	}
	if (m->line > 0 && (uint32_t)m->line != e->line) {
		/* .function("F@FILE:LINE"): the function that has LINE */
		int want = m->line;
		if (dw_function_lines(idx, e, has_line, &want) == 0 || want != 0)
			return;
	}
	/* listing without variables: one of the entries that print alike */
	if (sess->list_pattern && !sess->list_vars && m->last &&
	    m->last->name == e->name && m->last->file == e->file &&
	    m->last->line == e->line)
		return;
	m->last = e;
	if (seen_addr(m, e->addr, e->name))
		return;
	char *pp = e->flags & DWF_SYMTAB ?
		   format("%s.function(\"%s\")%s", dw_prefix(m), name, m->suffix) :
		   format("%s.function(\"%s@%s:%u\")%s", dw_prefix(m), name,
			  dw_str(idx, e->file), e->line, m->suffix);
	dw_derived(m, idx, e, e->addr, pp, true);
}

/* Split "FUNC[@FILE[:LINE]]" */
static bool dw_parse_spec(DwSpec *m, const char *spec, Token *tok)
{
	const char *at = strchr(spec, '@');
	m->func = at ? arena_strndup(spec, at - spec) : arena_strdup(spec);
	if (!at)
		return true;
	const char *colon = strrchr(at, ':');
	const char *plus = colon ? NULL : strrchr(at, '+');
	if (plus) {
		/* "FUNC@FILE+N": N lines after the function's declaration */
		char *end;
		long l = strtol(plus + 1, &end, 10);
		if (*end || l <= 0 || plus[1] < '0' || plus[1] > '9') {
			resolve_error(m->pp->tok, m->ctx->user->tok,
				      "malformed specification '%s'", spec);
			return false;
		}
		m->file = arena_strndup(at + 1, plus - at - 1);
		m->rel = l;
		m->line = 1;    /* a line is given (the function's set it) */
		return true;
	}
	m->file = colon ? arena_strndup(at + 1, colon - at - 1) : arena_strdup(at + 1);
	if (colon) {
		if (!strcmp(colon + 1, "*")) {
			m->line = -1;
		} else {
			char *end;
			long l = strtol(colon + 1, &end, 10);
			if (*end || l <= 0) {
				semantic_error(tok, "invalid line number '%s'", colon + 1);
				return false;
			}
			m->line = l;
		}
	}
	return true;
}

static int match_dwarf_at(Resolution *ctx, ProbePoint *pp, int first,
			  const char *upath, const char *proc, const char *prefix);

/* "no match (similar functions: a, b)": the five closest names */
static char *similar_functions(DwIndex *idx, const char *want, bool with_file)
{
	StrBuf sb = {0};
	int k = 0, limit = strlen(want) / 2 + 1;
	/* (FUNC@FILE that matched nothing: FUNC itself may be in another
	 * file) */
	for (int d = with_file ? 0 : 1; d <= limit && k < 5; d++)
		for (uint32_t i = 0; i < idx->n && k < 5; i++) {
			const DwEntry *e = &idx->ents[i];
			if (i && idx->ents[i - 1].name == e->name)
				continue;
			const char *name = dw_str(idx, e->name);
			if (edit_distance(want, name) == d)
				sb_printf(&sb, "%s%s", k++ ? ", " : "", name);
		}
	char *r = k ? arena_strdup(sb.buf) : NULL;
	sb_release(&sb);
	return r;
}

static int match_dwarf(Resolution *ctx, ProbePoint *pp)
{
	Component *c0 = &pp->comps[0];
	bool is_module = comp_is(c0, "module");
	if (is_module ? !comp_str(c0) : !!c0->arg)
		return PK_NOT_MINE;
	return match_dwarf_at(ctx, pp, 1, NULL, NULL, NULL);
}

int match_user_dwarf(Resolution *ctx, ProbePoint *pp, int first,
		     const char *path, const char *proc, const char *prefix)
{
	return match_dwarf_at(ctx, pp, first, path, proc, prefix);
}

static int match_dwarf_at(Resolution *ctx, ProbePoint *pp, int first,
			  const char *upath, const char *proc, const char *prefix)
{
	Component *c0 = &pp->comps[0];
	bool is_module = !upath && comp_is(c0, "module");
	if (pp->ncomps < first + 1)
		return PK_NOT_MINE;
	Component *f = &pp->comps[first];
	bool statement = comp_is(f, "statement");
	if (!statement && !comp_is(f, "function"))
		return PK_NOT_MINE;
	if (!comp_str(f) && !(statement && comp_num(f)))
		return PK_NOT_MINE;
	DwSpec m = { .ctx = ctx, .pp = pp, .statement = statement, .maxactive = -1,
		     .user = upath != NULL, .proc = proc, .prefix = prefix };
	bool absolute = false, nearest = false;
	StrBuf suffix = {0};
	for (int i = first + 1; i < pp->ncomps; i++) {
		Component *c = &pp->comps[i];
		bool ok = false;
		if (!statement && !c->arg) {
			if (comp_is(c, "call") && !m.is_return && !m.is_inline)
				ok = m.is_call = true;
			else if (comp_is(c, "return") && !m.is_call && !m.is_inline)
				ok = m.is_return = true;
			else if (comp_is(c, "inline") && !m.is_call && !m.is_return)
				ok = m.is_inline = true;
			else if (comp_is(c, "exported"))
				ok = m.exported = true;
		}
		if (!statement && comp_is(c, "label") && comp_str(c) && !m.label &&
		    !m.is_call && !m.is_return && !m.is_inline) {
			m.label = c->arg->str;  /* not in pp(): pn() has it */
			continue;
		}
		if (comp_is(c, "maxactive") && comp_num(c) && m.is_return) {
			m.maxactive = c->arg->val;
			ok = true;
		}
		if (statement && comp_is(c, "absolute") && !c->arg && comp_num(f) && !is_module)
			ok = absolute = true;
		if (statement && m.user && comp_is(c, "nearest") && !c->arg && comp_str(f))
			ok = nearest = true;    /* the nearest line with code */
		if (!ok)
			return PK_NOT_MINE;
		sb_printf(&suffix, ".%s", c->name);
		if (c->arg)
			sb_printf(&suffix, "(%lld)", (long long)c->arg->val);
	}
	m.suffix = arena_strdup(suffix.buf ? suffix.buf : "");
	sb_release(&suffix);

	if (statement && comp_num(f) && m.user) {
		/* process("P").statement(ADDR): a link-time address of P */
		if (absolute && !sess->guru) {
			semantic_error2(c0->tok, ctx->user->tok,
					"absolute statement probe in unprivileged script; need stap -g",
					"while resolving probe point");
			return PK_ERROR;
		}
		uint64_t addr = f->arg->val, foff;
		if (!dw_user_offset(upath, addr, &foff)) {
			semantic_error(f->tok, "cannot place a probe at 0x%llx of %s: not in a loaded segment",
				       (unsigned long long)addr, upath);
			return PK_ERROR;
		}
		DerivedProbe *d = derived_new(ctx, &pk_uprobe, pp,
					      format("%s.statement(0x%llx)%s", prefix,
						     (unsigned long long)addr, m.suffix));
		KprobeSite *k = &d->kp;
		if (ctx->depth == 0)
			d->user_pp = d->pp;
		k->maxactive = -1;
		k->symbol = "";
		k->offset = foff;
		k->module = arena_strdup(upath);
		k->user = true;
		k->elf_type = dw_user_elf_type(upath);
		k->proc = proc ? arena_strdup(proc) : NULL;
		k->dw_pc = addr;
		return PK_MATCHED;
	}
	if (statement && comp_num(f)) {
		/* kernel.statement(ADDR): a link-time address of vmlinux */
		if (absolute && !sess->guru) {
			semantic_error2(c0->tok, ctx->user->tok,
					"absolute statement probe in unprivileged script; need stap -g",
					"while resolving probe point");
			return PK_ERROR;
		}
		DwIndex *idx = absolute || is_module ? NULL : dw_index(NULL);
		if (!idx && !absolute) {
			if (pp->optional)
				return PK_MATCHED;
			dw_missing_error(c0->tok);
			return PK_ERROR;
		}
		uint64_t addr = f->arg->val;
		DerivedProbe *d = derived_new(ctx, &pk_kprobe, pp,
					      format("kernel.statement(0x%llx)%s",
						     (unsigned long long)addr, m.suffix));
		KprobeSite *k = &d->kp;
		k->maxactive = -1;
		k->dw_pc = addr;
		if (absolute) {
			/* the address as it is, at run time (no relocation) */
			k->symbol = "";
			k->offset = addr;
			return PK_MATCHED;
		}
		if (ctx->depth == 0)
			d->user_pp = d->pp;
		if (!dw_kprobe_site(idx, addr, &k->symbol, &k->offset)) {
			semantic_error(f->tok, "cannot place a probe at 0x%llx", (unsigned long long)addr);
			return PK_ERROR;
		}
		k->dw_text = idx->text_addr;
		return PK_MATCHED;
	}
	if (!dw_parse_spec(&m, f->arg->str, f->tok))
		return PK_ERROR;
	if (!statement && m.line > 0 && !sess->list_pattern)
		warning_at(ctx->user->tok, "For probing a particular line, use a .statement() probe, not .function()");
	if (statement && (!m.file || !m.line)) {
		semantic_error(f->tok, "%s.statement needs FUNC@FILE:LINE or an address",
			       m.user ? "process" : "kernel");
		return PK_ERROR;
	}
	unsigned opts = 0;
	if (m.is_return)
		opts |= DWM_RETURN | DWM_NO_INLINE;
	if (m.is_call)
		opts |= DWM_NO_INLINE;
	if (m.is_inline)
		opts |= DWM_ONLY_INLINE;
	if (statement || m.label)
		opts |= DWM_NO_INLINE;
	if (!sess->list_pattern && strpbrk(m.func, "*?["))
		opts |= DWM_NO_KERNEL_BLOCKED;

	Vec modules = {0};
	if (m.user) {
		vec_push(&modules, (char *)upath);
	} else if (is_module) {
		const char *mpat = c0->arg->str;
		if (strpbrk(mpat, "*?["))
			modules = dw_modules(mpat);
		else
			vec_push(&modules, arena_strdup(mpat));
	} else {
		vec_push(&modules, NULL);
	}
again:
	for (int i = 0; i < modules.len; i++) {
		m.module = vec_get(&modules, i);
		DwIndex *idx = dw_index(m.module);
		if (!idx && m.user) {
			if (pp->optional)
				return PK_MATCHED;
			resolve_error(c0->tok, NULL, "cannot read the ELF file '%s'", upath);
			return PK_ERROR;
		}
		if (!idx) {
			if (pp->optional)
				return PK_MATCHED;
			dw_missing_error(c0->tok);
			return PK_ERROR;
		}
		if (m.user && !dw_open(sess, m.module))
			dw_user_nodwarf_warning(m.module);
		m.seen = NULL;
		m.nseen = m.cap = 0;
		m.last = NULL;
		const char *sep = m.user ? strstr(m.func, "::") : NULL;
		if (sep) {
			/* C++: match the last name, then its scopes */
			const char *last = m.func, *p;
			while ((p = strstr(last, "::")))
				last = p + 2;
			m.qual = arena_strndup(m.func, last - 2 - m.func);
			dw_match(idx, last, m.file, opts, dw_on_function, &m);
			m.qual = NULL;
		} else {
			dw_match(idx, m.func, m.file, opts, dw_on_function, &m);
		}
		uint64_t v;
		if (m.user && !m.count && !m.file && !strpbrk(m.func, "*?[") &&
		    dw_user_symbol(m.module, m.func, &v)) {
			/* a symbol that is another name of a DWARF function
			 * (glibc's free is __libc_free): that function */
			for (uint32_t j = 0; j < idx->n; j++) {
				const DwEntry *e = &idx->ents[j];
				if (e->addr == v && !(e->flags & DWF_INLINE) &&
				    !(m.is_inline))
					dw_on_function(idx, e, &m);
			}
		}
	}
	if (nearest && m.line > 0 && m.lines_seen == 0 && m.count == 0 &&
	    m.near_lo && m.near_hi) {
		/* .nearest: inside the function, the closest line that has
		 * code (the later one of two as close); pp() names it */
		int lo = m.near_lo, hi = m.near_hi;
		m.line = m.line - lo < hi - m.line ? lo : hi;
		m.near_lo = m.near_hi = 0;
		m.suffix = "";
		nearest = false;
		goto again;
	}
	if (statement && m.line > 0 && m.lines_seen == 0 && m.count == 0 &&
	    (m.near_lo || m.near_hi) && !strpbrk(m.func, "*?[")) {
		StrBuf sb = {0};
		if (m.near_lo && m.near_hi)
			sb_printf(&sb, " (try :%d or :%d)", m.near_lo, m.near_hi);
		else
			sb_printf(&sb, " (try :%d)", m.near_lo ? m.near_lo : m.near_hi);
		semantic_error2(NULL, c0->tok, "while resolving probe point",
				"no line records for %s:%d [man error::dwarf]%s",
				m.file, m.line, sb.buf);
		sb_release(&sb);
		return PK_ERROR;
	}
	if (m.count == 0) {
		if (pp->optional)
			return PK_MATCHED;
		DwIndex *idx = modules.len == 1 && !is_module ? dw_index(vec_get(&modules, 0)) : NULL;
		/* the point the user wrote: "no match" says what is near */
		char *sim;
		if (idx && ctx->depth == 0 && !strpbrk(m.func, "*?[") &&
		    (sim = similar_functions(idx, m.func, m.file != NULL)))
			resolve_nomatch_hint = format("similar functions: %s", sim);
		return PK_NO_MATCH;
	}
	return PK_MATCHED;
}


/* kprobe.statement(ADDR).absolute (guru): a kprobe at the address as
 * it is at run time */
static int match_kprobe_statement(Resolution *r, ProbePoint *pp)
{
	Component *s = &pp->comps[1];
	if (pp->ncomps != 3 || !comp_num(s) || !comp_is(&pp->comps[2], "absolute") ||
	    pp->comps[2].arg)
		return PK_NOT_MINE;
	if (!sess->guru) {
		semantic_error2(pp->tok, r->user->tok,
				"absolute statement probe in unprivileged script; need stap -g",
				"while resolving probe point");
		return PK_ERROR;
	}
	uint64_t addr = s->arg->val;
	DerivedProbe *d = derived_new(r, &pk_kprobe, pp,
				      format("kprobe.statement(0x%llx).absolute",
					     (unsigned long long)addr));
	d->kp.symbol = "";
	d->kp.offset = addr;
	d->kp.maxactive = -1;
	return PK_MATCHED;
}

static int match_function(Resolution *ctx, ProbePoint *pp)
{
	if (pp->ncomps < 2)
		return PK_NOT_MINE;
	/* with the kernel's DWARF, or for what needs it */
	if (comp_is(&pp->comps[0], "module") ||
	    (comp_is(&pp->comps[0], "kernel") &&
	     (comp_is(&pp->comps[1], "statement") || dw_index(NULL) ||
	      (comp_str(&pp->comps[1]) && strchr(pp->comps[1].arg->str, '@')) ||
	      (pp->ncomps > 2 && comp_is(&pp->comps[2], "inline")))))
		return match_dwarf(ctx, pp);
	bool kprobe = comp_is(&pp->comps[0], "kprobe");
	if (kprobe && comp_is(&pp->comps[1], "statement"))
		return match_kprobe_statement(ctx, pp);
	/* kprobe.module("M").function("F"): the kernel's "M:F" */
	const char *module = NULL;
	int first = 1;
	if (kprobe && comp_is(&pp->comps[1], "module")) {
		if (!comp_str(&pp->comps[1]) || pp->ncomps < 3)
			return PK_NOT_MINE;
		module = pp->comps[1].arg->str;
		first = 2;
	}
	Component *f = &pp->comps[first];
	if (!comp_is(f, "function") || !comp_str(f))
		return PK_NOT_MINE;
	SymMatch m = { .ctx = ctx, .pp = pp, .kprobe_family = kprobe,
		       .maxactive = -1, .module = module };
	for (int i = first + 1; i < pp->ncomps; i++) {
		Component *c = &pp->comps[i];
		if (comp_is(c, "call") && !c->arg && !m.is_return) {
			m.is_call = !kprobe;
			continue;
		}
		if (comp_is(c, "return") && !c->arg) {
			m.is_return = true;
			continue;
		}
		if (comp_is(c, "maxactive") && comp_num(c) && m.is_return) {
			m.maxactive = c->arg->val;
			continue;
		}
		if (comp_is(c, "exported") && !kprobe)
			continue;
		return PK_NOT_MINE;
	}
	const char *pat = f->arg->str;
	if (strchr(pat, '@')) {
		if (pp->optional)
			return PK_MATCHED;
		semantic_error(f->tok, "no debuginfo for '%s': kernel.function(\"FUNC@FILE\") needs the kernel's DWARF", pat);
		return PK_ERROR;
	}
	if (kprobe && !module && strpbrk(pat, "*?[")) {
		semantic_error(f->tok, "wildcards are not allowed in kprobe.function");
		return PK_ERROR;
	}
	if (kprobe) {
		/* DWARF-less kprobes are resolved when they are registered,
		 * as in SystemTap: a missing symbol is a registration error */
		add_symbol_probe(pat, &m);
		return PK_MATCHED;
	}
	if (!ksym_load()) {
		semantic_error(f->tok, "cannot find the symbol table of kernel %s (System.map); install the kernel image or run scripts/fetch-kernel",
			       sess->kernel_release);
		return PK_ERROR;
	}
	ksym_foreach(pat, add_symbol_probe, &m);
	if (m.count == 0) {
		if (pp->optional)
			return PK_MATCHED;
		return PK_NO_MATCH;      /* no match: the caller reports */
	}
	return PK_MATCHED;
}


/* ".label(\"NAME\")" of a label probe, as -p2 shows its origin */
const char *dw_label_suffix(DerivedProbe *d)
{
	return d->kp.label ? format(".label(\"%s\")", d->kp.label) : "";
}

/* The '?' or '!' of the point D was matched from, as -p2 shows it. */
static const char *marker(DerivedProbe *d)
{
	size_t n = strlen(d->point);
	return n && (d->point[n - 1] == '?' || d->point[n - 1] == '!') ?
	       d->point + n - 1 : "";
}

/* -p2: a DWARF probe shows where it was placed, a symbol's the point the
 * user wrote (kprobe.function: every point of the probe) */
static char *p2_origin(DerivedProbe *d)
{
	if (d->kp.dw_pc)
		return format("%s%s%s", d->pp, dw_label_suffix(d), marker(d));
	return strncmp(d->pp, "kprobe.", 7) ? d->user_pp : NULL;
}

/* -p2: where a DWARF probe sits */
static char *p2_comment(DerivedProbe *d)
{
	KprobeSite *k = &d->kp;
	if (k->dw_pc && k->symbol && !k->symbol[0])
		return format("%s /* pc=+0x%llx */", marker(d),
			      (unsigned long long)k->dw_pc);
	if (k->dw_pc && !k->module && k->dw_text)
		return format("%s /* pc=_stext+0x%llx */", marker(d),
			      (unsigned long long)(k->dw_pc - k->dw_text));
	if (!strncmp(d->pp, "kprobe.", 7))
		return format(" /*  name = %s*/", k->symbol);
	return NULL;
}

/* -L: the point and its variables, from DWARF, else (a kernel function
 * by symbol) its parameters from BTF */
char *dw_site_list_line(DerivedProbe *d, const char *head, bool with_vars)
{
	DwIndex *idx = NULL;
	if (!with_vars || (d->kp.dw_die && !(idx = dw_index(d->kp.module))))
		return (char *)head;
	StrBuf sb = {0};
	sb_puts(&sb, head);
	if (idx)
		dw_list_vars(idx, d->kp.dw_cu, d->kp.dw_die, d->kp.dw_pc,
			     d->kp.is_return, &sb);
	else
		tvar_btf_list(d, &sb);
	char *line = arena_strdup(sb.buf);
	sb_release(&sb);
	return line;
}

static char *list_line(DerivedProbe *d, bool with_vars)
{
	return dw_site_list_line(d, d->pp, with_vars);
}

/* The kprobe and kretprobe handlers of each wrapper a kprobe uses, and
 * the entry handler of a .return probe that saves values at entry. */
static void emit_code(StrBuf *code, DerivedProbe *d, bool first_use,
		      const char *entry_fn)
{
	if (first_use)
		sb_printf(code, "STP_KPROBE_HANDLERS(%s, %s)\n", d->wrapper,
			  d->wrapper);
	if (entry_fn)
		sb_printf(code, "STP_KRETPROBE_ENTRY(%s, %s, %s)\n", d->wrapper,
			  d->wrapper, entry_fn);
}

static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	fputs("static struct stp_kprobe _stp_kprobes[] = {\n", out);
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		KprobeSite *k = &d->kp;
		Node **saved;
		bool ent = k->is_return && tvar_entry_nodes(d, &saved) > 0;
		/* no .symbol (a relocation less) for "_stext": the runtime's
		 * default */
		bool stext = k->symbol && !strcmp(k->symbol, "_stext");
		fprintf(out, "\t{ .probe = &_stp_probes[%d]%s%s, .offset = %" PRId64
			", .ret = %d, .maxactive = %d, .optional = %d, .%s = %s_%s",
			d->index, stext ? "" : ", .symbol = ",
			stext ? "" : c_string(k->symbol ? k->symbol : ""), k->offset,
			k->is_return, k->maxactive, d->optional,
			k->is_return ? "rh" : "pre", d->wrapper,
			k->is_return ? (ent ? "retd" : "ret") : "pre");
		if (ent)
			fprintf(out, ", .eh = %s_ent, .data_size = sizeof(struct stp_ent_%d)",
				d->wrapper, d->index);
		if (k->dw_entry && !k->dw_inline && !k->module)
			fputs(", .entry = 1", out);
		fputs(" },\n", out);
	}
	fputs("\t{ }\n};\n", out);
	sb_puts(groups, "\tSTP_PROBE_GROUP(kprobes, _stp_kprobes),\n");
}

const ProbeKind pk_kprobe = {
	.name = "kprobe",
	.families = (const char *const[]){ "kernel", "module", "kprobe", NULL },
	.types = (const char *const[]){
		"kernel.function(string)", "kernel.function(string).call",
		"kernel.function(string).exported",
		"kernel.function(string).inline",
		"kernel.function(string).return",
		"kernel.function(string).return.maxactive(number)",
		"module(string).function(string)",
		"module(string).function(string).call",
		"module(string).function(string).exported",
		"module(string).function(string).inline",
		"module(string).function(string).return",
		"module(string).function(string).return.maxactive(number)",
		"kernel.statement(number)", "kernel.statement(number).absolute",
		"kernel.statement(string)", "module(string).statement(string)",
		"kprobe.function(string)", "kprobe.function(string).call",
		"kprobe.function(string).return",
		"kprobe.function(string).return.maxactive(number)",
		"kprobe.module(string).function(string)",
		"kprobe.module(string).function(string).call",
		"kprobe.module(string).function(string).return",
		"kprobe.module(string).function(string).return.maxactive(number)",
		"kprobe.statement(number).absolute",
		NULL,
	},
	.match = match_function,
	.list_line = list_line,
	.p2_comment = p2_comment,
	.p2_origin = p2_origin,
	.runtime_header = "stp_kprobe.h",
	.emit_code = emit_code,
	.emit_tables = emit_tables,
};
