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
#include <sys/wait.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>

#include "stap.h"

/* ------------------------------------------------------------------ */
/* Finding debuginfo */

typedef struct DwFile {
	char *module;           /* NULL = kernel */
	char *path;             /* NULL = not found */
	int fd;
	Elf *elf;
	Dwarf *dw;
	DwIndex *index;
	Dwfl *dwfl;             /* modules: the relocating session */
	Dwfl_Module *mod;
	bool walked;            /* dw has read every unit header */
	Vec views;              /* DwView*: see dw_unit() */
	Vec units;              /* DwUnit*: which view reads which unit */
} DwFile;

static Vec dw_files;            /* DwFile* */
static Vec nodwarf_warned;      /* char *: user objects warned of */
static Dwarf *last_view_dw, *last_view_main;    /* dw_canonical()'s last */

static char *build_id_hex(Elf *elf);
static Elf *user_elf(const char *path);

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

/* Module names compare with '-' and '_' alike; user-space objects
 * (absolute paths) exactly. */
static bool modname_eq(const char *a, const char *b, size_t blen)
{
	size_t i = 0;
	if (a[0] == '/' || b[0] == '/')
		return strlen(a) == blen && !strncmp(a, b, blen);
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

/* A user-space object's debuginfo, as gdb and SystemTap look for it:
 * the file itself, then for each debug root D of the path
 * D/.build-id/xx/rest.debug, D/PATH.debug and D/DIR/DEBUGLINK, and
 * DIR/.debug/DEBUGLINK beside the file. */
Vec dw_user_candidates(const char *path)
{
	Vec out = {0};
	vec_push(&out, arena_strdup(path));
	Elf *elf = user_elf(path);
	GElf_Word crc;
	char *id = elf ? build_id_hex(elf) : NULL;
	const char *link = elf ? dwelf_elf_gnu_debuglink(elf, &crc) : NULL;
	char *dir = arena_strdup(path);
	*strrchr(dir, '/') = '\0';
	char *list = arena_strdup(debuginfo_path());
	for (char *save = NULL, *el = strtok_r(list, ":", &save); el;
	     el = strtok_r(NULL, ":", &save)) {
		if (*el == '+' || *el == '-')
			el++;
		if (*el != '/') {
			if (*el && strcmp(el, "build") && link)
				vec_push(&out, format("%s/%s/%s", dir, el, link));
			continue;
		}
		if (id && strlen(id) > 2)
			vec_push(&out, format("%s/.build-id/%.2s/%s.debug", el, id, id + 2));
		vec_push(&out, format("%s%s.debug", el, path));
		if (link)
			vec_push(&out, format("%s%s/%s", el, dir, link));
	}
	return out;
}

/* The candidates for MODULE's debuginfo, in search order. */
static Vec candidates(const char *module)
{
	const char *rel = sess->kernel_release;
	Vec out = {0};
	if (module && module[0] == '/')
		return dw_user_candidates(module);
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

static char *debuginfo_path_copy;
static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path_copy,
};

/* A module's debuginfo is relocatable: libdwfl lays its sections out and
 * applies the relocations to the DWARF. */
static bool open_offline(DwFile *f, const char *path)
{
	Dwfl *dwfl = dwfl_begin(&offline_callbacks);
	if (!dwfl)
		return false;
	Dwfl_Module *mod = dwfl_report_offline(dwfl, f->module, path, -1);
	dwfl_report_end(dwfl, NULL, NULL);
	Dwarf_Addr bias;
	Dwarf *dw = mod ? dwfl_module_getdwarf(mod, &bias) : NULL;
	if (!dw) {
		dwfl_end(dwfl);
		return false;
	}
	f->path = arena_strdup(path);
	f->dwfl = dwfl;
	f->mod = mod;
	f->dw = dw;
	f->elf = dwfl_module_getelf(mod, &bias);
	return true;
}

static bool try_open(DwFile *f, const char *path)
{
	if (!has_dwarf(path))
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (elf && gelf_getehdr(elf, &eh) && eh.e_type == ET_REL) {
		elf_end(elf);
		close(fd);
		return open_offline(f, path);
	}
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
	if (!f->path && module && module[0] == '/') {
		/* a user-space object without DWARF: its symbol tables */
		int fd = open(module, O_RDONLY | O_CLOEXEC);
		Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
		if (elf && elf_kind(elf) == ELF_K_ELF) {
			f->fd = fd;
			f->elf = elf;
		} else {
			if (elf)
				elf_end(elf);
			if (fd >= 0)
				close(fd);
		}
	}
	return f;
}

/* "<a.h><b.h>": the headers, included in that order, compiled with gcc's
 * defaults and -g into an object of the temporary directory, SystemTap's
 * "user module" of a header for @cast; its DWARF, or NULL (gcc's own
 * messages shown, and its status as SystemTap warns it).  Once per
 * distinct HEADERS. */
static Vec header_objs;         /* alternating char *headers, char *path */

Dwarf *dw_header(const char *headers)
{
	for (int i = 0; i + 1 < header_objs.len; i += 2)
		if (!strcmp(vec_get(&header_objs, i), headers)) {
			char *path = vec_get(&header_objs, i + 1);
			return path ? dw_open(sess, path) : NULL;
		}
	vec_push(&header_objs, arena_strdup(headers));
	vec_push(&header_objs, NULL);
	const char *dir = stap_tmpdir();
	if (!dir)
		return NULL;
	StrBuf src = {0};
	for (const char *p = headers; *p == '<';) {
		const char *e = strchr(p, '>');
		if (!e)
			break;
		sb_printf(&src, "#include <%.*s>\n", (int)(e - p - 1), p + 1);
		p = e + 1;
	}
	int n = header_objs.len / 2;
	char *c = format("%s/stap_header%d.c", dir, n);
	char *o = format("%s/stap_header%d.o", dir, n);
	bool ok = write_file(c, src.buf ? src.buf : "", src.len);
	sb_release(&src);
	if (!ok)
		return NULL;
	pid_t pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		execlp("gcc", "gcc", "-g", "-c", "-fno-eliminate-unused-debug-types",
		       "-o", o, c, (char *)NULL);
		_exit(127);
	}
	int rc = child_status(pid);
	if (rc != 0) {
		warning_at(NULL, "gcc exited with status: %d", rc);
		return NULL;
	}
	header_objs.data[header_objs.len - 1] = o;
	return dw_open(sess, o);
}

/* Once per object: SystemTap's warning for a user-space object without
 * DWARF (its probes then have its ELF symbols only). */
void dw_user_nodwarf_warning(const char *path)
{
	for (int i = 0; i < nodwarf_warned.len; i++)
		if (!strcmp(vec_get(&nodwarf_warned, i), path))
			return;
	vec_push(&nodwarf_warned, arena_strdup(path));
	warning_at(NULL, "cannot find module %s debuginfo: No DWARF information found [man warning::debuginfo]",
		path);
}

bool dw_is_user(const char *module)
{
	return module && module[0] == '/';
}

/* The ELF file of a user-space object (not its separate debuginfo):
 * its program headers place addresses in the file. */
static Vec user_elves;          /* alternating char *path, Elf * */

static Vec user_elf_fds;         /* their files (intptr_t), for dw_reset */

static Elf *user_elf(const char *path)
{
	Vec elves = user_elves;
	for (int i = 0; i + 1 < elves.len; i += 2)
		if (!strcmp(vec_get(&elves, i), path))
			return vec_get(&elves, i + 1);
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	if (elf && elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		elf = NULL;
	}
	if (!elf && fd >= 0)
		close(fd);
	vec_push(&elves, arena_strdup(path));
	vec_push(&elves, elf);
	user_elves = elves;
	if (elf)
		vec_push(&user_elf_fds, (void *)(intptr_t)fd);
	return elf;
}

