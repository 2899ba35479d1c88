/*
 * main.c - the stap driver: options, then the passes from a table.
 *
 *   pass 1  parse the script and the tapset library     (parse.c)
 *   pass 2  elaborate: probes, symbols, types            (elaborate.c, type.c)
 *   pass 3  translate to C                               (translate.c)
 *   pass 4  build the kernel module with kbuild          (build.c)
 *   pass 5  run it with staprun, here or --remote        (this file, remote.c)
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stap.h"

Session *sess;

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

static void usage(FILE *out)
{
	fprintf(out,
"Systemtap translator/driver (version %s/%s)\n"
"Usage: stap [options] FILE [ARGS ...]         Run script in file.\n"
"   or: stap [options] -                        Run script on stdin.\n"
"   or: stap [options] -e SCRIPT               Run given script.\n"
"Options (in %s/rc and on command line):\n"
"   --         end of translator options, script options follow\n"
"   -h --help  show help\n"
"   -V --version  show version\n"
"   -p NUM     stop after pass NUM 1-5, instead of 5\n"
"              (parse, elaborate, translate, compile, run)\n"
"   -v         add verbosity to all passes\n"
"   -k         keep temporary directory\n"
"   -u         unoptimized translation\n"
"   -w         suppress warnings\n"
"   -W         turn warnings into errors\n"
"   -g         guru mode\n"
"   -I DIR     look in DIR for additional .stp script files, in addition to\n"
"              %s\n"
"   -D NM=VAL  emit macro definition into generated C code\n"
"   -R DIR     look in DIR for runtime, instead of\n"
"              %s\n"
"   -r DIR     cross-compile to kernel with given build tree; or else\n"
"   -r RELEASE cross-compile to kernel /lib/modules/RELEASE/build, instead of\n"
"              %s\n"
"   -m MODULE  set probe module name, instead of stap_<hash>\n"
"   -o FILE    send script output to file, instead of stdout\n"
"   -c CMD     start the probes, run CMD, and exit when it finishes\n"
"   -x PID     sets target() to PID\n"
"   -s NUM     buffer size in megabytes, instead of 4\n"
"   -b         bulk (percpu file) mode\n"
"   -F         run as on-file flight recorder with -o;\n"
"              run as on-memory flight recorder without -o\n"
"   -S size[,n] set maximum of the size and the number of files\n"
"   -T TIMEOUT exit the script after TIMEOUT seconds\n"
"   -G VAR=VAL set global variable to value\n"
"   -e SCRIPT  run given script\n"
"   -l PROBE   just list matching probes\n"
"   -L PROBE   just list matching probes and script-level variables\n"
"   -d OBJECT  add unwind/symbol data for OBJECT file (accepted)\n"
"   --ldd      add unwind/symbol data for referenced libraries (accepted)\n"
"   --dump-functions  list the tapset functions and their signatures\n"
"   --dump-probe-aliases  list the tapset probe aliases\n"
"   --dump-probe-types  list the supported probe point types\n"
"   --remote=unix:PATH | vm\n"
"              run pass 5 through stapsh at a unix socket, or in the test VM\n"
"   --disable-cache  neither read nor write the module cache\n"
"   --skip-badvars  substitute 0 for unresolvable $target variables\n"
"   --no-global-var-display  do not print written-but-unread globals at exit\n",
		STAP_VERSION, STAP_NAME, sess->cache_dir ? sess->cache_dir : "~/.systemtap",
		sess->tapset_dir, sess->runtime_dir,
		sess->kernel_build_tree ? sess->kernel_build_tree : "/lib/modules/RELEASE/build");
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

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
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
	const char *sd = getenv("SYSTEMTAP_DIR");
	const char *home = getenv("HOME");
	sess->cache_dir = sd ? format("%s/cache", sd) :
			  format("%s/.systemtap/cache", home ? home : "/tmp");
}

static void set_kernel(const char *r)
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
	if (!r) {
		uname(&u);
		r = u.release;
	}
	sess->kernel_release = arena_strdup(r);
	sess->kernel_build_tree = format("/lib/modules/%s/build", r);
}

/* ------------------------------------------------------------------ */
/* Pass 1 */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .stp (or .stpm) files directly in DIR, sorted. */
static void list_tapsets_in(const char *dir, const char *suffix, Vec *out)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	Vec names = {0};
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		vec_push(&names, arena_strdup(e->d_name));
	}
	closedir(d);
	if (names.len)
		qsort(names.data, names.len, sizeof(void *), cmp_names);
	for (int i = 0; i < names.len; i++) {
		char *path = format("%s/%s", dir, (char *)vec_get(&names, i));
		size_t n = strlen(path), sl = strlen(suffix);
		if (n > sl && !strcmp(path + n - sl, suffix) && !is_dir(path))
			vec_push(out, path);
	}
}

