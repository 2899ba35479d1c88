/*
 * probe_timer.c - the probe kind of timers (runtime/stp_timer.h).
 *
 *   timer.s|sec|ms|msec|us|usec|ns|nsec(N)[.randomize(M)]: an hrtimer
 *   timer.jiffies(N)[.randomize(M)], timer.hz(N): a timer_list
 *
 * timer.profile and timer.profile.freq are tapset aliases (perf).
 */
#include <inttypes.h>
#include <string.h>

#include "stap.h"

static int64_t timer_ns(const char *unit)
{
	if (!strcmp(unit, "s") || !strcmp(unit, "sec"))
		return 1000000000;
	if (!strcmp(unit, "ms") || !strcmp(unit, "msec"))
		return 1000000;
	if (!strcmp(unit, "us") || !strcmp(unit, "usec"))
		return 1000;
	if (!strcmp(unit, "ns") || !strcmp(unit, "nsec"))
		return PK_MATCHED;
	return PK_NOT_MINE;
}

/* timer.UNIT(N)[.randomize(M)], timer.jiffies(N)[...], timer.hz(N) */
static int match_timer(Resolution *ctx, ProbePoint *pp)
{
	if (pp->ncomps < 2 || pp->ncomps > 3)
		return PK_NOT_MINE;
	Component *c = &pp->comps[1];
	int64_t unit = timer_ns(c->name);
	bool jiffies = comp_is(c, "jiffies"), hz = comp_is(c, "hz");
	if (!unit && !jiffies && !hz)
		return PK_NOT_MINE;
	if (!comp_num(c))
		return PK_NOT_MINE;     /* a probe point mismatch */
	int64_t n = c->arg->val;
	int64_t rnd = 0;
	if (pp->ncomps == 3) {
		Component *r = &pp->comps[2];
		if (!comp_is(r, "randomize") || hz || !comp_num(r))
			return PK_NOT_MINE;
		rnd = r->arg->val;
	}
	/* SystemTap's limits: 100 us to a day for an hrtimer */
	int64_t min = !unit || unit >= 100000 ? 1 : 100000 / unit;
	int64_t max = unit ? 86400000000000 / unit : 0;
	int64_t ns = hz && n > 0 ? 1000000000 / n : n;
	if (hz)
		min = 100000, max = 86400000000000;
	Token *t = pp->tok;
	if (jiffies && (n <= 0 || n > 1000000))
		resolve_error(t, NULL, "invalid interval for jiffies timer");
	else if (jiffies && (rnd < 0 || rnd > n))
		resolve_error(t, NULL, "invalid randomize for jiffies timer");
	else if (hz && n <= 0)
		resolve_error(t, NULL, "frequency must be greater than 0");
	else if (!jiffies && (ns < min || ns > max))
		resolve_error(t, NULL, "interval value out of range (%" PRId64 ", %" PRId64 ")",
			      min, max);
	else if (unit && (rnd < 0 || rnd > n))
		resolve_error(t, NULL, "randomization value out of range");
	else
		t = NULL;
	if (t)
		return PK_ERROR;
	DerivedProbe *d = derived_new(ctx, &pk_timer, pp, probe_point_name(pp));
	d->timer.jiffies = !unit;
	if (unit) {
		d->timer.interval_ns = n * unit;
		d->timer.randomize_ns = rnd * unit;
	} else if (jiffies) {
		d->timer.interval_jiffies = n;
		d->timer.randomize_jiffies = rnd;
	} else {
		/* timer.hz(N): -N, which the table turns into HZ/N jiffies */
		d->timer.interval_jiffies = -n;
	}
	return PK_MATCHED;
}


static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	int nhr = 0, nj = 0;
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		if (d->timer.jiffies)
			nj++;
		else
			nhr++;
	}
	if (nhr) {
		fputs("static struct stp_hrtimer _stp_hrtimers[] = {\n", out);
		for (int i = 0; i < probes->len; i++) {
			DerivedProbe *d = vec_get(probes, i);
			if (!d->timer.jiffies)
				fprintf(out, "\t{ .probe = &_stp_probes[%d], .interval_ns = %" PRId64
					"ULL, .randomize_ns = %" PRId64 "ULL },\n",
					d->index, d->timer.interval_ns,
					d->timer.randomize_ns);
		}
		fputs("\t{ }\n};\n", out);
		sb_puts(groups, "\tSTP_PROBE_GROUP(hrtimers, _stp_hrtimers),\n");
	}
	if (nj) {
		fputs("static struct stp_jtimer _stp_jtimers[] = {\n", out);
		for (int i = 0; i < probes->len; i++) {
			DerivedProbe *d = vec_get(probes, i);
			if (!d->timer.jiffies)
				continue;
			int64_t n = d->timer.interval_jiffies;
			char *iv = n < 0 ?
				format("(HZ / %" PRId64 " ? HZ / %" PRId64 " : 1)", -n, -n) :
				format("%" PRId64, n);
			fprintf(out, "\t{ .probe = &_stp_probes[%d], .interval = %s, .randomize = %" PRId64 " },\n",
				d->index, iv, d->timer.randomize_jiffies);
		}
		fputs("\t{ }\n};\n", out);
		sb_puts(groups, "\tSTP_PROBE_GROUP(jtimers, _stp_jtimers),\n");
	}
}

const ProbeKind pk_timer = {
	.name = "timer",
	.families = (const char *const[]){ "timer", NULL },
	.types = (const char *const[]){
		"timer.hz(number)", "timer.jiffies(number)",
		"timer.jiffies(number).randomize(number)",
		"timer.ms(number)", "timer.ms(number).randomize(number)",
		"timer.msec(number)", "timer.msec(number).randomize(number)",
		"timer.ns(number)", "timer.ns(number).randomize(number)",
		"timer.nsec(number)", "timer.nsec(number).randomize(number)",
		"timer.s(number)", "timer.s(number).randomize(number)",
		"timer.sec(number)", "timer.sec(number).randomize(number)",
		"timer.us(number)", "timer.us(number).randomize(number)",
		"timer.usec(number)", "timer.usec(number).randomize(number)",
		NULL,
	},
	.match = match_timer,
	.runtime_header = "stp_timer.h",
	.emit_tables = emit_tables,
};