bool dw_user_offset(const char *path, uint64_t addr, uint64_t *off)
{
	Elf *elf = user_elf(path);
	size_t n;
	if (!elf || elf_getphdrnum(elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD &&
		    addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

int dw_sdt_notes(const char *path,
		 void (*fn)(const char *provider, const char *name,
			    const char *args, uint64_t pc, uint64_t sema,
			    void *arg), void *arg)
{
	Elf *elf = user_elf(path);
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh))
		return 0;
	int asz = eh.e_ident[EI_CLASS] == ELFCLASS32 ? 4 : 8;
	uint64_t base_addr = 0;
	bool have_base = false;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		const char *name;
		if (gelf_getshdr(scn, &sh) &&
		    (name = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(name, ".stapsdt.base")) {
			base_addr = sh.sh_addr;
			have_base = true;
		}
	}
	int count = 0;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t off = 0, noff, doff;
		GElf_Nhdr nh;
		while (data && (off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			const char *owner = (const char *)data->d_buf + noff;
			const unsigned char *desc = (const unsigned char *)data->d_buf + doff;
			if (nh.n_type != 3 || nh.n_namesz != 8 || memcmp(owner, "stapsdt", 8) ||
			    nh.n_descsz < (size_t)3 * asz + 3)
				continue;
			uint64_t v[3] = { 0, 0, 0 };
			for (int i = 0; i < 3; i++) {
				if (asz == 8) {
					memcpy(&v[i], desc + 8 * i, 8);
				} else {
					uint32_t w;
					memcpy(&w, desc + 4 * i, 4);
					v[i] = w;
				}
			}
			const char *end = (const char *)desc + nh.n_descsz;
			const char *prov = (const char *)desc + 3 * asz;
			const char *name = prov + strnlen(prov, end - prov) + 1;
			if (name >= end)
				continue;
			const char *args = name + strnlen(name, end - name) + 1;
			if (args >= end)
				args = "";
			/* prelinked: the note has the link-time base */
			int64_t adj = have_base ? (int64_t)(base_addr - v[1]) : 0;
			fn(prov, name, args, v[0] + adj, v[2] ? v[2] + adj : 0, arg);
			count++;
		}
	}
	return count;
}

bool dw_user_symbol(const char *path, const char *name, uint64_t *value)
{
	Elf *elf = user_elf(path);
	for (Elf_Scn *scn = NULL; elf && (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; data && i < n; i++) {
			GElf_Sym sym;
			const char *nm;
			if (gelf_getsym(data, i, &sym) && sym.st_shndx != SHN_UNDEF &&
			    (nm = elf_strptr(elf, sh.sh_link, sym.st_name)) &&
			    !strcmp(nm, name)) {
				*value = sym.st_value;
				return true;
			}
		}
	}
	return false;
}

int dw_plt_entries(const char *path,
		   void (*fn)(const char *name, uint64_t addr, void *arg), void *arg)
{
	Elf *elf = user_elf(path);
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	Elf_Scn *rela = NULL;
	uint64_t plt = 0, plt_sec = 0;
	GElf_Shdr rsh = { 0 };
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".rela.plt")) {
			rela = scn;
			rsh = sh;
		} else if (!strcmp(name, ".plt")) {
			plt = sh.sh_addr;
		} else if (!strcmp(name, ".plt.sec")) {
			plt_sec = sh.sh_addr;
		}
	}
	if (!rela || !plt)
		return 0;
	Elf_Scn *dynsym = elf_getscn(elf, rsh.sh_link);
	GElf_Shdr dsh;
	Elf_Data *rd = elf_getdata(rela, NULL);
	Elf_Data *sd = dynsym ? elf_getdata(dynsym, NULL) : NULL;
	if (!rd || !sd || !gelf_getshdr(dynsym, &dsh))
		return 0;
	size_t n = rsh.sh_entsize ? rsh.sh_size / rsh.sh_entsize : 0;
	int count = 0;
	/* slot I of the jump table: .plt.sec + 16 I with IBT's second
	 * table, else .plt + 16 (I + 1), after the resolver's entry */
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *name;
		if (!gelf_getrela(rd, i, &r) ||
		    !gelf_getsym(sd, GELF_R_SYM(r.r_info), &sym) ||
		    !(name = elf_strptr(elf, dsh.sh_link, sym.st_name)) || !*name)
			continue;
		fn(name, plt_sec ? plt_sec + 16 * i : plt + 16 * (i + 1), arg);
		count++;
	}
	return count;
}

uint64_t dw_user_base(const char *path)
{
	Elf *elf = user_elf(path);
	size_t n;
	uint64_t base = UINT64_MAX;
	if (!elf || elf_getphdrnum(elf, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_vaddr < base)
			base = ph.p_vaddr;
	}
	return base == UINT64_MAX ? 0 : base;
}

int dw_user_elf_type(const char *path)
{
	Elf *elf = user_elf(path);
	GElf_Ehdr eh;
	return elf && gelf_getehdr(elf, &eh) ? eh.e_type : -1;
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
	/* (the fuzzer's runs: the handles libdw and libelf hold) */
	for (int i = 0; i < dw_files.len; i++) {
		DwFile *f = vec_get(&dw_files, i);
		if (f->dwfl) {
			dwfl_end(f->dwfl);
		} else {
			if (f->dw)
				dwarf_end(f->dw);
			if (f->elf)
				elf_end(f->elf);
		}
		if (f->fd >= 0)
			close(f->fd);
	}
	dw_files = (Vec){0};
	for (int i = 1; i < user_elves.len; i += 2)
		if (vec_get(&user_elves, i))
			elf_end(vec_get(&user_elves, i));
	for (int i = 0; i < user_elf_fds.len; i++)
		close((int)(intptr_t)vec_get(&user_elf_fds, i));
	user_elf_fds = (Vec){0};
	user_elves = (Vec){0};
	nodwarf_warned = (Vec){0};
	header_objs = (Vec){0};
	last_view_dw = last_view_main = NULL;
}

/* ------------------------------------------------------------------ */
/* Reading one unit of a large file
 *
 * libdw finds the unit of a DIE offset by reading every unit header
 * from the start of .debug_info up to it (and dwarf_addrdie reads one
 * per .debug_aranges set), so the first DIE read in a late unit of a
 * vmlinux touches pages all over its 170 MB .debug_info: 1-2 s and
 * 120 MB of RSS, most of it reading the file when it is not in the page
 * cache.  A view is a second handle on the same file, mapped privately,
 * in which the header where libdw reads next is rewritten into the
 * header of a filler unit that ends where the wanted unit begins: libdw
 * reads that one header and then the wanted unit, whose DIE offsets are
 * unchanged.  A view serves units in increasing order (the header
 * rewritten is always one libdw has not read yet); a unit before one it
 * served goes to another view.  The filler's DIE is a null entry with
 * an empty abbreviation table, so a DIE reference into it (none in the
 * kernel's DWARF, which refers within units with DW_FORM_ref4) reads as
 * no DIE. */

typedef struct DwView {
	Elf *elf;
	Dwarf *dw;
	void *map;
	size_t map_size;
	unsigned char *info;    /* .debug_info, in this view's mapping */
	size_t info_size;
	uint32_t empty_abbrev;  /* an empty abbreviation table */
	uint64_t frontier;      /* where libdw reads its next unit header */
} DwView;

typedef struct DwUnit {
	uint64_t cu;            /* offset of the unit's DIE */
	Dwarf *dw;
} DwUnit;

