/*
 * ksym.c - kernel text symbols without debuginfo.
 *
 * kernel.function("NAME") and kprobe.function("NAME") are resolved by
 * name: the module registers its kprobes by symbol name, so the kernel
 * applies the KASLR offset itself.  The symbol list only serves to check
 * names and expand wildcards at compile time.  It comes from, in order:
 * a real System.map of the target kernel (Debian ships a placeholder),
 * /proc/kallsyms or /sys/kernel/btf/vmlinux when the target is the running
 * kernel, or the BTF inside the kernel image (vmlinuz: an XZ-compressed
 * ELF whose .BTF section names every function).  The names read from an
 * image are cached in $SYSTEMTAP_DIR/cache/ksyms-RELEASE-SIZE-MTIME.
 */
#include <errno.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "stap.h"

#include <unistd.h>

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

static void finish_list(Vec *v)
{
	syms = (char **)v->data;
	nsyms = v->len;
	bool sorted = true;
	for (int i = 1; i < nsyms && sorted; i++)
		sorted = strcmp(syms[i - 1], syms[i]) <= 0;
	if (nsyms && !sorted)
		qsort(syms, nsyms, sizeof(*syms), cmp_str);
	int j = 0;
	for (int i = 0; i < nsyms; i++)
		if (j == 0 || strcmp(syms[j - 1], syms[i]))
			syms[j++] = syms[i];
	nsyms = j;
}

/* Call FN on each line of TEXT (NUL-terminated in place). */
static void for_each_line(char *text, void (*fn)(char *line, void *arg), void *arg)
{
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		fn(line, arg);
		if (!nl)
			break;
		line = nl + 1;
	}
}

/* A System.map or kallsyms line: "ffffffff81000000 T name [module]" */
static void map_line(char *line, void *arg)
{
	char *sp1 = strchr(line, ' ');
	if (!sp1 || !sp1[1] || sp1[2] != ' ')
		return;
	char type = sp1[1];
	char *name = sp1 + 3;
	if ((type == 'T' || type == 't' || type == 'W' || type == 'w') &&
	    !strpbrk(name, "\t ") && !blocked(name) && !strchr(name, '.'))
		vec_push(arg, name);
}

static bool load_map(const char *path)
{
	char *text = read_file(path, NULL);
	if (!text)
		return false;
	Vec v = {0};
	for_each_line(text, map_line, &v);
	if (v.len == 0)
		return false;
	finish_list(&v);
	return true;
}

static void add_name(const char *name, void *arg)
{
	if (!blocked(name) && !strchr(name, '.'))
		vec_push(arg, arena_strdup(name));
}

static bool load_btf_file(const char *path)
{
	size_t len;
	char *data = read_file(path, &len);
	if (!data)
		return false;
	Vec v = {0};
	if (btf_func_names(data, len, add_name, &v) <= 0)
		return false;
	finish_list(&v);
	return true;
}

static void name_line(char *line, void *arg)
{
	if (*line)
		vec_push(arg, line);
}

/* One name per line, as written by save_names(). */
static bool load_names(const char *path)
{
	char *text = read_file(path, NULL);
	if (!text)
		return false;
	Vec v = {0};
	for_each_line(text, name_line, &v);
	if (!v.len)
		return false;
	finish_list(&v);
	return true;
}

static void save_names(const char *path)
{
	StrBuf sb = {0};
	for (int i = 0; i < nsyms; i++)
		sb_printf(&sb, "%s\n", syms[i]);
	save_file(path, sb.buf ? sb.buf : "", sb.len);
	sb_release(&sb);
}

