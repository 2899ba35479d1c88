/*
 * regex.c - the regular expressions of =~ and !~, compiled in pass 2 to
 * programs that runtime/stp_regex.h runs (a Pike VM: every thread in
 * step, so the time is linear in the subject and nothing recurses).
 *
 * The syntax is POSIX extended: literals, '.', bracket expressions with
 * ranges and [:classes:], '^' and '$', groups, '|', and the quantifiers
 * '*', '+', '?', {m}, {m,}, {m,n}; '\' takes the next character
 * literally (\n, \t and \r are those characters).  Groups capture, for
 * matched(N).  Where POSIX asks for the leftmost-longest match, the
 * groups here follow the first alternative that matches (leftmost-first),
 * which differs only for ambiguous expressions.
 *
 *   regex    = branch ('|' branch)*
 *   branch   = piece*
 *   piece    = atom ('*' | '+' | '?' | '{' m [',' [n]] '}')*
 *   atom     = '(' regex ')' | '[' bracket ']' | '.' | '^' | '$'
 *            | '\' char | char
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

#define MAX_PROG 4096           /* instructions of one program */
#define MAX_REPEAT 255          /* the n of {m,n} */

/* The AST of a regex, before code generation */
typedef enum { R_CHAR, R_ANY, R_CLASS, R_BOL, R_EOL, R_CAT, R_ALT,
	       R_GROUP, R_REPEAT, R_EMPTY } RKind;

typedef struct RNode RNode;
struct RNode {
	RKind kind;
	int c;                  /* R_CHAR */
	int cls;                /* R_CLASS: index in the class table */
	RNode *a, *b;           /* R_CAT, R_ALT; R_GROUP, R_REPEAT: a */
	int group;              /* R_GROUP: its number */
	int min, max;           /* R_REPEAT: max -1 for no bound */
};

typedef struct Parser {
	const char *re, *p;
	const char *err;        /* SystemTap's words */
	int errpos;
	int ngroups;
	Regex *out;
} Parser;

static RNode *node(RKind k)
{
	RNode *n = arena_alloc(sizeof(*n));
	n->kind = k;
	return n;
}

static void fail_at(Parser *ps, const char *msg)
{
	if (!ps->err) {
		ps->err = msg;
		/* at the end, SystemTap names the last character */
		ps->errpos = ps->p - ps->re - (!*ps->p && ps->p > ps->re);
	}
}

static RNode *parse_alt(Parser *ps);

/* A new class of 256 bits in the regex's table. */
static int new_class(Parser *ps, const unsigned char *bits)
{
	Regex *r = ps->out;
	for (int i = 0; i < r->nclasses; i++)
		if (!memcmp(r->classes + 32 * i, bits, 32))
			return i;
	unsigned char *c = arena_alloc(32 * (r->nclasses + 1));
	if (r->nclasses)
		memcpy(c, r->classes, 32 * r->nclasses);
	memcpy(c + 32 * r->nclasses, bits, 32);
	r->classes = c;
	return r->nclasses++;
}

static void set_bit(unsigned char *bits, int c)
{
	bits[(c & 255) >> 3] |= 1 << (c & 7);
}

static bool named_class(const char *name, size_t n, int c)
{
#define IS(s) (n == strlen(s) && !strncmp(name, s, n))
	if (IS("alpha")) return isalpha(c);
	if (IS("digit")) return isdigit(c);
	if (IS("alnum")) return isalnum(c);
	if (IS("upper")) return isupper(c);
	if (IS("lower")) return islower(c);
	if (IS("space")) return isspace(c);
	if (IS("blank")) return c == ' ' || c == '\t';
	if (IS("punct")) return ispunct(c);
	if (IS("print")) return isprint(c);
	if (IS("graph")) return isgraph(c);
	if (IS("cntrl")) return iscntrl(c);
	if (IS("xdigit")) return isxdigit(c);
#undef IS
	return false;
}

static int escaped(int c)
{
	return c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
}

