/*
 * translate.c - pass 3: write the module's C source.
 *
 * The output is one translation unit (doc/runtime.md):
 *
 *	#defines (-D options)
 *	#include "runtime.h"
 *	globals, their locks and statistics shapes
 *	frame structs: one per handler/condition (locals and string
 *	temporaries), one per script function (params, locals, temporaries)
 *	#include "stp_context.h"	(struct context holds those frames)
 *	top-level %{ %} embeds, functions, handlers, probe wrappers
 *	probe tables, globals init/free
 *	#include "stp_module.h"
 *
 * Expressions become C expressions: long values are int64_t, string
 * values are `const char *` pointing at a variable, a literal, or a
 * temporary buffer in the current frame.  Anything that needs statements
 * (keys of an array access, checks that can fail) is a GNU statement
 * expression.  A failing check records the message and the token's
 * description in the context and jumps to the current error label: the
 * handler's exit, or the catch block of the innermost try.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

/* Code being generated for one C function. */
typedef struct Scope {
	Function *func;         /* NULL in a handler or probe condition */
	Vec *locals;            /* the locals (and params) the code may use */
	Vec *params;
	StrBuf fields;          /* the frame struct's fields */
	int nfields;
	int ntemps;             /* string temporaries l->__tN */
	int nc;                 /* C temporaries and labels */
	const char *errlabel;   /* where a failure goes */
	int loop_depth;
	bool counted;           /* the body charges MAXACTION (act_counted) */
	int pend;               /* actions counted, not charged yet */
} Scope;

static Scope *sc;
static bool failed;

static void gen_fail(Token *tok, const char *fmt, const char *what)
{
	/* SystemTap's translator stops at its first error */
	if (failed)
		return;
	semantic_error(tok, fmt, what);
	failed = true;
}

/* ------------------------------------------------------------------ */
/* names and literals */

static char *c_ident(const char *name)
{
	StrBuf sb = {0};
	for (const char *p = name; *p; p++) {
		if (*p == '$')
			sb_puts(&sb, "_S_");
		else if (*p == '@')
			sb_puts(&sb, "_A_");
		else
			sb_putc(&sb, *p);
	}
	char *r = arena_strdup(sb.len ? sb.buf : "_");
	sb_release(&sb);
	return r;
}

/* A C string literal with the bytes of S. */
char *c_string(const char *s)
{
	StrBuf sb = {0};
	sb_putc(&sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': sb_puts(&sb, "\\\""); break;
		case '\\': sb_puts(&sb, "\\\\"); break;
		case '\n': sb_puts(&sb, "\\n"); break;
		case '\t': sb_puts(&sb, "\\t"); break;
		case '?': sb_puts(&sb, "\\?"); break;   /* no trigraphs */
		default:
			if (*p < 0x20 || *p >= 0x7f)
				sb_printf(&sb, "\\%03o", *p);
			else
				sb_putc(&sb, *p);
		}
	}
	sb_putc(&sb, '"');
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	return r;
}

/* The token description runtime errors print, as a C literal. */
static char *where(Node *n)
{
	return n && n->tok ? c_string(tok_describe(n->tok)) : "NULL";
}

/* "file:line" for a comment (never ending or starting one). */
static char *loc_text(Token *tok)
{
	if (!tok || !tok->file)
		return "";
	char *r = format("%s:%d", tok->file->name, tok->line);
	for (char *p = r; p[0] && p[1]; p++)
		if ((p[0] == '*' && p[1] == '/') || (p[0] == '/' && p[1] == '*'))
			p[0] = '_';
	return r;
}

static char *loc_comment(Token *tok)
{
	if (!tok || !tok->file)
		return "";
	return format("/* %s */", loc_text(tok));
}

static char *num_lit(int64_t v)
{
	if (v == INT64_MIN)
		return "((int64_t)(-9223372036854775807LL - 1))";
	return format("((int64_t)%" PRId64 "LL)", v);
}

static bool is_array(Var *v)
{
	return v->arity > 0;
}

static bool vec_has(Vec *v, void *p)
{
	for (int i = 0; v && i < v->len; i++)
		if (vec_get(v, i) == p)
			return true;
	return false;
}

static char *var_ref(Var *v)
{
	if (v->is_global)
		return v->cname;
	/* a local of another scope would be a field of the wrong frame */
	if (sc && !vec_has(sc->locals, v) && !vec_has(sc->params, v)) {
		gen_fail(v->tok, "internal error: local '%s' is not in this probe's or function's scope (an alias body shared by two probes?)",
			 v->name);
		return "l->__dummy";
	}
	return format("l->%s", v->cname);
}

/* A fresh C temporary / label number in the current function. */
static int fresh(void)
{
	return ++sc->nc;
}

/* A string temporary (MAXSTRINGLEN bytes) in the current frame. */
static char *new_temp(void)
{
	int n = sc->ntemps++;
	sb_printf(&sc->fields, "\tchar __t%d[MAXSTRINGLEN];\n", n);
	sc->nfields++;
	return format("l->__t%d", n);
}

/* "{ c->last_error = MSG; c->last_stmt = WHERE; goto ERR; }" */
static char *fail_code(const char *msg, const char *wh)
{
	return format("{ STP_SET_ERROR(c, %s, %s); goto %s; }", msg, wh,
		      sc->errlabel);
}

/* ------------------------------------------------------------------ */
/* global access analysis: which globals a handler reads and writes */

enum { ACC_NONE, ACC_READ, ACC_WRITE };

typedef struct Access {
	unsigned char *g;       /* per used global: ACC_* */
	Vec calls;              /* Function* called directly */
} Access;

static Access *func_access;     /* per used function */
static int nglobals;

static void acc_set(Access *a, Var *v, int how)
{
	if (!v || !v->is_global || v->index >= nglobals)
		return;
	if (a->g[v->index] < how)
		a->g[v->index] = how;
}

static void collect(Access *a, Node *n);

static void collect_list(Access *a, NodeList *l)
{
	for (int i = 0; i < l->len; i++)
		collect(a, l->items[i]);
}

/* A write to the variable node N (assignment target, ++, delete). */
static void collect_lvalue(Access *a, Node *n)
{
	if (n->kind == ND_VAR || n->kind == ND_INDEX) {
		acc_set(a, n->var, ACC_WRITE);
		collect_list(a, &n->args);
		return;
	}
	collect(a, n);
}

static void collect(Access *a, Node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_VAR:
		/* statistics: every read aggregates, which writes */
		acc_set(a, n->var, n->var && n->var->type == TY_STATS ?
			ACC_WRITE : ACC_READ);
		return;
	case ND_INDEX:
		if (n->lhs) {
			collect(a, n->lhs);
			collect_list(a, &n->args);
			return;
		}
		acc_set(a, n->var, n->var && n->var->type == TY_STATS ?
			ACC_WRITE : ACC_READ);
		collect_list(a, &n->args);
		return;
	case ND_IN:
		acc_set(a, n->var, n->var && n->var->type == TY_STATS ?
			ACC_WRITE : ACC_READ);
		collect_list(a, &n->args);
		return;
	case ND_ASSIGN:
	case ND_PREINC: case ND_PREDEC: case ND_POSTINC: case ND_POSTDEC:
		collect_lvalue(a, n->lhs);
		collect(a, n->rhs);
		return;
	case ND_DELETE:
		collect_lvalue(a, n->lhs);
		return;
	case ND_AGG:
		/* <<< only touches this CPU's copy: a shared lock will do */
		acc_set(a, n->lhs->var, ACC_READ);
		collect_list(a, &n->lhs->args);
		collect(a, n->rhs);
		return;
	case ND_FOREACH:
		if (n->lhs) {           /* histogram buckets: a read */
			acc_set(a, n->lhs->lhs->var, ACC_READ);
			collect_list(a, &n->lhs->lhs->args);
			collect_list(a, &n->keys);
			if (n->value)
				collect_lvalue(a, n->value);
			collect(a, n->limit);
			collect(a, n->body);
			return;
		}
		/* sorting reorders the array, statistics aggregate */
		acc_set(a, n->var, n->sort_column || (n->var &&
			n->var->type == TY_STATS) ? ACC_WRITE : ACC_READ);
		collect_list(a, &n->keys);
		if (n->value)
			collect_lvalue(a, n->value);
		collect_list(a, &n->args);
		collect(a, n->limit);
		collect(a, n->body);
		return;
	case ND_CALL:
		for (Function *f = n->func; f; f = f->next_overload)
			vec_push(&a->calls, f);
		collect_list(a, &n->args);
		return;
	case ND_TRY:
		collect(a, n->body);
		if (n->catch_var)
			collect_lvalue(a, n->catch_var);
		collect(a, n->els);
		return;
	default:
		break;
	}
	collect(a, n->lhs);
	collect(a, n->rhs);
	collect(a, n->cond);
	collect(a, n->then);
	collect(a, n->els);
	collect(a, n->init);
	collect(a, n->inc);
	collect(a, n->body);
	collect(a, n->limit);
	collect_list(a, &n->args);
	collect_list(a, &n->keys);
}

/* Embedded C declares its globals with pragma:read:X / pragma:write:X. */
static void collect_embedded(Access *a, Function *f)
{
	for (int i = 0; i < sess->used_globals.len; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (strstr(f->code, format("pragma:write:%s ", g->name)) ||
		    strstr(f->code, format("pragma:write:%s*", g->name)))
			acc_set(a, g, ACC_WRITE);
		else if (strstr(f->code, format("pragma:read:%s ", g->name)) ||
			 strstr(f->code, format("pragma:read:%s*", g->name)))
			acc_set(a, g, ACC_READ);
	}
}

static void analyze_functions(void)
{
	int nf = sess->used_functions.len;
	func_access = arena_alloc((nf + 1) * sizeof(Access));
	for (int i = 0; i < nf; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		Access *a = &func_access[i];
		a->g = arena_alloc(nglobals + 1);
		if (f->body)
			collect(a, f->body);
		else if (f->code)
			collect_embedded(a, f);
	}
	/* propagate through calls until nothing changes */
	bool changed = true;
	while (changed) {
		changed = false;
		for (int i = 0; i < nf; i++) {
			Access *a = &func_access[i];
			for (int j = 0; j < a->calls.len; j++) {
				Function *callee = vec_get(&a->calls, j);
				Access *b = &func_access[callee->index];
				for (int k = 0; k < nglobals; k++)
					if (b->g[k] > a->g[k]) {
						a->g[k] = b->g[k];
						changed = true;
					}
			}
		}
	}
}

/* The globals touched by NODE and everything it calls. */
static unsigned char *node_access(Node *node, unsigned char *into)
{
	Access a = {0};
	a.g = into ? into : arena_alloc(nglobals + 1);
	collect(&a, node);
	for (int j = 0; j < a.calls.len; j++) {
		Access *b = &func_access[((Function *)vec_get(&a.calls, j))->index];
		for (int k = 0; k < nglobals; k++)
			if (b->g[k] > a.g[k])
				a.g[k] = b->g[k];
	}
	return a.g;
}

/* Call depth for MAXNESTING: deepest chain of script functions. */
static int *depth_memo;
static bool recursive;

static int call_depth(Function *f, int *onstack)
{
	if (onstack[f->index]) {
		recursive = true;
		return 0;
	}
	if (depth_memo[f->index] >= 0)
		return depth_memo[f->index];
	onstack[f->index] = 1;
	int d = 0;
	Access *a = &func_access[f->index];
	for (int j = 0; j < a->calls.len; j++) {
		int x = call_depth(vec_get(&a->calls, j), onstack);
		if (x > d)
			d = x;
	}
	onstack[f->index] = 0;
	d += f->body ? 1 : 0;
	depth_memo[f->index] = d;
	return d;
}

static int max_nesting(void)
{
	int nf = sess->used_functions.len, d = 0;
	depth_memo = arena_alloc((nf + 1) * sizeof(int));
	int *onstack = arena_alloc((nf + 1) * sizeof(int));
	for (int i = 0; i < nf; i++)
		depth_memo[i] = -1;
	for (int i = 0; i < nf; i++) {
		int x = call_depth(vec_get(&sess->used_functions, i), onstack);
		if (x > d)
			d = x;
	}
	return d + (recursive ? 10 : 0);
}

