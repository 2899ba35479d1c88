/*
 * probe_trace.c - the probe kind of tracepoints (runtime/stp_tracepoint.h):
 *
 *   kernel.trace("[SYSTEM:]NAME")      globs allowed in both parts
 *
 * The handler runs with the tracepoint's arguments as $variables
 * (tvar.c), and $$name, $$system, $$vars, $$parms.
 * Which tracepoints there are, and their arguments: every tracepoint
 * NAME of the kernel image has a function __traceiter_NAME(void *__data,
 * ARGS...), whose prototype the kernel's BTF describes, names included.
 * So kernel.trace probes and their $arguments need no debuginfo at all.
 *
 * The system (the "sched" of sched:sched_switch) is the TRACE_SYSTEM of
 * the header that declared the event.  The kernel keeps it as data:
 * __event_NAME (in the _ftrace_events table) points to the event's
 * struct trace_event_call, whose ->class->system is the string.  With the DWARF vmlinux (which holds the
 * initialized data and the symbol table) we read it from there; without,
 * from the running kernel's tracefs when the session's kernel is the
 * running one.  Otherwise the system is unknown: probes then match by
 * name only and print as kernel.trace("NAME").
 */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "stap.h"

#define ITER_PREFIX "__traceiter_"

static TraceEvent *events;
static int nevents = -1;
/* The entry code of the sys_exit probes using @entry (translate.c's
 * gen_entry_fn): the derived probe and its function. */
static Vec entry_fns;           /* DerivedProbe* */
static Vec entry_names;         /* char* */

static void add_event(const char *name, CType *proto, void *arg)
{
	Vec *v = arg;
	TraceEvent *e = arena_alloc(sizeof(*e));
	e->name = arena_strdup(name + strlen(ITER_PREFIX));
	e->proto = proto;
	vec_push(v, e);
}

static int cmp_event(const void *a, const void *b)
{
	return strcmp(((const TraceEvent *)a)->name,
		      ((const TraceEvent *)b)->name);
}

static TraceEvent *find_event(const char *name)
{
	TraceEvent key = { .name = name };
	return bsearch(&key, events, nevents, sizeof(*events), cmp_event);
}

/* The bytes at link-time address ADDR of ELF, or NULL. */
static const char *elf_at(Elf *elf, uint64_t addr, size_t need)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) || addr < sh.sh_addr ||
		    addr + need > sh.sh_addr + sh.sh_size)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || addr - sh.sh_addr + need > d->d_size)
			return NULL;
		return (const char *)d->d_buf + (addr - sh.sh_addr);
	}
	return NULL;
}

static uint64_t member_offset(const char *type, const char *member, uint64_t dflt)
{
	CType *t = btf_find_type(type);
	CMember m;
	if (t && ct_find_member(t, member, &m))
		return m.bit_offset / 8;
	return dflt;
}

/* Systems from the vmlinux: __event_NAME->class->system. */
static bool systems_from_elf(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool found = false;
	Elf_Scn *scn = NULL;
	uint64_t class_off = member_offset("struct trace_event_call", "class", 16);
	uint64_t system_off = member_offset("struct trace_event_class", "system", 0);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; d && i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_OBJECT)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || strncmp(name, "__event_", 8))
				continue;
			TraceEvent *e = find_event(name + 8);
			if (!e || e->system)
				continue;
			/* __event_NAME points to event_NAME, the call */
			uint64_t call, cls, sys;
			const char *p = elf_at(elf, sym.st_value, 8);
			if (!p)
				continue;
			memcpy(&call, p, 8);
			if (!(p = elf_at(elf, call + class_off, 8)))
				continue;
			memcpy(&cls, p, 8);
			if (!(p = elf_at(elf, cls + system_off, 8)))
				continue;
			memcpy(&sys, p, 8);
			const char *str = elf_at(elf, sys, 1);
			if (str && memchr(str, '\0', 64)) {
				e->system = arena_strdup(str);
				found = true;
			}
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return found;
}

/* A tracepoint with no event (DECLARE_TRACE: sched's pelt_cfs_tp...):
 * its system is the name of the header under include/trace/events/
 * that declared it, the file of __traceiter_NAME in the DWARF. */
static void header_system(DwIndex *idx, const DwEntry *ent, void *arg)
{
	TraceEvent *e = arg;
	const char *f = dw_str(idx, ent->file), *p;
	if (e->system || !f || !(p = strstr(f, "trace/events/")))
		return;
	p += strlen("trace/events/");
	const char *dot = strrchr(p, '.');
	if (dot && !strcmp(dot, ".h") && !strchr(p, '/'))
		e->system = arena_strndup(p, dot - p);
}

static void systems_from_headers(void)
{
	DwIndex *idx = dw_index(NULL);
	for (int i = 0; idx && i < nevents; i++)
		if (!events[i].system)
			dw_match(idx, format(ITER_PREFIX "%s", events[i].name),
				 NULL, 0, header_system, &events[i]);
}

