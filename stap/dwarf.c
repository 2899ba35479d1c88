/*
 * dwarf.c - the kernel's and modules' debuginfo: finding it, the type
 * spellings of -L, the per-kernel function index, and the probe points
 * that need DWARF (doc/dwarf.md).
 *
 * Finding debuginfo follows SystemTap: SYSTEMTAP_DEBUGINFO_PATH is a
 * colon-separated list (default "+:.debug:/usr/lib/debug:build"); a
 * leading '+' or '-' on an element is elfutils' CRC flag and is ignored;
 * an absolute directory D is a debug root searched as D/boot/vmlinux-KVER,
 * D/lib/modules/KVER/vmlinux, D/.build-id/xx/yyyy.debug and, for modules,
 * D/lib/modules/KVER/.../NAME.ko; "build" is the kernel build tree
 * (/lib/modules/KVER/build/vmlinux); an empty element or a relative one
 * (".debug") is relative to the file looked for, which for the kernel
 * means /boot/vmlinux-KVER.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stap.h"

/* ------------------------------------------------------------------ */
/* Finding debuginfo */

typedef struct DwFile {
	char *module;           /* NULL = kernel */
	char *path;             /* NULL = not found */
	int fd;
	Elf *elf;
	Dwarf *dw;
	bool tried;
} DwFile;

static Vec dw_files;            /* DwFile* */

static const char *debuginfo_path(void)
{
	const char *p = getenv("SYSTEMTAP_DEBUGINFO_PATH");
	return p && *p ? p : "+:.debug:/usr/lib/debug:build";
}

/* Is PATH an ELF file with a .debug_info section? */
static bool has_dwarf(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool ok = false;
	size_t shstrndx;
	if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		for (Elf_Scn *scn = NULL; !ok && (scn = elf_nextscn(elf, scn));) {
			GElf_Shdr sh;
			const char *name;
			if (gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS &&
			    (name = elf_strptr(elf, shstrndx, sh.sh_name)) &&
			    !strcmp(name, ".debug_info"))
				ok = true;
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return ok;
}

/* Module names compare with '-' and '_' alike. */
static bool modname_eq(const char *a, const char *b, size_t blen)
{
	size_t i = 0;
	for (; a[i] && i < blen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return false;
	}
	return !a[i] && i == blen;
}

/* Find NAME.ko[.debug] under DIR, depth-first. */
static char *find_module_file(const char *dir, const char *name, int depth)
{
	if (depth > 8)
		return NULL;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char *found = NULL;
	Vec subdirs = {0};
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		const char *ko = strstr(e->d_name, ".ko");
		if (ko && (!strcmp(ko, ".ko") || !strcmp(ko, ".ko.debug")) &&
		    modname_eq(name, e->d_name, ko - e->d_name)) {
			found = format("%s/%s", dir, e->d_name);
			break;
		}
		if (e->d_type == DT_DIR || e->d_type == DT_LNK || e->d_type == DT_UNKNOWN)
			vec_push(&subdirs, format("%s/%s", dir, e->d_name));
	}
	closedir(d);
	for (int i = 0; !found && i < subdirs.len; i++) {
		struct stat st;
		char *sub = vec_get(&subdirs, i);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			found = find_module_file(sub, name, depth + 1);
	}
	return found;
}

/* The candidates for MODULE's debuginfo, in search order. */
static Vec candidates(const char *module)
{
	const char *rel = sess->kernel_release;
	Vec out = {0};
	char *list = arena_strdup(debuginfo_path());
	for (char *save = NULL, *el = strtok_r(list, ":", &save); el;
	     el = strtok_r(NULL, ":", &save)) {
		if (*el == '+' || *el == '-')
			el++;
		if (!strcmp(el, "build")) {
			const char *bt = sess->kernel_build_tree ? sess->kernel_build_tree :
					 format("/lib/modules/%s/build", rel);
			vec_push(&out, module ? NULL : format("%s/vmlinux", bt));
			if (out.len && !vec_get(&out, out.len - 1))
				out.len--;
			continue;
		}
		if (*el != '/') {
			/* relative to the file: /boot/vmlinux-KVER itself */
			if (!module)
				vec_push(&out, format("/boot/%s%svmlinux-%s", el,
						      *el ? "/" : "", rel));
			continue;
		}
		if (!module) {
			vec_push(&out, format("%s/boot/vmlinux-%s", el, rel));
			vec_push(&out, format("%s/lib/modules/%s/vmlinux", el, rel));
		} else {
			char *f = find_module_file(format("%s/lib/modules/%s", el, rel),
						   module, 0);
			if (f)
				vec_push(&out, f);
		}
	}
	return out;
}

static bool try_open(DwFile *f, const char *path)
{
	if (!has_dwarf(path))
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Dwarf *dw = elf ? dwarf_begin_elf(elf, DWARF_C_READ, NULL) : NULL;
	if (!dw) {
		if (elf)
			elf_end(elf);
		close(fd);
		return false;
	}
	f->path = arena_strdup(path);
	f->fd = fd;
	f->elf = elf;
	f->dw = dw;
	return true;
}

