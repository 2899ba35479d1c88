/*
 * optimize.c - the optimizer of pass 2 (skipped with -u), run between
 * name binding and type inference as in SystemTap:
 *
 *  - assignments to locals that are never read are replaced by their
 *    value ("Eliding assignment to 'x'"),
 *  - expression statements without side effects are dropped ("Eliding
 *    side-effect-free expression "),
 *  - constant expressions are folded (not a division by zero), if/while/
 *    for on a constant condition lose their dead branch, statements after
 *    return/next/break/continue and empty statements go,
 *  - probes whose body ends up empty are dropped ("Probe 'begin' has been
 *    elided"), then functions, globals and locals nothing refers to.
 *
 * The whole is repeated until nothing changes.  The translator sees the
 * optimized tree.
 */
#include <string.h>

#include "stap.h"

/* Only the user's own code is warned about. */
static bool user_tok(Token *t)
{
	return t && t->file && t->file->is_user;
}

static bool changed;             /* something worth another round */
static int iteration;           /* warnings are shown in the first only */
static bool assignments_done;   /* fold() leaves dead assignments alone */
static bool late;               /* after type inference: folding, dead code */

/* ------------------------------------------------------------------ */
/* Side effects */

typedef struct Purity {
	Function *f;
	int state;              /* 1 being computed, 2 pure, 3 not pure */
} Purity;
static Vec purity;              /* Purity* */

static bool pure_expr(Node *n, Function *in);
static bool is_num(Node *n, int64_t *v);
static bool pure_stmt(Node *n, Function *in);

static bool function_pure1(Function *f);

/* A call is pure when every overload it may run is. */
static bool function_pure(Function *f)
{
	if (!f)
		return false;
	for (; f; f = f->next_overload)
		if (!function_pure1(f))
			return false;
	return true;
}

static bool function_pure1(Function *f)
{
	for (int i = 0; i < purity.len; i++) {
		Purity *p = vec_get(&purity, i);
		if (p->f == f)
			return p->state != 3;   /* recursion: assume pure */
	}
	Purity *p = arena_alloc(sizeof(*p));
	p->f = f;
	p->state = 1;
	vec_push(&purity, p);
	bool pure = f->code ? f->pure : pure_stmt(f->body, f);
	p->state = pure ? 2 : 3;
	return pure;
}

static bool pure_list(NodeList *l, Function *in)
{
	for (int i = 0; i < l->len; i++)
		if (!pure_expr(l->items[i], in))
			return false;
	return true;
}

/* Writing LV: a side effect, unless LV is a local of function IN (the
 * caller cannot see it). */
static bool pure_write(Node *lv, Function *in)
{
	if (!lv)
		return true;
	if (lv->kind == ND_VAR && lv->var && !lv->var->is_global && in)
		return true;
	return false;
}

static bool pure_expr(Node *n, Function *in)
{
	if (!n)
		return true;
	switch (n->kind) {
	case ND_NUM: case ND_STR: case ND_VAR: case ND_WILDCARD:
	case ND_DEFINED: case ND_ENTRY:
		return true;
	case ND_TARGET:
		return n->lhs ? pure_expr(n->lhs, in) && pure_list(&n->args, in) :
			pure_list(&n->args, in);
	case ND_INDEX:
		return pure_expr(n->lhs, in) && pure_list(&n->args, in);
	case ND_CALL:
		return pure_list(&n->args, in) && function_pure(n->func);
	case ND_ASSIGN:
		return pure_write(n->lhs, in) && pure_expr(n->rhs, in);
	case ND_PREINC: case ND_PREDEC: case ND_POSTINC: case ND_POSTDEC:
		return pure_write(n->lhs, in);
	case ND_AGG:
		return false;
	case ND_PRINT:
		return n->op >= PR_SPRINT && pure_list(&n->args, in);
	case ND_EMBEDDED_EXPR:
		return strstr(n->str, "/* pure */") != NULL;
	case ND_IN:
	case ND_HIST:
		return pure_list(&n->args, in) && pure_expr(n->lhs, in);
	case ND_STAT:
		return pure_expr(n->lhs, in);
	default:
		return pure_expr(n->lhs, in) && pure_expr(n->rhs, in) &&
		       pure_expr(n->cond, in) && pure_expr(n->then, in) &&
		       pure_expr(n->els, in) && pure_list(&n->args, in);
	}
}