enum { DW_VIEW_MIN_INFO = 16 << 20, DW_VIEW_MAX = 16 };

/* The .debug_info of ELF: its data and size, if it is stored as is in
 * the file's byte order (what a view may rewrite); its abbreviation
 * table's last byte in *EMPTY_ABBREV when it is 0 (an empty table). */
static unsigned char *raw_debug_info(Elf *elf, size_t *size, uint32_t *empty_abbrev)
{
	size_t shstrndx;
	GElf_Ehdr eh;
	unsigned char *info = NULL;
	if (!gelf_getehdr(elf, &eh) || eh.e_ident[EI_DATA] !=
	    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB) ||
	    elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	*empty_abbrev = 0;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		bool is_info = !strcmp(name, ".debug_info");
		if (!is_info && strcmp(name, ".debug_abbrev"))
			continue;
		Elf_Data *d;
		if (sh.sh_type == SHT_NOBITS || (sh.sh_flags & SHF_COMPRESSED) ||
		    !(d = elf_getdata(scn, NULL)) || !d->d_buf || !d->d_size)
			return NULL;
		if (is_info) {
			info = d->d_buf;
			*size = d->d_size;
		} else if (((unsigned char *)d->d_buf)[d->d_size - 1] == 0 &&
			   d->d_size - 1 <= UINT32_MAX) {
			*empty_abbrev = d->d_size - 1;
		}
	}
	return *empty_abbrev ? info : NULL;
}

static DwView *new_view(DwFile *f)
{
	struct stat st;
	if (f->fd < 0 || fstat(f->fd, &st) != 0)
		return NULL;
	void *map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, f->fd, 0);
	if (map == MAP_FAILED)
		return NULL;
	DwView *v = arena_alloc(sizeof(*v));
	v->map = map;
	v->map_size = st.st_size;
	if (!(v->elf = elf_memory(map, st.st_size)) ||
	    !(v->info = raw_debug_info(v->elf, &v->info_size, &v->empty_abbrev)) ||
	    !(v->dw = dwarf_begin_elf(v->elf, DWARF_C_READ, NULL))) {
		if (v->elf)
			elf_end(v->elf);
		munmap(map, st.st_size);
		return NULL;
	}
	vec_push(&f->views, v);
	return v;
}

/* Rewrite the unit header at FROM in V into a filler unit up to TO
 * (a header of DWARF 4: length, version, abbreviations, address size,
 * then a null DIE). */
static bool fill_units(DwView *v, uint64_t from, uint64_t to, uint8_t addr_size)
{
	if (to - from < 12 || to - from - 4 >= 0xfffffff0 || to > v->info_size)
		return false;
	unsigned char *p = v->info + from;
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)p & ~(uintptr_t)(pg - 1);
	if (mprotect((void *)start, (uintptr_t)p + 12 - start, PROT_READ | PROT_WRITE) != 0)
		return false;
	uint32_t len = to - from - 4;
	uint16_t version = 4;
	memcpy(p, &len, 4);
	memcpy(p + 4, &version, 2);
	memcpy(p + 6, &v->empty_abbrev, 4);
	p[10] = addr_size;
	p[11] = 0;
	return true;
}

/* The start of the unit whose DIE is at CU, its end and address size,
 * from its header. */
static bool unit_header(Dwarf *dw, uint64_t cu, uint64_t *start, uint64_t *end,
			uint8_t *addr_size)
{
	/* header sizes: DWARF 5 compile unit, DWARF 2-4, DWARF 5
	 * skeleton/split, and the 64-bit formats of those */
	static const int sizes[] = { 12, 11, 20, 24, 23, 32 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		Dwarf_Off next;
		size_t hsize;
		Dwarf_Half version;
		uint8_t asz;
		if (cu < (uint64_t)sizes[i] ||
		    dwarf_next_unit(dw, cu - sizes[i], &next, &hsize, &version, NULL,
				    &asz, NULL, NULL, NULL) != 0 ||
		    hsize != (size_t)sizes[i] || version < 2 || version > 5 || next <= cu)
			continue;
		*start = cu - sizes[i];
		*end = next;
		*addr_size = asz;
		return true;
	}
	return false;
}

/* May F's units be read through views? */
static bool views_ok(DwFile *f)
{
	const char *e = getenv("STAP_DW_NO_VIEWS");
	size_t size;
	uint32_t empty;
	return !f->walked && !f->dwfl && f->dw && !(e && *e && strcmp(e, "0")) &&
	       raw_debug_info(f->elf, &size, &empty) && size >= DW_VIEW_MIN_INFO;
}

Dwarf *dw_unit(const char *module, uint64_t cu_off, Dwarf_Die *cu)
{
	DwFile *f = dw_file(module);
	if (!f->dw)
		return NULL;
	for (int i = 0; i < f->units.len; i++) {
		DwUnit *u = vec_get(&f->units, i);
		if (u->cu == cu_off)
			return dwarf_offdie(u->dw, cu_off, cu) ? u->dw : NULL;
	}
	uint64_t start, end;
	uint8_t asz;
	DwView *best = NULL;
	if (!views_ok(f) || !unit_header(f->dw, cu_off, &start, &end, &asz))
		goto main;
	/* the view that has read least beyond what it needs */
	for (int i = 0; i < f->views.len; i++) {
		DwView *v = vec_get(&f->views, i);
		if (v->frontier <= start && (v->frontier == start || start - v->frontier >= 12) &&
		    (!best || v->frontier > best->frontier))
			best = v;
	}
	if (!best && (f->views.len >= DW_VIEW_MAX || !(best = new_view(f))))
		goto main;
	if (start > best->frontier && !fill_units(best, best->frontier, start, asz))
		goto main;
	if (!dwarf_offdie(best->dw, cu_off, cu) || dwarf_dieoffset(cu) != cu_off) {
		/* not as expected: no more of this view */
		best->frontier = UINT64_MAX;
		goto main;
	}
	best->frontier = end;
	if (verbose_for(2) > 2)
		fprintf(stderr, "Reading unit 0x%llx of \"%s\" through a view\n",
			(unsigned long long)cu_off, f->path);
	DwUnit *u = arena_alloc(sizeof(*u));
	u->cu = cu_off;
	u->dw = best->dw;
	vec_push(&f->units, u);
	return best->dw;
main:
	return dwarf_offdie(f->dw, cu_off, cu) ? f->dw : NULL;
}

/* The .debug_info offset of the unit whose .debug_aranges set covers
 * PC (its header's offset), read from the section itself: libdw's
 * dwarf_getaranges reads every unit's header too. */
