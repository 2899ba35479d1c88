/*
 * type.c - type inference and checking (pass 2).
 *
 * infer(node, want) returns the node's type, pushing WANT into variables,
 * array indexes, parameters and function returns whose type is still
 * unknown.  The walk repeats until nothing changes; a last walk reports
 * the conflicts it finds, in SystemTap's words:
 *
 *   semantic error: type mismatch (string): identifier 'x' at <input>:1:22
 *   semantic error: type was first inferred here (long): identifier 'x' at :1:15
 */
#include <stdlib.h>
#include <string.h>

#include "stap.h"

static bool changed;
static bool reporting;
static Function *cur_func;      /* NULL in a probe handler */
static int loop_depth;

static void report(Token *tok, const char *fmt, const char *arg)
{
	if (reporting)
		semantic_error(tok, fmt, arg);
}

static void conflict(Token *at, Type got, Token *first, Type had)
{
	if (!reporting)
		return;
	semantic_error2(at, first, format("type was first inferred here (%s)",
					  type_name(had)),
			"type mismatch (%s)", type_name(got));
}

/* Give V type T (first seen at AT) or report a conflict. */
static void unify_var(Var *v, Type t, Token *at)
{
	if (t == TY_UNKNOWN)
		return;
	if (v->type == TY_UNKNOWN) {
		v->type = t;
		v->type_tok = at;
		changed = true;
		return;
	}
	if (v->type != t)
		conflict(at, t, v->type_tok ? v->type_tok : v->tok, v->type);
}

static void unify_index(Var *v, int i, Type t, Token *at)
{
	if (t == TY_UNKNOWN || t == TY_STATS || i >= 9)
		return;
	if (v->index_types[i] == TY_UNKNOWN) {
		v->index_types[i] = t;
		v->index_type_tok[i] = at;
		changed = true;
		return;
	}
	if (v->index_types[i] != t && reporting)
		semantic_error2(at, v->index_type_tok[i],
				format("type of index %d was first inferred here (%s)",
				       i, type_name(v->index_types[i])),
				"index %d type mismatch (%s)", i, type_name(t));
}

static void set_arity(Var *v, int arity, Token *at)
{
	if (arity > 9)		/* bind.c said so: at most 9 index columns */
		return;
	if (v->arity < 0) {
		v->arity = arity;
		changed = true;
		return;
	}
	if (v->arity != arity && reporting)
		semantic_error(at, "inconsistent arity (%d vs %d)", v->arity, arity);
}

static Type infer(Node *n, Type want);
static void check_foreach_body(Node *n, Var *v);

/* Infer N expecting exactly T; a known different type is an error. */
static void expect(Node *n, Type t)
{
	Type got = infer(n, t);
	if (got != TY_UNKNOWN && got != t && reporting) {
		if ((n->kind == ND_VAR || n->kind == ND_INDEX) && n->var)
			conflict(n->tok, t, n->var->type_tok ? n->var->type_tok : n->tok, got);
		else
			semantic_error(n->tok, "type mismatch: expected %s but found %s",
				       type_name(t), type_name(got));
	}
}

static void infer_list(NodeList *l)
{
	for (int i = 0; i < l->len; i++)
		infer(l->items[i], TY_UNKNOWN);
}

static void infer_indexes(Var *v, NodeList *args)
{
	for (int i = 0; i < args->len; i++) {
		Node *a = args->items[i];
		if (a->kind == ND_WILDCARD)
			continue;
		Type t = infer(a, i < 9 ? v->index_types[i] : TY_UNKNOWN);
		if (t == TY_STATS)
			report(a->tok, "%s", "index cannot be a statistic");
		unify_index(v, i, t, a->tok);
	}
}

/* The value of a variable reference: scalar var, array element. */
static Type var_type(Node *n, Var *v, Type want)
{
	if (v->type == TY_UNKNOWN && want != TY_UNKNOWN)
		unify_var(v, want, n->tok);
	else if (v->type != TY_UNKNOWN && want != TY_UNKNOWN && v->type != want &&
		 reporting)
		conflict(n->tok, want, v->type_tok ? v->type_tok : v->tok, v->type);
	return v->type;
}

