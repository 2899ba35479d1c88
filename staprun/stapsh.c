// SPDX-License-Identifier: GPL-2.0
/*
 * stapsh: the far end of `stap --remote`.  Reads line commands from
 * stdin/stdout or from a device (-l PATH, e.g. a virtio-serial port),
 * receives module files, runs staprun on them (or, as an extension, a
 * shell command) and streams the output back in frames that keep stdout,
 * stderr and the exit status apart.  The protocol is in doc/stapsh.md.
 *
 * With -l the device is reopened logically for every client: a virtio
 * port reports the host side's disconnection as EOF/POLLHUP, which ends
 * whatever the client had started and resets the session.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *progname = "stapsh";

#define STAPSH_PROTO	"2"
#define LINE_MAX_LEN	(64 * 1024)
#define FRAME_MAX	(64 * 1024)
#define MAX_ARGS	256
#define TOKEN_MAX	64
/* A file transfer that stops in the middle for RAW_STALL_MS after what
 * looks like another client's hello, or for RAW_GIVEUP_MS in any case,
 * is abandoned (see get_raw). */
#define RAW_STALL_MS	1000
#define RAW_GIVEUP_MS	60000

enum { DISCONNECTED = -EPIPE, RESTART = 1, QUIT = 2 };

struct conn {
	int in_fd, out_fd;
	int is_port;		/* -l: survive disconnections */
	char buf[LINE_MAX_LEN + 1];
	size_t len;		/* bytes in buf */
};

static struct conn c;
static char workdir[64];
static const char *port_path;

/* The session: started by "stap VERSION TOKEN", ended by quit, a lost
 * client or a new "stap" line.  Commands are numbered from 1 within it;
 * each reply (OK, error, exit) carries its command's number. */
static bool in_session;
static unsigned cmd_seq;

/* --- connection I/O -------------------------------------------------- */

/* Wait until FD is ready for EVENTS; -EPIPE if the peer went away.
 * TIMEOUT in ms (-1 = forever); returns 0 on timeout too. */