static bool pure_stmt(Node *n, Function *in)
{
	if (!n)
		return true;
	switch (n->kind) {
	case ND_BLOCK:
		for (int i = 0; i < n->args.len; i++)
			if (!pure_stmt(n->args.items[i], in))
				return false;
		return true;
	case ND_EXPR_STMT:
		return pure_expr(n->lhs, in);
	case ND_NULL_STMT: case ND_BREAK: case ND_CONTINUE: case ND_NEXT:
		return true;
	case ND_RETURN:
		return pure_expr(n->lhs, in);
	case ND_IF:
		return pure_expr(n->cond, in) && pure_stmt(n->then, in) &&
		       pure_stmt(n->els, in);
	case ND_WHILE: case ND_FOR: {
		int64_t c;      /* a loop may not end: pure only if it never runs */
		return n->cond && is_num(n->cond, &c) && c == 0 &&
		       pure_expr(n->init, in);
	}
	case ND_FOREACH:
		return pure_expr(n->limit, in) && pure_list(&n->args, in) &&
		       pure_stmt(n->body, in);
	case ND_DELETE:
		return false;
	case ND_TRY:
		return pure_stmt(n->body, in) && pure_stmt(n->els, in);
	default:
		return pure_expr(n, in);
	}
}

/* ------------------------------------------------------------------ */
/* Which locals are read */

static void count_reads(Node *n, bool lvalue);

static void count_list(NodeList *l)
{
	for (int i = 0; i < l->len; i++)
		count_reads(l->items[i], false);
}

/* Var->read is set for a variable whose value is used: anything but the
 * target of a plain '='. */
static void count_reads(Node *n, bool lvalue)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_VAR:
		if (n->var && !lvalue)
			n->var->read = true;
		return;
	case ND_ASSIGN:
		count_reads(n->lhs, n->op == OP_NONE);
		count_reads(n->rhs, false);
		return;
	case ND_FOREACH:
		/* the key and value variables are written */
		count_list(&n->args);
		count_reads(n->limit, false);
		count_reads(n->body, false);
		if (n->var)
			n->var->read = true;
		return;
	case ND_TRY:
		count_reads(n->body, false);
		count_reads(n->els, false);
		return;
	default:
		break;
	}
	count_reads(n->lhs, false);
	count_reads(n->rhs, false);
	count_reads(n->cond, false);
	count_reads(n->then, false);
	count_reads(n->els, false);
	count_reads(n->init, false);
	count_reads(n->inc, false);
	count_reads(n->body, false);
	count_reads(n->limit, false);
	count_reads(n->value, false);
	count_list(&n->args);
	count_list(&n->keys);
}

/* ------------------------------------------------------------------ */
/* Folding */

static Node *num_node(Node *like, int64_t v)
{
	Node *n = arena_alloc(sizeof(*n));
	n->kind = ND_NUM;
	n->tok = like->tok;
	n->val = v;
	n->type = TY_LONG;
	changed = true;
	return n;
}

static Node *str_node(Node *like, char *s)
{
	Node *n = arena_alloc(sizeof(*n));
	n->kind = ND_STR;
	n->tok = like->tok;
	n->str = s;
	n->type = TY_STRING;
	changed = true;
	return n;
}

static bool is_num(Node *n, int64_t *v)
{
	if (n && n->kind == ND_NUM) {
		if (v)
			*v = n->val;
		return true;
	}
	return false;
}

static Node *fold(Node *n, Function *in);

static void fold_list(NodeList *l, Function *in)
{
	for (int i = 0; i < l->len; i++)
		l->items[i] = fold(l->items[i], in);
}