/*
 * The library files of one tapset directory, as SystemTap picks them: the
 * directory itself, its subdirectory for the architecture, the one for
 * the runtime (linux) and linux/ARCH.  Other subdirectories (other
 * architectures, other runtimes such as dyninst or bpf) are not read.
 */
static void list_tapsets(const char *dir, const char *suffix, Vec *out)
{
	const char *subs[] = { "", sess->arch, "linux",
			       format("linux/%s", sess->arch) };
	for (int i = 0; i < 4; i++)
		list_tapsets_in(*subs[i] ? format("%s/%s", dir, subs[i]) : dir,
				suffix, out);
}

/* --parse-library FILE: parse one tapset file as a library file (after
 * the .stpm macros of the tapset path), for testsuite/oracle. */
static char *parse_library;

static bool pass1(void)
{
	File *user;
	if (sess->script_text) {
		user = new_file("<input>", sess->script_text);
	} else {
		const char *path = sess->script_file;
		char *text = read_file(path, NULL);
		if (!text) {
			fprintf(stderr, "stap: cannot open script file '%s': %s\n",
				path, strerror(errno));
			return false;
		}
		user = new_file(strcmp(path, "-") ? path : "<input>", text);
	}
	user->is_user = true;

	/* library macros first, then library scripts, then the user's */
	Vec dirs = {0};
	for (int i = 0; i < sess->include_dirs.len; i++)
		vec_push(&dirs, vec_get(&sess->include_dirs, i));
	vec_push(&dirs, sess->tapset_dir);
	for (int i = 0; i < dirs.len; i++) {
		Vec macros = {0};
		list_tapsets(vec_get(&dirs, i), ".stpm", &macros);
		for (int j = 0; j < macros.len; j++) {
			char *text = read_file(vec_get(&macros, j), NULL);
			if (!text)
				continue;
			File *f = new_file(vec_get(&macros, j), text);
			f->is_tapset = true;
			load_macro_file(f);
			sess->nlibrary_files++;
		}
	}
	if (parse_library) {
		char *text = read_file(parse_library, NULL);
		if (!text) {
			fprintf(stderr, "stap: cannot open library file '%s': %s\n",
				parse_library, strerror(errno));
			return false;
		}
		File *f = new_file(parse_library, text);
		f->is_tapset = true;
		size_t n = strlen(parse_library);
		if (n > 5 && !strcmp(parse_library + n - 5, ".stpm")) {
			load_macro_file(f);
			return sess->parse_errors == 0;
		}
		vec_push(&sess->files, f);
		return parse_file(f) && sess->parse_errors == 0;
	}
	bool ok = true;
	for (int i = 0; i < dirs.len; i++) {
		Vec files = {0};
		list_tapsets(vec_get(&dirs, i), ".stp", &files);
		for (int j = 0; j < files.len; j++) {
			char *text = read_file(vec_get(&files, j), NULL);
			if (!text)
				continue;
			File *f = new_file(vec_get(&files, j), text);
			f->is_tapset = true;
			vec_push(&sess->files, f);
			sess->nlibrary_files++;
			if (!parse_file(f))
				ok = false;
		}
	}
	vec_push(&sess->files, user);
	if (!parse_file(user))
		ok = false;
	if (sess->timeout_s) {
		/* -T SECS, as SystemTap: a synthetic timer probe */
		File *t = new_file("<synthetic>",
				   format("probe timer.ms(%lld) { exit() }\n",
					  sess->timeout_s * 1000LL));
		t->is_user = true;
		vec_push(&sess->files, t);
		if (!parse_file(t))
			ok = false;
	}
	return ok && sess->parse_errors == 0;
}

