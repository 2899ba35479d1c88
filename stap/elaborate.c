/*
 * elaborate.c - pass 2: from parsed probes to derived probes.
 *
 *  1. Every user probe point is matched against the builtin probe
 *     families and the probe aliases; aliases expand recursively (their
 *     prologue goes before the user body, an epilogue after), wildcards
 *     expand over aliases and kernel symbols, '?' and '!' are honoured.
 *  2. Names in every reachable body are bound: locals, globals (the
 *     user's, then the tapsets'), functions (likewise).  Tapset functions
 *     and globals are pulled in on demand, with their files' %{ %} blocks.
 *  3. type.c infers and checks types.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

/* ------------------------------------------------------------------ */
/* Probe points */

static Vec used_files;          /* File* whose definitions are used */
static Vec func_queue;          /* Function* to bind */
static int func_queue_done;     /* how many of them are bound */

void elaborate_reset(void)
{
	used_files = (Vec){0};
	func_queue = (Vec){0};
	func_queue_done = 0;
}

static void use_file(File *f)
{
	if (!f || f->is_user)
		return;
	for (int i = 0; i < used_files.len; i++)
		if (vec_get(&used_files, i) == f)
			return;
	vec_push(&used_files, f);
}

static Node *new_block(Token *tok)
{
	Node *n = arena_alloc(sizeof(*n));
	n->kind = ND_BLOCK;
	n->tok = tok;
	return n;
}

static bool comp_is(Component *c, const char *name)
{
	return !strcmp(c->name, name);
}

static bool arg_is_num(Component *c)
{
	return c->arg && c->arg->kind == ND_NUM;
}

static bool arg_is_str(Component *c)
{
	return c->arg && c->arg->kind == ND_STR;
}

/* A resolution in progress: the body built so far (prologues before,
 * epilogues after the user's body) and the alias name the user wrote. */
typedef struct Ctx {
	Probe *user;            /* the user's probe */
	ProbePoint *user_pp;    /* the point the user wrote */
	Node *body;             /* ND_BLOCK to use for derived probes */
	Handler *handler;       /* shared by the derived probes of this body */
	int depth;
} Ctx;

/* A deep copy of an unbound body: every handler binds its own nodes,
 * since one user body or alias body can end up in several handlers. */
static Node *clone_node(Node *n);

static void clone_list(NodeList *l)
{
	Node **items = l->items;
	NodeList copy = {0};
	for (int i = 0; i < l->len; i++)
		nodelist_push(&copy, clone_node(items[i]));
	*l = copy;
}

static Node *clone_node(Node *n)
{
	if (!n)
		return NULL;
	Node *c = arena_alloc(sizeof(*c));
	*c = *n;
	c->lhs = clone_node(n->lhs);
	c->rhs = clone_node(n->rhs);
	c->cond = clone_node(n->cond);
	c->then = clone_node(n->then);
	c->els = clone_node(n->els);
	c->init = clone_node(n->init);
	c->inc = clone_node(n->inc);
	c->body = clone_node(n->body);
	c->value = clone_node(n->value);
	c->limit = clone_node(n->limit);
	c->catch_var = clone_node(n->catch_var);
	clone_list(&c->args);
	clone_list(&c->keys);
	return c;
}

static Handler *handler_for(Ctx *ctx)
{
	/* $variables resolve per probe point: such a body is not shared */
	if (!ctx->handler || tvar_body_needs_own_handler(ctx->body)) {
		Handler *h = arena_alloc(sizeof(*h));
		h->body = clone_node(ctx->body);
		h->tok = ctx->user->tok;
		h->index = sess->handlers.len;
		vec_push(&sess->handlers, h);
		ctx->handler = h;
	}
	return ctx->handler;
}

static DerivedProbe *new_derived(Ctx *ctx, DerivedKind kind, ProbePoint *pp,
				 char *pp_str)
{
	DerivedProbe *d = arena_alloc(sizeof(*d));
	d->kind = kind;
	d->pp = pp_str;
	d->user_pp = probe_point_str(ctx->user_pp);
	d->tok = pp->tok;
	d->handler = handler_for(ctx);
	d->cond = ctx->user_pp->cond;
	d->maxactive = -1;
	d->optional = pp->optional || ctx->user_pp->optional;
	d->index = sess->derived.len;
	vec_push(&sess->derived, d);
	return d;
}

static int64_t timer_ns(const char *unit)
{
	if (!strcmp(unit, "s") || !strcmp(unit, "sec"))
		return 1000000000;
	if (!strcmp(unit, "ms") || !strcmp(unit, "msec"))
		return 1000000;
	if (!strcmp(unit, "us") || !strcmp(unit, "usec"))
		return 1000;
	if (!strcmp(unit, "ns") || !strcmp(unit, "nsec"))
		return 1;
	return 0;
}

/* timer.UNIT(N)[.randomize(M)], timer.jiffies(N)[...], timer.hz(N) */
static int match_timer(Ctx *ctx, ProbePoint *pp)
{
	if (pp->ncomps < 2 || pp->ncomps > 3)
		return 0;
	Component *c = &pp->comps[1];
	int64_t unit = timer_ns(c->name);
	bool jiffies = comp_is(c, "jiffies"), hz = comp_is(c, "hz");
	if (!unit && !jiffies && !hz)
		return 0;
	if (!arg_is_num(c)) {
		semantic_error(c->tok, "expected a number");
		return -1;
	}
	int64_t n = c->arg->val;
	int64_t rnd = 0;
	if (pp->ncomps == 3) {
		Component *r = &pp->comps[2];
		if (!comp_is(r, "randomize") || hz)
			return 0;
		if (!arg_is_num(r)) {
			semantic_error(r->tok, "expected a number");
			return -1;
		}
		rnd = r->arg->val;
	}
	if (n <= 0 || rnd < 0 || (rnd && rnd > n)) {
		semantic_error(c->tok, "invalid timer interval");
		return -1;
	}
	DerivedProbe *d = new_derived(ctx, unit ? DP_TIMER : DP_TIMER_JIFFIES,
				      pp, probe_point_str(pp));
	if (unit) {
		d->interval_ns = n * unit;
		d->randomize_ns = rnd * unit;
	} else if (jiffies) {
		d->interval_jiffies = n;
		d->randomize_jiffies = rnd;
	} else {
		/* timer.hz(N): the runtime turns -N into HZ/N jiffies */
		d->interval_jiffies = -n;
	}
	return 1;
}

/* perf.type(T).config(C)[.sample(N)|.hz(F)]: a perf event on every
 * CPU; the handler runs at each overflow with the interrupted registers.
 * The tapset's perf.sw.*, perf.hw.* and timer.profile are aliases. */
static int match_perf(Ctx *ctx, ProbePoint *pp)
{
	if (pp->ncomps < 3 || pp->ncomps > 4 || !comp_is(&pp->comps[1], "type") ||
	    !comp_is(&pp->comps[2], "config"))
		return 0;
	Component *t = &pp->comps[1], *c = &pp->comps[2], *s = NULL;
	if (pp->ncomps == 4) {
		s = &pp->comps[3];
		if (!comp_is(s, "sample") && !comp_is(s, "hz"))
			return 0;
	}
	for (Component *x = t; x <= (s ? s : c); x++)
		if (!arg_is_num(x)) {
			semantic_error(x->tok, "expected a number");
			return -1;
		}
	int64_t n = s ? s->arg->val : 1000000;
	if (t->arg->val < 0 || c->arg->val < 0 || n <= 0) {
		Component *bad = n <= 0 ? s : t->arg->val < 0 ? t : c;
		semantic_error(pp->tok, "while resolving probe point");
		semantic_error(bad->arg->tok, "invalid perf %s %lld",
			       bad == s ? (comp_is(s, "hz") ? "frequency" : "sample period") :
			       bad == t ? "type" : "config", (long long)bad->arg->val);
		return -1;
	}
	bool freq = s && comp_is(s, "hz");
	/* pp() says .sample(F) for .hz(F) too, as SystemTap's */
	DerivedProbe *d = new_derived(ctx, DP_PERF, pp,
		format("perf.type(%lld).config(%lld).sample(%lld)",
		       (long long)t->arg->val, (long long)c->arg->val,
		       (long long)n));
	d->perf_type = t->arg->val;
	d->perf_config = c->arg->val;
	d->perf_sample = n;
	d->perf_freq = freq;
	return 1;
}

typedef struct SymMatch {
	Ctx *ctx;
	ProbePoint *pp;
	bool is_return;
	bool kprobe_family;
	int maxactive;
	int count;
} SymMatch;