/* Systems from the running kernel's tracefs: events/SYSTEM/NAME/. */
static bool systems_from_tracefs(void)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events",
	};
	struct utsname u;
	if (uname(&u) != 0 || strcmp(u.release, sess->kernel_release))
		return false;
	for (size_t r = 0; r < sizeof(roots) / sizeof(*roots); r++) {
		DIR *top = opendir(roots[r]);
		if (!top)
			continue;
		struct dirent *s;
		while ((s = readdir(top))) {
			if (s->d_name[0] == '.')
				continue;
			char *sub = format("%s/%s", roots[r], s->d_name);
			DIR *dir = opendir(sub);
			struct dirent *ev;
			while (dir && (ev = readdir(dir))) {
				TraceEvent *e = find_event(ev->d_name);
				if (e && !e->system)
					e->system = arena_strdup(s->d_name);
			}
			if (dir)
				closedir(dir);
		}
		closedir(top);
		return true;
	}
	return false;
}

static int trace_events(TraceEvent **out)
{
	if (nevents < 0) {
		Vec v = {0};
		nevents = 0;
		if (btf_foreach_func(ITER_PREFIX, add_event, &v) > 0) {
			events = arena_alloc(sizeof(*events) * v.len);
			for (int i = 0; i < v.len; i++)
				events[i] = *(TraceEvent *)vec_get(&v, i);
			nevents = v.len;
			qsort(events, nevents, sizeof(*events), cmp_event);
			Dwarf *dw = dw_open(sess, NULL);
			if (dw && systems_from_elf(dw_path(NULL)))
				systems_from_headers();
			else
				systems_from_tracefs();
		}
	}
	*out = events;
	return nevents;
}

static int trace_match(const char *pattern, void (*fn)(TraceEvent *e, void *arg),
		void *arg)
{
	TraceEvent *ev;
	int n = trace_events(&ev), count = 0;
	const char *colon = strchr(pattern, ':');
	char *sys = colon ? arena_strndup(pattern, colon - pattern) : NULL;
	const char *name = colon ? colon + 1 : pattern;
	for (int i = 0; i < n; i++) {
		TraceEvent *e = &ev[i];
		if (fnmatch(name, e->name, 0) != 0)
			continue;
		if (sys && fnmatch(sys, e->system ? e->system : "", 0) != 0)
			continue;
		fn(e, arg);
		count++;
	}
	return count;
}

static char *trace_pp(TraceEvent *e)
{
	if (e->system)
		return format("kernel.trace(\"%s:%s\")", e->system, e->name);
	return format("kernel.trace(\"%s\")", e->name);
}

void trace_reset(void)
{
	events = NULL;
	nevents = -1;
	entry_fns = (Vec){0};
	entry_names = (Vec){0};
}

/* ------------------------------------------------------------------ */
/* The probe kind */

typedef struct TraceMatch {
	Resolution *ctx;
	ProbePoint *pp;
	int count;
} TraceMatch;

static void add_trace_probe(TraceEvent *e, void *arg)
{
	TraceMatch *m = arg;
	DerivedProbe *d = derived_new(m->ctx, &pk_trace, m->pp, trace_pp(e));
	d->trace.tp = e;
	d->func = (char *)e->name;
	m->count++;
}

/* "no match (similar tracepoints: a, b)": the five closest names */
static char *similar_tracepoints(const char *pattern)
{
	TraceEvent *ev;
	int n = trace_events(&ev), k = 0;
	const char *colon = strchr(pattern, ':');
	const char *want = colon ? colon + 1 : pattern;
	StrBuf sb = {0};
	int limit = strlen(want) / 2 + 1;
	for (int d = 1; d <= limit && k < 5; d++)
		for (int i = 0; i < n && k < 5; i++)
			if (edit_distance(want, ev[i].name) == d)
				sb_printf(&sb, "%s%s", k++ ? ", " : "", ev[i].name);
	char *r = k ? arena_strdup(sb.buf) : NULL;
	sb_release(&sb);
	return r;
}

static int match_trace(Resolution *ctx, ProbePoint *pp)
{
	Component *t = &pp->comps[1];
	if (pp->ncomps != 2 || !comp_is(t, "trace") || !comp_str(t))
		return PK_NOT_MINE;
	TraceEvent *ev;
	if (trace_events(&ev) == 0) {
		if (pp->optional)
			return PK_MATCHED;
		semantic_error2(t->tok, ctx->user->tok,
				format("no tracepoints: kernel.trace needs the BTF of kernel %s, found in neither /sys/kernel/btf/vmlinux nor its image",
				       sess->kernel_release),
				"while resolving probe point");
		return PK_ERROR;
	}
	TraceMatch m = { ctx, pp, 0 };
	trace_match(t->arg->str, add_trace_probe, &m);
	if (m.count)
		return PK_MATCHED;
	if (pp->optional)
		return PK_MATCHED;
	if (strpbrk(t->arg->str, "*?["))
		return PK_NO_MATCH;
	char *sim = similar_tracepoints(t->arg->str);
	semantic_error(pp->tok, "while resolving probe point");
	if (sim)
		semantic_error(NULL, "no match (similar tracepoints: %s)", sim);
	else
		semantic_error(NULL, "no match");
	return PK_ERROR;
}

