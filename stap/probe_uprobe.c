/*
 * probe_uprobe.c - the probe kind of user-space probes through uprobes
 * (runtime/stp_uprobe.h):
 *
 *   process("PATH"|PID).function("PAT[@FILE[:LINE]]")[.call|.return|.inline]
 *   process("PATH"|PID).statement("FUNC@FILE:LINE")[.nearest]
 *   process("PATH"|PID).statement(ADDR)[.absolute]
 *   process("PATH").library("LIB").function/statement(...)
 *   process (the -c command's executable, or -x's)
 *
 * The points resolve through the object's DWARF (dwarf.c: user-space
 * objects are modules named by their absolute path) or, without it, its
 * ELF symbols; probe_kprobe.c's matcher does the matching for both
 * kinds.  A uprobe is placed by file offset, so the module needs no
 * address of the running process.
 */
#include <elf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fnmatch.h>
#include <glob.h>

#include "stap.h"

static bool glob_match(const char *pat, const char *s)
{
	return fnmatch(pat, s, 0) == 0;
}

static bool regular_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The interpreter of a "#!" script at PATH, or NULL. */
static char *script_interpreter(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char line[PATH_MAX + 3];
	char *r = NULL;
	if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
		char *p = line + 2;
		p += strspn(p, " \t");
		size_t n = strcspn(p, " \t\n");
		if (n)
			r = arena_strndup(p, n);
	}
	fclose(f);
	return r;
}

static const char *const lib_dirs[] = {
	"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64",
	"/lib64", "/usr/lib", "/lib", "/usr/local/lib", NULL,
};

char *uprobe_path(const char *name, bool library, Token *tok)
{
	char *found = NULL;
	if (strchr(name, '/')) {
		if (regular_file(name))
			found = arena_strdup(name);
	} else if (library) {
		for (int i = 0; lib_dirs[i] && !found; i++) {
			char *p = format("%s/%s", lib_dirs[i], name);
			if (regular_file(p))
				found = p;
		}
	} else {
		/* $PATH, then (stapio) the helpers' directory beside each
		 * of its directories, as staprun finds stapio */
		const char *path = getenv("PATH");
		for (int helpers = 0; helpers < 2 && !found; helpers++) {
			char *list = arena_strdup(path && *path ? path : "/usr/bin:/bin");
			for (char *save = NULL, *d = strtok_r(list, ":", &save);
			     d && !found; d = strtok_r(NULL, ":", &save)) {
				char *p = format("%s/%s%s", *d ? d : ".",
						 helpers ? "../lib/systemtap/" : "", name);
				if (regular_file(p) && access(p, X_OK) == 0)
					found = p;
			}
		}
	}
	if (found) {
		char real[PATH_MAX];
		if (realpath(found, real))
			found = arena_strdup(real);
		/* a script: its interpreter is what runs */
		char *interp = library ? NULL : script_interpreter(found);
		if (interp && interp[0] == '/' && regular_file(interp) &&
		    realpath(interp, real))
			found = arena_strdup(real);
	}
	if (!found && tok) {
		/* SystemTap's two blocks, and what was not found */
		warning_at(NULL, "cannot find %s '%s'", library ? "library" : "executable", name);
		resolve_error(tok, NULL, "no match");
	}
	return found;
}

/* The shared objects EXE loads: the closure of what each loads itself
 * (usym.c's elf_needed: interpreter, DT_NEEDED as ld.so finds them,
 * without its cache or LD_LIBRARY_PATH), in load order, as real paths. */
static Vec needed_libs(const char *exe)
{
	Vec out = {0};
	const char *obj = exe;
	for (int q = 0; obj; obj = q < out.len ? vec_get(&out, q++) : NULL) {
		Vec needed = elf_needed(obj);
		for (int i = 0; i < needed.len; i++) {
			char real[PATH_MAX];
			if (!realpath(vec_get(&needed, i), real))
				continue;
			bool dup = false;
			for (int k = 0; k < out.len && !dup; k++)
				dup = !strcmp(vec_get(&out, k), real);
			if (!dup)
				vec_push(&out, arena_strdup(real));
		}
	}
	return out;
}

