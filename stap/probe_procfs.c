/*
 * probe_procfs.c - the probe kind of procfs files (runtime/stp_procfs.h).
 *
 *   procfs[("PATH")][.umask(UMASK)].read[.maxsize(MAXSIZE)]
 *   procfs[("PATH")][.umask(UMASK)].write
 *
 * A file /proc/systemtap/MODNAME/PATH (PATH "command" when not given)
 * exists while the session runs.  Reading it runs the read probe, which
 * sets the text read with $value = ... and $value .= ... (up to MAXSIZE
 * bytes, STP_PROCFS_BUFSIZE by default); each write(2) to it runs the
 * write probes (one file may have several) with the bytes written in
 * $value.  The mode is 0444 for a
 * file with a read probe, 0222 with a write probe, 0666 with both, less
 * UMASK (default 066): 0400, 0200, 0600.  The tapset's prometheus and
 * json_data are aliases of read probes.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

/* SystemTap's checks of PATH, in its words; NULL if fine. */
static const char *bad_path(const char *path)
{
	if (!path[0] || path[strlen(path) - 1] == '/')
		return "procfs path cannot end with a '/'";
	if (path[0] == '/')
		return "procfs path cannot start with a '/'";
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2)))
			return "procfs path cannot be relative (and contain '.' or '..')";
		if (n == 0)
			return "procfs path cannot contain an empty component";
		for (size_t i = 0; i < n; i++)
			if (!(p[i] == '_' || p[i] == '-' || p[i] == '.' ||
			      (p[i] >= 'a' && p[i] <= 'z') ||
			      (p[i] >= 'A' && p[i] <= 'Z') ||
			      (p[i] >= '0' && p[i] <= '9')))
				return "procfs path components may contain only letters, digits, '_', '-' and '.'";
		p += n;
		if (*p == '/')
			p++;
	}
	return NULL;
}

static int match_procfs(Resolution *r, ProbePoint *pp)
{
	Component *c0 = &pp->comps[0];
	if (c0->arg && !comp_str(c0))
		return PK_NOT_MINE;
	int i = 1;
	int64_t umask = -1, maxsize = -1;
	if (i < pp->ncomps && comp_is(&pp->comps[i], "umask")) {
		if (!comp_num(&pp->comps[i]))
			return PK_NOT_MINE;
		umask = pp->comps[i++].arg->val;
	}
	if (i >= pp->ncomps)
		return PK_NOT_MINE;
	Component *op = &pp->comps[i++];
	bool write;
	if (comp_is(op, "read") && !op->arg)
		write = false;
	else if (comp_is(op, "write") && !op->arg)
		write = true;
	else
		return PK_NOT_MINE;
	if (!write && i < pp->ncomps &&
	    comp_is(&pp->comps[i], "maxsize")) {
		if (!comp_num(&pp->comps[i]))
			return PK_NOT_MINE;
		maxsize = pp->comps[i++].arg->val;
	}
	if (i != pp->ncomps)
		return PK_NOT_MINE;
	const char *path = c0->arg ? c0->arg->str : "command";
	const char *why = bad_path(path);
	if (why) {
		resolve_error(c0->tok, c0->tok, "%s", why);
		return PK_ERROR;
	}
	if (maxsize == 0 || maxsize > 1 << 24) {
		semantic_error(c0->tok, "procfs maxsize must be between 1 and 16777216");
		return PK_ERROR;
	}
	if (umask > 0777) {
		semantic_error(c0->tok, "invalid procfs umask 0%llo",
			       (unsigned long long)umask);
		return PK_ERROR;
	}
	/* Several write probes may share a file (input.char and input.line
	 * both on __stdin): each write runs them all. */
	for (int j = 0; !write && j < sess->derived.len; j++) {
		DerivedProbe *o = vec_get(&sess->derived, j);
		if (o->kind == &pk_procfs && !o->procfs.write &&
		    !strcmp(o->procfs.path, path)) {
			semantic_error(NULL, "only one read procfs probe can exist for procfs path \"%s\"",
				       path);
			return PK_ERROR;
		}
	}
	DerivedProbe *d = derived_new(r, &pk_procfs, pp, probe_point_name(pp));
	d->procfs.path = (char *)path;
	d->procfs.write = write;
	d->procfs.umask = umask;
	d->procfs.maxsize = maxsize;
	if (write && !strcmp(path, "__stdin"))
		sess->uses_stdin = true;	/* input.char, input.line */
	return PK_MATCHED;
}

