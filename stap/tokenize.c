/*
 * tokenize.c - the lexer and the preprocessor.
 *
 * lex() turns a file into raw tokens; preprocess() then substitutes
 * script arguments ($1, @1, $#, @#), expands @define macros and resolves
 * %( COND %? A %: B %) conditionals, producing the token list the parser
 * reads.  Every token keeps its file, line and column.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

static const char *keywords[] = {
	"probe", "global", "private", "function", "if", "else", "for",
	"foreach", "in", "limit", "return", "delete", "while", "break",
	"continue", "next", "string", "long", "try", "catch", NULL,
};

/* Longest first within each length class. */
static const char *operators[] = {
	"<<<", ">>>", "<<=", ">>=",
	"==", "!=", "<=", ">=", "=~", "!~", "+=", "-=", "*=", "/=", "%=",
	"&=", "^=", "|=", ".=", "&&", "||", "++", "--", "->", "<<", ">>",
	"%(", "%?", "%:", "%)",
	NULL,
};

File *new_file(const char *name, char *contents)
{
	File *f = arena_alloc(sizeof(*f));
	f->name = arena_strdup(name);
	f->contents = contents;
	return f;
}

bool tok_is(Token *tok, const char *text)
{
	return (tok->kind == TK_OP || tok->kind == TK_KEYWORD ||
		tok->kind == TK_IDENT) && strcmp(tok->text, text) == 0;
}

static bool is_keyword(const char *s, int len)
{
	for (int i = 0; keywords[i]; i++)
		if ((int)strlen(keywords[i]) == len &&
		    !strncmp(keywords[i], s, len))
			return true;
	return false;
}

static bool is_ident1(int c)
{
	return isalpha(c) || c == '_' || c == '$' || c == '@';
}

static bool is_ident2(int c)
{
	return isalnum(c) || c == '_' || c == '$';
}

typedef struct Lexer {
	File *file;
	char *p;
	int line;
	char *line_start;
} Lexer;

static Token *new_token(Lexer *lx, TokenKind kind, char *start, int len,
			int col)
{
	Token *t = arena_alloc(sizeof(*t));
	t->kind = kind;
	t->text = arena_strndup(start, len);
	t->file = lx->file;
	t->line = lx->line;
	t->col = col;
	t->line_start = lx->line_start;
	return t;
}

static int col_of(Lexer *lx, char *p)
{
	return (int)(p - lx->line_start) + 1;
}

static void newline(Lexer *lx, char *p)
{
	lx->line++;
	lx->line_start = p + 1;
}

static Token *junk(Lexer *lx, char *start, int col, const char *msg)
{
	Token *t = new_token(lx, TK_JUNK, start, 1, col);
	t->junk_msg = msg;
	return t;
}

/* Decode a string literal starting at the opening quote. */
static Token *lex_string(Lexer *lx)
{
	char *start = lx->p;
	int col = col_of(lx, start);
	int line = lx->line;
	char *line_start = lx->line_start;
	StrBuf sb = {0};
	char *p = start + 1;
	for (;; p++) {
		if (*p == '\0' || *p == '\n') {
			sb_release(&sb);
			Token *t = junk(lx, start, col,
					"Could not find matching closing quote");
			lx->p = p;
			return t;
		}
		if (*p == '"')
			break;
		if (*p != '\\') {
			sb_putc(&sb, *p);
			continue;
		}
		p++;
		switch (*p) {
		case 'a': sb_putc(&sb, '\a'); break;
		case 'b': sb_putc(&sb, '\b'); break;
		case 't': sb_putc(&sb, '\t'); break;
		case 'n': sb_putc(&sb, '\n'); break;
		case 'v': sb_putc(&sb, '\v'); break;
		case 'f': sb_putc(&sb, '\f'); break;
		case 'r': sb_putc(&sb, '\r'); break;
		case '\\': sb_putc(&sb, '\\'); break;
		case '"': sb_putc(&sb, '"'); break;
		case 'x': {
			int v = 0, n = 0;
			while (n < 2 && isxdigit((unsigned char)p[1])) {
				p++;
				v = v * 16 + (isdigit((unsigned char)*p) ?
					      *p - '0' :
					      (tolower((unsigned char)*p) - 'a' + 10));
				n++;
			}
			sb_putc(&sb, (char)v);
			break;
		}
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7': {
			int v = *p - '0', n = 1;
			while (n < 3 && p[1] >= '0' && p[1] <= '7') {
				p++;
				v = v * 8 + (*p - '0');
				n++;
			}
			sb_putc(&sb, (char)v);
			break;
		}
		case '\0':
			p--;
			break;
		default:
			/* SystemTap keeps unknown escapes as written. */
			sb_putc(&sb, '\\');
			sb_putc(&sb, *p);
			break;
		}
	}
	Token *t = arena_alloc(sizeof(*t));
	t->kind = TK_STRING;
	t->text = arena_strndup(start, p + 1 - start);
	t->str = arena_strdup(sb.buf ? sb.buf : "");
	t->file = lx->file;
	t->line = line;
	t->col = col;
	t->line_start = line_start;
	sb_release(&sb);
	lx->p = p + 1;
	return t;
}

