/*
 * unparse.c - print the AST back as script text: the -p1 output, and the
 * probe point strings that pp() returns.
 */
#include <string.h>

#include "stap.h"

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

char *probe_point_str(ProbePoint *pp)
{
	StrBuf sb = {0};
	for (int i = 0; i < pp->ncomps; i++) {
		Component *c = &pp->comps[i];
		if (i)
			sb_putc(&sb, '.');
		sb_puts(&sb, c->name);
		if (c->arg) {
			sb_putc(&sb, '(');
			put_literal(&sb, c->arg);
			sb_putc(&sb, ')');
		}
	}
	if (pp->sufficient)
		sb_putc(&sb, '!');
	else if (pp->optional)
		sb_putc(&sb, '?');
	char *s = arena_strdup(sb.buf);
	sb_release(&sb);
	return s;
}

static void indent_to(StrBuf *sb, int indent)
{
	for (int i = 0; i < indent; i++)
		sb_putc(sb, ' ');
}

static void put_list(StrBuf *sb, NodeList *l, int from)
{
	for (int i = from; i < l->len; i++) {
		if (i > from)
			sb_puts(sb, ", ");
		unparse_node(sb, l->items[i], 0);
	}
}

static const char *print_names[] = {
	"print", "println", "printf", "printd", "printdln",
	"sprint", "sprintln", "sprintf", "sprintd", "sprintdln",
};

static void expr_str(StrBuf *sb, Node *n)
{
	switch (n->kind) {
	case ND_NUM:
	case ND_STR:
		put_literal(sb, n);
		return;
	case ND_VAR:
		sb_puts(sb, n->name);
		return;
	case ND_INDEX:
		if (n->lhs)
			expr_str(sb, n->lhs);
		else
			sb_puts(sb, n->name);
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
		if (!strcmp(n->name, "@autocast") || !strcmp(n->name, "@addressof")) {
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
		return;
	case ND_CALL:
	case ND_PRINT:
		sb_puts(sb, n->kind == ND_PRINT ? print_names[n->op] : n->name);
		sb_putc(sb, '(');
		put_list(sb, &n->args, 0);
		sb_putc(sb, ')');
		return;
	case ND_BINARY:
	case ND_CMP:
		sb_putc(sb, '(');
		expr_str(sb, n->lhs);
		sb_printf(sb, ") %s (", binop_text(n->op));
		expr_str(sb, n->rhs);
		sb_putc(sb, ')');
		return;
	case ND_LOGAND:
	case ND_LOGOR:
		sb_putc(sb, '(');
		expr_str(sb, n->lhs);
		sb_puts(sb, n->kind == ND_LOGAND ? ") && (" : ") || (");
		expr_str(sb, n->rhs);
		sb_putc(sb, ')');
		return;
	case ND_NOT: case ND_NEG: case ND_BITNOT: case ND_UPLUS:
	case ND_PREINC: case ND_PREDEC:
		sb_puts(sb, n->kind == ND_NOT ? "!" : n->kind == ND_NEG ? "-" :
			n->kind == ND_BITNOT ? "~" : n->kind == ND_UPLUS ? "+" :
			n->kind == ND_PREINC ? "++" : "--");
		sb_putc(sb, '(');
		expr_str(sb, n->lhs);
		sb_putc(sb, ')');
		return;
	case ND_POSTINC:
	case ND_POSTDEC:
		expr_str(sb, n->lhs);
		sb_puts(sb, n->kind == ND_POSTINC ? "++" : "--");
		return;
	case ND_ASSIGN:
		expr_str(sb, n->lhs);
		if (n->op == OP_NONE)
			sb_puts(sb, " = ");
		else
			sb_printf(sb, " %s= ", binop_text(n->op));
		expr_str(sb, n->rhs);
		return;
	case ND_COND:
		sb_putc(sb, '(');
		expr_str(sb, n->cond);
		sb_puts(sb, ") ? (");
		expr_str(sb, n->then);
		sb_puts(sb, ") : (");
		expr_str(sb, n->els);
		sb_putc(sb, ')');
		return;
	case ND_IN:
		sb_putc(sb, '[');
		put_list(sb, &n->args, 0);
		if (n->lhs) {
			sb_puts(sb, "] in ");
			expr_str(sb, n->lhs);
		} else {
			sb_printf(sb, "] in %s", n->name);
		}
		return;
	case ND_AGG:
		expr_str(sb, n->lhs);
		sb_puts(sb, " <<< ");
		expr_str(sb, n->rhs);
		return;
	case ND_STAT:
		sb_printf(sb, "%s(", statop_name(n->op));
		expr_str(sb, n->lhs);
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
		sb_printf(sb, "%%{%s%%}", n->str);
		return;
	default:
		sb_puts(sb, "/* ? */");
		return;
	}
}

void unparse_node(StrBuf *sb, Node *n, int indent)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_BLOCK:
		sb_puts(sb, "{\n");
		for (int i = 0; i < n->args.len; i++) {
			Node *s = n->args.items[i];
			if (s->kind == ND_BLOCK) {
				indent_to(sb, indent + 2);
				unparse_node(sb, s, indent + 2);
				sb_putc(sb, '\n');
				continue;
			}
			indent_to(sb, indent + 2);
			unparse_node(sb, s, indent + 2);
			sb_putc(sb, '\n');
		}
		indent_to(sb, indent);
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
		if (n->els) {
			sb_puts(sb, " else ");
			unparse_node(sb, n->els, indent);
		}
		return;
	case ND_WHILE:
		sb_puts(sb, "while (");
		expr_str(sb, n->cond);
		sb_puts(sb, ") ");
		unparse_node(sb, n->body, indent);
		return;
	case ND_FOR:
		sb_puts(sb, "for (");
		if (n->init)
			expr_str(sb, n->init);
		sb_puts(sb, "; ");
		if (n->cond)
			expr_str(sb, n->cond);
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
			sb_printf(sb, "] in %s", n->name);
		}
		if (n->args.len) {
			sb_putc(sb, '[');
			put_list(sb, &n->args, 0);
			sb_putc(sb, ']');
		}
		if (n->sort_column < 0)
			sb_putc(sb, n->sort_dir > 0 ? '+' : '-');
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
		expr_str(sb, n->lhs);
		return;
	case ND_TRY:
		sb_puts(sb, "try ");
		unparse_node(sb, n->body, indent);
		sb_puts(sb, " catch");
		if (n->catch_var)
			sb_printf(sb, "(%s)", n->catch_var->name);
		sb_putc(sb, ' ');
		unparse_node(sb, n->els, indent);
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
			sb_puts(sb, ", ");
		sb_puts(sb, probe_point_str(vec_get(points, i)));
	}
}