/* ------------------------------------------------------------------ */
/* expressions */

static char *gen_expr(Node *n);
static bool act_counted(Function *f);
static int stmt_cost(Node *n, int depth);
static char *act_code(int n, Node *at);

/* target variables (tvar.c): its hooks into this generator */
/* For tvgen.c, the C of target expressions */
char *tr_expr(Node *n)
{
	return gen_expr(n);
}

int tr_fresh(void)
{
	return fresh();
}

char *tr_temp(void)
{
	return new_temp();
}

char *tr_where(Node *n)
{
	return where(n);
}

const char *tr_errlabel(void)
{
	return sc->errlabel;
}

/* Does evaluating N have side effects (or call anything)? */
static bool has_effects(Node *n)
{
	if (!n)
		return false;
	switch (n->kind) {
	case ND_CALL: case ND_ASSIGN: case ND_PREINC: case ND_PREDEC:
	case ND_POSTINC: case ND_POSTDEC: case ND_AGG: case ND_PRINT:
	case ND_EMBEDDED_EXPR:
		return true;
	default:
		break;
	}
	if (has_effects(n->lhs) || has_effects(n->rhs) || has_effects(n->cond) ||
	    has_effects(n->then) || has_effects(n->els))
		return true;
	for (int i = 0; i < n->args.len; i++)
		if (has_effects(n->args.items[i]))
			return true;
	return false;
}

/* The keys of an array access: *DECL declares `union stp_key NAME[]`,
 * the result fills it (statements); *WILD gets the '*' columns. */
static char *gen_keys(NodeList *args, const char *name, unsigned *wild,
		      char **decl)
{
	StrBuf sb = {0};
	*wild = 0;
	*decl = format("union stp_key %s[%d]; ", name, args->len ? args->len : 1);
	for (int i = 0; i < args->len; i++) {
		Node *a = args->items[i];
		if (a->kind == ND_WILDCARD) {
			*wild |= 1u << i;
			sb_printf(&sb, "%s[%d].l = 0; ", name, i);
		} else if (a->type == TY_STRING) {
			sb_printf(&sb, "%s[%d].s = %s; ", name, i, gen_expr(a));
		} else {
			sb_printf(&sb, "%s[%d].l = %s; ", name, i, gen_expr(a));
		}
	}
	char *r = arena_strdup(sb.len ? sb.buf : "");
	sb_release(&sb);
	return r;
}

/* The map object of an array global, and whether it is a pmap. */
static char *map_of(Var *v)
{
	return format("&%s", v->cname);
}

/* ", NKEYS, SMASK": the key shape arguments of the runtime's _t calls. */
static char *shape(Var *v)
{
	unsigned sm = 0;
	for (int i = 0; i < v->arity && i < 9; i++)
		if (v->index_types[i] == TY_STRING)
			sm |= 1u << i;
	return format(", %d, 0x%xu", v->arity, sm);
}

static char *overflow_msg(Var *v)
{
	return v->type == TY_STATS ? format("%s.agg.overflow_msg", v->cname) :
				     format("%s.overflow_msg", v->cname);
}

/* Read of a variable or array element. */
static char *gen_read(Node *n)
{
	Var *v = n->var;
	if (n->kind == ND_VAR) {
		if (v->is_global && is_array(v)) {
			gen_fail(n->tok, "%s", "array used as a value");
			return "0";
		}
		return var_ref(v);
	}
	/* ND_INDEX */
	int t = fresh();
	unsigned wild;
	char *decl;
	char *keys = gen_keys(&n->args, format("_k%d", t), &wild, &decl);
	if (v->type == TY_STRING)
		return format("({ %s%s_stp_map_get_st(%s, _k%d%s); })", decl, keys,
			      map_of(v), t, shape(v));
	return format("({ %s%s_stp_map_get_lt(%s, _k%d%s); })", decl, keys,
		      map_of(v), t, shape(v));
}

/* The aggregate of statistics operand N (ND_VAR or ND_INDEX) as a
 * `struct stp_stat *` (NULL for a missing array element); *DECL and *PRE
 * are the declarations and statements to put before. */
static char *stat_ptr(Node *n, char **decl, char **pre)
{
	Var *v = n->var;
	if (n->kind == ND_INDEX) {
		int t = fresh();
		unsigned wild;
		*pre = gen_keys(&n->args, format("_k%d", t), &wild, decl);
		return format("_stp_pmap_get(&%s, _k%d)", v->cname, t);
	}
	*decl = *pre = "";
	return format("_stp_pstat_get(&%s)", v->cname);
}

static char *gen_stat(Node *n)
{
	Node *op = n->lhs;
	if (!op->var || op->var->type != TY_STATS) {
		gen_fail(n->tok, "%s", "statistics operator on a non-statistics value");
		return "0";
	}
	char *decl, *pre;
	char *p = stat_ptr(op, &decl, &pre);
	int t = fresh();
	/* As SystemTap: @count and @sum of an empty aggregate are 0, the
	 * others an error. */
	if (n->op == STAT_COUNT || n->op == STAT_SUM)
		return format("({ %sstruct stp_stat *_st%d; %s_st%d = %s; _st%d ? _st%d->%s : 0; })",
			      decl, t, pre, t, p, t, t,
			      n->op == STAT_COUNT ? "count" : "sum");
	const char *val;
	switch (n->op) {
	case STAT_MIN: val = format("_st%d->min", t); break;
	case STAT_MAX: val = format("_st%d->max", t); break;
	case STAT_AVG: val = format("_stp_stat_avg(_st%d)", t); break;
	default:
		val = format("_stp_stat_variance(_st%d, &%s_sd)", t,
			     op->var->cname);
	}
	return format("({ %sstruct stp_stat *_st%d; %s_st%d = %s; if (unlikely(!_st%d || !_st%d->count)) %s %s; })",
		      decl, t, pre, t, p, t, t,
		      fail_code("\"empty aggregate\"", where(n)), val);
}

/* lhs <<< rhs */
static char *gen_agg(Node *n)
{
	Node *op = n->lhs;
	int t = fresh();
	if (op->kind == ND_INDEX) {
		unsigned wild;
		char *decl;
		char *keys = gen_keys(&op->args, format("_k%d", t), &wild, &decl);
		return format("({ %sint64_t _v%d; %s_v%d = %s; if (unlikely(_stp_pmap_add_t(&%s, _k%d, _v%d%s))) %s _v%d; })",
			      decl, t, keys, t, gen_expr(n->rhs), op->var->cname,
			      t, t, shape(op->var),
			      fail_code(overflow_msg(op->var), where(op)), t);
	}
	return format("({ int64_t _v%d = %s; _stp_pstat_add(&%s, _v%d); _v%d; })",
		      t, gen_expr(n->rhs), op->var->cname, t, t);
}

static char *gen_div(Node *n, const char *l, const char *r, bool mod)
{
	int t = fresh();
	return format("({ int64_t _a%d = %s, _b%d = %s; if (unlikely(!_b%d)) %s %s(_a%d, _b%d); })",
		      t, l, t, r, t, fail_code("\"division by 0\"", where(n)),
		      mod ? "_stp_smod" : "_stp_sdiv", t, t);
}

/* long OP long, for binary operators and compound assignment */
static char *long_binop(Node *n, int op, const char *l, const char *r)
{
	switch (op) {
	case OP_ADD: return format("(%s + %s)", l, r);
	case OP_SUB: return format("(%s - %s)", l, r);
	case OP_MUL: return format("(%s * %s)", l, r);
	case OP_DIV: return gen_div(n, l, r, false);
	case OP_MOD: return gen_div(n, l, r, true);
	case OP_SHL: return format("((int64_t)((uint64_t)%s << (%s & 63)))", l, r);
	case OP_SHR: return format("(%s >> (%s & 63))", l, r);
	case OP_USHR: return format("((int64_t)((uint64_t)%s >> (%s & 63)))", l, r);
	case OP_BITAND: return format("(%s & %s)", l, r);
	case OP_BITOR: return format("(%s | %s)", l, r);
	case OP_BITXOR: return format("(%s ^ %s)", l, r);
	default:
		gen_fail(n->tok, "%s", "unsupported operator");
		return "0";
	}
}

static char *gen_binary(Node *n)
{
	char *l = gen_expr(n->lhs), *r = gen_expr(n->rhs);
	int t;
	if (n->op == OP_CONCAT) {
		char *tmp = new_temp();
		if (has_effects(n->rhs)) {
			/* keep the left value before the right one runs */
			char *lt = new_temp();
			return format("({ _stp_strcpy(%s, %s); _stp_concat(%s, %s, %s); })",
				      lt, l, tmp, lt, r);
		}
		return format("((const char *)_stp_concat(%s, %s, %s))", tmp, l, r);
	}
	if (has_effects(n->rhs) && has_effects(n->lhs)) {
		t = fresh();
		return format("({ int64_t _l%d = %s; %s; })", t, l,
			      long_binop(n, n->op, format("_l%d", t), r));
	}
	return long_binop(n, n->op, l, r);
}

/* The regexes the module uses, one table each (the same text once),
 * written before the code; and the largest program and group count,
 * which size the runtime's matcher. */
static Vec regexes;             /* Regex* */
static StrBuf retabs;
static int re_maxprog, re_maxcap;

static char *regex_table(Regex *re)
{
	for (int i = 0; i < regexes.len; i++) {
		Regex *o = vec_get(&regexes, i);
		if (!strcmp(o->text, re->text))
			return o->cname;
	}
	re->cname = format("_stp_re_%d", regexes.len);
	vec_push(&regexes, re);
	sb_printf(&retabs, "/* %s */\nstatic const struct stp_re_inst %s_code[] = {",
		  c_string(re->text), re->cname);
	for (int i = 0; i < re->ninsts; i++)
		sb_printf(&retabs, "%s{ %d, %d, %d }",
			  !i ? "\n\t" : i % 6 ? ", " : ",\n\t",
			  re->code[i].op, re->code[i].x, re->code[i].y);
	sb_puts(&retabs, "\n};\n");
	if (re->nclasses) {
		sb_printf(&retabs, "static const unsigned char %s_classes[] = {", re->cname);
		for (int i = 0; i < 32 * re->nclasses; i++)
			sb_printf(&retabs, "%s0x%02x,", i % 12 ? " " : "\n\t", re->classes[i]);
		sb_puts(&retabs, "\n};\n");
	}
	sb_printf(&retabs, "static const struct stp_regex %s = { %s_code, %d, %s%s, %d };\n",
		  re->cname, re->cname, re->ninsts,
		  re->nclasses ? re->cname : "NULL", re->nclasses ? "_classes" : "",
		  re->ngroups);
	if (re->ninsts > re_maxprog)
		re_maxprog = re->ninsts;
	if (2 * re->ngroups + 2 > re_maxcap)
		re_maxcap = 2 * re->ngroups + 2;
	return re->cname;
}