static Node *fold_binary(Node *n, Function *in)
{
	int64_t a = 0, b = 0;
	bool la = is_num(n->lhs, &a), lb = is_num(n->rhs, &b);
	if (n->op == OP_CONCAT) {
		if (n->lhs->kind == ND_STR && n->rhs->kind == ND_STR)
			return str_node(n->lhs, format("%s%s", n->lhs->str, n->rhs->str));
		return n;
	}
	if (la && lb) {
		uint64_t ua = a, ub = b;
		switch (n->op) {
		case OP_ADD: return num_node(n->lhs, (int64_t)(ua + ub));
		case OP_SUB: return num_node(n->lhs, (int64_t)(ua - ub));
		case OP_MUL: return num_node(n->lhs, (int64_t)(ua * ub));
		case OP_DIV:
			if (b == 0 || (a == INT64_MIN && b == -1))
				return n;
			return num_node(n->lhs, a / b);
		case OP_MOD:
			if (b == 0 || (a == INT64_MIN && b == -1))
				return n;
			return num_node(n->lhs, a % b);
		/* as SystemTap folds them, a shift by a count out of 0..63
		 * leaves the value as it is */
		case OP_SHL:
			if (b < 0 || b > 63)
				return num_node(n->lhs, a);
			return num_node(n->lhs, (int64_t)(ua << b));
		case OP_SHR:
			if (b < 0 || b > 63)
				return num_node(n->lhs, a);
			return num_node(n->lhs, a >> b);
		case OP_USHR:
			if (b < 0 || b > 63)
				return n;
			return num_node(n->lhs, (int64_t)(ua >> b));
		case OP_BITAND: return num_node(n->lhs, a & b);
		case OP_BITOR: return num_node(n->lhs, a | b);
		case OP_BITXOR: return num_node(n->lhs, a ^ b);
		default: return n;
		}
	}
	/* x + 0, 0 + x, x - 0, x * 1, 1 * x, x * 0, 0 * x */
	if (lb && b == 0 && (n->op == OP_ADD || n->op == OP_SUB)) {
		changed = true;
		return n->lhs;
	}
	if (la && a == 0 && n->op == OP_ADD) {
		changed = true;
		return n->rhs;
	}
	if (n->op == OP_MUL) {
		if ((lb && b == 1) || (la && a == 1)) {
			changed = true;
			return lb ? n->lhs : n->rhs;
		}
		if (lb && b == 0 && pure_expr(n->lhs, in))
			return num_node(n->rhs, 0);
		if (la && a == 0 && pure_expr(n->rhs, in))
			return num_node(n->lhs, 0);
	}
	return n;
}

static Node *fold_cmp(Node *n)
{
	int64_t a, b;
	int c;
	if (n->op == OP_REGEX_MATCH || n->op == OP_REGEX_NOMATCH)
		return n;
	if (is_num(n->lhs, &a) && is_num(n->rhs, &b))
		c = a < b ? -1 : a > b;
	else if (n->lhs->kind == ND_STR && n->rhs->kind == ND_STR)
		c = strcmp(n->lhs->str, n->rhs->str);
	else
		return n;
	int r;
	switch (n->op) {
	case OP_LT: r = c < 0; break;
	case OP_LE: r = c <= 0; break;
	case OP_GT: r = c > 0; break;
	case OP_GE: r = c >= 0; break;
	case OP_EQ: r = c == 0; break;
	case OP_NE: r = c != 0; break;
	default: return n;
	}
	return num_node(n->lhs, r);
}

/* An unread local's plain assignment, replaced by its value. */
static bool dead_assignment(Node *n)
{
	if (n->kind != ND_ASSIGN || n->op != OP_NONE || n->lhs->kind != ND_VAR)
		return false;
	Var *v = n->lhs->var;
	return v && !v->is_global && !v->read;
}

static Node *fold(Node *n, Function *in)
{
	if (!n || !late)
		return n;
	n->lhs = fold(n->lhs, in);
	n->rhs = fold(n->rhs, in);
	n->cond = fold(n->cond, in);
	n->then = fold(n->then, in);
	n->els = fold(n->els, in);
	if (n->kind != ND_TARGET && n->kind != ND_PRINT)
		fold_list(&n->args, in);
	else if (n->kind == ND_PRINT) {
		/* the format stays a literal */
		for (int i = 1; i < n->args.len; i++)
			n->args.items[i] = fold(n->args.items[i], in);
		if (n->op != PR_PRINTF && n->op != PR_SPRINTF && n->args.len)
			n->args.items[0] = fold(n->args.items[0], in);
	}
	int64_t a = 0, b = 0;
	switch (n->kind) {
	case ND_ASSIGN:
		if (!assignments_done && dead_assignment(n)) {
			if (iteration == 0 && !late && user_tok(n->tok))
				warning_at(n->tok, "Eliding assignment to '%s'", n->lhs->name);
			changed = true;
			return n->rhs;
		}
		return n;
	case ND_BINARY:
		return fold_binary(n, in);
	case ND_CMP:
		return fold_cmp(n);
	case ND_LOGAND:
		if (is_num(n->lhs, &a) && a == 0)
			return num_node(n->lhs, 0);
		if (is_num(n->lhs, &a) && is_num(n->rhs, &b))
			return num_node(n->lhs, a && b);
		return n;
	case ND_LOGOR:
		if (is_num(n->lhs, &a) && a != 0)
			return num_node(n->lhs, 1);
		if (is_num(n->lhs, &a) && is_num(n->rhs, &b))
			return num_node(n->lhs, a || b);
		return n;
	case ND_NOT:
		return is_num(n->lhs, &a) ? num_node(n, !a) : n;
	case ND_NEG:
		return is_num(n->lhs, &a) ? num_node(n, (int64_t)-(uint64_t)a) : n;
	case ND_BITNOT:
		return is_num(n->lhs, &a) ? num_node(n, ~a) : n;
	case ND_UPLUS:
		if (is_num(n->lhs, &a))
			return num_node(n, a);
		return n;
	case ND_COND:
		if (is_num(n->cond, &a)) {
			changed = true;
			return a ? n->then : n->els;
		}
		return n;
	default:
		return n;
	}
}

