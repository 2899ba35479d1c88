/*
 * tvgen.c - pass 3: the C of resolved $target expressions (tvar.c made
 * them: a TVar each).  A value is reached from its base (a register or
 * frame expression, a script value, a saved @entry slot) by steps of
 * offsets, fault-safe loads and indexes, then read as a number, bits, a
 * string, an address or a pretty-printed aggregate; guru mode may write
 * it.  The expressions around it come from translate.c (tr_*).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

static char *gen_base(TVar *tv, const char *a)
{
	switch (tv->base) {
	case B_CODE:
		return format("%s = (unsigned long)(%s); ", a, tv->code);
	case B_NODE:
		return format("%s = (unsigned long)(%s); ", a, tr_expr(tv->node));
	case B_SLOT:
		if (tv->dp->kind == &pk_trace)  /* the task's slot (probe_trace.c) */
			return format("%s = (unsigned long)stp_tpval_%d()->e%d; ",
				      a, tv->dp->index, tv->slot);
		return format("%s = (unsigned long)((struct stp_ent_%d *)c->entry_data)->e%d; ",
			      a, tv->dp->index, tv->slot);
	}
	return format("%s = 0; ", a);
}

/* The runtime's name of TV's memory (runtime/stp_uaccess.h) */
static const char *space_of(TVar *tv)
{
	return tv->space == SP_USER ? "STP_TV_USER" :
	       tv->space == SP_KERNEL ? "STP_TV_KERNEL" : "STP_TV_REGS";
}

static char *fail_jump(Node *n, const char *label)
{
	return format("if (unlikely(c->last_error)) { c->last_stmt = %s; goto %s; } ",
		      tr_where(n), label);
}

/* Statements leaving in A the address (or the value) TV reaches. */
static void gen_steps(StrBuf *sb, TVar *tv, Node *n, const char *a,
		      const char *label)
{
	sb_puts(sb, gen_base(tv, a));
	for (int i = 0; i < tv->nsteps; i++) {
		Step *s = &tv->steps[i];
		switch (s->kind) {
		case S_ADD:
			sb_printf(sb, "%s += %" PRId64 "L; ", a, s->off);
			break;
		case S_DEREF:
			sb_printf(sb, "%s = (unsigned long)_stp_tv_read(c, %s, %s, 8, 0); %s",
				  a, space_of(tv), a, fail_jump(n, label));
			break;
		case S_INDEX:
			sb_printf(sb, "%s += (unsigned long)(%s) * %" PRId64 "L; ", a,
				  tr_expr(s->index), s->scale);
			break;
		}
	}
}

static const char *cast_of(int size, bool sign)
{
	switch (size) {
	case 1: return sign ? "(int8_t)" : "(uint8_t)";
	case 2: return sign ? "(int16_t)" : "(uint16_t)";
	case 4: return sign ? "(int32_t)" : "(uint32_t)";
	}
	return "(int64_t)";
}

/* The value of TV (long or const char *) as a statement expression. */
static char *gen_value(TVar *tv, Node *n, const char *label)
{
	if (tv->final == F_ZERO)
		return "((int64_t)0)";
	int t = tr_fresh();
	char *a = format("_tva%d", t);
	StrBuf sb = {0};
	sb_printf(&sb, "({ unsigned long %s; int64_t _tvr%d; ", a, t);
	gen_steps(&sb, tv, n, a, label);
	switch (tv->final) {
	case F_VALUE:
		sb_printf(&sb, "(void)_tvr%d; (int64_t)%s%s; })", t,
			  cast_of(tv->size, tv->sign), a);
		break;
	case F_LOAD:
		sb_printf(&sb, "_tvr%d = _stp_tv_read(c, %s, %s, %d, %d); %s_tvr%d; })",
			  t, space_of(tv), a, tv->size, tv->sign, fail_jump(n, label), t);
		break;
	case F_BITS:
		sb_printf(&sb, "_tvr%d = _stp_tv_bits(c, %s, %s, %d, %d, %d); %s_tvr%d; })",
			  t, space_of(tv), a, tv->bitoff, tv->bitsize, tv->sign,
			  fail_jump(n, label), t);
		break;
	case F_ADDR:
		sb_printf(&sb, "(void)_tvr%d; (int64_t)%s; })", t, a);
		break;
	case F_STRING: {
		char *tmp = tr_temp();
		sb_printf(&sb, "(void)_tvr%d; _stp_tv_string(c, %s, %s, %s, %" PRId64 "); %s(const char *)%s; })",
			  t, space_of(tv), tmp, a, tv->strmax, fail_jump(n, label), tmp);
		break;
	}
	default:
		sb_printf(&sb, "(void)_tvr%d; 0; })", t);
	}
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	return r;
}