/* bracket = '^'? ']'? (char | char '-' char | '[:' name ':]' | '\' char)* */
static RNode *parse_bracket(Parser *ps)
{
	unsigned char bits[32] = {0};
	bool negate = false;
	if (*ps->p == '^') {
		negate = true;
		ps->p++;
	}
	bool first = true;
	while (*ps->p && (*ps->p != ']' || first)) {
		first = false;
		if (ps->p[0] == '[' && ps->p[1] == ':') {
			const char *name = ps->p + 2;
			const char *end = strstr(name, ":]");
			if (!end) {
				fail_at(ps, "unclosed character class");
				return NULL;
			}
			size_t n = end - name;
			bool known = false;
			for (int c = 1; c < 256; c++)
				if (named_class(name, n, c)) {
					set_bit(bits, c);
					known = true;
				}
			if (!known) {
				fail_at(ps, "unknown character class");
				return NULL;
			}
			ps->p = end + 2;
			continue;
		}
		int lo = (unsigned char)*ps->p++;
		if (lo == '\\' && *ps->p)
			lo = escaped((unsigned char)*ps->p++);
		int hi = lo;
		if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
			ps->p++;
			hi = (unsigned char)*ps->p++;
			if (hi == '\\' && *ps->p)
				hi = escaped((unsigned char)*ps->p++);
			if (hi < lo) {
				fail_at(ps, "invalid range in character class");
				return NULL;
			}
		}
		for (int c = lo; c <= hi; c++)
			set_bit(bits, c);
	}
	if (*ps->p != ']') {
		fail_at(ps, "expected ], found end of regex");
		return NULL;
	}
	ps->p++;
	if (negate)
		for (int i = 0; i < 32; i++)
			bits[i] = ~bits[i];
	bits[0] &= ~1;          /* never the NUL that ends a string */
	RNode *n = node(R_CLASS);
	n->cls = new_class(ps, bits);
	return n;
}

static int number(Parser *ps)
{
	int v = -1;
	while (isdigit((unsigned char)*ps->p)) {
		v = (v < 0 ? 0 : v * 10) + (*ps->p++ - '0');
		if (v > MAX_REPEAT)
			v = MAX_REPEAT + 1;
	}
	return v;
}

static RNode *parse_atom(Parser *ps)
{
	int c = (unsigned char)*ps->p;
	switch (c) {
	case '(': {
		ps->p++;
		RNode *g = node(R_GROUP);
		g->group = ++ps->ngroups;
		g->a = parse_alt(ps);
		if (ps->err)
			return NULL;
		if (*ps->p != ')') {
			fail_at(ps, "expected ), found end of regex");
			return NULL;
		}
		ps->p++;
		return g;
	}
	case '[':
		ps->p++;
		return parse_bracket(ps);
	case '.':
		ps->p++;
		return node(R_ANY);
	case '^':
		ps->p++;
		return node(R_BOL);
	case '$':
		ps->p++;
		return node(R_EOL);
	case '\\':
		ps->p++;
		if (!*ps->p) {
			fail_at(ps, "trailing backslash");
			return NULL;
		}
		c = escaped((unsigned char)*ps->p++);
		break;
	case '*': case '+': case '?': case '{':
		fail_at(ps, "unexpected quantifier");
		return NULL;
	default:
		ps->p++;
	}
	RNode *n = node(R_CHAR);
	n->c = c;
	return n;
}

static RNode *parse_piece(Parser *ps)
{
	RNode *a = parse_atom(ps);
	while (a && !ps->err) {
		int min, max;
		char c = *ps->p;
		if (c == '*') {
			min = 0, max = -1;
		} else if (c == '+') {
			min = 1, max = -1;
		} else if (c == '?') {
			min = 0, max = 1;
		} else if (c == '{' && isdigit((unsigned char)ps->p[1])) {
			ps->p++;
			min = max = number(ps);
			if (*ps->p == ',') {
				ps->p++;
				max = number(ps);
			}
			if (*ps->p != '}') {
				fail_at(ps, "expected }, found end of regex");
				return NULL;
			}
			if (min > MAX_REPEAT || max > MAX_REPEAT ||
			    (max >= 0 && max < min)) {
				fail_at(ps, "invalid repetition count");
				return NULL;
			}
		} else {
			break;
		}
		ps->p++;
		RNode *r = node(R_REPEAT);
		r->a = a;
		r->min = min;
		r->max = max;
		a = r;
	}
	return a;
}

