/*
 * resolve.c - pass 2: probe points to derived probes.
 *
 * Every point the user wrote is matched against the probe kinds
 * (probe_kinds[], one file each: probe_be.c, probe_procfs.c,
 * probe_netfilter.c, probe_perf.c, probe_hwbkpt.c, probe_trace.c, probe_kprobe.c,
 * probe_timer.c), then the probe aliases;
 * aliases expand recursively (their prologue goes before the user's body,
 * an epilogue after), wildcards expand, '?' and '!' are honoured.  Each
 * derived probe gets a handler: one per distinct body, so that the points
 * of 'probe a, b { }' share theirs, unless the body depends on the point
 * ($variables, tvar.c).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

/*
 * The probe kinds, in resolution order, which is also the order the
 * runtime arms them in (timers last: a -T timeout does not run while
 * kprobes register) and the reverse of the order it disarms them in.
 * kernel.trace goes before the kprobes' kernel.*, which would load the
 * DWARF function index first.
 */
const ProbeKind *const probe_kinds[] = {
	&pk_be, &pk_procfs, &pk_netfilter, &pk_perf, &pk_hwbkpt, &pk_trace, &pk_kprobe,
	&pk_uprobe, &pk_utask, &pk_timer, NULL,
};

/* The bodies made by expanding an alias around an inner body, so that the
 * points of one probe expanding the same alias share the result. */
typedef struct AliasBody {
	Probe *alias;
	Node *inner;
	Node *body;
} AliasBody;
static Vec alias_bodies;        /* AliasBody* */

void resolve_reset(void)
{
	alias_bodies = (Vec){0};
}

Node *new_block(Token *tok)
{
	Node *n = arena_alloc(sizeof(*n));
	n->kind = ND_BLOCK;
	n->tok = tok;
	return n;
}

bool comp_is(Component *c, const char *name)
{
	return !strcmp(c->name, name);
}

bool comp_num(Component *c)
{
	return c->arg && c->arg->kind == ND_NUM;
}

bool comp_str(Component *c)
{
	return c->arg && c->arg->kind == ND_STR;
}

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

/* The handler of the resolution's body: the one made for that body
 * before, or a new one (a copy, bound later).  A body whose expressions
 * depend on the probe point ($x, @entry, $$vars) gets one per probe. */
static Handler *handler_for(Resolution *r, const ProbeKind *kind, ProbePoint *pp)
{
	/* .plt probes: $$name is the probe's, read at run time, so a body
	 * whose only target is $$name (ltrace.stp) is one handler for
	 * hundreds of entries, not one each */
	bool plt = false;
	for (int i = 0; kind == &pk_uprobe && i < pp->ncomps; i++)
		plt |= comp_is(&pp->comps[i], "plt");
	bool by_kind = plt && tvar_body_needs_own_handler(r->body, false);
	if (!tvar_body_needs_own_handler(r->body, plt)) {
		for (int i = 0; i < sess->handlers.len; i++) {
			Handler *h = vec_get(&sess->handlers, i);
			if (h->source == r->body && (!by_kind || h->plt))
				return h;
		}
	}
	Handler *h = arena_alloc(sizeof(*h));
	h->plt = by_kind;
	h->source = r->body;
	h->body = clone_node(r->body);
	h->tok = r->user->tok;
	h->index = sess->handlers.len;
	vec_push(&sess->handlers, h);
	return h;
}

DerivedProbe *derived_new(Resolution *r, const ProbeKind *kind,
			  ProbePoint *pp, char *pp_str)
{
	DerivedProbe *d = arena_alloc(sizeof(*d));
	d->kind = kind;
	d->pp = pp_str;
	d->user_pp = probe_point_str(r->user_pp);
	d->alias_chain = r->chain;
	d->point = probe_point_str(pp);
	d->tok = pp->tok;
	if (sess->timing) {
		d->from = r->from ? r->from :
			  format(" from: %s", probe_point_name(vec_get(&r->user->points, 0)));
		d->location = tok_location(r->alias_tok ? r->alias_tok : r->user->tok);
	}
	d->handler = handler_for(r, kind, pp);
	d->cond = r->user_pp->cond;
	d->optional = pp->optional || r->user_pp->optional;
	d->index = sess->derived.len;
	vec_push(&sess->derived, d);
	return d;
}

/* ------------------------------------------------------------------ */
/* Aliases */

static int resolve_point(Resolution *r, ProbePoint *pp);

/* "name = target, target?" or "name += target", as -p2 shows the
 * aliases a probe came through */
static char *alias_definition(Probe *a, ProbePoint *name)
{
	StrBuf sb = {0};
	sb_printf(&sb, "%s %s ", probe_point_str(name), a->is_epilogue ? "+=" : "=");
	for (int i = 0; i < a->points.len; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "",
			  probe_point_str(vec_get(&a->points, i)));
	char *s = arena_strdup(sb.buf);
	sb_release(&sb);
	return s;
}

/* INNER wrapped in alias A's prologue and epilogue (or after its body,
 * for a '+=' alias), made once per (A, INNER). */
static Node *alias_body(Probe *a, Node *inner)
{
	for (int i = 0; i < alias_bodies.len; i++) {
		AliasBody *ab = vec_get(&alias_bodies, i);
		if (ab->alias == a && ab->inner == inner)
			return ab->body;
	}
	Node *b = new_block(a->tok);
	if (a->is_epilogue) {
		nodelist_push(&b->args, inner);
		nodelist_push(&b->args, a->body);
	} else {
		nodelist_push(&b->args, a->body);
		nodelist_push(&b->args, inner);
		if (a->epilogue)
			nodelist_push(&b->args, a->epilogue);
	}
	AliasBody *ab = arena_alloc(sizeof(*ab));
	*ab = (AliasBody){ a, inner, b };
	vec_push(&alias_bodies, ab);
	return b;
}

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