static void add_symbol_probe(const char *name, void *arg)
{
	SymMatch *m = arg;
	char *pp = format("%s.function(\"%s\")%s",
			  m->kprobe_family ? "kprobe" : "kernel", name,
			  m->is_return ? ".return" : "");
	DerivedProbe *d = new_derived(m->ctx, m->is_return ? DP_KRETPROBE : DP_KPROBE,
				      m->pp, pp);
	d->symbol = arena_strdup(name);
	d->maxactive = m->maxactive;
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
	Ctx *ctx;
	ProbePoint *pp;
	const char *module;     /* the module being matched, NULL = kernel */
	bool statement;
	bool is_return, is_call, is_inline, exported;
	int maxactive;
	char *func, *file;      /* split from "FUNC@FILE:LINE" */
	int line;               /* 0 none, -1 '*' */
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
} DwSpec;

static char *dw_prefix(DwSpec *m)
{
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
	DerivedProbe *d = new_derived(m->ctx, m->is_return ? DP_KRETPROBE : DP_KPROBE,
				      m->pp, pp);
	if (m->ctx->depth == 0)
		d->user_pp = pp;
	char *sym;
	int64_t off;
	if (dw_kprobe_site(idx, addr, &sym, &off)) {
		d->symbol = sym;
		d->offset = off;
	} else {
		d->symbol = arena_strdup(dw_str(idx, e->name));
		d->offset = addr - e->addr;
	}
	d->maxactive = m->maxactive;
	d->module = m->module ? arena_strdup(m->module) : NULL;
	d->func = arena_strdup(dw_str(idx, e->name));
	d->dw_entry = entry;
	d->dw_pc = addr;
	d->dw_die = e->die;
	d->dw_inline = e->flags & DWF_INLINE;
	d->dw_text = idx->text_addr;
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
			  dw_str(m->idx, e->name), dw_str(m->idx, e->file), line,
			  m->suffix);
	dw_derived(m, m->idx, e, addr, pp, false);
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
	if (m->statement) {
		if (e->flags & DWF_INLINE)
			return;
		m->idx = idx;
		m->entry = e;
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

static int match_dwarf(Ctx *ctx, ProbePoint *pp)
{
	Component *c0 = &pp->comps[0];
	bool is_module = comp_is(c0, "module");
	if (is_module ? !arg_is_str(c0) : !!c0->arg)
		return 0;
	if (pp->ncomps < 2)
		return 0;
	Component *f = &pp->comps[1];
	bool statement = comp_is(f, "statement");
	if (!statement && !comp_is(f, "function"))
		return 0;
	if (!arg_is_str(f) && !(statement && arg_is_num(f)))
		return 0;
	DwSpec m = { .ctx = ctx, .pp = pp, .statement = statement, .maxactive = -1 };
	bool absolute = false;
	StrBuf suffix = {0};
	for (int i = 2; i < pp->ncomps; i++) {
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
		if (comp_is(c, "maxactive") && arg_is_num(c) && m.is_return) {
			m.maxactive = c->arg->val;
			ok = true;
		}
		if (statement && comp_is(c, "absolute") && !c->arg && arg_is_num(f) && !is_module)
			ok = absolute = true;
		if (!ok)
			return 0;
		sb_printf(&suffix, ".%s", c->name);
		if (c->arg)
			sb_printf(&suffix, "(%lld)", (long long)c->arg->val);
	}
	m.suffix = arena_strdup(suffix.buf ? suffix.buf : "");
	sb_release(&suffix);

	if (statement && arg_is_num(f)) {
		/* kernel.statement(ADDR): a link-time address of vmlinux */
		if (absolute && !sess->guru) {
			semantic_error2(c0->tok, ctx->user->tok,
					"absolute statement probe in unprivileged script; need stap -g",
					"while resolving probe point");
			return -1;
		}
		DwIndex *idx = absolute || is_module ? NULL : dw_index(NULL);
		if (!idx && !absolute) {
			if (pp->optional)
				return 1;
			dw_missing_error(c0->tok);
			return -1;
		}
		uint64_t addr = f->arg->val;
		DerivedProbe *d = new_derived(ctx, DP_KPROBE, pp,
					      format("kernel.statement(0x%llx)%s",
						     (unsigned long long)addr, m.suffix));
		d->dw_pc = addr;
		if (absolute) {
			/* the address as it is, at run time (no relocation) */
			d->symbol = "";
			d->offset = addr;
			return 1;
		}
		if (ctx->depth == 0)
			d->user_pp = d->pp;
		if (!dw_kprobe_site(idx, addr, &d->symbol, &d->offset)) {
			semantic_error(f->tok, "cannot place a probe at 0x%llx", (unsigned long long)addr);
			return -1;
		}
		d->dw_pc = addr;
		d->dw_text = idx->text_addr;
		return 1;
	}
	if (!dw_parse_spec(&m, f->arg->str, f->tok))
		return -1;
	if (!statement && m.line > 0 && !sess->list_pattern)
		warning_at(ctx->user->tok, "For probing a particular line, use a .statement() probe, not .function()");
	if (statement && (!m.file || !m.line)) {
		semantic_error(f->tok, "kernel.statement needs FUNC@FILE:LINE or an address");
		return -1;
	}
	unsigned opts = 0;
	if (m.is_return)
		opts |= DWM_RETURN | DWM_NO_INLINE;
	if (m.is_call)
		opts |= DWM_NO_INLINE;
	if (m.is_inline)
		opts |= DWM_ONLY_INLINE;
	if (statement)
		opts |= DWM_NO_INLINE;
	if (!sess->list_pattern && strpbrk(m.func, "*?["))
		opts |= DWM_NO_KERNEL_BLOCKED;

	Vec modules = {0};
	if (is_module) {
		const char *mpat = c0->arg->str;
		if (strpbrk(mpat, "*?["))
			modules = dw_modules(mpat);
		else
			vec_push(&modules, arena_strdup(mpat));
	} else {
		vec_push(&modules, NULL);
	}
	for (int i = 0; i < modules.len; i++) {
		m.module = vec_get(&modules, i);
		DwIndex *idx = dw_index(m.module);
		if (!idx) {
			if (pp->optional)
				return 1;
			dw_missing_error(c0->tok);
			return -1;
		}
		m.seen = NULL;
		m.nseen = m.cap = 0;
		m.last = NULL;
		dw_match(idx, m.func, m.file, opts, dw_on_function, &m);
	}
	if (statement && m.line > 0 && m.lines_seen == 0 && m.count == 0 &&
	    (m.near_lo || m.near_hi) && !strpbrk(m.func, "*?[")) {
		StrBuf sb = {0};
		if (m.near_lo && m.near_hi)
			sb_printf(&sb, " (try :%d or :%d)", m.near_lo, m.near_hi);
		else
			sb_printf(&sb, " (try :%d)", m.near_lo ? m.near_lo : m.near_hi);
		semantic_error(NULL, "no line records for %s:%d [man error::dwarf]%s",
			       m.file, m.line, sb.buf);
		sb_release(&sb);
		semantic_error(c0->tok, "while resolving probe point");
		return -1;
	}
	if (m.count == 0) {
		if (pp->optional)
			return 1;
		return -2;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* kernel.trace("[SYSTEM:]NAME") (trace.c) */

typedef struct TraceMatch {
	Ctx *ctx;
	ProbePoint *pp;
	int count;
} TraceMatch;

static void add_trace_probe(TraceEvent *e, void *arg)
{
	TraceMatch *m = arg;
	DerivedProbe *d = new_derived(m->ctx, DP_TRACE, m->pp, trace_pp(e));
	d->symbol = (char *)e->name;
	d->tp = e;
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
	for (int d = 1; d <= limit && k < 5; d++)
		for (int i = 0; i < n && k < 5; i++)
			if (edit_distance(want, ev[i].name) == d)
				sb_printf(&sb, "%s%s", k++ ? ", " : "", ev[i].name);
	char *r = k ? arena_strdup(sb.buf) : NULL;
	sb_release(&sb);
	return r;
}

static int match_trace(Ctx *ctx, ProbePoint *pp)
{
	Component *t = &pp->comps[1];
	if (pp->ncomps != 2 || !arg_is_str(t))
		return 0;
	TraceEvent *ev;
	if (trace_events(&ev) == 0) {
		if (pp->optional)
			return 1;
		semantic_error2(t->tok, ctx->user->tok,
				format("no tracepoints: kernel.trace needs the BTF of kernel %s, found in neither /sys/kernel/btf/vmlinux nor its image",
				       sess->kernel_release),
				"while resolving probe point");
		return -1;
	}
	TraceMatch m = { ctx, pp, 0 };
	trace_match(t->arg->str, add_trace_probe, &m);
	if (m.count)
		return 1;
	if (pp->optional)
		return 1;
	if (strpbrk(t->arg->str, "*?["))
		return -2;
	char *sim = similar_tracepoints(t->arg->str);
	semantic_error(pp->tok, "while resolving probe point");
	if (sim)
		semantic_error(NULL, "no match (similar tracepoints: %s)", sim);
	else
		semantic_error(NULL, "no match");
	return -1;
}

/*
 * kernel.function("PAT")[.call|.return[.maxactive(N)]]
 * kprobe.function("NAME")[.call|.return[.maxactive(N)]]
 */
static int match_function(Ctx *ctx, ProbePoint *pp)
{
	if (pp->ncomps < 2)
		return 0;
	if (comp_is(&pp->comps[0], "kernel") && comp_is(&pp->comps[1], "trace"))
		return match_trace(ctx, pp);
	/* with the kernel's DWARF, or for what needs it */
	if (comp_is(&pp->comps[0], "module") ||
	    (comp_is(&pp->comps[0], "kernel") &&
	     (comp_is(&pp->comps[1], "statement") || dw_index(NULL) ||
	      (arg_is_str(&pp->comps[1]) && strchr(pp->comps[1].arg->str, '@')) ||
	      (pp->ncomps > 2 && comp_is(&pp->comps[2], "inline")))))
		return match_dwarf(ctx, pp);
	bool kprobe = comp_is(&pp->comps[0], "kprobe");
	Component *f = &pp->comps[1];
	if (!comp_is(f, "function") || !arg_is_str(f))
		return 0;
	SymMatch m = { ctx, pp, false, kprobe, -1, 0 };
	for (int i = 2; i < pp->ncomps; i++) {
		Component *c = &pp->comps[i];
		if (comp_is(c, "call") && !c->arg && !m.is_return)
			continue;
		if (comp_is(c, "return") && !c->arg) {
			m.is_return = true;
			continue;
		}
		if (comp_is(c, "maxactive") && arg_is_num(c) && m.is_return) {
			m.maxactive = c->arg->val;
			continue;
		}
		if (comp_is(c, "exported") && !kprobe)
			continue;
		return 0;
	}
	const char *pat = f->arg->str;
	if (strchr(pat, '@')) {
		if (pp->optional)
			return 1;
		semantic_error(f->tok, "no debuginfo for '%s': kernel.function(\"FUNC@FILE\") needs the kernel's DWARF", pat);
		return -1;
	}
	if (kprobe && strpbrk(pat, "*?[")) {
		semantic_error(f->tok, "wildcards are not allowed in kprobe.function");
		return -1;
	}
	if (kprobe) {
		/* DWARF-less kprobes are resolved when they are registered,
		 * as in SystemTap: a missing symbol is a registration error */
		add_symbol_probe(pat, &m);
		return 1;
	}
	if (!ksym_load()) {
		semantic_error(f->tok, "cannot find the symbol table of kernel %s (System.map); install the kernel image or run scripts/fetch-kernel",
			       sess->kernel_release);
		return -1;
	}
	ksym_foreach(pat, add_symbol_probe, &m);
	if (m.count == 0) {
		if (pp->optional)
			return 1;
		return -2;      /* no match: the caller reports */
	}
	return 1;
}

static bool match_simple(Ctx *ctx, ProbePoint *pp, const char *name,
			 DerivedKind kind, int *result)
{
	if (pp->ncomps != 1 || !comp_is(&pp->comps[0], name))
		return false;
	Component *c = &pp->comps[0];
	if (c->arg && (!arg_is_num(c) || kind == DP_NEVER)) {
		semantic_error(c->tok, "expected a number");
		*result = -1;
		return true;
	}
	DerivedProbe *d = new_derived(ctx, kind, pp, probe_point_str(pp));
	d->seq = c->arg ? c->arg->val : 0;
	*result = 1;
	return true;
}

static int resolve_point(Ctx *ctx, ProbePoint *pp);

static bool alias_name_matches(ProbePoint *name, ProbePoint *pp, int n)
{
	for (int i = 0; i < n; i++) {
		Component *a = &name->comps[i], *b = &pp->comps[i];
		if (fnmatch(b->name, a->name, 0) != 0)
			return false;
		if (!!a->arg != !!b->arg)
			return false;
		if (a->arg && b->arg) {
			if (a->arg->kind != b->arg->kind)
				return false;
			if (a->arg->kind == ND_NUM ? a->arg->val != b->arg->val :
			    strcmp(a->arg->str, b->arg->str))
				return false;
		}
	}
	return true;
}

/* Expand PP through the alias A (named NAME); SUFFIX components of the
 * user's point beyond the alias name are appended to each target. */
static int expand_alias(Ctx *ctx, ProbePoint *pp, Probe *a, ProbePoint *name)
{
	if (ctx->depth > 20) {
		semantic_error(pp->tok, "recursive loops in aliases");
		return -1;
	}
	use_file(a->file);
	Ctx sub = *ctx;
	sub.depth++;
	sub.handler = NULL;
	Node *b = new_block(a->tok);
	if (a->is_epilogue) {
		nodelist_push(&b->args, ctx->body);
		nodelist_push(&b->args, a->body);
	} else {
		nodelist_push(&b->args, a->body);
		nodelist_push(&b->args, ctx->body);
		if (a->epilogue)
			nodelist_push(&b->args, a->epilogue);
	}
	sub.body = b;
	int nsuffix = pp->ncomps - name->ncomps;
	int matched = 0;
	for (int i = 0; i < a->points.len; i++) {
		ProbePoint *t = vec_get(&a->points, i);
		ProbePoint *full = t;
		if (nsuffix > 0) {
			full = arena_alloc(sizeof(*full));
			*full = *t;
			full->ncomps = t->ncomps + nsuffix;
			full->comps = arena_alloc(sizeof(Component) * full->ncomps);
			memcpy(full->comps, t->comps, sizeof(Component) * t->ncomps);
			memcpy(full->comps + t->ncomps, pp->comps + name->ncomps,
			       sizeof(Component) * nsuffix);
		}
		int r = resolve_point(&sub, full);
		if (r < 0)
			return r;
		if (r > 0) {
			matched++;
			if (t->sufficient)
				break;
		}
	}
	return matched ? 1 : 0;
}

/* An alias whose name is the whole point wins over one that takes the
 * rest of the point as a suffix (syscall.read.return is not
 * syscall.read with .return appended). */
static int match_aliases(Ctx *ctx, ProbePoint *pp)
{
	int matched = 0;
	for (int pass = 0; pass < 2 && !matched; pass++)
	for (int i = 0; i < sess->aliases.len; i++) {
		Probe *a = vec_get(&sess->aliases, i);
		if (a->is_private && a->file != ctx->user->file)
			continue;
		for (int j = 0; j < a->alias_names.len; j++) {
			ProbePoint *name = vec_get(&a->alias_names, j);
			if (name->ncomps > pp->ncomps ||
			    (pass == 0) != (name->ncomps == pp->ncomps) ||
			    !alias_name_matches(name, pp, name->ncomps))
				continue;
			/* an exact-length match, or a suffix the targets take */
			int r = expand_alias(ctx, pp, a, name);
			if (r < 0)
				return r;
			if (r > 0)
				matched++;
		}
	}
	return matched;
}

static const char *builtin_families[] = {
	"begin", "end", "error", "never", "timer", "kernel", "kprobe",
	"module", "process", "procfs", "perf", NULL,
};

/* Suggestions for "probe point mismatch (similar: ...)". */
static char *similar_points(ProbePoint *pp)
{
	const char *word = pp->comps[0].name;
	Vec cands = {0};
	for (int i = 0; builtin_families[i]; i++)
		vec_push(&cands, (void *)builtin_families[i]);
	for (int i = 0; i < sess->aliases.len; i++) {
		Probe *a = vec_get(&sess->aliases, i);
		for (int j = 0; j < a->alias_names.len; j++) {
			ProbePoint *n = vec_get(&a->alias_names, j);
			bool dup = false;
			for (int k = 0; k < cands.len && !dup; k++)
				dup = !strcmp(vec_get(&cands, k), n->comps[0].name);
			if (!dup)
				vec_push(&cands, n->comps[0].name);
		}
	}
	StrBuf sb = {0};
	int n = 0;
	for (int d = 1; d <= 3 && n < 5; d++) {
		for (int i = 0; i < cands.len && n < 5; i++) {
			const char *c = vec_get(&cands, i);
			if (edit_distance(word, c) == d) {
				sb_printf(&sb, "%s%s", n ? ", " : "", c);
				n++;
			}
		}
	}
	char *r = n ? arena_strdup(sb.buf) : NULL;
	sb_release(&sb);
	return r;
}

/* Returns >0 if PP produced probes, 0 if nothing matched, <0 on error. */
static int resolve_point(Ctx *ctx, ProbePoint *pp)
{
	int r;
	if (match_simple(ctx, pp, "begin", DP_BEGIN, &r) ||
	    match_simple(ctx, pp, "end", DP_END, &r) ||
	    match_simple(ctx, pp, "error", DP_ERROR, &r) ||
	    match_simple(ctx, pp, "never", DP_NEVER, &r))
		return r;
	const char *first = pp->comps[0].name;
	if (!strcmp(first, "timer")) {
		r = match_timer(ctx, pp);
		if (r != 0)
			return r;       /* else an alias: timer.profile */
	}
	if (!strcmp(first, "perf")) {
		r = match_perf(ctx, pp);
		if (r != 0)
			return r;
	}
	if (!strcmp(first, "kernel") || !strcmp(first, "kprobe") ||
	    !strcmp(first, "module")) {
		r = match_function(ctx, pp);
		if (r != 0)
			return r;
	}
	return match_aliases(ctx, pp);
}

static bool resolve_probe(Probe *p)
{
	bool ok = true;
	for (int i = 0; i < p->points.len; i++) {
		ProbePoint *pp = vec_get(&p->points, i);
		Ctx ctx = { .user = p, .user_pp = pp, .body = p->body };
		int before = sess->semantic_errors;
		int r = resolve_point(&ctx, pp);
		if (r > 0) {
			if (pp->sufficient)
				break;
			continue;
		}
		if (r == 0 || r == -2) {
			if (pp->optional)
				continue;
			if (sess->semantic_errors == before && r == -2) {
				/* SystemTap's two blocks */
				semantic_error(pp->tok, "while resolving probe point");
				semantic_error(NULL, "no match");
			} else if (sess->semantic_errors == before) {
				char *sim = similar_points(pp);
				semantic_error2(pp->tok, pp->tok,
						r == -2 ? "no match" :
						sim ? format("probe point mismatch (similar: %s)", sim) :
						"probe point mismatch",
						"while resolving probe point");
			}
		}
		ok = false;
	}
	return ok;
}

/* ------------------------------------------------------------------ */
/* Name binding */

typedef struct Scope {
	Vec *locals;            /* Var*: the handler's or function's locals */
	Vec *params;            /* Var* or NULL */
	File *file;             /* for private names */
	bool in_function;
} Scope;

static Var *find_in(Vec *v, const char *name)
{
	if (!v)
		return NULL;
	for (int i = 0; i < v->len; i++) {
		Var *x = vec_get(v, i);
		if (!strcmp(x->name, name))
			return x;
	}
	return NULL;
}

static void use_global(Var *g)
{
	for (int i = 0; i < sess->used_globals.len; i++)
		if (vec_get(&sess->used_globals, i) == g)
			return;
	g->index = sess->used_globals.len;
	vec_push(&sess->used_globals, g);
	use_file(g->file);
}

/* Globals: the file's own (private or not), the user's, then any file's. */
static Var *find_global(const char *name, File *file)
{
	Var *any = NULL;
	for (int i = 0; i < sess->globals.len; i++) {
		Var *g = vec_get(&sess->globals, i);
		if (strcmp(g->name, name))
			continue;
		if (g->file == file)
			return g;
		if (g->is_private)
			continue;
		if (g->file && g->file->is_user)
			return g;
		if (!any)
			any = g;
	}
	return any;
}

static Function *find_function(const char *name, File *file, int nargs)
{
	Function *any = NULL;
	for (int i = 0; i < sess->functions.len; i++) {
		Function *f = vec_get(&sess->functions, i);
		if (strcmp(f->name, name))
			continue;
		if (f->is_private && f->file != file)
			continue;
		if (nargs >= 0 && f->params.len != nargs) {
			if (!any)
				any = f;
			continue;
		}
		if (f->file == file || (f->file && f->file->is_user))
			return f;
		if (!any || any->params.len != nargs)
			any = f;
	}
	return any;
}

static bool has_next(Node *n)
{
	if (!n)
		return false;
	if (n->kind == ND_NEXT)
		return true;
	if (has_next(n->lhs) || has_next(n->rhs) || has_next(n->cond) ||
	    has_next(n->then) || has_next(n->els) || has_next(n->init) ||
	    has_next(n->inc) || has_next(n->body))
		return true;
	for (int i = 0; i < n->args.len; i++)
		if (has_next(n->args.items[i]))
			return true;
	return false;
}

/* Link F with the other public functions of its name and arity, by
 * priority then declaration order (library files come first in
 * sess->functions); each gets its N of __global_NAME__overload_N, the
 * rank of its declaration among the functions of that name. */
static void chain_overloads(Function *f)
{
	if (f->chained)
		return;
	Vec c = {0};
	for (int i = 0; i < sess->functions.len; i++) {
		Function *g = vec_get(&sess->functions, i);
		if (strcmp(g->name, f->name) || g->params.len != f->params.len ||
		    (g->is_private && g != f) || (f->is_private && g != f))
			continue;
		/* stable insertion by priority */
		int at = c.len;
		while (at > 0 && ((Function *)vec_get(&c, at - 1))->priority > g->priority)
			at--;
		vec_push(&c, g);
		memmove(&c.data[at + 1], &c.data[at], (c.len - 1 - at) * sizeof(void *));
		c.data[at] = g;
	}
	for (int i = 0; i < c.len; i++) {
		Function *g = vec_get(&c, i);
		g->chained = true;
		g->overload_head = vec_get(&c, 0);
		g->next_overload = i + 1 < c.len ? vec_get(&c, i + 1) : NULL;
		g->may_next = g->body ? has_next(g->body) :
			      g->code && strstr(g->code, "STAP_NEXT") != NULL;
		g->overload_index = 0;
		for (int j = 0; j < sess->functions.len; j++) {
			Function *h = vec_get(&sess->functions, j);
			if (h == g)
				break;
			if (!strcmp(h->name, g->name) && !h->is_private)
				g->overload_index++;
		}
	}
}

/* SystemTap's names: __global_x, __private_FILE_x (FILE the base name
 * with every other character than a letter or digit an underscore) */
static char *mangle(const char *name, bool is_private, File *file)
{
	if (!is_private || !file)
		return format("__global_%s", name);
	const char *base = strrchr(file->name, '/');
	char *b = arena_strdup(base ? base + 1 : file->name);
	for (char *p = b; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			*p = '_';
	return format("__private_%s_%s", b, name);
}

char *var_mangled(Var *v)
{
	return mangle(v->name, v->is_private, v->file);
}

char *function_mangled(Function *f)
{
	return format("%s__overload_%d", mangle(f->name, f->is_private, f->file),
		      f->overload_index);
}

static int cmp_mangled(const void *a, const void *b)
{
	Function *x = *(Function *const *)a, *y = *(Function *const *)b;
	return strcmp(function_mangled(x), function_mangled(y));
}

/* The used functions in SystemTap's order (by their mangled names). */
Vec functions_by_name(void)
{
	Vec v = {0};
	for (int i = 0; i < sess->used_functions.len; i++)
		vec_push(&v, vec_get(&sess->used_functions, i));
	if (v.len)
		qsort(v.data, v.len, sizeof(void *), cmp_mangled);
	return v;
}

static char *similar_functions(const char *name)
{
	StrBuf sb = {0};
	int n = 0;
	for (int d = 1; d <= 3 && n < 5; d++) {
		for (int i = 0; i < sess->functions.len && n < 5; i++) {
			Function *f = vec_get(&sess->functions, i);
			if (f->is_private || f->name[0] == '_')
				continue;
			if (edit_distance(name, f->name) != d)
				continue;
			bool dup = false;
			for (int j = 0; j < i && !dup; j++)
				dup = !strcmp(((Function *)vec_get(&sess->functions, j))->name, f->name) &&
				      edit_distance(name, f->name) == d;
			if (dup)
				continue;
			sb_printf(&sb, "%s%s", n ? ", " : "", f->name);
			n++;
		}
	}
	char *r = n ? arena_strdup(sb.buf) : NULL;
	sb_release(&sb);
	return r;
}

static void use_function(Function *f)
{
	if (f->used)
		return;
	f->used = true;
	f->index = sess->used_functions.len;
	vec_push(&sess->used_functions, f);
	vec_push(&func_queue, f);
	use_file(f->file);
}

static Var *new_local(Scope *sc, Node *n)
{
	Var *v = arena_alloc(sizeof(*v));
	v->name = n->name;
	v->tok = n->tok;
	v->file = sc->file;
	v->index = sc->locals->len;
	vec_push(sc->locals, v);
	return v;
}

/* A scalar name: param, local, global, or a new local. */
static Var *bind_scalar(Scope *sc, Node *n)
{
	Var *v = find_in(sc->params, n->name);
	if (!v)
		v = find_in(sc->locals, n->name);
	if (v)
		return v;
	Var *g = find_global(n->name, sc->file);
	if (g) {
		use_global(g);
		return g;
	}
	return new_local(sc, n);
}

static void bind(Scope *sc, Node *n);

static void bind_list(Scope *sc, NodeList *l)
{
	for (int i = 0; i < l->len; i++)
		bind(sc, l->items[i]);
}

/* A global's arity is the one of its first use in binding order. */
static void note_arity(Var *g, int arity, Token *at)
{
	if (!g || !g->is_global || arity < 0)
		return;
	if (g->arity < 0) {
		g->arity = arity;
		g->arity_tok = at;
		return;
	}
	if (g->arity != arity)
		semantic_error2(at, g->arity_tok ? g->arity_tok : g->tok,
				format("arity %d first inferred here", g->arity),
				"inconsistent arity (%d vs %d)", g->arity, arity);
}

static Var *bind_array(Scope *sc, Node *n, const char *name, int arity)
{
	Var *v = find_in(sc->params, name);
	if (!v)
		v = find_in(sc->locals, name);
	if (v) {
		semantic_error2(n->tok, v->tok, "arity 0 first inferred here",
				"inconsistent arity (%d vs %d)", 0, arity);
		return NULL;
	}
	Var *g = find_global(name, sc->file);
	if (!g) {
		semantic_error(n->tok, "unresolved arity-%d global array %s, missing global declaration?",
			       arity, name);
		return NULL;
	}
	use_global(g);
	note_arity(g, arity, n->tok);
	return g;
}

static void bind(Scope *sc, Node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_VAR:
		n->var = bind_scalar(sc, n);
		note_arity(n->var, 0, n->tok);
		return;
	case ND_DELETE:         /* 'delete a' is any arity */
		if (n->lhs && n->lhs->kind == ND_VAR) {
			n->lhs->var = bind_scalar(sc, n->lhs);
			return;
		}
		break;
	case ND_INDEX:
		if (n->lhs) {           /* @hist_*(x)[i] */
			bind(sc, n->lhs);
			bind_list(sc, &n->args);
			return;
		}
		n->var = bind_array(sc, n, n->name, n->args.len);
		bind_list(sc, &n->args);
		return;
	case ND_IN:
		n->var = bind_array(sc, n->rhs ? n->rhs : n, n->name, n->args.len);
		n->rhs->var = n->var;
		bind_list(sc, &n->args);
		return;
	case ND_CALL: {
		bind_list(sc, &n->args);
		Function *f = find_function(n->name, sc->file, n->args.len);
		if (!f) {
			char *sim = similar_functions(n->name);
			if (sim)
				semantic_error(n->tok, "unresolved function %s (similar: %s)", n->name, sim);
			else
				semantic_error(n->tok, "unresolved function");
			return;
		}
		if (f->params.len != n->args.len) {
			semantic_error2(n->tok, f->tok, NULL,
					"arity mismatch found (function '%s' takes %d args)",
					n->name, f->params.len);
			return;
		}
		chain_overloads(f);
		f = f->overload_head;
		n->func = f;
		for (Function *g = f; g; g = g->next_overload)
			use_function(g);
		return;
	}
	case ND_FOREACH: {
		bind(sc, n->limit);
		if (n->lhs) {           /* over the buckets of @hist_*(s) */
			bind(sc, n->lhs);
			for (int i = 0; i < n->keys.len; i++)
				bind(sc, n->keys.items[i]);
			bind(sc, n->value);
			bind(sc, n->body);
			return;
		}
		n->var = bind_array(sc, n->rhs ? n->rhs : n, n->name, n->keys.len);
		n->rhs->var = n->var;
		for (int i = 0; i < n->keys.len; i++)
			bind(sc, n->keys.items[i]);
		bind(sc, n->value);
		bind_list(sc, &n->args);
		bind(sc, n->body);
		return;
	}
	case ND_NEXT:
		return;
	case ND_TRY:
		bind(sc, n->body);
		bind(sc, n->catch_var);
		bind(sc, n->els);
		return;
	default:
		break;
	}
	bind(sc, n->lhs);
	bind(sc, n->rhs);
	bind(sc, n->cond);
	bind(sc, n->then);
	bind(sc, n->els);
	bind(sc, n->init);
	bind(sc, n->inc);
	bind(sc, n->body);
	bind_list(sc, &n->args);
}

/* Bind the bodies of the functions found used so far (and of those they
 * call in turn), once each. */
static void bind_queued_functions(void)
{
	for (; func_queue_done < func_queue.len; func_queue_done++) {
		Function *f = vec_get(&func_queue, func_queue_done);
		if (!f->body)
			continue;
		Scope sc = { &f->locals, &f->params, f->file, true };
		bind(&sc, f->body);
	}
}

/* The end probe SystemTap adds to print globals written but never read. */
static void add_global_display(void);

/* Collect in OUT the variables N assigns (=, op=, ++, --, <<<, delete). */
static void written_vars(Node *n, Vec *out)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_ASSIGN: case ND_PREINC: case ND_PREDEC: case ND_POSTINC:
	case ND_POSTDEC: case ND_AGG: case ND_DELETE:
		if (n->lhs && (n->lhs->kind == ND_VAR || n->lhs->kind == ND_INDEX) &&
		    n->lhs->var)
			vec_push(out, n->lhs->var);
		break;
	default:
		break;
	}
	written_vars(n->lhs, out);
	written_vars(n->rhs, out);
	written_vars(n->cond, out);
	written_vars(n->then, out);
	written_vars(n->els, out);
	written_vars(n->init, out);
	written_vars(n->inc, out);
	written_vars(n->body, out);
	written_vars(n->catch_var, out);
	for (int i = 0; i < n->args.len; i++)
		written_vars(n->args.items[i], out);
}

/* @probewrite(v) becomes 1 when the handler assigns v anywhere (the
 * user's body overriding an alias's variable), else 0. */
static void fold_probewrite(Node *n, Vec *written)
{
	if (!n)
		return;
	if (n->kind == ND_DEFINED && n->op == 'w') {
		/* only the library's aliases ask it */
		if (n->tok->file && n->tok->file->is_user)
			semantic_error(n->tok, "unexpected @probewrite");
		bool w = false;
		for (int i = 0; i < written->len && !w; i++)
			w = n->lhs->var == vec_get(written, i);
		n->kind = ND_NUM;
		n->val = w;
		n->lhs = NULL;
		return;
	}
	fold_probewrite(n->lhs, written);
	fold_probewrite(n->rhs, written);
	fold_probewrite(n->cond, written);
	fold_probewrite(n->then, written);
	fold_probewrite(n->els, written);
	fold_probewrite(n->init, written);
	fold_probewrite(n->inc, written);
	fold_probewrite(n->body, written);
	fold_probewrite(n->limit, written);
	for (int i = 0; i < n->args.len; i++)
		fold_probewrite(n->args.items[i], written);
}

/* ------------------------------------------------------------------ */

static bool file_used(File *f)
{
	for (int i = 0; i < used_files.len; i++)
		if (vec_get(&used_files, i) == f)
			return true;
	return false;
}

/*
 * Resolve the user's probes, bind their bodies, and go on with the
 * plain probes of every library file that the binding pulled in (a file
 * is used once one of its functions, globals or aliases is): a tapset's
 * 'probe begin' runs only in scripts that use that tapset.
 */
/* Bind the handlers and probe conditions made since *NH, *ND. */
static void bind_new_handlers(int *nh, int *nd)
{
	for (; *nh < sess->handlers.len; (*nh)++) {
		Handler *h = vec_get(&sess->handlers, *nh);
		Scope sc = { &h->locals, NULL, NULL, false };
		sc.file = h->tok->file;
		bind(&sc, h->body);
		Vec written = {0};
		written_vars(h->body, &written);
		fold_probewrite(h->body, &written);
	}
	/* probe conditions are evaluated with globals only */
	for (; *nd < sess->derived.len; (*nd)++) {
		DerivedProbe *d = vec_get(&sess->derived, *nd);
		if (d->cond) {
			Vec dummy = {0};
			Scope sc = { &dummy, NULL, d->tok->file, false };
			bind(&sc, d->cond);
			if (dummy.len)
				semantic_error(((Var *)vec_get(&dummy, 0))->tok,
					       "probe condition must be expressed in terms of global variables");
		}
	}
}

/* As SystemTap: each probe's points are resolved and its body bound
 * before the next probe, then the functions they use; an error does not
 * stop the others from being reported. */
static bool resolve_and_bind(int errors)
{
	bool *done = arena_alloc(sess->probes.len + 1);
	int nh = 0, nd = 0;
	for (;;) {
		bool any = false;
		for (int i = 0; i < sess->probes.len; i++) {
			Probe *p = vec_get(&sess->probes, i);
			if (done[i] || (p->file && !p->file->is_user &&
					!file_used(p->file)))
				continue;
			done[i] = true;
			any = true;
			resolve_probe(p);
			bind_new_handlers(&nh, &nd);
		}
		if (!any)
			return sess->semantic_errors == errors;
		bind_queued_functions();
	}
}

bool elaborate(void)
{
	int errors = sess->semantic_errors;
	if (!resolve_and_bind(errors))
		return false;
	if (sess->semantic_errors > errors)
		return false;

	/* the %{ %} blocks of tapset files whose definitions are used */
	for (int i = 0; i < sess->embeds.len; i++) {
		Token *t = vec_get(&sess->embeds, i);
		bool used = t->file->is_user;
		for (int j = 0; j < used_files.len && !used; j++)
			used = vec_get(&used_files, j) == t->file;
		if (used)
			vec_push(&sess->used_embeds, t);
	}
	warn_unassigned();
	if (!sess->unoptimized)
		optimize(false);
	if (sess->derived.len == 0) {
		semantic_error(NULL, "no probes found");
		return false;
	}
	if (!tvar_resolve())
		return false;
	if (!infer_types())
		return false;
	if (!sess->unoptimized) {
		optimize(true);
		if (sess->derived.len == 0) {
			semantic_error(NULL, "no probes found");
			return false;
		}
	}
	if (!sess->no_global_display)
		add_global_display();
	return sess->semantic_errors == errors;
}

/* ------------------------------------------------------------------ */
/* Globals written but never read, printed at exit (SPEC.md §4j) */

static bool reads_var(Node *n, Var *v, bool as_lvalue);
static bool reads_stmt_expr(Node *n, Var *v);

static bool reads_list(NodeList *l, Var *v)
{
	for (int i = 0; i < l->len; i++)
		if (reads_var(l->items[i], v, false))
			return true;
	return false;
}

/* A statement that is an assignment or an increment only writes its
 * target; where its value is used ("if (n++ < 3)", "x = n++"), it reads
 * it too, as in SystemTap. */
static bool reads_stmt_expr(Node *n, Var *v)
{
	if (!n)
		return false;
	switch (n->kind) {
	case ND_ASSIGN:
		return reads_var(n->lhs, v, true) || reads_var(n->rhs, v, false);
	case ND_PREINC: case ND_PREDEC: case ND_POSTINC: case ND_POSTDEC:
		return reads_var(n->lhs, v, true);
	default:
		return reads_var(n, v, false);
	}
}

/* Does N read V (other than as the target of a plain assignment, an
 * increment, an aggregation or a delete in statement position)? */
static bool reads_var(Node *n, Var *v, bool as_lvalue)
{
	if (!n)
		return false;
	switch (n->kind) {
	case ND_EXPR_STMT:
		return reads_stmt_expr(n->lhs, v);
	case ND_FOR:
		return reads_stmt_expr(n->init, v) || reads_stmt_expr(n->inc, v) ||
		       reads_var(n->cond, v, false) || reads_var(n->body, v, false);
	case ND_VAR:
		return n->var == v && !as_lvalue;
	case ND_INDEX:
		if (n->var == v && !as_lvalue)
			return true;
		return reads_list(&n->args, v) || reads_var(n->lhs, v, false);
	case ND_ASSIGN:
		/* a value used: "x = (n += 1)" reads n, "x = n = 1" not */
		return reads_var(n->lhs, v, n->op == OP_NONE) ||
		       reads_var(n->rhs, v, false);
	case ND_PREINC: case ND_PREDEC: case ND_POSTINC: case ND_POSTDEC:
		return reads_var(n->lhs, v, false);
	case ND_AGG:
		return reads_var(n->lhs, v, true) || reads_var(n->rhs, v, false);
	case ND_DELETE:
		return reads_var(n->lhs, v, true);
	case ND_FOREACH:
		if (n->var == v)
			return true;
		break;
	case ND_IN:
		if (n->var == v)
			return true;
		break;
	default:
		break;
	}
	return reads_var(n->lhs, v, false) || reads_var(n->rhs, v, false) ||
	       reads_var(n->cond, v, false) || reads_var(n->then, v, false) ||
	       reads_var(n->els, v, false) || reads_var(n->init, v, false) ||
	       reads_var(n->inc, v, false) || reads_var(n->body, v, false) ||
	       reads_var(n->limit, v, false) || reads_list(&n->args, v) ||
	       reads_list(&n->keys, v) || reads_var(n->value, v, false);
}

static bool global_is_read(Var *g)
{
	for (int i = 0; i < sess->handlers.len; i++)
		if (reads_var(((Handler *)vec_get(&sess->handlers, i))->body, g, false))
			return true;
	for (int i = 0; i < sess->derived.len; i++)
		if (reads_var(((DerivedProbe *)vec_get(&sess->derived, i))->cond, g, false))
			return true;
	for (int i = 0; i < sess->used_functions.len; i++)
		if (reads_var(((Function *)vec_get(&sess->used_functions, i))->body, g, false))
			return true;
	/* embedded C may read it through STAP_GLOBAL_GET_* pragmas */
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		if (f->code && strstr(f->code, format("pragma:read:%s", g->name)))
			return true;
	}
	return false;
}

