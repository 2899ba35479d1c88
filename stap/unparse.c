/*
 * unparse.c - print the AST back as script text: the -p1 output, the
 * bodies -p2 -v shows, and the probe point strings that pp() returns.
 *
 * The layout is SystemTap 4.8's: every operand of an operator in
 * parentheses, one statement per line each followed by ';', no
 * indentation, 'while' shown as the 'for' it is, numbers in decimal,
 * strings as written.
 */
#include <stdlib.h>
#include <string.h>

#include "stap.h"

/* -p2 -v: names as SystemTap mangles them (__global_x, ...) */
static bool mangled;

static void put_string_literal(StrBuf *sb, const char *s)
{
	sb_putc(sb, '"');
	for (; *s; s++) {
		switch (*s) {
		case '"': sb_puts(sb, "\\\""); break;
		case '\\': sb_puts(sb, "\\\\"); break;
		case '\n': sb_puts(sb, "\\n"); break;
		case '\t': sb_puts(sb, "\\t"); break;
		case '\r': sb_puts(sb, "\\r"); break;
		default:
			if ((unsigned char)*s < ' ')
				sb_printf(sb, "\\%03o", (unsigned char)*s);
			else
				sb_putc(sb, *s);
		}
	}
	sb_putc(sb, '"');
}

static void put_literal(StrBuf *sb, Node *n)
{
	if (n->kind == ND_NUM)
		sb_printf(sb, "%lld", (long long)n->val);
	else
		put_string_literal(sb, n->str);
}

/* The point as written, with its '!' or '?' ... */
char *probe_point_str(ProbePoint *pp)
{
	char *name = probe_point_name(pp);
	if (pp->sufficient)
		return format("%s!", name);
	if (pp->optional)
		return format("%s?", name);
	return name;
}

/* ... and without: what pp() says of a point that is its own probe. */
char *probe_point_name(ProbePoint *pp)
{
	StrBuf sb = {0};
	for (int i = 0; i < pp->ncomps; i++) {
		Component *c = &pp->comps[i];
		if (i)
			sb_putc(&sb, '.');
		sb_puts(&sb, c->name);
		if (c->arg && c->arg->kind == ND_NUM && i == 1 &&
		    !strcmp(c->name, "data") && !strcmp(pp->comps[0].name, "kernel")) {
			/* a watchpoint's address, in hex as 4.8 shows it */
			sb_printf(&sb, "(0x%llx)", (unsigned long long)c->arg->val);
		} else if (c->arg) {
			sb_putc(&sb, '(');
			put_literal(&sb, c->arg);
			sb_putc(&sb, ')');
		}
	}
	char *s = arena_strdup(sb.buf);
	sb_release(&sb);
	return s;
}


/* A string literal as written in the source: the raw text between the
 * quotes of the literal's tokens (adjacent literals joined), with \" as
 * '"'.  NULL when the node no longer matches its tokens (folded). */
static char *raw_string(Node *n)
{
	Token *t = n->tok;
	if (!t || t->kind != TK_STRING)
		return NULL;
	StrBuf val = {0}, raw = {0};
	for (; t && t->kind == TK_STRING; t = t->next) {
		sb_puts(&val, t->str);
		size_t len = strlen(t->text);
		for (size_t i = 1; i + 1 < len; i++) {
			if (t->text[i] == '\\' && t->text[i + 1] == '"' && i + 2 < len) {
				sb_putc(&raw, '"');
				i++;
				continue;
			}
			sb_putc(&raw, t->text[i]);
		}
	}
	char *r = NULL;
	if (!strcmp(val.buf ? val.buf : "", n->str ? n->str : ""))
		r = arena_strdup(raw.buf ? raw.buf : "");
	sb_release(&val);
	sb_release(&raw);
	return r;
}

/* The raw form of a string value that has no source text. */
static char *encode_string(const char *s)
{
	StrBuf sb = {0};
	for (; *s; s++) {
		switch (*s) {
		case '\\': sb_puts(&sb, "\\\\"); break;
		case '\n': sb_puts(&sb, "\\n"); break;
		case '\t': sb_puts(&sb, "\\t"); break;
		case '\r': sb_puts(&sb, "\\r"); break;
		default:
			if ((unsigned char)*s < ' ')
				sb_printf(&sb, "\\%03o", (unsigned char)*s);
			else
				sb_putc(&sb, *s);
		}
	}
	char *r = arena_strdup(sb.buf ? sb.buf : "");
	sb_release(&sb);
	return r;
}