static Type infer_print(Node *n)
{
	int k = n->op;
	bool is_s = k >= PR_SPRINT;
	Type result = is_s ? TY_STRING : TY_LONG;
	if (k == PR_PRINTF || k == PR_SPRINTF) {
		if (n->args.len == 0 || n->args.items[0]->kind != ND_STR) {
			report(n->args.len ? n->args.items[0]->tok : n->tok, "%s",
			       format("%s format must be a literal string", n->name));
			infer_list(&n->args);
			return result;
		}
		FmtSpec *specs;
		const char *err;
		int ns = parse_format(n->args.items[0]->str, &specs, &err);
		if (ns < 0) {
			report(n->args.items[0]->tok, "%s", err);
			return result;
		}
		Type types[64];
		int nt = format_arg_types(specs, ns, types, 64);
		if (nt != n->args.len - 1) {
			report(n->tok, "%s", "Wrong number of args to formatted print operator");
			infer_list(&n->args);
			return result;
		}
		for (int i = 1; i < n->args.len; i++)
			expect(n->args.items[i], types[i - 1]);
		return result;
	}
	int first = 0;
	if (k == PR_PRINTD || k == PR_PRINTDLN || k == PR_SPRINTD || k == PR_SPRINTDLN) {
		if (n->args.len < 2 || n->args.items[0]->kind != ND_STR) {
			report(n->tok, "%s", format("%s expects a literal delimiter and at least one value", n->name));
			return result;
		}
		first = 1;
	} else if (n->args.len == 0 && k != PR_PRINTLN && k != PR_SPRINTLN) {
		report(n->tok, "%s", format("%s expects at least one argument", n->name));
		return result;
	}
	for (int i = first; i < n->args.len; i++) {
		Node *a = n->args.items[i];
		Type t = infer(a, TY_UNKNOWN);
		if (a->kind == ND_HIST) {
			if ((k != PR_PRINT && k != PR_PRINTLN && k != PR_SPRINT &&
			     k != PR_SPRINTLN) || n->args.len != 1)
				report(a->tok, "%s", "a histogram can only be printed alone with print, println, sprint or sprintln");
			continue;
		}
		if (t == TY_STATS)
			report(a->tok, "%s", "a statistic cannot be printed; use an extractor such as @count");
	}
	return result;
}

static Var *stat_var(Node *operand)
{
	if ((operand->kind == ND_VAR || operand->kind == ND_INDEX) && operand->var)
		return operand->var;
	return NULL;
}

/* @variance(V, SHIFT) as SystemTap checks it, once (in the reporting
 * walk): SHIFT in 0..62, and one non-zero shift per variable. */
static void variance_shift(Var *v, Node *n)
{
	int64_t shift = n->rhs ? n->rhs->val : 0;

	if (!reporting)
		return;
	if (shift < 0 || shift > 62) {
		semantic_error(n->tok, "bit shift (%lld) out of range <0..62>",
			       (long long)shift);
		return;
	}
	if (v->shift_tok && shift != v->variance_shift) {
		semantic_error(n->tok, "conflicting bit shifts declared (previously %d)",
			       v->variance_shift);
		return;
	}
	if (shift) {
		v->variance_shift = (int)shift;
		v->shift_tok = n->tok;
	}
}

/* The operand of <<<, @count(...), @hist_*(...). */
static void infer_stat_operand(Node *operand)
{
	Var *v = stat_var(operand);
	if (!v) {
		if (operand->kind != ND_VAR && operand->kind != ND_INDEX)
			expect(operand, TY_STATS);      /* @count(1) */
		return;
	}
	if (!v->is_global) {
		report(operand->tok, "%s", "stat locals not supported, missing global declaration? ");
		return;
	}
	set_arity(v, operand->kind == ND_INDEX ? operand->args.len : 0, operand->tok);
	if (operand->kind == ND_INDEX)
		infer_indexes(v, &operand->args);
	unify_var(v, TY_STATS, operand->tok);
	operand->type = TY_STATS;
}

static bool is_lvalue(Node *n)
{
	return n->kind == ND_VAR || n->kind == ND_INDEX || n->kind == ND_TARGET;
}

/* "1 = 2", "f() <<< 1": the parser takes any left side, as SystemTap's;
 * check_lvalues() has reported it */
static void not_lvalue(Node *n)
{
	infer(n->lhs, TY_UNKNOWN);
	infer(n->rhs, TY_UNKNOWN);
}

static Node *find_bad_assignment(Node *n)
{
	if (!n)
		return NULL;
	if (n->kind == ND_ASSIGN && !is_lvalue(n->lhs))
		return n;
	if ((n->kind == ND_AGG || n->kind == ND_DELETE) &&
	    n->lhs->kind != ND_VAR && n->lhs->kind != ND_INDEX)
		return n;
	Node *kids[] = { n->lhs, n->rhs, n->cond, n->then, n->els, n->init,
			 n->inc, n->body, n->value, n->limit };
	for (int i = 0; i < 10; i++) {
		Node *b = find_bad_assignment(kids[i]);
		if (b)
			return b;
	}
	for (int i = 0; i < n->args.len; i++) {
		Node *b = find_bad_assignment(n->args.items[i]);
		if (b)
			return b;
	}
	return NULL;
}

/*
 * The first assignment (=, op=, <<<) whose left side is not an lvalue
 * (or delete whose operand is not a variable or an element),
 * in the probes and then the functions: SystemTap reports it alone and
 * stops pass 2 there, before any type is checked.
 */