/* Build, as a synthetic end probe, what SystemTap prints for each such
 * global: "x=5", "s=\"str\"", "a[k1,k2]=v" (arrays sorted by value
 * descending), "st @count=N @min=N @max=N @sum=N @avg=N". */
static Node *synth(NodeKind kind, Token *tok)
{
	Node *n = arena_alloc(sizeof(*n));
	n->kind = kind;
	n->tok = tok;
	return n;
}

static Node *synth_str(Token *tok, const char *s)
{
	Node *n = synth(ND_STR, tok);
	n->str = arena_strdup(s);
	n->type = TY_STRING;
	return n;
}

static Node *synth_var(Token *tok, Var *v)
{
	Node *n = synth(ND_VAR, tok);
	n->name = v->name;
	n->var = v;
	n->type = v->type;
	return n;
}

static Node *synth_printf(Token *tok, const char *fmt)
{
	Node *p = synth(ND_PRINT, tok);
	p->op = PR_PRINTF;
	p->type = TY_LONG;
	nodelist_push(&p->args, synth_str(tok, fmt));
	return p;
}

static Node *stat_of(Token *tok, Node *operand, StatOp op)
{
	Node *s = synth(ND_STAT, tok);
	s->op = op;
	s->lhs = operand;
	s->type = TY_LONG;
	return s;
}