/* The dead assignments of a body, first, as a pass of their own. */
static Node *elide_assignments(Node *n)
{
	if (!n)
		return NULL;
	n->lhs = elide_assignments(n->lhs);
	n->rhs = elide_assignments(n->rhs);
	n->cond = elide_assignments(n->cond);
	n->then = elide_assignments(n->then);
	n->els = elide_assignments(n->els);
	n->init = elide_assignments(n->init);
	n->inc = elide_assignments(n->inc);
	n->body = elide_assignments(n->body);
	n->limit = elide_assignments(n->limit);
	if (n->kind != ND_TARGET)
		for (int i = 0; i < n->args.len; i++)
			n->args.items[i] = elide_assignments(n->args.items[i]);
	if (dead_assignment(n)) {
		if (iteration == 0 && !late && user_tok(n->tok))
			warning_at(n->tok, "Eliding assignment to '%s'", n->lhs->name);
		changed = true;
		return n->rhs;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Statements */

static Node *empty_block(Token *tok)
{
	Node *b = arena_alloc(sizeof(*b));
	b->kind = ND_BLOCK;
	b->tok = tok;
	return b;
}

static bool is_empty(Node *n)
{
	return !n || n->kind == ND_NULL_STMT ||
	       (n->kind == ND_BLOCK && n->args.len == 0);
}

static Node *opt_stmt(Node *n, Function *in);
static Node *elide_assignments(Node *n);

/* A statement or a block where one is required (never NULL). */
static Node *opt_body(Node *n, Function *in)
{
	Node *r = opt_stmt(n, in);
	return r ? r : empty_block(n->tok);
}

static Node *opt_stmt(Node *n, Function *in)
{
	if (!n)
		return NULL;
	int64_t c;
	switch (n->kind) {
	case ND_BLOCK: {
		NodeList out = {0};
		for (int i = 0; i < n->args.len; i++) {
			Node *s = opt_stmt(n->args.items[i], in);
			if (!s)
				continue;
			/* nested blocks flatten: names have no block scope */
			if (s->kind == ND_BLOCK) {
				for (int j = 0; j < s->args.len; j++)
					nodelist_push(&out, s->args.items[j]);
			} else {
				nodelist_push(&out, s);
			}
			Node *last = out.len ? out.items[out.len - 1] : NULL;
			/* after the types: what follows still gives them */
			if (late && last && (last->kind == ND_RETURN || last->kind == ND_NEXT ||
				     last->kind == ND_BREAK || last->kind == ND_CONTINUE))
				break;
		}
		n->args = out;
		/* a block of one statement is that statement */
		if (out.len == 1)
			return out.items[0];
		return out.len ? n : NULL;
	}
	case ND_NULL_STMT:
		return NULL;
	case ND_EXPR_STMT:
		n->lhs = fold(n->lhs, in);
		if (pure_expr(n->lhs, NULL)) {
			if (iteration == 0 && !late && user_tok(n->tok))
				warning_at(n->tok, "Eliding side-effect-free expression ");
			changed = true;
			return NULL;
		}
		return n;
	case ND_IF:
		n->cond = fold(n->cond, in);
		if (late && is_num(n->cond, &c))
			return opt_stmt(c ? n->then : n->els, in);
		n->then = opt_stmt(n->then, in);
		n->els = opt_stmt(n->els, in);
		if (late && !n->then && !n->els && pure_expr(n->cond, NULL))
			return NULL;
		if (!n->then)
			n->then = empty_block(n->tok);
		return n;
	case ND_WHILE:
	case ND_FOR:
		n->init = fold(n->init, in);
		n->cond = fold(n->cond, in);
		n->inc = fold(n->inc, in);
		n->body = opt_stmt(n->body, in);
		/* only a loop that never runs goes: an empty one may not end
		 * (for (;;) {} runs into MAXACTION, as SystemTap keeps it) */
		if (late && n->cond && is_num(n->cond, &c) && c == 0) {
			if (n->init && !pure_expr(n->init, NULL)) {
				Node *s = arena_alloc(sizeof(*s));
				s->kind = ND_EXPR_STMT;
				s->tok = n->init->tok;
				s->lhs = n->init;
				return s;
			}
			return NULL;
		}
		if (!n->body)
			n->body = empty_block(n->tok);
		return n;
	case ND_FOREACH:
		n->limit = fold(n->limit, in);
		fold_list(&n->args, in);
		n->body = opt_body(n->body, in);
		return n;
	case ND_RETURN:
		n->lhs = fold(n->lhs, in);
		return n;
	case ND_TRY:
		n->body = opt_body(n->body, in);
		n->els = opt_body(n->els, in);
		if (is_empty(n->body))
			return NULL;
		return n;
	case ND_DELETE:
		fold_list(&n->lhs->args, in);
		return n;
	default:
		return n;
	}
}

/* ------------------------------------------------------------------ */
/* What is still used */

static void mark_used(Node *n);

static void mark_list(NodeList *l)
{
	for (int i = 0; i < l->len; i++)
		mark_used(l->items[i]);
}

static Vec reached;             /* Function* */

static void reach_function(Function *f)
{
	if (!f || f->used)
		return;
	f->used = true;
	vec_push(&reached, f);
	mark_used(f->body);
}

/* Var->written doubles as "referenced" while this runs. */
static void mark_used(Node *n)
{
	if (!n)
		return;
	if (n->var)
		n->var->written = true;
	if (n->kind == ND_CALL)
		for (Function *f = n->func; f; f = f->next_overload)
			reach_function(f);
	mark_used(n->lhs);
	mark_used(n->rhs);
	mark_used(n->cond);
	mark_used(n->then);
	mark_used(n->els);
	mark_used(n->init);
	mark_used(n->inc);
	mark_used(n->body);
	mark_used(n->limit);
	mark_used(n->value);
	mark_used(n->catch_var);
	mark_list(&n->args);
	mark_list(&n->keys);
}

static void prune_locals(Vec *locals)
{
	Vec keep = {0};
	for (int i = 0; i < locals->len; i++) {
		Var *v = vec_get(locals, i);
		if (v->written) {
			v->index = keep.len;
			vec_push(&keep, v);
		}
	}
	*locals = keep;
}

static void clear_marks(Vec *vars)
{
	for (int i = 0; i < vars->len; i++) {
		Var *v = vec_get(vars, i);
		v->read = v->written = false;
	}
}

static void prune(void)
{
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		f->used = false;
		clear_marks(&f->locals);
		clear_marks(&f->params);
	}
	clear_marks(&sess->used_globals);
	for (int i = 0; i < sess->handlers.len; i++)
		clear_marks(&((Handler *)vec_get(&sess->handlers, i))->locals);

	reached = (Vec){0};
	for (int i = 0; i < sess->handlers.len; i++)
		mark_used(((Handler *)vec_get(&sess->handlers, i))->body);
	for (int i = 0; i < sess->derived.len; i++)
		mark_used(((DerivedProbe *)vec_get(&sess->derived, i))->cond);

	/* functions in their first-use order */
	Vec fns = {0};
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		if (f->used) {
			f->index = fns.len;
			vec_push(&fns, f);
			prune_locals(&f->locals);
		} else {
			changed = true;
		}
	}
	sess->used_functions = fns;
	Vec gs = {0};
	for (int i = 0; i < sess->used_globals.len; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (g->written) {
			g->index = gs.len;
			vec_push(&gs, g);
		} else {
			changed = true;
		}
	}
	sess->used_globals = gs;
	for (int i = 0; i < sess->handlers.len; i++)
		prune_locals(&((Handler *)vec_get(&sess->handlers, i))->locals);
}