static Token *lex_number(Lexer *lx)
{
	char *start = lx->p;
	char *p = start;
	uint64_t v = 0;
	bool overflow = false;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		overflow = !isalnum((unsigned char)*p);     /* "0x" alone */
	} else if (p[0] == '0') {
		base = 8;
	}
	for (; isalnum((unsigned char)*p); p++) {
		int d;
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			d = 99;
		if (d >= base) {
			overflow = true;
			continue;
		}
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	Token *t = new_token(lx, TK_NUMBER, start, p - start, col_of(lx, start));
	t->val = (int64_t)v;
	if (overflow) {
		t->kind = TK_JUNK;
		t->junk_msg = "number invalid or out of range";
	}
	lx->p = p;
	return t;
}

/* Lex the whole file into raw tokens (no preprocessing). */
static Token *lex(File *file)
{
	Lexer lx = { .file = file, .p = file->contents, .line = 1,
		     .line_start = file->contents };
	Token head = {0}, *cur = &head;

	for (;;) {
		char *p = lx.p;
		if (*p == '\n') {
			newline(&lx, p);
			lx.p = p + 1;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			lx.p = p + 1;
			continue;
		}
		/* '#' comment, but not a "#!" shebang oddity: same thing */
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
			lx.p = p;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			char *q = p + 2;
			while (*q && !(q[0] == '*' && q[1] == '/')) {
				if (*q == '\n')
					newline(&lx, q);
				q++;
			}
			lx.p = *q ? q + 2 : q;
			continue;
		}
		if (*p == '\0') {
			cur = cur->next = new_token(&lx, TK_EOF, p, 0,
						    col_of(&lx, p));
			break;
		}
		if (p[0] == '%' && p[1] == '{') {
			int col = col_of(&lx, p);
			int line = lx.line;
			char *line_start = lx.line_start;
			char *q = p + 2;
			while (*q && !(q[0] == '%' && q[1] == '}')) {
				if (*q == '\n')
					newline(&lx, q);
				q++;
			}
			if (!*q) {
				Token *t = arena_alloc(sizeof(*t));
				t->kind = TK_JUNK;
				t->text = arena_strdup("%{");
				t->file = file;
				t->line = line;
				t->col = col;
				t->line_start = line_start;
				t->junk_msg = "Could not find matching '%}' to close embedded function block";
				cur = cur->next = t;
				lx.p = q;
				continue;
			}
			Token *t = arena_alloc(sizeof(*t));
			t->kind = TK_EMBEDDED;
			t->text = arena_strndup(p, q + 2 - p);
			t->str = arena_strndup(p + 2, q - p - 2);
			t->file = file;
			t->line = line;
			t->col = col;
			t->line_start = line_start;
			cur = cur->next = t;
			lx.p = q + 2;
			continue;
		}
		if (*p == '"') {
			cur = cur->next = lex_string(&lx);
			continue;
		}
		if (isdigit((unsigned char)*p)) {
			cur = cur->next = lex_number(&lx);
			continue;
		}
		/* $# and @# */
		if ((p[0] == '$' || p[0] == '@') && p[1] == '#') {
			cur = cur->next = new_token(&lx, TK_IDENT, p, 2,
						    col_of(&lx, p));
			lx.p = p + 2;
			continue;
		}
		if (is_ident1((unsigned char)*p)) {
			char *q = p + 1;
			while (is_ident2((unsigned char)*q))
				q++;
			TokenKind kind = is_keyword(p, q - p) ? TK_KEYWORD : TK_IDENT;
			cur = cur->next = new_token(&lx, kind, p, q - p,
						    col_of(&lx, p));
			lx.p = q;
			continue;
		}
		int len = 0;
		for (int i = 0; operators[i]; i++) {
			int n = strlen(operators[i]);
			if (!strncmp(p, operators[i], n)) {
				len = n;
				break;
			}
		}
		if (!len && strchr("+-*/%<>=!~&|^?:.,;()[]{}", *p))
			len = 1;
		if (len) {
			cur = cur->next = new_token(&lx, TK_OP, p, len,
						    col_of(&lx, p));
			lx.p = p + len;
			continue;
		}
		/* anything else is a one-character operator the parser rejects */
		cur = cur->next = new_token(&lx, TK_OP, p, 1, col_of(&lx, p));
		lx.p = p + 1;
	}
	return head.next;
}