/* The five statistics of OPERAND as PRINTF_NODE's arguments. */
static void stats_args(Token *tok, Node *operand, Var *g, Node *printf_node)
{
	g->stat_ops |= (1 << STAT_COUNT) | (1 << STAT_MIN) | (1 << STAT_MAX) |
		       (1 << STAT_SUM) | (1 << STAT_AVG);
	StatOp ops[] = { STAT_COUNT, STAT_MIN, STAT_MAX, STAT_SUM, STAT_AVG };
	for (int i = 0; i < 5; i++)
		nodelist_push(&printf_node->args, stat_of(tok, operand, ops[i]));
}

static Node *expr_stmt(Token *tok, Node *e)
{
	Node *es = synth(ND_EXPR_STMT, tok);
	es->lhs = e;
	return es;
}

static Var *display_local(Handler *h, Token *tok, const char *name, Type t)
{
	Var *v = arena_alloc(sizeof(*v));
	v->name = arena_strdup(name);
	v->tok = tok;
	v->type = t;
	v->index = h->locals.len;
	vec_push(&h->locals, v);
	return v;
}

/* The body that prints global G at exit, as SystemTap writes it:
 *   printf("x=%d\n", x)            printf("s=\"%#s\"\n", s)
 *   if (@count(st) == 0) printf("st @count=0x0\n")
 *   else printf("st @count=%#d @min=%#d @max=%#d @sum=%#d @avg=%#d\n", ...)
 *   foreach (__val = [__idx0, __idx1] in a-) printf("a[%#d,\"%#s\"]=%d\n", ...)
 *   foreach ([__idx0] in sts-) printf("sts[%#d] @count=%#d ...\n", ...) */