/* The files: one entry per path with its read and write probes, after an
 * entry for each directory its path needs (parents first). */
typedef struct ProcFile {
	const char *path;
	int parent;             /* index of its directory's entry, or -1 */
	bool dir;
	DerivedProbe *rd;
	Vec wr;                 /* its write probes */
} ProcFile;

static int file_index(Vec *files, const char *path, size_t len, bool dir)
{
	for (int i = 0; i < files->len; i++) {
		ProcFile *f = vec_get(files, i);
		if (f->dir == dir && strlen(f->path) == len &&
		    !strncmp(f->path, path, len))
			return i;
	}
	int parent = -1;
	const char *slash = memrchr(path, '/', len);
	if (slash)
		parent = file_index(files, path, slash - path, true);
	ProcFile *f = arena_alloc(sizeof(*f));
	f->path = arena_strndup(path, len);
	f->parent = parent;
	f->dir = dir;
	vec_push(files, f);
	return files->len - 1;
}

static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	Vec files = {0};
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		const char *p = d->procfs.path;
		int k = file_index(&files, p, strlen(p), false);
		ProcFile *f = vec_get(&files, k);
		if (d->procfs.write)
			vec_push(&f->wr, d);
		else
			f->rd = d;
	}
	fputs("static struct stp_procfs _stp_procfs_files[] = {\n", out);
	for (int i = 0; i < files.len; i++) {
		ProcFile *f = vec_get(&files, i);
		const char *name = strrchr(f->path, '/');
		name = name ? name + 1 : f->path;
		if (f->dir) {
			fprintf(out, "\t{ .name = %s, .parent = %d, .dir = 1, .mode = 0555 },\n",
				c_string(name), f->parent);
			continue;
		}
		DerivedProbe *wr = f->wr.len ? vec_get(&f->wr, 0) : NULL;
		int mode = (f->rd ? 0444 : 0) | (wr ? 0222 : 0);
		int64_t umask = f->rd && f->rd->procfs.umask >= 0 ? f->rd->procfs.umask :
				wr && wr->procfs.umask >= 0 ? wr->procfs.umask : 066;
		int64_t size = f->rd && f->rd->procfs.maxsize > 0 ?
			       f->rd->procfs.maxsize : 0;
		fprintf(out, "\t{ .name = %s, .parent = %d, .mode = 0%o",
			c_string(name), f->parent, (int)(mode & ~umask));
		if (f->rd)
			fprintf(out, ", .read = &_stp_probes[%d]", f->rd->index);
		if (wr) {
			fputs(", .write = (const struct stp_probe *const[]){ ", out);
			for (int j = 0; j < f->wr.len; j++) {
				DerivedProbe *w = vec_get(&f->wr, j);
				fprintf(out, "&_stp_probes[%d], ", w->index);
			}
			fputs("NULL }", out);
		}
		if (size)
			fprintf(out, ", .bufsize = %" PRId64, size);
		fputs(" },\n", out);
	}
	fputs("\t{ }\n};\n", out);
	sb_puts(groups, "\tSTP_PROBE_GROUP(procfs, _stp_procfs_files),\n");
}

const ProbeKind pk_procfs = {
	.name = "procfs",
	.families = (const char *const[]){ "procfs", NULL },
	.types = (const char *const[]){
		"procfs(string).read", "procfs(string).read.maxsize(number)",
		"procfs(string).umask(number).read",
		"procfs(string).umask(number).read.maxsize(number)",
		"procfs(string).umask(number).write", "procfs(string).write",
		"procfs.read", "procfs.read.maxsize(number)",
		"procfs.umask(number).read",
		"procfs.umask(number).read.maxsize(number)",
		"procfs.umask(number).write", "procfs.write",
		NULL,
	},
	.match = match_procfs,
	.runtime_header = "stp_procfs.h",
	.emit_tables = emit_tables,
};
