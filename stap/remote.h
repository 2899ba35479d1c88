/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stap --remote: pass 5 on a stapsh at the other end of a unix socket
 * ("unix:PATH", e.g. a virtio-serial port of a VM), in the test VM
 * ("vm", booted or reused with `stapvm start`), or run by ssh
 * ("ssh://[USER@]HOST[:PORT]", "[USER@]HOST[:PORT]": `ssh HOST stapsh`).  Protocol: doc/stapsh.md.
 * Plain C11 + POSIX; nothing else from stap/ is used.
 */
#ifndef STAP_REMOTE_H
#define STAP_REMOTE_H

/* Run MODULE_PATH on the remote target URL ("unix:PATH" or "vm") with
 * staprun arguments ARGV (NULL-terminated, e.g. {"-c", "cmd", NULL}, not
 * including the module path); streams the remote stdout/stderr to ours and
 * forwards SIGINT/SIGTERM. Returns staprun's exit status, or -1 with a
 * one-line message printed on failure. VERBOSE is stap's -v level.
 * Elements of ARGV of the form NAME=VALUE (not option arguments), and all
 * elements after a "--", are module parameters: they go after the module
 * on the staprun command line.  -o FILE is applied remotely: redirect
 * stdout locally instead. */
int remote_run(const char *url, const char *module_path, char *const argv[], int verbose);
/* A target of remote_run_all: in URL, INDEX, MODULE_PATH; out STATUS
 * (staprun's exit status, or -1 when the run failed, which was said). */
struct remote_job {
	const char *url;
	int index;		/* of its --remote, for the "N: " prefix */
	const char *module_path;
	int status;
};
/* remote_run on each of the N JOBS at once (a child process each).  Their
 * output comes here line by line, each line after "INDEX: " when PREFIX;
 * SIGINT/SIGTERM/SIGHUP are forwarded to all. */
void remote_run_all(struct remote_job *jobs, int n, char *const argv[],
		    int verbose, int prefix);
/* Ask the target URL's stapsh for its kernel release (`uname -r`) and
 * machine (`uname -m`); "vm": `stapvm kver --fetch` (the kernel is
 * downloaded if not cached: pass 2 needs its image) and this machine's.  0 with
 * two malloc'ed strings, or -1 with a one-line message naming URL. */
int remote_target_info(const char *url, char **release, char **machine);
/* The kernel release of the target URL ("vm": as `stapvm kver` prints it;
 * "unix:PATH": ask stapsh). Returns a malloc'ed string, or NULL with a
 * one-line message printed. */
char *remote_kernel_release(const char *url);
/* 0 if URL is a remote we know ("unix:PATH", "vm", "ssh://[USER@]HOST
 * [:PORT]", "[USER@]HOST[:PORT]"); else -1 with a one-line message. */
int remote_check_url(const char *url);

/* Extensions used by vm/stapvm (through build/vm/stapvm-client). */

/* Run the shell command CMD as USER (NULL: root) on the target; returns
 * its exit status (128+N if killed by signal N) or -1. */
int remote_exec(const char *url, const char *user, const char *cmd, int verbose);
/* Copy the local file SRC to DEST on the target (DEST/basename if DEST is
 * a directory or ends in '/'); 0 or -1. */
int remote_put(const char *url, const char *src, const char *dest, int verbose);
/* Handshake only, waiting up to TIMEOUT_MS for stapsh to answer; 0, -1,
 * or -2 if it speaks another protocol version (silently when QUIET). */
int remote_ping(const char *url, int timeout_ms, int quiet);

/* Prefix of our messages ("stap" by default). */
extern const char *remote_progname;

#endif