/* ------------------------------------------------------------------ */
/* Preprocessor */

typedef struct Macro {
	char *name;
	Token *tok;             /* the name, where it is defined */
	File *file;             /* NULL: library macro, visible everywhere */
	Vec params;             /* char* */
	Token *body;            /* raw tokens, terminated by an EOF token */
	struct Macro *next;
} Macro;

/* Macros by name: a chained hash table (Debian's tapset alone defines
 * thousands, and every @name token is looked up). */
#define MACRO_BUCKETS 1024
static Macro *macros[MACRO_BUCKETS];

static unsigned macro_hash(const char *name)
{
	unsigned h = 5381;
	while (*name)
		h = h * 33 + (unsigned char)*name++;
	return h % MACRO_BUCKETS;
}

void tokenize_reset(void)
{
	memset(macros, 0, sizeof(macros));
}

static Token *copy_token(Token *t, Token *origin)
{
	Token *c = arena_alloc(sizeof(*c));
	*c = *t;
	c->next = NULL;
	if (origin)
		c->expanded_from = origin;
	return c;
}

static Token *eof_token(Token *at)
{
	Token *t = copy_token(at, NULL);
	t->kind = TK_EOF;
	t->text = "";
	return t;
}

typedef struct Out {
	Token head;
	Token *tail;
} Out;

#define MAX_EXPANDED_TOKENS 1000000
static long expanded_tokens;    /* tokens produced by macros, per file */

static void emit(Out *o, Token *t)
{
	if (t->expanded_from)
		expanded_tokens++;
	o->tail = o->tail->next = t;
	t->next = NULL;
}

/* the preprocessor's errors show the token they are about ("at:") */
static bool __attribute__((format(printf, 2, 3))) pp_error(Token *tok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vparse_error(tok, true, fmt, ap);
	va_end(ap);
	return false;
}

/* Lex an argument's text as tokens attributed to ORIGIN. */
static void emit_arg_tokens(Out *o, const char *text, Token *origin)
{
	File *f = new_file(origin->file->name, arena_strdup(text));
	for (Token *t = lex(f); t->kind != TK_EOF; t = t->next) {
		Token *c = copy_token(t, NULL);
		c->file = origin->file;
		c->line = origin->line;
		c->col = origin->col;
		c->line_start = origin->line_start;
		emit(o, c);
	}
}