static char *gen_cmp(Node *n)
{
	static const char *ops[] = {
		[OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
		[OP_EQ] = "==", [OP_NE] = "!=",
	};
	if (n->op == OP_REGEX_MATCH || n->op == OP_REGEX_NOMATCH) {
		if (!n->re) {
			gen_fail(n->tok, "%s", "regular expression not compiled");
			return "0";
		}
		return format("((int64_t)(%s_stp_regex_match(c, %s, &%s)))",
			      n->op == OP_REGEX_NOMATCH ? "!" : "",
			      gen_expr(n->lhs), regex_table(n->re));
	}
	char *l = gen_expr(n->lhs), *r = gen_expr(n->rhs);
	if (n->lhs->type == TY_STRING) {
		if (has_effects(n->rhs)) {
			char *lt = new_temp();
			return format("((int64_t)({ _stp_strcpy(%s, %s); strcmp(%s, %s) %s 0; }))",
				      lt, l, lt, r, ops[n->op]);
		}
		return format("((int64_t)(strcmp(%s, %s) %s 0))", l, r, ops[n->op]);
	}
	if (has_effects(n->rhs) && has_effects(n->lhs)) {
		int t = fresh();
		return format("((int64_t)({ int64_t _l%d = %s; _l%d %s %s; }))",
			      t, l, t, ops[n->op], r);
	}
	return format("((int64_t)(%s %s %s))", l, ops[n->op], r);
}

/* Assignment and compound assignment; the value is the new value. */
static char *gen_assign(Node *n)
{
	Node *lhs = n->lhs;
	Var *v = lhs->var;
	if (lhs->kind == ND_TARGET && lhs->tv) {
		char *w = tvar_gen_assign(lhs, gen_expr(n->rhs), n->op);
		if (w)
			return w;
	}
	if (lhs->kind != ND_VAR && lhs->kind != ND_INDEX) {
		gen_fail(lhs->tok, "%s", "this cannot be assigned to");
		return "0";
	}
	if (!v || v->type == TY_STATS) {
		gen_fail(lhs->tok, "%s", "a statistic cannot be assigned");
		return "0";
	}
	char *r = gen_expr(n->rhs);
	if (lhs->kind == ND_VAR) {
		char *ref = var_ref(v);
		if (v->type == TY_STRING) {
			if (n->op == OP_CONCAT)
				return format("((const char *)_stp_strcat(%s, %s))", ref, r);
			return format("((const char *)_stp_strcpy(%s, %s))", ref, r);
		}
		if (n->op == OP_NONE)
			return format("(%s = %s)", ref, r);
		if (n->op == OP_DIV || n->op == OP_MOD || n->op == OP_SHL ||
		    n->op == OP_SHR) {
			int t = fresh();
			return format("({ int64_t _r%d = %s; %s = %s; })", t, r, ref,
				      long_binop(n, n->op, ref, format("_r%d", t)));
		}
		return format("(%s %s= %s)", ref, binop_text(n->op), r);
	}
	/* array element */
	int t = fresh();
	unsigned wild;
	char *decl;
	char *keys = gen_keys(&lhs->args, format("_k%d", t), &wild, &decl);
	char *ovf = fail_code(overflow_msg(v), where(lhs));
	if (v->type == TY_STRING)
		return format("({ %sconst char *_v%d; char *_p%d; %s_v%d = %s; _p%d = _stp_map_lval_st(&%s, _k%d%s); if (unlikely(!_p%d)) %s (const char *)_stp_str%s(_p%d, _v%d); })",
			      decl, t, t, keys, t, r, t, v->cname, t, shape(v), t,
			      ovf, n->op == OP_CONCAT ? "cat" : "cpy", t, t);
	if (n->op == OP_NONE)
		return format("({ %sint64_t _v%d; %s_v%d = %s; if (unlikely(_stp_map_set_lt(&%s, _k%d, _v%d%s))) %s _v%d; })",
			      decl, t, keys, t, r, v->cname, t, t, shape(v), ovf, t);
	return format("({ %sint64_t _v%d, *_p%d; %s_v%d = %s; _p%d = _stp_map_lval_lt(&%s, _k%d%s); if (unlikely(!_p%d)) %s *_p%d = %s; })",
		      decl, t, t, keys, t, r, t, v->cname, t, shape(v), t, ovf, t,
		      long_binop(n, n->op, format("*_p%d", t), format("_v%d", t)));
}

static char *gen_incdec(Node *n)
{
	Node *lhs = n->lhs;
	const char *pre = n->kind == ND_PREINC ? "++" : n->kind == ND_PREDEC ? "--" : "";
	const char *post = n->kind == ND_POSTINC ? "++" : n->kind == ND_POSTDEC ? "--" : "";
	if (lhs->kind == ND_VAR && lhs->var && lhs->var->type == TY_LONG)
		return format("(%s%s%s)", pre, var_ref(lhs->var), post);
	if (lhs->kind != ND_INDEX || !lhs->var || lhs->var->type != TY_LONG) {
		gen_fail(lhs->tok, "%s", "this cannot be incremented");
		return "0";
	}
	int t = fresh();
	unsigned wild;
	char *decl;
	char *keys = gen_keys(&lhs->args, format("_k%d", t), &wild, &decl);
	return format("({ %sint64_t *_p%d; %s_p%d = _stp_map_lval_lt(&%s, _k%d%s); if (unlikely(!_p%d)) %s %s(*_p%d)%s; })",
		      decl, t, keys, t, lhs->var->cname, t, shape(lhs->var), t,
		      fail_code(overflow_msg(lhs->var), where(lhs)), pre, t, post);
}

static char *gen_in(Node *n)
{
	Var *v = n->var;
	int t = fresh();
	unsigned wild;
	char *decl;
	char *keys = gen_keys(&n->args, format("_k%d", t), &wild, &decl);
	return format("((int64_t)({ %s%s_stp_%smap_exists(&%s, _k%d, %uu); }))",
		      decl, keys, v->type == TY_STATS ? "p" : "", v->cname, t,
		      wild);
}

/* Does the embedded C of F write into its string parameter NAME?  4.8
 * gives a function its arguments in a writable frame, and scripts use
 * that (psig.stp: strcpy(STAP_ARG_sa_flags, "0")): such a parameter is a
 * char * to a copy its caller makes.  A write is the parameter as the
 * destination of the C library's string and memory functions, or an
 * element of it assigned. */
static bool embedded_writes_arg(Function *f, const char *name)
{
	static const char *writers[] = {
		"strcpy", "strncpy", "strlcpy", "strscpy", "strcat", "strncat",
		"strlcat", "sprintf", "snprintf", "scnprintf", "memcpy",
		"memmove", "memset", "_stp_strcpy", NULL,
	};
	char *arg = format("STAP_ARG_%s", name);
	size_t n = strlen(arg);
	for (const char *p = f->code; (p = strstr(p, arg)); p += n) {
		if (p > f->code && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		const char *e = p + n;
		if (isalnum((unsigned char)*e) || *e == '_')
			continue;
		/* STAP_ARG_x[i] = ..., *STAP_ARG_x = ... */
		const char *q = e;
		while (isspace((unsigned char)*q))
			q++;
		if (*q == '[') {
			int depth = 0;
			for (; *q; q++)
				if (*q == '[')
					depth++;
				else if (*q == ']' && --depth == 0)
					break;
			if (*q)
				q++;
			while (isspace((unsigned char)*q))
				q++;
			if (*q == '=' && q[1] != '=')
				return true;
		}
		/* f(STAP_ARG_x, ...) or f((char *)STAP_ARG_x, ...) */
		const char *b = p;
		while (b > f->code && isspace((unsigned char)b[-1]))
			b--;
		if (b > f->code && b[-1] == ')') {     /* a cast */
			while (b > f->code && b[-1] != '(')
				b--;
			if (b > f->code)
				b--;
			while (b > f->code && isspace((unsigned char)b[-1]))
				b--;
		}
		if (b > f->code && b[-1] == '*')
			return true;
		if (b == f->code || b[-1] != '(')
			continue;
		b--;
		while (b > f->code && isspace((unsigned char)b[-1]))
			b--;
		const char *id = b;
		while (id > f->code && (isalnum((unsigned char)id[-1]) || id[-1] == '_'))
			id--;
		for (int i = 0; writers[i]; i++)
			if (strlen(writers[i]) == (size_t)(b - id) &&
			    !strncmp(id, writers[i], b - id))
				return true;
	}
	return false;
}

/* Is argument I of a call to HEAD (any of its overloads) written by an
 * embedded-C callee, so that the caller passes a copy? */
static bool call_copies_arg(Function *head, int i)
{
	for (Function *f = head; f; f = f->next_overload) {
		if (!f->code || i >= f->params.len)
			continue;
		Var *p = vec_get(&f->params, i);
		if (p->type == TY_STRING && embedded_writes_arg(f, p->name))
			return true;
	}
	return false;
}

/* A call runs the first overload; each one that says 'next' hands
 * over to the following one, and the last one's 'next' is an error. */
static char *gen_call(Node *n)
{
	Function *head = n->func;
	if (!head) {
		gen_fail(n->tok, "%s", "unresolved function");
		return "0";
	}
	StrBuf sb = {0};
	int t = fresh();
	sb_puts(&sb, "({ ");
	/* arguments, left to right */
	for (int i = 0; i < n->args.len; i++) {
		Node *a = n->args.items[i];
		if (a->type == TY_STRING && call_copies_arg(head, i)) {
			char *tmp = new_temp();
			sb_printf(&sb, "char *_a%d_%d = %s; _stp_strcpy(_a%d_%d, %s); ",
				  t, i, tmp, t, i, gen_expr(a));
		} else if (a->type == TY_STRING)
			sb_printf(&sb, "const char *_a%d_%d = %s; ", t, i, gen_expr(a));
		else
			sb_printf(&sb, "int64_t _a%d_%d = %s; ", t, i, gen_expr(a));
	}
	char *ret = NULL;
	if (head->type == TY_STRING)
		ret = new_temp();
	else
		sb_printf(&sb, "int64_t _r%d; ", t);
	int open = 0;
	for (Function *f = head; f; f = f->next_overload) {
		if (ret)
			sb_printf(&sb, "%s(c, %s", f->cname, ret);
		else
			sb_printf(&sb, "_r%d = %s(c", t, f->cname);
		for (int i = 0; i < n->args.len; i++)
			sb_printf(&sb, ", _a%d_%d", t, i);
		sb_puts(&sb, "); ");
		/* an embedded-C function's error is "near" its declaration,
		 * a script function's near its statement (4.8) */
		sb_printf(&sb, "if (unlikely(c->last_error)) { _stp_error_at_call(c, %s, %d); goto %s; } ",
			  f->body ? where(n) : c_string(tok_describe(f->tok)),
			  f->body ? 1 : 0, sc->errlabel);
		if (!f->may_next)
			break;
		sb_puts(&sb, "if (unlikely(c->next)) { c->next = 0; ");
		open++;
		if (!f->next_overload)
			sb_printf(&sb, "%s ", fail_code("\"all functions exhausted\"", where(n)));
	}
	while (open--)
		sb_puts(&sb, "} ");
	if (sc->counted && !sess->unoptimized && !act_counted(head)) {
		/* the callee counts nothing: charge its actions here */
		sc->pend += head->body ? stmt_cost(head->body, 0) : 0;
		if (sc->pend > 0)
			sb_printf(&sb, "%s ", act_code(sc->pend, n));
		sc->pend = 0;
	}
	if (ret)
		sb_printf(&sb, "(const char *)%s; })", ret);
	else
		sb_printf(&sb, "_r%d; })", t);
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	return r;
}

/* Output of one value to sink S (print/println/printd...). */
static void print_value(StrBuf *sb, const char *s, Node *a, const char *val)
{
	if (a->type == TY_STRING)
		sb_printf(sb, "_stp_sink_puts(%s, %s); ", s, val);
	else
		sb_printf(sb, "_stp_print_long(%s, %s); ", s, val);
}

/* Print histogram H into sink S for print node AT: an empty aggregate
 * (or a missing element) is an error, as SystemTap. */
static char *gen_hist_print(Node *h, const char *s, Node *at)
{
	Node *op = h->lhs;
	Var *v = op->var;
	if (!v || v->type != TY_STATS) {
		gen_fail(h->tok, "%s", "histogram of a non-statistics value");
		return "";
	}
	char *decl, *pre;
	char *p = stat_ptr(op, &decl, &pre);
	int t = fresh();
	return format("{ %sstruct stp_stat *_st%d; %s_st%d = %s; if (unlikely(!_st%d || !_st%d->count)) %s _stp_stat_print_hist(%s, _st%d, &%s_sd); } ",
		      decl, t, pre, t, p, t, t,
		      fail_code("\"empty aggregate\"", where(at)), s, t,
		      v->cname);
}

static char *gen_print(Node *n)
{
	int k = n->op;
	bool to_string = k >= PR_SPRINT;
	bool ln = k == PR_PRINTLN || k == PR_SPRINTLN || k == PR_PRINTDLN ||
		  k == PR_SPRINTDLN;
	int t = fresh();
	StrBuf sb = {0};
	char *s = format("_s%d", t), *tmp = NULL;
	int first = 0;

	sb_puts(&sb, "({ ");
	if (k == PR_PRINTF || k == PR_SPRINTF)
		first = 1;
	/* as SystemTap: at most 32 values, the format or delimiter aside */
	bool delim = k == PR_PRINTD || k == PR_PRINTDLN || k == PR_SPRINTD ||
		     k == PR_SPRINTDLN;
	if (n->args.len - first - delim > 32)
		gen_fail(n->tok, "too many arguments to print (%s)",
			 format("%d", n->args.len - first - delim));
	/* evaluate the arguments first, in order */
	for (int i = first; i < n->args.len; i++) {
		Node *a = n->args.items[i];
		if (a->kind == ND_HIST)
			continue;
		if (delim && i == 0)
			continue;
		if (a->type == TY_STRING)
			sb_printf(&sb, "const char *_a%d_%d = %s; ", t, i, gen_expr(a));
		else
			sb_printf(&sb, "int64_t _a%d_%d = %s; ", t, i, gen_expr(a));
	}
	if (to_string) {
		tmp = new_temp();
		sb_printf(&sb, "struct stp_sink _ss%d, *%s = &_ss%d; _stp_sink_str(%s, %s); ",
			  t, s, t, s, tmp);
	} else {
		sb_printf(&sb, "struct stp_sink *%s = &c->psink; ", s);
	}

	if (k == PR_PRINTF || k == PR_SPRINTF) {
		FmtSpec *specs;
		const char *err;
		int ns = parse_format(n->args.items[0]->str, &specs, &err);
		if (ns < 0) {
			gen_fail(n->args.items[0]->tok, "%s", err);
			ns = 0;
		}
		int ai = 1;
		for (int i = 0; i < ns; i++) {
			FmtSpec *f = &specs[i];
			if (f->kind == FMT_LITERAL) {
				sb_printf(&sb, "_stp_sink_write(%s, %s, %zu); ", s,
					  c_string(f->text), strlen(f->text));
				continue;
			}
			char *w = f->width == FMT_NONE ? "-1" : format("%d", f->width);
			char *p = f->precision == FMT_NONE ? "-1" : format("%d", f->precision);
			if (f->width == FMT_STAR)
				w = format("(int)_a%d_%d", t, ai++);
			if (f->precision == FMT_STAR)
				p = format("(int)_a%d_%d", t, ai++);
			char *arg = format("_a%d_%d", t, ai++);
			if (ai - 1 >= n->args.len) {
				gen_fail(n->tok, "%s", "too few arguments for the format");
				break;
			}
			switch (f->conv) {
			case 's':
				sb_printf(&sb, "_stp_fmt_str(%s, %s, %u, %s, %s); ",
					  s, arg, f->flags, w, p);
				break;
			case 'c':
				sb_printf(&sb, "_stp_fmt_char(%s, %s, %u, %s); ",
					  s, arg, f->flags, w);
				break;
			case 'd': case 'i': case 'u': case 'o': case 'x':
			case 'X': case 'p':
				sb_printf(&sb, "_stp_fmt_long(%s, %s, '%c', %u, %s, %s); ",
					  s, arg, f->conv, f->flags, w, p);
				break;
			case 'b':
				sb_printf(&sb, "_stp_fmt_bin(%s, %s, %s); ", s, arg, w);
				break;
			case 'm': case 'M':
				sb_printf(&sb, "if (unlikely(_stp_fmt_mem(c, %s, %s, '%c', %u, %s, %s))) { c->last_stmt = %s; goto %s; } ",
					  s, arg, f->conv, f->flags, w, p, where(n),
					  sc->errlabel);
				break;
			default:
				gen_fail(n->args.items[0]->tok,
					 "format conversion '%s' is not supported yet",
					 format("%%%c", f->conv));
			}
		}
	} else {
		bool delim = k == PR_PRINTD || k == PR_PRINTDLN ||
			     k == PR_SPRINTD || k == PR_SPRINTDLN;
		int start = delim ? 1 : 0;
		for (int i = start; i < n->args.len; i++) {
			Node *a = n->args.items[i];
			if (delim && i > start)
				sb_printf(&sb, "_stp_sink_puts(%s, %s); ", s,
					  c_string(n->args.items[0]->str));
			if (a->kind == ND_HIST)
				sb_puts(&sb, gen_hist_print(a, s, n));
			else
				print_value(&sb, s, a, format("_a%d_%d", t, i));
		}
	}
	/* println(@hist_log(s)) adds no line: the histogram ends in one */
	if (ln && !(n->args.len == 1 && n->args.items[0]->kind == ND_HIST))
		sb_printf(&sb, "_stp_sink_putc(%s, '\\n'); ", s);
	if (to_string)
		sb_printf(&sb, "(const char *)_stp_sink_end(%s); })", s);
	else
		sb_puts(&sb, "(int64_t)0; })");
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	return r;
}

/* @hist_*(s)[i] */
static char *gen_hist_bucket(Node *n)
{
	Node *h = n->lhs, *op = h->lhs;
	Var *v = op->var;
	if (!v || v->type != TY_STATS || n->args.len != 1) {
		gen_fail(n->tok, "%s", "bad histogram bucket");
		return "0";
	}
	char *decl, *pre;
	char *p = stat_ptr(op, &decl, &pre);
	int t = fresh();
	return format("({ %sstruct stp_stat *_st%d; int64_t _i%d; %s_st%d = %s; _i%d = %s; if (unlikely(_i%d < 0 || _i%d >= %s_sd.nbuckets)) %s _st%d ? _st%d->histogram[_i%d] : 0; })",
		      decl, t, t, pre, t, p, t, gen_expr(n->args.items[0]), t, t, v->cname,
		      fail_code("\"histogram index out of range\"", where(n)),
		      t, t, t);
}

static char *gen_expr(Node *n)
{
	switch (n->kind) {
	case ND_NUM:
		return num_lit(n->val);
	case ND_STR:
		return c_string(n->str);
	case ND_VAR:
	case ND_INDEX:
		if (n->kind == ND_INDEX && n->lhs)
			return gen_hist_bucket(n);
		if (!n->var) {
			gen_fail(n->tok, "%s", "unresolved variable");
			return "0";
		}
		return gen_read(n);
	case ND_CALL:
		return gen_call(n);
	case ND_BINARY:
		return gen_binary(n);
	case ND_CMP:
		return gen_cmp(n);
	case ND_LOGAND:
		return format("((int64_t)(%s && %s))", gen_expr(n->lhs), gen_expr(n->rhs));
	case ND_LOGOR:
		return format("((int64_t)(%s || %s))", gen_expr(n->lhs), gen_expr(n->rhs));
	case ND_NOT:
		return format("((int64_t)!%s)", gen_expr(n->lhs));
	case ND_NEG:
		return format("((int64_t)(0 - (uint64_t)%s))", gen_expr(n->lhs));
	case ND_BITNOT:
		return format("(~%s)", gen_expr(n->lhs));
	case ND_UPLUS:
		return format("(%s)", gen_expr(n->lhs));
	case ND_PREINC: case ND_PREDEC: case ND_POSTINC: case ND_POSTDEC:
		return gen_incdec(n);
	case ND_ASSIGN:
		return gen_assign(n);
	case ND_COND:
		return format("(%s ? %s : %s)", gen_expr(n->cond), gen_expr(n->then),
			      gen_expr(n->els));
	case ND_IN:
		return gen_in(n);
	case ND_AGG:
		return gen_agg(n);
	case ND_STAT:
		return gen_stat(n);
	case ND_PRINT:
		return gen_print(n);
	case ND_HIST:
		gen_fail(n->tok, "%s", "a histogram can only be printed");
		return "0";
	case ND_WILDCARD:
		gen_fail(n->tok, "%s", "wildcard not allowed here");
		return "0";
	case ND_TARGET:
	case ND_ENTRY:
		if (n->tv) {
			return tvar_gen(n);
		}
		gen_fail(n->tok, "%s", n->kind == ND_TARGET ?
			 "unresolved target-symbol expression" :
			 "@entry is only valid in .return probes");
		return "0";
	case ND_DEFINED:
		gen_fail(n->tok, "%s", "@defined is not supported here");
		return "0";
	case ND_EMBEDDED_EXPR:
		if (strstr(n->str, "/* string */"))
			return format("((const char *)({ %s; }))", n->str);
		return format("((int64_t)(%s))", n->str);
	default:
		gen_fail(n->tok, "%s", "statement used as an expression");
		return "0";
	}
}

/* ------------------------------------------------------------------ */
/* statements */

static void gen_stmt(StrBuf *o, Node *n, int ind);

static void indent(StrBuf *o, int ind)
{
	for (int i = 0; i < ind; i++)
		sb_putc(o, '\t');
}

/*
 * MAXACTION, counted as SystemTap 4.8 counts, so that a script stops at
 * the same place:
 *  - only the bodies that can run long are counted: those with a loop
 *    (every body with -u); a call from a counted body to a body that is
 *    not (or to an embedded-C function) charges the callee's statements
 *    there, right after the call;
 *  - each statement counts one (a block none), accumulated while the
 *    code is generated and charged at the next check point: before an
 *    if's condition, before a loop, at the end of a loop's body (which
 *    counts one more per iteration), at break, continue, next and
 *    return, at the end of an if branch, a try or catch body, and of
 *    the handler or function;
 *  - a for loop's increment counts once, charged after the loop.
 */
static bool has_loop(Node *n)
{
	if (!n)
		return false;
	switch (n->kind) {
	case ND_WHILE:
	case ND_FOR:
	case ND_FOREACH:
		return true;
	case ND_BLOCK:
		for (int i = 0; i < n->args.len; i++)
			if (has_loop(n->args.items[i]))
				return true;
		return false;
	case ND_IF:
		return has_loop(n->then) || has_loop(n->els);
	case ND_TRY:
		return has_loop(n->body) || has_loop(n->els);
	default:
		return false;
	}
}

static bool act_counted(Function *f)
{
	return f->body && (sess->unoptimized || has_loop(f->body));
}

/* What calls to uncounted functions in expression N cost. */
static int calls_cost(Node *n, int depth)
{
	int c = 0;

	if (!n)
		return 0;
	if (n->kind == ND_CALL && n->func && n->func->body &&
	    !act_counted(n->func) && depth < 16)
		c += stmt_cost(n->func->body, depth + 1);
	c += calls_cost(n->lhs, depth) + calls_cost(n->rhs, depth) +
	     calls_cost(n->cond, depth) + calls_cost(n->then, depth) +
	     calls_cost(n->els, depth);
	for (int i = 0; i < n->args.len; i++)
		c += calls_cost(n->args.items[i], depth);
	return c;
}

/* The actions of a body with no loop (an uncounted function's). */
static int stmt_cost(Node *n, int depth)
{
	int c = 0;

	if (!n)
		return 0;
	switch (n->kind) {
	case ND_BLOCK:
		for (int i = 0; i < n->args.len; i++)
			c += stmt_cost(n->args.items[i], depth);
		return c;
	case ND_NULL_STMT:
		return 0;
	case ND_IF:
		return 1 + calls_cost(n->cond, depth) +
		       stmt_cost(n->then, depth) + stmt_cost(n->els, depth);
	case ND_TRY:
		return 1 + stmt_cost(n->body, depth) + stmt_cost(n->els, depth);
	case ND_RETURN:
	case ND_EXPR_STMT:
		return 1 + calls_cost(n->lhs, depth);
	case ND_BREAK:
	case ND_CONTINUE:
	case ND_NEXT:
	case ND_DELETE:
		return 1;
	default:
		return 1 + calls_cost(n, depth);
	}
}

/* The check of N actions as C code, failing at AT. */
static char *act_code(int n, Node *at)
{
	return format("if (unlikely((c->actionremaining -= %d) <= 0)) %s", n,
		      fail_code("\"MAXACTION exceeded\"", where(at)));
}

/* Charge the actions counted so far, failing at AT. */
static void gen_act(StrBuf *o, int ind, Node *at)
{
	if (!sc->counted || sc->pend <= 0)
		return;
	indent(o, ind);
	sb_printf(o, "%s\n", act_code(sc->pend, at));
	sc->pend = 0;
}

/* The body of a loop (ITER: it counts one per iteration) or of an if
 * branch, charged at its end. */
static void gen_body(StrBuf *o, Node *n, int ind, bool iter, Node *at)
{
	indent(o, ind - 1);
	sb_puts(o, "{\n");
	if (iter)
		sc->pend++;
	gen_stmt(o, n, ind);
	gen_act(o, ind, n && n->kind != ND_NULL_STMT &&
		!(n->kind == ND_BLOCK && !n->args.len) ? n : at);
	indent(o, ind - 1);
	sb_puts(o, "}\n");
}

static void gen_delete(StrBuf *o, Node *n, int ind)
{
	Node *l = n->lhs;
	Var *v = l->var;
	indent(o, ind);
	if (!v || (l->kind != ND_VAR && l->kind != ND_INDEX)) {
		gen_fail(n->tok, "%s", "delete of something that is not a variable");
		return;
	}
	if (l->kind == ND_INDEX) {
		int t = fresh();
		unsigned wild;
		char *decl;
		char *keys = gen_keys(&l->args, format("_k%d", t), &wild, &decl);
		sb_printf(o, "{ %s%s_stp_%smap_del(&%s, _k%d, %uu); }\n", decl,
			  keys, v->type == TY_STATS ? "p" : "", v->cname, t,
			  wild);
		return;
	}
	if (v->is_global && is_array(v)) {
		sb_printf(o, "_stp_%smap_clear(&%s);\n",
			  v->type == TY_STATS ? "p" : "", v->cname);
	} else if (v->type == TY_STATS) {
		sb_printf(o, "_stp_pstat_clear(&%s);\n", v->cname);
	} else if (v->type == TY_STRING) {
		sb_printf(o, "%s[0] = '\\0';\n", var_ref(v));
	} else {
		sb_printf(o, "%s = 0;\n", var_ref(v));
	}
}

/* Assign the current node's key I / value of foreach to local var N. */
static void bind_foreach_var(StrBuf *o, int ind, Node *n, const char *val,
			     Type t)
{
	if (!n || !n->var)
		return;
	indent(o, ind);
	if (t == TY_STRING)
		sb_printf(o, "_stp_strcpy(%s, %s);\n", var_ref(n->var), val);
	else
		sb_printf(o, "%s = %s;\n", var_ref(n->var), val);
}

/* foreach ([v =] b in @hist_*(s) [limit N]): every bucket index in
 * ascending order (SystemTap ignores a sort mark here), v its count. */
static void gen_foreach_hist(StrBuf *o, Node *n, int ind)
{
	Node *op = n->lhs->lhs;
	Var *v = op->var;
	if (!v || v->type != TY_STATS || n->keys.len != 1) {
		gen_fail(n->tok, "%s", "foreach over something that is not a histogram");
		return;
	}
	int t = fresh();
	char *decl, *pre;
	char *p = stat_ptr(op, &decl, &pre);
	indent(o, ind);
	sb_printf(o, "{ %s\n", loc_comment(n->tok));
	indent(o, ind + 1);
	sb_printf(o, "%sstruct stp_stat *_st%d; int64_t _b%d;\n", decl, t, t);
	if (n->limit) {
		indent(o, ind + 1);
		sb_printf(o, "int64_t _lim%d = %s;\n", t, gen_expr(n->limit));
	}
	indent(o, ind + 1);
	sb_printf(o, "%s_st%d = %s;\n", pre, t, p);
	sc->pend++;
	gen_act(o, ind + 1, n);
	indent(o, ind + 1);
	sb_printf(o, "for (_b%d = 0; _b%d < %s_sd.nbuckets; _b%d++) {\n", t, t,
		  v->cname, t);
	if (n->limit) {
		indent(o, ind + 2);
		sb_printf(o, "if (_lim%d-- <= 0)\n", t);
		indent(o, ind + 3);
		sb_puts(o, "break;\n");
	}
	sc->pend++;
	bind_foreach_var(o, ind + 2, n->keys.items[0], format("_b%d", t), TY_LONG);
	if (n->value)
		bind_foreach_var(o, ind + 2, n->value,
				 format("(_st%d ? _st%d->histogram[_b%d] : 0)", t, t, t),
				 TY_LONG);
	sc->loop_depth++;
	gen_stmt(o, n->body, ind + 2);
	sc->loop_depth--;
	gen_act(o, ind + 2, n->body ? n->body : n);
	indent(o, ind + 1);
	sb_puts(o, "}\n");
	indent(o, ind);
	sb_puts(o, "}\n");
}

static void gen_foreach(StrBuf *o, Node *n, int ind)
{
	Var *v = n->var;
	if (n->lhs) {
		gen_foreach_hist(o, n, ind);
		return;
	}
	if (!v || !is_array(v)) {
		gen_fail(n->tok, "%s", "foreach over something that is not an array");
		return;
	}
	int t = fresh();
	bool stats = v->type == TY_STATS;
	indent(o, ind);
	sb_printf(o, "{ %s\n", loc_comment(n->tok));
	indent(o, ind + 1);
	sb_printf(o, "struct stp_map *_m%d;\n", t);
	indent(o, ind + 1);
	sb_printf(o, "struct stp_mnode *_n%d;\n", t);
	if (n->limit) {
		indent(o, ind + 1);
		sb_printf(o, "int64_t _lim%d;\n", t);
	}
	unsigned slice_wild = 0;
	char *slice = NULL;
	if (n->args.len) {
		char *decl;
		slice = gen_keys(&n->args, format("_k%d", t), &slice_wild, &decl);
		indent(o, ind + 1);
		sb_printf(o, "%s\n", decl);
	}
	if (n->limit) {
		indent(o, ind + 1);
		sb_printf(o, "_lim%d = %s;\n", t, gen_expr(n->limit));
	}
	if (slice) {
		indent(o, ind + 1);
		sb_printf(o, "%s\n", slice);
	}
	indent(o, ind + 1);
	if (stats) {
		sb_printf(o, "_m%d = _stp_pmap_agg(&%s);\n", t, v->cname);
		indent(o, ind + 1);
		sb_printf(o, "if (unlikely(!_m%d)) %s\n", t,
			  fail_code(overflow_msg(v), where(n)));
	} else {
		sb_printf(o, "_m%d = &%s;\n", t, v->cname);
	}
	if (n->sort_column) {
		indent(o, ind + 1);
		sb_printf(o, "_stp_map_sort(_m%d, %d, %d, %d);\n", t,
			  n->sort_column < 0 ? 0 : n->sort_column,
			  n->sort_dir < 0 ? -1 : 1, n->sort_stat);
	}
	sc->pend++;
	gen_act(o, ind + 1, n);
	indent(o, ind + 1);
	sb_printf(o, "for (_n%d = _stp_map_first(_m%d); _n%d; _n%d = _stp_map_next(_m%d, _n%d)) {\n",
		  t, t, t, t, t, t);
	if (slice) {
		indent(o, ind + 2);
		sb_printf(o, "if (!_stp_map_keymatch(_m%d, _n%d, _k%d, %uu))\n", t, t, t,
			  slice_wild);
		indent(o, ind + 3);
		sb_puts(o, "continue;\n");
	}
	if (n->limit) {
		indent(o, ind + 2);
		sb_printf(o, "if (_lim%d-- <= 0)\n", t);
		indent(o, ind + 3);
		sb_puts(o, "break;\n");
	}
	sc->pend++;
	for (int i = 0; i < n->keys.len; i++) {
		Node *k = n->keys.items[i];
		bool str = v->index_types[i] == TY_STRING;
		bind_foreach_var(o, ind + 2, k,
				 format(str ? "_stp_key_s(_m%d, _n%d, %d)" :
					"_stp_key_l(_m%d, _n%d, %d)", t, t, i),
				 str ? TY_STRING : TY_LONG);
	}
	if (n->value)
		bind_foreach_var(o, ind + 2, n->value,
				 format(v->type == TY_STRING ? "_stp_val_s(_m%d, _n%d)" :
					"*_stp_val_l(_m%d, _n%d)", t, t),
				 v->type);
	sc->loop_depth++;
	gen_stmt(o, n->body, ind + 2);
	sc->loop_depth--;
	gen_act(o, ind + 2, n->body ? n->body : n);
	indent(o, ind + 1);
	sb_puts(o, "}\n");
	indent(o, ind);
	sb_puts(o, "}\n");
}

static void gen_try(StrBuf *o, Node *n, int ind)
{
	int t = fresh();
	const char *saved = sc->errlabel;
	char *lbl = format("catch_%d", t);
	indent(o, ind);
	sb_printf(o, "{ /* try */ %s\n", loc_comment(n->tok));
	sc->errlabel = lbl;
	gen_stmt(o, n->body, ind + 1);
	gen_act(o, ind + 1, n->body);
	sc->errlabel = saved;
	sc->pend++;
	gen_act(o, ind + 1, n);
	indent(o, ind + 1);
	sb_printf(o, "goto end_try_%d;\n", t);
	indent(o, ind);
	sb_printf(o, "%s: __attribute__((unused)); /* catch */\n", lbl);
	if (n->catch_var && n->catch_var->var) {
		indent(o, ind + 1);
		sb_printf(o, "_stp_strcpy(%s, c->last_error);\n",
			  var_ref(n->catch_var->var));
	}
	indent(o, ind + 1);
	sb_puts(o, "c->last_error = NULL;\n");
	indent(o, ind + 1);
	sb_puts(o, "c->last_stmt = NULL;\n");
	indent(o, ind + 1);
	sb_puts(o, "c->ncallers = 0;\n");
	if (n->els) {
		gen_stmt(o, n->els, ind + 1);
		gen_act(o, ind + 1, n->els);
	}
	indent(o, ind);
	sb_printf(o, "end_try_%d: ;\n", t);
	indent(o, ind);
	sb_puts(o, "}\n");
}

static void gen_stmt(StrBuf *o, Node *n, int ind)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_BLOCK:
		indent(o, ind);
		sb_puts(o, "{\n");
		for (int i = 0; i < n->args.len; i++)
			gen_stmt(o, n->args.items[i], ind + 1);
		indent(o, ind);
		sb_puts(o, "}\n");
		return;
	case ND_EXPR_STMT:
		indent(o, ind);
		sb_printf(o, "(void)%s; %s\n", gen_expr(n->lhs), loc_comment(n->tok));
		sc->pend++;
		return;
	case ND_NULL_STMT:
		return;
	case ND_IF:
		sc->pend++;
		gen_act(o, ind, n);
		indent(o, ind);
		sb_printf(o, "if (%s) %s\n", gen_expr(n->cond), loc_comment(n->tok));
		gen_body(o, n->then, ind + 1, false, n);
		if (n->els) {
			indent(o, ind);
			sb_puts(o, "else\n");
			gen_body(o, n->els, ind + 1, false, n);
		}
		return;
	case ND_WHILE:
		sc->pend++;
		gen_act(o, ind, n);
		indent(o, ind);
		sb_printf(o, "while (%s) %s\n", gen_expr(n->cond), loc_comment(n->tok));
		sc->loop_depth++;
		gen_body(o, n->body, ind + 1, true, n);
		sc->loop_depth--;
		return;
	case ND_FOR:
		if (n->init) {
			indent(o, ind);
			sb_printf(o, "(void)%s;\n", gen_expr(n->init));
			sc->pend++;
		}
		sc->pend++;
		gen_act(o, ind, n);
		indent(o, ind);
		sb_printf(o, "for (; %s; %s) %s\n",
			  n->cond ? gen_expr(n->cond) : "",
			  n->inc ? format("(void)%s", gen_expr(n->inc)) : "",
			  loc_comment(n->tok));
		sc->loop_depth++;
		gen_body(o, n->body, ind + 1, true, n);
		sc->loop_depth--;
		if (n->inc)	/* counted once, as SystemTap does */
			sc->pend++;
		return;
	case ND_FOREACH:
		gen_foreach(o, n, ind);
		return;
	case ND_BREAK:
	case ND_CONTINUE:
		if (!sc->loop_depth) {
			gen_fail(n->tok, "cannot '%s' outside loop",
				 n->kind == ND_BREAK ? "break" : "continue");
			return;
		}
		indent(o, ind);
		sb_puts(o, "{\n");
		sc->pend++;
		gen_act(o, ind + 1, n);
		indent(o, ind + 1);
		sb_puts(o, n->kind == ND_BREAK ? "break;\n" : "continue;\n");
		indent(o, ind);
		sb_puts(o, "}\n");
		return;
	case ND_NEXT:
		indent(o, ind);
		sb_printf(o, "{ %s\n", loc_comment(n->tok));
		sc->pend++;
		gen_act(o, ind + 1, n);
		indent(o, ind + 1);
		if (sc->func)   /* on to the next overload */
			sb_puts(o, "c->next = 1;\n");
		else
			sb_puts(o, "goto out;\n");
		if (sc->func) {
			indent(o, ind + 1);
			sb_puts(o, "goto out;\n");
		}
		indent(o, ind);
		sb_puts(o, "}\n");
		return;
	case ND_RETURN:
		if (!sc->func) {
			gen_fail(n->tok, "%s", "return not allowed in probe handlers");
			return;
		}
		indent(o, ind);
		sb_printf(o, "{ %s\n", loc_comment(n->tok));
		indent(o, ind + 1);
		if (n->lhs && sc->func->type == TY_STRING)
			sb_printf(o, "_stp_strcpy(ret, %s);\n", gen_expr(n->lhs));
		else if (n->lhs)
			sb_printf(o, "ret = %s;\n", gen_expr(n->lhs));
		sc->pend++;
		gen_act(o, ind + 1, n);
		indent(o, ind + 1);
		sb_puts(o, "goto out;\n");
		indent(o, ind);
		sb_puts(o, "}\n");
		return;
	case ND_DELETE:
		gen_delete(o, n, ind);
		sc->pend++;
		return;
	case ND_TRY:
		gen_try(o, n, ind);
		return;
	default:
		/* an expression used as a statement */
		indent(o, ind);
		sb_printf(o, "(void)%s;\n", gen_expr(n));
		sc->pend++;
		return;
	}
}