bool check_lvalues(void)
{
	Node *b = NULL;
	for (int i = 0; !b && i < sess->handlers.len; i++)
		b = find_bad_assignment(((Handler *)vec_get(&sess->handlers, i))->body);
	for (int i = 0; !b && i < sess->used_functions.len; i++)
		b = find_bad_assignment(((Function *)vec_get(&sess->used_functions, i))->body);
	if (!b)
		return true;
	if (b->kind == ND_DELETE)
		semantic_error(b->lhs->tok, "invalid operand of delete expression");
	else
		semantic_error2(b->tok, b->lhs->tok, NULL, "Expecting lvalue for assignment");
	return false;
}

static Type infer_assign(Node *n, Type want)
{
	Node *l = n->lhs, *r = n->rhs;
	if (l->kind == ND_TARGET) {
		if (!l->tv) {
			report(l->tok, "%s", "unresolved target-symbol expression");
			infer(r, TY_UNKNOWN);
			return TY_LONG;
		}
		infer(l, TY_UNKNOWN);
		if (l->tv->final == F_PROCFS) {
			/* a procfs read probe's $value: = and .= a string */
			if (n->op != OP_NONE && n->op != OP_CONCAT)
				report(l->tok, "%s", "procfs $value can only be assigned a string (= or .=)");
			expect(r, TY_STRING);
			return TY_STRING;
		}
		if (tvar_type(l) != TY_LONG || n->op == OP_CONCAT)
			report(l->tok, "%s", "only integer target variables can be assigned");
		expect(r, TY_LONG);
		return TY_LONG;
	}
	if (n->op == OP_CONCAT) {
		expect(l, TY_STRING);
		expect(r, TY_STRING);
		return TY_STRING;
	}
	if (n->op != OP_NONE) {
		expect(l, TY_LONG);
		expect(r, TY_LONG);
		return TY_LONG;
	}
	Type tr = infer(r, want != TY_UNKNOWN ? want :
			l->var && l->kind != ND_TARGET ? l->var->type : TY_UNKNOWN);
	if (tr == TY_STATS) {
		report(r->tok, "%s", "a statistic cannot be assigned");
		return TY_UNKNOWN;
	}
	Type tl = infer(l, tr);
	if (tr == TY_UNKNOWN && tl != TY_UNKNOWN)
		tr = infer(r, tl);
	return tl != TY_UNKNOWN ? tl : tr;
}

