/*
 * parse.c - recursive-descent parser for the SystemTap language.
 *
 * Each grammar rule is a function of the same name with the rule in a
 * comment above it.  Functions take the current token and return the
 * rest through **rest (chibicc style).  A parse error longjmps back to
 * the top level, which resynchronises at the next 'probe', 'global',
 * 'private', 'function' or '%{' so that several errors are reported.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

static jmp_buf recover;

/*
 * Nesting is bounded so that a hostile script cannot overflow the stack
 * of the parser or of the passes that walk its tree: expressions (each
 * level of parentheses, unary operators, conditional or assignment
 * operands) and statements (blocks, if/else chains, loop bodies).
 */
#define MAX_EXPR_DEPTH 500
#define MAX_STMT_DEPTH 1000
static int expr_depth, stmt_depth;
static bool in_function;        /* parsing a function's body */
static File *cur_file;
static Token *error_tok;        /* where the last parse error was */

static __attribute__((noreturn)) void fail(Token *tok, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	error_tok = tok;
	if (tok->kind == TK_JUNK && tok->junk_msg)
		parse_error(tok, "%s", tok->junk_msg);
	else
		parse_error(tok, "%s", buf);
	longjmp(recover, 1);
}

/* The same with SystemTap's "at:" form of the location. */
static __attribute__((noreturn)) void fail_at(Token *tok, const char *msg)
{
	error_tok = tok;
	parse_error_at(tok, "%s", msg);
	longjmp(recover, 1);
}

/* A bare @hist_log/@hist_linear is only the argument of print, println,
 * sprint or sprintln; set while such an argument is parsed. */
static bool hist_allowed;

static bool equal(Token *tok, const char *s)
{
	return tok_is(tok, s);
}

static Token *skip(Token *tok, const char *s)
{
	if (!equal(tok, s))
		fail(tok, "expected '%s'", s);
	return tok->next;
}

static bool consume(Token **rest, Token *tok, const char *s)
{
	if (equal(tok, s)) {
		*rest = tok->next;
		return true;
	}
	*rest = tok;
	return false;
}

static Node *new_node(NodeKind kind, Token *tok)
{
	Node *n = arena_alloc(sizeof(*n));
	n->kind = kind;
	n->tok = tok;
	return n;
}

static Node *new_binary(NodeKind kind, int op, Node *lhs, Node *rhs, Token *tok)
{
	Node *n = new_node(kind, tok);
	n->op = op;
	n->lhs = lhs;
	n->rhs = rhs;
	return n;
}

static Node *new_unary(NodeKind kind, Node *lhs, Token *tok)
{
	Node *n = new_node(kind, tok);
	n->lhs = lhs;
	return n;
}

static bool is_ident(Token *tok)
{
	return tok->kind == TK_IDENT && tok->text[0] != '@' && tok->text[0] != '$';
}

static Node *expr(Token **rest, Token *tok);
static Node *assignment(Token **rest, Token *tok);
static Node *ternary(Token **rest, Token *tok);
static Node *unary(Token **rest, Token *tok);
static Node *stmt(Token **rest, Token *tok);
static Node *block(Token **rest, Token *tok);

/* ------------------------------------------------------------------ */
/* Expressions */

/* literal = '-'? number | string+ */
static Node *literal(Token **rest, Token *tok)
{
	if (equal(tok, "-") && tok->next->kind != TK_NUMBER)
		fail(tok->next, "expected literal string or number");
	if (equal(tok, "-")) {
		Node *n = new_node(ND_NUM, tok);
		n->val = -(uint64_t)tok->next->val;
		*rest = tok->next->next;
		return n;
	}
	if (tok->kind == TK_NUMBER) {
		Node *n = new_node(ND_NUM, tok);
		n->val = tok->val;
		*rest = tok->next;
		return n;
	}
	if (tok->kind == TK_STRING) {
		Node *n = new_node(ND_STR, tok);
		StrBuf sb = {0};
		sb_puts(&sb, tok->str);
		for (tok = tok->next; tok->kind == TK_STRING; tok = tok->next)
			sb_puts(&sb, tok->str);
		n->str = arena_strdup(sb.buf ? sb.buf : "");
		sb_release(&sb);
		*rest = tok;
		return n;
	}
	fail(tok, "expected literal string or number");
}

/* A literal string (adjacent ones are one); else MSG */
static Node *string_literal(Token **rest, Token *tok, const char *msg)
{
	if (tok->kind != TK_STRING)
		fail(tok, "%s", msg);
	return literal(rest, tok);
}

/* index_list = '[' (expr | '*') (',' (expr | '*'))* ']', after the '['.
 * BAD: the message for a missing ',' or ']' (SystemTap's differ: an
 * element's "expected one of '] ,'", a membership's "expected ',' or ']'") */
static void index_list(Token **rest, Token *tok, NodeList *out, const char *bad)
{
	for (;;) {
		if (equal(tok, "*") && (equal(tok->next, ",") || equal(tok->next, "]"))) {
			nodelist_push(out, new_node(ND_WILDCARD, tok));
			tok = tok->next;
		} else {
			nodelist_push(out, expr(&tok, tok));
		}
		if (equal(tok, "]"))
			break;
		if (!equal(tok, ","))
			fail(tok, "%s", bad);
		tok = tok->next;
	}
	*rest = tok->next;
}

#define ELEMENT_BAD "expected one of '] ,'"
#define KEYS_BAD "expected ',' or ']'"

/* arg_list = '(' (expr (',' expr)*)? ')'.  BAD: as index_list's (a
 * print's "expected one of ', )'", a call's "expected one of ') ,'") */
static void arg_list(Token **rest, Token *tok, NodeList *out, const char *bad)
{
	tok = skip(tok, "(");
	if (equal(tok, ")")) {
		*rest = tok->next;
		return;
	}
	for (;;) {
		nodelist_push(out, expr(&tok, tok));
		if (equal(tok, ")"))
			break;
		if (!equal(tok, ","))
			fail(tok, "%s", bad);
		tok = tok->next;
	}
	*rest = tok->next;
}

/*
 * print_args = '(' (expr (',' expr)*)? ')', as SystemTap reads them:
 * printf and sprintf begin with a literal format, the printd family with
 * a literal delimiter and a value, print and sprint with a value.
 */