/* The libraries of EXE that the glob PAT names (SystemTap: a wildcard
 * library is matched among those the process loads; PAT with a '/'
 * against their paths, else against their file names). */
static Vec needed_matching(const char *exe, const char *pat)
{
	Vec all = needed_libs(exe), out = {0};
	for (int i = 0; i < all.len; i++) {
		const char *lib = vec_get(&all, i);
		const char *base = strrchr(lib, '/');
		if (glob_match(pat, strchr(pat, '/') ? lib : base ? base + 1 : lib))
			vec_push(&out, (char *)lib);
	}
	return out;
}

/* NAME as the paths it names: a glob (SystemTap globs a process or
 * library path with wildcards, without $PATH; a library name without a
 * '/' in the library directories), else uprobe_path's one.  Empty after
 * an error (reported when TOK is not NULL). */
static Vec uprobe_paths(const char *name, bool library, Token *tok)
{
	Vec out = {0};
	if (!strpbrk(name, "*?[")) {
		char *p = uprobe_path(name, library, tok);
		if (p)
			vec_push(&out, p);
		return out;
	}
	Vec pats = {0};
	if (strchr(name, '/') || !library)
		vec_push(&pats, (char *)name);
	else
		for (int i = 0; lib_dirs[i]; i++)
			vec_push(&pats, format("%s/%s", lib_dirs[i], name));
	for (int i = 0; i < pats.len; i++) {
		glob_t g;
		if (glob(vec_get(&pats, i), 0, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++) {
			char real[PATH_MAX];
			if (!regular_file(g.gl_pathv[j]) || !realpath(g.gl_pathv[j], real))
				continue;
			bool dup = false;
			for (int k = 0; k < out.len && !dup; k++)
				dup = !strcmp(vec_get(&out, k), real);
			if (!dup && dw_user_elf_type(real) > 0)
				vec_push(&out, arena_strdup(real));
		}
		globfree(&g);
	}
	if (!out.len && tok) {
		warning_at(NULL, "cannot find %s '%s'", library ? "library" : "executable", name);
		resolve_error(tok, NULL, "no match");
	}
	return out;
}

/* The executable of the -c command (its first word), or NULL. */
static char *target_exe(Token *tok)
{
	if (!sess->cmd)
		return NULL;
	const char *p = sess->cmd + strspn(sess->cmd, " \t");
	char *word = arena_strndup(p, strcspn(p, " \t"));
	return word[0] ? uprobe_path(word, false, tok) : NULL;
}

/* The executable of a process running on this machine, or NULL. */
static char *pid_exe(int64_t pid, Token *tok)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(format("/proc/%lld/exe", (long long)pid), buf,
			     sizeof(buf) - 1);
	if (n <= 0) {
		resolve_error(tok, NULL, "cannot probe pid %lld: No such process",
			      (long long)pid);
		return NULL;
	}
	buf[n] = '\0';
	return arena_strdup(buf);
}

/* What process(...) names: *PATHS, and *PID for process(PID); false
 * after an error (reported unless QUIET). */
static bool process_target(Component *c0, bool quiet, Vec *paths, int64_t *pid)
{
	Token *tok = quiet ? NULL : c0->tok;
	char *path = NULL;
	*pid = 0;
	*paths = (Vec){0};
	if (comp_str(c0)) {
		*paths = uprobe_paths(c0->arg->str, false, tok);
		return paths->len > 0;
	} else if (comp_num(c0)) {
		*pid = c0->arg->val;
		path = pid_exe(*pid, tok);
	} else if (sess->cmd) {
		path = target_exe(tok);
	} else if (sess->target_pid) {
		*pid = sess->target_pid;
		path = pid_exe(*pid, tok);
	} else if (!quiet) {
		resolve_error(c0->tok, NULL, "unspecified process probe is invalid without a -c COMMAND or -x PID [man stapprobes]");
	}
	if (path)
		vec_push(paths, path);
	return path != NULL;
}