/* ------------------------------------------------------------------ */
/* scopes: handlers, conditions, functions */

static void declare_var(Scope *s, Var *v)
{
	if (v->type == TY_STRING)
		sb_printf(&s->fields, "\tchar %s[MAXSTRINGLEN];\n", v->cname);
	else
		sb_printf(&s->fields, "\tint64_t %s;\n", v->cname);
	s->nfields++;
}

static void init_var(StrBuf *o, Var *v)
{
	if (v->type == TY_STRING)
		sb_printf(o, "\tl->%s[0] = '\\0';\n", v->cname);
	else
		sb_printf(o, "\tl->%s = 0;\n", v->cname);
}

static void name_locals(Vec *vars, const char *prefix)
{
	for (int i = 0; i < vars->len; i++) {
		Var *v = vec_get(vars, i);
		v->cname = format("%s%s", prefix, c_ident(v->name));
		for (int j = 0; j < i; j++)
			if (!strcmp(((Var *)vec_get(vars, j))->cname, v->cname))
				v->cname = format("%s%s_%d", prefix, c_ident(v->name), i);
	}
}

static StrBuf frames;           /* struct definitions */
static StrBuf plu;              /* union stp_probe_locals members */
static StrBuf ffu;              /* union stp_func_frame members */
static StrBuf code;             /* functions, handlers, wrappers */
static StrBuf protos;

