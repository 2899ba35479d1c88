/*
 * session.c - the session: the options and what the passes produce
 * (Session, stap.h), the paths of the tree and of the target kernel, and
 * the figures of the -v pass lines.  Every pass reads the session; none
 * of them calls the driver (main.c).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "stap.h"

Session *sess;

static void set_paths(void);

/* A new session with the defaults: all passes, this tree's paths. */
void session_new(void)
{
	sess = arena_alloc(sizeof(*sess));
	sess->last_pass = 5;
	sess->arch = "x86_64";
	sess->compatible = STAP_VERSION;
	set_paths();
}

/* Is the --compatible level older than VERSION (a rule of VERSION off)? */
bool compat_before(const char *version)
{
	return strverscmp(sess->compatible ? sess->compatible : STAP_VERSION,
			  version) < 0;
}

/* Forget the front end's state (the fuzzer runs passes 1-2 many times). */
void front_end_reset(void)
{
	tokenize_reset();
	elaborate_reset();
	error_reset();
	ksym_reset();
	dw_reset();
	tvar_reset();
	trace_reset();
}

/* $SYSTEMTAP_DIR, default ~/.systemtap: the rc file and the cache */
char *session_dir(void)
{
	const char *sd = getenv("SYSTEMTAP_DIR");
	const char *home = getenv("HOME");
	return sd ? arena_strdup(sd) : format("%s/.systemtap", home ? home : "/tmp");
}

/* ------------------------------------------------------------------ */
/* -v pass lines: "using NNNvirt/NNNres/NNNshr/NNNdata kb, in Nusr/Nsys/Nreal ms." */

Stamp now_stamp(void)
{
	Stamp s;
	struct rusage self, kids;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s.real_ms = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	s.usr_ms = (self.ru_utime.tv_sec + kids.ru_utime.tv_sec) * 1000 +
		   (self.ru_utime.tv_usec + kids.ru_utime.tv_usec) / 1000;
	s.sys_ms = (self.ru_stime.tv_sec + kids.ru_stime.tv_sec) * 1000 +
		   (self.ru_stime.tv_usec + kids.ru_stime.tv_usec) / 1000;
	return s;
}

char *elapsed(Stamp *since)
{
	Stamp n = now_stamp();
	return format("%ldusr/%ldsys/%ldreal ms", n.usr_ms - since->usr_ms,
		      n.sys_ms - since->sys_ms, n.real_ms - since->real_ms);
}

char *memory_use(void)
{
	long virt = 0, res = 0, shr = 0, text = 0, lib = 0, data = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld %ld %ld %ld %ld", &virt, &res, &shr, &text,
			   &lib, &data) != 6)
			virt = res = shr = data = 0;
		fclose(f);
	}
	long kb = sysconf(_SC_PAGESIZE) / 1024;
	return format("%ldvirt/%ldres/%ldshr/%lddata kb", virt * kb, res * kb,
		      shr * kb, data * kb);
}

int verbose_for(int pass)
{
	return sess->verbose + sess->pass_verbose[pass - 1];
}

/* ------------------------------------------------------------------ */
/* Paths of the tree: the built stap sits in stap/, next to tapset/,
 * runtime/ and staprun/ (run-stap sets the same through the environment). */

static char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return arena_strdup(".");
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return arena_strdup(buf);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void set_paths(void)
{
	char *dir = self_dir();
	const char *env;
	char *tree_tapset = format("%s/../tapset", dir);
	char *tree_runtime = format("%s/../runtime", dir);
	if ((env = getenv("SYSTEMTAP_TAPSET")))
		sess->tapset_dir = arena_strdup(env);
	else if (is_dir(tree_tapset))
		sess->tapset_dir = tree_tapset;
	else
		sess->tapset_dir = format("%s/../share/systemtap/tapset", dir);
	if ((env = getenv("SYSTEMTAP_RUNTIME")))
		sess->runtime_dir = arena_strdup(env);
	else if (is_dir(tree_runtime))
		sess->runtime_dir = tree_runtime;
	else
		sess->runtime_dir = format("%s/../share/systemtap/runtime", dir);
	char *rp = realpath(sess->tapset_dir, NULL);
	if (rp)
		sess->tapset_dir = arena_strdup(rp);
	free(rp);
	rp = realpath(sess->runtime_dir, NULL);
	if (rp)
		sess->runtime_dir = arena_strdup(rp);
	free(rp);
	if ((env = getenv("SYSTEMTAP_STAPRUN")))
		sess->staprun_path = arena_strdup(env);
	else if (access(format("%s/../staprun/staprun", dir), X_OK) == 0)
		sess->staprun_path = format("%s/../staprun/staprun", dir);
	else
		sess->staprun_path = format("%s/staprun", dir);
	sess->cache_dir = format("%s/cache", session_dir());
}

/*
 * Does this machine know the session's kernel release: its build tree,
 * its image (for BTF and symbols), a System.map or its debuginfo?
 * SystemTap insists on the build tree's .config even at -p1; here -p1
 * and -p2 work with any of them.
 */
static bool kernel_known(void)
{
	const char *r = sess->kernel_release;
	const char *paths[] = {
		format("%s/Makefile", sess->kernel_build_tree),
		format("/boot/System.map-%s", r),
		format("/usr/lib/debug/boot/vmlinux-%s", r),
		format("/usr/lib/debug/lib/modules/%s/vmlinux", r),
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], R_OK) == 0)
			return true;
	return kimage_path() != NULL;
}

void session_set_kernel(const char *r)
{
	if (r && strchr(r, '/')) {
		sess->kernel_build_tree = arena_strdup(r);
		char *rel = read_file(format("%s/include/config/kernel.release", r), NULL);
		if (!rel)
			fatal("cannot find the kernel release of build tree '%s'", r);
		rel[strcspn(rel, "\n")] = '\0';
		sess->kernel_release = rel;
		return;
	}
	static struct utsname u;
	uname(&u);
	if (!r)
		r = u.release;
	sess->kernel_release = arena_strdup(r);
	sess->kernel_build_tree = format("/lib/modules/%s/build", r);
	if (strcmp(r, u.release) && !kernel_known())
		fatal("kernel release '%s' not found: no build tree at '%s', no kernel image, no debuginfo",
		      r, sess->kernel_build_tree);
}