/* .mark("NAME"), .provider("P").mark("NAME"): SDT markers */
typedef struct MarkMatch {
	Resolution *r;
	ProbePoint *pp;
	const char *path, *proc, *provider, *name;
	int count;
	Vec names;              /* for "similar marks" */
} MarkMatch;

static void on_sdt_note(const char *provider, const char *name,
			const char *args, uint64_t pc, uint64_t sema, void *arg)
{
	MarkMatch *m = arg;
	bool dup = false;
	for (int i = 0; i < m->names.len && !dup; i++)
		dup = !strcmp(vec_get(&m->names, i), name);
	if (!dup)
		vec_push(&m->names, arena_strdup(name));
	if ((m->provider && !glob_match(m->provider, provider)) ||
	    !glob_match(m->name, name))
		return;
	uint64_t off = 0, semoff = 0;
	if (!dw_user_offset(m->path, pc, &off) ||
	    (sema && !dw_user_offset(m->path, sema, &semoff))) {
		semantic_error(m->pp->tok, "cannot place marker %s:%s of %s: not in a loaded segment",
			       provider, name, m->path);
		return;
	}
	/* (SystemTap resolves a marker to the statement at its address:
	 * that is its pp(); listings show the marker) */
	DerivedProbe *d = derived_new(m->r, &pk_uprobe, m->pp,
				      format("process(\"%s\").statement(0x%llx)",
					     m->path, (unsigned long long)pc));
	if (m->r->depth == 0)
		d->user_pp = d->pp;
	KprobeSite *k = &d->kp;
	k->symbol = "";
	k->offset = off;
	k->sema = semoff;
	k->module = arena_strdup(m->path);
	k->user = true;
	k->elf_type = dw_user_elf_type(m->path);
	k->proc = m->proc ? arena_strdup(m->proc) : NULL;
	k->maxactive = -1;
	k->dw_pc = pc;
	k->sdt_provider = arena_strdup(provider);
	k->sdt_name = arena_strdup(name);
	k->sdt_args = arena_strdup(args);
	m->count++;
}

static int match_mark(Resolution *r, ProbePoint *pp, int first,
		      const char *path, const char *proc)
{
	Component *f = &pp->comps[first];
	MarkMatch m = { r, pp, path, proc, NULL, NULL, 0, {0} };
	if (comp_is(f, "provider")) {
		m.provider = f->arg->str;
		f = &pp->comps[first + 1];
	}
	m.name = f->arg->str;
	dw_sdt_notes(path, on_sdt_note, &m);
	if (m.count || pp->optional)
		return PK_MATCHED;
	if (m.names.len && r->depth == 0) {
		StrBuf sb = {0};
		for (int i = 0; i < m.names.len && i < 5; i++)
			sb_printf(&sb, "%s%s", i ? ", " : "", (char *)vec_get(&m.names, i));
		resolve_nomatch_hint = format("similar marks: %s", sb.buf);
		sb_release(&sb);
	}
	return PK_NO_MATCH;
}

/* .plt, .plt("PAT")[.return]: the PLT entries of the object */
typedef struct PltMatch {
	Resolution *r;
	ProbePoint *pp;
	const char *path, *proc, *pat;
	bool is_return;
	int count;
} PltMatch;