static Node *global_display(Handler *h, Var *g)
{
	Token *tok = g->tok;
	Node *body = synth(ND_BLOCK, tok);
	body->op = 'b';         /* shown as a block at -p2 -v */
	if (g->arity == 0) {
		if (g->type == TY_STATS) {
			Node *p = synth_printf(tok, format("%s @count=%%#d @min=%%#d @max=%%#d @sum=%%#d @avg=%%#d\n", g->name));
			stats_args(tok, synth_var(tok, g), g, p);
			Node *cond = synth(ND_CMP, tok);
			cond->op = OP_EQ;
			cond->type = TY_LONG;
			cond->lhs = stat_of(tok, synth_var(tok, g), STAT_COUNT);
			cond->rhs = synth(ND_NUM, tok);
			cond->rhs->type = TY_LONG;
			Node *ifn = synth(ND_IF, tok);
			ifn->cond = cond;
			ifn->then = expr_stmt(tok, synth_printf(tok, format("%s @count=0x0\n", g->name)));
			ifn->els = expr_stmt(tok, p);
			nodelist_push(&body->args, ifn);
			return body;
		}
		Node *p = synth_printf(tok, g->type == TY_STRING ?
				       format("%s=\"%%#s\"\n", g->name) :
				       format("%s=%%d\n", g->name));
		nodelist_push(&p->args, synth_var(tok, g));
		nodelist_push(&body->args, expr_stmt(tok, p));
		return body;
	}
	Node *fe = synth(ND_FOREACH, tok);
	fe->name = g->name;
	fe->var = g;
	fe->rhs = synth_var(tok, g);
	fe->sort_column = -1;   /* by value (@count) descending */
	fe->sort_dir = -1;
	fe->sort_stat = STAT_COUNT;
	if (g->type == TY_STATS)
		g->stat_ops |= 1 << STAT_COUNT;
	StrBuf fmt = {0};
	sb_printf(&fmt, "%s[", g->name);
	Node *idx = synth(ND_INDEX, tok);
	idx->name = g->name;
	idx->var = g;
	idx->type = g->type;
	Vec keys = {0};
	for (int k = 0; k < g->arity; k++) {
		Var *kv = display_local(h, tok, format("__idx%d", k), g->index_types[k]);
		vec_push(&keys, kv);
		nodelist_push(&fe->keys, synth_var(tok, kv));
		nodelist_push(&idx->args, synth_var(tok, kv));
		sb_puts(&fmt, k ? "," : "");
		sb_puts(&fmt, kv->type == TY_STRING ? "\"%#s\"" : "%#d");
	}
	sb_puts(&fmt, "]");
	Node *p;
	if (g->type == TY_STATS) {
		sb_puts(&fmt, " @count=%#d @min=%#d @max=%#d @sum=%#d @avg=%#d\n");
		p = synth_printf(tok, fmt.buf);
		for (int k = 0; k < keys.len; k++)
			nodelist_push(&p->args, synth_var(tok, vec_get(&keys, k)));
		stats_args(tok, idx, g, p);
	} else {
		Var *val = display_local(h, tok, "__val", g->type);
		fe->value = synth_var(tok, val);
		sb_puts(&fmt, g->type == TY_STRING ? "=\"%#s\"\n" : "=%d\n");
		p = synth_printf(tok, fmt.buf);
		for (int k = 0; k < keys.len; k++)
			nodelist_push(&p->args, synth_var(tok, vec_get(&keys, k)));
		nodelist_push(&p->args, synth_var(tok, val));
	}
	fe->body = expr_stmt(tok, p);
	sb_release(&fmt);
	nodelist_push(&body->args, fe);
	return body;
}

