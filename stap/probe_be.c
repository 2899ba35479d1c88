/*
 * probe_be.c - the probe kind of begin, end, error and never.
 *
 *   begin[(N)], end[(N)], error[(N)]: run when the session starts, ends,
 *   or ends after an error, in the order of N (then of the script);
 *   never: type-checked, never run.
 *
 * They are the session's life cycle, so their runtime side is
 * runtime/stp_module.h itself, which runs the lists emitted here.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

static const char *const names[] = { "begin", "end", "error", "never" };

static int match_be(Resolution *r, ProbePoint *pp)
{
	int which = BE_BEGIN;
	while (which <= BE_NEVER && !comp_is(&pp->comps[0], names[which]))
		which++;
	if (which > BE_NEVER || pp->ncomps != 1)
		return PK_NOT_MINE;
	Component *c = &pp->comps[0];
	if (c->arg && (!comp_num(c) || which == BE_NEVER))
		return PK_NOT_MINE;     /* a probe point mismatch */
	DerivedProbe *d = derived_new(r, &pk_be, pp, probe_point_name(pp));
	d->be.which = which;
	d->be.seq = c->arg ? c->arg->val : 0;
	return PK_MATCHED;
}

/* The end probe that prints a global written and never read, after the
 * user's own end probes (elaborate.c). */
DerivedProbe *be_display_probe(Handler *h)
{
	DerivedProbe *d = arena_alloc(sizeof(*d));
	d->kind = &pk_be;
	d->pp = "end";
	d->user_pp = "end";
	d->tok = h->tok;
	d->handler = h;
	d->be.which = BE_END;
	d->be.seq = INT64_MAX;
	if (sess->timing) {	/* as SystemTap says it */
		d->from = " from: end";
		d->location = format("%s:1:1", h->tok->file ? h->tok->file->name : "");
	}
	d->index = sess->derived.len;
	vec_push(&sess->derived, d);
	return d;
}

static int cmp_seq(const void *a, const void *b)
{
	const DerivedProbe *x = *(DerivedProbe *const *)a;
	const DerivedProbe *y = *(DerivedProbe *const *)b;
	if (x->be.seq != y->be.seq)
		return x->be.seq < y->be.seq ? -1 : 1;
	return x->index - y->index;
}

/* _stp_begin_probes, _stp_end_probes, _stp_error_probes: sorted by N,
 * NULL-terminated, always there (stp_module.h runs them) */
static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	static const char *const lists[] = {
		"_stp_begin_probes", "_stp_end_probes", "_stp_error_probes",
	};
	for (int which = BE_BEGIN; which <= BE_ERROR; which++) {
		Vec v = {0};
		for (int i = 0; i < probes->len; i++) {
			DerivedProbe *d = vec_get(probes, i);
			if (d->be.which == which)
				vec_push(&v, d);
		}
		if (v.len)
			qsort(v.data, v.len, sizeof(void *), cmp_seq);
		fprintf(out, "static const struct stp_probe *const %s[] = {",
			lists[which]);
		for (int i = 0; i < v.len; i++)
			fprintf(out, " &_stp_probes[%d],",
				((DerivedProbe *)vec_get(&v, i))->index);
		fputs(" NULL };\n", out);
	}
}

const ProbeKind pk_be = {
	.name = "begin/end",
	.families = (const char *const[]){ "begin", "end", "error", "never", NULL },
	.types = (const char *const[]){
		"begin", "begin(number)", "end", "end(number)", "error",
		"error(number)", "never", NULL,
	},
	.match = match_be,
	.emit_always = true,
	.emit_tables = emit_tables,
};