static void on_plt(const char *name, uint64_t addr, void *arg)
{
	PltMatch *m = arg;
	uint64_t off;
	if (!glob_match(m->pat, name) || !dw_user_offset(m->path, addr, &off))
		return;
	/* (as SystemTap: the statement at the entry is its pp()) */
	DerivedProbe *d = derived_new(m->r, &pk_uprobe, m->pp,
				      format("process(\"%s\").statement(0x%llx)%s",
					     m->path, (unsigned long long)addr,
					     m->is_return ? ".return" : ""));
	if (m->r->depth == 0)
		d->user_pp = d->pp;
	KprobeSite *k = &d->kp;
	k->symbol = arena_strdup(name);
	k->offset = off;
	k->module = arena_strdup(m->path);
	k->user = true;
	k->is_return = m->is_return;
	k->elf_type = dw_user_elf_type(m->path);
	k->proc = m->proc ? arena_strdup(m->proc) : NULL;
	k->maxactive = -1;
	k->dw_pc = addr;
	k->plt_name = arena_strdup(name);
	d->func = k->plt_name;
	m->count++;
}

static int match_plt(Resolution *r, ProbePoint *pp, int first,
		     const char *path, const char *proc)
{
	Component *f = &pp->comps[first];
	PltMatch m = { r, pp, path, proc, comp_str(f) ? f->arg->str : "*",
		       pp->ncomps == first + 2, 0 };
	dw_plt_entries(path, on_plt, &m);
	if (m.count || pp->optional)
		return PK_MATCHED;
	return PK_NO_MATCH;
}

static int match_uprobe(Resolution *r, ProbePoint *pp)
{
	Component *c0 = &pp->comps[0];
	if (!comp_is(c0, "process") || pp->ncomps < 2)
		return PK_NOT_MINE;
	int first = 1;
	bool library = comp_is(&pp->comps[1], "library");
	if (library && (!comp_str(&pp->comps[1]) || pp->ncomps < 3))
		return PK_NOT_MINE;
	if (library)
		first = 2;
	Component *f = &pp->comps[first];
	bool mark = (comp_is(f, "mark") && comp_str(f) && pp->ncomps == first + 1) ||
		    (comp_is(f, "provider") && comp_str(f) && pp->ncomps == first + 2 &&
		     comp_is(&pp->comps[first + 1], "mark") &&
		     comp_str(&pp->comps[first + 1]));
	bool plt = comp_is(f, "plt") && (!f->arg || comp_str(f)) &&
		   (pp->ncomps == first + 1 ||
		    (pp->ncomps == first + 2 && comp_is(&pp->comps[first + 1], "return") &&
		     !pp->comps[first + 1].arg));
	if (!mark && !plt && !comp_is(f, "function") && !comp_is(f, "statement"))
		return PK_NOT_MINE;
	Vec paths, libs = {0};
	int64_t pid;
	if (!process_target(c0, pp->optional, &paths, &pid))
		return pp->optional ? PK_MATCHED : PK_ERROR;
	const char *lib = library ? pp->comps[1].arg->str : NULL;
	bool lib_glob = lib && strpbrk(lib, "*?[");
	if (library && !lib_glob) {
		libs = uprobe_paths(lib, true, pp->optional ? NULL : pp->comps[1].tok);
		if (!libs.len)
			return pp->optional ? PK_MATCHED : PK_ERROR;
	}
	int before = sess->derived.len, rc = PK_NO_MATCH;
	for (int i = 0; i < paths.len; i++) {
		if (lib_glob)
			libs = needed_matching(vec_get(&paths, i), lib);
		for (int j = 0; j < (library ? libs.len : 1); j++) {
			const char *proc = library ? vec_get(&paths, i) : NULL;
			const char *obj = library ? vec_get(&libs, j) : vec_get(&paths, i);
			int e = sess->semantic_errors;
			int one = mark ? match_mark(r, pp, first, obj, proc) :
				  plt ? match_plt(r, pp, first, obj, proc) :
				  match_user_dwarf(r, pp, first, obj, proc,
						   format("process(\"%s\")", obj));
			if (one == PK_ERROR || sess->semantic_errors > e)
				return PK_ERROR;
			if (one == PK_MATCHED)
				rc = PK_MATCHED;
		}
	}
	for (int i = before; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		if (d->kind == &pk_uprobe)
			d->kp.pid = pid;
	}
	return rc == PK_NO_MATCH && pp->optional ? PK_MATCHED : rc;
}