/* One end probe for each global of the user's that is written and never
 * read, after the user's end probes. */
static void add_global_display(void)
{
	for (int i = 0; i < sess->used_globals.len; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (!g->file || !g->file->is_user || global_is_read(g))
			continue;
		Handler *h = arena_alloc(sizeof(*h));
		h->tok = g->tok;
		h->index = sess->handlers.len;
		h->body = global_display(h, g);
		vec_push(&sess->handlers, h);
		DerivedProbe *d = arena_alloc(sizeof(*d));
		d->kind = DP_END;
		d->pp = "end";
		d->user_pp = "end";
		d->tok = h->tok;
		d->handler = h;
		d->seq = INT64_MAX;
		d->maxactive = -1;
		d->index = sess->derived.len;
		vec_push(&sess->derived, d);
	}
}

/* ------------------------------------------------------------------ */
/* -p2 output */

static void dump_var(FILE *out, Var *v)
{
	fprintf(out, "%s:%s", v->name, type_name(v->type));
	if (v->arity > 0) {
		fputs(" [", out);
		for (int i = 0; i < v->arity; i++)
			fprintf(out, "%s%s", i ? ", " : "", type_name(v->index_types[i]));
		fputs("]", out);
	}
	fputc('\n', out);
}

/* The comment after a probe: every point of the user's probe. */
static const char *user_points(DerivedProbe *d)
{
	/* DWARF points show the point each probe was resolved from */
	if (d->dw_pc || !strncmp(d->pp, "kernel.", 7) || !strncmp(d->pp, "module(", 7))
		return d->user_pp;
	for (int i = 0; i < sess->probes.len; i++) {
		Probe *p = vec_get(&sess->probes, i);
		if (p->tok != d->handler->tok)
			continue;
		/* a point the resolver rewrote (kernel.function("f@file:line"))
		 * shows as resolved */
		bool written = false;
		for (int j = 0; j < p->points.len && !written; j++)
			written = !strcmp(probe_point_str(vec_get(&p->points, j)),
					  d->user_pp);
		if (!written)
			break;
		StrBuf sb = {0};
		for (int j = 0; j < p->points.len; j++)
			sb_printf(&sb, "%s%s", j ? "," : "",
				  probe_point_str(vec_get(&p->points, j)));
		char *r = arena_strdup(sb.buf ? sb.buf : "");
		sb_release(&sb);
		return r;
	}
	return d->user_pp;
}