/* $N, @N, $#, @#.  Returns true if TOK was one (and was handled). */
static bool subst_arg(Out *o, Token *tok)
{
	const char *s = tok->text;
	if ((s[0] != '$' && s[0] != '@') || !s[1])
		return false;
	int nargs = sess->args.len;
	if (s[1] == '#') {
		Token *c = copy_token(tok, NULL);
		if (s[0] == '$') {
			c->kind = TK_NUMBER;
			c->val = nargs;
			c->text = format("%d", nargs);
		} else {
			c->kind = TK_STRING;
			c->str = format("%d", nargs);
			c->text = format("\"%d\"", nargs);
		}
		emit(o, c);
		return true;
	}
	for (const char *q = s + 1; *q; q++)
		if (!isdigit((unsigned char)*q))
			return false;
	int n = atoi(s + 1);
	if (n < 1 || n > nargs) {
		Token *c = copy_token(tok, NULL);
		c->kind = TK_JUNK;
		c->junk_msg = nargs ? format("command line argument out of range [1-%d]", nargs)
				    : "command line argument out of range [1-0]";
		emit(o, c);
		return true;
	}
	const char *arg = vec_get(&sess->args, n - 1);
	if (s[0] == '@') {
		Token *c = copy_token(tok, NULL);
		c->kind = TK_STRING;
		c->str = arena_strdup(arg);
		c->text = format("\"%s\"", arg);
		emit(o, c);
	} else {
		emit_arg_tokens(o, arg, tok);
	}
	return true;
}

static Macro *find_macro(const char *name, File *file)
{
	for (Macro *m = macros[macro_hash(name)]; m; m = m->next)
		if ((!m->file || m->file == file) && !strcmp(m->name, name))
			return m;
	return NULL;
}

/* The "%)" matching a "%(" whose contents start at TOK, or the EOF. */
static Token *matching_close(Token *tok)
{
	int depth = 1;
	for (; tok->kind != TK_EOF; tok = tok->next) {
		if (tok_is(tok, "%("))
			depth++;
		else if (tok_is(tok, "%)") && --depth == 0)
			return tok;
	}
	return tok;
}

/* Skip a balanced %( ... %) starting after its "%(": returns the token
 * after the matching "%)" (or the EOF). */
static Token *skip_to_close(Token *tok)
{
	Token *close = matching_close(tok);
	return close->kind == TK_EOF ? close : close->next;
}

/* --- conditions --- */

static char *kernel_v(bool with_release)
{
	const char *r = sess->kernel_release ? sess->kernel_release : "";
	if (with_release)
		return arena_strdup(r);
	size_t n = strspn(r, "0123456789.");
	char *v = arena_strndup(r, n);
	if (n && v[n - 1] == '.')
		v[n - 1] = '\0';
	return v;
}