/* -p2: where the probe sits in its object, as SystemTap shows it (a
 * shared object's addresses are relative to its load address) */
/* The '?' or '!' of the point D was matched from, as -p2 shows it. */
static const char *marker(DerivedProbe *d)
{
	size_t n = strlen(d->point);
	return n && (d->point[n - 1] == '?' || d->point[n - 1] == '!') ?
	       d->point + n - 1 : "";
}

static char *p2_comment(DerivedProbe *d)
{
	KprobeSite *k = &d->kp;
	if (!k->dw_pc)
		return NULL;
	if (k->elf_type == ET_DYN)
		return format("%s /* pc=.dynamic+0x%llx */", marker(d),
			      (unsigned long long)k->dw_pc);
	/* a fixed-address executable: from its first segment */
	return format("%s /* pc=.absolute+0x%llx */", marker(d),
		      (unsigned long long)(k->dw_pc - dw_user_base(k->module)));
}

/* -p2 and -l: a .library probe as the process's */
static char *lib_form(DerivedProbe *d)
{
	const char *pfx = format("process(\"%s\")", d->kp.module);
	if (!d->kp.proc || strncmp(d->pp, pfx, strlen(pfx)))
		return d->pp;
	return format("process(\"%s\").library(\"%s\")%s", d->kp.proc,
		      d->kp.module, d->pp + strlen(pfx));
}

static char *p2_origin(DerivedProbe *d)
{
	return format("%s%s%s", lib_form(d), dw_label_suffix(d), marker(d));
}

static char *list_line(DerivedProbe *d, bool with_vars)
{
	if (d->kp.plt_name)
		return format("process(\"%s\").plt(\"%s\")%s", d->kp.module,
			      d->kp.plt_name, d->kp.is_return ? ".return" : "");
	if (d->kp.sdt_name) {
		/* a marker: one $argN:long for each of its arguments */
		StrBuf sb = {0};
		sb_printf(&sb, "process(\"%s\").mark(\"%s\")", d->kp.module,
			  d->kp.sdt_name);
		const char *a = d->kp.sdt_args;
		for (int i = 1; a && *a; i++) {
			a += strspn(a, " ");
			if (!*a)
				break;
			if (with_vars)
				sb_printf(&sb, " $arg%d:long", i);
			a += strcspn(a, " ");
		}
		char *line = arena_strdup(sb.buf);
		sb_release(&sb);
		return line;
	}
	return dw_site_list_line(d, lib_form(d), with_vars);
}

static void emit_code(StrBuf *code, DerivedProbe *d, bool first_use,
		      const char *entry_fn)
{
	if (first_use)
		sb_printf(code, "STP_UPROBE_HANDLERS(%s, %s)\n", d->wrapper,
			  d->wrapper);
	if (entry_fn)
		sb_printf(code, "STP_URETPROBE_ENTRY(%s, %s, %s)\n", d->wrapper,
			  d->wrapper, entry_fn);
}

static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		Node **saved;
		if (d->kp.is_return && tvar_entry_nodes(d, &saved) > 0)
			fprintf(out, "static struct { struct stp_uslot_head h; struct stp_ent_%d d; } stp_uslots_%d[STP_UPROBE_ENTRY_SLOTS];\n",
				d->index, d->index);
	}
	fputs("static struct stp_uprobe _stp_uprobes[] = {\n", out);
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		KprobeSite *k = &d->kp;
		Node **saved;
		bool ent = k->is_return && tvar_entry_nodes(d, &saved) > 0;
		fprintf(out, "\t{ .probe = &_stp_probes[%d], .path = %s, .offset = 0x%" PRIx64
			", .sema = 0x%" PRIx64 ", .ret = %d, .optional = %d, .pid = %lld",
			d->index, c_string(k->module), (uint64_t)k->offset,
			(uint64_t)k->sema, k->is_return, d->optional, (long long)k->pid);
		if (k->proc)
			fprintf(out, ", .proc = %s", c_string(k->proc));
		if (ent)
			fprintf(out, ", .handler = %s_ue, .ret_handler = %s_urd, .slots = stp_uslots_%d, .slot_size = sizeof(stp_uslots_%d[0])",
				d->wrapper, d->wrapper, d->index, d->index);
		else
			fprintf(out, ", .%s = %s_%s", k->is_return ? "ret_handler" : "handler",
				d->wrapper, k->is_return ? "ur" : "uh");
		fputs(" },\n", out);
	}
	fputs("\t{ }\n};\n", out);
	sb_puts(groups, "\tSTP_PROBE_GROUP(uprobes, _stp_uprobes),\n");
}

