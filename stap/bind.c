/*
 * bind.c - pass 2: names to variables and functions.
 *
 * In every reachable body, a name is a parameter, a local, a global (the
 * file's own private one, the user's, then a tapset's) or a new local; a
 * call finds its function by name and arity (the file's private one
 * first), chained with its overloads by priority.  Tapset functions and
 * globals are pulled in on demand, and with them their files, whose
 * %{ %} blocks and plain probes then belong to the module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

static Vec used_files;          /* File* whose definitions are used */
static Vec func_queue;          /* Function* to bind */
static int func_queue_done;     /* how many of them are bound */

void bind_reset(void)
{
	used_files = (Vec){0};
	func_queue = (Vec){0};
	func_queue_done = 0;
}

void use_file(File *f)
{
	if (!f || f->is_user)
		return;
	for (int i = 0; i < used_files.len; i++)
		if (vec_get(&used_files, i) == f)
			return;
	vec_push(&used_files, f);
}

bool file_used(File *f)
{
	for (int i = 0; i < used_files.len; i++)
		if (vec_get(&used_files, i) == f)
			return true;
	return false;
}

typedef struct Scope {
	Vec *locals;            /* Var*: the handler's or function's locals */
	Vec *params;            /* Var* or NULL */
	File *file;             /* for private names */
	bool in_function;
} Scope;

static Var *find_in(Vec *v, const char *name)
{
	if (!v)
		return NULL;
	for (int i = 0; i < v->len; i++) {
		Var *x = vec_get(v, i);
		if (!strcmp(x->name, name))
			return x;
	}
	return NULL;
}

static void use_global(Var *g)
{
	for (int i = 0; i < sess->used_globals.len; i++)
		if (vec_get(&sess->used_globals, i) == g)
			return;
	g->index = sess->used_globals.len;
	vec_push(&sess->used_globals, g);
	use_file(g->file);
}

/* The file whose private names N may use: where its token was written
 * (an alias body's names are its tapset's, not the probe's). */
static File *name_file(Scope *sc, Node *n)
{
	return n && n->tok && n->tok->file ? n->tok->file : sc->file;
}

/* Globals: the file's own (private or not), the user's, then any file's. */
static Var *find_global(const char *name, File *file)
{
	Var *any = NULL;
	for (int i = 0; i < sess->globals.len; i++) {
		Var *g = vec_get(&sess->globals, i);
		if (strcmp(g->name, name))
			continue;
		if (g->file == file)
			return g;
		if (g->is_private)
			continue;
		if (g->file && g->file->is_user)
			return g;
		if (!any)
			any = g;
	}
	return any;
}

static Function *find_function(const char *name, File *file, int nargs)
{
	Function *any = NULL;
	for (int i = 0; i < sess->functions.len; i++) {
		Function *f = vec_get(&sess->functions, i);
		if (strcmp(f->name, name))
			continue;
		if (f->is_private && f->file != file)
			continue;
		if (nargs >= 0 && f->params.len != nargs) {
			if (!any)
				any = f;
			continue;
		}
		if (f->file == file || (f->file && f->file->is_user))
			return f;
		if (!any || any->params.len != nargs)
			any = f;
	}
	return any;
}

static bool has_next(Node *n)
{
	if (!n)
		return false;
	if (n->kind == ND_NEXT)
		return true;
	if (has_next(n->lhs) || has_next(n->rhs) || has_next(n->cond) ||
	    has_next(n->then) || has_next(n->els) || has_next(n->init) ||
	    has_next(n->inc) || has_next(n->body))
		return true;
	for (int i = 0; i < n->args.len; i++)
		if (has_next(n->args.items[i]))
			return true;
	return false;
}

/* Link F with the other public functions of its name and arity, by
 * priority then declaration order (library files come first in
 * sess->functions); each gets its N of __global_NAME__overload_N, the
 * rank of its declaration among the functions of that name. */