static char *kconfig_value(const char *name)
{
	static char *config;
	static bool loaded;
	if (!loaded) {
		loaded = true;
		if (sess->kernel_build_tree)
			config = read_file(format("%s/.config",
						  sess->kernel_build_tree), NULL);
	}
	if (!config)
		return NULL;
	size_t n = strlen(name);
	for (char *p = config; p && *p;) {
		if (!strncmp(p, name, n) && p[n] == '=') {
			char *v = p + n + 1;
			char *e = strchr(v, '\n');
			char *val = arena_strndup(v, e ? (size_t)(e - v) : strlen(v));
			if (val[0] == '"' && strlen(val) >= 2) {
				val++;
				val[strlen(val) - 1] = '\0';
			}
			return val;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int compare(int cmp, Token *op)
{
	const char *o = op->text;
	if (!strcmp(o, "<")) return cmp < 0;
	if (!strcmp(o, "<=")) return cmp <= 0;
	if (!strcmp(o, ">")) return cmp > 0;
	if (!strcmp(o, ">=")) return cmp >= 0;
	if (!strcmp(o, "==")) return cmp == 0;
	if (!strcmp(o, "!=")) return cmp != 0;
	return -1;
}

static bool is_cmp_op(Token *t)
{
	static const char *ops[] = { "<", "<=", ">", ">=", "==", "!=", NULL };
	if (t->kind != TK_OP)
		return false;
	for (int i = 0; ops[i]; i++)
		if (!strcmp(t->text, ops[i]))
			return true;
	return false;
}

/* Version compare with globbing for == and != as SystemTap does. */
static int version_term(const char *have, Token *op, Token *rhs)
{
	if (rhs->kind != TK_STRING)
		return -1;
	const char *want = rhs->str;
	bool glob = strpbrk(want, "*?[") != NULL;
	if (glob && (tok_is(op, "==") || tok_is(op, "!="))) {
		bool m = fnmatch(want, have, 0) == 0;
		return tok_is(op, "==") ? m : !m;
	}
	return compare(strverscmp(have, want), op);
}

static int glob_term(const char *have, Token *op, Token *rhs)
{
	if (rhs->kind != TK_STRING || !(tok_is(op, "==") || tok_is(op, "!=")))
		return -1;
	bool m = fnmatch(rhs->str, have, 0) == 0;
	return tok_is(op, "==") ? m : !m;
}

static const char *bad_operand =
	"expected 'arch', 'kernel_v', 'kernel_vr', 'systemtap_v',\n"
	"             'runtime', 'systemtap_privilege', 'CONFIG_...', or\n"
	"             comparison between strings or integers";

static Token *cond_mark;        /* the %? ending the condition */

/* A token of the condition to report at: its end is the %? */
static Token *cond_at(Token *t)
{
	return t->kind == TK_EOF ? cond_mark : t;
}

static bool is_eq_op(Token *t)
{
	return t->kind == TK_OP && (!strcmp(t->text, "==") || !strcmp(t->text, "!="));
}

/*
 * Check one term "LHS OP RHS" as SystemTap's preprocessor does (each
 * left side has its own right side and operators).  Returns false after
 * reporting the error.
 */
static bool check_term(Token *lhs, Token *op, Token *rhs)
{
	const char *n = lhs->kind == TK_IDENT ? lhs->text : "";
	if (lhs->kind == TK_EOF)
		return pp_error(cond_at(lhs), "%s", bad_operand);
	if (!strcmp(n, "kernel_v") || !strcmp(n, "kernel_vr") || !strcmp(n, "systemtap_v")) {
		if (rhs->kind != TK_STRING)
			return pp_error(cond_at(rhs), "expected string literal");
		if (!is_cmp_op(op))
			return pp_error(cond_at(op), "expected comparison operator");
		return true;
	}
	if (!strcmp(n, "arch") || !strcmp(n, "runtime") || !strcmp(n, "systemtap_privilege")) {
		if (rhs->kind != TK_STRING)
			return pp_error(cond_at(rhs), "expected string literal");
		if (!is_eq_op(op))
			return pp_error(cond_at(op), "expected '==' or '!='");
		return true;
	}
	if (!strcmp(n, "guru_mode")) {
		if (op->kind == TK_EOF)
			return pp_error(cond_at(op), "expected 0 or 1");
		if (!is_eq_op(op))
			return pp_error(op, "expected '==' or '!='");
		if (rhs->kind != TK_NUMBER)
			return pp_error(cond_at(rhs), "expected number");
		if (rhs->val != 0 && rhs->val != 1)
			return pp_error(op, "expected 0 or 1");
		return true;
	}
	if (!strncmp(n, "CONFIG_", 7)) {
		if (op->kind == TK_EOF)
			return pp_error(cond_at(op), "expected comparison operator");
		if (rhs->kind == TK_STRING && !is_eq_op(op))
			return pp_error(op, "expected '==' or '!='");
		if (rhs->kind == TK_STRING)
			return true;
		if (rhs->kind == TK_NUMBER ||
		    (rhs->kind == TK_IDENT && !strncmp(rhs->text, "CONFIG_", 7))) {
			if (!is_cmp_op(op))
				return pp_error(op, "expected comparison operator");
			return true;
		}
		return pp_error(cond_at(rhs), "expected string, number literal or other CONFIG_... as right side operand");
	}
	if (lhs->kind == TK_NUMBER || lhs->kind == TK_STRING) {
		bool num = lhs->kind == TK_NUMBER;
		if (rhs->kind == (num ? TK_STRING : TK_NUMBER))
			return pp_error(rhs, num ? "expected number literal as right value" :
					"expected string literal as right value");
		if (rhs->kind != lhs->kind && op->kind == TK_EOF)
			return pp_error(cond_at(op), "expected comparison operator");
		if (rhs->kind != lhs->kind)
			return pp_error(lhs, "%s", bad_operand);
		if (!is_cmp_op(op))
			return pp_error(op, "expected comparison operator");
		return true;
	}
	return pp_error(lhs, "%s", bad_operand);
}

/* Evaluate one term "LHS OP RHS".  Returns 0/1, or -1 after an error. */
static int eval_term(Token **rest, Token *tok)
{
	Token *lhs = tok;
	Token *op = lhs->kind == TK_EOF ? lhs : lhs->next;
	Token *rhs = op->kind == TK_EOF ? op : op->next;
	if (!check_term(lhs, op, rhs))
		return -1;
	*rest = rhs->next;
	const char *n = lhs->kind == TK_IDENT ? lhs->text : "";
	if (!strcmp(n, "kernel_v"))
		return version_term(kernel_v(false), op, rhs);
	if (!strcmp(n, "kernel_vr"))
		return version_term(kernel_v(true), op, rhs);
	if (!strcmp(n, "systemtap_v"))
		return version_term(sess->compatible ? sess->compatible : STAP_VERSION, op, rhs);
	if (!strcmp(n, "arch"))
		return glob_term(sess->arch, op, rhs);
	if (!strcmp(n, "runtime"))
		return glob_term("kernel", op, rhs);
	if (!strcmp(n, "systemtap_privilege"))
		return glob_term("stapdev", op, rhs);
	if (!strcmp(n, "guru_mode"))
		return compare(sess->guru - (rhs->val != 0), op);
	if (*n) {       /* CONFIG_... */
		char *v = kconfig_value(n);
		if (rhs->kind == TK_STRING)
			return glob_term(v ? v : "", op, rhs);
		if (rhs->kind == TK_NUMBER) {
			int64_t x = v ? strtoll(v, NULL, 0) : 0;
			return compare(x < rhs->val ? -1 : x > rhs->val, op);
		}
		char *w = kconfig_value(rhs->text);
		return compare(strcmp(v ? v : "", w ? w : ""), op);
	}
	if (lhs->kind == TK_NUMBER)
		return compare(lhs->val < rhs->val ? -1 : lhs->val > rhs->val, op);
	return compare(strcmp(lhs->str, rhs->str), op);
}

static Token *preprocess_list(Token *tok, Out *o, File *file, Macro *args_of,
			      Vec *arg_values, Token *origin);

/* Substitute args/macros inside the condition tokens first, then
 * evaluate "term && term || term" (&& binds tighter). */
static int eval_condition(Token **rest, Token *open, File *file)
{
	Token *tok = open->next;
	/* gather the condition's tokens up to %? */
	Out raw = {0};
	raw.tail = &raw.head;
	Token *t = tok;
	for (; t->kind != TK_EOF && !tok_is(t, "%?"); t = t->next) {
		if (tok_is(t, "%(") || tok_is(t, "%:") || tok_is(t, "%)"))
			break;
		emit(&raw, copy_token(t, NULL));
	}
	if (!tok_is(t, "%?")) {
		if (t->kind == TK_EOF)
			pp_error(open, "incomplete conditional at end of file");
		else
			pp_error(open, "expected '%%?' marker for conditional");
		*rest = t;
		return -1;
	}
	*rest = t->next;
	emit(&raw, eof_token(t));
	Out cond = {0};
	cond.tail = &cond.head;
	preprocess_list(raw.head.next, &cond, file, NULL, NULL, NULL);
	emit(&cond, eof_token(t));

	Token *c = cond.head.next;
	cond_mark = t;
	int result = 0, and_acc = 1;
	for (;;) {
		int v = eval_term(&c, c);
		if (v < 0)
			return -1;
		and_acc = and_acc && v;
		if (tok_is(c, "&&")) {
			c = c->next;
			continue;
		}
		result = result || and_acc;
		and_acc = 1;
		if (tok_is(c, "||")) {
			c = c->next;
			continue;
		}
		if (c->kind != TK_EOF) {
			pp_error(open, "expected '%%?' marker for conditional");
			return -1;
		}
		return result;
	}
}

/* Find the end of a branch: returns the "%:" or "%)" at depth 0. */
static Token *branch_end(Token *tok)
{
	int depth = 0;
	for (; tok->kind != TK_EOF; tok = tok->next) {
		if (tok_is(tok, "%("))
			depth++;
		else if (tok_is(tok, "%)")) {
			if (depth-- == 0)
				return tok;
		} else if (tok_is(tok, "%:") && depth == 0)
			return tok;
	}
	return tok;
}

/* Cut a copy of [from, to) ending in an EOF token. */
static Token *slice(Token *from, Token *to)
{
	Out o = {0};
	o.tail = &o.head;
	for (Token *t = from; t != to; t = t->next)
		emit(&o, copy_token(t, NULL));
	emit(&o, eof_token(to));
	return o.head.next;
}

/* @define NAME[(a, b)] %( body %) */
static Token *define_macro(Token *tok, File *file)
{
	Token *name = tok->next;
	if (name->kind != TK_IDENT || name->text[0] == '@' ||
	    name->text[0] == '$') {
		pp_error(name, "expected identifier");
		return name;
	}
	/* a redefinition is read, not kept */
	bool keep = strcmp(name->text, "define") != 0;
	if (!keep)
		pp_error(name, "attempt to redefine '@define'");
	Macro *m = arena_alloc(sizeof(*m));
	m->name = name->text;
	m->tok = name;
	m->file = file->name && strstr(file->name, ".stpm") ? NULL : file;
	for (Macro *old = macros[macro_hash(m->name)]; keep && old; old = old->next)
		if (old->file == m->file && m->file && !strcmp(old->name, m->name)) {
			pp_error(name, "attempt to redefine macro '@%s' in the same file",
				 m->name);
			pp_error(old->tok, "macro '@%s' first defined here", m->name);
			keep = false;
		}
	Token *t = name->next;
	if (tok_is(t, "(")) {
		t = t->next;
		do {
			if (t->kind != TK_IDENT) {
				pp_error(t, "expected identifier");
				return t;
			}
			vec_push(&m->params, t->text);
			t = t->next;
			if (tok_is(t, ","))
				t = t->next;
			else if (!tok_is(t, ")")) {
				pp_error(t, "expected ',' or ')'");
				return t;
			}
		} while (!tok_is(t, ")"));
		t = t->next;
	}
	if (!tok_is(t, "%(")) {
		pp_error(t, m->params.len || t != name->next ? "expected '%%('" :
			 "expected '%%(' or '('");
		return t->kind == TK_EOF ? t : t->next;     /* as 4.8: the token goes */
	}
	Token *close = matching_close(t->next);
	if (close->kind == TK_EOF) {
		pp_error(name, "incomplete macro definition - missing '%%)'");
		return close;
	}
	m->body = slice(t->next, close);
	if (keep) {
		unsigned h = macro_hash(m->name);
		m->next = macros[h];
		macros[h] = m;
	}
	return close->next;
}

/* @NAME or @NAME(args): expand into O.  Returns the token after.  The
 * arguments are expanded first in the caller's context (CALLER and
 * CALLER_VALUES bind the enclosing macro's parameters). */
static Token *expand_macro(Out *o, Macro *m, Token *tok, File *file,
			   Macro *caller, Vec *caller_values)
{
	Token *t = tok->next;
	Vec values = {0};           /* Token* lists, EOF-terminated */
	if (m->params.len) {
		if (!tok_is(t, "(")) {
			pp_error(t, "expected '(' in invocation of macro '@%s' taking %d parameters",
				 m->name, m->params.len);
			return t;
		}
		t = t->next;
		for (;;) {
			Token *start = t;
			int depth = 0;
			while (t->kind != TK_EOF) {
				if (tok_is(t, "(") || tok_is(t, "[") || tok_is(t, "{"))
					depth++;
				else if (tok_is(t, ")") || tok_is(t, "]") || tok_is(t, "}")) {
					if (depth == 0)
						break;
					depth--;
				} else if (tok_is(t, ",") && depth == 0)
					break;
				t = t->next;
			}
			Out arg = {0};
			arg.tail = &arg.head;
			preprocess_list(slice(start, t), &arg, file, caller,
					caller_values, NULL);
			emit(&arg, eof_token(t));
			vec_push(&values, arg.head.next);
			if (tok_is(t, ",") && values.len == m->params.len) {
				pp_error(t, "too many parameters for macro '@%s' (expected %d)",
					 m->name, m->params.len);
				return t;
			}
			if (tok_is(t, ",")) {
				t = t->next;
				continue;
			}
			if (!tok_is(t, ")")) {
				pp_error(t, "expected ',' or ')'");
				return t;
			}
			if (values.len < m->params.len) {
				pp_error(t, "too few parameters for macro '@%s' (expected %d)",
					 m->name, m->params.len);
				return t;
			}
			t = t->next;
			break;
		}
	}
	/* a macro that expands to itself would recurse forever, and one
	 * that doubles its argument at each level would fill the memory */
	static int depth;
	if (depth >= 64) {
		parse_error(tok, "macro @%s expands too deeply (recursive @define?)",
			    m->name);
		return t;
	}
	if (expanded_tokens > MAX_EXPANDED_TOKENS) {
		parse_error(tok, "macro @%s expands to too many tokens", m->name);
		return t;
	}
	depth++;
	preprocess_list(m->body, o, file, m, &values, tok);
	depth--;
	return t;
}

/*
 * Copy TOK.. to O with everything substituted.  ARGS_OF/ARG_VALUES bind a
 * macro's parameters while its body is expanded; ORIGIN marks the tokens
 * as coming from that expansion.  Stops at EOF; returns it.
 */
static Token *preprocess_list(Token *tok, Out *o, File *file, Macro *args_of,
			      Vec *arg_values, Token *origin)
{
	while (tok->kind != TK_EOF) {
		if (tok->kind == TK_IDENT && tok->text[0] == '@' && args_of) {
			bool done = false;
			for (int i = 0; i < args_of->params.len; i++) {
				if (!strcmp(tok->text + 1, vec_get(&args_of->params, i))) {
					for (Token *a = vec_get(arg_values, i);
					     a->kind != TK_EOF; a = a->next) {
						emit(o, copy_token(a, NULL));
						expanded_tokens++;
					}
					done = true;
					break;
				}
			}
			if (done) {
				tok = tok->next;
				continue;
			}
		}
		if (tok->kind == TK_IDENT && (tok->text[0] == '$' || tok->text[0] == '@') &&
		    subst_arg(o, tok)) {
			tok = tok->next;
			continue;
		}
		if (tok_is(tok, "@define")) {
			tok = define_macro(tok, file);
			continue;
		}
		if (tok->kind == TK_IDENT && tok->text[0] == '@' && tok->text[1]) {
			Macro *m = find_macro(tok->text + 1, file);
			if (m) {
				tok = expand_macro(o, m, tok, file, args_of, arg_values);
				continue;
			}
		}
		if (tok_is(tok, "%(")) {
			Token *open = tok;
			int v = eval_condition(&tok, tok, file);
			if (v < 0) {
				tok = skip_to_close(tok);
				continue;
			}
			Token *then_end = branch_end(tok);
			Token *else_start = NULL, *end = then_end;
			if (tok_is(then_end, "%:")) {
				else_start = then_end->next;
				end = branch_end(else_start);
				if (tok_is(end, "%:")) {
					pp_error(end, "invalid conditional - duplicate '%%:'");
					tok = skip_to_close(end->next);
					continue;
				}
			}
			if (end->kind == TK_EOF) {
				pp_error(open, "incomplete conditional at end of file");
				return end;
			}
			Token *from = v ? tok : else_start;
			Token *to = v ? then_end : end;
			if (from)
				preprocess_list(slice(from, to), o, file, args_of,
						arg_values, origin);
			tok = end->next;
			continue;
		}
		if (tok_is(tok, "%?") || tok_is(tok, "%:") || tok_is(tok, "%)")) {
			pp_error(tok, "incomplete conditional - missing '%%('");
			tok = tok->next;
			continue;
		}
		/* a file's own tokens are walked once: move them; a macro's
		 * body is expanded again and again: copy it */
		Token *next = tok->next;
		emit(o, origin ? copy_token(tok, origin) : tok);
		tok = next;
	}
	return tok;
}

Token *tokenize(File *file)
{
	expanded_tokens = 0;
	Token *raw = lex(file);
	Out o = {0};
	o.tail = &o.head;
	Token *eof = preprocess_list(raw, &o, file, NULL, NULL, NULL);
	emit(&o, copy_token(eof, NULL));
	return o.head.next;
}

/* Library macros (.stpm files) are visible to every file. */
void load_macro_file(File *file)
{
	Out o = {0};
	o.tail = &o.head;
	preprocess_list(lex(file), &o, file, NULL, NULL, NULL);
}