const ProbeKind pk_uprobe = {
	.name = "uprobe",
	.families = (const char *const[]){ "process", NULL },
	.types = (const char *const[]){
		"process.function(string)",
		"process.function(string).call",
		"process.function(string).inline",
		"process.function(string).return",
		"process.library(string).function(string)",
		"process.library(string).function(string).call",
		"process.library(string).function(string).inline",
		"process.library(string).function(string).return",
		"process.library(string).statement(number)",
		"process.library(string).statement(number).nearest",
		"process.library(string).statement(string)",
		"process.library(string).statement(string).nearest",
		"process.statement(number)",
		"process.statement(number).nearest",
		"process.statement(string)",
		"process.statement(string).nearest",
		"process(number).function(string)",
		"process(number).function(string).call",
		"process(number).function(string).inline",
		"process(number).function(string).return",
		"process(number).statement(number)",
		"process(number).statement(number).absolute",
		"process(number).statement(number).nearest",
		"process(number).statement(string)",
		"process(number).statement(string).nearest",
		"process(string).function(string)",
		"process(string).function(string).call",
		"process(string).function(string).inline",
		"process(string).function(string).return",
		"process(string).library(string).function(string)",
		"process(string).library(string).function(string).call",
		"process(string).library(string).function(string).inline",
		"process(string).library(string).function(string).return",
		"process(string).library(string).statement(number)",
		"process(string).library(string).statement(number).nearest",
		"process(string).library(string).statement(string)",
		"process(string).library(string).statement(string).nearest",
		"process(string).statement(number)",
		"process(string).statement(number).nearest",
		"process(string).statement(string)",
		"process(string).statement(string).nearest",
		"process.plt", "process.plt.return", "process.plt(string)",
		"process.plt(string).return",
		"process.library(string).plt", "process.library(string).plt.return",
		"process.library(string).plt(string)",
		"process.library(string).plt(string).return",
		"process(number).plt", "process(number).plt.return",
		"process(number).plt(string)", "process(number).plt(string).return",
		"process(string).plt", "process(string).plt.return",
		"process(string).plt(string)", "process(string).plt(string).return",
		"process(string).library(string).plt",
		"process(string).library(string).plt.return",
		"process(string).library(string).plt(string)",
		"process(string).library(string).plt(string).return",
		"process.mark(string)", "process.provider(string).mark(string)",
		"process.library(string).mark(string)",
		"process.library(string).provider(string).mark(string)",
		"process(number).mark(string)",
		"process(number).provider(string).mark(string)",
		"process(string).mark(string)",
		"process(string).provider(string).mark(string)",
		"process(string).library(string).mark(string)",
		"process(string).library(string).provider(string).mark(string)",
		NULL,
	},
	.match = match_uprobe,
	.list_line = list_line,
	.p2_comment = p2_comment,
	.p2_origin = p2_origin,
	.runtime_header = "stp_uprobe.h",
	.emit_code = emit_code,
	.emit_tables = emit_tables,
};

/* ------------------------------------------------------------------ */
/* Process events (runtime/stp_utask.h):
 *   process[("PATH"|PID)].begin, .end, .thread.begin, .thread.end,
 *   .syscall, .syscall.return */

static const char *const utask_events[] = {
	"begin", "end", "thread.begin", "thread.end", "syscall",
	"syscall.return", NULL,
};

