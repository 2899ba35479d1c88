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

#include "stap.h"

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
		const char *path = getenv("PATH");
		char *list = arena_strdup(path && *path ? path : "/usr/bin:/bin");
		for (char *save = NULL, *d = strtok_r(list, ":", &save); d && !found;
		     d = strtok_r(NULL, ":", &save)) {
			char *p = format("%s/%s", *d ? d : ".", name);
			if (regular_file(p) && access(p, X_OK) == 0)
				found = p;
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
		semantic_error(tok, "while resolving probe point");
		semantic_error(NULL, "cannot find %s '%s'",
			       library ? "library" : "executable", name);
	}
	return found;
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
		semantic_error(tok, "while resolving probe point");
		semantic_error(NULL, "cannot probe pid %lld: No such process",
			       (long long)pid);
		return NULL;
	}
	buf[n] = '\0';
	return arena_strdup(buf);
}

/* What process(...) names: *PATH, and *PID for process(PID); false after
 * an error. */
static bool process_target(Resolution *r, Component *c0, char **path,
			   int64_t *pid)
{
	*pid = 0;
	*path = NULL;
	if (comp_str(c0)) {
		*path = uprobe_path(c0->arg->str, false, c0->tok);
	} else if (comp_num(c0)) {
		*pid = c0->arg->val;
		*path = pid_exe(*pid, c0->tok);
	} else if (sess->cmd) {
		*path = target_exe(c0->tok);
	} else if (sess->target_pid) {
		*pid = sess->target_pid;
		*path = pid_exe(*pid, c0->tok);
	} else {
		semantic_error(c0->tok, "while resolving probe point");
		semantic_error(NULL, "process probes without a path or pid need a -c or -x target");
		return false;
	}
	(void)r;
	return *path != NULL;
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
	if (!comp_is(f, "function") && !comp_is(f, "statement"))
		return PK_NOT_MINE;
	char *path;
	int64_t pid;
	if (!process_target(r, c0, &path, &pid))
		return pp->optional ? PK_MATCHED : PK_ERROR;
	const char *obj = path, *proc = NULL;
	if (library) {
		obj = uprobe_path(pp->comps[1].arg->str, true, pp->comps[1].tok);
		if (!obj)
			return pp->optional ? PK_MATCHED : PK_ERROR;
		proc = path;
	}
	int before = sess->derived.len;
	int rc = match_user_dwarf(r, pp, first, obj, proc,
				  format("process(\"%s\")", obj));
	for (int i = before; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		if (d->kind == &pk_uprobe)
			d->kp.pid = pid;
	}
	return rc;
}

/* -p2: where the probe sits in its object, as SystemTap shows it (a
 * shared object's addresses are relative to its load address) */
static char *p2_comment(DerivedProbe *d)
{
	KprobeSite *k = &d->kp;
	if (!k->dw_pc)
		return NULL;
	if (k->elf_type == ET_DYN)
		return format(" /* pc=.dynamic+0x%llx */", (unsigned long long)k->dw_pc);
	return format(" /* pc=0x%llx */", (unsigned long long)k->dw_pc);
}

static char *p2_origin(DerivedProbe *d)
{
	return d->pp;
}

static char *list_line(DerivedProbe *d, bool with_vars)
{
	DwIndex *idx;
	if (!with_vars || !d->kp.dw_die || !(idx = dw_index(d->kp.module)))
		return d->pp;
	StrBuf sb = {0};
	sb_puts(&sb, d->pp);
	dw_list_vars(idx, d->kp.dw_die, d->kp.dw_pc, d->kp.is_return, &sb);
	char *line = arena_strdup(sb.buf);
	sb_release(&sb);
	return line;
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
		"process.function(number)", "process.function(number).call",
		"process.function(number).return",
		"process.function(string)", "process.function(string).call",
		"process.function(string).inline",
		"process.function(string).return",
		"process.library(string).function(string)",
		"process.library(string).function(string).call",
		"process.library(string).function(string).inline",
		"process.library(string).function(string).return",
		"process.library(string).statement(string)",
		"process.statement(number)", "process.statement(number).absolute",
		"process.statement(string)", "process.statement(string).nearest",
		"process(number).function(string)",
		"process(number).function(string).call",
		"process(number).function(string).return",
		"process(number).statement(number).absolute",
		"process(number).statement(string)",
		"process(string).function(string)",
		"process(string).function(string).call",
		"process(string).function(string).inline",
		"process(string).function(string).return",
		"process(string).library(string).function(string)",
		"process(string).library(string).function(string).call",
		"process(string).library(string).function(string).inline",
		"process(string).library(string).function(string).return",
		"process(string).library(string).statement(string)",
		"process(string).statement(number)",
		"process(string).statement(number).absolute",
		"process(string).statement(string)",
		"process(string).statement(string).nearest",
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
