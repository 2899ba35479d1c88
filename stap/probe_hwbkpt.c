/*
 * probe_hwbkpt.c - the probe kind of hardware watchpoints
 * (runtime/stp_hwbkpt.h).
 *
 *   kernel.data(ADDRESS)[.length(LEN)].write|.rw
 *   kernel.data("SYMBOL").write|.rw
 *
 * A debug register of every CPU watches LEN bytes at ADDRESS, or the
 * kernel (or module) data symbol SYMBOL, found when the module starts;
 * the handler runs after each write (or read or write) with the
 * registers of the instruction that made it.  x86 has four such
 * registers: a fifth watchpoint fails to register, as the kernel says.
 * LEN is rounded up to the next length the CPU can watch (1, 2, 4, 8).
 */
#include <inttypes.h>
#include <string.h>

#include "stap.h"

static int match_hwbkpt(Resolution *ctx, ProbePoint *pp)
{
	if (pp->ncomps < 2 || !comp_is(&pp->comps[0], "kernel") ||
	    !comp_is(&pp->comps[1], "data"))
		return PK_NOT_MINE;
	Component *a = &pp->comps[1], *len = NULL;
	if (!comp_num(a) && !comp_str(a)) {
		semantic_error(a->tok, "expected an address or a symbol name");
		return PK_ERROR;
	}
	int i = 2;
	if (i < pp->ncomps && comp_num(a) && comp_is(&pp->comps[i], "length")) {
		len = &pp->comps[i++];
		if (!comp_num(len)) {
			semantic_error(len->tok, "expected a number");
			return PK_ERROR;
		}
	}
	bool no_len = len || !comp_num(a);
	if (i == pp->ncomps) {
		resolve_error(pp->tok, pp->comps[i - 1].tok, "probe point truncated (follow:  %s)",
			      no_len ? "rw write" : "length(number) rw write");
		return PK_ERROR;
	}
	Component *acc = &pp->comps[i];
	if (i != pp->ncomps - 1 || acc->arg ||
	    (!comp_is(acc, "write") && !comp_is(acc, "rw"))) {
		/* as SystemTap: what could come at the first component
		 * that does not fit (.length goes with an address only) */
		resolve_error(pp->tok, acc->tok, "probe point mismatch (similar: %s)",
			      no_len ? "rw, write" : "rw, write, length");
		return PK_ERROR;
	}
	int64_t n = len ? len->arg->val : 1;
	if (n <= 0 || n > 8) {
		resolve_error(pp->tok, len->arg->tok,
			      "hardware breakpoint length %lld is not 1 to 8 on this architecture",
			      (long long)n);
		return PK_ERROR;
	}
	bool rw = comp_is(acc, "rw");
	char *where = comp_num(a) ? format("0x%llx", (unsigned long long)a->arg->val) :
				    format("\"%s\"", a->arg->str);
	DerivedProbe *d = derived_new(ctx, &pk_hwbkpt, pp,
		format("kernel.data(%s).length(%lld).%s", where, (long long)n,
		       rw ? "rw" : "write"));
	d->hwbkpt.addr = comp_num(a) ? (uint64_t)a->arg->val : 0;
	d->hwbkpt.symbol = comp_str(a) ? a->arg->str : NULL;
	d->hwbkpt.len = n;
	d->hwbkpt.rw = rw;
	return PK_MATCHED;
}

static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	fputs("static struct stp_hwbkpt _stp_hwbkpts[] = {\n", out);
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		fprintf(out, "\t{ .probe = &_stp_probes[%d], .addr = 0x%" PRIx64
			"UL, .len = %d, .rw = %d", d->index, d->hwbkpt.addr,
			d->hwbkpt.len, d->hwbkpt.rw);
		if (d->hwbkpt.symbol)
			fprintf(out, ", .symbol = %s", c_string(d->hwbkpt.symbol));
		fputs(" },\n", out);
	}
	fputs("\t{ }\n};\n", out);
	sb_puts(groups, "\tSTP_PROBE_GROUP(hwbkpt, _stp_hwbkpts),\n");
}

const ProbeKind pk_hwbkpt = {
	.name = "hwbkpt",
	.families = (const char *const[]){ "kernel", NULL },
	.types = (const char *const[]){
		"kernel.data(number).length(number).rw",
		"kernel.data(number).length(number).write",
		"kernel.data(number).rw",
		"kernel.data(number).write",
		"kernel.data(string).rw",
		"kernel.data(string).write",
		NULL,
	},
	.match = match_hwbkpt,
	.p2_origin = p2_own_point,   /* as 4.8 shows it */
	.runtime_header = "stp_hwbkpt.h",
	.emit_tables = emit_tables,
};
