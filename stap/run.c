/*
 * run.c - pass 5: the module runs under staprun, on this machine or
 * through stapsh at a --remote target (remote.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stap.h"

bool kernel_loads_modules(void)
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
	if (sess->uses_stdin)
		vec_push(argv, "-i");	/* stdin is the module's */
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
	int rc = child_status(pid);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (rc < 0)
		rc = 1;
	if (rc)
		fprintf(stderr, "WARNING: %s exited with status: %d\n",
			sess->staprun_path, rc);
	return rc;
}

/* Pass 5 on every --remote target that answered, at once; 0 when each
 * run went well and none was left out. */
static int run_remotes(char *const argv[])
{
	struct remote_job *jobs = arena_alloc(sizeof(*jobs) * sess->remotes.len);
	int n = 0, rc = sess->remote_failures ? 1 : 0;
	for (int i = 0; i < sess->remotes.len; i++) {
		RemoteTarget *t = vec_get(&sess->remotes, i);
		if (t->failed)
			continue;
		jobs[n].url = t->url;
		jobs[n].index = i;
		jobs[n].module_path = t->ko_path ? t->ko_path : sess->ko_path;
		n++;
	}
	remote_run_all(jobs, n, argv, sess->verbose, sess->remote_prefix);
	for (int i = 0; i < n; i++) {
		if (jobs[i].status < 0)
			fprintf(stderr, "stap: the run on remote '%s' failed\n",
				jobs[i].url);
		else if (jobs[i].status)
			fprintf(stderr, "WARNING: staprun on remote '%s' exited with status: %d\n",
				jobs[i].url, jobs[i].status);
		if (jobs[i].status)
			rc = 1;
	}
	if (sess->remote_failures)
		fprintf(stderr, "stap: %d of %d remotes could not be reached\n",
			sess->remote_failures, sess->remotes.len);
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
	int rc;
	if (sess->remotes.len == 1 && !sess->remote_prefix) {
		rc = remote_run(sess->remote, sess->ko_path,
				(char *const *)argv.data, sess->verbose);
		if (rc < 0)
			rc = 1;
		else if (rc)
			fprintf(stderr, "WARNING: staprun exited with status: %d\n", rc);
	} else {
		rc = run_remotes((char *const *)argv.data);
	}
	if (fd_saved >= 0) {
		fflush(stdout);
		dup2(fd_saved, 1);
		close(fd_saved);
	}
	return rc;
}


/* Pass 5: staprun's exit status (0 when the run went well). */
int run_module(void)
{
	return sess->remote ? run_remote() : run_local();
}
