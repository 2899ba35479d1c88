/*
 * error.c - diagnostics in SystemTap's formats: parse and semantic errors,
 * warnings, with file:line:col, the source line and a caret.
 *
 *   parse error: expected literal string or number
 *           saw: operator '}' at <input>:1:19
 *        source: probe begin { x = }
 *                                  ^
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

const char *tok_kind_name(TokenKind kind)
{
	switch (kind) {
	case TK_IDENT: return "identifier";
	case TK_KEYWORD: return "keyword";
	case TK_OP: return "operator";
	case TK_STRING: return "string";
	case TK_NUMBER: return "number";
	case TK_EMBEDDED: return "embedded-code";
	case TK_JUNK: return "junk";
	case TK_EOF: return "EOF";
	}
	return "?";
}

/* A number the lexer could not read ("09", "0x", 2^64) is junk shown as
 * the number it is. */
static bool bad_number(Token *tok)
{
	return tok->kind == TK_JUNK && tok->text && isdigit((unsigned char)tok->text[0]);
}

static char *printable(const char *s)
{
	char *p = arena_strdup(s);
	for (char *q = p; *q; q++)
		if ((unsigned char)*q < ' ' || (unsigned char)*q >= 127)
			*q = '?';
	return p;
}

char *tok_location(Token *tok)
{
	return format("%s:%d:%d", tok->file ? tok->file->name : "", tok->line,
		      tok->col);
}

/*
 * "identifier 'x' at FILE:L:C".  SystemTap leaves FILE out when the token
 * shown before was in the same file ("at :1:7"); every location here
 * names its file.
 */
char *tok_describe(Token *tok)
{
	const char *file = tok->file ? tok->file->name : "";
	if (tok->kind == TK_EOF)
		return format("%s EOF", file);
	const char *text = tok->kind == TK_STRING ? tok->str :
			   tok->kind == TK_JUNK && !bad_number(tok) ? "" : tok->text;
	if (tok->kind == TK_KEYWORD || tok->kind == TK_EMBEDDED)
		return format("%s at %s:%d:%d", tok_kind_name(tok->kind), file,
			      tok->line, tok->col);
	/* SystemTap lexes @cast, @entry, @count... as operators */
	const char *kind = tok->kind == TK_IDENT && tok->text[0] == '@' ?
			   "operator" : bad_number(tok) ? "number" :
			   tok_kind_name(tok->kind);
	return format("%s '%s' at %s:%d:%d", kind, printable(text), file,
		      tok->line, tok->col);
}