static const char *c_type(Type t)
{
	return t == TY_STRING ? "const char *" : "int64_t ";
}

static char *func_signature(Function *f)
{
	StrBuf sb = {0};
	/* embedded C: the result is __retvalue, as in 4.8 (the code's own
	 * locals may be called ret) */
	if (f->type == TY_STRING)
		sb_printf(&sb, "static void %s(struct context *c, char *%s", f->cname,
			  f->code ? "__retvalue" : "ret");
	else
		sb_printf(&sb, "static int64_t %s(struct context *c", f->cname);
	for (int i = 0; i < f->params.len; i++) {
		Var *p = vec_get(&f->params, i);
		if (f->code && p->type == TY_STRING && embedded_writes_arg(f, p->name))
			sb_printf(&sb, ", char *STAP_ARG_%s", p->name);
		else if (f->code)
			sb_printf(&sb, ", %sSTAP_ARG_%s", c_type(p->type), p->name);
		else
			sb_printf(&sb, ", %sa_%s", c_type(p->type), p->cname);
	}
	sb_puts(&sb, ")");
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	return r;
}

static void gen_embedded_function(Function *f)
{
	bool str = f->type == TY_STRING;
	sb_printf(&code, "\n/* function %s %s */\n%s\n{\n", f->name,
		  loc_text(f->tok), func_signature(f));
	if (!str)
		sb_puts(&code, "\tint64_t __retvalue = 0;\n");
	else
		sb_puts(&code, "\t__retvalue[0] = '\\0';\n");
	sb_puts(&code, "#define STAP_RETVALUE __retvalue\n");
	if (str)
		sb_puts(&code, "#define STAP_RETURN(v) do { _stp_strcpy(__retvalue, (v)); goto out; } while (0)\n");
	else
		sb_puts(&code, "#define STAP_RETURN(v) do { __retvalue = (v); goto out; } while (0)\n");
	if (f->may_next)
		sb_puts(&code, "\tc->next = 0;\n"
			"#define STAP_NEXT do { c->next = 1; goto out; } while (0)\n");
	sb_puts(&code, "\t{\n");
	sb_puts(&code, f->code);
	sb_puts(&code, "\n\t}\n\tgoto out;\nout: __attribute__((unused));\n");
	sb_puts(&code, "#undef STAP_RETVALUE\n#undef STAP_RETURN\n");
	if (f->may_next)
		sb_puts(&code, "#undef STAP_NEXT\n");
	sb_puts(&code, str ? "\treturn;\n}\n" : "\treturn __retvalue;\n}\n");
}

