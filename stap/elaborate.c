/*
 * elaborate.c - pass 2: from parsed probes to derived probes, in steps.
 *
 *  1. Each probe's points are resolved (resolve.c: the probe kinds and
 *     the aliases) and its handler's names bound (bind.c), then the
 *     functions found used; the plain probes of tapset files the script
 *     uses come in turn.
 *  2. optimize.c elides what has no effect (unless -u).
 *  3. tvar.c resolves $target expressions, @cast, @var, @entry.
 *  4. type.c infers and checks types; optimize.c runs again.
 *  5. The globals written and never read get an end probe that prints
 *     them (below), and -G settings are checked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

static void add_global_display(void);

void elaborate_reset(void)
{
	resolve_reset();
	bind_reset();
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
		/* the handlers and conditions made since last time */
		for (int i = 0; i < sess->probes.len; i++) {
			Probe *p = vec_get(&sess->probes, i);
			if (done[i] || (p->file && !p->file->is_user &&
					!file_used(p->file)))
				continue;
			done[i] = true;
			any = true;
			resolve_probe(p);
			for (; nh < sess->handlers.len; nh++)
				bind_handler(vec_get(&sess->handlers, nh));
			for (; nd < sess->derived.len; nd++)
				bind_condition(vec_get(&sess->derived, nd));
		}
		if (!any)
			return sess->semantic_errors == errors;
		bind_queued_functions();
	}
}

/*
 * Pass 2: resolve the probe points and bind names (resolve.c, bind.c),
 * optimize (optimize.c), resolve the $target expressions (tvar.c), infer
 * and check types (type.c), optimize again, then add the display of
 * globals written and never read.
 */
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
		if (t->file->is_user || file_used(t->file))
			vec_push(&sess->used_embeds, t);
	}
	warn_unassigned();
	if (!check_lvalues())
		return false;
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
	if (!sess->no_global_display && sess->semantic_errors == errors)
		add_global_display();
	if (sess->semantic_errors == errors && !check_global_settings())
		return false;
	return sess->semantic_errors == errors;
}


/* ------------------------------------------------------------------ */
/* Globals written but never read, printed at exit as SystemTap does */

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
		be_display_probe(h);
	}
}

