/*
 * main.c - the stap driver: the options, then the passes in order.
 *
 *   pass 1  parse the tapset library and the script  (library.c, parse.c)
 *   pass 2  elaborate: probes, names, types           (elaborate.c)
 *   pass 3  translate to C                            (translate.c)
 *   pass 4  build the kernel module with kbuild       (build.c)
 *   pass 5  run it with staprun, here or --remote     (run.c, remote.c)
 *
 * Nothing calls back into this file: the session (session.c) holds what
 * the passes share.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include "stap.h"

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
"   -t         collect probe timing information\n"
"   -T TIMEOUT exit the script after TIMEOUT seconds\n"
"   -G VAR=VAL set global variable to value\n"
"   -e SCRIPT  run given script\n"
"   -l PROBE   just list matching probes\n"
"   -L PROBE   just list matching probes and script-level variables\n"
"   -d OBJECT  add unwind/symbol data for OBJECT file\n"
"   --ldd      add unwind/symbol data for referenced user-space objects.\n"
"   --dump-functions  list the tapset functions and their signatures\n"
"   --dump-probe-aliases  list the tapset probe aliases\n"
"   --dump-probe-types  list the supported probe point types\n"
"   --remote=URL  run pass 5 on URL: [USER@]HOST[:PORT] or\n"
"              ssh://[USER@]HOST[:PORT] (ssh HOST stapsh), unix:PATH (stapsh\n"
"              at a unix socket) or vm (the test VM); may be repeated\n"
"   --remote-prefix  prefix each line of remote output with \"N: \", N the\n"
"              index of its --remote (from 0)\n"
"   --disable-cache  neither read nor write the module cache\n"
"   --compatible=VERSION\n"
"              suppress the language and tapset changes made after VERSION\n"
"   --skip-badvars  substitute 0 for unresolvable $target variables\n"
"   --suppress-time-limits\n"
"              disable -DMAXACTION*, -DSTP_OVERLOAD* (needs -g)\n"
"   --suppress-handler-errors\n"
"              catch all runtime errors, quietly skip probe handlers\n"
"   --no-global-var-display  do not print written-but-unread globals at exit\n",
		STAP_VERSION, STAP_NAME, session_dir(),
		sess->tapset_dir, sess->runtime_dir,
		sess->kernel_build_tree ? sess->kernel_build_tree : "/lib/modules/RELEASE/build");
}

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ------------------------------------------------------------------ */
/* Options */

enum {
	OPT_REMOTE = 256, OPT_DISABLE_CACHE, OPT_NO_GLOBAL_DISPLAY, OPT_VP,
	OPT_HELP, OPT_VERSION, OPT_TMPDIR, OPT_SKIP_BADVARS,
	OPT_ALL_MODULES, OPT_PARSE_LIBRARY, OPT_DUMP_FUNCTIONS,
	OPT_DUMP_PROBE_ALIASES, OPT_DUMP_PROBE_TYPES, OPT_LDD,
	OPT_SUPPRESS_TIME_LIMITS, OPT_SUPPRESS_HANDLER_ERRORS, OPT_COMPATIBLE,
	OPT_REMOTE_PREFIX,
};

static void version(void)
{
	printf("Systemtap translator/driver (version %s/%s, a C implementation)\n"
	       "This is free software; see the source for copying conditions.\n"
	       "Tested with Debian 12 (bookworm) kernels.\n"
	       "enabled features: KERNEL_MODULES REMOTE\n",
	       STAP_VERSION, STAP_NAME);
}

/*
 * Ask each --remote target for its kernel release and machine, as
 * SystemTap does before pass 1; one that cannot be reached is said and
 * left out (the run goes on with the others, and fails at the end).
 * Returns the first release; sess->remote_releases gets each distinct
 * one, for which passes 1-4 run once.
 */
/*
 * The targets are asked at once, each by a child whose stderr and answer
 * ("\nOK MACHINE RELEASE" last) come back through a pipe, so that
 * unreachable ones cost one connection timeout in all and their messages
 * keep the targets' order.  Returns 0 and malloc'ed *REL, *MACH, or -1.
 */
static int ask_remote_child(int fd, char **rel, char **mach)
{
	StrBuf sb = {0};
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sb_putn(&sb, buf, n);
	}
	close(fd);
	char *text = sb.buf ? sb.buf : "", *ok = strstr(text, "\nOK ");
	int rc = -1;
	if (ok) {
		*ok = 0;
		char m[256], r[256];
		if (sscanf(ok + 1, "OK %255s %255s", m, r) == 2) {
			*mach = strdup(m);
			*rel = strdup(r);
			rc = 0;
		}
	}
	fputs(text, stderr);
	sb_release(&sb);
	return rc;
}