static Type infer(Node *n, Type want)
{
	if (!n)
		return TY_UNKNOWN;
	Type t = TY_UNKNOWN;
	switch (n->kind) {
	case ND_NUM:
		t = TY_LONG;
		break;
	case ND_STR:
		t = TY_STRING;
		break;
	case ND_VAR: {
		Var *v = n->var;
		if (!v)
			break;
		if (v->is_global)
			set_arity(v, 0, n->tok);
		t = var_type(n, v, want);
		break;
	}
	case ND_INDEX: {
		if (n->lhs) {           /* @hist_*(x)[bucket] */
			infer(n->lhs, TY_UNKNOWN);
			if (n->args.len != 1)
				report(n->tok, "%s", "a histogram bucket takes one index");
			for (int i = 0; i < n->args.len; i++)
				expect(n->args.items[i], TY_LONG);
			t = TY_LONG;
			break;
		}
		Var *v = n->var;
		if (!v)
			break;
		set_arity(v, n->args.len, n->tok);
		infer_indexes(v, &n->args);
		for (int i = 0; i < n->args.len; i++)
			if (n->args.items[i]->kind == ND_WILDCARD) {
				report(n->tok, "%s", "wildcard not allowed in array index");
				break;
			}
		t = var_type(n, v, want);
		break;
	}
	case ND_WILDCARD:
		break;
	case ND_TARGET:
		if (n->tv) {
			/* index expressions of $x[i] */
			for (int i = 0; i < n->args.len; i++)
				if (n->args.items[i]->kind != ND_STR)
					expect(n->args.items[i], TY_LONG);
			if (n->lhs)
				expect(n->lhs, TY_LONG);
			t = tvar_type(n);
			break;
		}
		report(n->tok, "%s", "unresolved target-symbol expression");
		t = TY_LONG;
		break;
	case ND_CALL: {
		if (!n->func)
			break;
		/* every overload takes the same arguments and returns the
		 * same type: the first one known */
		Type rt = TY_UNKNOWN;
		Function *rf = NULL;
		for (Function *f = n->func; f && !rf; f = f->next_overload)
			if (f->type != TY_UNKNOWN) {
				rt = f->type;
				rf = f;
			}
		if (rt == TY_UNKNOWN && want != TY_UNKNOWN && want != TY_STATS)
			rt = want;
		for (Function *f = n->func; f; f = f->next_overload) {
			if (f->type == TY_UNKNOWN && rt != TY_UNKNOWN) {
				f->type = rt;
				f->type_tok = rf ? (rf->type_tok ? rf->type_tok : rf->tok) : n->tok;
				changed = true;
			} else if (f->type != rt && reporting) {
				semantic_error(n->tok, "type mismatch: expected %s but found %s",
					       type_name(rt), type_name(f->type));
			}
		}
		for (int i = 0; i < n->args.len && i < n->func->params.len; i++) {
			Node *a = n->args.items[i];
			Var *p0 = NULL;
			for (Function *f = n->func; f && !p0; f = f->next_overload) {
				Var *p = vec_get(&f->params, i);
				if (p->type != TY_UNKNOWN)
					p0 = p;
			}
			Type ta = infer(a, p0 ? p0->type : TY_UNKNOWN);
			if (ta == TY_STATS) {
				report(a->tok, "%s", "a statistic cannot be passed to a function");
				continue;
			}
			if (p0 && ta != TY_UNKNOWN && ta != p0->type && reporting) {
				semantic_error2(a->tok, p0->type_tok ? p0->type_tok : p0->tok,
						format("type was first inferred here (%s)",
						       type_name(p0->type)),
						"type mismatch (%s)", type_name(ta));
				continue;
			}
			for (Function *f = n->func; f; f = f->next_overload) {
				Var *p = vec_get(&f->params, i);
				if (p->type == TY_UNKNOWN)
					unify_var(p, p0 ? p0->type : ta, a->tok);
				else if (p0 && p->type != p0->type && reporting)
					semantic_error2(p->tok, p0->type_tok ? p0->type_tok : p0->tok,
							format("type was first inferred here (%s)",
							       type_name(p0->type)),
							"type mismatch (%s)", type_name(p->type));
			}
		}
		t = n->func->type;
		break;
	}
	case ND_BINARY:
		if (n->op == OP_CONCAT) {
			expect(n->lhs, TY_STRING);
			expect(n->rhs, TY_STRING);
			t = TY_STRING;
		} else {
			expect(n->lhs, TY_LONG);
			expect(n->rhs, TY_LONG);
			t = TY_LONG;
		}
		break;
	case ND_CMP: {
		if (n->op == OP_REGEX_MATCH || n->op == OP_REGEX_NOMATCH) {
			expect(n->lhs, TY_STRING);
			if (n->rhs->kind != ND_STR)
				report(n->rhs->tok, "%s", "regular expression must be a literal string");
			else if (reporting && !n->re)
				n->re = regex_compile(n->rhs->str, n->rhs->tok);
			t = TY_LONG;
			break;
		}
		Type tl = infer(n->lhs, TY_UNKNOWN);
		Type tr = infer(n->rhs, tl);
		if (tl == TY_UNKNOWN && tr != TY_UNKNOWN)
			tl = infer(n->lhs, tr);
		if (tl == TY_STATS || tr == TY_STATS)
			report(n->tok, "%s", "a statistic cannot be compared");
		else if (tl != TY_UNKNOWN && tr != TY_UNKNOWN && tl != tr && reporting)
			semantic_error(n->tok, "type mismatch (%s vs %s)",
				       type_name(tl), type_name(tr));
		t = TY_LONG;
		break;
	}
	case ND_LOGAND:
	case ND_LOGOR:
		expect(n->lhs, TY_LONG);
		expect(n->rhs, TY_LONG);
		t = TY_LONG;
		break;
	case ND_NOT:
	case ND_NEG:
	case ND_BITNOT:
	case ND_UPLUS:
		expect(n->lhs, TY_LONG);
		t = TY_LONG;
		break;
	case ND_PREINC:
	case ND_PREDEC:
	case ND_POSTINC:
	case ND_POSTDEC:
		if (n->lhs->kind == ND_TARGET && !n->lhs->tv)
			report(n->lhs->tok, "%s", "unresolved target-symbol expression");
		else if (n->lhs->kind == ND_TARGET && tvar_type(n->lhs) != TY_LONG)
			report(n->lhs->tok, "%s", "only integer target variables can be assigned");
		else if (n->lhs->kind != ND_TARGET)
			expect(n->lhs, TY_LONG);
		t = TY_LONG;
		break;
	case ND_ASSIGN:
		if (!is_lvalue(n->lhs)) {
			not_lvalue(n);
			t = TY_UNKNOWN;
			break;
		}
		t = infer_assign(n, want);
		break;
	case ND_COND: {
		expect(n->cond, TY_LONG);
		Type a = infer(n->then, want);
		Type b = infer(n->els, a != TY_UNKNOWN ? a : want);
		if (a == TY_UNKNOWN && b != TY_UNKNOWN)
			a = infer(n->then, b);
		if (a != TY_UNKNOWN && b != TY_UNKNOWN && a != b && reporting)
			semantic_error(n->els->tok, "type mismatch (%s vs %s)",
				       type_name(a), type_name(b));
		t = a != TY_UNKNOWN ? a : b;
		break;
	}
	case ND_IN:
		if (n->var) {
			set_arity(n->var, n->args.len, n->rhs ? n->rhs->tok : n->tok);
			infer_indexes(n->var, &n->args);
		}
		t = TY_LONG;
		break;
	case ND_AGG:
		if (n->lhs->kind != ND_VAR && n->lhs->kind != ND_INDEX) {
			not_lvalue(n);
			t = TY_UNKNOWN;
			break;
		}
		infer_stat_operand(n->lhs);
		expect(n->rhs, TY_LONG);
		t = TY_LONG;
		break;
	case ND_STAT: {
		infer_stat_operand(n->lhs);
		Var *v = stat_var(n->lhs);
		if (v) {
			v->stat_ops |= 1u << n->op;
			if (n->op == STAT_VARIANCE)
				variance_shift(v, n);
		}
		t = TY_LONG;
		break;
	}
	case ND_HIST: {
		infer_stat_operand(n->lhs);
		Var *v = stat_var(n->lhs);
		int64_t a[3] = { 0, 0, 0 };
		if (v && n->op == HIST_LINEAR) {
			for (int i = 0; i < 3; i++) {
				Node *x = n->args.items[i];
				a[i] = x->kind == ND_NUM ? x->val : 0;
				if (x->kind != ND_NUM)
					report(x->tok, "%s", "expected a literal number");
			}
			/* SystemTap's limits, which it checks when the module
			 * starts: (stop - start) / interval + 1 rows of
			 * values, plus the '<' and '>' rows, at most 128 */
			if (a[2] <= 0)
				report(n->tok, "%s", "histogram: interval must be positive");
			else if (a[1] < a[0] ||
				 ((uint64_t)a[1] - (uint64_t)a[0]) / (uint64_t)a[2] > 125)
				report(n->tok, "%s", "histogram: Number of buckets must be between 1 and 126 (number of buckets = (stop - start) / interval + 1)");
		}
		/* one histogram shape per variable: the first one seen */
		if (v && !v->hist_tok) {
			v->hist_tok = n->tok;
			v->uses_hist_log = n->op == HIST_LOG;
			v->uses_hist_linear = n->op == HIST_LINEAR;
			v->hist_start = a[0];
			v->hist_stop = a[1];
			v->hist_interval = a[2];
		} else if (v && v->hist_tok != n->tok &&
			   (v->uses_hist_log != (n->op == HIST_LOG) ||
			    (n->op == HIST_LINEAR &&
			     (v->hist_start != a[0] || v->hist_stop != a[1] ||
			      v->hist_interval != a[2])))) {
			/* SystemTap names the variable as it mangles it */
			report(n->tok, "multiple histogram types declared on '__global_%s'",
			       v->name);
		}
		t = TY_STATS;
		break;
	}
	case ND_PRINT:
		t = infer_print(n);
		break;
	case ND_DEFINED:
		/* what tvar.c did not fold holds no $target: as in SystemTap
		 * 4.8, a literal is defined, a variable or call is not */
		n->val = n->lhs->kind == ND_NUM || n->lhs->kind == ND_STR;
		n->kind = ND_NUM;
		n->lhs = NULL;
		t = TY_LONG;
		break;
	case ND_ENTRY:
		if (n->tv) {
			t = infer(n->lhs, want);
			if (t == TY_STATS)
				report(n->tok, "%s", "@entry cannot save a statistic");
			break;
		}
		report(n->tok, "%s", "@entry is only valid in .return probes");
		t = TY_LONG;
		break;
	case ND_EMBEDDED_EXPR:
		if (!sess->guru && !n->tok->file->is_tapset)
			report(n->tok, "%s", "embedded expression in unprivileged script; need stap -g");
		t = strstr(n->str, "/* string */") ? TY_STRING : TY_LONG;
		break;

	/* statements */
	case ND_BLOCK:
		for (int i = 0; i < n->args.len; i++)
			infer(n->args.items[i], TY_UNKNOWN);
		return TY_UNKNOWN;
	case ND_EXPR_STMT:
		infer(n->lhs, TY_UNKNOWN);
		return TY_UNKNOWN;
	case ND_NULL_STMT:
		return TY_UNKNOWN;
	case ND_IF:
		expect(n->cond, TY_LONG);
		infer(n->then, TY_UNKNOWN);
		infer(n->els, TY_UNKNOWN);
		return TY_UNKNOWN;
	case ND_WHILE:
	case ND_FOR:
		infer(n->init, TY_UNKNOWN);
		if (n->cond)
			expect(n->cond, TY_LONG);
		infer(n->inc, TY_UNKNOWN);
		loop_depth++;
		infer(n->body, TY_UNKNOWN);
		loop_depth--;
		return TY_UNKNOWN;
	case ND_FOREACH: {
		Var *v = n->var;
		if (n->lhs) {           /* bucket indexes and counts: longs */
			infer(n->lhs, TY_UNKNOWN);
			if (n->keys.len != 1)
				report(n->tok, "%s", "a histogram has one index");
			Node *kv[2] = { n->keys.len ? n->keys.items[0] : NULL, n->value };
			for (int i = 0; i < 2; i++) {
				if (!kv[i] || !kv[i]->var)
					continue;
				unify_var(kv[i]->var, TY_LONG, kv[i]->tok);
				kv[i]->type = TY_LONG;
			}
		}
		if (v) {
			int arity = n->args.len ? n->args.len : n->keys.len;
			set_arity(v, arity, n->rhs ? n->rhs->tok : n->tok);
			if (n->args.len && n->args.len != n->keys.len)
				report(n->tok, "%s", "the number of keys does not match the slice");
			infer_indexes(v, &n->args);
			for (int i = 0; i < n->keys.len; i++) {
				Node *k = n->keys.items[i];
				if (!k->var)
					continue;
				if (k->var->is_global)
					report(k->tok, "%s", "foreach key must be a local variable");
				if (i < 9 && v->index_types[i] != TY_UNKNOWN)
					unify_var(k->var, v->index_types[i], k->tok);
				else if (k->var->type != TY_UNKNOWN)
					unify_index(v, i, k->var->type, k->tok);
				k->type = k->var->type;
			}
			if (n->value && n->value->var) {
				if (v->type == TY_STATS)
					report(n->value->tok, "%s", "invalid type stats");
				else if (v->type != TY_UNKNOWN)
					unify_var(n->value->var, v->type, n->value->tok);
				else if (n->value->var->type != TY_UNKNOWN)
					unify_var(v, n->value->var->type, n->value->tok);
				n->value->type = n->value->var->type;
			}
			if (n->sort_column < 0 && v->type != TY_STATS &&
			    v->type != TY_UNKNOWN && n->sort_stat != STAT_COUNT)
				report(n->rhs ? n->rhs->tok : n->tok, "invalid type %s",
				       type_name(v->type));
			if (v->type == TY_STATS && n->sort_column < 0)
				v->stat_ops |= 1u << n->sort_stat;
			if (v->type == TY_STATS && n->sort_column == 0)
				v->stat_ops |= 1u << STAT_COUNT;
		}
		if (n->limit)
			expect(n->limit, TY_LONG);
		if (reporting && v && v->is_global)
			check_foreach_body(n->body, v);
		loop_depth++;
		infer(n->body, TY_UNKNOWN);
		loop_depth--;
		return TY_UNKNOWN;
	}
	case ND_BREAK:
	case ND_CONTINUE:
	case ND_NEXT:
		/* as in SystemTap, pass 2 accepts break/continue outside a
		 * loop and next in a function; pass 3 judges them */
		return TY_UNKNOWN;
	case ND_RETURN:
		if (!cur_func) {
			report(n->tok, "%s", "return not allowed in probe handlers");
			return TY_UNKNOWN;
		}
		if (n->lhs) {
			Type r = infer(n->lhs, cur_func->type);
			if (r == TY_STATS) {
				report(n->lhs->tok, "%s", "a statistic cannot be returned");
			} else if (cur_func->type == TY_UNKNOWN && r != TY_UNKNOWN) {
				cur_func->type = r;
				cur_func->type_tok = n->lhs->tok;
				changed = true;
			} else if (r != TY_UNKNOWN && r != cur_func->type && reporting) {
				semantic_error2(n->lhs->tok, cur_func->type_tok ? cur_func->type_tok : cur_func->tok,
						format("type was first inferred here (%s)",
						       type_name(cur_func->type)),
						"type mismatch (%s)", type_name(r));
			}
		}
		return TY_UNKNOWN;
	case ND_DELETE: {
		Node *l = n->lhs;
		if (l->kind == ND_INDEX && l->var) {
			set_arity(l->var, l->args.len, l->tok);
			infer_indexes(l->var, &l->args);
		}
		return TY_UNKNOWN;
	}
	case ND_TRY:
		infer(n->body, TY_UNKNOWN);
		if (n->catch_var && n->catch_var->var)
			unify_var(n->catch_var->var, TY_STRING, n->catch_var->tok);
		infer(n->els, TY_UNKNOWN);
		return TY_UNKNOWN;
	}
	n->type = t;
	return t;
}