/* -G NAME=VALUE needs a scalar global NAME of the script, and a number
 * when NAME is a long. */
static bool check_global_settings(void)
{
	bool ok = true;
	for (int i = 0; i < sess->globals_set.len; i++) {
		char *set = vec_get(&sess->globals_set, i);
		char *eq = strchr(set, '=');
		char *name = arena_strndup(set, eq - set);
		Var *g = NULL;
		for (int j = 0; j < sess->used_globals.len && !g; j++) {
			Var *v = vec_get(&sess->used_globals, j);
			if (!strcmp(v->name, name) && v->file && v->file->is_user)
				g = v;
		}
		if (!g || g->arity > 0 || g->type == TY_STATS) {
			fprintf(stderr, "semantic error: -G %s: the script has no scalar global '%s' to set\n\n",
				set, name);
			ok = false;
			continue;
		}
		char *end;
		errno = 0;
		(void)strtoll(eq + 1, &end, 0);
		if (g->type == TY_LONG && (!eq[1] || *end || errno)) {
			fprintf(stderr, "semantic error: -G %s: '%s' is a long, '%s' is not a number\n\n",
				set, name, eq + 1);
			ok = false;
		}
	}
	return ok;
}

/* ------------------------------------------------------------------ */
/* Pass 5 */

static bool kernel_loads_modules(void)
{
	return access("/proc/modules", R_OK) == 0;
}

/* The staprun options that carry the session's settings; -o stays local
 * with --remote (the remote output comes back to this side's stdout). */
static void staprun_options(Vec *argv, bool with_output)
{
	for (int i = 1; i < sess->verbose; i++)
		vec_push(argv, "-v");
	if (sess->cmd) {
		vec_push(argv, "-c");
		vec_push(argv, sess->cmd);
	}
	if (sess->target_pid) {
		vec_push(argv, "-x");
		vec_push(argv, format("%d", sess->target_pid));
	}
	if (with_output && sess->output_file) {
		vec_push(argv, "-o");
		vec_push(argv, sess->output_file);
	}
	if (sess->suppress_warnings)
		vec_push(argv, "-w");
	if (sess->bufsize_mb) {
		vec_push(argv, "-b");
		vec_push(argv, format("%d", sess->bufsize_mb));
	}
	if (sess->flight)
		vec_push(argv, "-F");
	if (with_output && sess->rotate) {
		vec_push(argv, "-S");
		vec_push(argv, sess->rotate);
	}
}

static int run_local(void)
{
	Vec argv = {0};
	vec_push(&argv, sess->staprun_path);
	staprun_options(&argv, true);
	vec_push(&argv, sess->ko_path);
	for (int i = 0; i < sess->globals_set.len; i++)
		vec_push(&argv, vec_get(&sess->globals_set, i));
	vec_push(&argv, NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("stap: fork");
		return 1;
	}
	if (pid == 0) {
		execv(sess->staprun_path, (char **)argv.data);
		fprintf(stderr, "stap: cannot run '%s': %s\n", sess->staprun_path,
			strerror(errno));
		_exit(127);
	}
	/* staprun handles SIGINT itself: stap waits for it to finish */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	if (rc)
		fprintf(stderr, "WARNING: %s exited with status: %d\n",
			sess->staprun_path, rc);
	return rc;
}