/*
 * kernel.function("PAT")[.call|.return[.maxactive(N)]]
 * kprobe.function("NAME")[.call|.return[.maxactive(N)]]
 */

/* -L: the point and its arguments, "$prev:struct task_struct*" */
static char *list_line(DerivedProbe *d, bool with_vars)
{
	if (!with_vars)
		return d->pp;
	StrBuf sb = {0};
	sb_puts(&sb, d->pp);
	CType *proto = d->trace.tp->proto;
	for (int k = 1; k < proto->nparams; k++)
		sb_printf(&sb, " $%s:%s", proto->params[k].name,
			  ct_listing_name(proto->params[k].type));
	char *line = arena_strdup(sb.buf);
	sb_release(&sb);
	return line;
}

bool trace_is_sys_exit(DerivedProbe *d)
{
	return d && d->kind == &pk_trace && !strcmp(d->trace.tp->name, "sys_exit") &&
	       (!d->trace.tp->system || !strcmp(d->trace.tp->system, "raw_syscalls"));
}

static const char *entry_fn_of(DerivedProbe *d)
{
	for (int i = 0; i < entry_fns.len; i++)
		if (vec_get(&entry_fns, i) == d)
			return vec_get(&entry_names, i);
	return NULL;
}

static void emit_code(StrBuf *code, DerivedProbe *d, bool new_wrapper,
		      const char *entry_fn)
{
	(void)code;
	(void)new_wrapper;
	if (entry_fn && trace_is_sys_exit(d)) {
		vec_push(&entry_fns, d);
		vec_push(&entry_names, (void *)entry_fn);
	}
}

/* A probe function of the tracepoint's shape for each probe (its
 * arguments as unsigned longs, the handler's entry data), and the table.
 * A sys_exit probe with @entry values has a sys_enter one too, which
 * saves them in the task's slot (runtime/stp_tp_entry.h). */
static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		int n = d->trace.tp->proto->nparams - 1;
		const char *ent = entry_fn_of(d);
		fprintf(out, "static void stp_tp_%d(void *__data", d->index);
		for (int k = 0; k < n; k++)
			fprintf(out, ", unsigned long a%d", k);
		fprintf(out, ")\n{\n\tunsigned long args[] = { 0");
		for (int k = 0; k < n; k++)
			fprintf(out, ", a%d", k);
		fputs(" };\n\n", out);
		if (ent)
			fprintf(out, "\tif (!stp_tpslot_%d(0))\n\t\treturn;\n", d->index);
		fprintf(out, "\t_stp_run_probe_data(&_stp_probes[%d], NULL, 0, %s, args + 1);\n",
			d->index, d->wrapper);
		if (ent)
			fprintf(out, "\tstp_tpslot_%d(-1);\n", d->index);
		fputs("}\n\n", out);
		if (ent)        /* sys_enter(struct pt_regs *regs, long id) */
			fprintf(out, "static void stp_tpe_%d(void *__data, unsigned long a0, unsigned long a1)\n"
				"{\n\tunsigned long args[] = { 0, a0, a1 };\n\n"
				"\t_stp_run_probe_data(&_stp_probes[%d], NULL, 0, %s, args + 1);\n}\n\n",
				d->index, d->index, ent);
	}
	fputs("static struct stp_tracepoint _stp_tracepoints[] = {\n", out);
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		if (entry_fn_of(d))
			fprintf(out, "\t{ .probe = &_stp_probes[%d], .name = \"sys_enter\", .fn = stp_tpe_%d },\n",
				d->index, d->index);
		fprintf(out, "\t{ .probe = &_stp_probes[%d], .name = %s, .fn = stp_tp_%d },\n",
			d->index, c_string(d->trace.tp->name), d->index);
	}
	fputs("\t{ }\n};\n", out);
	sb_puts(groups, "\tSTP_PROBE_GROUP(tracepoints, _stp_tracepoints),\n");
}

const ProbeKind pk_trace = {
	.name = "tracepoint",
	.families = (const char *const[]){ "kernel", NULL },
	.types = (const char *const[]){ "kernel.trace(string)", NULL },
	.match = match_trace,
	.list_line = list_line,
	.runtime_header = "stp_tracepoint.h",
	.emit_code = emit_code,
	.emit_tables = emit_tables,
};