static void gen_script_function(Function *f)
{
	Scope s = {0};
	sc = &s;
	s.func = f;
	s.locals = &f->locals;
	s.params = &f->params;
	s.errlabel = "out";
	name_locals(&f->params, "v_");
	/* locals after params, distinct names */
	Vec all = {0};
	for (int i = 0; i < f->params.len; i++)
		vec_push(&all, vec_get(&f->params, i));
	for (int i = 0; i < f->locals.len; i++)
		vec_push(&all, vec_get(&f->locals, i));
	name_locals(&all, "v_");
	for (int i = 0; i < all.len; i++)
		declare_var(&s, vec_get(&all, i));

	StrBuf body = {0};
	s.counted = act_counted(f) && !sess->suppress_time_limits;
	gen_stmt(&body, f->body, 1);
	gen_act(&body, 1, f->body);

	char *sname = format("stp_fr_%s", f->cname);
	sb_printf(&frames, "struct %s { /* function %s */\n%s\tchar __dummy;\n};\n",
		  sname, f->name, s.fields.len ? s.fields.buf : "");
	sb_printf(&ffu, "\tstruct %s %s;\n", sname, f->cname);

	bool str = f->type == TY_STRING;
	sb_printf(&code, "\n/* function %s %s */\n%s\n{\n", f->name,
		  loc_text(f->tok), func_signature(f));
	sb_printf(&code, "\tstruct %s *l;\n", sname);
	if (!str)
		sb_puts(&code, "\tint64_t ret = 0;\n\n");
	else
		sb_puts(&code, "\n");
	sb_printf(&code, "\tif (unlikely(c->nesting >= MAXNESTING)) {\n"
		  "\t\tSTP_SET_ERROR(c, \"MAXNESTING exceeded\", %s);\n",
		  c_string(tok_describe(f->tok)));
	sb_puts(&code, str ? "\t\tret[0] = '\\0';\n\t\treturn;\n\t}\n" :
		"\t\treturn 0;\n\t}\n");
	sb_printf(&code, "\tl = &c->frames[c->nesting++].%s;\n", f->cname);
	for (int i = 0; i < f->params.len; i++) {
		Var *p = vec_get(&f->params, i);
		if (p->type == TY_STRING)
			sb_printf(&code, "\t_stp_strcpy(l->%s, a_%s);\n", p->cname,
				  p->cname);
		else
			sb_printf(&code, "\tl->%s = a_%s;\n", p->cname, p->cname);
	}
	for (int i = 0; i < f->locals.len; i++)
		init_var(&code, vec_get(&f->locals, i));
	if (str)
		sb_puts(&code, "\tret[0] = '\\0';\n");
	if (f->may_next)
		sb_puts(&code, "\tc->next = 0;\n");
	/* its parameters by SystemTap's names, for embedded expressions
	 * (pfiles.stp: %{ S_ISLNK(STAP_ARG_i_mode) %}) */
	bool args = body.buf && strstr(body.buf, "STAP_ARG_");
	for (int i = 0; args && i < f->params.len; i++) {
		Var *p = vec_get(&f->params, i);
		sb_printf(&code, "#define STAP_ARG_%s (l->%s)\n", p->name, p->cname);
	}
	sb_puts(&code, body.buf ? body.buf : "");
	sb_puts(&code, "out: __attribute__((unused));\n\tc->nesting--;\n");
	for (int i = 0; args && i < f->params.len; i++)
		sb_printf(&code, "#undef STAP_ARG_%s\n",
			  ((Var *)vec_get(&f->params, i))->name);
	sb_puts(&code, str ? "}\n" : "\treturn ret;\n}\n");
	sb_release(&body);
	sb_release(&s.fields);
	sc = NULL;
}

/* The body of handler H: stp_handler_N(c), without locks. */
static void gen_handler(Handler *h)
{
	Scope s = {0};
	sc = &s;
	s.locals = &h->locals;
	s.errlabel = "out";
	name_locals(&h->locals, "v_");
	for (int i = 0; i < h->locals.len; i++)
		declare_var(&s, vec_get(&h->locals, i));

	StrBuf body = {0};
	s.counted = (sess->unoptimized || has_loop(h->body)) &&
		    !sess->suppress_time_limits;
	gen_stmt(&body, h->body, 1);
	gen_act(&body, 1, h->body);

	h->cname = format("stp_handler_%d", h->index);
	char *sname = format("stp_pl_%d", h->index);
	sb_printf(&frames, "struct %s { /* probe %s */\n%s\tchar __dummy;\n};\n",
		  sname, loc_text(h->tok), s.fields.len ? s.fields.buf : "");
	sb_printf(&plu, "\tstruct %s h%d;\n", sname, h->index);

	sb_printf(&code, "\n/* probe handler %s */\nstatic void %s(struct context *c)\n{\n",
		  loc_text(h->tok), h->cname);
	if (s.nfields)
		sb_printf(&code, "\tstruct %s *l = &c->pl.h%d;\n\n", sname, h->index);
	for (int i = 0; i < h->locals.len; i++)
		init_var(&code, vec_get(&h->locals, i));
	sb_puts(&code, body.buf ? body.buf : "");
	sb_puts(&code, "out: __attribute__((unused));\n\t;\n}\n");
	sb_release(&body);
	sb_release(&s.fields);
	sc = NULL;
}

/* One entry point per (handler, condition): lock, test, run, unlock. */
typedef struct Wrapper {
	Handler *h;
	Node *cond;
	char *cname;
	Vec kinds;              /* ProbeKind*: the kinds whose probes use it */
} Wrapper;

static Vec wrappers;

static Wrapper *find_wrapper(DerivedProbe *d)
{
	for (int i = 0; i < wrappers.len; i++) {
		Wrapper *w = vec_get(&wrappers, i);
		if (w->h == d->handler && w->cond == d->cond)
			return w;
	}
	return NULL;
}