static RNode *parse_branch(Parser *ps)
{
	RNode *n = NULL;
	while (*ps->p && *ps->p != '|' && *ps->p != ')' && !ps->err) {
		RNode *p = parse_piece(ps);
		if (!p)
			return NULL;
		if (!n) {
			n = p;
		} else {
			RNode *c = node(R_CAT);
			c->a = n;
			c->b = p;
			n = c;
		}
	}
	return n ? n : node(R_EMPTY);
}

static RNode *parse_alt(Parser *ps)
{
	RNode *n = parse_branch(ps);
	while (n && !ps->err && *ps->p == '|') {
		ps->p++;
		RNode *a = node(R_ALT);
		a->a = n;
		a->b = parse_branch(ps);
		if (!a->b)
			return NULL;
		n = a;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Code generation */

typedef struct Emitter {
	RegexInst *code;
	int n;
	bool full;
} Emitter;

static int emit(Emitter *e, int op, int x, int y)
{
	if (e->n >= MAX_PROG) {
		e->full = true;
		return e->n;
	}
	e->code[e->n] = (RegexInst){ op, x, y };
	return e->n++;
}

static void gen(Emitter *e, RNode *n);

/* One copy of N made optional: SPLIT L1, L2; L1: N; L2: */
static void gen_optional(Emitter *e, RNode *n)
{
	int split = emit(e, RE_SPLIT, 0, 0);
	e->code[split].x = e->n;
	gen(e, n);
	e->code[split].y = e->n;
}

static void gen(Emitter *e, RNode *n)
{
	if (e->full)
		return;
	switch (n->kind) {
	case R_EMPTY:
		return;
	case R_CHAR:
		emit(e, RE_CHAR, n->c, 0);
		return;
	case R_ANY:
		emit(e, RE_ANY, 0, 0);
		return;
	case R_CLASS:
		emit(e, RE_CLASS, n->cls, 0);
		return;
	case R_BOL:
		emit(e, RE_BOL, 0, 0);
		return;
	case R_EOL:
		emit(e, RE_EOL, 0, 0);
		return;
	case R_CAT:
		gen(e, n->a);
		gen(e, n->b);
		return;
	case R_ALT: {
		/* SPLIT L1, L2; L1: a; JMP L3; L2: b; L3: */
		int split = emit(e, RE_SPLIT, 0, 0);
		e->code[split].x = e->n;
		gen(e, n->a);
		int jmp = emit(e, RE_JMP, 0, 0);
		e->code[split].y = e->n;
		gen(e, n->b);
		e->code[jmp].x = e->n;
		return;
	}
	case R_GROUP:
		emit(e, RE_SAVE, 2 * n->group, 0);
		gen(e, n->a);
		emit(e, RE_SAVE, 2 * n->group + 1, 0);
		return;
	case R_REPEAT:
		for (int i = 0; i < n->min; i++)
			gen(e, n->a);
		if (n->max < 0) {
			/* L1: SPLIT L2, L3; L2: a; JMP L1; L3: */
			int split = emit(e, RE_SPLIT, 0, 0);
			e->code[split].x = e->n;
			gen(e, n->a);
			emit(e, RE_JMP, split, 0);
			e->code[split].y = e->n;
		} else {
			for (int i = n->min; i < n->max; i++)
				gen_optional(e, n->a);
		}
		return;
	}
}

/* Compile TEXT; NULL with a message at TOK (SystemTap's words). */
Regex *regex_compile(const char *text, Token *tok)
{
	Regex *r = arena_alloc(sizeof(*r));
	r->text = text;
	Parser ps = { text, text, NULL, 0, 0, r };
	RNode *n = parse_alt(&ps);
	if (!ps.err && *ps.p == ')')
		fail_at(&ps, "unbalanced )");
	if (ps.err || !n) {
		semantic_error(tok, "regex compilation error (at position %d): %s",
			       ps.errpos, ps.err ? ps.err : "invalid regex");
		return NULL;
	}
	Emitter e = { arena_alloc(sizeof(RegexInst) * MAX_PROG), 0, false };
	emit(&e, RE_SAVE, 0, 0);
	gen(&e, n);
	emit(&e, RE_SAVE, 1, 0);
	emit(&e, RE_MATCH, 0, 0);
	if (e.full) {
		semantic_error(tok, "regex compilation error (at position 0): regex too large");
		return NULL;
	}
	r->code = e.code;
	r->ninsts = e.n;
	r->ngroups = ps.ngroups;
	return r;
}