static void chain_overloads(Function *f)
{
	if (f->chained)
		return;
	Vec c = {0};
	for (int i = 0; i < sess->functions.len; i++) {
		Function *g = vec_get(&sess->functions, i);
		if (strcmp(g->name, f->name) || g->params.len != f->params.len ||
		    (g->is_private && g != f) || (f->is_private && g != f))
			continue;
		/* stable insertion by priority */
		int at = c.len;
		while (at > 0 && ((Function *)vec_get(&c, at - 1))->priority > g->priority)
			at--;
		vec_push(&c, g);
		memmove(&c.data[at + 1], &c.data[at], (c.len - 1 - at) * sizeof(void *));
		c.data[at] = g;
	}
	for (int i = 0; i < c.len; i++) {
		Function *g = vec_get(&c, i);
		g->chained = true;
		g->overload_head = vec_get(&c, 0);
		g->next_overload = i + 1 < c.len ? vec_get(&c, i + 1) : NULL;
		g->may_next = g->body ? has_next(g->body) :
			      g->code && strstr(g->code, "STAP_NEXT") != NULL;
		g->overload_index = 0;
		for (int j = 0; j < sess->functions.len; j++) {
			Function *h = vec_get(&sess->functions, j);
			if (h == g)
				break;
			if (!strcmp(h->name, g->name) && !h->is_private)
				g->overload_index++;
		}
	}
}

static char *similar_functions(const char *name)
{
	StrBuf sb = {0};
	int n = 0;
	for (int d = 1; d <= 3 && n < 5; d++) {
		for (int i = 0; i < sess->functions.len && n < 5; i++) {
			Function *f = vec_get(&sess->functions, i);
			if (f->is_private || f->name[0] == '_')
				continue;
			if (edit_distance(name, f->name) != d)
				continue;
			bool dup = false;
			for (int j = 0; j < i && !dup; j++)
				dup = !strcmp(((Function *)vec_get(&sess->functions, j))->name, f->name) &&
				      edit_distance(name, f->name) == d;
			if (dup)
				continue;
			sb_printf(&sb, "%s%s", n ? ", " : "", f->name);
			n++;
		}
	}
	char *r = n ? arena_strdup(sb.buf) : NULL;
	sb_release(&sb);
	return r;
}

void use_function(Function *f)
{
	if (f->used)
		return;
	f->used = true;
	f->index = sess->used_functions.len;
	vec_push(&sess->used_functions, f);
	vec_push(&func_queue, f);
	use_file(f->file);
}

static Var *new_local(Scope *sc, Node *n)
{
	Var *v = arena_alloc(sizeof(*v));
	v->name = n->name;
	v->tok = n->tok;
	v->file = sc->file;
	v->index = sc->locals->len;
	vec_push(sc->locals, v);
	return v;
}

/* A scalar name: param, local, global, or a new local. */
static Var *bind_scalar(Scope *sc, Node *n)
{
	Var *v = find_in(sc->params, n->name);
	if (!v)
		v = find_in(sc->locals, n->name);
	if (v)
		return v;
	Var *g = find_global(n->name, name_file(sc, n));
	if (g) {
		use_global(g);
		return g;
	}
	return new_local(sc, n);
}

static void bind(Scope *sc, Node *n);

static void bind_list(Scope *sc, NodeList *l)
{
	for (int i = 0; i < l->len; i++)
		bind(sc, l->items[i]);
}

/* A global's arity is the one of its first use in binding order. */
static void note_arity(Var *g, int arity, Token *at)
{
	if (!g || !g->is_global || arity < 0)
		return;
	if (arity > 9) {
		/* SystemTap's runtime has maps of 1 to 9 keys; its pass 4
		 * fails on more ("excessive key arity") */
		semantic_error(at, "too many array indexes (%d): excessive key arity, at most 9",
			       arity);
		return;
	}
	if (g->arity < 0) {
		g->arity = arity;
		g->arity_tok = at;
		return;
	}
	if (g->arity != arity)
		semantic_error2(at, g->arity_tok ? g->arity_tok : g->tok,
				format("arity %d first inferred here", g->arity),
				"inconsistent arity (%d vs %d)", g->arity, arity);
}