/*
 * An alias level of the derivation -t reports, as SystemTap words it:
 * the alias's NAME with the components of the point PP beyond it (a
 * wildcard in PP shows as the name it matched).
 */
static char *alias_level(ProbePoint *name, ProbePoint *pp)
{
	ProbePoint full = *name;
	if (pp->ncomps > name->ncomps) {
		full.ncomps = pp->ncomps;
		full.comps = arena_alloc(sizeof(Component) * full.ncomps);
		memcpy(full.comps, name->comps, sizeof(Component) * name->ncomps);
		memcpy(full.comps + name->ncomps, pp->comps + name->ncomps,
		       sizeof(Component) * (pp->ncomps - name->ncomps));
	}
	return probe_point_name(&full);
}

/* Expand PP through the alias A (named NAME); SUFFIX components of the
 * user's point beyond the alias name are appended to each target. */
int expand_alias(Resolution *ctx, ProbePoint *pp, Probe *a, ProbePoint *name)
{
	if (ctx->depth > 20) {
		semantic_error(pp->tok, "recursive loops in aliases");
		return -1;
	}
	use_file(a->file);
	Resolution sub = *ctx;
	sub.depth++;
	sub.body = alias_body(a, ctx->body);
	char *def = alias_definition(a, name);
	sub.chain = ctx->chain ? format("%s <- %s", def, ctx->chain) : def;
	if (sess->timing) {
		sub.from = format(" from: %s%s", alias_level(name, pp),
				  ctx->from ? ctx->from :
				  format(" from: %s", probe_point_name(vec_get(&ctx->user->points, 0))));
		sub.alias_tok = pp->tok;
	}
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
		int nd = sess->derived.len;
		int r = resolve_point(&sub, full);
		/* an optional target ('?', '!') that is an alias matching
		 * nothing: the next one; when listing (-l, -L), every target
		 * is optional, as in SystemTap (nfs.aop.entries lists though
		 * nfs.aop.readpage does not resolve) */
		if ((r == PK_NO_MATCH && t->optional) ||
		    (r <= 0 && sess->list_pattern))
			continue;
		if (r < 0)
			return r;
		if (r > 0) {
			matched++;
			/* '!': enough when it made probes ('?' may make none) */
			if (t->sufficient && sess->derived.len > nd)
				break;
		}
	}
	return matched ? 1 : 0;
}

/* An alias whose name is the whole point wins over one that takes the
 * rest of the point as a suffix (syscall.read.return is not
 * syscall.read with .return appended). */
static int match_aliases(Resolution *ctx, ProbePoint *pp)
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

/* SystemTap's probe families, in the order it suggests them for a
 * mismatch (some are not probe kinds here yet). */
static const char *builtin_families[] = {
	"begin", "end", "error", "never", "timer", "kernel", "kprobe",
	"module", "process", "procfs", "perf", NULL,
};

/* Does PATTERN (a -l first component) name one of them? */
bool is_builtin_family(const char *pattern)
{
	for (int i = 0; builtin_families[i]; i++)
		if (!strcmp(builtin_families[i], pattern) ||
		    fnmatch(pattern, builtin_families[i], 0) == 0)
			return true;
	return false;
}

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
	for (int d = 0; d <= 3 && n < 5; d++) {     /* 0: begin("x") */
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

/* PP through the probe kinds of its first component; PK_* */
int resolve_builtin(Resolution *r, ProbePoint *pp)
{
	const char *first = pp->comps[0].name;
	for (int i = 0; probe_kinds[i]; i++) {
		const ProbeKind *k = probe_kinds[i];
		for (int j = 0; k->families[j]; j++) {
			if (strcmp(k->families[j], first))
				continue;
			int res = k->match(r, pp);
			if (res != PK_NOT_MINE)
				return res;
			break;
		}
	}
	return PK_NOT_MINE;
}

/* PK_MATCHED if PP produced probes, PK_NOT_MINE if nothing matched,
 * PK_NO_MATCH or PK_ERROR. */
static int resolve_point(Resolution *r, ProbePoint *pp)
{
	int res = resolve_builtin(r, pp);
	if (res != PK_NOT_MINE)
		return res;     /* else an alias, such as timer.profile */
	return match_aliases(r, pp);
}

char *resolve_nomatch_hint;

bool resolve_probe(Probe *p)
{
	bool ok = true;
	for (int i = 0; i < p->points.len; i++) {
		ProbePoint *pp = vec_get(&p->points, i);
		Resolution ctx = { .user = p, .user_pp = pp, .body = p->body };
		int before = sess->semantic_errors, nd = sess->derived.len;
		resolve_nomatch_hint = NULL;
		int r = resolve_point(&ctx, pp);
		if (r > 0) {
			/* '!': enough when it made probes ('?' may make none) */
			if (pp->sufficient && sess->derived.len > nd)
				break;
			continue;
		}
		if (r == PK_NOT_MINE || r == PK_NO_MATCH) {
			if (pp->optional)
				continue;
			if (sess->semantic_errors == before && r == PK_NO_MATCH) {
				/* SystemTap's two blocks */
				if (resolve_nomatch_hint)
					resolve_error(pp->tok, NULL, "no match (%s)",
						      resolve_nomatch_hint);
				else
					resolve_error(pp->tok, NULL, "no match");
			} else if (sess->semantic_errors == before) {
				char *sim = similar_points(pp);
				semantic_error2(pp->tok, pp->tok,
						r == PK_NO_MATCH ? "no match" :
						sim ? format("probe point mismatch (similar: %s)", sim) :
						"probe point mismatch",
						"while resolving probe point");
			}
		}
		ok = false;
	}
	return ok;
}