static bool aranges_unit(Elf *elf, uint64_t pc, uint64_t *unit)
{
	size_t shstrndx;
	Elf_Data *d = NULL;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	for (Elf_Scn *scn = NULL; !d && (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		const char *name;
		if (gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS &&
		    !(sh.sh_flags & SHF_COMPRESSED) &&
		    (name = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(name, ".debug_aranges"))
			d = elf_getdata(scn, NULL);
	}
	if (!d || !d->d_buf)
		return false;
	const unsigned char *p = d->d_buf, *end = p + d->d_size;
	while (end - p >= 16) {
		uint32_t len32;
		uint64_t len, info;
		memcpy(&len32, p, 4);
		const unsigned char *q = p + 4;
		bool is64 = len32 == 0xffffffff;
		if (is64) {
			memcpy(&len, q, 8);
			q += 8;
		} else {
			len = len32;
		}
		if (len > (uint64_t)(end - q))
			return false;
		const unsigned char *next = q + len;
		q += 2;                                 /* version */
		if (is64) {
			memcpy(&info, q, 8);
			q += 8;
		} else {
			uint32_t i32;
			memcpy(&i32, q, 4);
			info = i32;
			q += 4;
		}
		uint8_t asz = q[0], ssz = q[1];
		q += 2;
		if (asz != 8 || ssz != 0)
			return false;
		/* tuples are aligned to twice the address size */
		q = p + (((q - p) + 15) & ~(size_t)15);
		for (; next - q >= 16; q += 16) {
			uint64_t a, l;
			memcpy(&a, q, 8);
			memcpy(&l, q + 8, 8);
			if (!a && !l)
				break;
			if (pc >= a && pc - a < l) {
				*unit = info;
				return true;
			}
		}
		p = next;
	}
	return false;
}

Dwarf *dw_unit_at(const char *module, uint64_t pc, Dwarf_Die *cu)
{
	DwFile *f = dw_file(module);
	uint64_t unit;
	Dwarf_Off next;
	size_t hsize;
	if (!f->dw)
		return NULL;
	if (!views_ok(f) || !aranges_unit(f->elf, pc, &unit) ||
	    dwarf_next_unit(f->dw, unit, &next, &hsize, NULL, NULL, NULL, NULL, NULL, NULL) != 0)
		return dwarf_addrdie(f->dw, pc, cu) ? f->dw : NULL;
	return dw_unit(module, unit + hsize, cu);
}

Dwarf *dw_canonical(Dwarf *dw)
{
	if (dw == last_view_dw)
		return last_view_main;
	for (int i = 0; i < dw_files.len; i++) {
		DwFile *f = vec_get(&dw_files, i);
		for (int j = 0; j < f->views.len; j++) {
			DwView *v = vec_get(&f->views, j);
			if (v->dw == dw) {
				last_view_dw = dw;
				last_view_main = f->dw;
				return f->dw;
			}
		}
	}
	return dw;
}

/* SystemTap's pass-2 error for missing debuginfo, with the package to
 * install. */
void dw_missing_error(Token *tok)
{
	const char *rel = sess->kernel_release;
	const char *bt = sess->kernel_build_tree ? sess->kernel_build_tree :
			 format("/lib/modules/%s/build", rel);
	resolve_error(tok, NULL, "missing %s kernel/module debuginfo [man warning::debuginfo] under '%s'"
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

/* ------------------------------------------------------------------ */
/* The per-file function index
 *
 * One file per debuginfo file, $SYSTEMTAP_DIR/cache/dwidx/BUILDID.idx,
 * mmapped: a header, DwEntry[n] sorted by (name, file, line, address),
 * then a string table.  Built on first use by one walk over the DIEs of
 * every CU (subprograms, and the inlined instances inside them), and
 * written atomically (temporary file + rename).
 */

#define IDX_MAGIC "STPDWIX8"

typedef struct IdxHeader {
	char magic[8];
	uint32_t nents;
	uint32_t strsize;
	uint64_t text_addr;     /* _stext (kernel) or 0 */
} IdxHeader;

static int cmp_ent_strs;        /* unused marker */
static const char *sort_strs;   /* string table while sorting */

static int cmp_ent(const void *a, const void *b)
{
	const DwEntry *x = a, *y = b;
	int c = strcmp(sort_strs + x->name, sort_strs + y->name);
	if (c)
		return c;
	if ((c = strcmp(sort_strs + x->file, sort_strs + y->file)))
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Building: entries and an interned string table */
typedef struct Builder {
	DwEntry *ents;
	size_t n, cap;
	StrBuf strs;
	/* open-addressing intern table: offsets + 1 */
	uint32_t *slots;
	size_t nslots, nused;
	/* kernel regions where kprobes are refused */
	uint64_t blk_lo[8], blk_hi[8];
	int nblk;
	uint64_t init_lo[8], init_hi[8];   /* .init.text, .exit.text, ... */
	int ninit;
	uint64_t *bl_addrs;     /* the _kprobe_blacklist, sorted */
	size_t nbl;
} Builder;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static uint32_t intern(Builder *b, const char *s)
{
	if (b->nused * 2 >= b->nslots) {
		size_t ns = b->nslots ? b->nslots * 2 : 1 << 16;
		uint32_t *slots = calloc(ns, sizeof(*slots));
		if (!slots)
			fatal("out of memory");
		for (size_t i = 0; i < b->nslots; i++) {
			if (!b->slots[i])
				continue;
			size_t j = hash_str(b->strs.buf + b->slots[i] - 1) & (ns - 1);
			while (slots[j])
				j = (j + 1) & (ns - 1);
			slots[j] = b->slots[i];
		}
		free(b->slots);
		b->slots = slots;
		b->nslots = ns;
	}
	size_t j = hash_str(s) & (b->nslots - 1);
	while (b->slots[j]) {
		if (!strcmp(b->strs.buf + b->slots[j] - 1, s))
			return b->slots[j] - 1;
		j = (j + 1) & (b->nslots - 1);
	}
	uint32_t off = b->strs.len;
	sb_puts(&b->strs, s);
	sb_putc(&b->strs, '\0');
	b->slots[j] = off + 1;
	b->nused++;
	return off;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The kernel's own kprobe exclusions, from vmlinux's symbols: the
 * .kprobes.text, .noinstr.text, .entry.text and irqentry/softirqentry
 * regions, the _kprobe_blacklist (NOKPROBE_SYMBOL) addresses, and
 * .init.text (gone after boot). */
static void read_blocklist(Builder *b, Elf *elf)
{
	static const char *regions[][2] = {
		{ "__kprobes_text_start", "__kprobes_text_end" },
		{ "__noinstr_text_start", "__noinstr_text_end" },
		{ "__entry_text_start", "__entry_text_end" },
		{ "__irqentry_text_start", "__irqentry_text_end" },
		{ "__softirqentry_text_start", "__softirqentry_text_end" },
		{ "__cpuidle_text_start", "__cpuidle_text_end" },
	};
	enum { NREG = sizeof(regions) / sizeof(regions[0]) };
	uint64_t lo[NREG] = {0}, hi[NREG] = {0}, bl_start = 0, bl_stop = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn)
		return;
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	for (size_t i = 0; data && i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, i, &sym))
			continue;
		const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || name[0] != '_')
			continue;
		for (int r = 0; r < NREG; r++) {
			if (!strcmp(name, regions[r][0]))
				lo[r] = sym.st_value;
			if (!strcmp(name, regions[r][1]))
				hi[r] = sym.st_value;
		}
		if (!strcmp(name, "__start_kprobe_blacklist"))
			bl_start = sym.st_value;
		else if (!strcmp(name, "__stop_kprobe_blacklist"))
			bl_stop = sym.st_value;
	}
	/* code SystemTap never probes: sections .init.*, .exit.* (and
	 * the old .devinit/.cpuinit/.meminit ones) */
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) == 0) {
		static const char *const pfx[] = {
			".init.", ".exit.", ".devinit.", ".devexit.", ".cpuinit.",
			".cpuexit.", ".meminit.", ".memexit.", NULL,
		};
		for (Elf_Scn *sc = NULL; (sc = elf_nextscn(elf, sc));) {
			GElf_Shdr h;
			const char *nm;
			if (!gelf_getshdr(sc, &h) || !(h.sh_flags & SHF_EXECINSTR) ||
			    !(nm = elf_strptr(elf, shstrndx, h.sh_name)))
				continue;
			for (int k = 0; pfx[k]; k++)
				if (!strncmp(nm, pfx[k], strlen(pfx[k])) && b->ninit < 8) {
					b->init_lo[b->ninit] = h.sh_addr;
					b->init_hi[b->ninit++] = h.sh_addr + h.sh_size;
					break;
				}
		}
	}
	for (int r = 0; r < NREG; r++)
		if (lo[r] && hi[r] > lo[r] && b->nblk < 8) {
			b->blk_lo[b->nblk] = lo[r];
			b->blk_hi[b->nblk++] = hi[r];
		}
	if (!bl_start || bl_stop <= bl_start)
		return;
	/* the array of addresses, in the section that holds it */
	for (scn = NULL; (scn = elf_nextscn(elf, scn));) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    bl_start < sh.sh_addr || bl_stop > sh.sh_addr + sh.sh_size)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || d->d_size < sh.sh_size)
			break;
		/* entries are struct { unsigned long start, end; }? no: the
		 * section holds one unsigned long address per symbol */
		size_t cnt = (bl_stop - bl_start) / 8;
		b->bl_addrs = malloc(cnt * 8);
		memcpy(b->bl_addrs, (char *)d->d_buf + (bl_start - sh.sh_addr), cnt * 8);
		b->nbl = cnt;
		qsort(b->bl_addrs, cnt, 8, cmp_u64);
		break;
	}
}