static char *raw_or_encoded(Node *n)
{
	char *r = raw_string(n);
	return r ? r : encode_string(n->str ? n->str : "");
}

/* A literal: '"' shown as \", the rest as written. */
static void put_raw_literal(StrBuf *sb, Node *n)
{
	sb_putc(sb, '"');
	for (const char *p = raw_or_encoded(n); *p; p++) {
		if (*p == '"')
			sb_putc(sb, '\\');
		sb_putc(sb, *p);
	}
	sb_putc(sb, '"');
}

/* A printf format: SystemTap shows the parsed format quoted again, so
 * backslashes are doubled. */
static void put_format_literal(StrBuf *sb, Node *n)
{
	sb_putc(sb, '"');
	for (const char *p = raw_or_encoded(n); *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_putc(sb, '\\');
		sb_putc(sb, *p);
	}
	sb_putc(sb, '"');
}

static const char *print_names[] = {
	"print", "println", "printf", "printd", "printdln",
	"sprint", "sprintln", "sprintf", "sprintd", "sprintdln",
};

static void expr_str(StrBuf *sb, Node *n);

static void put_list(StrBuf *sb, NodeList *l, int from)
{
	for (int i = from; i < l->len; i++) {
		if (i > from)
			sb_puts(sb, ", ");
		expr_str(sb, l->items[i]);
	}
}

/* "(e)" */
static void paren(StrBuf *sb, Node *n)
{
	sb_putc(sb, '(');
	expr_str(sb, n);
	sb_putc(sb, ')');
}