static void walk_all(void)
{
	for (int i = 0; i < sess->handlers.len; i++) {
		Handler *h = vec_get(&sess->handlers, i);
		cur_func = NULL;
		loop_depth = 0;
		infer(h->body, TY_UNKNOWN);
	}
	for (int i = 0; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		if (d->cond) {
			cur_func = NULL;
			expect(d->cond, TY_LONG);
		}
	}
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		cur_func = f;
		loop_depth = 0;
		infer(f->body, TY_UNKNOWN);
	}
	cur_func = NULL;
}

/* Does N refer to V anywhere? */
static bool refers_to(Node *n, Var *v)
{
	if (!n)
		return false;
	if (n->var == v)
		return true;
	if (refers_to(n->lhs, v) || refers_to(n->rhs, v) || refers_to(n->cond, v) ||
	    refers_to(n->then, v) || refers_to(n->els, v) || refers_to(n->init, v) ||
	    refers_to(n->inc, v) || refers_to(n->body, v) || refers_to(n->value, v) ||
	    refers_to(n->limit, v) || refers_to(n->catch_var, v))
		return true;
	for (int i = 0; i < n->args.len; i++)
		if (refers_to(n->args.items[i], v))
			return true;
	for (int i = 0; i < n->keys.len; i++)
		if (refers_to(n->keys.items[i], v))
			return true;
	return false;
}