void dump_elaborated(FILE *out)
{
	if (sess->used_globals.len) {
		fputs("# globals\n", out);
		for (int i = 0; i < sess->used_globals.len; i++)
			dump_var(out, vec_get(&sess->used_globals, i));
	}
	if (sess->used_functions.len) {
		fputs("# functions\n", out);
		Vec fns = functions_by_name();
		for (int i = 0; i < fns.len; i++) {
			Function *f = vec_get(&fns, i);
			fprintf(out, "%s:%s (", f->name, type_name(f->type));
			for (int j = 0; j < f->params.len; j++) {
				Var *p = vec_get(&f->params, j);
				fprintf(out, "%s%s:%s", j ? ", " : "", p->name,
					type_name(p->type));
			}
			fputs(")\n", out);
			if (f->locals.len) {
				fputs("  # locals\n", out);
				for (int j = 0; j < f->locals.len; j++) {
					fputs("  ", out);
					dump_var(out, vec_get(&f->locals, j));
				}
			}
			if (verbose_for(2) && f->body)
				unparse_body(out, f->body);
			else if (verbose_for(2) && f->code)
				fprintf(out, "{ %%{%s%%} }\n", f->code);
		}
	}
	fputs("# probes\n", out);
	for (int i = 0; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		if (d->dw_pc && d->symbol && !d->symbol[0])
			fprintf(out, "%s /* pc=+0x%llx */ /* <- %s */\n", d->pp,
				(unsigned long long)d->dw_pc, d->user_pp);
		else if (d->dw_pc && !d->module && d->dw_text)
			fprintf(out, "%s /* pc=_stext+0x%llx */ /* <- %s */\n", d->pp,
				(unsigned long long)(d->dw_pc - d->dw_text), user_points(d));
		else
			fprintf(out, "%s /* <- %s */\n", d->pp, user_points(d));
		Handler *h = d->handler;
		if (h->locals.len) {
			fputs("  # locals\n", out);
			for (int j = 0; j < h->locals.len; j++) {
				fputs("  ", out);
				dump_var(out, vec_get(&h->locals, j));
			}
		}
		if (verbose_for(2))
			unparse_body(out, h->body);
	}
}

/* ------------------------------------------------------------------ */
/* stap -l / -L: list the probe points a pattern matches */

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_pp_die(const void *a, const void *b)
{
	const DerivedProbe *x = *(DerivedProbe *const *)a, *y = *(DerivedProbe *const *)b;
	int c = strcmp(x->pp, y->pp);
	if (c)
		return c;
	if (x->dw_inline != y->dw_inline)
		return x->dw_inline ? 1 : -1;
	return x->dw_die < y->dw_die ? -1 : x->dw_die > y->dw_die;
}

/* "name:type name:type" for the locals an alias body sets (not the
 * underscore-prefixed helpers), as -L shows them. */
static char *alias_vars(Handler *h)
{
	StrBuf sb = {0};
	for (int i = 0; i < h->locals.len; i++) {
		Var *v = vec_get(&h->locals, i);
		if (v->name[0] == '_')
			continue;
		sb_printf(&sb, " %s:%s", v->name, type_name(v->type));
	}
	char *s = arena_strdup(sb.buf ? sb.buf : "");
	sb_release(&sb);
	return s;
}

/* -l: does alias NAME match the pattern PAT from component I, J on?
 * A component "**" matches any number of components (SystemTap's). */
static bool list_name_matches(ProbePoint *name, int j, ProbePoint *pat, int i)
{
	if (i == pat->ncomps)
		return j == name->ncomps;
	Component *b = &pat->comps[i];
	if (!strcmp(b->name, "**") && !b->arg) {
		for (int k = j; k <= name->ncomps; k++)
			if (list_name_matches(name, k, pat, i + 1))
				return true;
		return false;
	}
	if (j == name->ncomps)
		return false;
	Component *a = &name->comps[j];
	if (fnmatch(b->name, a->name, 0) != 0 || !!a->arg != !!b->arg)
		return false;
	if (a->arg && (a->arg->kind != b->arg->kind ||
		       (a->arg->kind == ND_NUM ? a->arg->val != b->arg->val :
			strcmp(a->arg->str, b->arg->str))))
		return false;
	return list_name_matches(name, j + 1, pat, i + 1);
}