static Var *bind_array(Scope *sc, Node *n, const char *name, int arity)
{
	Var *v = find_in(sc->params, name);
	if (!v)
		v = find_in(sc->locals, name);
	if (v) {
		semantic_error2(n->tok, v->tok, "arity 0 first inferred here",
				"inconsistent arity (%d vs %d)", 0, arity);
		return NULL;
	}
	Var *g = find_global(name, name_file(sc, n));
	if (!g) {
		semantic_error(n->tok, "unresolved arity-%d global array %s, missing global declaration?",
			       arity, name);
		return NULL;
	}
	use_global(g);
	note_arity(g, arity, n->tok);
	return g;
}

static void bind(Scope *sc, Node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_VAR:
		n->var = bind_scalar(sc, n);
		note_arity(n->var, 0, n->tok);
		return;
	case ND_DELETE:         /* 'delete a' is any arity */
		if (n->lhs && n->lhs->kind == ND_VAR) {
			n->lhs->var = bind_scalar(sc, n->lhs);
			return;
		}
		break;
	case ND_INDEX:
		if (n->lhs) {           /* @hist_*(x)[i] */
			bind(sc, n->lhs);
			bind_list(sc, &n->args);
			return;
		}
		n->var = bind_array(sc, n, n->name, n->args.len);
		bind_list(sc, &n->args);
		return;
	case ND_IN:
		n->var = bind_array(sc, n->rhs ? n->rhs : n, n->name, n->args.len);
		n->rhs->var = n->var;
		bind_list(sc, &n->args);
		return;
	case ND_CALL: {
		bind_list(sc, &n->args);
		Function *f = find_function(n->name, name_file(sc, n), n->args.len);
		if (!f) {
			char *sim = similar_functions(n->name);
			if (sim)
				semantic_error(n->tok, "unresolved function %s (similar: %s)", n->name, sim);
			else
				semantic_error(n->tok, "unresolved function");
			return;
		}
		if (f->params.len != n->args.len) {
			semantic_error2(n->tok, f->tok, NULL,
					"arity mismatch found (function '%s' takes %d args)",
					n->name, f->params.len);
			return;
		}
		chain_overloads(f);
		f = f->overload_head;
		/* as SystemTap: a guru-pragma tapset function only from a
		 * guru-mode script (or from other tapset code) */
		if (f->guru && !sess->guru && sc->file && !sc->file->is_tapset)
			semantic_error(n->tok, "function may not be used unless -g is specified");
		n->func = f;
		for (Function *g = f; g; g = g->next_overload)
			use_function(g);
		return;
	}
	case ND_FOREACH: {
		bind(sc, n->limit);
		if (n->lhs) {           /* over the buckets of @hist_*(s) */
			bind(sc, n->lhs);
			for (int i = 0; i < n->keys.len; i++)
				bind(sc, n->keys.items[i]);
			bind(sc, n->value);
			bind(sc, n->body);
			return;
		}
		n->var = bind_array(sc, n->rhs ? n->rhs : n, n->name, n->keys.len);
		n->rhs->var = n->var;
		for (int i = 0; i < n->keys.len; i++)
			bind(sc, n->keys.items[i]);
		bind(sc, n->value);
		bind_list(sc, &n->args);
		bind(sc, n->body);
		return;
	}
	case ND_NEXT:
		return;
	case ND_TRY:
		bind(sc, n->body);
		bind(sc, n->catch_var);
		bind(sc, n->els);
		return;
	default:
		break;
	}
	bind(sc, n->lhs);
	bind(sc, n->rhs);
	bind(sc, n->cond);
	bind(sc, n->then);
	bind(sc, n->els);
	bind(sc, n->init);
	bind(sc, n->inc);
	bind(sc, n->body);
	bind_list(sc, &n->args);
}

/* Bind the bodies of the functions found used so far (and of those they
 * call in turn), once each. */
void bind_queued_functions(void)
{
	for (; func_queue_done < func_queue.len; func_queue_done++) {
		Function *f = vec_get(&func_queue, func_queue_done);
		if (!f->body)
			continue;
		Scope sc = { &f->locals, &f->params, f->file, true };
		bind(&sc, f->body);
	}
}