static void print_source_line(Token *tok, int indent)
{
	const char *end = strchr(tok->line_start, '\n');
	int len = end ? (int)(end - tok->line_start) : (int)strlen(tok->line_start);
	fprintf(stderr, "%*ssource: %.*s\n", indent, "", len, tok->line_start);
	fprintf(stderr, "%*s", indent + 8, "");
	for (int i = 0; i < tok->col - 1 && i < len; i++)
		fputc(tok->line_start[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

/* The "source:" line and its caret, with INDENT spaces before "source:",
 * then the chain of macro expansions that produced the token. */
static void print_source(Token *tok, int indent)
{
	if (!tok || !tok->line_start || tok->kind == TK_EOF)
		return;
	print_source_line(tok, indent);
	for (Token *t = tok->expanded_from; t; t = t->expanded_from) {
		fprintf(stderr, "\tin expansion of macro: %s\n",
			tok_describe(t));
		if (t->line_start)
			print_source_line(t, indent);
	}
}

/*
 * Duplicate elimination, as SystemTap does it: an error raised again from
 * the same place of the translator (here: the same message format; the
 * message itself for "%s") is counted but not shown, a warning with the
 * same text likewise; -v shows them all.  print_suppressed() says how
 * many at exit.
 */
static Vec seen_errors;         /* char* keys */
static Vec seen_warnings;
static int suppressed_errors, suppressed_warnings;

static bool seen(Vec *v, const char *key)
{
	for (int i = 0; i < v->len; i++)
		if (!strcmp(vec_get(v, i), key))
			return true;
	vec_push(v, arena_strdup(key));
	return false;
}

static bool last_error_dup;     /* the error shown was seen before (-v) */

/* Whether to show an error raised with FMT (message MSG). */
static bool show_error(const char *fmt, const char *msg)
{
	bool dup = seen(&seen_errors, strcmp(fmt, "%s") ? fmt : msg);
	last_error_dup = dup;
	if (dup && sess->verbose == 0) {
		suppressed_errors++;
		return false;
	}
	return true;
}

void print_suppressed(void)
{
	if (suppressed_errors)
		fprintf(stderr, "Number of similar error messages suppressed: %d.\n",
			suppressed_errors);
	if (suppressed_warnings)
		fprintf(stderr, "Number of similar warning messages suppressed: %d.\n",
			suppressed_warnings);
	if (suppressed_errors || suppressed_warnings)
		fprintf(stderr, "Rerun with -v to see them.\n");
	suppressed_errors = suppressed_warnings = 0;
}

/* "saw:" shows the token the parser stopped at; "at:" a token the
 * message is about (junk, or an alias name). */
void vparse_error(Token *tok, bool at, const char *fmt, va_list ap)
{
	sess->parse_errors++;
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	bool show = show_error("%s", msg ? msg : fmt);
	if (!show) {
		free(msg);
		return;
	}
	fprintf(stderr, "parse error: %s\n", msg ? msg : fmt);
	free(msg);
	bool saw = !at && (tok->kind != TK_JUNK || bad_number(tok));
	if (tok->kind == TK_EOF)
		fprintf(stderr, "        saw: %s\n", tok_describe(tok));
	else
		fprintf(stderr, "%s%s\n", saw ? "        saw: " : "         at: ",
			tok_describe(tok));
	print_source(tok, 5);
	fputc('\n', stderr);
}

void parse_error(Token *tok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vparse_error(tok, false, fmt, ap);
	va_end(ap);
}

void parse_error_at(Token *tok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vparse_error(tok, true, fmt, ap);
	va_end(ap);
}

static void vsemantic(Token *tok, Token *tok2, const char *msg2,
		      const char *fmt, va_list ap)
{
	sess->semantic_errors++;
	if (sess->quiet)
		return;
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (!show_error(fmt, msg ? msg : fmt)) {
		free(msg);
		return;
	}
	fprintf(stderr, "semantic error: %s", msg ? msg : fmt);
	free(msg);
	if (last_error_dup && msg2)     /* -v: a repeat without its chain */
		tok2 = NULL;
	if (tok)
		fprintf(stderr, ": %s", tok_describe(tok));
	fputc('\n', stderr);
	print_source(tok, 8);
	if (tok2 && !msg2) {
		/* the declaration the error refers to, as a bare token */
		fprintf(stderr, "%s\n", tok_describe(tok2));
		print_source(tok2, 8);
		tok2 = NULL;
	}
	fputc('\n', stderr);
	if (tok2) {
		fprintf(stderr, "semantic error: %s: %s\n", msg2,
			tok_describe(tok2));
		print_source(tok2, 8);
		fputc('\n', stderr);
	}
}

void semantic_error(Token *tok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsemantic(tok, NULL, NULL, fmt, ap);
	va_end(ap);
}

/* SystemTap's chained error: "while resolving probe point" at TOK, then
 * its cause, at AT or with no place; counted, shown or suppressed as one,
 * by the cause */
void resolve_error(Token *tok, Token *at, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	sess->semantic_errors++;
	if (!sess->quiet && show_error(fmt, msg ? msg : fmt)) {
		fprintf(stderr, "semantic error: while resolving probe point: %s\n",
			tok_describe(tok));
		print_source(tok, 8);
		fprintf(stderr, "\nsemantic error: %s", msg ? msg : fmt);
		if (at)
			fprintf(stderr, ": %s", tok_describe(at));
		fputc('\n', stderr);
		print_source(at, 8);
		fputc('\n', stderr);
	}
	free(msg);
}

void semantic_error2(Token *tok, Token *tok2, const char *msg2,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsemantic(tok, tok2, msg2, fmt, ap);
	va_end(ap);
}

void warning_at(Token *tok, const char *fmt, ...)
{
	if (sess->suppress_warnings)
		return;
	sess->warnings++;
	if (sess->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (seen(&seen_warnings, msg ? msg : fmt) && sess->verbose == 0) {
		suppressed_warnings++;
		free(msg);
		return;
	}
	fprintf(stderr, "WARNING: %s", msg ? msg : fmt);
	free(msg);
	if (tok)
		fprintf(stderr, ": %s", tok_describe(tok));
	fputc('\n', stderr);
	print_source(tok, 1);
}

void error_reset(void)
{
	seen_errors = (Vec){0};
	seen_warnings = (Vec){0};
	suppressed_errors = suppressed_warnings = 0;
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("stap: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