static int run_remote(void)
{
	Vec argv = {0};
	staprun_options(&argv, false);
	for (int i = 0; i < sess->globals_set.len; i++)
		vec_push(&argv, vec_get(&sess->globals_set, i));
	vec_push(&argv, NULL);
	FILE *saved = NULL;
	int fd_saved = -1;
	if (sess->output_file) {
		/* -o applies on this side: the remote stdout goes to FILE */
		fflush(stdout);
		fd_saved = dup(1);
		saved = freopen(sess->output_file, "w", stdout);
		if (!saved) {
			fprintf(stderr, "stap: cannot open output file '%s': %s\n",
				sess->output_file, strerror(errno));
			return 1;
		}
	}
	int rc = remote_run(sess->remote, sess->ko_path, (char *const *)argv.data,
			    sess->verbose);
	if (fd_saved >= 0) {
		fflush(stdout);
		dup2(fd_saved, 1);
		close(fd_saved);
	}
	if (rc < 0)
		return 1;
	if (rc)
		fprintf(stderr, "WARNING: staprun exited with status: %d\n", rc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Options */

enum {
	OPT_REMOTE = 256, OPT_DISABLE_CACHE, OPT_NO_GLOBAL_DISPLAY, OPT_VP,
	OPT_HELP, OPT_VERSION, OPT_TMPDIR, OPT_SKIP_BADVARS,
	OPT_ALL_MODULES, OPT_PARSE_LIBRARY, OPT_DUMP_FUNCTIONS,
	OPT_DUMP_PROBE_ALIASES, OPT_DUMP_PROBE_TYPES, OPT_LDD,
};

static void version(void)
{
	printf("Systemtap translator/driver (version %s/%s, a C implementation)\n"
	       "This is free software; see the source for copying conditions.\n"
	       "Tested with Debian 12 (bookworm) kernels.\n"
	       "enabled features: KERNEL_MODULES REMOTE\n",
	       STAP_VERSION, STAP_NAME);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "remote", required_argument, NULL, OPT_REMOTE },
		{ "disable-cache", no_argument, NULL, OPT_DISABLE_CACHE },
		{ "no-global-var-display", no_argument, NULL, OPT_NO_GLOBAL_DISPLAY },
		{ "vp", required_argument, NULL, OPT_VP },
		{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
		{ "dump-functions", no_argument, NULL, OPT_DUMP_FUNCTIONS },
		{ "dump-probe-aliases", no_argument, NULL, OPT_DUMP_PROBE_ALIASES },
		{ "dump-probe-types", no_argument, NULL, OPT_DUMP_PROBE_TYPES },
		{ "ldd", no_argument, NULL, OPT_LDD },
		{ "skip-badvars", no_argument, NULL, OPT_SKIP_BADVARS },
		{ "all-modules", no_argument, NULL, OPT_ALL_MODULES },
		{ "parse-library", required_argument, NULL, OPT_PARSE_LIBRARY },
		{ NULL, 0, NULL, 0 },
	};
	const char *release = getenv("SYSTEMTAP_RELEASE");
	bool have_script = false;
	int c;
	while ((c = getopt_long(argc, argv, "+hVvp:I:e:o:r:m:kgc:x:D:uwWG:R:l:L:d:s:bFS:T:",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case 'V':
		case OPT_VERSION:
			version();
			exit(0);
		case 'v':
			sess->verbose++;
			break;
		case 'p': {
			char *end;
			long p = strtol(optarg, &end, 10);
			if (*end || p < 1 || p > 5)
				fatal("invalid pass number (should be 1-5)");
			sess->last_pass = p;
			break;
		}
		case 'I':
			vec_push(&sess->include_dirs, optarg);
			break;
		case 'e':
			if (have_script)
				fatal("only one script can be given");
			sess->script_text = optarg;
			have_script = true;
			break;
		case 'o':
			sess->output_file = optarg;
			break;
		case 'r':
			release = optarg;
			break;
		case 'm': {
			size_t n = strlen(optarg);
			if (n >= 56)
				fatal("module name '%s' is too long (at most 55 characters)", optarg);
			for (size_t i = 0; i < n; i++)
				if (!(optarg[i] == '_' || (optarg[i] >= 'a' && optarg[i] <= 'z') ||
				      (optarg[i] >= 'A' && optarg[i] <= 'Z') ||
				      (optarg[i] >= '0' && optarg[i] <= '9')))
					fatal("module name '%s' may contain only letters, digits and '_'", optarg);
			sess->module_name = optarg;
			break;
		}
		case 'k':
			sess->keep_tmpdir = true;
			break;
		case 'g':
			sess->guru = true;
			break;
		case 'c':
			sess->cmd = optarg;
			break;
		case 'x': {
			char *end;
			long pid = strtol(optarg, &end, 10);
			if (*end || pid <= 0)
				fatal("invalid target process ID '%s'", optarg);
			sess->target_pid = pid;
			break;
		}
		case 'D':
			vec_push(&sess->defines, optarg);
			break;
		case 's': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 4095)
				fatal("Invalid buffer size (should be 1-4095).");
			sess->bufsize_mb = n;
			break;
		}
		case 'b':
			sess->bulk = true;
			break;
		case 'F':
			sess->flight = true;
			break;
		case 'S': {
			char *end;
			long n = strtol(optarg, &end, 10), k = 0;
			if (*end == ',')
				k = strtol(end + 1, &end, 10);
			if (*end || n < 1 || k < 0)
				fatal("Invalid parameter for -S.");
			sess->rotate = optarg;
			break;
		}
		case 'T': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 1000000)
				fatal("Invalid timeout interval.");
			sess->timeout_s = n;
			break;
		}
		case 'u':
			sess->unoptimized = true;
			break;
		case 'w':
			sess->suppress_warnings = true;
			break;
		case 'W':
			sess->warnings_as_errors = true;
			break;
		case 'G':
			if (!strchr(optarg, '='))
				fatal("-G needs VAR=VALUE");
			vec_push(&sess->globals_set, optarg);
			break;
		case 'R':
			sess->runtime_dir = optarg;
			break;
		case 'l':
		case 'L':
			sess->list_pattern = optarg;
			sess->list_vars = c == 'L';
			sess->script_text = format("probe %s {}", optarg);
			have_script = true;
			break;
		case 'd':
			/* symbols of MODULE for backtraces: accepted; the
			 * kernel's own symbols are what this runtime uses */
			vec_push(&sess->extra_modules, optarg);
			break;
		case OPT_LDD:
			sess->ldd = true;
			break;
		case OPT_DUMP_FUNCTIONS:
		case OPT_DUMP_PROBE_ALIASES:
		case OPT_DUMP_PROBE_TYPES:
			sess->dump = c == OPT_DUMP_FUNCTIONS ? 1 :
				     c == OPT_DUMP_PROBE_ALIASES ? 2 : 3;
			sess->script_text = "probe never {}";
			have_script = true;
			break;
		case OPT_REMOTE:
			sess->remote = optarg;
			break;
		case OPT_SKIP_BADVARS:
			sess->skip_badvars = true;
			break;
		case OPT_DISABLE_CACHE:
			sess->disable_cache = true;
			break;
		case OPT_NO_GLOBAL_DISPLAY:
			sess->no_global_display = true;
			break;
		case OPT_VP:
			for (int i = 0; optarg[i] && i < 5; i++)
				sess->pass_verbose[i] = optarg[i] - '0';
			break;
		case OPT_TMPDIR:
			setenv("TMPDIR", optarg, 1);
			break;
		case OPT_ALL_MODULES:
			/* the symbols of every module for backtraces: ours
			 * come from the kernel at run time */
			break;
		case OPT_PARSE_LIBRARY:
			parse_library = optarg;
			sess->last_pass = 1;
			have_script = true;
			sess->script_text = "";
			break;
		default:
			fprintf(stderr, "Try 'stap --help' for more information.\n");
			exit(1);
		}
	}
	if (!have_script) {
		if (optind >= argc) {
			fprintf(stderr, "stap: a script must be specified.\n"
				"Try 'stap --help' for more information.\n");
			exit(1);
		}
		sess->script_file = argv[optind++];
	}
	for (; optind < argc; optind++)
		vec_push(&sess->args, argv[optind]);
	if (sess->cmd && sess->target_pid)
		fatal("you can't specify -c and -x options together");
	if (sess->rotate && !sess->output_file)
		fatal("-S needs -o FILE");
	if (sess->remote && sess->output_file && (sess->flight || sess->rotate))
		fatal("-F or -S with -o: the output files are written where staprun runs, which --remote cannot do");
	if (sess->remote && sess->bulk)
		fatal("-b: the per-CPU output files are written where staprun runs, which --remote cannot do");

	if (sess->remote && remote_check_url(sess->remote))
		exit(1);	/* it said why */
	if (!release && sess->remote) {
		release = remote_kernel_release(sess->remote);
		if (!release)
			exit(1);	/* it said why */
	}
	set_kernel(release);
	struct utsname u;
	uname(&u);
	/* pass 5 runs only on the host's own kernel, or remotely */
	if (!sess->remote && strcmp(sess->kernel_release, u.release) &&
	    sess->last_pass > 4)
		sess->last_pass = 4;
}