static int conn_wait(int fd, short events, int timeout)
{
	struct pollfd p = { fd, events, 0 };
	int n;

	for (;;) {
		n = poll(&p, 1, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (p.revents & events)
			return 1;
		if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
			return DISCONNECTED;
	}
}

/* Write everything or fail with -EPIPE once the peer disconnects (a
 * virtio port would otherwise block until the next client). */
static int conn_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(c.out_fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				int r = conn_wait(c.out_fd, POLLOUT, -1);

				if (r < 0)
					return r;
				continue;
			}
			return errno == EPIPE || errno == ENOTCONN ||
			       errno == ECONNRESET ? DISCONNECTED : -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int __attribute__((format(printf, 1, 2))) reply(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	return conn_write(line, n);
}

/* The replies to the current command: "OK N", "error N: MSG". */
static int reply_ok(void)
{
	return reply("OK %u", cmd_seq);
}

static int __attribute__((format(printf, 1, 2))) reply_error(const char *fmt, ...)
{
	char text[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return reply("error %u: %s", cmd_seq, text);
}

/* Read what is available into c.buf, waiting up to TIMEOUT ms (-1:
 * forever) for something to come.  Returns bytes read, DISCONNECTED,
 * -ETIMEDOUT or -errno. */
static int conn_fill(int timeout)
{
	ssize_t n;
	int r;

	if (c.len >= LINE_MAX_LEN)
		return -E2BIG;
	for (;;) {
		r = conn_wait(c.in_fd, POLLIN, timeout);
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0)
			return r;
		n = read(c.in_fd, c.buf + c.len, LINE_MAX_LEN - c.len);
		if (n > 0) {
			c.len += n;
			return n;
		}
		if (n == 0)
			return DISCONNECTED;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

/* Take one line (without '\n') out of c.buf into LINE if there is one. */
static int take_line(char *line)
{
	char *nl = memchr(c.buf, '\n', c.len);
	size_t n;

	if (!nl)
		return 0;
	n = nl - c.buf;
	memcpy(line, c.buf, n);
	line[n] = '\0';
	if (n && line[n - 1] == '\r')
		line[n - 1] = '\0';
	c.len -= n + 1;
	memmove(c.buf, nl + 1, c.len);
	return 1;
}

static int get_line(char *line)
{
	int r;

	while (!take_line(line)) {
		r = conn_fill(-1);
		if (r == -E2BIG) {
			/* Overlong line: drop it (it was a command). */
			c.len = 0;
			reply("error %u: line too long", in_session ? ++cmd_seq : 0);
			continue;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static bool valid_token(const char *t);

/* If the bytes TAIL (LEN of them) end with a hello line "stap VERSION
 * TOKEN\n", put that line back into c.buf and return true. */
static bool tail_hello(const char *tail, size_t len)
{
	char line[TOKEN_MAX + 64], *sp;
	size_t i, n;

	if (len < 2 || tail[len - 1] != '\n')
		return false;
	for (i = len - 1; i > 0 && tail[i - 1] != '\n'; i--)
		;
	for (; i + 5 < len; i++) {
		n = len - i;
		if (memcmp(tail + i, "stap ", 5) || n >= sizeof(line))
			continue;
		memcpy(line, tail + i, n - 1);
		line[n - 1] = '\0';
		sp = strchr(line + 5, ' ');
		if (!sp || sp == line + 5 || !valid_token(sp + 1))
			continue;
		memcpy(c.buf, tail + i, n);
		c.len = n;
		return true;
	}
	return false;
}

/* Read exactly LEN raw bytes of a file transfer, handing them to FD (or
 * dropping them if FD < 0).  A write error is remembered in *WERR and the
 * rest is still consumed so that the stream stays in step.
 *
 * On a port, a client that died in the middle of a transfer may not be
 * seen leaving (doc/stapsh.md), and then the next client's hello is
 * taken for the rest of the file.  A client waits for its greeting after
 * its hello, so a transfer that stalls for RAW_STALL_MS right after what
 * looks like a hello is abandoned for that hello (RESTART, the line back
 * in c.buf); one that stalls for RAW_GIVEUP_MS fails with -ETIMEDOUT. */
static int get_raw(int fd, unsigned long long len, int *werr)
{
	char tail[TOKEN_MAX + 64];
	size_t tlen = 0;
	int stalled = 0;

	while (len > 0) {
		size_t n, k;
		int r;

		if (c.len == 0) {
			r = conn_fill(c.is_port ? RAW_STALL_MS : -1);
			if (r == -ETIMEDOUT) {
				if (tail_hello(tail, tlen)) {
					msg("a transfer stopped in the middle; a new client");
					return RESTART;
				}
				if (++stalled < RAW_GIVEUP_MS / RAW_STALL_MS)
					continue;
			}
			if (r < 0)
				return r;
			stalled = 0;
		}
		n = c.len < len ? c.len : len;
		if (fd >= 0 && !*werr)
			*werr = write_all(fd, c.buf, n);
		/* the last bytes, for tail_hello() */
		k = n < sizeof(tail) ? n : sizeof(tail);
		if (tlen + k > sizeof(tail)) {
			memmove(tail, tail + tlen + k - sizeof(tail),
				sizeof(tail) - k);
			tlen = sizeof(tail) - k;
		}
		memcpy(tail + tlen, c.buf + n - k, k);
		tlen += k;
		c.len -= n;
		memmove(c.buf, c.buf + n, c.len);
		len -= n;
	}
	return 0;
}

/* Wait for a client on the port.  While none is connected a virtio port
 * reports POLLHUP (and POLLIN: read() would return 0) at once, so poll()
 * cannot wait; the port raises SIGIO when the host side connects (with
 * O_ASYNC; SIGIO stays blocked and is taken with sigtimedwait), and a
 * slow poll covers devices that do not. */
static void wait_for_client(void)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	sigset_t io;

	sigemptyset(&io);
	sigaddset(&io, SIGIO);
	for (;;) {
		struct pollfd p = { c.in_fd, POLLIN, 0 };

		if (poll(&p, 1, 1000) > 0 && !(p.revents & POLLHUP) &&
		    (p.revents & POLLIN))
			break;
		/* Not read here what the port holds while it is
		 * disconnected: the next client's first bytes can come
		 * before the guest learns that it connected. */
		if (p.revents & POLLHUP)
			sigtimedwait(&io, NULL, &ts);
	}
	dbg(1, "client connected");
}

/* --- arguments --------------------------------------------------------- */

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Decode a quoted-printable word in place ("=XX" escapes; a lone "=" is
 * the empty string). */
static int qp_decode(char *s)
{
	char *r = s, *w = s;

	if (!strcmp(s, "=")) {
		*s = '\0';
		return 0;
	}
	while (*r) {
		if (*r == '=') {
			int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);

			if (lo < 0)
				return -EINVAL;
			*w++ = hi << 4 | lo;
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return 0;
}

/* Split LINE at single spaces into at most MAX words, qp-decoded. */
static int split_words(char *line, char **words, int max)
{
	int n = 0;
	char *p = line, *sp;

	while (*p) {
		if (n == max)
			return -E2BIG;
		sp = strchr(p, ' ');
		if (sp)
			*sp = '\0';
		if (qp_decode(p))
			return -EINVAL;
		words[n++] = p;
		if (!sp)
			break;
		p = sp + 1;
	}
	words[n] = NULL;
	return n;
}

/* --- session state ----------------------------------------------------- */

static void clean_workdir(void)
{
	DIR *d = opendir(workdir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[sizeof(workdir) + 256];

		if (e->d_name[0] == '.' && (!e->d_name[1] ||
		    (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		snprintf(p, sizeof(p), "%s/%s", workdir, e->d_name);
		unlink(p);
	}
	closedir(d);
}

static void cleanup(void)
{
	clean_workdir();
	rmdir(workdir);
}

/* --- file transfers ---------------------------------------------------- */

static int receive_to(const char *path, unsigned long long size, int mode)
{
	char tmp[4200];
	int fd, r, werr = 0;

	snprintf(tmp, sizeof(tmp), "%s.stapsh-tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		werr = -errno;
	r = get_raw(fd, size, &werr);
	if (fd >= 0) {
		if (!werr && fchmod(fd, mode & 07777))
			werr = -errno;
		if (close(fd) && !werr)
			werr = -errno;
		if (!werr && !r && rename(tmp, path))
			werr = -errno;
		if (werr || r)
			unlink(tmp);	/* not a part of the file in its place */
	}
	if (r)
		return r;
	if (werr)
		return reply_error("cannot write '%s': %s", path,
				   strerror(-werr));
	dbg(1, "received %s (%llu bytes)", path, size);
	return reply_ok();
}

static int parse_size(const char *s, unsigned long long *size)
{
	char *end;

	errno = 0;
	*size = strtoull(s, &end, 10);
	return (*s && !*end && !errno) ? 0 : -EINVAL;
}

/* file SIZE NAME */
static int cmd_file(char **w, int n)
{
	unsigned long long size;
	char path[sizeof(workdir) + 256];
	int werr = 0;

	if (n != 3 || parse_size(w[1], &size))
		return reply_error("usage: file SIZE NAME");
	if (strchr(w[2], '/') || !strcmp(w[2], ".") || !strcmp(w[2], "..") ||
	    !w[2][0] || strlen(w[2]) > 200) {
		int r = get_raw(-1, size, &werr);

		return r ? r : reply_error("invalid file name '%s'", w[2]);
	}
	snprintf(path, sizeof(path), "%s/%s", workdir, w[2]);
	return receive_to(path, size, 0644);
}

/* put SIZE MODE DEST NAME: DEST, or DEST/NAME if DEST is a directory. */
static int cmd_put(char **w, int n)
{
	unsigned long long size;
	char path[4096];
	struct stat st;
	int werr = 0;
	size_t dl;

	if (n != 5 || parse_size(w[1], &size) || !w[3][0]) {
		int r = n >= 2 && !parse_size(w[1], &size) ?
			get_raw(-1, size, &werr) : 0;

		return r ? r : reply_error("usage: put SIZE MODE DEST NAME");
	}
	dl = strlen(w[3]);
	if (w[3][dl - 1] == '/' || (!stat(w[3], &st) && S_ISDIR(st.st_mode)))
		snprintf(path, sizeof(path), "%s%s%s", w[3],
			 w[3][dl - 1] == '/' ? "" : "/", w[4]);
	else
		snprintf(path, sizeof(path), "%s", w[3]);
	return receive_to(path, size, strtol(w[2], NULL, 8));
}

/* --- running programs -------------------------------------------------- */

struct user {
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int ngroups;
	char home[256];
	char name[64];
};

/* Look NAME up in /etc/passwd and /etc/group by hand: a static binary
 * cannot use NSS. */
static int lookup_user(const char *name, struct user *u)
{
	char line[1024];
	FILE *f = fopen("/etc/passwd", "r");
	int found = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *fld[7], *p = line;
		int i;

		for (i = 0; i < 7; i++)
			fld[i] = strsep(&p, ":\n");
		if (!fld[6] || strcmp(fld[0], name))
			continue;
		u->uid = atoi(fld[2]);
		u->gid = atoi(fld[3]);
		snprintf(u->home, sizeof(u->home), "%s", fld[5]);
		snprintf(u->name, sizeof(u->name), "%s", name);
		found = 1;
		break;
	}
	fclose(f);
	if (!found)
		return -ENOENT;
	u->groups[0] = u->gid;
	u->ngroups = 1;
	f = fopen("/etc/group", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && u->ngroups < 64) {
		char *fld[4], *p = line, *m;
		int i;

		for (i = 0; i < 4; i++)
			fld[i] = strsep(&p, ":\n");
		if (!fld[3])
			continue;
		while ((m = strsep(&fld[3], ",")))
			if (!strcmp(m, name))
				u->groups[u->ngroups++] = atoi(fld[2]);
	}
	fclose(f);
	return 0;
}

/* "option stdin": the next run/exec reads its stdin from the client's
 * "stdin N" frames instead of /dev/null. */
static bool want_stdin;

struct child {
	pid_t pid;
	int out, err;		/* read ends, -1 at EOF */
	int in;			/* write end of its stdin, -1: none/closed */
	char *inbuf;		/* stdin bytes not yet written to it */
	size_t inlen, incap;
	unsigned long long in_need;	/* bytes of a "stdin N" frame to come */
	int in_eof;		/* "stdin 0" seen: close once inbuf is out */
	int pidfd;
	int group;		/* signal the process group */
	int status;
	int reaped;
};

/* Fork ARGV with stdout/stderr on pipes; U (or NULL) is the user to
 * become.  Returns 0 or -errno. */
static int spawn(struct child *ch, char **argv, const struct user *u,
		 const char *dir)
{
	int po[2], pe[2], pi[2] = { -1, -1 }, err;
	pid_t ppid;

	ch->in = -1;
	if (want_stdin && pipe2(pi, O_CLOEXEC))
		return -errno;
	want_stdin = false;
	if (pipe2(po, O_CLOEXEC)) {
		err = -errno;
		goto out_close_pi;
	}
	if (pipe2(pe, O_CLOEXEC)) {
		err = -errno;
		goto out_close_po;
	}
	ppid = getpid();
	ch->pid = fork();
	if (ch->pid < 0) {
		err = -errno;
		goto out_close_pe;
	}
	if (ch->pid == 0) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t empty;

		sigemptyset(&empty);
		setpgid(0, 0);
		/* Whatever our parent ignored, the child starts afresh. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		sigprocmask(SIG_SETMASK, &empty, NULL);
		dup2(pi[0] >= 0 ? pi[0] : nul, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (u) {
			if (setgroups(u->ngroups, u->groups) ||
			    setresgid(u->gid, u->gid, u->gid) ||
			    setresuid(u->uid, u->uid, u->uid)) {
				msg("cannot become '%s': %s", u->name,
				    strerror(errno));
				_exit(126);
			}
			setenv("HOME", u->home, 1);
			setenv("USER", u->name, 1);
			setenv("LOGNAME", u->name, 1);
		}
		/* If stapsh dies (killed, or restarted by the VM's init), the
		 * program stops as if its client had left: staprun takes
		 * SIGTERM as a clean stop and removes the module.  (After the
		 * change of user, which would clear it; the exec of a setuid
		 * program clears it too, so not for other users' staprun.) */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != ppid)
			_exit(128 + SIGTERM);
		if (chdir(dir))
			(void)!chdir("/");
		execvp(argv[0], argv);
		msg("cannot run '%s': %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	if (pi[0] >= 0) {
		close(pi[0]);
		ch->in = pi[1];
		fcntl(ch->in, F_SETFL, O_NONBLOCK);
	}
	ch->out = po[0];
	ch->err = pe[0];
	ch->pidfd = syscall(SYS_pidfd_open, ch->pid, 0);
	ch->reaped = 0;
	return 0;

out_close_pe:
	close(pe[0]);
	close(pe[1]);
out_close_po:
	close(po[0]);
	close(po[1]);
out_close_pi:
	if (pi[0] >= 0) {
		close(pi[0]);
		close(pi[1]);
	}
	return err;
}

static void signal_child(struct child *ch, int sig)
{
	if (ch->reaped)
		return;
	dbg(1, "sending signal %d to %d", sig, ch->pid);
	kill(ch->group ? -ch->pid : ch->pid, sig);
}

static int signal_number(const char *s)
{
	static const struct { const char *name; int sig; } t[] = {
		{ "INT", SIGINT }, { "TERM", SIGTERM }, { "HUP", SIGHUP },
		{ "QUIT", SIGQUIT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 },
	};
	size_t i;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].name))
			return t[i].sig;
	i = atoi(s);
	return i > 0 && i < 65 ? (int)i : 0;
}

/* Forward a pipe's data as a frame; returns DISCONNECTED if the client is
 * gone (the data is then dropped). */
static int pump(int *fd, const char *tag, int discard)
{
	static char buf[FRAME_MAX];
	char hdr[32];
	ssize_t n;
	int r;

	n = read(*fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	if (discard)
		return 0;
	snprintf(hdr, sizeof(hdr), "%s %zd\n", tag, n);
	r = conn_write(hdr, strlen(hdr));
	return r ? r : conn_write(buf, n);
}

static void reap(struct child *ch, int block)
{
	int st;

	if (ch->reaped)
		return;
	if (waitpid(ch->pid, &st, block ? 0 : WNOHANG) == ch->pid) {
		ch->reaped = 1;
		ch->status = WIFEXITED(st) ? WEXITSTATUS(st) :
			     128 + WTERMSIG(st);
	}
}

/* Tell the client that N bytes of its stdin frames are gone (written to
 * the program, or dropped): it sends more while what is not acknowledged
 * stays under its window. */
static int ack_stdin(size_t n)
{
	char hdr[32];

	snprintf(hdr, sizeof(hdr), "ack %zu\n", n);
	return conn_write(hdr, strlen(hdr));
}

/* Close the program's stdin; what was not written is dropped. */
static int close_stdin(struct child *ch)
{
	size_t n = ch->inlen;

	if (ch->in >= 0)
		close(ch->in);
	ch->in = -1;
	ch->inlen = 0;
	return n ? ack_stdin(n) : 0;
}

/* Keep N bytes of a stdin frame (from c.buf) for the program. */
static int take_stdin(struct child *ch, size_t n)
{
	if (ch->in < 0)
		return ack_stdin(n);	/* nobody reads it any more */
	if (ch->inlen + n > ch->incap) {
		size_t cap = (ch->inlen + n) * 2;
		char *b = realloc(ch->inbuf, cap);

		if (!b)
			return -ENOMEM;
		ch->inbuf = b;
		ch->incap = cap;
	}
	memcpy(ch->inbuf + ch->inlen, c.buf, n);
	ch->inlen += n;
	return 0;
}

/* The program's stdin is writable: give it what we have. */
static int write_stdin(struct child *ch)
{
	ssize_t n = write(ch->in, ch->inbuf, ch->inlen);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return close_stdin(ch);	/* EPIPE: it closed its stdin */
	ch->inlen -= n;
	memmove(ch->inbuf, ch->inbuf + n, ch->inlen);
	return ack_stdin(n);
}

/* Handle the client's lines during a run.  Returns RESTART if a new "stap"
 * handshake arrived (left in c.buf), DISCONNECTED, or 0. */
static int run_input(struct child *ch)
{
	char line[LINE_MAX_LEN + 1];
	int r = conn_fill(-1);

	if (r == -E2BIG) {
		c.len = 0;
		return 0;
	}
	if (r < 0)
		return r;
	while (c.len) {
		if (ch->in_need) {
			size_t n = c.len < ch->in_need ? c.len : ch->in_need;

			r = take_stdin(ch, n);
			if (r < 0)
				return r;
			c.len -= n;
			memmove(c.buf, c.buf + n, c.len);
			ch->in_need -= n;
			continue;
		}
		if (!memchr(c.buf, '\n', c.len))
			break;
		if (!strncmp(c.buf, "stap ", 5))
			return RESTART;
		take_line(line);
		if (!strncmp(line, "stdin ", 6)) {
			ch->in_need = strtoull(line + 6, NULL, 10);
			if (!ch->in_need)
				ch->in_eof = 1;
		} else if (!strncmp(line, "signal ", 7)) {
			int sig = signal_number(line + 7);

			if (sig)
				signal_child(ch, sig);
		} else if (!strcmp(line, "ping")) {
			r = conn_write("pong\n", 5);
			if (r < 0)
				return r;
		} else if (!strcmp(line, "quit")) {
			return DISCONNECTED;
		}
	}
	return 0;
}

/* Stream the child's output until it exits and both pipes are at EOF.
 * If the client goes away or starts over, stop the child (SIGTERM first:
 * for staprun this is a clean stop; SIGKILL 10 s later). */
static int supervise(struct child *ch)
{
	int abandoned = 0, restart = 0, r, idle = 0, in_eof = 0;
	time_t kill_at = 0, reaped_at = 0;

	/* After the child exited, its pipes may stay open in a background
	 * process it left behind: stop reading after 0.5 s of silence, or
	 * 2 s in all (one that keeps writing must not keep stapsh from its
	 * next client), at once if the client is gone. */
	while (!ch->reaped ||
	       ((ch->out >= 0 || ch->err >= 0) && idle < 5 && !abandoned &&
		time(NULL) <= reaped_at + 2)) {
		struct pollfd p[5];
		int np = 0, i_out = -1, i_err = -1, i_pid = -1, i_in = -1;
		int i_stdin = -1, timeout = -1;

		if (ch->in >= 0 && (ch->reaped || abandoned ||
				    (ch->in_eof && !ch->inlen)) &&
		    close_stdin(ch) == DISCONNECTED)
			abandoned = 1;
		if (ch->in >= 0 && ch->inlen) {
			i_stdin = np;
			p[np++] = (struct pollfd){ ch->in, POLLOUT, 0 };
		}

		if (ch->out >= 0) {
			i_out = np;
			p[np++] = (struct pollfd){ ch->out, POLLIN, 0 };
		}
		if (ch->err >= 0) {
			i_err = np;
			p[np++] = (struct pollfd){ ch->err, POLLIN, 0 };
		}
		if (!ch->reaped && ch->pidfd >= 0) {
			i_pid = np;
			p[np++] = (struct pollfd){ ch->pidfd, POLLIN, 0 };
		} else if (!ch->reaped) {
			timeout = 100;
		}
		if (!abandoned && !in_eof) {
			i_in = np;
			p[np++] = (struct pollfd){ c.in_fd, POLLIN, 0 };
		} else {
			timeout = 200;
		}
		if (ch->reaped)
			timeout = 100;
		r = poll(p, np, timeout);
		if (r < 0 && errno != EINTR)
			break;
		idle = r == 0 && ch->reaped ? idle + 1 : 0;
		if (i_out >= 0 && p[i_out].revents &&
		    pump(&ch->out, "out", abandoned) == DISCONNECTED)
			abandoned = 1;
		if (i_err >= 0 && p[i_err].revents &&
		    pump(&ch->err, "err", abandoned) == DISCONNECTED)
			abandoned = 1;
		if (i_stdin >= 0 && p[i_stdin].revents &&
		    write_stdin(ch) == DISCONNECTED)
			abandoned = 1;
		if (i_in >= 0 && p[i_in].revents) {
			r = run_input(ch);
			if (r == RESTART)
				restart = abandoned = 1;
			else if (r == DISCONNECTED && !c.is_port)
				in_eof = 1;	/* stdin closed: just finish */
			else if (r < 0)
				abandoned = 1;
		}
		if (abandoned && !kill_at) {
			dbg(1, "client gone; stopping pid %d", ch->pid);
			signal_child(ch, SIGTERM);
			kill_at = time(NULL) + 10;
		}
		if (kill_at && time(NULL) >= kill_at && !ch->reaped) {
			signal_child(ch, SIGKILL);
			kill_at = time(NULL) + 3600;
		}
		if (i_pid < 0 || p[i_pid].revents || timeout >= 0) {
			reap(ch, 0);
			if (ch->reaped && !reaped_at)
				reaped_at = time(NULL);
		}
	}
	reap(ch, 1);
	if (ch->in >= 0)
		close(ch->in);
	free(ch->inbuf);
	if (ch->pidfd >= 0)
		close(ch->pidfd);
	if (ch->out >= 0)
		close(ch->out);
	if (ch->err >= 0)
		close(ch->err);
	dbg(1, "pid %d exited with status %d", ch->pid, ch->status);
	if (abandoned)
		return restart ? RESTART : DISCONNECTED;
	return reply("exit %u %d", cmd_seq, ch->status);
}

/* run ARGS...: staprun ARGS in the work directory. */
static int cmd_run(char **w, int n)
{
	char *argv[MAX_ARGS + 2];
	struct child ch = { .group = 0, .in = -1 };
	char *staprun = sibling_path("staprun");
	int i, r;

	argv[0] = staprun;
	for (i = 1; i < n; i++)
		argv[i] = w[i];
	argv[n] = NULL;
	r = spawn(&ch, argv, NULL, workdir);
	free(staprun);
	if (r)
		return reply_error("cannot run staprun: %s", strerror(-r));
	reply_ok();	/* a lost client shows in supervise() */
	return supervise(&ch);
}

/* exec USER COMMAND: /bin/sh -c COMMAND as USER, in "/". */
static int cmd_exec(char **w, int n)
{
	char *argv[] = { "sh", "-c", NULL, NULL };
	struct child ch = { .group = 1, .in = -1 };
	struct user u;
	int r;

	if (n != 3)
		return reply_error("usage: exec USER COMMAND");
	if (strcmp(w[1], "root") && strcmp(w[1], "")) {
		r = lookup_user(w[1], &u);
		if (r)
			return reply_error("unknown user '%s'", w[1]);
	}
	argv[2] = w[2];
	r = spawn(&ch, argv, strcmp(w[1], "root") && w[1][0] ? &u : NULL,
		  "/");
	if (r)
		return reply_error("cannot run /bin/sh: %s", strerror(-r));
	reply_ok();
	return supervise(&ch);
}

/* A client's token: 1 to TOKEN_MAX letters, digits, '-', '_' or '.'. */
static bool valid_token(const char *t)
{
	size_t n = strlen(t);

	return n > 0 && n <= TOKEN_MAX &&
	       strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.") == n;
}

/* stap VERSION TOKEN: a new session.  The greeting echoes TOKEN so that
 * the client can tell it from the greeting of an earlier connection that
 * may still be on its way ("=" if there was no valid one). */
static int cmd_hello(char **w, int n)
{
	struct utsname u;

	clean_workdir();
	in_session = true;
	want_stdin = false;
	cmd_seq = 0;
	uname(&u);
	return reply("stapsh %s %s %s %s", STAPSH_PROTO, u.machine, u.release,
		     n >= 3 && valid_token(w[2]) ? w[2] : "=");
}

/* Outside a session every command but "stap" is refused (with number 0,
 * which no command of a session has); the bytes of a file or put are
 * still consumed. */
static int no_session(char **w, int n)
{
	unsigned long long size;
	int werr = 0, r;

	if ((!strcmp(w[0], "file") || !strcmp(w[0], "put")) && n >= 2 &&
	    !parse_size(w[1], &size)) {
		r = get_raw(-1, size, &werr);
		if (r)
			return r;
	}
	return reply("error 0: no session (send 'stap %s TOKEN' first)",
		     STAPSH_PROTO);
}

/* One command.  Returns 0, QUIT, RESTART (a "stap" line is waiting in
 * c.buf), or a negative error. */
static int dispatch(char *line)
{
	char *w[MAX_ARGS + 1];
	int n = split_words(line, w, MAX_ARGS);

	if (n == 0)
		return 0;
	if (n > 0) {
		dbg(2, "command '%s'", w[0]);
		if (!strcmp(w[0], "stap"))
			return cmd_hello(w, n);
		if (!strcmp(w[0], "signal"))
			return 0;	/* the run it was meant for is over */
		if (!strcmp(w[0], "stdin") && n == 2) {
			/* likewise: its bytes are dropped, no reply */
			unsigned long long size;
			int werr = 0;

			if (parse_size(w[1], &size))
				return 0;
			return get_raw(-1, size, &werr);
		}
		if (!in_session)
			return no_session(w, n);
		if (!strcmp(w[0], "ping"))
			return reply("pong");
	}
	if (!in_session)
		return reply("error 0: malformed command");
	cmd_seq++;
	if (n < 0)
		return reply_error("malformed command");
	if (!strcmp(w[0], "option")) {
		if (n == 2 && !strcmp(w[1], "stdin"))
			want_stdin = true;
		return reply_ok();
	}
	if (!strcmp(w[0], "file"))
		return cmd_file(w, n);
	if (!strcmp(w[0], "put"))
		return cmd_put(w, n);
	if (!strcmp(w[0], "run"))
		return cmd_run(w, n);
	if (!strcmp(w[0], "exec"))
		return cmd_exec(w, n);
	if (!strcmp(w[0], "quit")) {
		reply_ok();
		return QUIT;
	}
	return reply_error("unknown command '%s'", w[0]);
}

static int open_port(void)
{
	int fd, warned = 0;

	for (;;) {
		fd = open(port_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			break;
		if (!warned++)
			msg("waiting for '%s': %s", port_path,
			    strerror(errno));
		sleep(1);
	}
	c.in_fd = c.out_fd = fd;
	/* SIGIO when the host side connects (see wait_for_client). */
	if (fcntl(fd, F_SETOWN, getpid()) == 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: stapsh [-v] [-l PORT]\n"
		"Serves the stap --remote protocol on stdin/stdout, or on PORT\n"
		"(a device such as a virtio-serial port), see doc/stapsh.md.\n");
}

int main(int argc, char **argv)
{
	char *line;
	int opt, r;
	sigset_t io;

	while ((opt = getopt(argc, argv, "vl:h")) != -1) {
		switch (opt) {
		case 'v':
			verbose++;
			break;
		case 'l':
			port_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&io);
	sigaddset(&io, SIGIO);
	sigprocmask(SIG_BLOCK, &io, NULL);
	snprintf(workdir, sizeof(workdir), "/tmp/stapsh.XXXXXX");
	if (!mkdtemp(workdir)) {
		msg("cannot create a work directory: %s", strerror(errno));
		return 1;
	}
	atexit(cleanup);
	line = malloc(LINE_MAX_LEN + 1);
	if (!line)
		return 1;
	if (port_path) {
		open_port();
		c.is_port = 1;
	} else {
		c.in_fd = STDIN_FILENO;
		c.out_fd = STDOUT_FILENO;
	}

	for (;;) {
		r = get_line(line);
		if (r == 0)
			r = dispatch(line);
		if (r == 0)
			continue;
		/* quit, a lost client or an error: the session is over. */
		clean_workdir();
		in_session = false;
		if (r == RESTART)
			continue;	/* a new "stap" line is waiting */
		if (!c.is_port)
			break;
		if (r == QUIT)
			continue;	/* the client disconnects next */
		if (r != DISCONNECTED)
			msg("session ended: %s", strerror(-r));
		dbg(1, "client gone");
		c.len = 0;
		wait_for_client();
	}
	free(line);
	return 0;
}
