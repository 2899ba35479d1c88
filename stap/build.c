/*
 * build.c - passes 3 and 4: write the module's C, build it with the
 * kernel's kbuild, and keep the result in the module cache.
 *
 * The cache key covers everything that changes the module: the generated
 * C, the runtime sources, the module name, the kernel release and build
 * tree configuration, the compiler and this stap.  A hit skips kbuild.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stap.h"

/* ------------------------------------------------------------------ */
/* Temporary directory, removed at exit and on signals (unless -k) */

static char tmpdir[PATH_MAX];

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void remove_tmpdir(void)
{
	if (!tmpdir[0])
		return;
	if (sess->keep_tmpdir) {
		fprintf(stderr, "Keeping temporary directory \"%s\"\n", tmpdir);
	} else {
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		if (verbose_for(5) > 1)
			fprintf(stderr, "Removed temporary directory \"%s\"\n", tmpdir);
	}
	tmpdir[0] = '\0';
}

static void on_signal(int sig)
{
	if (tmpdir[0] && !sess->keep_tmpdir)
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool make_tmpdir(void)
{
	if (tmpdir[0])
		return true;
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/stapXXXXXX", base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "stap: cannot create temporary directory '%s': %s\n",
			tmpdir, strerror(errno));
		tmpdir[0] = '\0';
		return false;
	}
	atexit(remove_tmpdir);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (verbose_for(3) > 1)
		fprintf(stderr, "Created temporary directory \"%s\"\n", tmpdir);
	sess->tmpdir = tmpdir;
	return true;
}

/* The temporary directory, made on first use (pass 2 may need it for
 * the headers of @cast), or NULL */
const char *stap_tmpdir(void)
{
	return make_tmpdir() ? tmpdir : NULL;
}

/* ------------------------------------------------------------------ */
/* Hashing: two FNV-1a 64 lanes, 32 hex digits */

typedef struct Hash {
	uint64_t a, b;
} Hash;

static void hash_init(Hash *h)
{
	h->a = 0xcbf29ce484222325ULL;
	h->b = 0x84222325cbf29ce4ULL;
}

static void hash_bytes(Hash *h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h->a = (h->a ^ s[i]) * 0x100000001b3ULL;
		h->b = (h->b ^ s[i]) * 0x100000001b3ULL;
		h->b ^= h->b >> 29;
	}
}

static void hash_str(Hash *h, const char *s)
{
	hash_bytes(h, s ? s : "(null)", strlen(s ? s : "(null)") + 1);
}

static void hash_stat(Hash *h, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		hash_bytes(h, &st.st_size, sizeof(st.st_size));
		hash_bytes(h, &st.st_mtime, sizeof(st.st_mtime));
		hash_bytes(h, &st.st_ino, sizeof(st.st_ino));
	}
	hash_str(h, path);
}

static Hash *runtime_hash;

static int hash_runtime_file(const char *path, const struct stat *st, int flag,
			     struct FTW *ftw)
{
	(void)st; (void)ftw;
	if (flag != FTW_F)
		return 0;
	size_t len;
	char *text = read_file(path, &len);
	hash_str(runtime_hash, path + strlen(sess->runtime_dir));
	if (text)
		hash_bytes(runtime_hash, text, len);
	return 0;
}

static char *module_hash(const char *csrc, size_t len)
{
	Hash h;
	hash_init(&h);
	hash_str(&h, STAP_VERSION);
	hash_bytes(&h, csrc, len);
	hash_str(&h, sess->module_name);
	hash_str(&h, sess->kernel_release);
	hash_str(&h, sess->kernel_build_tree);
	hash_stat(&h, format("%s/.config", sess->kernel_build_tree));
	hash_stat(&h, format("%s/include/generated/utsrelease.h", sess->kernel_build_tree));
	hash_stat(&h, format("%s/Module.symvers", sess->kernel_build_tree));
	hash_stat(&h, "/usr/bin/gcc");
	hash_stat(&h, "/proc/self/exe");
	runtime_hash = &h;
	nftw(sess->runtime_dir, hash_runtime_file, 16, FTW_PHYS);
	return format("%016llx%016llx", (unsigned long long)h.a,
		      (unsigned long long)h.b);
}

/* ------------------------------------------------------------------ */

bool write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "stap: cannot write '%s': %s\n", path, strerror(errno));
		return false;
	}
	return true;
}

bool copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = read_file(from, &len);
	if (!data)
		return false;
	char *tmp = format("%s.tmp%d", to, (int)getpid());
	if (!write_file(tmp, data, len))
		return false;
	if (rename(tmp, to) != 0) {
		unlink(tmp);
		return false;
	}
	return true;
}

/* Run kbuild in the temporary directory, output to build.log (the
 * stap_system markers: its command line, its start, its status). */
static int run_kbuild(const char *log)
{
	char *cmd = format("make -C %s M=%s modules --no-print-directory -j2",
			   sess->kernel_build_tree, tmpdir);
	STAP_PROBE1(stap, stap_system__start, cmd);
	pid_t pid = fork();
	int spawned = pid < 0 ? errno : 0;
	STAP_PROBE2(stap, stap_system__spawn, spawned, (int)pid);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		char *argv[] = {
			"make", "-C", sess->kernel_build_tree,
			format("M=%s", tmpdir), "modules",
			"--no-print-directory", "-j2", NULL,
		};
		execvp("make", argv);
		_exit(127);
	}
	int rc = child_status(pid);
	STAP_PROBE2(stap, stap_system__complete, rc, (int)pid);
	return rc;
}