/* Decompress the XZ payload of a bzImage into a malloc'ed buffer. */
static unsigned char *unxz_image(const unsigned char *img, size_t len, size_t *outlen)
{
	static const unsigned char magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	const unsigned char *p = memmem(img, len, magic, sizeof(magic));
	if (!p)
		return NULL;
	lzma_stream strm = LZMA_STREAM_INIT;
	if (lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return NULL;
	size_t cap = 128 << 20;
	unsigned char *out = malloc(cap);
	if (!out)
		return NULL;
	strm.next_in = p;
	strm.avail_in = len - (p - img);
	strm.next_out = out;
	strm.avail_out = cap;
	lzma_ret r;
	for (;;) {
		r = lzma_code(&strm, LZMA_FINISH);
		if (r != LZMA_OK)
			break;
		if (strm.avail_out == 0) {
			size_t used = cap;
			cap *= 2;
			unsigned char *n = realloc(out, cap);
			if (!n) {
				r = LZMA_MEM_ERROR;
				break;
			}
			out = n;
			strm.next_out = out + used;
			strm.avail_out = cap - used;
		}
	}
	/* trailing bytes after the stream make the decoder stop with an
	 * error once the ELF is complete: keep what was decoded */
	*outlen = strm.total_out;
	lzma_end(&strm);
	if (r == LZMA_MEM_ERROR || *outlen == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The ELF inside the bzImage at PATH, decompressed into a malloc'ed
 * buffer of *LEN bytes, or NULL. */
unsigned char *kimage_elf(const char *path, size_t *len)
{
	size_t n;
	unsigned char *img = (unsigned char *)read_file(path, &n);
	return img ? unxz_image(img, n, len) : NULL;
}

/* A malloc'ed copy of section SEC of the ELF inside the bzImage at PATH,
 * or NULL. */
void *kimage_section(const char *path, const char *sec, size_t *seclen)
{
	size_t elflen;
	unsigned char *elfdata = kimage_elf(path, &elflen);
	if (!elfdata)
		return NULL;
	void *r = NULL;
	elf_version(EV_CURRENT);
	Elf *elf = elf_memory((char *)elfdata, elflen);
	size_t shstrndx;
	if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				continue;
			const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
			if (!name || strcmp(name, sec) ||
			    sh.sh_offset + sh.sh_size > elflen)
				continue;
			r = malloc(sh.sh_size ? sh.sh_size : 1);
			if (r) {
				memcpy(r, elfdata + sh.sh_offset, sh.sh_size);
				*seclen = sh.sh_size;
			}
			break;
		}
	}
	if (elf)
		elf_end(elf);
	free(elfdata);
	return r;
}

/* Where the cache keeps what KIND says of the file PATH (a kernel image,
 * a System.map): $SYSTEMTAP_DIR/cache/KIND-RELEASE-SIZE-MTIME-INODE, valid
 * while that file is the same; NULL when PATH cannot be read. */
char *kimage_cache_name(const char *kind, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return NULL;
	return format("%s/%s-%s-%lld-%lld-%llu", sess->cache_dir, kind,
		      sess->kernel_release, (long long)st.st_size,
		      (long long)st.st_mtime, (unsigned long long)st.st_ino);
}

/* The session kernel's compressed image (vmlinuz), or NULL. */
char *kimage_path(void)
{
	const char *rel = sess->kernel_release;
	const char *home = getenv("HOME");
	const char *cache = getenv("STAPVM_CACHE");
	char *images[] = {
		format("/boot/vmlinuz-%s", rel),
		cache ? format("%s/%s/vmlinuz", cache, rel) : NULL,
		home ? format("%s/.cache/stapvm/%s/vmlinuz", home, rel) : NULL,
	};
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++)
		if (images[i] && access(images[i], R_OK) == 0)
			return images[i];
	return NULL;
}

static bool load_image_btf(const char *path)
{
	size_t len;
	char *btf = kimage_section(path, ".BTF", &len);
	if (!btf)
		return false;
	Vec v = {0};
	bool ok = btf_func_names(btf, len, add_name, &v) > 0;
	if (ok)
		finish_list(&v);
	free(btf);
	return ok;
}

/*
 * Load the names from PATH with LOAD, through the cache: the sorted list
 * of a file is kept in $SYSTEMTAP_DIR/cache/ksyms-RELEASE-SIZE-MTIME-INODE.
 */
static bool load_cached(const char *path, bool (*load)(const char *))
{
	char *saved = kimage_cache_name("ksyms", path);
	if (!saved)
		return false;
	if (load_names(saved))
		return true;
	if (verbose_for(2))
		fprintf(stderr, "Reading kernel function names from \"%s\"\n", path);
	if (!load(path))
		return false;
	save_names(saved);
	return true;
}

void ksym_reset(void)
{
	syms = NULL;
	nsyms = 0;
	loaded = false;
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
		if (paths[i] && load_cached(paths[i], load_map))
			return true;
	struct utsname u;
	if (uname(&u) == 0 && !strcmp(u.release, rel) &&
	    (load_map("/proc/kallsyms") || load_btf_file("/sys/kernel/btf/vmlinux")))
		return true;
	char *images[] = {
		format("/boot/vmlinuz-%s", rel),
		cache ? format("%s/%s/vmlinuz", cache, rel) : NULL,
		home ? format("%s/.cache/stapvm/%s/vmlinuz", home, rel) : NULL,
	};
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++)
		if (images[i] && load_cached(images[i], load_image_btf))
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