static void expr_str(StrBuf *sb, Node *n)
{
	switch (n->kind) {
	case ND_NUM:
		/* the parser folds '-' NUMBER into the literal; SystemTap
		 * keeps the unary minus (until pass 2 folds it) */
		if (!mangled && n->tok && n->tok->kind == TK_OP && !strcmp(n->tok->text, "-") &&
		    n->tok->next && n->tok->next->kind == TK_NUMBER &&
		    (int64_t)-(uint64_t)n->tok->next->val == n->val)
			sb_printf(sb, "-(%lld)", (long long)n->tok->next->val);
		else
			sb_printf(sb, "%lld", (long long)n->val);
		return;
	case ND_STR:
		put_raw_literal(sb, n);
		return;
	case ND_VAR:
		sb_puts(sb, mangled && n->var && n->var->is_global ?
			var_mangled(n->var) : n->name);
		return;
	case ND_INDEX:
		if (n->lhs)
			expr_str(sb, n->lhs);
		else
			sb_puts(sb, mangled && n->var && n->var->is_global ?
				var_mangled(n->var) : n->name);
		sb_putc(sb, '[');
		put_list(sb, &n->args, 0);
		sb_putc(sb, ']');
		return;
	case ND_WILDCARD:
		sb_putc(sb, '*');
		return;
	case ND_TARGET:
		if (n->op == '&')
			sb_putc(sb, '&');
		if (!strcmp(n->name, "@autocast")) {
			paren(sb, n->lhs);
		} else if (!strcmp(n->name, "@addressof")) {
			expr_str(sb, n->lhs);
		} else if (!strcmp(n->name, "@cast") || !strcmp(n->name, "@var") ||
			   !strcmp(n->name, "@perf")) {
			sb_printf(sb, "%s(", n->name);
			if (n->lhs) {
				expr_str(sb, n->lhs);
				sb_puts(sb, ", ");
			}
			expr_str(sb, n->rhs);
			if (n->cond) {
				sb_puts(sb, ", ");
				expr_str(sb, n->cond);
			}
			sb_putc(sb, ')');
		} else {
			sb_puts(sb, n->name);
		}
		for (int i = 0; i < n->args.len; i++) {
			Node *a = n->args.items[i];
			if (a->kind == ND_STR && a->tok->kind != TK_STRING)
				sb_printf(sb, "->%s", a->str);
			else {
				sb_putc(sb, '[');
				expr_str(sb, a);
				sb_putc(sb, ']');
			}
		}
		if (n->pretty)  /* $p$$ shows as $p->$$ */
			sb_printf(sb, "->%.*s", n->pretty, "$$$$$$$$");
		return;
	case ND_CALL:
		sb_puts(sb, mangled && n->func ? function_mangled(n->func) : n->name);
		sb_putc(sb, '(');
		put_list(sb, &n->args, 0);
		sb_putc(sb, ')');
		return;
	case ND_PRINT:
		sb_puts(sb, print_names[n->op]);
		sb_putc(sb, '(');
		if ((n->op == PR_PRINTF || n->op == PR_SPRINTF) && n->args.len &&
		    n->args.items[0]->kind == ND_STR) {
			put_format_literal(sb, n->args.items[0]);
			if (n->args.len > 1)
				sb_puts(sb, ", ");
			put_list(sb, &n->args, 1);
		} else {
			put_list(sb, &n->args, 0);
		}
		sb_putc(sb, ')');
		return;
	case ND_BINARY:
	case ND_CMP:
		paren(sb, n->lhs);
		sb_printf(sb, " %s ", binop_text(n->op));
		if (n->op == OP_REGEX_MATCH || n->op == OP_REGEX_NOMATCH)
			expr_str(sb, n->rhs);
		else
			paren(sb, n->rhs);
		return;
	case ND_LOGAND:
	case ND_LOGOR:
		paren(sb, n->lhs);
		sb_puts(sb, n->kind == ND_LOGAND ? " && " : " || ");
		paren(sb, n->rhs);
		return;
	case ND_NOT: case ND_NEG: case ND_BITNOT: case ND_UPLUS:
	case ND_PREINC: case ND_PREDEC:
		sb_puts(sb, n->kind == ND_NOT ? "!" : n->kind == ND_NEG ? "-" :
			n->kind == ND_BITNOT ? "~" : n->kind == ND_UPLUS ? "+" :
			n->kind == ND_PREINC ? "++" : "--");
		paren(sb, n->lhs);
		return;
	case ND_POSTINC:
	case ND_POSTDEC:
		paren(sb, n->lhs);
		sb_puts(sb, n->kind == ND_POSTINC ? "++" : "--");
		return;
	case ND_ASSIGN:
		paren(sb, n->lhs);
		if (n->op == OP_NONE)
			sb_puts(sb, " = ");
		else
			sb_printf(sb, " %s= ", binop_text(n->op));
		paren(sb, n->rhs);
		return;
	case ND_COND:
		paren(sb, n->cond);
		sb_putc(sb, '?');
		paren(sb, n->then);
		sb_putc(sb, ':');
		paren(sb, n->els);
		return;
	case ND_IN:
		sb_putc(sb, '[');
		put_list(sb, &n->args, 0);
		if (n->lhs) {
			sb_puts(sb, "] in ");
			expr_str(sb, n->lhs);
		} else {
			sb_printf(sb, "] in %s", mangled && n->var ?
				  var_mangled(n->var) : n->name);
		}
		return;
	case ND_AGG:
		paren(sb, n->lhs);
		sb_puts(sb, " <<< ");
		paren(sb, n->rhs);
		return;
	case ND_STAT:
		sb_printf(sb, "%s(", statop_name(n->op));
		expr_str(sb, n->lhs);
		if (n->rhs) {
			sb_puts(sb, ", ");
			expr_str(sb, n->rhs);
		}
		sb_putc(sb, ')');
		return;
	case ND_HIST:
		sb_puts(sb, n->op == HIST_LOG ? "@hist_log(" : "@hist_linear(");
		expr_str(sb, n->lhs);
		for (int i = 0; i < n->args.len; i++) {
			sb_puts(sb, ", ");
			expr_str(sb, n->args.items[i]);
		}
		sb_putc(sb, ')');
		return;
	case ND_DEFINED:
	case ND_ENTRY:
		sb_puts(sb, n->kind == ND_ENTRY ? "@entry(" :
			n->op == 'w' ? "@probewrite(" : "@defined(");
		expr_str(sb, n->lhs);
		sb_putc(sb, ')');
		return;
	case ND_EMBEDDED_EXPR:
		/* written %{ code %}: "%{ " code " %}"; @const(...) as is */
		if (n->tok && n->tok->kind == TK_EMBEDDED)
			sb_printf(sb, "%%{ %s %%}", n->str);
		else
			sb_printf(sb, "%%{%s%%}", n->str);
		return;
	default:
		sb_puts(sb, "/* ? */");
		return;
	}
}