int main(int argc, char **argv)
{
	sess = arena_alloc(sizeof(*sess));
	sess->last_pass = 5;
	sess->arch = "x86_64";
	atexit(print_suppressed);
	set_paths();
	parse_args(argc, argv);

	if (verbose_for(2) > 1) {
		fprintf(stderr, "Session arch: %s release: %s\n", sess->arch,
			sess->kernel_release);
		fprintf(stderr, "Build tree: \"%s\"\n", sess->kernel_build_tree);
	}

	/* pass 1 */
	Stamp t = now_stamp();
	if (!pass1()) {
		if (sess->parse_errors)
			fprintf(stderr, "%d parse error%s.\n", sess->parse_errors,
				sess->parse_errors == 1 ? "" : "s");
		fprintf(stderr, "Pass 1: parse failed.  [man error::pass1]\n");
		return 1;
	}
	if (parse_library)
		return 0;
	if (verbose_for(1))
		fprintf(stderr, "Pass 1: parsed user script and %d library script%s using %s, in %s.\n",
			sess->nlibrary_files, plural(sess->nlibrary_files, "", "s"),
			memory_use(), elapsed(&t));
	if (sess->list_pattern)
		return list_probes(sess->list_vars) > 0 ? 0 : 1;
	if (sess->dump)
		return sess->dump == 1 ? dump_functions() :
		       sess->dump == 2 ? dump_probe_aliases() : dump_probe_types();
	if (sess->last_pass == 1) {
		unparse_session(stdout);
		return 0;
	}

	/* pass 2 */
	t = now_stamp();
	bool ok = elaborate();
	if (ok && !check_global_settings())
		ok = false;
	/* -W: warnings count as errors (they are shown as warnings) */
	if (ok && sess->warnings_as_errors && sess->warnings)
		ok = false;
	/* SystemTap reports the figures even when the pass failed */
	if (verbose_for(2))
		fprintf(stderr, "Pass 2: analyzed script: %d probe%s, %d function%s, %d embed%s, %d global%s using %s, in %s.\n",
			sess->derived.len, plural(sess->derived.len, "", "s"),
			sess->used_functions.len, plural(sess->used_functions.len, "", "s"),
			sess->used_embeds.len, plural(sess->used_embeds.len, "", "s"),
			sess->used_globals.len, plural(sess->used_globals.len, "", "s"),
			memory_use(), elapsed(&t));
	if (!ok) {
		fprintf(stderr, "Pass 2: analysis failed.  [man error::pass2]\n");
		return 1;
	}
	if (sess->last_pass == 2) {
		dump_elaborated(stdout);
		return 0;
	}
	/* no point building what cannot run here */
	if (sess->last_pass == 5 && !sess->remote && !kernel_loads_modules()) {
		fprintf(stderr, "stap: this kernel cannot load modules; run the script in the test VM with --remote=vm\n");
		return 1;
	}

	/* pass 3 */
	t = now_stamp();
	if (sess->last_pass == 3) {
		if (!translate(stdout)) {
			fprintf(stderr, "Pass 3: translation failed.  [man error::pass3]\n");
			return 1;
		}
		if (verbose_for(3))
			fprintf(stderr, "Pass 3: translated to C using %s, in %s.\n",
				memory_use(), elapsed(&t));
		return 0;
	}
	/* passes 3 and 4 together: build.c writes the C (or finds it cached) */
	if (!build_module())
		return 1;
	if (sess->last_pass == 4) {
		printf("%s\n", sess->ko_path);
		return 0;
	}

	/* pass 5 */
	if (verbose_for(5))
		fprintf(stderr, "Pass 5: starting run.\n");
	t = now_stamp();
	int rc = sess->remote ? run_remote() : run_local();
	if (verbose_for(5))
		fprintf(stderr, "Pass 5: run completed in %s.\n", elapsed(&t));
	if (rc)
		fprintf(stderr, "Pass 5: run failed.  [man error::pass5]\n");
	return rc ? 1 : 0;
}