/* Where SystemTap reports an elided probe: at 'probe' for a probe point
 * of the user's, at the point the user wrote for one from an alias. */
static Token *elided_tok(DerivedProbe *d)
{
	Token *kw = d->handler->tok;
	for (int i = 0; i < sess->probes.len; i++) {
		Probe *p = vec_get(&sess->probes, i);
		if (p->tok != kw)
			continue;
		Token *alias_pt = NULL;
		for (int j = 0; j < p->points.len; j++) {
			ProbePoint *pp = vec_get(&p->points, j);
			if (pp->tok == d->tok)
				return kw;
			if (!strcmp(probe_point_str(pp), d->user_pp))
				alias_pt = pp->tok;
		}
		return alias_pt ? alias_pt : kw;
	}
	return kw ? kw : d->tok;
}

/* Drop the probes whose handler did nothing. */
static void elide_probes(void)
{
	Vec keep = {0}, handlers = {0};
	for (int i = 0; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		if (!is_empty(d->handler->body)) {
			d->index = keep.len;
			vec_push(&keep, d);
			continue;
		}
		const char *name = d->pp;
		size_t len = strcspn(name, ".(");
		Token *at = elided_tok(d);
		if (user_tok(at))
			warning_at(at, "Probe '%.*s' has been elided", (int)len, name);
	}
	for (int i = 0; i < sess->handlers.len; i++) {
		Handler *h = vec_get(&sess->handlers, i);
		bool used = false;
		for (int j = 0; j < keep.len && !used; j++)
			used = ((DerivedProbe *)vec_get(&keep, j))->handler == h;
		if (used) {
			h->index = handlers.len;
			vec_push(&handlers, h);
		}
	}
	sess->derived = keep;
	sess->handlers = handlers;
}