int list_probes(bool with_vars)
{
	Probe *p = vec_get(&sess->probes, 0);
	for (int i = 0; i < sess->probes.len; i++) {
		Probe *q = vec_get(&sess->probes, i);
		if (q->file && q->file->is_user)
			p = q;      /* the pattern, not a tapset's own probe */
	}
	ProbePoint *pat = vec_get(&p->points, 0);
	Vec lines = {0};

	/* aliases are listed by name, not by what they expand to */
	for (int i = 0; i < sess->aliases.len; i++) {
		Probe *a = vec_get(&sess->aliases, i);
		for (int j = 0; j < a->alias_names.len; j++) {
			ProbePoint *name = vec_get(&a->alias_names, j);
			if (!list_name_matches(name, 0, pat, 0) ||
			    name->comps[0].name[0] == '_')
				continue;
			char *line = probe_point_str(name);
			if (with_vars) {
				/* elaborate the alias alone to type its locals */
				Probe user = *p;
				user.body = new_block(p->tok);
				Ctx ctx = { .user = &user, .user_pp = name, .body = user.body };
				int nd = sess->derived.len, nh = sess->handlers.len;
				int errs = sess->semantic_errors;
				if (expand_alias(&ctx, name, a, name) > 0 &&
				    sess->handlers.len > nh) {
					Handler *h = vec_get(&sess->handlers, sess->handlers.len - 1);
					Scope sc = { &h->locals, NULL, h->tok->file, false };
					bind(&sc, h->body);
					bind_queued_functions();
					Vec saved = sess->handlers;
					sess->handlers = (Vec){0};
					vec_push(&sess->handlers, h);
					infer_types();
					sess->handlers = saved;
					line = format("%s%s", line, alias_vars(h));
				}
				sess->derived.len = nd;
				sess->handlers.len = nh;
				sess->semantic_errors = errs;
			}
			vec_push(&lines, line);
		}
	}
	/* builtin probe points */
	int errs = sess->semantic_errors;
	Ctx ctx = { .user = p, .user_pp = pat, .body = p->body };
	int nd = sess->derived.len;
	bool builtin = false;
	for (int i = 0; builtin_families[i]; i++)
		builtin = builtin || !strcmp(builtin_families[i], pat->comps[0].name) ||
			  fnmatch(pat->comps[0].name, builtin_families[i], 0) == 0;
	if (builtin) {
		int r;
		if (!(match_simple(&ctx, pat, "begin", DP_BEGIN, &r) ||
		      match_simple(&ctx, pat, "end", DP_END, &r) ||
		      match_simple(&ctx, pat, "error", DP_ERROR, &r) ||
		      match_simple(&ctx, pat, "never", DP_NEVER, &r))) {
			if (!strcmp(pat->comps[0].name, "timer"))
				match_timer(&ctx, pat);
			else if (!strcmp(pat->comps[0].name, "perf"))
				match_perf(&ctx, pat);
			else if (!strcmp(pat->comps[0].name, "kernel") ||
				 !strcmp(pat->comps[0].name, "kprobe") ||
				 !strcmp(pat->comps[0].name, "module"))
				match_function(&ctx, pat);
		}
	}
	/* -L: of the instances that share a probe point (inlined copies),
	 * the first in the DWARF shows its variables, as in SystemTap */
	if (with_vars && sess->derived.len > nd) {
		int n = sess->derived.len - nd;
		DerivedProbe **v = (DerivedProbe **)sess->derived.data + nd;
		qsort(v, n, sizeof(*v), cmp_pp_die);
		int j = 0;
		for (int i = 0; i < n; i++)
			if (j == 0 || strcmp(v[j - 1]->pp, v[i]->pp))
				v[j++] = v[i];
		sess->derived.len = nd + j;
	}
	for (int i = nd; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		DwIndex *idx;
		if (with_vars && d->kind == DP_TRACE) {
			StrBuf sb = {0};
			sb_puts(&sb, d->pp);
			CType *proto = d->tp->proto;
			for (int k = 1; k < proto->nparams; k++) {
				char *t = ct_listing_name(proto->params[k].type);
				sb_printf(&sb, " $%s:%s", proto->params[k].name, t);
			}
			vec_push(&lines, arena_strdup(sb.buf));
			sb_release(&sb);
			continue;
		}
		if (with_vars && d->dw_die && (idx = dw_index(d->module))) {
			StrBuf sb = {0};
			sb_puts(&sb, d->pp);
			dw_list_vars(idx, d->dw_die, d->dw_pc, d->kind == DP_KRETPROBE, &sb);
			vec_push(&lines, arena_strdup(sb.buf));
			sb_release(&sb);
			continue;
		}
		vec_push(&lines, d->pp);
	}
	sess->semantic_errors = errs;

	if (lines.len)
		qsort(lines.data, lines.len, sizeof(void *), cmp_strp);
	int n = 0;
	for (int i = 0; i < lines.len; i++) {
		if (i && !strcmp(vec_get(&lines, i), vec_get(&lines, i - 1)))
			continue;
		printf("%s\n", (char *)vec_get(&lines, i));
		n++;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* --dump-functions, --dump-probe-aliases, --dump-probe-types */

static void print_sorted(Vec *lines)
{
	if (lines->len)
		qsort(lines->data, lines->len, sizeof(void *), cmp_strp);
	for (int i = 0; i < lines->len; i++)
		if (i == 0 || strcmp(vec_get(lines, i), vec_get(lines, i - 1)))
			printf("%s\n", (char *)vec_get(lines, i));
}

/* Every public tapset function with its inferred signature:
 * "name:type (arg:type, ...)" and its privilege pragma. */
int dump_functions(void)
{
	for (int i = 0; i < sess->functions.len; i++) {
		Function *f = vec_get(&sess->functions, i);
		if (!f->is_private && f->name[0] != '_')
			use_function(f);
	}
	bind_queued_functions();
	bool quiet = sess->suppress_warnings;
	sess->suppress_warnings = true;
	infer_types();
	sess->suppress_warnings = quiet;
	Vec lines = {0};
	for (int i = 0; i < sess->functions.len; i++) {
		Function *f = vec_get(&sess->functions, i);
		if (f->is_private || f->name[0] == '_')
			continue;
		StrBuf sb = {0};
		sb_printf(&sb, "%s:%s (", f->name, type_name(f->type));
		for (int j = 0; j < f->params.len; j++) {
			Var *p = vec_get(&f->params, j);
			sb_printf(&sb, "%s%s:%s", j ? ", " : "", p->name, type_name(p->type));
		}
		sb_puts(&sb, ")");
		if (f->unprivileged)
			sb_puts(&sb, " /* unprivileged */");
		else if (f->myproc_unprivileged)
			sb_puts(&sb, " /* myproc-unprivileged */");
		else if (f->guru)
			sb_puts(&sb, " /* guru */");
		vec_push(&lines, arena_strdup(sb.buf));
		sb_release(&sb);
	}
	print_sorted(&lines);
	return 0;
}

/* "alias = target, target?" for every public alias name. */
int dump_probe_aliases(void)
{
	Vec lines = {0};
	for (int i = 0; i < sess->aliases.len; i++) {
		Probe *a = vec_get(&sess->aliases, i);
		if (a->is_private)
			continue;
		for (int j = 0; j < a->alias_names.len; j++) {
			ProbePoint *name = vec_get(&a->alias_names, j);
			if (name->comps[0].name[0] == '_')
				continue;
			StrBuf sb = {0};
			sb_printf(&sb, "%s = ", probe_point_str(name));
			for (int k = 0; k < a->points.len; k++)
				sb_printf(&sb, "%s%s", k ? ", " : "",
					  probe_point_str(vec_get(&a->points, k)));
			vec_push(&lines, arena_strdup(sb.buf));
			sb_release(&sb);
		}
	}
	print_sorted(&lines);
	return 0;
}

/* The builtin probe point shapes this translator resolves. */
int dump_probe_types(void)
{
	static const char *const fixed[] = {
		"begin", "begin(number)", "end", "end(number)", "error",
		"error(number)", "never",
		"kprobe.function(string)", "kprobe.function(string).call",
		"kprobe.function(string).return",
		"kprobe.function(string).return.maxactive(number)",
		"kernel.statement(number)", "kernel.statement(number).absolute",
		"kernel.statement(string)", "module(string).statement(string)",
		"timer.hz(number)", "timer.jiffies(number)",
		"timer.jiffies(number).randomize(number)", NULL,
	};
	static const char *const fn_suffixes[] = {
		"", ".call", ".exported", ".inline", ".return",
		".return.maxactive(number)", NULL,
	};
	static const char *const units[] = {
		"ms", "msec", "ns", "nsec", "s", "sec", "us", "usec", NULL,
	};
	Vec lines = {0};
	for (int i = 0; fixed[i]; i++)
		vec_push(&lines, (char *)fixed[i]);
	for (int i = 0; fn_suffixes[i]; i++) {
		vec_push(&lines, format("kernel.function(string)%s", fn_suffixes[i]));
		vec_push(&lines, format("module(string).function(string)%s", fn_suffixes[i]));
	}
	for (int i = 0; units[i]; i++) {
		vec_push(&lines, format("timer.%s(number)", units[i]));
		vec_push(&lines, format("timer.%s(number).randomize(number)", units[i]));
	}
	print_sorted(&lines);
	return 0;
}