/* A statement; a block puts ";" and a newline after each of its own. */
void unparse_node(StrBuf *sb, Node *n, int indent)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_BLOCK:
		sb_puts(sb, "{\n");
		for (int i = 0; i < n->args.len; i++) {
			unparse_node(sb, n->args.items[i], indent);
			sb_puts(sb, ";\n");
		}
		sb_putc(sb, '}');
		return;
	case ND_EXPR_STMT:
		expr_str(sb, n->lhs);
		return;
	case ND_NULL_STMT:
		sb_putc(sb, ';');
		return;
	case ND_IF:
		sb_puts(sb, "if (");
		expr_str(sb, n->cond);
		sb_puts(sb, ") ");
		unparse_node(sb, n->then, indent);
		sb_putc(sb, '\n');
		if (n->els) {
			sb_puts(sb, "else ");
			unparse_node(sb, n->els, indent);
			sb_putc(sb, '\n');
		}
		return;
	case ND_WHILE:
	case ND_FOR:
		sb_puts(sb, "for (");
		if (n->init)
			expr_str(sb, n->init);
		sb_puts(sb, "; ");
		if (n->cond)
			expr_str(sb, n->cond);
		else
			sb_putc(sb, '1');
		sb_puts(sb, "; ");
		if (n->inc)
			expr_str(sb, n->inc);
		sb_puts(sb, ") ");
		unparse_node(sb, n->body, indent);
		return;
	case ND_FOREACH:
		sb_puts(sb, "foreach (");
		if (n->value) {
			sb_puts(sb, n->value->name);
			sb_puts(sb, " = ");
		}
		sb_putc(sb, '[');
		for (int i = 0; i < n->keys.len; i++) {
			sb_printf(sb, "%s%s", i ? ", " : "", n->keys.items[i]->name);
			if (n->sort_column == i + 1)
				sb_putc(sb, n->sort_dir > 0 ? '+' : '-');
		}
		if (n->lhs) {
			sb_puts(sb, "] in ");
			expr_str(sb, n->lhs);
		} else {
			sb_printf(sb, "] in %s", mangled && n->var ?
				  var_mangled(n->var) : n->name);
		}
		if (n->args.len) {
			sb_putc(sb, '[');
			put_list(sb, &n->args, 0);
			sb_putc(sb, ']');
		}
		if (n->sort_column < 0) {
			if (n->sort_stat != STAT_COUNT)
				sb_printf(sb, " %s", statop_name(n->sort_stat));
			sb_putc(sb, n->sort_dir > 0 ? '+' : '-');
		}
		if (n->limit) {
			sb_puts(sb, " limit ");
			expr_str(sb, n->limit);
		}
		sb_puts(sb, ") ");
		unparse_node(sb, n->body, indent);
		return;
	case ND_BREAK:
		sb_puts(sb, "break");
		return;
	case ND_CONTINUE:
		sb_puts(sb, "continue");
		return;
	case ND_NEXT:
		sb_puts(sb, "next");
		return;
	case ND_RETURN:
		sb_puts(sb, "return");
		if (n->lhs) {
			sb_putc(sb, ' ');
			expr_str(sb, n->lhs);
		}
		return;
	case ND_DELETE:
		sb_puts(sb, "delete ");
		if (n->lhs->kind == ND_VAR)     /* SystemTap shows its name */
			sb_puts(sb, n->lhs->name);
		else
			expr_str(sb, n->lhs);
		return;
	case ND_TRY:
		sb_puts(sb, "try {\n");
		unparse_node(sb, n->body, indent);
		sb_puts(sb, "\n} catch");
		if (n->catch_var)
			sb_printf(sb, " (%s)", n->catch_var->name);
		sb_puts(sb, " {\n");
		unparse_node(sb, n->els, indent);
		sb_puts(sb, "\n}\n");
		return;
	default:
		expr_str(sb, n);
		return;
	}
}

static void put_points(StrBuf *sb, Vec *points)
{
	for (int i = 0; i < points->len; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_puts(sb, probe_point_str(vec_get(points, i)));
	}
}

static void unparse_probe(StrBuf *sb, Probe *p)
{
	sb_puts(sb, "probe ");
	if (p->is_alias) {
		put_points(sb, &p->alias_names);
		sb_puts(sb, p->is_epilogue ? " += " : " = ");
	}
	put_points(sb, &p->points);
	ProbePoint *pp0 = p->points.len ? vec_get(&p->points, 0) : NULL;
	if (pp0 && pp0->cond) {
		sb_puts(sb, " if (");
		expr_str(sb, pp0->cond);
		sb_putc(sb, ')');
	}
	unparse_node(sb, p->body, 0);
	sb_putc(sb, '\n');
}