static bool in_init(Builder *b, uint64_t a)
{
	for (int i = 0; i < b->ninit; i++)
		if (a >= b->init_lo[i] && a < b->init_hi[i])
			return true;
	return false;
}

static bool blocked_addr(Builder *b, uint64_t a)
{
	for (int i = 0; i < b->nblk; i++)
		if (a >= b->blk_lo[i] && a < b->blk_hi[i])
			return true;
	return b->nbl && bsearch(&a, b->bl_addrs, b->nbl, 8, cmp_u64);
}

/* The file name SystemTap shows: relative to the CU's directory when
 * under it, without a leading "./". */
const char *dw_show_file(const char *file, const char *comp_dir)
{
	if (!file)
		return "";
	if (!comp_dir)
		return file;
	size_t n = comp_dir ? strlen(comp_dir) : 0;
	if (n && !strncmp(file, comp_dir, n) && file[n] == '/')
		file += n + 1;
	while (file[0] == '.' && file[1] == '/')
		file += 2;
	return file;
}

static bool die_entry_addr(Dwarf_Die *d, Dwarf_Addr *addr)
{
	if (dwarf_entrypc(d, addr) == 0)
		return true;
	Dwarf_Addr base, start, end;
	ptrdiff_t off = dwarf_ranges(d, 0, &base, &start, &end);
	if (off > 0) {
		*addr = start;
		return true;
	}
	return false;
}

static void add_entry(Builder *b, Dwarf_Die *d, Dwarf_Die *cu, Dwarf_Off cu_off,
		      const char *comp_dir, uint32_t flags)
{
	Dwarf_Attribute a;
	const char *name = dwarf_formstring(dwarf_attr_integrate(d, DW_AT_name, &a));
	if (!name)
		return;
	Dwarf_Addr addr;
	if (!die_entry_addr(d, &addr))
		return;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 65536;
		b->ents = realloc(b->ents, b->cap * sizeof(*b->ents));
		if (!b->ents)
			fatal("out of memory");
	}
	int line = 0;
	dwarf_decl_line(d, &line);
	bool ext = false;
	dwarf_formflag(dwarf_attr_integrate(d, DW_AT_external, &a), &ext);
	if (ext)
		flags |= DWF_EXTERNAL;
	if (blocked_addr(b, addr))
		flags |= DWF_BLOCKED;
	if (in_init(b, addr))
		flags |= DWF_INIT;
	const char *file = dwarf_decl_file(d);
	if (!file && cu) {
		/* assembly: the CU's file, the line of the entry address */
		Dwarf_Line *l = dwarf_getsrc_die(cu, addr);
		file = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
		if (l)
			dwarf_lineno(l, &line);
	}
	DwEntry *e = &b->ents[b->n++];
	e->name = intern(b, name);
	e->file = intern(b, dw_show_file(file, comp_dir));
	e->line = line;
	e->flags = flags;
	e->addr = addr;
	e->die = dwarf_dieoffset(d);
	e->cu = cu_off;
}

static void walk_scope(Builder *b, Dwarf_Die *scope, Dwarf_Die *cu, Dwarf_Off cu_off,
		       const char *comp_dir, int depth)
{
	Dwarf_Die c;
	if (depth > 64 || dwarf_child(scope, &c) != 0)
		return;
	do {
		switch (dwarf_tag(&c)) {
		case DW_TAG_subprogram:
			if (!dwarf_hasattr(&c, DW_AT_declaration))
				add_entry(b, &c, cu, cu_off, comp_dir, 0);
			walk_scope(b, &c, cu, cu_off, comp_dir, depth + 1);
			break;
		case DW_TAG_inlined_subroutine:
			add_entry(b, &c, cu, cu_off, comp_dir, DWF_INLINE);
			walk_scope(b, &c, cu, cu_off, comp_dir, depth + 1);
			break;
		case DW_TAG_lexical_block:
			walk_scope(b, &c, cu, cu_off, comp_dir, depth + 1);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* Is S already interned (a function name seen in the DWARF)? */
static bool interned(Builder *b, const char *s)
{
	if (!b->nslots)
		return false;
	size_t j = hash_str(s) & (b->nslots - 1);
	for (; b->slots[j]; j = (j + 1) & (b->nslots - 1))
		if (!strcmp(b->strs.buf + b->slots[j] - 1, s))
			return true;
	return false;
}

/* Functions of the symbol table that the DWARF does not describe
 * (assembly without debug info, .cold parts, trampolines): SystemTap
 * lists them by name alone. */
static void add_symtab_only(Builder *b, Elf *elf, unsigned type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			break;
	if (!scn)
		return;
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	uint32_t none = intern(b, "");
	/* the entry addresses of the DWARF's out-of-line functions */
	uint64_t *addrs = malloc((b->n + 1) * 8);
	size_t naddrs = 0;
	for (size_t i = 0; i < b->n; i++)
		if (!(b->ents[i].flags & DWF_INLINE))
			addrs[naddrs++] = b->ents[i].addr;
	qsort(addrs, naddrs, 8, cmp_u64);
	for (size_t i = 0; data && i < n; i++) {
		GElf_Sym sym;
		const char *name;
		if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value ||
		    !(name = elf_strptr(elf, sh.sh_link, sym.st_name)) || !*name ||
		    interned(b, name))
			continue;
		/* aliases and compiler clones (.constprop.N, .isra.N) that
		 * start where a DWARF function does are that function */
		uint64_t v = sym.st_value;
		if (naddrs && bsearch(&v, addrs, naddrs, 8, cmp_u64))
			continue;
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 65536;
			b->ents = realloc(b->ents, b->cap * sizeof(*b->ents));
			if (!b->ents)
				fatal("out of memory");
		}
		uint32_t flags = DWF_SYMTAB;
		if (GELF_ST_BIND(sym.st_info) == STB_GLOBAL)
			flags |= DWF_EXTERNAL;
		if (blocked_addr(b, sym.st_value))
			flags |= DWF_BLOCKED;
		if (in_init(b, sym.st_value))
			flags |= DWF_INIT;
		DwEntry *e = &b->ents[b->n++];
		memset(e, 0, sizeof(*e));
		e->name = intern(b, name);
		e->file = none;
		e->flags = flags;
		e->addr = sym.st_value;
	}
	free(addrs);
}

static char *build_id_hex(Elf *elf)
{
	const void *id;
	ssize_t n = dwelf_elf_gnu_build_id(elf, &id);
	if (n <= 0)
		return NULL;
	StrBuf sb = {0};
	for (ssize_t i = 0; i < n; i++)
		sb_printf(&sb, "%02x", ((const unsigned char *)id)[i]);
	char *s = arena_strdup(sb.buf);
	sb_release(&sb);
	return s;
}

static bool write_index(Builder *b, const char *path, uint64_t text_addr)
{
	char *dir = arena_strdup(path);
	*strrchr(dir, '/') = '\0';
	if (mkdir_p(dir) != 0)
		return false;
	char *tmp = format("%s.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		return false;
	IdxHeader h = {0};
	memcpy(h.magic, IDX_MAGIC, 8);
	h.nents = b->n;
	h.strsize = b->strs.len;
	h.text_addr = text_addr;
	fwrite(&h, sizeof(h), 1, f);
	if (b->n)
		fwrite(b->ents, sizeof(DwEntry), b->n, f);
	fwrite(b->strs.buf, 1, b->strs.len, f);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return false;
	}
	return true;
}

static bool map_index(DwIndex *idx, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(IdxHeader)) {
		close(fd);
		return false;
	}
	void *m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return false;
	const IdxHeader *h = m;
	if (memcmp(h->magic, IDX_MAGIC, 8) ||
	    sizeof(*h) + (size_t)h->nents * sizeof(DwEntry) + h->strsize != (size_t)st.st_size) {
		munmap(m, st.st_size);
		return false;
	}
	idx->ents = (const DwEntry *)(h + 1);
	idx->n = h->nents;
	idx->strs = (const char *)(idx->ents + h->nents);
	idx->text_addr = h->text_addr;
	return true;
}