static void reset_reads(void)
{
	for (int i = 0; i < sess->handlers.len; i++)
		clear_marks(&((Handler *)vec_get(&sess->handlers, i))->locals);
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		clear_marks(&f->locals);
		clear_marks(&f->params);
	}
	for (int i = 0; i < sess->handlers.len; i++)
		count_reads(((Handler *)vec_get(&sess->handlers, i))->body, false);
	for (int i = 0; i < sess->used_functions.len; i++)
		count_reads(((Function *)vec_get(&sess->used_functions, i))->body, false);
	/* parameters are never elided */
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		for (int j = 0; j < f->params.len; j++)
			((Var *)vec_get(&f->params, j))->read = true;
	}
}

void optimize(bool after_types)
{
	late = after_types;
	for (iteration = 0; iteration < 50; iteration++) {
		changed = false;
		purity = (Vec){0};
		reset_reads();
		assignments_done = false;
		for (int i = 0; i < sess->handlers.len; i++) {
			Handler *h = vec_get(&sess->handlers, i);
			h->body = elide_assignments(h->body);
		}
		for (int i = 0; i < sess->used_functions.len; i++) {
			Function *f = vec_get(&sess->used_functions, i);
			f->body = elide_assignments(f->body);
		}
		assignments_done = true;
		for (int i = 0; i < sess->handlers.len; i++) {
			Handler *h = vec_get(&sess->handlers, i);
			Node *b = opt_stmt(h->body, NULL);
			if (!b)
				b = empty_block(h->tok);
			else if (b->kind != ND_BLOCK) {
				Node *blk = empty_block(b->tok);
				nodelist_push(&blk->args, b);
				b = blk;
			}
			h->body = b;
		}
		for (int i = 0; i < sess->used_functions.len; i++) {
			Function *f = vec_get(&sess->used_functions, i);
			if (!f->body)
				continue;
			Node *b = opt_stmt(f->body, f);
			if (!b)
				b = empty_block(f->body->tok);
			else if (b->kind != ND_BLOCK) {
				Node *blk = empty_block(b->tok);
				nodelist_push(&blk->args, b);
				b = blk;
			}
			f->body = b;
		}
		prune();
		if (!changed)
			break;
	}
	elide_probes();
	prune();
	/* the flags were scratch space: type.c and the translator set their own */
	for (int i = 0; i < sess->used_globals.len; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		g->read = g->written = false;
	}
	for (int i = 0; i < sess->used_functions.len; i++)
		((Function *)vec_get(&sess->used_functions, i))->used = true;
}

/* ------------------------------------------------------------------ */
/* "never-assigned local variable": a local that is only ever read */

