/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by staprun, stapio and stapsh. */
#ifndef STAPRUN_UTIL_H
#define STAPRUN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

#define STAPRUN_VERSION "0.1"

/* stapio's exit statuses besides 0 and 1, for staprun: it detached and
 * the module keeps running; it could not open the module's channels. */
#define STAPIO_DETACHED 64
#define STAPIO_NOT_ATTACHED 65

extern const char *progname;
extern int verbose;

/* "PROG: MSG\n" on stderr. */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like msg() but only when verbose >= LEVEL. */
void dbg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write all of BUF; returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Read exactly LEN bytes; returns 0, -EPIPE on early EOF, or -errno. */
int read_full(int fd, void *buf, size_t len);

/* NAME next to /proc/self/exe, or in ../lib/systemtap/ or ../../bin/ from
 * there (the installed layout), if that file exists and is executable;
 * else NAME itself (found on PATH by execvp).  Malloc'ed. */
char *sibling_path(const char *name);

/* Install HANDLER for SIG without SA_RESTART (so blocking calls return
 * EINTR) and with SA_SIGINFO. */
int set_signal(int sig, void (*handler)(int, siginfo_t *, void *));

#endif