/*
 * The entry code of a .return probe that uses @entry(...) or $params:
 * stp_entry_N(c) stores the values in the kretprobe instance's data
 * (struct stp_ent_N, N = the derived probe's index), which the return
 * handler reads through c->entry_data.  NULL if D saves nothing.
 */
static char *gen_entry_fn(DerivedProbe *d)
{
	Node **nodes;
	int n = tvar_entry_nodes(d, &nodes);
	if (n == 0)
		return NULL;
	StrBuf fields = {0}, body = {0};
	Scope s = {0};
	sc = &s;
	s.errlabel = "out";
	for (int i = 0; i < n; i++) {
		Node *e = nodes[i];
		char *v = gen_expr(e);
		if (e->type == TY_STRING) {
			sb_printf(&fields, "\tchar e%d[MAXSTRINGLEN];\n", i);
			sb_printf(&body, "\tstrscpy(d->e%d, %s, MAXSTRINGLEN); %s\n", i, v,
				  loc_comment(e->tok));
		} else {
			sb_printf(&fields, "\tint64_t e%d;\n", i);
			sb_printf(&body, "\td->e%d = %s; %s\n", i, v, loc_comment(e->tok));
		}
	}
	sc = NULL;
	char *name = format("stp_entry_%d", d->index);
	sb_printf(&frames, "struct stp_ent_%d { /* saved at entry of %s */\n%s};\n",
		  d->index, d->pp, fields.buf);
	sb_printf(&frames, "struct stp_ple_%d { /* entry code */\n%s\tchar __dummy;\n};\n",
		  d->index, s.fields.len ? s.fields.buf : "");
	sb_printf(&plu, "\tstruct stp_ple_%d e%d;\n", d->index, d->index);
	sb_printf(&code, "\nstatic void %s(struct context *c)\n{\n", name);
	if (s.nfields)
		sb_printf(&code, "\tstruct stp_ple_%d *l = &c->pl.e%d;\n", d->index, d->index);
	if (d->kind == &pk_trace) {
		/* raw_syscalls:sys_exit: run at sys_enter (args: regs, id),
		 * the values go to the task's slot */
		sb_printf(&frames, "STP_TP_ENTRY_SLOTS_FOR(%d)\n", d->index);
		sb_printf(&code, "\tstruct stp_ent_%d *d = stp_tpslot_%d(1);\n\n", d->index, d->index);
		sb_puts(&code, "\tif (unlikely(!d))\n\t\treturn;\n");
		sb_puts(&code, "\tc->sregs = (struct pt_regs *)((unsigned long *)c->entry_data)[0];\n");
		sb_puts(&code, body.buf);
	} else {
		sb_printf(&code, "\tstruct stp_ent_%d *d = c->entry_data;\n\n%s", d->index, body.buf);
	}
	sb_puts(&code, "out: __attribute__((unused));\n\t;\n}\n");
	sb_release(&fields);
	sb_release(&body);
	sb_release(&s.fields);
	return name;
}

/* Whether W is used by a probe of D's kind for the first time. */
static bool first_use(Wrapper *w, DerivedProbe *d)
{
	if (vec_has(&w->kinds, (void *)d->kind))
		return false;
	vec_push(&w->kinds, (void *)d->kind);
	return true;
}

/* D's wrapper, made when it is the first of its handler and condition,
 * then what D's kind adds for it (emit_code). */
static void wrapper_for(DerivedProbe *d)
{
	Wrapper *found = find_wrapper(d);
	if (found) {
		d->wrapper = found->cname;
		if (d->kind->emit_code)
			d->kind->emit_code(&code, d, first_use(found, d), NULL);
		return;
	}
	Wrapper *w = arena_alloc(sizeof(*w));
	w->h = d->handler;
	w->cond = d->cond;
	w->cname = format("stp_probe_%d", wrappers.len);
	int idx = wrappers.len;
	vec_push(&wrappers, w);

	unsigned char *acc = node_access(w->h->body, NULL);
	if (w->cond)
		node_access(w->cond, acc);

	StrBuf o = {0};
	sb_printf(&o, "\nstatic void %s(struct context *c)\n{\n", w->cname);
	char *condcode = NULL;
	Scope s = {0};
	if (w->cond) {
		sc = &s;
		s.errlabel = "out";
		condcode = gen_expr(w->cond);
		sc = NULL;
		char *sname = format("stp_plc_%d", idx);
		sb_printf(&frames, "struct %s { /* probe condition */\n%s\tchar __dummy;\n};\n",
			  sname, s.fields.len ? s.fields.buf : "");
		sb_printf(&plu, "\tstruct %s c%d;\n", sname, idx);
		if (s.nfields)
			sb_printf(&o, "\tstruct %s *l = &c->pl.c%d;\n\n", sname, idx);
	}
	/* lock in global order; a timeout skips the probe */
	Vec locked = {0};
	for (int g = 0; g < nglobals; g++) {
		if (!acc[g])
			continue;
		Var *v = vec_get(&sess->used_globals, g);
		/* -t: the contention and timeouts of each global */
		if (sess->timing)
			sb_printf(&o, "\tif (unlikely(!_stp_trylock_%s%s_t(&%s_lock, &%s_lstats))) {\n"
				  "\t\tatomic_inc(&%s_lstats.skipped);\n",
				  v->type == TY_STATS ? "s" : "",
				  acc[g] == ACC_WRITE ? "w" : "r", v->cname,
				  v->cname, v->cname);
		else
			sb_printf(&o, "\tif (unlikely(!_stp_trylock_%s%s(&%s_lock))) {\n",
				  v->type == TY_STATS ? "s" : "",
				  acc[g] == ACC_WRITE ? "w" : "r", v->cname);
		for (int j = locked.len - 1; j >= 0; j--) {
			int k = (int)(intptr_t)vec_get(&locked, j);
			Var *lv = vec_get(&sess->used_globals, k);
			sb_printf(&o, "\t\t_stp_unlock_%s%s(&%s_lock);\n",
				  lv->type == TY_STATS ? "s" : "",
				  acc[k] == ACC_WRITE ? "w" : "r", lv->cname);
		}
		sb_puts(&o, "\t\t_stp_skip(STP_SKIP_LOCK);\n\t\treturn;\n\t}\n");
		vec_push(&locked, (void *)(intptr_t)g);
	}
	if (condcode)
		sb_printf(&o, "\tif (%s) %s\n\t\t%s(c);\nout: __attribute__((unused));\n",
			  condcode, loc_comment(w->cond->tok), w->h->cname);
	else
		sb_printf(&o, "\t%s(c);\n", w->h->cname);
	for (int j = locked.len - 1; j >= 0; j--) {
		int k = (int)(intptr_t)vec_get(&locked, j);
		Var *lv = vec_get(&sess->used_globals, k);
		sb_printf(&o, "\t_stp_unlock_%s%s(&%s_lock);\n",
			  lv->type == TY_STATS ? "s" : "",
			  acc[k] == ACC_WRITE ? "w" : "r", lv->cname);
	}
	sb_puts(&o, "}\n");
	sb_puts(&code, o.buf);
	d->wrapper = w->cname;
	if (d->kind->emit_code)
		d->kind->emit_code(&code, d, first_use(w, d), NULL);
	char *ent = gen_entry_fn(d);
	if (ent && d->kind->emit_code)
		d->kind->emit_code(&code, d, false, ent);
	sb_release(&o);
	sb_release(&s.fields);
}

/* ------------------------------------------------------------------ */
/* globals */

static void gen_stat_desc(FILE *out, Var *g)
{
	fprintf(out, "static struct stp_stat_desc %s_sd = {", g->cname);
	if (g->uses_hist_log)
		fputs(" .hist_type = STP_HIST_LOG,", out);
	else if (g->uses_hist_linear)
		fprintf(out, " .hist_type = STP_HIST_LINEAR, .start = %s"
			", .stop = %s, .interval = %s,", num_lit(g->hist_start),
			num_lit(g->hist_stop), num_lit(g->hist_interval));
	if (g->stat_ops & (1u << STAT_VARIANCE))
		fputs(" .variance = 1,", out);
	fprintf(out, " .bit_shift = %d };\n", g->variance_shift);
}

/* A scalar global of the user's script can be set at load time:
 * stap -G NAME=VALUE, staprun MODULE NAME=VALUE (a module parameter). */
static bool is_settable(Var *g)
{
	return !is_array(g) && g->type != TY_STATS && g->file && g->file->is_user;
}

static void gen_globals(FILE *out)
{
	for (int i = 0; i < nglobals; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		fprintf(out, "%s\n", loc_comment(g->tok));
		if (g->type == TY_STATS) {
			gen_stat_desc(out, g);
			fprintf(out, "static struct stp_p%s %s;\n",
				is_array(g) ? "map" : "stat", g->cname);
		} else if (is_array(g)) {
			fprintf(out, "static struct stp_map %s;\n", g->cname);
		} else if (g->type == TY_STRING) {
			const char *init = g->init && g->init->kind == ND_STR ?
				g->init->str : "";
			char *s = arena_strdup(init);
			if (strlen(s) > 511)
				s[511] = '\0';
			fprintf(out, "static char %s[MAXSTRINGLEN] = %s;\n",
				g->cname, c_string(s));
		} else {
			int64_t v = 0;
			if (g->init && g->init->kind == ND_NUM)
				v = g->init->val;
			else if (g->init && g->init->kind == ND_NEG &&
				 g->init->lhs->kind == ND_NUM)
				v = -g->init->lhs->val;
			fprintf(out, "static int64_t %s = %s;\n", g->cname, num_lit(v));
		}
		/* not module_param_named(): its macros would expand a
		 * name such as 'current' or 'NULL' */
		if (is_settable(g))
			fprintf(out, "static char *%s_param;\n"
				"__module_param_call(MODULE_PARAM_PREFIX, %s, &param_ops_charp, &%s_param, 0, -1, 0);\n"
				"__MODULE_PARM_TYPE(%s, \"charp\");\n",
				g->cname, g->name, g->cname, g->name);
		if (g->type == TY_STATS)
			fprintf(out, "static STP_DEFINE_STATLOCK(%s_lock);\n", g->cname);
		else
			fprintf(out, "static STP_DEFINE_RWLOCK(%s_lock);\n", g->cname);
		if (sess->timing)
			fprintf(out, "static struct stp_lock_stats %s_lstats;\n",
				g->cname);
		/* embedded C with pragma:read:X / pragma:write:X */
		if (!is_array(g) && g->type != TY_STATS &&
		    !strcmp(g->cname, format("g_%s", c_ident(g->name)))) {
			fprintf(out, "#define STAP_GLOBAL_GET_%s() (%s)\n", g->name,
				g->cname);
			if (g->type == TY_STRING)
				fprintf(out, "#define STAP_GLOBAL_SET_%s(v) _stp_strcpy(%s, (v))\n",
					g->name, g->cname);
			else
				fprintf(out, "#define STAP_GLOBAL_SET_%s(v) (%s = (v))\n",
					g->name, g->cname);
		}
	}
}