static int match_utask(Resolution *r, ProbePoint *pp)
{
	Component *c0 = &pp->comps[0];
	if (!comp_is(c0, "process") || pp->ncomps < 2 || pp->ncomps > 3)
		return PK_NOT_MINE;
	StrBuf ev = {0};
	for (int i = 1; i < pp->ncomps; i++) {
		if (pp->comps[i].arg) {
			sb_release(&ev);
			return PK_NOT_MINE;
		}
		sb_printf(&ev, "%s%s", i > 1 ? "." : "", pp->comps[i].name);
	}
	int type = -1;
	for (int i = 0; utask_events[i]; i++)
		if (!strcmp(ev.buf, utask_events[i]))
			type = i;
	sb_release(&ev);
	if (type < 0)
		return PK_NOT_MINE;
	Vec paths = {0};
	int64_t pid = 0;
	Token *tok = pp->optional ? NULL : c0->tok;
	if (comp_str(c0)) {
		paths = uprobe_paths(c0->arg->str, false, tok);
		if (!paths.len)
			return pp->optional ? PK_MATCHED : PK_ERROR;
	} else {
		if (comp_num(c0)) {
			pid = c0->arg->val;
			if (!sess->remote && !pid_exe(pid, tok))
				return pp->optional ? PK_MATCHED : PK_ERROR;
		}
		vec_push(&paths, NULL);
	}
	for (int i = 0; i < paths.len; i++) {
		char *path = vec_get(&paths, i);
		char *pps = path ? format("process(\"%s\").%s", path, utask_events[type]) :
			    comp_num(c0) ? format("process(%lld).%s", (long long)pid,
						  utask_events[type]) :
			    format("process.%s", utask_events[type]);
		DerivedProbe *d = derived_new(r, &pk_utask, pp, pps);
		d->kp.module = path;
		d->kp.pid = pid;
		d->kp.maxactive = type;         /* the event (STP_UT_*) */
		d->kp.user = true;
	}
	return PK_MATCHED;
}

/* (SystemTap lists the same variables for every event; .syscall.return
 * has $return too) */
static char *utask_list_line(DerivedProbe *d, bool with_vars)
{
	if (!with_vars)
		return d->pp;
	return format("%s $syscall:long $arg1:long $arg2:long $arg3:long $arg4:long $arg5:long $arg6:long",
		      d->pp);
}

static void utask_emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	static const char *const types[] = {
		"STP_UT_BEGIN", "STP_UT_END", "STP_UT_THREAD_BEGIN",
		"STP_UT_THREAD_END", "STP_UT_SYSCALL", "STP_UT_SYSCALL_RETURN",
	};
	fputs("static struct stp_utask _stp_utasks[] = {\n", out);
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		fprintf(out, "\t{ .probe = &_stp_probes[%d], .type = %s, .path = %s, .pid = %lld, .fn = %s },\n",
			d->index, types[d->kp.maxactive],
			d->kp.module ? c_string(d->kp.module) : "NULL",
			(long long)d->kp.pid, d->wrapper);
	}
	fputs("\t{ }\n};\n", out);
	sb_puts(groups, "\tSTP_PROBE_GROUP(utasks, _stp_utasks),\n");
}

const ProbeKind pk_utask = {
	.name = "utask",
	.families = (const char *const[]){ "process", NULL },
	.types = (const char *const[]){
		"process.begin", "process.end", "process.syscall",
		"process.syscall.return", "process.thread.begin",
		"process.thread.end",
		"process(number).begin", "process(number).end",
		"process(number).syscall", "process(number).syscall.return",
		"process(number).thread.begin", "process(number).thread.end",
		"process(string).begin", "process(string).end",
		"process(string).syscall", "process(string).syscall.return",
		"process(string).thread.begin", "process(string).thread.end",
		NULL,
	},
	.match = match_utask,
	.list_line = utask_list_line,
	.runtime_header = "stp_utask.h",
	.emit_tables = utask_emit_tables,
};