static const char *ask_remotes(void)
{
	int n = sess->remotes.len, *fds = calloc(n, sizeof(int));
	pid_t *pids = calloc(n, sizeof(pid_t));
	if (!fds || !pids)
		fatal("out of memory");
	fflush(stdout);
	fflush(stderr);
	bool at_once = n > 1;	/* one target: its messages as they come */
	for (int i = 0; at_once && i < n; i++) {
		RemoteTarget *t = vec_get(&sess->remotes, i);
		int p[2];
		if (pipe(p) || (pids[i] = fork()) < 0)
			fatal("cannot ask '%s': %s", t->url, strerror(errno));
		if (pids[i] == 0) {
			char *rel, *mach;
			close(p[0]);
			dup2(p[1], STDERR_FILENO);
			if (!remote_target_info(t->url, &rel, &mach))
				dprintf(p[1], "\nOK %s %s\n", mach, rel);
			_exit(0);
		}
		close(p[1]);
		fds[i] = p[0];
	}
	for (int i = 0; i < n; i++) {
		RemoteTarget *t = vec_get(&sess->remotes, i);
		char *rel = NULL, *mach = NULL;
		int rc;
		if (at_once) {
			rc = ask_remote_child(fds[i], &rel, &mach);
			waitpid(pids[i], NULL, 0);
		} else {
			rc = remote_target_info(t->url, &rel, &mach);
		}
		if (rc) {
			t->failed = true;
			sess->remote_failures++;
			continue;
		}
		if (verbose_for(1) > 1)
			fprintf(stderr, "Remote '%s': %s %s\n", t->url, mach, rel);
		if (strcmp(mach, sess->arch)) {
			fprintf(stderr, "stap: remote '%s' runs on %s; modules are built for %s only\n",
				t->url, mach, sess->arch);
			t->failed = true;
			sess->remote_failures++;
		} else {
			t->release = arena_strdup(rel);
			int j = 0;
			while (j < sess->remote_releases.len &&
			       strcmp(vec_get(&sess->remote_releases, j), rel))
				j++;
			if (j == sess->remote_releases.len)
				vec_push(&sess->remote_releases, t->release);
		}
		free(rel);
		free(mach);
	}
	free(fds);
	free(pids);
	if (!sess->remote_releases.len)
		exit(1);	/* each said why */
	return vec_get(&sess->remote_releases, 0);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "remote", required_argument, NULL, OPT_REMOTE },
		{ "remote-prefix", no_argument, NULL, OPT_REMOTE_PREFIX },
		{ "disable-cache", no_argument, NULL, OPT_DISABLE_CACHE },
		{ "no-global-var-display", no_argument, NULL, OPT_NO_GLOBAL_DISPLAY },
		{ "vp", required_argument, NULL, OPT_VP },
		{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
		{ "dump-functions", no_argument, NULL, OPT_DUMP_FUNCTIONS },
		{ "dump-probe-aliases", no_argument, NULL, OPT_DUMP_PROBE_ALIASES },
		{ "dump-probe-types", no_argument, NULL, OPT_DUMP_PROBE_TYPES },
		{ "ldd", no_argument, NULL, OPT_LDD },
		{ "skip-badvars", no_argument, NULL, OPT_SKIP_BADVARS },
		{ "suppress-time-limits", no_argument, NULL, OPT_SUPPRESS_TIME_LIMITS },
		{ "suppress-handler-errors", no_argument, NULL, OPT_SUPPRESS_HANDLER_ERRORS },
		{ "all-modules", no_argument, NULL, OPT_ALL_MODULES },
		{ "compatible", required_argument, NULL, OPT_COMPATIBLE },
		{ "parse-library", required_argument, NULL, OPT_PARSE_LIBRARY },
		{ NULL, 0, NULL, 0 },
	};
	const char *release = getenv("SYSTEMTAP_RELEASE");
	bool have_script = false;
	int c;
	/*
	 * GNU getopt permutes, as SystemTap's: options may follow the script
	 * ("stap f.stp -c CMD"), the first word that is not an option is the
	 * script (unless -e, -l, -L or a --dump option gave one), the other
	 * such words are its arguments, and "--" ends the options.
	 */
	while ((c = getopt_long(argc, argv, "hVvp:I:e:o:r:m:kgc:x:D:uwWG:R:l:L:d:s:btFS:T:",
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
			/* the report is the runtime's: -DSTP_TIMING is -t */
			if (!strncmp(optarg, "STP_TIMING", 10) &&
			    (!optarg[10] || optarg[10] == '='))
				sess->timing = true;
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
		case 't':
			sess->timing = true;
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
			/* symbols of OBJECT for backtraces: user-space
			 * files (usym.c); the kernel's own symbols are
			 * what this runtime uses for the kernel's */
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
		case OPT_REMOTE: {
			RemoteTarget *t = arena_alloc(sizeof(*t));
			memset(t, 0, sizeof(*t));
			t->url = optarg;
			vec_push(&sess->remotes, t);
			if (!sess->remote)
				sess->remote = optarg;
			break;
		}
		case OPT_REMOTE_PREFIX:
			sess->remote_prefix = true;
			break;
		case OPT_SKIP_BADVARS:
			sess->skip_badvars = true;
			break;
		case OPT_SUPPRESS_TIME_LIMITS:
			sess->suppress_time_limits = true;
			break;
		case OPT_SUPPRESS_HANDLER_ERRORS:
			sess->suppress_handler_errors = true;
			break;
		case OPT_COMPATIBLE:
			if (strverscmp(STAP_VERSION, optarg) < 0) {
				fprintf(stderr, "ERROR: systemtap version %s cannot be compatible with future version %s\n",
					STAP_VERSION, optarg);
				exit(1);
			}
			sess->compatible = optarg;
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
			sess->parse_library = optarg;
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

	for (int i = 0; i < sess->remotes.len; i++) {
		RemoteTarget *t = vec_get(&sess->remotes, i);
		if (remote_check_url(t->url))
			exit(1);	/* it said why */
	}
	if (!release && sess->remote)
		release = ask_remotes();
	session_set_kernel(release);
	struct utsname u;
	uname(&u);
	/* pass 5 runs only on the host's own kernel, or remotely */
	if (!sess->remote && strcmp(sess->kernel_release, u.release) &&
	    sess->last_pass > 4)
		sess->last_pass = 4;
}

/*
 * $SYSTEMTAP_DIR/rc (default ~/.systemtap/rc): options read first, as if
 * they came before those of the command line.  Its words are split as
 * the shell would (quotes, variables), without running commands.
 */
static void prepend_rc_options(int *argc, char ***argv)
{
	char *rc = format("%s/rc", session_dir());
	char *text = read_file(rc, NULL);
	if (!text)
		return;
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	wordexp_t w;
	if (wordexp(text, &w, WRDE_NOCMD) != 0)
		fatal("error processing extra options in '%s'", rc);
	if (!w.we_wordc)
		return;
	char **nv = arena_alloc(sizeof(*nv) * (*argc + w.we_wordc + 1));
	int n = 0;
	nv[n++] = (*argv)[0];
	for (size_t i = 0; i < w.we_wordc; i++)
		nv[n++] = arena_strdup(w.we_wordv[i]);
	for (int i = 1; i < *argc; i++)
		nv[n++] = (*argv)[i];
	nv[n] = NULL;
	wordfree(&w);
	*argc = n;
	*argv = nv;
}

/* Passes 1 to 4: the exit status when stap stops there, or -1 when
 * sess->ko_path is to run (pass 5). */
static int passes_1_to_4(void)
{
	/* pass 1 */
	Stamp t = now_stamp();
	if (!pass1_parse()) {
		if (sess->parse_errors)
			fprintf(stderr, "%d parse error%s.\n", sess->parse_errors,
				sess->parse_errors == 1 ? "" : "s");
		fprintf(stderr, "Pass 1: parse failed.  [man error::pass1]\n");
		return 1;
	}
	if (sess->parse_library)
		return 0;
	STAP_PROBE1(stap, pass1__end, sess);
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
	STAP_PROBE1(stap, pass2__start, sess);
	bool ok = elaborate();
	STAP_PROBE1(stap, pass2__end, sess);
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
		STAP_PROBE1(stap, pass3__start, sess);
		bool translated = translate(stdout);
		STAP_PROBE1(stap, pass3__end, sess);
		if (!translated) {
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
	return -1;

}

/* Files of build_per_release, removed at exit. */
static Vec per_release_files;

static void remove_per_release(void)
{
	for (int i = per_release_files.len - 1; i >= 0; i--)
		remove(vec_get(&per_release_files, i));
}

/*
 * --remote targets of several kernel releases: passes 1-4 for each
 * release in a child process (the session is built for one kernel), which
 * leaves a copy of its module in a directory of ours and writes its path
 * to a pipe.  A release whose build failed fails its targets.  Returns
 * the exit status when stap stops before pass 5, else -1.
 */
static int build_per_release(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = format("%s/stapXXXXXX", base && *base ? base : "/tmp");
	int worst = 0;
	if (!mkdtemp(dir))
		fatal("cannot create a temporary directory '%s': %s", dir, strerror(errno));
	vec_push(&per_release_files, dir);
	atexit(remove_per_release);
	for (int g = 0; g < sess->remote_releases.len; g++) {
		const char *rel = vec_get(&sess->remote_releases, g);
		int p[2];
		if (pipe(p))
			fatal("cannot make a pipe: %s", strerror(errno));
		fflush(stdout);
		fflush(stderr);
		pid_t pid = fork();
		if (pid < 0)
			fatal("cannot fork: %s", strerror(errno));
		if (pid == 0) {
			close(p[0]);
			per_release_files.len = 0;	/* the parent's to remove */
			session_set_kernel(rel);
			if (verbose_for(1) > 1)
				fprintf(stderr, "Building for kernel release %s\n", rel);
			int rc = passes_1_to_4();
			if (rc < 0) {
				const char *name = strrchr(sess->ko_path, '/');
				char *gdir = format("%s/%d", dir, g);
				char *ko = format("%s/%s", gdir, name ? name + 1 : sess->ko_path);
				rc = 1;
				if (mkdir(gdir, 0700) == 0 && copy_file(sess->ko_path, ko) &&
				    write(p[1], ko, strlen(ko)) == (ssize_t)strlen(ko))
					rc = 0;
			}
			close(p[1]);
			exit(rc);
		}
		close(p[1]);
		char path[4096];
		size_t len = 0;
		ssize_t n;
		while ((n = read(p[0], path + len, sizeof(path) - 1 - len)) > 0 ||
		       (n < 0 && errno == EINTR))
			if (n > 0)
				len += n;
		close(p[0]);
		path[len] = '\0';
		int rc = child_status(pid);
		if (rc < 0)
			rc = 1;
		if (rc > worst)
			worst = rc;
		if (len) {
			char *ko = arena_strdup(path);
			vec_push(&per_release_files, format("%s/%d", dir, g));
			vec_push(&per_release_files, ko);
			if (!sess->ko_path)
				sess->ko_path = ko;
		}
		for (int i = 0; i < sess->remotes.len; i++) {
			RemoteTarget *t = vec_get(&sess->remotes, i);
			if (t->failed || !t->release || strcmp(t->release, rel))
				continue;
			if (len) {
				t->ko_path = arena_strdup(path);
			} else if (sess->last_pass == 5) {
				fprintf(stderr, "stap: no module for kernel %s: skipping remote '%s'\n",
					rel, t->url);
				t->failed = true;
				sess->remote_failures++;
			}
		}
	}
	if (sess->last_pass < 5)
		return worst;
	return sess->ko_path ? -1 : 1;
}

/* The end of a run (SystemTap's pass 6, its cleanup): exit status RC */
static int pass6(int rc)
{
	STAP_PROBE1(stap, pass6__start, sess);
	STAP_PROBE1(stap, pass6__end, sess);
	return rc;
}

int main(int argc, char **argv)
{
	int rc;
	session_new();
	atexit(print_suppressed);
	prepend_rc_options(&argc, &argv);
	parse_args(argc, argv);
	STAP_PROBE1(stap, pass0__start, sess);
	if (sess->suppress_time_limits && !sess->guru) {
		fputs("ERROR --suppress-time-limits requires guru mode (-g)\n",
		      stderr);
		return pass6(1);
	}

	if (verbose_for(2) > 1) {
		fprintf(stderr, "Session arch: %s release: %s\n", sess->arch,
			sess->kernel_release);
		fprintf(stderr, "Build tree: \"%s\"\n", sess->kernel_build_tree);
	}

	STAP_PROBE1(stap, pass0__end, sess);
	rc = sess->remote_releases.len > 1 ? build_per_release() : passes_1_to_4();
	if (rc >= 0)
		return pass6(rc || !sess->remote_failures ? rc : 1);

	/* pass 5 */
	if (verbose_for(5))
		fprintf(stderr, "Pass 5: starting run.\n");
	Stamp t = now_stamp();
	STAP_PROBE1(stap, pass5__start, sess);
	rc = run_module();
	STAP_PROBE1(stap, pass5__end, sess);
	if (verbose_for(5))
		fprintf(stderr, "Pass 5: run completed in %s.\n", elapsed(&t));
	if (rc)
		fprintf(stderr, "Pass 5: run failed.  [man error::pass5]\n");
	return pass6(rc ? 1 : 0);
}