static char *gen_pretty(TVar *tv, Node *n)
{
	char *buf = tr_temp();
	int t = tr_fresh();
	StrBuf sb = {0};
	sb_printf(&sb, "({ int _tvn%d = 0; %s[0] = '\\0'; ", t, buf);
	for (int i = 0; i < tv->nitems; i++) {
		PrettyItem *it = &tv->items[i];
		if (it->text && it->text[0]) {
			StrBuf lit = {0};
			sb_putc(&lit, '"');
			for (const char *p = it->text; *p; p++) {
				if (*p == '"' || *p == '\\')
					sb_putc(&lit, '\\');
				if (*p == '%')
					sb_putc(&lit, '%');
				sb_putc(&lit, *p);
			}
			sb_putc(&lit, '"');
			sb_printf(&sb, "_tvn%d += scnprintf(%s + _tvn%d, MAXSTRINGLEN - _tvn%d, %s); ",
				  t, buf, t, t, lit.buf);
			sb_release(&lit);
		}
		if (!it->tv)
			continue;
		int k = tr_fresh();
		char *label = format("_tvf%d", k);
		if (it->conv == 'q') {
			char *s = gen_value(it->tv, n, label);
			sb_printf(&sb, "{ const char *_tvs%d = %s; _tvn%d += scnprintf(%s + _tvn%d, MAXSTRINGLEN - _tvn%d, \"\\\"%%s\\\"\", _tvs%d); goto _tvd%d; } ",
				  k, s, t, buf, t, t, k, k);
		} else if (it->conv == 'c') {
			char *v = gen_value(it->tv, n, label);
			sb_printf(&sb, "{ int64_t _tvv%d = %s; _tvn%d += _stp_tv_char(%s + _tvn%d, MAXSTRINGLEN - _tvn%d, _tvv%d); goto _tvd%d; } ",
				  k, v, t, buf, t, t, k, k);
		} else {
			char *v = gen_value(it->tv, n, label);
			const char *fmt = it->conv == 'x' ? "0x%llx" : "%lld";
			sb_printf(&sb, "{ int64_t _tvv%d = %s; _tvn%d += scnprintf(%s + _tvn%d, MAXSTRINGLEN - _tvn%d, \"%s\", (long long)_tvv%d); goto _tvd%d; } ",
				  k, v, t, buf, t, t, fmt, k, k);
		}
		/* a fault anywhere: the whole value is "ERROR", quietly (4.8) */
		sb_printf(&sb, "%s: __attribute__((unused)); c->last_error = NULL; c->last_stmt = NULL; goto _tve%d; _tvd%d: ; ",
			  label, t, k);
	}
	sb_printf(&sb, "goto _tvo%d; _tve%d: __attribute__((unused)); strscpy(%s, \"ERROR\", MAXSTRINGLEN); _tvo%d: ; (void)_tvn%d; (const char *)%s; })",
		  t, t, buf, t, t, buf);
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	return r;
}

char *tvar_gen(Node *n)
{
	TVar *tv = n->tv;
	if (!tv)
		return "0";
	if (n->kind == ND_ENTRY) {
		Type t = n->lhs ? n->lhs->type : TY_LONG;
		/* a kretprobe's instance data, or the task's slot of a
		 * sys_exit probe (which runs only when there is one) */
		char *data = tv->dp->kind == &pk_trace ?
			format("stp_tpval_%d()", tv->dp->index) :
			format("((struct stp_ent_%d *)c->entry_data)", tv->dp->index);
		if (t == TY_STRING)
			return format("((const char *)%s->e%d)", data, tv->slot);
		return format("((int64_t)%s->e%d)", data, tv->slot);
	}
	if (tv->final == F_PRETTY)
		return gen_pretty(tv, n);
	if (tv->final == F_PROCFS)
		return "_stp_procfs_value(c)";
	return gen_value(tv, n, tr_errlabel());
}

char *tvar_gen_assign(Node *n, const char *val, int op)
{
	TVar *tv = n->tv;
	if (tv && tv->final == F_PROCFS)
		return format("_stp_procfs_%s(c, %s)",
			      op == OP_CONCAT ? "append" : "set", val);
	if (op != OP_NONE)
		return NULL;
	if (!tv || (tv->final != F_LOAD && tv->final != F_VALUE))
		return NULL;
	int t = tr_fresh();
	char *a = format("_tva%d", t);
	StrBuf sb = {0};
	sb_printf(&sb, "({ unsigned long %s; int64_t _tvw%d = %s; ", a, t, val);
	if (tv->final == F_VALUE) {
		if (tv->base != B_CODE || tv->nsteps ||
		    (!tv->writable && strncmp(tv->code, "c->kregs->", 10))) {
			sb_release(&sb);
			return NULL;
		}
		sb_printf(&sb, "(void)%s; %s = (unsigned long)_tvw%d; _tvw%d; })", a,
			  tv->code, t, t);
	} else {
		gen_steps(&sb, tv, n, a, tr_errlabel());
		sb_printf(&sb, "_stp_tv_write(c, %s, %s, %d, _tvw%d); %s_tvw%d; })", space_of(tv), a,
			  tv->size, t, fail_jump(n, tr_errlabel()), t);
	}
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	return r;
}