static bool global_referenced(Var *g)
{
	for (int i = 0; i < sess->handlers.len; i++)
		if (refers_to(((Handler *)vec_get(&sess->handlers, i))->body, g))
			return true;
	for (int i = 0; i < sess->derived.len; i++)
		if (refers_to(((DerivedProbe *)vec_get(&sess->derived, i))->cond, g))
			return true;
	for (int i = 0; i < sess->used_functions.len; i++)
		if (refers_to(((Function *)vec_get(&sess->used_functions, i))->body, g))
			return true;
	return g->init != NULL;
}

/* A local still untyped is an error, unless nothing uses it any more
 * (it was only in an @defined that folded away). */
static void default_local(Var *v, Node *body)
{
	if (v->type != TY_UNKNOWN || !refers_to(body, v))
		return;
	semantic_error(v->tok, "unresolved type ");
	v->type = TY_LONG;
}

/* What still has no type where a type is needed, reported as SystemTap
 * does in its last resolution walk: the unknown values printed by
 * print and friends (a variable twice: its use and its referent; a call
 * once) and then the print itself, and an assignment to an untyped
 * variable.  The locals' and globals' own errors follow. */
static void assert_types(Node *n)
{
	if (!n)
		return;
	if (n->kind == ND_PRINT && n->op != PR_PRINTF && n->op != PR_SPRINTF) {
		bool any = false;
		int first = n->op == PR_PRINTD || n->op == PR_PRINTDLN ||
			    n->op == PR_SPRINTD || n->op == PR_SPRINTDLN;
		for (int i = first; i < n->args.len; i++) {
			Node *a = n->args.items[i];
			assert_types(a);
			if (a->kind == ND_HIST || a->type != TY_UNKNOWN)
				continue;
			if ((a->kind == ND_VAR || a->kind == ND_INDEX) && a->var) {
				semantic_error(a->tok, "unresolved type ");
				semantic_error(a->tok, "unresolved type ");
				any = true;
			} else if (a->kind == ND_CALL && a->func) {
				semantic_error(a->tok, "unresolved type ");
				any = true;
			}
		}
		if (any)
			semantic_error(n->tok, "unresolved type ");
		return;
	}
	if (n->kind == ND_ASSIGN && n->op == OP_NONE && n->lhs->kind == ND_VAR &&
	    n->lhs->var && n->lhs->var->type == TY_UNKNOWN)
		semantic_error(n->lhs->tok, "unresolved type ");
	assert_types(n->lhs);
	assert_types(n->rhs);
	assert_types(n->cond);
	assert_types(n->then);
	assert_types(n->els);
	assert_types(n->init);
	assert_types(n->inc);
	assert_types(n->body);
	assert_types(n->limit);
	for (int i = 0; i < n->args.len; i++)
		assert_types(n->args.items[i]);
}