uint64_t dw_elf_symbol(Elf *elf, const char *want)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn)
		return 0;
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	for (size_t i = 0; data && i < n; i++) {
		GElf_Sym sym;
		const char *name;
		if (gelf_getsym(data, i, &sym) &&
		    (name = elf_strptr(elf, sh.sh_link, sym.st_name)) &&
		    !strcmp(name, want))
			return sym.st_value;
	}
	return 0;
}

static bool build_index(DwFile *f, DwIndex *idx, const char *path)
{
	Builder b = {0};
	bool user = dw_is_user(f->module);
	if (!user)
		read_blocklist(&b, f->elf);
	Dwarf_Off off = 0, next;
	size_t hsz;
	while (f->dw && dwarf_nextcu(f->dw, off, &next, &hsz, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(f->dw, off + hsz, &cu)) {
			Dwarf_Attribute a;
			/* (user-space objects: SystemTap shows their file
			 * names as the DWARF has them) */
			const char *comp_dir = user ? NULL :
				dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &a));
			walk_scope(&b, &cu, &cu, off + hsz, comp_dir, 0);
		}
		off = next;
	}
	/* (a module's raw symbol values are section-relative, not in the
	 * relocated layout of its DWARF: the kernel only) */
	if (!f->module)
		add_symtab_only(&b, f->elf, SHT_SYMTAB);
	if (user) {
		/* the object's own symbols (a separate debuginfo file has a
		 * symtab too), its dynamic ones when it is stripped */
		Elf *elf = user_elf(f->module);
		add_symtab_only(&b, f->elf, SHT_SYMTAB);
		if (elf && elf != f->elf)
			add_symtab_only(&b, elf, SHT_SYMTAB);
		if (elf)
			add_symtab_only(&b, elf, SHT_DYNSYM);
	}
	sort_strs = b.strs.buf;
	if (b.n)
		qsort(b.ents, b.n, sizeof(*b.ents), cmp_ent);
	uint64_t text = f->module ? 0 : dw_elf_symbol(f->elf, "_stext");
	bool ok = path && write_index(&b, path, text) &&
		  map_index(idx, path);
	if (!ok) {
		/* keep it in memory */
		idx->ents = b.ents;
		idx->n = b.n;
		idx->strs = b.strs.buf;
		idx->text_addr = text;
	} else {
		free(b.ents);
		sb_release(&b.strs);
	}
	free(b.slots);
	free(b.bl_addrs);
	(void)cmp_ent_strs;
	return true;
}

DwIndex *dw_index(const char *module)
{
	DwFile *f = dw_file(module);
	if (!f->dw && !(dw_is_user(module) && f->elf))
		return NULL;
	if (f->index)
		return f->index;
	DwIndex *idx = arena_alloc(sizeof(*idx));
	idx->module = f->module;
	char *id = build_id_hex(f->elf);
	/* (a user object's index from its symbols alone is not the one
	 * from its DWARF, which may be installed later) */
	char *path = id ? format("%s/dwidx/%s%s.idx", sess->cache_dir, id,
				 f->dw ? "" : "-sym") : NULL;
	Stamp t = now_stamp();
	if (!path || !map_index(idx, path)) {
		if (verbose_for(2))
			fprintf(stderr, "Indexing functions of \"%s\"\n",
				f->path ? f->path : f->module);
		build_index(f, idx, path);
		f->walked = true;
		if (verbose_for(2))
			fprintf(stderr, "Indexed %u functions in %s\n", idx->n, elapsed(&t));
	}
	f->index = idx;
	return idx;
}

/* ------------------------------------------------------------------ */
/* Matching probe points against the index */

/* What SystemTap itself refuses to probe (as `stap -vvv` prints it):
 * functions the kprobes machinery or the probe handlers use, and
 * .init/.exit code. */
static const char bl_func[] =
	"^(atomic_notifier_call_chain|default_do_nmi|__die|die_nmi|do_debug|"
	"do_general_protection|do_int3|do_IRQ|do_page_fault|do_sparc64_fault|"
	"do_trap|dummy_nmi_callback|flush_icache_range|ia64_bad_break|"
	"ia64_do_page_fault|ia64_fault|io_check_error|mem_parity_error|"
	"nmi_watchdog_tick|notifier_call_chain|oops_begin|oops_end|"
	"program_check_exception|single_step_exception|sync_regs|"
	"unhandled_fault|unknown_nmi_error|xen_[gs]et_debugreg|xen_irq_.*|"
	"xen_.*_fl_direct.*|check_events|xen_adjust_exception_frame|xen_iret.*|"
	"xen_sysret64.*|test_ti_thread_flag.*|inat_get_opcode_attribute|"
	"system_call_after_swapgs|HYPERVISOR_[gs]et_debugreg|"
	"HYPERVISOR_event_channel_op|hash_64|hash_ptr|native_set_pte|"
	".*raw_.*_lock.*|.*raw_.*_unlock.*|.*raw_.*_trylock.*|.*read_lock.*|"
	".*read_unlock.*|.*read_trylock.*|.*write_lock.*|.*write_unlock.*|"
	".*write_trylock.*|.*write_seqlock.*|.*write_sequnlock.*|.*spin_lock.*|"
	".*spin_unlock.*|.*spin_trylock.*|.*spin_is_locked.*|rwsem_.*lock.*|"
	".*mutex_.*lock.*|atomic_.*|atomic64_.*|get_bh|put_bh|.*apic.*|.*APIC.*|"
	".*softirq.*|.*IRQ.*|.*_intr.*|__delay|.*kernel_text.*|get_current|"
	"current_.*|.*exception_tables.*|.*setup_rt_frame.*|.*preempt_count.*|"
	"preempt_schedule|__switch_to|special_mapping_.*|.*_pte_.*)$";
static const char bl_func_ret[] = "^(do_exit|sys_exit|sys_exit_group)$";
static const char bl_file[] =
	"^(kernel/kprobes\\.c|arch/.*/kernel/kprobes\\.c|.*/include/asm/io\\.h|"
	".*/include/asm/io-defs\\.h|.*/include/asm/io_64\\.h|"
	".*/include/asm/bitops\\.h|drivers/ide/ide-iops\\.c|"
	"arch/.*/kernel/paravirt\\.c|.*/include/asm/paravirt\\.h|fs/seq_file\\.c)$";