static void mark_written(Node *n, bool lvalue);

static void mark_written_list(NodeList *l)
{
	for (int i = 0; i < l->len; i++)
		mark_written(l->items[i], false);
}

static void mark_written(Node *n, bool lvalue)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_VAR:
		if (lvalue && n->var)
			n->var->written = true;
		return;
	case ND_INDEX:
		if (lvalue && n->var)
			n->var->written = true;
		break;
	case ND_ASSIGN:
		mark_written(n->lhs, true);
		mark_written(n->rhs, false);
		return;
	case ND_AGG:
		mark_written(n->lhs, true);
		mark_written(n->rhs, false);
		return;
	case ND_DELETE:
		mark_written(n->lhs, true);
		return;
	case ND_PREINC: case ND_PREDEC: case ND_POSTINC: case ND_POSTDEC:
		mark_written(n->lhs, true);
		return;
	case ND_FOREACH:
		for (int i = 0; i < n->keys.len; i++)
			mark_written(n->keys.items[i], true);
		mark_written(n->value, true);
		break;
	case ND_TRY:
		mark_written(n->catch_var, true);
		break;
	default:
		break;
	}
	mark_written(n->lhs, false);
	mark_written(n->rhs, false);
	mark_written(n->cond, false);
	mark_written(n->then, false);
	mark_written(n->els, false);
	mark_written(n->init, false);
	mark_written(n->inc, false);
	mark_written(n->body, false);
	mark_written(n->limit, false);
	mark_written_list(&n->args);
}

/* " (similar: a, b)": the variables in scope nearest to V's name, by
 * edit distance, length and name, at most five. */
static char *similar_vars(Var *v, Vec *locals, bool with_self)
{
	Vec cands = {0};
	Vec *sets[] = { locals, &sess->used_globals };
	for (int s = 0; s < 2; s++)
		for (int i = 0; sets[s] && i < sets[s]->len; i++) {
			Var *c = vec_get(sets[s], i);
			if (c == v && !with_self)
				continue;
			bool dup = false;
			for (int j = 0; j < cands.len && !dup; j++)
				dup = !strcmp(((Var *)vec_get(&cands, j))->name, c->name);
			if (!dup)
				vec_push(&cands, c);
		}
	/* selection sort: the lists are short */
	for (int i = 0; i < cands.len; i++)
		for (int j = i + 1; j < cands.len; j++) {
			Var *a = vec_get(&cands, i), *b = vec_get(&cands, j);
			int da = edit_distance(v->name, a->name);
			int db = edit_distance(v->name, b->name);
			int la = strlen(a->name), lb = strlen(b->name);
			if (db < da || (db == da && (lb < la ||
			    (lb == la && strcmp(b->name, a->name) < 0)))) {
				cands.data[i] = b;
				cands.data[j] = a;
			}
		}
	if (!cands.len)
		return "";
	StrBuf sb = {0};
	sb_puts(&sb, " (similar: ");
	for (int i = 0; i < cands.len && i < 5; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "", ((Var *)vec_get(&cands, i))->name);
	sb_putc(&sb, ')');
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	return r;
}

static void warn_locals(Vec *locals)
{
	for (int i = 0; i < locals->len; i++) {
		Var *v = vec_get(locals, i);
		if (!v->written && user_tok(v->tok))
			warning_at(v->tok, "never-assigned local variable '%s'%s", v->name,
				   similar_vars(v, locals, false));
	}
	for (int i = 0; i < locals->len; i++)
		((Var *)vec_get(locals, i))->written = false;
}

void warn_unassigned(void)
{
	for (int i = 0; i < sess->used_globals.len; i++)
		((Var *)vec_get(&sess->used_globals, i))->written = false;
	for (int i = 0; i < sess->handlers.len; i++) {
		Handler *h = vec_get(&sess->handlers, i);
		mark_written(h->body, false);
		warn_locals(&h->locals);
	}
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		mark_written(f->body, false);
		warn_locals(&f->locals);
	}
	for (int i = 0; i < sess->used_globals.len; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (!g->written && !g->init && user_tok(g->tok))
			warning_at(g->tok, "never-assigned global variable '%s'%s", g->name,
				   similar_vars(g, NULL, true));
	}
	for (int i = 0; i < sess->used_globals.len; i++)
		((Var *)vec_get(&sess->used_globals, i))->written = false;
}