static DwFile *dw_file(const char *module)
{
	for (int i = 0; i < dw_files.len; i++) {
		DwFile *f = vec_get(&dw_files, i);
		if ((!f->module && !module) ||
		    (f->module && module && modname_eq(f->module, module, strlen(module))))
			return f;
	}
	DwFile *f = arena_alloc(sizeof(*f));
	f->module = module ? arena_strdup(module) : NULL;
	f->fd = -1;
	vec_push(&dw_files, f);
	elf_version(EV_CURRENT);
	Vec c = candidates(module);
	for (int i = 0; i < c.len && !f->path; i++) {
		if (verbose_for(2) > 2)
			fprintf(stderr, "Trying debuginfo \"%s\"\n", (char *)vec_get(&c, i));
		try_open(f, vec_get(&c, i));
	}
	if (f->path && verbose_for(2) > 1)
		fprintf(stderr, "Found debuginfo for %s: \"%s\"\n",
			module ? module : "the kernel", f->path);
	return f;
}

Dwarf *dw_open(Session *s, const char *module)
{
	(void)s;
	return dw_file(module)->dw;
}

const char *dw_path(const char *module)
{
	return dw_file(module)->path;
}

void dw_reset(void)
{
	dw_files = (Vec){0};
}

/* SystemTap's pass-2 error for missing debuginfo, with the package to
 * install. */
void dw_missing_error(Token *tok)
{
	const char *rel = sess->kernel_release;
	const char *bt = sess->kernel_build_tree ? sess->kernel_build_tree :
			 format("/lib/modules/%s/build", rel);
	semantic_error(tok, "while resolving probe point");
	semantic_error(NULL, "missing %s kernel/module debuginfo [man warning::debuginfo] under '%s'"
		       " (install linux-image-%s-dbg, or run scripts/fetch-kernel --dbg)",
		       sess->arch, bt, rel);
}

/* ------------------------------------------------------------------ */
/* Type names, as -L spells them: "struct file*", "char const*",
 * "long unsigned int", "long int[]", "int (*) (void*)" */

static void type_name_rec(Dwarf_Die *type, StrBuf *out, int depth);

static void named(Dwarf_Die *die, const char *prefix, StrBuf *out)
{
	const char *n = dwarf_diename(die);
	sb_puts(out, prefix);
	sb_puts(out, n ? n : "{...}");
}

/* RET (ARGS) of a subroutine type, with MIDDLE between: "(*) " */
static void subroutine(Dwarf_Die *die, const char *middle, StrBuf *out, int depth)
{
	Dwarf_Die ret;
	Dwarf_Attribute a;
	if (dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), &ret))
		type_name_rec(&ret, out, depth + 1);
	else
		sb_puts(out, "void");
	sb_printf(out, " %s(", middle);
	Dwarf_Die child;
	bool first = true;
	if (dwarf_child(die, &child) == 0) {
		do {
			int tag = dwarf_tag(&child);
			if (tag == DW_TAG_unspecified_parameters) {
				sb_puts(out, first ? "..." : ", ...");
				first = false;
			}
			if (tag != DW_TAG_formal_parameter)
				continue;
			if (!first)
				sb_puts(out, ", ");
			first = false;
			Dwarf_Die t;
			if (dwarf_formref_die(dwarf_attr_integrate(&child, DW_AT_type, &a), &t))
				type_name_rec(&t, out, depth + 1);
			else
				sb_puts(out, "void");
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	sb_putc(out, ')');
}

static void type_name_rec(Dwarf_Die *type, StrBuf *out, int depth)
{
	if (!type || depth > 32) {
		sb_puts(out, "void");
		return;
	}
	Dwarf_Die inner;
	Dwarf_Attribute a;
	bool has_inner = dwarf_formref_die(dwarf_attr_integrate(type, DW_AT_type, &a),
					   &inner) != NULL;
	switch (dwarf_tag(type)) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
	case DW_TAG_unspecified_type:
		named(type, "", out);
		return;
	case DW_TAG_structure_type:
		named(type, "struct ", out);
		return;
	case DW_TAG_union_type:
		named(type, "union ", out);
		return;
	case DW_TAG_enumeration_type:
		named(type, "enum ", out);
		return;
	case DW_TAG_class_type:
		named(type, "class ", out);
		return;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type: {
		const char *suffix = dwarf_tag(type) == DW_TAG_pointer_type ? "*" :
				     dwarf_tag(type) == DW_TAG_reference_type ? "&" : "&&";
		if (has_inner && dwarf_tag(&inner) == DW_TAG_subroutine_type) {
			subroutine(&inner, format("(%s) ", suffix), out, depth);
			return;
		}
		type_name_rec(has_inner ? &inner : NULL, out, depth + 1);
		sb_puts(out, suffix);
		return;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type: {
		int tag = dwarf_tag(type);
		type_name_rec(has_inner ? &inner : NULL, out, depth + 1);
		sb_puts(out, tag == DW_TAG_const_type ? " const" :
			tag == DW_TAG_volatile_type ? " volatile" :
			tag == DW_TAG_restrict_type ? " restrict" : " _Atomic");
		return;
	}
	case DW_TAG_array_type:
		type_name_rec(has_inner ? &inner : NULL, out, depth + 1);
		sb_puts(out, "[]");
		return;
	case DW_TAG_subroutine_type:
		subroutine(type, "", out, depth);
		return;
	default:
		named(type, "", out);
		return;
	}
}

void dw_type_name(Dwarf_Die *type, StrBuf *out)
{
	type_name_rec(type, out, 0);
}