/* One "# file" section: embeds, globals, aliases, probes, functions. */
static void unparse_file(StrBuf *sb, File *f)
{
	sb_printf(sb, "# file %s\n", f->name);
	for (int i = 0; i < sess->embeds.len; i++) {
		Token *t = vec_get(&sess->embeds, i);
		if (t->file == f)
			sb_printf(sb, "%%{%s%%}", t->str);
	}
	for (int i = 0; i < sess->globals.len; i++) {
		Var *g = vec_get(&sess->globals, i);
		if (g->file != f)
			continue;
		sb_printf(sb, "global %s", g->name);
		if (g->wrap)
			sb_putc(sb, '%');
		if (g->maxsize)
			sb_printf(sb, "[%d]", g->maxsize);
		if (g->init) {
			sb_puts(sb, " = ");
			expr_str(sb, g->init);
		}
		sb_putc(sb, '\n');
	}
	Vec *lists[] = { &sess->aliases, &sess->probes };
	for (int l = 0; l < 2; l++) {
		for (int i = 0; i < lists[l]->len; i++) {
			Probe *p = vec_get(lists[l], i);
			if (p->file == f)
				unparse_probe(sb, p);
		}
	}
	for (int i = 0; i < sess->functions.len; i++) {
		Function *fn = vec_get(&sess->functions, i);
		if (fn->file != f)
			continue;
		sb_printf(sb, "function %s (", fn->name);
		for (int j = 0; j < fn->params.len; j++)
			sb_printf(sb, "%s%s", j ? ", " : "",
				  ((Var *)vec_get(&fn->params, j))->name);
		sb_puts(sb, ")\n");
		if (fn->code)
			sb_printf(sb, "%%{%s%%}", fn->code);
		else
			unparse_node(sb, fn->body, 0);
		sb_putc(sb, '\n');
	}
	sb_putc(sb, '\n');
}

/* -p1: the user's file; with -v the library files as well. */
void unparse_session(FILE *out)
{
	StrBuf sb = {0};
	fputs("# parse tree dump\n", out);
	for (int fi = 0; fi < sess->files.len; fi++) {
		File *f = vec_get(&sess->files, fi);
		if (f->is_user)
			unparse_file(&sb, f);
	}
	if (verbose_for(1))
		for (int fi = 0; fi < sess->files.len; fi++) {
			File *f = vec_get(&sess->files, fi);
			if (!f->is_user)
				unparse_file(&sb, f);
		}
	if (sb.buf)
		fputs(sb.buf, out);
	sb_release(&sb);
}

/* -p2 -v: a handler's or function's body after optimization, as
 * SystemTap shows it: "{ " BODY " }". */
void unparse_body(FILE *out, Node *body)
{
	StrBuf sb = {0};
	mangled = true;
	sb_puts(&sb, "{ ");
	/* a block of one statement shows as the statement (but the
	 * synthetic bodies SystemTap writes as a block, op 'b') */
	while (body->kind == ND_BLOCK && body->args.len == 1 && body->op != 'b')
		body = body->args.items[0];
	unparse_node(&sb, body, 0);
	sb_puts(&sb, " }\n");
	fputs(sb.buf, out);
	sb_release(&sb);
	mangled = false;
}

/* ------------------------------------------------------------------ */
/* Names as SystemTap prints them */

/* SystemTap's names: __global_x, __private_FILE_x (FILE the base name
 * with every other character than a letter or digit an underscore) */
static char *mangle(const char *name, bool is_private, File *file)
{
	if (!is_private || !file)
		return format("__global_%s", name);
	const char *base = strrchr(file->name, '/');
	char *b = arena_strdup(base ? base + 1 : file->name);
	for (char *p = b; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			*p = '_';
	return format("__private_%s_%s", b, name);
}

char *var_mangled(Var *v)
{
	return mangle(v->name, v->is_private, v->file);
}

char *function_mangled(Function *f)
{
	return format("%s__overload_%d", mangle(f->name, f->is_private, f->file),
		      f->overload_index);
}

static int cmp_mangled(const void *a, const void *b)
{
	Function *x = *(Function *const *)a, *y = *(Function *const *)b;
	return strcmp(function_mangled(x), function_mangled(y));
}

/* The used functions in SystemTap's order (by their mangled names). */
Vec functions_by_name(void)
{
	Vec v = {0};
	for (int i = 0; i < sess->used_functions.len; i++)
		vec_push(&v, vec_get(&sess->used_functions, i));
	if (v.len)
		qsort(v.data, v.len, sizeof(void *), cmp_mangled);
	return v;
}