static void print_args(Token **rest, Token *tok, int pk, NodeList *out)
{
	bool fmt = pk == PR_PRINTF || pk == PR_SPRINTF;
	bool delim = pk == PR_PRINTD || pk == PR_PRINTDLN || pk == PR_SPRINTD ||
		     pk == PR_SPRINTDLN;
	tok = skip(tok, "(");
	if (fmt || delim) {
		nodelist_push(out, string_literal(&tok, tok, "expected literal string"));
		/* SystemTap takes the ')' of "printd(",")" for the ',' */
		if (delim && equal(tok, ")"))
			fail(tok->next, "expected literal string or number");
	} else if (equal(tok, ")") && (pk == PR_PRINTLN || pk == PR_SPRINTLN)) {
		*rest = tok->next;
		return;
	} else {
		nodelist_push(out, expr(&tok, tok));
	}
	while (!equal(tok, ")")) {
		if (!equal(tok, ","))
			fail(tok, "expected one of ', )'");
		nodelist_push(out, expr(&tok, tok->next));
	}
	*rest = tok->next;
}

static int print_kind(const char *name)
{
	static const char *names[] = {
		[PR_PRINT] = "print", [PR_PRINTLN] = "println",
		[PR_PRINTF] = "printf", [PR_PRINTD] = "printd",
		[PR_PRINTDLN] = "printdln", [PR_SPRINT] = "sprint",
		[PR_SPRINTLN] = "sprintln", [PR_SPRINTF] = "sprintf",
		[PR_SPRINTD] = "sprintd", [PR_SPRINTDLN] = "sprintdln",
	};
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

static int stat_op(const char *name)
{
	for (int i = STAT_COUNT; i <= STAT_VARIANCE; i++)
		if (!strcmp(name, statop_name(i)))
			return i;
	return -1;
}

/* stat_operand = expr: pass 2 wants a statistic (a global or one of
 * its elements) */
static Node *stat_operand(Token **rest, Token *tok)
{
	return expr(rest, tok);
}

/* The ')' of an extractor that takes one parameter */
static Token *one_parameter(Token *tok)
{
	if (equal(tok, ","))
		fail_at(tok, "not more than 1 parameter allowed");
	return skip(tok, ")");
}

/* The '$'s ending NAME after its first FROM characters: the length of
 * the pretty-printing suffix ("f_path$$": 2) */
static int dollar_suffix(const char *name, size_t from)
{
	size_t len = strlen(name), n = 0;
	while (len - n > from && name[len - n - 1] == '$')
		n++;
	return (int)n;
}

/*
 * target_suffix = ( '->' name | '[' expr ']' )* pretty?
 * pretty = '$' | '$$', also glued to the name before it ($p$, ->f_path$$)
 * Members go to N->args, the pretty suffix to N->pretty; nothing may
 * follow a pretty suffix.
 */
static Token *target_suffix(Token *tok, Node *n)
{
	while (!n->pretty) {
		if (equal(tok, "->")) {
			Token *arrow = tok;
			tok = tok->next;
			if (tok->kind != TK_IDENT && tok->kind != TK_KEYWORD)
				fail(tok, "expected identifier");
			/* reported at the '->', as SystemTap */
			Node *m = new_node(ND_STR, arrow);
			m->str = tok->text;
			if (tok->kind == TK_IDENT && (n->pretty = dollar_suffix(tok->text, 1)))
				m->str = arena_strndup(tok->text, strlen(tok->text) - n->pretty);
			nodelist_push(&n->args, m);
			tok = tok->next;
			continue;
		}
		if (equal(tok, "[")) {
			nodelist_push(&n->args, expr(&tok, tok->next));
			tok = skip(tok, "]");
			continue;
		}
		if (tok->kind == TK_IDENT && tok->text[0] == '$' &&
		    dollar_suffix(tok->text, 0) == (int)strlen(tok->text)) {
			n->pretty = strlen(tok->text);
			tok = tok->next;
			break;
		}
		return tok;
	}
	if (equal(tok, "->") || equal(tok, "["))
		fail(tok, "-> and [ are not accepted for a pretty-printing variable");
	return tok;
}

/* target = '$'name target_suffix ($$vars, $$parms, $$locals, $$return
 * are names) */
static Node *target(Token **rest, Token *tok)
{
	Node *n = new_node(ND_TARGET, tok);
	n->name = tok->text;
	size_t from = strncmp(tok->text, "$$", 2) ? 1 : 2;
	if (strlen(tok->text) > from && (n->pretty = dollar_suffix(tok->text, from)))
		n->name = arena_strndup(tok->text, strlen(tok->text) - n->pretty);
	*rest = target_suffix(tok->next, n);
	return n;
}

/*
 * primary = literal | '(' expr ')' | embedded
 *         | '@count' .. '@variance' '(' stat_operand ')'
 *         | '@hist_log' '(' stat_operand ')' | '@hist_linear' '(' ... ')'
 *         | '@defined' '(' expr ')' | '@entry' '(' expr ')'
 *         | '@cast' '(' expr ',' string (',' string)? ')' target-suffix
 *         | '@var' '(' string (',' string)? ')' target-suffix
 *         | target
 *         | print_name arg_list
 *         | ident arg_list | ident '[' index_list | ident
 */
static Node *primary(Token **rest, Token *tok)
{
	if (equal(tok, "(")) {
		Node *n = expr(&tok, tok->next);
		*rest = skip(tok, ")");
		return n;
	}
	if (tok->kind == TK_NUMBER || tok->kind == TK_STRING || equal(tok, "-"))
		return literal(rest, tok);
	if (tok->kind == TK_EMBEDDED) {
		if (!cur_file->is_tapset && !sess->guru)
			fail(tok, "embedded expression code in unprivileged script; need stap -g");
		Node *n = new_node(ND_EMBEDDED_EXPR, tok);
		n->str = tok->str;
		*rest = tok->next;
		return n;
	}
	if (tok->kind == TK_IDENT && tok->text[0] == '@') {
		const char *name = tok->text;
		int op = stat_op(name);
		if (op >= 0) {
			Node *n = new_node(ND_STAT, tok);
			n->op = op;
			tok = skip(tok->next, "(");
			n->lhs = stat_operand(&tok, tok);
			if (op == STAT_VARIANCE && equal(tok, ",")) {
				Token *t = tok->next;
				if (t->kind != TK_NUMBER &&
				    !(equal(t, "-") && t->next->kind == TK_NUMBER))
					fail(t, "expected number");
				n->rhs = literal(&tok, t);
			}
			*rest = one_parameter(tok);
			return n;
		}
		if (!strcmp(name, "@hist_log") || !strcmp(name, "@hist_linear")) {
			bool allowed = hist_allowed;
			hist_allowed = false;
			Node *n = new_node(ND_HIST, tok);
			n->op = name[6] == 'l' && name[7] == 'o' ? HIST_LOG : HIST_LINEAR;
			tok = skip(tok->next, "(");
			n->lhs = stat_operand(&tok, tok);
			if (n->op == HIST_LINEAR) {
				for (int i = 0; i < 3; i++) {
					tok = skip(tok, ",");
					if (!(tok->kind == TK_NUMBER ||
					      (equal(tok, "-") && tok->next->kind == TK_NUMBER)))
						fail(tok, "expected number");
					nodelist_push(&n->args, literal(&tok, tok));
				}
			}
			tok = skip(tok, ")");
			if (equal(tok, "[")) {
				/* @hist_log(x)[i]: a bucket */
				Node *b = new_node(ND_INDEX, tok);
				b->lhs = n;
				index_list(&tok, tok->next, &b->args, "expected ']'");
				*rest = tok;
				return b;
			}
			if (!allowed)
				fail_at(n->tok, "base histogram operator where expression expected");
			*rest = tok;
			return n;
		}
		if (!strcmp(name, "@defined") || !strcmp(name, "@entry") ||
		    !strcmp(name, "@probewrite")) {
			Node *n = new_node(name[1] == 'e' ? ND_ENTRY : ND_DEFINED, tok);
			/* @probewrite(v): is v written in the probe's handler */
			if (name[1] == 'p') {
				n->op = 'w';
				tok = skip(tok->next, "(");
				if (!is_ident(tok))
					fail(tok, "expected identifier");
				n->lhs = new_node(ND_VAR, tok);
				n->lhs->name = tok->text;
				*rest = skip(tok->next, ")");
				return n;
			}
			tok = skip(tok->next, "(");
			n->lhs = expr(&tok, tok);
			*rest = skip(tok, ")");
			return n;
		}
		if (!strcmp(name, "@const")) {
			/* @const("NAME"): a C constant, as embedded C */
			if (!cur_file->is_tapset && !sess->guru)
				fail(tok, "using @const operator not permitted; need stap -g");
			Node *n = new_node(ND_EMBEDDED_EXPR, tok);
			tok = skip(tok->next, "(");
			if (tok->kind != TK_STRING)
				fail(tok, "expected literal string");
			n->str = format(" /* pure */ /* unprivileged */ /* stable */ %s ",
					tok->str);
			*rest = skip(tok->next, ")");
			return n;
		}
		if (!strcmp(name, "@perf")) {
			/* @perf("COUNTER"): a perf counter of a process probe */
			Node *n = new_node(ND_TARGET, tok);
			n->name = tok->text;
			tok = skip(tok->next, "(");
			if (tok->kind != TK_STRING)
				fail(tok, "expected literal string");
			n->rhs = literal(&tok, tok);
			*rest = skip(tok, ")");
			return n;
		}
		if (!strcmp(name, "@cast") || !strcmp(name, "@var")) {
			Node *n = new_node(ND_TARGET, tok);
			n->name = tok->text;
			tok = skip(tok->next, "(");
			if (name[1] == 'c') {
				n->lhs = expr(&tok, tok);
				tok = skip(tok, ",");
			}
			n->rhs = string_literal(&tok, tok, "expected string");
			if (equal(tok, ",")) {
				n->cond = string_literal(&tok, tok->next, "expected string");
			}
			tok = skip(tok, ")");
			*rest = target_suffix(tok, n);
			return n;
		}
		fail(tok, "unknown operator %s", name);
	}
	if (tok->kind == TK_IDENT && tok->text[0] == '$')
		return target(rest, tok);
	if (is_ident(tok)) {
		if (equal(tok->next, "(")) {
			int pk = print_kind(tok->text);
			Node *n = new_node(pk >= 0 ? ND_PRINT : ND_CALL, tok);
			n->name = tok->text;
			n->op = pk;
			Token *a = tok->next->next;
			if ((pk == PR_PRINT || pk == PR_PRINTLN || pk == PR_SPRINT ||
			     pk == PR_SPRINTLN) &&
			    (equal(a, "@hist_log") || equal(a, "@hist_linear"))) {
				/* print(@hist_log(s)): the histogram's one argument */
				hist_allowed = true;
				Node *h = primary(&a, a);
				hist_allowed = false;
				nodelist_push(&n->args, h);
				*rest = skip(a, ")");
				return n;
			}
			if (pk >= 0)
				print_args(rest, tok->next, pk, &n->args);
			else
				arg_list(rest, tok->next, &n->args, "expected one of ') ,'");
			if ((pk == PR_PRINTF || pk == PR_SPRINTF) && n->args.len &&
			    n->args.items[0]->kind == ND_STR) {
				/* a bad format is a parse error, reported at the
				 * token after the format string */
				FmtSpec *specs;
				const char *err;
				Token *after = n->args.items[0]->tok;
				while (after->kind == TK_STRING)
					after = after->next;
				if (parse_format(n->args.items[0]->str, &specs, &err) < 0)
					fail(after, "%s", err);
			}
			return n;
		}
		if (equal(tok->next, "[")) {
			Node *n = new_node(ND_INDEX, tok);
			n->name = tok->text;
			index_list(rest, tok->next->next, &n->args, ELEMENT_BAD);
			return n;
		}
		Node *n = new_node(ND_VAR, tok);
		n->name = tok->text;
		*rest = tok->next;
		return n;
	}
	fail(tok, "expected literal string or number");
}

/* value = primary ('->' name target_suffix)?
 * '->' on a script value is an autocast (a typed pointer kept in a
 * variable); it resolves with the DWARF issue.  So is '[' after a
 * parenthesized expression or a literal. */
static Node *value(Token **rest, Token *tok)
{
	bool paren = equal(tok, "(") || tok->kind == TK_NUMBER || tok->kind == TK_STRING;
	Node *n = primary(&tok, tok);
	if ((equal(tok, "->") && (paren || n->kind != ND_TARGET)) ||
	    (paren && equal(tok, "["))) {
		Node *t = new_node(ND_TARGET, tok);
		t->name = "@autocast";
		t->lhs = n;
		tok = target_suffix(tok, t);
		n = t;
	}
	*rest = tok;
	return n;
}

/* postfix = value ('++' | '--')? */
static Node *postfix(Token **rest, Token *tok)
{
	Node *n = value(&tok, tok);
	if (equal(tok, "++") || equal(tok, "--")) {
		n = new_unary(equal(tok, "++") ? ND_POSTINC : ND_POSTDEC, n, tok);
		tok = tok->next;
	}
	*rest = tok;
	return n;
}

/* '&' N: the address of a target expression, also through the branches
 * of a conditional (what @choose_defined expands to); on anything else
 * an "@addressof" target node the later passes reject. */
static Node *address_of(Node *n, Token *amp)
{
	if (n->kind == ND_TARGET) {
		n->op = '&';
		return n;
	}
	if (n->kind == ND_COND) {
		n->then = address_of(n->then, amp);
		n->els = address_of(n->els, amp);
		return n;
	}
	Node *t = new_node(ND_TARGET, amp);
	t->name = "@addressof";
	t->lhs = n;
	t->op = '&';
	return t;
}

/* unary = ('+' | '-' | '!' | '~') unary | ('++' | '--') value
 *       | '&' postfix        (the address of a target expression)
 *       | postfix */
static Node *unary1(Token **rest, Token *tok);

static Node *unary(Token **rest, Token *tok)
{
	Node *n;

	if (++expr_depth > MAX_EXPR_DEPTH)
		fail(tok, "expression nested too deeply (more than %d levels)",
		     MAX_EXPR_DEPTH);
	n = unary1(rest, tok);
	expr_depth--;
	return n;
}

static Node *unary1(Token **rest, Token *tok)
{
	if (equal(tok, "&")) {
		Node *n = postfix(rest, tok->next);
		return address_of(n, tok);
	}
	if (equal(tok, "-") && tok->next->kind == TK_NUMBER)
		return literal(rest, tok);
	static const struct { const char *op; NodeKind kind; } ops[] = {
		{ "+", ND_UPLUS }, { "-", ND_NEG }, { "!", ND_NOT },
		{ "~", ND_BITNOT }, { "++", ND_PREINC }, { "--", ND_PREDEC },
	};
	for (int i = 0; i < 6; i++)
		if (equal(tok, ops[i].op))
			return new_unary(ops[i].kind, i < 4 ? unary(rest, tok->next) :
					 value(rest, tok->next), tok);
	return postfix(rest, tok);
}

/* mul = unary (('*' | '/' | '%') unary)* */
static Node *mul(Token **rest, Token *tok)
{
	Node *n = unary(&tok, tok);
	for (;;) {
		Token *start = tok;
		int op = equal(tok, "*") ? OP_MUL : equal(tok, "/") ? OP_DIV :
			 equal(tok, "%") ? OP_MOD : -1;
		if (op < 0)
			break;
		n = new_binary(ND_BINARY, op, n, unary(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

/* add = mul (('+' | '-') mul)* */
static Node *add(Token **rest, Token *tok)
{
	Node *n = mul(&tok, tok);
	for (;;) {
		Token *start = tok;
		int op = equal(tok, "+") ? OP_ADD : equal(tok, "-") ? OP_SUB : -1;
		if (op < 0)
			break;
		n = new_binary(ND_BINARY, op, n, mul(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

/* concat = add ('.' add)* */
static Node *concat(Token **rest, Token *tok)
{
	Node *n = add(&tok, tok);
	while (equal(tok, ".")) {
		Token *start = tok;
		n = new_binary(ND_BINARY, OP_CONCAT, n, add(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

/* shift = concat (('<<' | '>>' | '>>>') concat)* */
static Node *shift(Token **rest, Token *tok)
{
	Node *n = concat(&tok, tok);
	for (;;) {
		Token *start = tok;
		int op = equal(tok, "<<") ? OP_SHL : equal(tok, ">>") ? OP_SHR :
			 equal(tok, ">>>") ? OP_USHR : -1;
		if (op < 0)
			break;
		n = new_binary(ND_BINARY, op, n, concat(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

/* comparison = shift (('<' | '<=' | '>' | '>=' | '==' | '!=' | '=~' | '!~') shift)* */
static Node *comparison(Token **rest, Token *tok)
{
	Node *n = shift(&tok, tok);
	for (;;) {
		static const struct { const char *s; int op; } ops[] = {
			{ "<", OP_LT }, { "<=", OP_LE }, { ">", OP_GT },
			{ ">=", OP_GE }, { "==", OP_EQ }, { "!=", OP_NE },
			{ "=~", OP_REGEX_MATCH }, { "!~", OP_REGEX_NOMATCH },
		};
		int op = -1;
		for (int i = 0; i < 8; i++)
			if (equal(tok, ops[i].s))
				op = ops[i].op;
		if (op < 0)
			break;
		Token *start = tok;
		if ((op == OP_REGEX_MATCH || op == OP_REGEX_NOMATCH) &&
		    tok->next->kind != TK_STRING)
			fail(tok->next, "expected literal string");
		n = new_binary(ND_CMP, op, n, shift(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

/* membership = ('[' index_list | comparison) ('in' ident ('[' slice ']')?)* */
static Node *membership(Token **rest, Token *tok)
{
	Node *n;
	NodeList keys = {0};
	bool bracket = false;
	if (equal(tok, "[")) {
		index_list(&tok, tok->next, &keys, KEYS_BAD);
		bracket = true;
		if (!equal(tok, "in"))
			fail(tok, "expected 'in'");
		n = NULL;
	} else {
		n = comparison(&tok, tok);
	}
	while (equal(tok, "in")) {
		Token *in = tok;
		tok = tok->next;
		if (!is_ident(tok))
			fail(tok, "expected identifier");
		Node *m = new_node(ND_IN, in);
		m->name = tok->text;
		m->rhs = new_node(ND_VAR, tok);
		m->rhs->name = tok->text;
		if (bracket)
			m->args = keys;
		else
			nodelist_push(&m->args, n);
		bracket = false;
		n = m;
		tok = tok->next;
	}
	*rest = tok;
	return n;
}

/* bitand = membership ('&' membership)* ; bitxor ; bitor likewise */
static Node *bitand(Token **rest, Token *tok)
{
	Node *n = membership(&tok, tok);
	while (equal(tok, "&")) {
		Token *start = tok;
		n = new_binary(ND_BINARY, OP_BITAND, n, membership(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

static Node *bitxor(Token **rest, Token *tok)
{
	Node *n = bitand(&tok, tok);
	while (equal(tok, "^")) {
		Token *start = tok;
		n = new_binary(ND_BINARY, OP_BITXOR, n, bitand(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

static Node *bitor(Token **rest, Token *tok)
{
	Node *n = bitxor(&tok, tok);
	while (equal(tok, "|")) {
		Token *start = tok;
		n = new_binary(ND_BINARY, OP_BITOR, n, bitxor(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

/* logand = bitor ('&&' bitor)* */
static Node *logand(Token **rest, Token *tok)
{
	Node *n = bitor(&tok, tok);
	while (equal(tok, "&&")) {
		Token *start = tok;
		n = new_binary(ND_LOGAND, 0, n, bitor(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

/* logor = logand ('||' logand)* */
static Node *logor(Token **rest, Token *tok)
{
	Node *n = logand(&tok, tok);
	while (equal(tok, "||")) {
		Token *start = tok;
		n = new_binary(ND_LOGOR, 0, n, logand(&tok, tok->next), start);
	}
	*rest = tok;
	return n;
}

/* ternary = logor ('?' expr ':' ternary)?
 * Before 4.0 (--compatible) the third operand was an expr: "c ? a : b = 1"
 * assigned b; now it is "(c ? a : b) = 1". */
static Node *ternary(Token **rest, Token *tok)
{
	Node *n = logor(&tok, tok);
	if (!equal(tok, "?")) {
		*rest = tok;
		return n;
	}
	Node *c = new_node(ND_COND, tok);
	c->cond = n;
	c->then = expr(&tok, tok->next);
	tok = skip(tok, ":");
	c->els = compat_before("4.0") ? expr(rest, tok) : ternary(rest, tok);
	return c;
}

static int assign_op(Token *tok)
{
	static const struct { const char *s; int op; } ops[] = {
		{ "=", OP_NONE }, { "+=", OP_ADD }, { "-=", OP_SUB },
		{ "*=", OP_MUL }, { "/=", OP_DIV }, { "%=", OP_MOD },
		{ "<<=", OP_SHL }, { ">>=", OP_SHR }, { "&=", OP_BITAND },
		{ "|=", OP_BITOR }, { "^=", OP_BITXOR }, { ".=", OP_CONCAT },
	};
	for (int i = 0; i < 12; i++)
		if (equal(tok, ops[i].s))
			return ops[i].op;
	return -1;
}

/* assignment = ternary (assign_op assignment | '<<<' assignment)? */
static Node *assignment(Token **rest, Token *tok)
{
	Node *n = ternary(&tok, tok);
	/* the left side need not be an lvalue here: pass 2 says so, as
	 * SystemTap does ("Expecting lvalue for assignment") */
	if (equal(tok, "<<<"))
		return new_binary(ND_AGG, 0, n, assignment(rest, tok->next), tok);
	int op = assign_op(tok);
	if (op >= 0)
		return new_binary(ND_ASSIGN, op, n, assignment(rest, tok->next), tok);
	*rest = tok;
	return n;
}

/* expr = assignment */
static Node *expr(Token **rest, Token *tok)
{
	return assignment(rest, tok);
}

/* ------------------------------------------------------------------ */
/* Statements */

/* block = '{' stmt* '}' */
static Node *block(Token **rest, Token *tok)
{
	Node *n = new_node(ND_BLOCK, tok);
	tok = skip(tok, "{");
	while (!equal(tok, "}")) {
		if (tok->kind == TK_EOF)
			fail(tok, "expected '}'");
		nodelist_push(&n->args, stmt(&tok, tok));
	}
	*rest = tok->next;
	return n;
}

static bool starts_expression(Token *tok)
{
	return !(equal(tok, ";") || equal(tok, "}") || tok->kind == TK_EOF ||
		 tok->kind == TK_KEYWORD);
}

/* foreach = 'foreach' '(' (ident '=')? (ident sort? | '[' ident sort? (',' ident sort?)* ']')
 *           'in' ident ('[' slice ']')? ('@'stat)? sort? ('limit' expr)? ')' stmt */
static Node *foreach_stmt(Token **rest, Token *tok)
{
	Node *n = new_node(ND_FOREACH, tok);
	tok = skip(tok->next, "(");
	n->sort_column = 0;

	/* optional "value =" */
	if (is_ident(tok) && equal(tok->next, "=")) {
		n->value = new_node(ND_VAR, tok);
		n->value->name = tok->text;
		tok = tok->next->next;
	} else if (is_ident(tok) && (equal(tok->next, "+") || equal(tok->next, "-")) &&
		   equal(tok->next->next, "=")) {
		n->value = new_node(ND_VAR, tok);
		n->value->name = tok->text;
		n->sort_column = -1;
		n->sort_dir = equal(tok->next, "+") ? 1 : -1;
		tok = tok->next->next->next;
	}

	bool bracket = consume(&tok, tok, "[");
	for (;;) {
		if (!is_ident(tok))
			fail(tok, "expected identifier");
		Node *k = new_node(ND_VAR, tok);
		k->name = tok->text;
		nodelist_push(&n->keys, k);
		tok = tok->next;
		if (equal(tok, "+") || equal(tok, "-")) {
			if (n->sort_column)
				fail(tok, "multiple sort directives");
			n->sort_column = n->keys.len;
			n->sort_dir = equal(tok, "+") ? 1 : -1;
			tok = tok->next;
		}
		if (!bracket)
			break;
		if (equal(tok, "]")) {
			tok = tok->next;
			break;
		}
		if (!equal(tok, ","))
			fail(tok, "expected ',' or ']'");
		tok = tok->next;
	}
	if (!equal(tok, "in"))
		fail(tok, "expected 'in'");
	tok = tok->next;
	if (equal(tok, "@hist_log") || equal(tok, "@hist_linear")) {
		/* foreach (b in @hist_log(s)): the bucket indexes */
		hist_allowed = true;
		n->lhs = primary(&tok, tok);
		hist_allowed = false;
		goto options;
	}
	if (!is_ident(tok))
		fail(tok, "expected identifier");
	n->name = tok->text;
	n->rhs = new_node(ND_VAR, tok);
	n->rhs->name = tok->text;
	tok = tok->next;
	if (equal(tok, "[")) {
		/* slice: foreach ([a,b] in A[x, *]) */
		index_list(&tok, tok->next, &n->args, KEYS_BAD);
	}
options:
	n->sort_stat = STAT_COUNT;
	if (tok->kind == TK_IDENT && tok->text[0] == '@') {
		int op = stat_op(tok->text);
		if (op < 0)
			fail(tok, "expected statistical operation");
		n->sort_stat = op;
		tok = tok->next;
		if (!equal(tok, "+") && !equal(tok, "-"))
			fail(tok, "expected sort directive");
	}
	if (equal(tok, "+") || equal(tok, "-")) {
		if (n->sort_column)
			fail(tok, "multiple sort directives");
		n->sort_column = -1;
		n->sort_dir = equal(tok, "+") ? 1 : -1;
		tok = tok->next;
	}
	if (equal(tok, "limit"))
		n->limit = expr(&tok, tok->next);
	tok = skip(tok, ")");
	n->body = stmt(rest, tok);
	return n;
}

/*
 * stmt = block | ';'
 *      | 'if' '(' expr ')' stmt ('else' stmt)?
 *      | 'while' '(' expr ')' stmt
 *      | 'for' '(' expr? ';' expr? ';' expr? ')' stmt
 *      | foreach
 *      | 'break' | 'continue' | 'next' | 'return' expr?
 *      | 'delete' expr
 *      | 'try' block 'catch' ('(' ident ')')? block
 *      | expr
 * each optionally followed by ';'
 */
static Node *stmt1(Token **rest, Token *tok);

static Node *stmt(Token **rest, Token *tok)
{
	Node *n;

	if (++stmt_depth > MAX_STMT_DEPTH)
		fail(tok, "statement nested too deeply (more than %d levels)",
		     MAX_STMT_DEPTH);
	n = stmt1(rest, tok);
	stmt_depth--;
	return n;
}

static Node *stmt1(Token **rest, Token *tok)
{
	Node *n;
	if (equal(tok, "{"))
		return block(rest, tok);
	if (equal(tok, ";")) {
		*rest = tok->next;
		return new_node(ND_NULL_STMT, tok);
	}
	if (equal(tok, "if")) {
		n = new_node(ND_IF, tok);
		tok = skip(tok->next, "(");
		n->cond = expr(&tok, tok);
		tok = skip(tok, ")");
		n->then = stmt(&tok, tok);
		if (equal(tok, "else"))
			n->els = stmt(&tok, tok->next);
		*rest = tok;
		return n;
	}
	if (equal(tok, "while")) {
		n = new_node(ND_WHILE, tok);
		tok = skip(tok->next, "(");
		n->cond = expr(&tok, tok);
		tok = skip(tok, ")");
		n->body = stmt(rest, tok);
		return n;
	}
	if (equal(tok, "for")) {
		n = new_node(ND_FOR, tok);
		tok = skip(tok->next, "(");
		if (!equal(tok, ";"))
			n->init = expr(&tok, tok);
		tok = skip(tok, ";");
		if (!equal(tok, ";"))
			n->cond = expr(&tok, tok);
		tok = skip(tok, ";");
		if (!equal(tok, ")"))
			n->inc = expr(&tok, tok);
		tok = skip(tok, ")");
		n->body = stmt(rest, tok);
		return n;
	}
	if (equal(tok, "foreach"))
		return foreach_stmt(rest, tok);
	if (equal(tok, "break") || equal(tok, "continue") || equal(tok, "next")) {
		n = new_node(equal(tok, "break") ? ND_BREAK :
			     equal(tok, "continue") ? ND_CONTINUE : ND_NEXT, tok);
		consume(rest, tok->next, ";");
		return n;
	}
	if (equal(tok, "return")) {
		if (!in_function)
			fail(tok, "found 'return' not in function context");
		n = new_node(ND_RETURN, tok);
		tok = tok->next;
		if (starts_expression(tok))
			n->lhs = expr(&tok, tok);
		consume(rest, tok, ";");
		return n;
	}
	if (equal(tok, "delete")) {
		/* any expression: pass 2 wants a variable or an element */
		n = new_node(ND_DELETE, tok);
		n->lhs = expr(&tok, tok->next);
		consume(rest, tok, ";");
		return n;
	}
	if (equal(tok, "try")) {
		n = new_node(ND_TRY, tok);
		n->body = block(&tok, tok->next);
		if (!equal(tok, "catch"))
			fail(tok, "expected 'catch'");
		tok = tok->next;
		if (equal(tok, "(")) {
			tok = tok->next;
			if (!is_ident(tok))
				fail(tok, "expected identifier");
			n->catch_var = new_node(ND_VAR, tok);
			n->catch_var->name = tok->text;
			tok = skip(tok->next, ")");
		}
		n->els = block(rest, tok);
		return n;
	}
	if (tok->kind == TK_KEYWORD && !equal(tok, "in"))
		fail(tok, "expected statement");
	n = new_node(ND_EXPR_STMT, tok);
	n->lhs = expr(&tok, tok);
	consume(rest, tok, ";");
	return n;
}

/* ------------------------------------------------------------------ */
/* Top level */

/*
 * component = (ident | keyword | number | '*')+ ('(' literal ')')?
 * The pieces of one component must touch: "sys_*" is one component.
 */
static bool touches(Token *a, Token *b)
{
	return a->file == b->file && a->line == b->line &&
	       a->col + (int)strlen(a->text) == b->col;
}

static bool component_piece(Token *tok)
{
	return tok->kind == TK_IDENT || tok->kind == TK_KEYWORD ||
	       tok->kind == TK_NUMBER || equal(tok, "*");
}

/* One expansion of a probe point: its components and markers. */
typedef struct Alt {
	Vec comps;              /* Component* */
	bool optional, sufficient;
} Alt;

static Component *component(Token **rest, Token *tok)
{
	if (!(is_ident(tok) || tok->kind == TK_KEYWORD || equal(tok, "*")))
		fail(tok, "expected identifier or '*' or '{'");
	Component *c = arena_alloc(sizeof(*c));
	c->tok = tok;
	StrBuf sb = {0};
	sb_puts(&sb, tok->text);
	Token *prev = tok;
	tok = tok->next;
	while (component_piece(tok) && touches(prev, tok)) {
		sb_puts(&sb, tok->text);
		prev = tok;
		tok = tok->next;
	}
	c->name = arena_strdup(sb.buf);
	sb_release(&sb);
	if (equal(tok, "(")) {
		c->arg = literal(&tok, tok->next);
		tok = skip(tok, ")");
	}
	*rest = tok;
	return c;
}

static void markers(Token **rest, Token *tok, bool *optional, bool *sufficient)
{
	if (equal(tok, "?")) {
		*optional = true;
		tok = tok->next;
	} else if (equal(tok, "!")) {
		*optional = *sufficient = true;
		tok = tok->next;
	}
	*rest = tok;
}

static Vec point_alts(Token **rest, Token *tok);

/*
 * point_alts = segment ('.' segment)* ('?' | '!')?
 * segment    = component | '{' point_alts (',' point_alts)* '}'
 * Braces expand to the cross product: kernel.{a,b}.c is kernel.a.c and
 * kernel.b.c.
 */
static Vec point_alts(Token **rest, Token *tok)
{
	Vec alts = {0};
	vec_push(&alts, arena_alloc(sizeof(Alt)));
	for (;;) {
		Vec seg = {0};          /* Alt*: the choices of this segment */
		if (equal(tok, "{")) {
			tok = tok->next;
			for (;;) {
				Vec inner = point_alts(&tok, tok);
				for (int i = 0; i < inner.len; i++)
					vec_push(&seg, vec_get(&inner, i));
				if (equal(tok, "}"))
					break;
				tok = skip(tok, ",");
			}
			tok = tok->next;
		} else {
			Alt *a = arena_alloc(sizeof(*a));
			vec_push(&a->comps, component(&tok, tok));
			vec_push(&seg, a);
		}
		Vec product = {0};
		for (int i = 0; i < alts.len; i++) {
			for (int j = 0; j < seg.len; j++) {
				Alt *x = vec_get(&alts, i), *y = vec_get(&seg, j);
				Alt *z = arena_alloc(sizeof(*z));
				for (int k = 0; k < x->comps.len; k++)
					vec_push(&z->comps, vec_get(&x->comps, k));
				for (int k = 0; k < y->comps.len; k++)
					vec_push(&z->comps, vec_get(&y->comps, k));
				z->optional = x->optional || y->optional;
				z->sufficient = x->sufficient || y->sufficient;
				vec_push(&product, z);
			}
		}
		alts = product;
		if (!equal(tok, "."))
			break;
		tok = tok->next;
	}
	bool opt = false, suff = false;
	markers(&tok, tok, &opt, &suff);
	for (int i = 0; i < alts.len; i++) {
		Alt *a = vec_get(&alts, i);
		a->optional |= opt;
		a->sufficient |= suff;
	}
	*rest = tok;
	return alts;
}

/* probe_point = point_alts: pushes one ProbePoint per expansion to OUT */
static void probe_point(Token **rest, Token *tok, Vec *out)
{
	Token *start = tok;
	Vec alts = point_alts(rest, tok);
	for (int i = 0; i < alts.len; i++) {
		Alt *a = vec_get(&alts, i);
		ProbePoint *pp = arena_alloc(sizeof(*pp));
		pp->tok = a->comps.len ? ((Component *)vec_get(&a->comps, 0))->tok : start;
		pp->ncomps = a->comps.len;
		pp->comps = arena_alloc(sizeof(Component) * (a->comps.len + 1));
		for (int k = 0; k < a->comps.len; k++)
			pp->comps[k] = *(Component *)vec_get(&a->comps, k);
		pp->optional = a->optional;
		pp->sufficient = a->sufficient;
		vec_push(out, pp);
	}
}

/* probe_decl = 'probe' probe_point (',' probe_point)* ('if' '(' expr ')')? block
 *            | 'probe' probe_point (',' ...)* ('=' | '+=') probe_point (',' probe_point)* block (',' block)? */
static void probe_decl(Token **rest, Token *tok, bool is_private)
{
	Probe *p = arena_alloc(sizeof(*p));
	p->tok = tok;
	p->file = cur_file;
	p->is_private = is_private;
	tok = tok->next;
	Vec points = {0};
	for (;;) {
		probe_point(&tok, tok, &points);
		if (!equal(tok, ","))
			break;
		tok = tok->next;
	}
	if (equal(tok, "=") || equal(tok, "+=")) {
		p->is_alias = true;
		p->is_epilogue = equal(tok, "+=");
		for (int i = 0; i < points.len; i++) {
			ProbePoint *pp = vec_get(&points, i);
			if (pp->optional) {
				error_tok = pp->tok;
				parse_error_at(pp->tok, "probe point alias name cannot be optional nor sufficient");
				longjmp(recover, 1);
			}
		}
		p->alias_names = points;
		tok = tok->next;
		for (;;) {
			probe_point(&tok, tok, &p->points);
			if (!equal(tok, ","))
				break;
			tok = tok->next;
		}
	} else {
		p->points = points;
	}
	Node *cond = NULL;
	if (equal(tok, "if")) {
		tok = skip(tok->next, "(");
		cond = expr(&tok, tok);
		tok = skip(tok, ")");
	}
	for (int i = 0; i < p->points.len; i++)
		((ProbePoint *)vec_get(&p->points, i))->cond = cond;
	p->body = block(&tok, tok);
	if (p->is_alias && equal(tok, ",") && equal(tok->next, "{")) {
		if (p->is_epilogue)
			fail(tok, "Combined prologue and epilogue cannot be defined with '+='");
		p->epilogue = block(&tok, tok->next);
	}
	vec_push(p->is_alias ? &sess->aliases : &sess->probes, p);
	*rest = tok;
}

static Var *find_global_decl(const char *name)
{
	for (int i = 0; i < sess->globals.len; i++) {
		Var *v = vec_get(&sess->globals, i);
		if (!strcmp(v->name, name) &&
		    (!v->is_private || v->file == cur_file))
			return v;
	}
	return NULL;
}

/* global_decl = 'global' global_var (',' global_var)*
 * global_var  = ident ('%')? ('[' number ']')? ('=' literal)? */
static void global_decl(Token **rest, Token *tok, bool is_private)
{
	tok = tok->next;
	for (;;) {
		if (!is_ident(tok))
			fail(tok, "expected identifier");
		Var *old = find_global_decl(tok->text);
		if (old && old->file == cur_file)
			fail(tok, "duplicate global name");
		Var *v = arena_alloc(sizeof(*v));
		v->name = tok->text;
		v->tok = tok;
		v->is_global = true;
		v->is_private = is_private;
		v->file = cur_file;
		v->arity = -1;
		tok = tok->next;
		if (equal(tok, "%")) {
			v->wrap = true;
			tok = tok->next;
		}
		if (equal(tok, "[")) {
			tok = tok->next;
			if (equal(tok, "-") && tok->next->kind == TK_NUMBER)
				fail(tok, "array size out of range");
			if (tok->kind != TK_NUMBER)
				fail(tok, "expected literal number");
			if (tok->val <= 0 || tok->val > 1000000000)
				fail(tok, "array size out of range");
			v->maxsize = tok->val;
			tok = skip(tok->next, "]");
		}
		if (equal(tok, "=")) {
			if (v->maxsize || v->wrap)
				fail(tok, "only scalar globals can be initialized");
			v->arity_tok = tok;
			v->init = literal(&tok, tok->next);
			v->arity = 0;
			v->type = v->init->kind == ND_NUM ? TY_LONG : TY_STRING;
			v->type_tok = v->init->tok;
		}
		if (v->maxsize || v->wrap)
			v->arity = -1;
		vec_push(&sess->globals, v);
		if (!equal(tok, ","))
			break;
		tok = tok->next;
	}
	consume(rest, tok, ";");
}

static bool type_keyword(Token **rest, Token *tok, Type *type, Token **type_tok)
{
	if (!equal(tok, ":")) {
		*rest = tok;
		return false;
	}
	tok = tok->next;
	if (equal(tok, "string"))
		*type = TY_STRING;
	else if (equal(tok, "long"))
		*type = TY_LONG;
	else
		fail(tok, "expected 'string' or 'long'");
	if (type_tok)
		*type_tok = tok;
	*rest = tok->next;
	return true;
}

static void parse_pragmas(Function *f, const char *code)
{
	f->pure = strstr(code, "/* pure */") != NULL;
	f->stable = strstr(code, "/* stable */") != NULL;
	f->unprivileged = strstr(code, "/* unprivileged */") != NULL;
	f->myproc_unprivileged = strstr(code, "/* myproc-unprivileged */") != NULL;
	f->guru = strstr(code, "/* guru */") != NULL;
	f->unmangled = strstr(code, "/* unmangled */") != NULL;
	f->string_expr = strstr(code, "/* string */") != NULL;
}

/* function_decl = 'function' ident (':' type)? '(' (param (',' param)*)? ')'
 *                 (':' number)? (block | embedded)
 * param = ident (':' type)? */
static void function_decl(Token **rest, Token *tok, bool is_private)
{
	Function *f = arena_alloc(sizeof(*f));
	tok = tok->next;
	if (!is_ident(tok))
		fail(tok, "expected identifier");
	f->name = tok->text;
	f->tok = tok;
	f->file = cur_file;
	f->is_private = is_private;
	tok = tok->next;
	type_keyword(&tok, tok, &f->type, &f->type_tok);
	tok = skip(tok, "(");
	while (!equal(tok, ")")) {
		if (!is_ident(tok))
			fail(tok, "expected identifier");
		for (int i = 0; i < f->params.len; i++)
			if (!strcmp(((Var *)vec_get(&f->params, i))->name, tok->text))
				fail(tok, "duplicate parameter names");
		Var *v = arena_alloc(sizeof(*v));
		v->name = tok->text;
		v->tok = tok;
		v->is_param = true;
		v->file = cur_file;
		tok = tok->next;
		type_keyword(&tok, tok, &v->type, &v->type_tok);
		vec_push(&f->params, v);
		if (equal(tok, ","))
			tok = tok->next;
		else if (!equal(tok, ")"))
			fail(tok, "expected ',' or ')'");
	}
	tok = tok->next;
	f->priority = cur_file->is_user ? 0 : 1;
	if (equal(tok, ":")) {      /* overload priority: ':' literal */
		Token *num = tok->next;
		Node *lit = literal(&tok, tok->next);
		if (lit->kind != ND_NUM)
			fail(tok, "expected literal number");
		if (equal(num, "-"))
			num = num->next;
		if (lit->val <= 0)
			fail(num, "specified priority must be > 0");
		f->priority = lit->val;
	}
	if (tok->kind == TK_EMBEDDED) {
		if (!cur_file->is_tapset && !sess->guru)
			fail(tok, "embedded code in unprivileged script; need stap -g");
		f->code = tok->str;
		parse_pragmas(f, f->code);
		tok = tok->next;
	} else {
		in_function = true;
		f->body = block(&tok, tok);
		in_function = false;
	}
	vec_push(&sess->functions, f);
	*rest = tok;
}

static bool starts_declaration(Token *tok)
{
	return equal(tok, "probe") || equal(tok, "global") ||
	       equal(tok, "private") || equal(tok, "function") ||
	       tok->kind == TK_EMBEDDED;
}

/* After an error in the declaration at START: go on at the next
 * declaration keyword, which may be the token the error was found at. */
static Token *resync(Token *start)
{
	Token *tok = error_tok ? error_tok : start;
	if (tok->kind == TK_EOF)
		return tok;
	if (tok != start && starts_declaration(tok) && tok->kind != TK_EMBEDDED)
		return tok;
	for (tok = tok->next; tok->kind != TK_EOF; tok = tok->next)
		if (starts_declaration(tok))
			return tok;
	return tok;
}

bool parse_file(File *file)
{
	int before = sess->parse_errors;
	cur_file = file;
	error_tok = NULL;
	Token *tok = tokenize(file);
	if (tok->kind == TK_EOF && sess->parse_errors == before && file->is_user) {
		fprintf(stderr, "Input file '%s' is empty%s.\n", file->name,
			*file->contents ? " after preprocessing" : "");
		sess->parse_errors++;
		return false;
	}
	while (tok->kind != TK_EOF) {
		Token *start = tok;
		expr_depth = stmt_depth = 0;
		if (setjmp(recover)) {
			expr_depth = stmt_depth = 0;
			in_function = false;
			tok = resync(start);
			continue;
		}
		bool priv = false;
		if (equal(tok, "private")) {
			priv = true;
			tok = tok->next;
		}
		if (equal(tok, "probe")) {
			if (priv)
				fail(tok, "expected 'function' or identifier");
			probe_decl(&tok, tok, false);
		} else if (equal(tok, "global")) {
			global_decl(&tok, tok, priv);
		} else if (equal(tok, "function")) {
			function_decl(&tok, tok, priv);
		} else if (priv && is_ident(tok)) {
			/* "private x" is "private global x" */
			Token fake = *tok;
			fake.next = tok;
			global_decl(&tok, &fake, true);
		} else if (tok->kind == TK_EMBEDDED) {
			if (!file->is_tapset && !sess->guru)
				fail(tok, "embedded code in unprivileged script; need stap -g");
			vec_push(&sess->embeds, tok);
			tok = tok->next;
		} else if (tok->kind == TK_JUNK) {
			fail(tok, "%s", tok->junk_msg ? tok->junk_msg : "unexpected junk");
		} else {
			fail(tok, "expected 'probe', 'global', 'private', 'function', or '%%{'");
		}
	}
	return sess->parse_errors == before;
}
