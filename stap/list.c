/*
 * list.c - what pass 2 shows: the -p2 listing of the elaborated script,
 * -l/-L probe listings, --dump-functions, --dump-probe-aliases and
 * --dump-probe-types (made from the probe kinds' tables).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

/* ------------------------------------------------------------------ */
/* -p2 output */

static void dump_var(FILE *out, Var *v)
{
	fputs(v->name, out);
	if (v->wrap)
		fputc('%', out);
	if (v->maxsize > 0)
		fprintf(out, "[%d]", v->maxsize);
	fprintf(out, ":%s", type_name(v->type));
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

char *p2_own_point(DerivedProbe *d)
{
	return d->point;
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
		char *where = d->kind->p2_comment ? d->kind->p2_comment(d) : NULL;
		char *origin = d->kind->p2_origin ? d->kind->p2_origin(d) : NULL;
		if (origin)
			fprintf(out, "%s%s /* <- %s */\n", d->pp,
				where ? where : "", origin);
		else if (d->alias_chain)
			fprintf(out, "%s%s /* <- %s <- %s */\n", d->pp,
				where ? where : "", d->alias_chain, user_points(d));
		else
			fprintf(out, "%s%s /* <- %s */\n", d->pp,
				where ? where : "", user_points(d));
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
	if (c || x->kind != &pk_kprobe || y->kind != &pk_kprobe)
		return c ? c : x->index - y->index;
	if (x->kp.dw_inline != y->kp.dw_inline)
		return x->kp.dw_inline ? 1 : -1;
	return x->kp.dw_die < y->kp.dw_die ? -1 : x->kp.dw_die > y->kp.dw_die;
}

/* "name:type name:type" for the locals an alias body sets (not the
 * helpers named "__..."; a single underscore shows, as socket's _sock
 * does in SystemTap), as -L shows them. */
static char *alias_vars(Handler *h)
{
	StrBuf sb = {0};
	for (int i = 0; i < h->locals.len; i++) {
		Var *v = vec_get(&h->locals, i);
		if (v->name[0] == '_' && v->name[1] == '_')
			continue;
		sb_printf(&sb, " %s:%s", v->name, type_name(v->type));
	}
	char *s = arena_strdup(sb.buf ? sb.buf : "");
	sb_release(&sb);
	return s;
}

/* " $name:type ..." of the point D resolved to, as its kind lists it
 * (a marker lists as .mark("NAME"), its pp being its .statement) */
static char *point_vars(DerivedProbe *d)
{
	if (!d->kind->list_line)
		return "";
	char *line = d->kind->list_line(d, true);
	size_t n = strlen(d->pp);
	if (!strncmp(line, d->pp, n))
		return line + n;
	char *vars = strstr(line, "\") $");
	return vars ? vars + 2 : "";
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

/* The end of the variable " name:type" at V in a list of them: where
 * the next word with a ':' begins (a type may have spaces) */
static const char *var_end(const char *v)
{
	const char *w = v + 1 + strcspn(v + 1, " ");
	while (*w) {
		size_t n = strcspn(w + 1, " ");
		if (memchr(w + 1, ':', n))
			break;
		w += 1 + n;
	}
	return w;
}

static bool has_var(const char *list, const char *v, size_t n)
{
	for (const char *q = list; *q; q = var_end(q))
		if ((size_t)(var_end(q) - q) == n && !memcmp(q, v, n))
			return true;
	return false;
}

/* The variables of the list A that the list B has too, in A's order */
static char *common_vars(const char *a, const char *b)
{
	StrBuf sb = {0};
	for (const char *v = a; *v; v = var_end(v)) {
		size_t n = var_end(v) - v;
		if (has_var(b, v, n))
			sb_printf(&sb, "%.*s", (int)n, v);
	}
	char *s = arena_strdup(sb.buf ? sb.buf : "");
	sb_release(&sb);
	return s;
}

/* The -l/-L line of alias NAME of A, or NULL when it resolves to no
 * probe point on this kernel (SystemTap lists only what resolves).  -L
 * shows the variables all of its probe points have, as SystemTap does
 * for an alias over several points (nfs.fop.entries). */
static char *list_alias(Probe *p, Probe *a, ProbePoint *name, bool with_vars)
{
	char *line = NULL;
	Probe user = *p;
	user.body = new_block(p->tok);
	Resolution r = { .user = &user, .user_pp = name, .body = user.body };
	int nd = sess->derived.len, nh = sess->handlers.len;
	int errs = sess->semantic_errors;
	bool quiet = sess->quiet;
	sess->quiet = true;
	if (expand_alias(&r, name, a, name) > 0 && sess->derived.len > nd) {
		line = probe_point_str(name);
		if (with_vars && sess->handlers.len > nh) {
			/* the $variables and types of its handlers, as for
			 * probes, elaborated alone */
			Vec saved = sess->handlers, saved_d = sess->derived;
			sess->handlers = (Vec){0};
			sess->derived = (Vec){0};
			for (int k = nh; k < saved.len; k++) {
				Handler *h = vec_get(&saved, k);
				bind_handler(h);
				vec_push(&sess->handlers, h);
			}
			bind_queued_functions();
			for (int k = nd; k < saved_d.len; k++)
				vec_push(&sess->derived, vec_get(&saved_d, k));
			tvar_resolve();
			infer_types();
			sess->handlers = saved;
			sess->derived = saved_d;
			char *vars = NULL;
			for (int k = nd; k < saved_d.len; k++) {
				DerivedProbe *d = vec_get(&saved_d, k);
				char *v = format("%s%s", alias_vars(d->handler),
						 point_vars(d));
				vars = vars ? common_vars(vars, v) : v;
			}
			line = format("%s%s", line, vars);
		}
	}
	sess->quiet = quiet;
	sess->derived.len = nd;
	sess->handlers.len = nh;
	sess->semantic_errors = errs;
	return line;
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
			char *line = list_alias(p, a, name, with_vars);
			if (line)
				vec_push(&lines, line);
		}
	}
	/* builtin probe points */
	int errs = sess->semantic_errors;
	Resolution r = { .user = p, .user_pp = pat, .body = p->body };
	int nd = sess->derived.len;
	if (is_builtin_family(pat->comps[0].name))
		resolve_builtin(&r, pat);
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
		vec_push(&lines, d->kind->list_line ?
			 d->kind->list_line(d, with_vars) : d->pp);
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
	/* types as a script using them would get: @cast resolved, no
	 * messages */
	bool quiet = sess->quiet;
	sess->quiet = true;
	tvar_resolve();
	infer_types();
	sess->quiet = quiet;
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

/* The builtin probe point shapes this translator resolves: those of
 * every probe kind. */
int dump_probe_types(void)
{
	Vec lines = {0};
	for (int i = 0; probe_kinds[i]; i++)
		for (int j = 0; probe_kinds[i]->types[j]; j++)
			vec_push(&lines, (char *)probe_kinds[i]->types[j]);
	print_sorted(&lines);
	return 0;
}