/* Collect in OUT the variables N assigns (=, op=, ++, --, <<<, delete). */
static void written_vars(Node *n, Vec *out)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_ASSIGN: case ND_PREINC: case ND_PREDEC: case ND_POSTINC:
	case ND_POSTDEC: case ND_AGG: case ND_DELETE:
		if (n->lhs && (n->lhs->kind == ND_VAR || n->lhs->kind == ND_INDEX) &&
		    n->lhs->var)
			vec_push(out, n->lhs->var);
		break;
	default:
		break;
	}
	written_vars(n->lhs, out);
	written_vars(n->rhs, out);
	written_vars(n->cond, out);
	written_vars(n->then, out);
	written_vars(n->els, out);
	written_vars(n->init, out);
	written_vars(n->inc, out);
	written_vars(n->body, out);
	written_vars(n->catch_var, out);
	for (int i = 0; i < n->args.len; i++)
		written_vars(n->args.items[i], out);
}

/* @probewrite(v) becomes 1 when the handler assigns v anywhere (the
 * user's body overriding an alias's variable), else 0. */
static void fold_probewrite(Node *n, Vec *written)
{
	if (!n)
		return;
	if (n->kind == ND_DEFINED && n->op == 'w') {
		/* only the library's aliases ask it */
		if (n->tok->file && n->tok->file->is_user)
			semantic_error(n->tok, "unexpected @probewrite");
		bool w = false;
		for (int i = 0; i < written->len && !w; i++)
			w = n->lhs->var == vec_get(written, i);
		n->kind = ND_NUM;
		n->val = w;
		n->lhs = NULL;
		return;
	}
	fold_probewrite(n->lhs, written);
	fold_probewrite(n->rhs, written);
	fold_probewrite(n->cond, written);
	fold_probewrite(n->then, written);
	fold_probewrite(n->els, written);
	fold_probewrite(n->init, written);
	fold_probewrite(n->inc, written);
	fold_probewrite(n->body, written);
	fold_probewrite(n->limit, written);
	for (int i = 0; i < n->args.len; i++)
		fold_probewrite(n->args.items[i], written);
}


/* Bind handler H's body, and fold what depends on the whole of it. */
void bind_handler(Handler *h)
{
	Scope sc = { &h->locals, NULL, h->tok->file, false };
	bind(&sc, h->body);
	Vec written = {0};
	written_vars(h->body, &written);
	fold_probewrite(h->body, &written);
}

/* A probe condition is evaluated with globals only. */
void bind_condition(DerivedProbe *d)
{
	if (!d->cond)
		return;
	Vec dummy = {0};
	Scope sc = { &dummy, NULL, d->tok->file, false };
	bind(&sc, d->cond);
	if (dummy.len)
		semantic_error(((Var *)vec_get(&dummy, 0))->tok,
			       "probe condition must be expressed in terms of global variables");
}

/* -G NAME=VALUE needs a scalar global NAME of the script, and a number
 * when NAME is a long. */
bool check_global_settings(void)
{
	bool ok = true;
	for (int i = 0; i < sess->globals_set.len; i++) {
		char *set = vec_get(&sess->globals_set, i);
		char *eq = strchr(set, '=');
		char *name = arena_strndup(set, eq - set);
		Var *g = NULL;
		for (int j = 0; j < sess->used_globals.len && !g; j++) {
			Var *v = vec_get(&sess->used_globals, j);
			if (!strcmp(v->name, name) && v->file && v->file->is_user)
				g = v;
		}
		if (!g || g->arity > 0 || g->type == TY_STATS) {
			fprintf(stderr, "semantic error: -G %s: the script has no scalar global '%s' to set\n\n",
				set, name);
			ok = false;
			continue;
		}
		char *end;
		errno = 0;
		(void)strtoll(eq + 1, &end, 0);
		if (g->type == TY_LONG && (!eq[1] || *end || errno)) {
			fprintf(stderr, "semantic error: -G %s: '%s' is a long, '%s' is not a number\n\n",
				set, name, eq + 1);
			ok = false;
		}
	}
	return ok;
}

