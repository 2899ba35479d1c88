/*
 * probe_perf.c - the probe kind of perf events (runtime/stp_perf.h).
 *
 *   perf.type(T).config(C)[.sample(N)|.hz(F)]
 *
 * A kernel counter on every online CPU; the handler runs at each
 * overflow with the interrupted registers.  The tapset's perf.sw.*,
 * perf.hw.*, perf.hw_cache.* and timer.profile are aliases of it.
 */
#include <inttypes.h>
#include <string.h>

#include "stap.h"

static int match_perf(Resolution *ctx, ProbePoint *pp)
{
	if (pp->ncomps < 3 || pp->ncomps > 4 || !comp_is(&pp->comps[1], "type") ||
	    !comp_is(&pp->comps[2], "config"))
		return PK_NOT_MINE;
	Component *t = &pp->comps[1], *c = &pp->comps[2], *s = NULL;
	if (pp->ncomps == 4) {
		s = &pp->comps[3];
		if (!comp_is(s, "sample") && !comp_is(s, "hz"))
			return PK_NOT_MINE;
	}
	for (Component *x = t; x <= (s ? s : c); x++)
		if (!comp_num(x)) {
			semantic_error(x->tok, "expected a number");
			return PK_ERROR;
		}
	int64_t n = s ? s->arg->val : 1000000;
	if (t->arg->val < 0 || c->arg->val < 0 || n <= 0) {
		Component *bad = n <= 0 ? s : t->arg->val < 0 ? t : c;
		resolve_error(pp->tok, bad->arg->tok, "invalid perf %s %lld",
			      bad == s ? (comp_is(s, "hz") ? "frequency" : "sample period") :
			      bad == t ? "type" : "config", (long long)bad->arg->val);
		return PK_ERROR;
	}
	bool freq = s && comp_is(s, "hz");
	/* pp() says .sample(F) for .hz(F) too, as SystemTap's */
	DerivedProbe *d = derived_new(ctx, &pk_perf, pp,
		format("perf.type(%lld).config(%lld).sample(%lld)",
		       (long long)t->arg->val, (long long)c->arg->val,
		       (long long)n));
	d->perf.type = t->arg->val;
	d->perf.config = c->arg->val;
	d->perf.sample = n;
	d->perf.freq = freq;
	return PK_MATCHED;
}

static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	fputs("static struct stp_perf _stp_perfs[] = {\n", out);
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		fprintf(out, "\t{ .probe = &_stp_probes[%d], .type = %" PRId64
			", .config = %" PRId64 "ULL, .sample = %" PRId64
			"ULL, .freq = %d },\n", d->index, d->perf.type,
			d->perf.config, d->perf.sample, d->perf.freq);
	}
	fputs("\t{ }\n};\n", out);
	sb_puts(groups, "\tSTP_PROBE_GROUP(perf, _stp_perfs),\n");
}

const ProbeKind pk_perf = {
	.name = "perf",
	.families = (const char *const[]){ "perf", NULL },
	.types = (const char *const[]){
		"perf.type(number).config(number)",
		"perf.type(number).config(number).hz(number)",
		"perf.type(number).config(number).sample(number)",
		NULL,
	},
	.match = match_perf,
	.p2_origin = p2_own_point,   /* as 4.8 shows it */
	.runtime_header = "stp_perf.h",
	.emit_tables = emit_tables,
};
