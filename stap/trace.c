/*
 * trace.c - the kernel's tracepoints, for kernel.trace("[SYSTEM:]NAME").
 *
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

int trace_events(TraceEvent **out)
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

int trace_match(const char *pattern, void (*fn)(TraceEvent *e, void *arg),
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

char *trace_pp(TraceEvent *e)
{
	if (e->system)
		return format("kernel.trace(\"%s:%s\")", e->system, e->name);
	return format("kernel.trace(\"%s\")", e->name);
}

void trace_reset(void)
{
	events = NULL;
	nevents = -1;
}