/* Does function F (or one it calls) assign an element of V? */
static bool writes_array(Node *n, Var *v, int depth);

static bool func_writes(Function *f, Var *v, int depth)
{
	return f && f->body && depth < 16 && writes_array(f->body, v, depth + 1);
}

static bool writes_array(Node *n, Var *v, int depth)
{
	if (!n)
		return false;
	switch (n->kind) {
	case ND_ASSIGN: case ND_PREINC: case ND_PREDEC: case ND_POSTINC:
	case ND_POSTDEC: case ND_AGG:
		if (n->lhs && n->lhs->var == v)
			return true;
		break;
	case ND_CALL:
		for (Function *f = n->func; f; f = f->next_overload)
			if (func_writes(f, v, depth))
				return true;
		break;
	default:
		break;
	}
	if (writes_array(n->lhs, v, depth) || writes_array(n->rhs, v, depth) ||
	    writes_array(n->cond, v, depth) || writes_array(n->then, v, depth) ||
	    writes_array(n->els, v, depth) || writes_array(n->init, v, depth) ||
	    writes_array(n->inc, v, depth) || writes_array(n->body, v, depth) ||
	    writes_array(n->limit, v, depth))
		return true;
	for (int i = 0; i < n->args.len; i++)
		if (writes_array(n->args.items[i], v, depth))
			return true;
	return false;
}