static void show_build_errors(const char *log)
{
	char *text = read_file(log, NULL);
	if (!text)
		return;
	/* the compiler's own messages, as SystemTap shows them */
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strcasestr(line, "error") || strcasestr(line, "warning") ||
		    verbose_for(4))
			fprintf(stderr, "%s\n", line);
		if (!nl)
			break;
		line = nl + 1;
	}
}

bool build_module(void)
{
	Stamp t = now_stamp();
	char *csrc = NULL;
	size_t clen = 0;
	FILE *mem = open_memstream(&csrc, &clen);
	if (!mem)
		fatal("out of memory");
	STAP_PROBE1(stap, pass3__start, sess);
	bool ok = translate(mem);
	fclose(mem);
	if (!ok) {
		STAP_PROBE1(stap, pass3__end, sess);
		free(csrc);
		fprintf(stderr, "Pass 3: translation failed.  [man error::pass3]\n");
		return false;
	}
	char *hash = module_hash(csrc, clen);
	sess->hash = hash;
	char *name = sess->module_name ? sess->module_name :
		     format("stap_%s_%zu", hash, clen % 100000);
	char *cdir = format("%s/%.2s/%s", sess->cache_dir, hash, hash);
	char *cached_ko = format("%s/%s.ko", cdir, name);
	char *cached_c = format("%s/%s_src.c", cdir, name);
	char *final_ko = cached_ko;
	if (sess->module_name) {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			strcpy(cwd, ".");
		final_ko = format("%s/%s.ko", cwd, name);
	}

	if (!sess->disable_cache && access(cached_ko, R_OK) == 0) {
		free(csrc);
		STAP_PROBE2(stap, cache__get, cached_c, cached_ko);
		STAP_PROBE1(stap, pass3__end, sess);
		if (verbose_for(3))
			fprintf(stderr, "Pass 3: using cached %s\n", cached_c);
		if (verbose_for(4))
			fprintf(stderr, "Pass 4: using cached %s\n", cached_ko);
		if (final_ko != cached_ko && !copy_file(cached_ko, final_ko)) {
			fprintf(stderr, "stap: cannot copy module to '%s': %s\n",
				final_ko, strerror(errno));
			return false;
		}
		sess->ko_path = final_ko;
		return true;
	}

	if (access(format("%s/Makefile", sess->kernel_build_tree), R_OK) != 0) {
		free(csrc);
		fprintf(stderr, "stap: kernel build tree for %s not found at '%s'; install linux-headers-%s (scripts/install-deps)\n",
			sess->kernel_release, sess->kernel_build_tree, sess->kernel_release);
		fprintf(stderr, "Pass 4: compilation failed.  [man error::pass4]\n");
		return false;
	}
	if (!make_tmpdir()) {
		free(csrc);
		return false;
	}
	char *c_path = format("%s/%s_src.c", tmpdir, name);
	sess->c_path = c_path;
	ok = write_file(c_path, csrc, clen) && lines_write(tmpdir);
	free(csrc);
	if (!ok)
		return false;
	if (verbose_for(3))
		fprintf(stderr, "Pass 3: translated to C into \"%s\" using %s, in %s.\n",
			c_path, memory_use(), elapsed(&t));
	STAP_PROBE1(stap, pass3__end, sess);
	if (sess->last_pass == 3)
		return true;

	t = now_stamp();
	STAP_PROBE1(stap, pass4__start, sess);
	/* as SystemTap's: a gcc warning fails the build (-Werror) */
	char *mk = format("obj-m := %s.o\n%s-y := %s_src.o\n"
			  "ccflags-y := -I%s -Wno-unused -Wno-declaration-after-statement -Werror%s\n",
			  name, name, name, sess->runtime_dir, lines_asm_flags());
	if (!write_file(format("%s/Makefile", tmpdir), mk, strlen(mk)))
		return false;
	char *log = format("%s/build.log", tmpdir);
	int rc = run_kbuild(log);
	char *built = format("%s/%s.ko", tmpdir, name);
	STAP_PROBE1(stap, pass4__end, sess);
	if (rc != 0 || access(built, R_OK) != 0) {
		show_build_errors(log);
		if (sess->keep_tmpdir)
			fprintf(stderr, "stap: kbuild failed; its log is in %s\n", log);
		fprintf(stderr, "Pass 4: compilation failed.  [man error::pass4]\n");
		return false;
	}
	if (verbose_for(4) > 1)
		show_build_errors(log);
	if (verbose_for(4))
		fprintf(stderr, "Pass 4: compiled C into \"%s.ko\" in %s.\n", name,
			elapsed(&t));

	/* the module stays in the cache, or in the build directory (removed
	 * after the run) without it; -m, and -p4 without the cache as in
	 * SystemTap, put it in the current directory as well */
	bool cached = false;
	if (!sess->disable_cache) {
		mkdir_p(cdir);
		STAP_PROBE2(stap, cache__add__module, built, cached_ko);
		cached = copy_file(built, cached_ko);
		if (cached) {
			STAP_PROBE2(stap, cache__add__source, c_path, cached_c);
			copy_file(c_path, cached_c);
		}
	}
	if (!sess->module_name && !cached) {
		final_ko = built;
		if (sess->disable_cache && sess->last_pass == 4) {
			char cwd[PATH_MAX];
			if (!getcwd(cwd, sizeof(cwd)))
				strcpy(cwd, ".");
			final_ko = format("%s/%s.ko", cwd, name);
		}
	}
	if (final_ko != cached_ko && final_ko != built &&
	    !copy_file(built, final_ko)) {
		fprintf(stderr, "stap: cannot copy module to '%s': %s\n",
			final_ko, strerror(errno));
		return false;
	}
	sess->ko_path = final_ko;
	return true;
}
