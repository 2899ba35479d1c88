/*
 * ksym.c - kernel text symbols without debuginfo.
 *
 * kernel.function("NAME") and kprobe.function("NAME") are resolved by
 * name: the module registers its kprobes by symbol name, so the kernel
 * applies the KASLR offset itself.  The symbol list only serves to check
 * names and expand wildcards at compile time.  It comes from System.map
 * of the target kernel, or /proc/kallsyms when that is the running one.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "stap.h"

static char **syms;
static int nsyms;
static bool loaded;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Symbols the kernel never lets kprobes on, or that are not functions. */
static bool blocked(const char *name)
{
	static const char *prefixes[] = {
		"__pfx_", "__cfi_", "__kstrtab", "__ksymtab", "__kcrctab",
		"__this_module", "__UNIQUE_ID", "__initcall", "__setup_",
		"__param_", "__exitcall", NULL,
	};
	for (int i = 0; prefixes[i]; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static bool load_map(const char *path)
{
	char *text = read_file(path, NULL);
	if (!text)
		return false;
	Vec v = {0};
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		/* "ffffffff81000000 T name [module]" */
		char *sp1 = strchr(line, ' ');
		if (sp1 && sp1[1] && sp1[2] == ' ') {
			char type = sp1[1];
			char *name = sp1 + 3;
			char *tab = strpbrk(name, "\t ");
			if (tab)
				*tab = '\0';
			if ((type == 'T' || type == 't' || type == 'W' ||
			     type == 'w') && !blocked(name) && !tab &&
			    !strchr(name, '.'))
				vec_push(&v, name);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (v.len == 0)
		return false;
	syms = (char **)v.data;
	nsyms = v.len;
	qsort(syms, nsyms, sizeof(*syms), cmp_str);
	/* drop duplicates (static functions of the same name) */
	int j = 0;
	for (int i = 0; i < nsyms; i++)
		if (j == 0 || strcmp(syms[j - 1], syms[i]))
			syms[j++] = syms[i];
	nsyms = j;
	return true;
}

bool ksym_load(void)
{
	if (loaded)
		return nsyms > 0;
	loaded = true;
	const char *rel = sess->kernel_release;
	const char *home = getenv("HOME");
	const char *cache = getenv("STAPVM_CACHE");
	char *paths[] = {
		format("/boot/System.map-%s", rel),
		format("/lib/modules/%s/System.map", rel),
		sess->kernel_build_tree ? format("%s/System.map", sess->kernel_build_tree) : NULL,
		cache ? format("%s/%s/System.map", cache, rel) : NULL,
		home ? format("%s/.cache/stapvm/%s/System.map", home, rel) : NULL,
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (paths[i] && load_map(paths[i]))
			return true;
	struct utsname u;
	if (uname(&u) == 0 && !strcmp(u.release, rel) &&
	    load_map("/proc/kallsyms") && strncmp(syms[0], "0", 1))
		return true;
	return false;
}

bool ksym_exists(const char *name)
{
	if (!ksym_load())
		return false;
	return bsearch(&name, syms, nsyms, sizeof(*syms), cmp_str) != NULL;
}

int ksym_foreach(const char *pattern, void (*fn)(const char *name, void *arg),
		 void *arg)
{
	if (!ksym_load())
		return 0;
	int n = 0;
	if (!strpbrk(pattern, "*?[")) {
		if (ksym_exists(pattern)) {
			fn(pattern, arg);
			n = 1;
		}
		return n;
	}
	for (int i = 0; i < nsyms; i++) {
		if (fnmatch(pattern, syms[i], 0) == 0) {
			fn(syms[i], arg);
			n++;
		}
	}
	return n;
}