/* Report, in the body of a foreach over V, what modifies V (deleting is
 * allowed, as in SystemTap). */
static void check_foreach_body(Node *n, Var *v)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_ASSIGN: case ND_PREINC: case ND_PREDEC: case ND_POSTINC:
	case ND_POSTDEC: case ND_AGG:
		if (n->lhs && n->lhs->var == v)
			semantic_error(n->lhs->tok, "variable '%s' modified during 'foreach' iteration",
				       v->name);
		break;
	case ND_DELETE:         /* an element, not the whole array */
		if (n->lhs && n->lhs->kind == ND_INDEX && n->lhs->var == v)
			semantic_error(n->lhs->tok, "variable '%s' modified during 'foreach' iteration",
				       v->name);
		break;
	case ND_CALL:
		for (Function *f = n->func; f; f = f->next_overload)
			if (func_writes(f, v, 0)) {
				semantic_error(n->tok, "function call modifies var '%s' during 'foreach' iteration",
					       v->name);
				break;
			}
		break;
	default:
		break;
	}
	check_foreach_body(n->lhs, v);
	check_foreach_body(n->rhs, v);
	check_foreach_body(n->cond, v);
	check_foreach_body(n->then, v);
	check_foreach_body(n->els, v);
	check_foreach_body(n->init, v);
	check_foreach_body(n->inc, v);
	check_foreach_body(n->body, v);
	for (int i = 0; i < n->args.len; i++)
		check_foreach_body(n->args.items[i], v);
}

bool infer_types(void)
{
	int errors = sess->semantic_errors;

	/* embedded-C functions: untyped parameters are long (an untyped
	 * result is unknown, as a script function's without a value) */
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		if (!f->code)
			continue;
		for (int j = 0; j < f->params.len; j++) {
			Var *p = vec_get(&f->params, j);
			if (p->type == TY_UNKNOWN)
				p->type = TY_LONG;
		}
	}
	/* globals with initializers already have their type */
	reporting = false;
	for (int iter = 0; iter < 50; iter++) {
		changed = false;
		walk_all();
		if (!changed)
			break;
	}
	reporting = true;
	/* a[N] and a% declare arrays */
	for (int i = 0; i < sess->used_globals.len; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (g->arity == 0 && g->maxsize)
			semantic_error(g->tok, "inconsistent arity");
	}
	for (int i = 0; i < sess->used_globals.len && sess->semantic_errors == errors; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (g->arity == 0 && g->wrap)
			semantic_error(g->tok, "wrapping not supported for scalars");
	}
	walk_all();
	if (sess->semantic_errors > errors)
		return false;

	/* functions first, by name, then the probes, as SystemTap; a
	 * function that returns no value stays "unknown" (void) */
	Vec fns = functions_by_name();
	for (int i = 0; i < fns.len; i++) {
		Function *f = vec_get(&fns, i);
		assert_types(f->body);
		for (int j = 0; j < f->params.len; j++) {
			Var *p = vec_get(&f->params, j);
			if (p->type == TY_UNKNOWN)
				p->type = TY_LONG;
		}
		for (int j = 0; j < f->locals.len; j++)
			default_local(vec_get(&f->locals, j), f->body);
	}
	for (int i = 0; i < sess->handlers.len; i++) {
		Handler *h = vec_get(&sess->handlers, i);
		assert_types(h->body);
		for (int j = 0; j < h->locals.len; j++)
			default_local(vec_get(&h->locals, j), h->body);
	}
	/* the locals' errors come first, as in SystemTap; a global left
	 * only in code that @defined folded away is not an error (it goes
	 * with the next optimization) */
	for (int i = 0; i < sess->used_globals.len; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (g->arity < 0)
			g->arity = 0;
		if (g->type == TY_UNKNOWN && !global_referenced(g))
			continue;
		if (g->type == TY_UNKNOWN)
			semantic_error(g->tok, "unresolved type ");
		for (int k = 0; k < g->arity && k < 9; k++)
			if (g->index_types[k] == TY_UNKNOWN)
				semantic_error(g->tok, "unresolved type of index %d", k);
	}
	/* one more walk so that every node sees the defaulted types */
	reporting = false;
	walk_all();
	return sess->semantic_errors == errors;
}