static bool from_user(File *f)
{
	return f && f->is_user;
}

void unparse_session(FILE *out)
{
	StrBuf sb = {0};
	fputs("# parse tree dump\n", out);
	for (int fi = 0; fi < sess->files.len; fi++) {
		File *f = vec_get(&sess->files, fi);
		if (!from_user(f))
			continue;
		sb_printf(&sb, "# file %s\n", f->name);
		for (int i = 0; i < sess->globals.len; i++) {
			Var *g = vec_get(&sess->globals, i);
			if (g->file != f)
				continue;
			sb_printf(&sb, "%sglobal %s", g->is_private ? "private " : "", g->name);
			if (g->maxsize)
				sb_printf(&sb, "[%d]", g->maxsize);
			if (g->wrap)
				sb_putc(&sb, '%');
			if (g->init) {
				sb_puts(&sb, " = ");
				put_literal(&sb, g->init);
			}
			sb_putc(&sb, '\n');
		}
		for (int i = 0; i < sess->functions.len; i++) {
			Function *fn = vec_get(&sess->functions, i);
			if (fn->file != f)
				continue;
			sb_printf(&sb, "function %s (", fn->name);
			for (int j = 0; j < fn->params.len; j++)
				sb_printf(&sb, "%s%s", j ? ", " : "",
					  ((Var *)vec_get(&fn->params, j))->name);
			sb_puts(&sb, ") ");
			if (fn->code)
				sb_printf(&sb, "%%{%s%%}", fn->code);
			else
				unparse_node(&sb, fn->body, 0);
			sb_putc(&sb, '\n');
		}
		Vec *lists[] = { &sess->aliases, &sess->probes };
		for (int l = 0; l < 2; l++) {
			for (int i = 0; i < lists[l]->len; i++) {
				Probe *p = vec_get(lists[l], i);
				if (p->file != f)
					continue;
				sb_puts(&sb, "probe ");
				if (p->is_alias) {
					put_points(&sb, &p->alias_names);
					sb_puts(&sb, p->is_epilogue ? " += " : " = ");
				}
				put_points(&sb, &p->points);
				ProbePoint *pp0 = p->points.len ? vec_get(&p->points, 0) : NULL;
				if (pp0 && pp0->cond) {
					sb_puts(&sb, " if (");
					expr_str(&sb, pp0->cond);
					sb_putc(&sb, ')');
				}
				sb_putc(&sb, ' ');
				unparse_node(&sb, p->body, 0);
				sb_putc(&sb, '\n');
			}
		}
		for (int i = 0; i < sess->embeds.len; i++) {
			Token *t = vec_get(&sess->embeds, i);
			if (t->file == f)
				sb_printf(&sb, "%s\n", t->text);
		}
	}
	if (sb.buf)
		fputs(sb.buf, out);
	sb_release(&sb);
}