static void gen_globals_init(FILE *out)
{
	fputs("\nstatic int _stp_globals_init(void)\n{\n", out);
	/* declarations first (-Wdeclaration-after-statement) */
	for (int i = 0; i < nglobals; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (g->type == TY_STATS || is_array(g)) {
			fputs("\tint rc = 0;\n\n", out);
			break;
		}
	}
	for (int i = 0; i < nglobals; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (!is_settable(g))
			continue;
		if (g->type == TY_STRING) {
			fprintf(out, "\tif (%s_param)\n"
				"\t\tstrscpy(%s, %s_param, MAXSTRINGLEN);\n",
				g->cname, g->cname, g->cname);
			continue;
		}
		fprintf(out, "\tif (%s_param && kstrtoll(%s_param, 0, &%s)) {\n"
			"\t\tpr_err(\"%%s: invalid value '%%s' for global '%s'\\n\",\n"
			"\t\t       THIS_MODULE->name, %s_param);\n"
			"\t\treturn -EINVAL;\n\t}\n",
			g->cname, g->cname, g->cname, g->name, g->cname);
	}
	bool any = false;
	for (int i = 0; i < nglobals; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (g->type != TY_STATS && !is_array(g))
			continue;
		any = true;
		if (g->type == TY_STATS)
			fprintf(out, "\t_stp_stat_desc_init(&%s_sd);\n", g->cname);
		if (is_array(g)) {
			fprintf(out, "\t{\n\t\tstatic const unsigned char kt[] = {");
			for (int k = 0; k < g->arity; k++)
				fprintf(out, " %s,", g->index_types[k] == TY_STRING ?
					"STP_TYPE_STRING" : "STP_TYPE_LONG");
			fputs(" };\n\n", out);
			char *size = g->maxsize > 0 ? format("%d", g->maxsize) : "MAXMAPENTRIES";
			if (g->type == TY_STATS)
				fprintf(out, "\t\trc = _stp_pmap_init(&%s, %d, kt, %s, %d, %d, &%s_sd);\n",
					g->cname, g->arity, size, g->wrap, g->maxsize > 0,
					g->cname);
			else
				fprintf(out, "\t\trc = _stp_map_init(&%s, %d, kt, %s, %s, %d, %d, NULL);\n",
					g->cname, g->arity, g->type == TY_STRING ?
					"STP_TYPE_STRING" : "STP_TYPE_LONG",
					size, g->wrap, g->maxsize > 0);
			fputs("\t}\n", out);
		} else {
			fprintf(out, "\trc = _stp_pstat_init(&%s, &%s_sd);\n", g->cname,
				g->cname);
		}
		fputs("\tif (rc)\n\t\tgoto fail;\n", out);
	}
	if (any)
		fputs("\treturn 0;\nfail:\n\t_stp_globals_free();\n\treturn rc;\n}\n", out);
	else
		fputs("\treturn 0;\n}\n", out);
}

static void gen_globals_free(FILE *out)
{
	fputs("\nstatic void _stp_globals_free(void)\n{\n", out);
	for (int i = 0; i < nglobals; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		if (g->type == TY_STATS)
			fprintf(out, "\t_stp_p%s_free(&%s);\n",
				is_array(g) ? "map" : "stat", g->cname);
		else if (is_array(g))
			fprintf(out, "\t_stp_map_free(&%s);\n", g->cname);
	}
	fputs("}\n", out);
}

/* ------------------------------------------------------------------ */
/* probe tables */

/* The derived probes of each kind, by probe_kinds[] index. */
static Vec *probes_by_kind(void)
{
	int nk = 0;
	while (probe_kinds[nk])
		nk++;
	Vec *by = arena_alloc(sizeof(*by) * (nk + 1));
	for (int i = 0; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		for (int k = 0; k < nk; k++)
			if (d->kind == probe_kinds[k])
				vec_push(&by[k], d);
	}
	return by;
}

/*
 * _stp_probes (every derived probe: its wrapper and pp), each kind's
 * tables, and _stp_probe_groups, the kinds' tables the runtime arms in
 * order and disarms in reverse (stp_module.h).
 */
/*
 * How D was derived, for the -t report: " from: X" for each level,
 * innermost first, as SystemTap says it.  A probe resolved through DWARF
 * or made by perf names its own point first (without '?').
 */
static char *timing_derivation(DerivedProbe *d)
{
	const char *from = d->from ? d->from : "";
	bool self = d->kind == &pk_perf ||
		    ((d->kind == &pk_kprobe || d->kind == &pk_uprobe) &&
		     strncmp(d->pp, "kprobe.", 7));
	if (!self)
		return (char *)from;
	size_t n = strlen(d->pp);
	if (n && (d->pp[n - 1] == '?' || d->pp[n - 1] == '!'))
		n--;
	return format(" from: %.*s%s", (int)n, d->pp, from);
}

static void gen_tables(FILE *out, Vec *by_kind)
{
	fputs("\nstatic const struct stp_probe _stp_probes[] = {\n", out);
	for (int i = 0; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		fprintf(out, "\t[%d] = { .ph = %s, .pp = %s", i,
			d->wrapper ? d->wrapper : "NULL", c_string(d->pp));
		/* no .name (one relocation less) when it is the pp */
		if (d->user_pp && strcmp(d->user_pp, d->pp))
			fprintf(out, ", .name = %s", c_string(d->user_pp));
		if (d->func)
			fprintf(out, ", .func = %s", c_string(d->func));
		if (sess->timing)
			fprintf(out, ",\n\t\t.index = %d, .location = %s, .derivation = %s",
				i, c_string(d->location ? d->location : ""),
				c_string(timing_derivation(d)));
		fputs(" },\n", out);
	}
	fputs("\t{ }\n};\n\n", out);
	if (sess->timing) {
		/* the globals' names as SystemTap's contention report says them */
		fputs("static const struct stp_lock_info _stp_lock_infos[] = {\n", out);
		for (int i = 0; i < nglobals; i++) {
			Var *g = vec_get(&sess->used_globals, i);
			fprintf(out, "\t{ %s, &%s_lstats },\n",
				c_string(format("__global_%s", g->name)), g->cname);
		}
		fputs("\t{ }\n};\n\n", out);
	}
	StrBuf groups = {0};
	for (int k = 0; probe_kinds[k]; k++) {
		const ProbeKind *pk = probe_kinds[k];
		if (pk->emit_tables && (by_kind[k].len || pk->emit_always))
			pk->emit_tables(out, &by_kind[k], &groups);
	}
	fprintf(out, "\nstatic const struct stp_probe_group _stp_probe_groups[] = {\n%s\t{ }\n};\n",
		groups.buf ? groups.buf : "");
	sb_release(&groups);
}

/* ------------------------------------------------------------------ */

static void name_globals_and_functions(void)
{
	for (int i = 0; i < nglobals; i++) {
		Var *g = vec_get(&sess->used_globals, i);
		g->cname = format("g_%s", c_ident(g->name));
		for (int j = 0; j < i; j++)
			if (!strcmp(((Var *)vec_get(&sess->used_globals, j))->cname, g->cname))
				g->cname = format("g_%s_%d", c_ident(g->name), i);
	}
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		f->cname = format("f_%s", c_ident(f->name));
		for (int j = 0; j < i; j++)
			if (!strcmp(((Function *)vec_get(&sess->used_functions, j))->cname,
				    f->cname))
				f->cname = format("f_%s_%d", c_ident(f->name), i);
	}
}

static void reset(void)
{
	failed = false;
	sb_release(&frames);
	sb_release(&plu);
	sb_release(&ffu);
	sb_release(&code);
	sb_release(&protos);
	sb_release(&retabs);
	wrappers = (Vec){0};
	regexes = (Vec){0};
	re_maxprog = re_maxcap = 0;
}

bool translate(FILE *out)
{
	reset();
	nglobals = sess->used_globals.len;
	name_globals_and_functions();
	/* name every local first: an alias body used by two probes may be
	 * one tree whose nodes point at the locals of either handler */
	for (int i = 0; i < sess->handlers.len; i++)
		name_locals(&((Handler *)vec_get(&sess->handlers, i))->locals, "v_");
	analyze_functions();
	int nesting = max_nesting();

	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		if (f->code)
			gen_embedded_function(f);
		else if (f->body)
			gen_script_function(f);
		/* after the generation named the parameters */
		sb_printf(&protos, "%s;\n", func_signature(f));
	}
	for (int i = 0; i < sess->handlers.len; i++)
		gen_handler(vec_get(&sess->handlers, i));
	for (int i = 0; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		if (!(d->kind == &pk_be && d->be.which == BE_NEVER))
			wrapper_for(d);
	}
	if (failed)
		return false;

	/* the module's name is kbuild's KBUILD_MODNAME: it depends on a
	 * hash of this very text */
	fprintf(out, "/* generated by %s %s */\n", STAP_NAME, STAP_VERSION);
	for (int i = 0; i < sess->defines.len; i++) {
		char *d = arena_strdup(vec_get(&sess->defines, i));
		char *eq = strchr(d, '=');
		if (eq) {
			*eq = '\0';
			fprintf(out, "#define %s %s\n", d, eq + 1);
		} else {
			fprintf(out, "#define %s\n", d);
		}
	}
	if (sess->bulk)
		fputs("#define STP_BULKMODE 1\n", out);
	if (sess->timing) {
		bool given = false;
		for (int i = 0; i < sess->defines.len; i++) {
			const char *d = vec_get(&sess->defines, i);
			given |= !strncmp(d, "STP_TIMING", 10) &&
				 (!d[10] || d[10] == '=');
		}
		if (!given)
			fputs("#define STP_TIMING 1\n", out);
		fprintf(out, "#define STP_NPROBES %d\n",
			sess->derived.len ? sess->derived.len : 1);
	}
	if (sess->remote) {	/* remote_id(), remote_uri(): the only one */
		fputs("#define STP_REMOTE_ID 0\n#define STP_REMOTE_URI \"", out);
		for (const char *p = sess->remote; *p; p++)
			fprintf(out, isalnum((unsigned char)*p) ? "%c" : "\\%03o",
				(unsigned char)*p);
		fputs("\"\n", out);
	}
	if (regexes.len)
		fprintf(out, "#define STP_REGEX_MAXPROG %d\n#define STP_REGEX_MAXCAP %d\n",
			re_maxprog, re_maxcap);
	if (sess->suppress_time_limits)
		fputs("#define STAP_SUPPRESS_TIME_LIMITS_ENABLE 1\n", out);
	if (sess->suppress_handler_errors)
		fputs("#define STAP_SUPPRESS_HANDLER_ERRORS 1\n", out);
	{
		/* SystemTap's version macros, for embedded C that tests the
		 * --compatible version (cve-2013-2094.stp) */
		const char *v = sess->compatible ? sess->compatible : STAP_VERSION;
		int major = 0, minor = 0;
		sscanf(v, "%d.%d", &major, &minor);
		fprintf(out, "#define STAP_VERSION(a, b) (((a) << 8) + (b))\n"
			"#define STAP_COMPAT_VERSION STAP_VERSION(%d, %d)\n",
			major, minor);
	}
	fputs("#include \"runtime.h\"\n\n", out);
	fprintf(out, "#ifndef MAXNESTING\n#define MAXNESTING %d\n#endif\n\n", nesting);

	gen_globals(out);
	fprintf(out, "\n%s\n", frames.buf ? frames.buf : "");
	fprintf(out, "union stp_probe_locals {\n%s\tchar __dummy;\n};\n\n",
		plu.buf ? plu.buf : "");
	fprintf(out, "union stp_func_frame {\n%s\tchar __dummy;\n};\n\n",
		ffu.buf ? ffu.buf : "");
	fputs("#include \"stp_context.h\"\n", out);
	/* the runtime side of each probe kind the module has */
	Vec *by_kind = probes_by_kind();
	for (int k = 0; probe_kinds[k]; k++)
		if (probe_kinds[k]->runtime_header && by_kind[k].len)
			fprintf(out, "#include \"%s\"\n", probe_kinds[k]->runtime_header);
	if (regexes.len)
		fprintf(out, "#include \"stp_regex.h\"\n%s", retabs.buf);
	if (lines_needed()) {
		fputs("#include \"stp_lines.h\"\n", out);
		lines_emit_kernel(out);
	}
	if (usym_needed()) {
		fputs("#include \"stp_usym.h\"\n", out);
		usym_emit(out);
	}
	fputc('\n', out);
	fputs("#include \"stp_embed.h\"\n\n", out);
	for (int i = 0; i < sess->used_embeds.len; i++) {
		Token *t = vec_get(&sess->used_embeds, i);
		fprintf(out, "%s\n%s\n", loc_comment(t), t->str);
	}
	fprintf(out, "\n%s", protos.buf ? protos.buf : "");
	fputs(code.buf ? code.buf : "", out);
	gen_tables(out, by_kind);
	fputs("\nstatic void _stp_globals_free(void);\n", out);
	gen_globals_init(out);
	gen_globals_free(out);
	fputs("\n#include \"stp_module.h\"\n", out);
	return !ferror(out);
}