#include <regex.h>

static bool st_blocked(const char *func, const char *file, bool is_return)
{
	static regex_t rf, rr, rfile;
	static bool ready;
	if (!ready) {
		regcomp(&rf, bl_func, REG_EXTENDED | REG_NOSUB);
		regcomp(&rr, bl_func_ret, REG_EXTENDED | REG_NOSUB);
		regcomp(&rfile, bl_file, REG_EXTENDED | REG_NOSUB);
		ready = true;
	}
	return regexec(&rf, func, 0, NULL, 0) == 0 ||
	       (is_return && regexec(&rr, func, 0, NULL, 0) == 0) ||
	       regexec(&rfile, file, 0, NULL, 0) == 0;
}

bool dw_file_matches(const char *pat, const char *file)
{
	if (!pat)
		return true;
	return fnmatch(pat, file, 0) == 0 ||
	       fnmatch(format("*/%s", pat), file, 0) == 0;
}

const char *dw_str(DwIndex *idx, uint32_t off)
{
	return idx->strs + off;
}

int dw_match(DwIndex *idx, const char *func, const char *file, unsigned opts,
	     void (*fn)(DwIndex *, const DwEntry *, void *), void *arg)
{
	size_t plen = strcspn(func, "*?[\\");
	bool glob = func[plen] != '\0';
	/* the first entry whose name is >= the literal prefix */
	uint32_t lo = 0, hi = idx->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (strncmp(dw_str(idx, idx->ents[mid].name), func, plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	int n = 0;
	uint32_t last_name = UINT32_MAX, last_file = UINT32_MAX;
	bool last_blocked = false;
	for (uint32_t i = lo; i < idx->n; i++) {
		const DwEntry *e = &idx->ents[i];
		const char *name = dw_str(idx, e->name);
		if (strncmp(name, func, plen))
			break;
		if (glob ? fnmatch(func, name, 0) != 0 : strcmp(name, func))
			continue;
		const char *fname = dw_str(idx, e->file);
		if (!dw_file_matches(file, fname))
			continue;
		if (e->flags & DWF_INIT)
			continue;
		/* entries of one name and file are adjacent: test them once */
		if (e->name != last_name || e->file != last_file) {
			last_name = e->name;
			last_file = e->file;
			last_blocked = !dw_is_user(idx->module) &&
				       st_blocked(name, fname, opts & DWM_RETURN);
		}
		if (last_blocked)
			continue;
		if ((opts & DWM_NO_KERNEL_BLOCKED) && (e->flags & DWF_BLOCKED))
			continue;
		if ((opts & DWM_NO_INLINE) && (e->flags & DWF_INLINE))
			continue;
		if ((opts & DWM_ONLY_INLINE) && !(e->flags & DWF_INLINE))
			continue;
		fn(idx, e, arg);
		n++;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Line records of a function: kernel.statement("FUNC@FILE:LINE") */

/* The DIE at DIE_OFF of the unit at CU_OFF, and that unit's DIE. */
static bool unit_die(const char *module, uint64_t cu_off, uint64_t die_off,
		     Dwarf_Die *cu, Dwarf_Die *die)
{
	Dwarf *dw = dw_unit(module, cu_off, cu);
	return dw && dwarf_offdie(dw, die_off, die);
}

/* The labels of the scope DIE (not those of functions inlined in it)
 * whose names match PAT: FN(name, decl line, address, ARG) each. */
static int scope_labels(Dwarf_Die *scope, const char *pat,
			void (*fn)(const char *, int, uint64_t, void *), void *arg)
{
	Dwarf_Die c;
	int n = 0;
	if (dwarf_child(scope, &c) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&c);
		if (tag == DW_TAG_lexical_block) {
			n += scope_labels(&c, pat, fn, arg);
			continue;
		}
		const char *name = tag == DW_TAG_label ? dwarf_diename(&c) : NULL;
		Dwarf_Addr pc;
		int line = 0;
		if (!name || fnmatch(pat, name, 0) != 0 || dwarf_lowpc(&c, &pc) != 0)
			continue;
		dwarf_decl_line(&c, &line);
		fn(name, line, pc, arg);
		n++;
	} while (dwarf_siblingof(&c, &c) == 0);
	return n;
}

int dw_function_labels(DwIndex *idx, const DwEntry *e, const char *pat,
		       void (*fn)(const char *, int, uint64_t, void *), void *arg)
{
	Dwarf_Die cu, die;
	if ((e->flags & DWF_SYMTAB) || !unit_die(idx->module, e->cu, e->die, &cu, &die))
		return 0;
	return scope_labels(&die, pat, fn, arg);
}

int dw_function_lines(DwIndex *idx, const DwEntry *e,
		      void (*fn)(int line, uint64_t addr, void *), void *arg)
{
	Dwarf_Die cu, die;
	if ((e->flags & DWF_SYMTAB) || !unit_die(idx->module, e->cu, e->die, &cu, &die))
		return 0;
	Dwarf_Lines *lines;
	size_t nlines;
	if (dwarf_getsrclines(&cu, &lines, &nlines) != 0)
		return 0;
	Dwarf_Addr ranges[64][2];
	int nr = 0;
	Dwarf_Addr base, start, end;
	for (ptrdiff_t off = 0; nr < 64 && (off = dwarf_ranges(&die, off, &base, &start, &end)) > 0;) {
		ranges[nr][0] = start;
		ranges[nr++][1] = end;
	}
	Dwarf_Attribute a;
	/* (a user-space function's own line counts when it has code
	 * after the entry: a one-line function has no other line, and
	 * SystemTap lists it) */
	bool user = dw_is_user(idx->module);
	const char *comp_dir = user ? NULL :
		dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &a));
	const char *want = dw_str(idx, e->file);
	/* the lowest address of each line */
	int maxline = 0;
	for (size_t i = 0; i < nlines; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		int ln;
		if (dwarf_lineno(l, &ln) == 0 && ln > maxline)
			maxline = ln;
	}
	uint64_t *first = calloc(maxline + 1, sizeof(*first));
	/* the line has code after the function's entry (a user-space
	 * function's own line counts then, at its lowest address) */
	bool *beyond = calloc(maxline + 1, sizeof(*beyond));
	for (size_t i = 0; i < nlines; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr addr;
		int ln;
		bool stmt = false, end_seq = false;
		if (dwarf_lineaddr(l, &addr) || dwarf_lineno(l, &ln) ||
		    dwarf_linebeginstatement(l, &stmt) ||
		    dwarf_lineendsequence(l, &end_seq) || end_seq || ln <= 0)
			continue;
		bool in = false;
		for (int r = 0; r < nr && !in; r++)
			in = addr >= ranges[r][0] && addr < ranges[r][1];
		/* not the lines of functions inlined into this one from
		 * earlier in the file */
		if ((uint32_t)ln < e->line || ((uint32_t)ln == e->line && !user))
			continue;
		if (!in || strcmp(dw_show_file(dwarf_linesrc(l, NULL, NULL), comp_dir), want))
			continue;
		if (!first[ln] || addr < first[ln])
			first[ln] = addr;
		if (addr != e->addr)
			beyond[ln] = true;
	}
	int n = 0;
	for (int ln = 0; ln <= maxline; ln++)
		if (first[ln] && ((uint32_t)ln != e->line || beyond[ln])) {
			fn(ln, first[ln], arg);
			n++;
		}
	free(first);
	free(beyond);
	return n;
}

/* ------------------------------------------------------------------ */
/* Where to register a kprobe: the kernel's symbol _stext plus the offset
 * (KASLR moves the kernel as one block), a module's "module:symbol" plus
 * the offset from that symbol. */
bool dw_kprobe_site(DwIndex *idx, uint64_t addr, char **symbol, int64_t *offset)
{
	if (!idx->module) {
		if (!idx->text_addr)
			return false;
		*symbol = "_stext";
		*offset = addr - idx->text_addr;
		return true;
	}
	DwFile *f = dw_file(idx->module);
	if (!f->mod)
		return false;
	GElf_Off off;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(f->mod, addr, &off, &sym, NULL, NULL, NULL);
	if (!name)
		return false;
	*symbol = format("%s:%s", idx->module, name);
	*offset = off;
	return true;
}

/* The module names (as the kernel spells them) with debuginfo whose
 * name matches PATTERN. */
static void collect_modules(const char *dir, const char *pat, Vec *out, int depth)
{
	if (depth > 8)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		const char *ko = strstr(e->d_name, ".ko");
		if (ko && (!strcmp(ko, ".ko") || !strcmp(ko, ".ko.debug"))) {
			char *name = arena_strndup(e->d_name, ko - e->d_name);
			for (char *p = name; *p; p++)
				if (*p == '-')
					*p = '_';
			if (fnmatch(pat, name, 0) != 0)
				continue;
			bool dup = false;
			for (int i = 0; i < out->len && !dup; i++)
				dup = !strcmp(vec_get(out, i), name);
			if (!dup)
				vec_push(out, name);
			continue;
		}
		char *sub = format("%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			collect_modules(sub, pat, out, depth + 1);
	}
	closedir(d);
}

Vec dw_debug_dirs(void)
{
	Vec out = {0};
	char *list = arena_strdup(debuginfo_path());
	for (char *save = NULL, *el = strtok_r(list, ":", &save); el;
	     el = strtok_r(NULL, ":", &save)) {
		if (*el == '+' || *el == '-')
			el++;
		if (*el == '/')
			vec_push(&out, el);
	}
	return out;
}

Vec dw_modules(const char *pattern)
{
	Vec out = {0}, dirs = dw_debug_dirs();
	for (int i = 0; i < dirs.len; i++)
		collect_modules(format("%s/lib/modules/%s", (char *)vec_get(&dirs, i),
				       sess->kernel_release), pattern, &out, 0);
	return out;
}

/* ------------------------------------------------------------------ */
/* -L: the $variables at a probe point, " $name:type" each: parameters
 * and the function's outermost locals whose location covers PC. */

static bool located_at(Dwarf_Die *var, uint64_t pc)
{
	Dwarf_Attribute a;
	if (dwarf_attr_integrate(var, DW_AT_const_value, &a))
		return true;
	if (!dwarf_attr_integrate(var, DW_AT_location, &a))
		return false;
	Dwarf_Op *expr;
	size_t len;
	return dwarf_getlocation_addr(&a, pc, &expr, &len, 1) > 0 && len > 0;
}

void dw_list_vars(DwIndex *idx, uint64_t cu_off, uint64_t die_off, uint64_t pc,
		  bool is_return, StrBuf *out)
{
	Dwarf_Die cu, die, c, t;
	Dwarf_Attribute ra;
	if (!unit_die(idx->module, cu_off, die_off, &cu, &die))
		return;
	/* .return: the value first, for functions that return one */
	if (is_return && dwarf_formref_die(dwarf_attr_integrate(&die, DW_AT_type, &ra), &t)) {
		sb_puts(out, " $return:");
		dw_type_name(&t, out);
	}
	if (dwarf_child(&die, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		if (tag != DW_TAG_formal_parameter && tag != DW_TAG_variable)
			continue;
		Dwarf_Attribute a;
		const char *name = dwarf_formstring(dwarf_attr_integrate(&c, DW_AT_name, &a));
		if (!name || !located_at(&c, pc))
			continue;
		Dwarf_Die t;
		sb_printf(out, " $%s:", name);
		dw_type_name(dwarf_formref_die(dwarf_attr_integrate(&c, DW_AT_type, &a), &t) ?
			     &t : NULL, out);
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* ------------------------------------------------------------------ */
/* Prologues: SystemTap's automatic prologue searching.  Code compiled
 * without optimization stores its parameters to the stack in the
 * prologue and describes them there (no location lists), so a probe at
 * the function's first instruction would read slots not written yet: it
 * goes where the first statement after the prologue begins. */

static bool producer_optimized(const char *producer)
{
	bool opt = false;
	for (const char *p = producer; (p = strstr(p, " -O")); p += 3)
		opt = p[3] != '0';
	return opt;
}

bool dw_cu_optimized(Dwarf_Die *cu)
{
	Dwarf_Attribute a;
	const char *producer = dwarf_formstring(dwarf_attr(cu, DW_AT_producer, &a));
	return producer && producer_optimized(producer);
}

uint64_t dw_prologue_end(DwIndex *idx, const DwEntry *e)
{
	Dwarf_Die cu, die;
	Dwarf_Attribute a;
	if ((e->flags & (DWF_SYMTAB | DWF_INLINE)) ||
	    !unit_die(idx->module, e->cu, e->die, &cu, &die))
		return 0;
	const char *producer = dwarf_formstring(dwarf_attr(&cu, DW_AT_producer, &a));
	if (producer && producer_optimized(producer))
		return 0;
	Dwarf_Addr lo, hi;
	if (dwarf_lowpc(&die, &lo) != 0 || dwarf_highpc(&die, &hi) != 0 || lo != e->addr)
		return 0;
	Dwarf_Lines *lines;
	size_t n;
	if (dwarf_getsrclines(&cu, &lines, &n) != 0)
		return 0;
	uint64_t best = 0;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr addr;
		bool stmt = false, end = false;
		if (dwarf_lineaddr(l, &addr) || dwarf_linebeginstatement(l, &stmt) ||
		    dwarf_lineendsequence(l, &end) || end || !stmt)
			continue;
		if (addr > lo && addr < hi && (!best || addr < best))
			best = addr;
	}
	return best;
}

/* ------------------------------------------------------------------ */
/* C++: the namespaces and classes a function is declared in, "ns::C"
 * ("" at file scope), through its declaration when the definition is
 * out of line (DW_AT_specification). */
const char *dw_scope_name(DwIndex *idx, const DwEntry *e)
{
	DwFile *f = dw_file(idx->module);
	Dwarf_Die die, decl;
	Dwarf_Attribute a;
	if (!f->dw || (e->flags & DWF_SYMTAB) || !dwarf_offdie(f->dw, e->die, &die))
		return "";
	while (dwarf_attr(&die, DW_AT_specification, &a) ||
	       dwarf_attr(&die, DW_AT_abstract_origin, &a)) {
		if (!dwarf_formref_die(&a, &decl))
			break;
		die = decl;
	}
	Dwarf_Die *scopes;
	int n = dwarf_getscopes_die(&die, &scopes);
	StrBuf sb = {0};
	for (int i = n - 1; i >= 1; i--) {
		int tag = dwarf_tag(&scopes[i]);
		const char *nm = dwarf_diename(&scopes[i]);
		if (!nm || (tag != DW_TAG_namespace && tag != DW_TAG_class_type &&
			    tag != DW_TAG_structure_type && tag != DW_TAG_union_type))
			continue;
		sb_printf(&sb, "%s%s", sb.len ? "::" : "", nm);
	}
	if (n > 0)
		free(scopes);
	char *r = arena_strdup(sb.buf ? sb.buf : "");
	sb_release(&sb);
	return r;
}
