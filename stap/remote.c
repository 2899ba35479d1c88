// SPDX-License-Identifier: GPL-2.0
/*
 * stap --remote: the client side of doc/stapsh.md (protocol 2).  A
 * session is a connection to stapsh, the handshake ("stap 2 TOKEN" ->
 * "stapsh 2 MACHINE RELEASE TOKEN"), numbered commands (file, run, exec,
 * put), each answered by "OK N" or "error N: MSG", and "quit".  During
 * run/exec stapsh sends frames "out LEN", "err LEN" (LEN raw bytes follow)
 * and finally "exit N STATUS"; SIGINT/SIGTERM/SIGHUP here become "signal
 * NAME" lines, and "ping" (answered by "pong") checks a silent stapsh.
 *
 * Everything stapsh sends before the greeting that carries this
 * connection's token is left over from an earlier connection and skipped:
 * qemu passes on to the guest what a closed connection had sent, and
 * queues what the guest wrote for it, so a greeting (or output) meant for
 * an earlier client can arrive first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "remote.h"

#define REMOTE_PROTO	"2"
#define RBUF_SIZE	(128 * 1024)
/* How long stapsh may stay silent: before its greeting (it serves one
 * client at a time, so a busy one answers when its current client is
 * done), or after a "ping".  $STAP_REMOTE_TIMEOUT (seconds) overrides. */
#define REMOTE_TIMEOUT_MS remote_timeout_ms()
/* Silence after which a waiting client asks whether stapsh is there. */
#define PING_AFTER_MS	5000
/* Without a greeting this long after connecting, the first retry. */
#define RETRY_MS	3000

const char *remote_progname = "stap";

struct rconn {
	int fd;
	int verbose;
	bool dead;		/* lost or silent: no polite quit */
	char *path;		/* the socket, or the URL of an ssh remote */
	char **ssh_argv;	/* ssh remote: the command that reaches stapsh */
	pid_t ssh_pid;		/* ... and its process, 0 when none */
	char *release;		/* from the greeting */
	char *machine;		/* ditto */
	char token[17];		/* this connection's, in hex */
	unsigned seq;		/* number of the last command sent */
	size_t len;		/* bytes in buf */
	char buf[RBUF_SIZE];
};

/* Why rc_open failed, for remote_ping. */
static enum { RC_OK, RC_FAILED, RC_PROTOCOL } rc_status;

static void __attribute__((format(printf, 1, 2))) rmsg(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "%s: ", remote_progname);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

/* Write all of BUF to FD; on a socket without SIGPIPE when the peer is
 * gone (send with MSG_NOSIGNAL), elsewhere with write(). */
static int xfer_all(int fd, const void *buf, size_t len, bool socket)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = socket ? send(fd, p, len, MSG_NOSIGNAL) :
				     write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	return xfer_all(fd, buf, len, false);
}

static int send_all(int fd, const void *buf, size_t len)
{
	return xfer_all(fd, buf, len, true);
}

static int remote_timeout_ms(void)
{
	const char *env = getenv("STAP_REMOTE_TIMEOUT");
	int s = env ? atoi(env) : 0;

	return (s > 0 ? s : 120) * 1000;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* --- finding and running stapvm --------------------------------------- */

/* stapvm: $STAPVM, else the tree's vm/stapvm next to stap/, else the
 * installed one in ../lib/systemtap/vm/ from $(bindir) (make install),
 * else on PATH. */
static char *find_stapvm(void)
{
	static const char *const rel[] = { "../vm/stapvm",
					   "../lib/systemtap/vm/stapvm" };
	const char *env = getenv("STAPVM");
	char exe[PATH_MAX], *slash, *path;
	ssize_t n;
	size_t i;

	if (env && *env)
		return strdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			for (i = 0; i < sizeof(rel) / sizeof(*rel); i++) {
				if (asprintf(&path, "%s/%s", exe, rel[i]) < 0)
					return NULL;
				if (access(path, X_OK) == 0)
					return path;
				free(path);
			}
		}
	}
	return strdup("stapvm");	/* execvp searches PATH */
}

/* Run `stapvm ARG [ARG2]` with its stderr passed through; its stdout is
 * returned (malloc'ed, trailing newline removed) when OUT is set.  Returns
 * the exit status (127: it could not be run, which was said) or -1. */
static int run_stapvm(const char *arg, const char *arg2, char **out)
{
	char *path = find_stapvm(), *buf = NULL;
	size_t len = 0, cap = 0;
	int p[2], status, err;
	pid_t pid;

	if (!path || pipe(p)) {
		free(path);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		free(path);
		rmsg("cannot fork: %s", strerror(err));
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if (out)
			dup2(p[1], STDOUT_FILENO);
		close(p[1]);
		execlp(path, "stapvm", arg, arg2, (char *)NULL);
		rmsg("cannot run '%s': %s", path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n;

		if (len + 256 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 256);

			if (!nb)
				break;
			buf = nb;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(path);
	if (buf) {
		buf[len] = '\0';
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
	}
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* --- remote URLs ------------------------------------------------------- */

/* A --remote target: "vm", "unix:PATH", or ssh: "ssh://[USER@]HOST[:PORT]"
 * and the plain "[USER@]HOST[:PORT]" (SystemTap takes only a plain
 * [USER@]HOST; a port after it would be an unknown URI scheme there). */
enum rkind { RK_VM, RK_UNIX, RK_SSH };

struct rurl {
	enum rkind kind;
	char *user, *host, *port;	/* RK_SSH; user and port may be NULL */
};

static void rurl_release(struct rurl *u)
{
	free(u->user);
	free(u->host);
	free(u->port);
	memset(u, 0, sizeof(*u));
}

static const char url_forms[] =
	"use [USER@]HOST[:PORT], ssh://[USER@]HOST[:PORT], unix:PATH or vm";

/* Split the ssh authority "[USER@]HOST[:PORT]" (HOST may be an IPv6
 * address in brackets) of URL into U; 0, or -1 with a message. */
static int parse_ssh(const char *url, const char *auth, struct rurl *u)
{
	const char *at = strrchr(auth, '@'), *host = at ? at + 1 : auth;
	const char *colon, *end;

	u->kind = RK_SSH;
	if (at && at > auth)
		u->user = strndup(auth, at - auth);
	if (*host == '[') {
		end = strchr(host, ']');
		if (!end || (end[1] && end[1] != ':')) {
			rmsg("bad IPv6 address on remote '%s'", url);
			return -1;
		}
		u->host = strndup(host + 1, end - host - 1);
		colon = end[1] ? end + 1 : NULL;
	} else {
		colon = strchr(host, ':');
		u->host = colon ? strndup(host, colon - host) : strdup(host);
	}
	if (!u->host || !*u->host || (at && !u->user)) {
		rmsg(at && at == auth ? "ssh target has an empty user name on remote '%s'" :
		     "ssh target requires a hostname on remote '%s'", url);
		return -1;
	}
	/* nothing ssh could take for an option */
	if (u->host[0] == '-' || (u->user && u->user[0] == '-') ||
	    strpbrk(u->host, " \t\n/@") || (u->user && strpbrk(u->user, " \t\n:/"))) {
		rmsg("bad host or user name on remote '%s'", url);
		return -1;
	}
	if (colon) {
		char *e;
		long port = strtol(colon + 1, &e, 10);

		if (!colon[1] || *e || port < 1 || port > 65535) {
			rmsg("bad port '%s' on remote '%s'", colon + 1, url);
			return -1;
		}
		u->port = strdup(colon + 1);
	}
	return 0;
}

/* Parse URL into U; 0, or -1 with a message (worded as SystemTap's where
 * it has one). */
static int parse_url(const char *url, struct rurl *u)
{
	const char *colon = strchr(url, ':'), *slash;
	int r;

	memset(u, 0, sizeof(*u));
	if (!strcmp(url, "vm")) {
		u->kind = RK_VM;
		return 0;
	}
	if (!strncmp(url, "unix:", 5)) {
		u->kind = RK_UNIX;
		if (url[5])
			return 0;
		rmsg("unix target requires a /path on remote '%s'", url);
		return -1;
	}
	if (!strncmp(url, "ssh://", 6)) {
		char *auth = strdup(url + 6);

		if (!auth)
			return -1;
		slash = strchr(auth, '/');
		if (slash && slash[1]) {
			rmsg("ssh target URI doesn't support a /path on remote '%s'",
			     url);
			free(auth);
			return -1;
		}
		if (slash)
			auth[slash - auth] = '\0';	/* "ssh://host/" */
		r = parse_ssh(url, auth, u);
		free(auth);
		if (r)
			rurl_release(u);
		return r;
	}
	/* "SCHEME:..." unless what follows the colon is a port */
	if (colon && !strchr(url, '[') &&
	    (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))) {
		rmsg("unrecognized URI scheme '%.*s' in remote '%s' (%s)",
		     (int)(colon - url), url, url, url_forms);
		return -1;
	}
	if (!*url || strchr(url, '/')) {
		rmsg("unsupported remote '%s' (%s)", url, url_forms);
		return -1;
	}
	r = parse_ssh(url, url, u);
	if (r)
		rurl_release(u);
	return r;
}

/* Split $STAP_SSH_OPTS at blanks into V (from index *N). */
static int add_env_words(const char *env, char ***v, int *n)
{
	const char *s = getenv(env);
	char *copy, *tok, *save = NULL;

	if (!s || !*s)
		return 0;
	copy = strdup(s);
	if (!copy)
		return -1;
	for (tok = strtok_r(copy, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		char **nv = realloc(*v, (*n + 2) * sizeof(**v));

		if (!nv)
			break;
		*v = nv;
		(*v)[(*n)++] = strdup(tok);
		(*v)[*n] = NULL;
	}
	free(copy);
	return 0;
}

/* The command that runs stapsh on an ssh remote:
 *   ssh $STAP_SSH_OPTS -o BatchMode=yes -o ConnectTimeout=10 -T -x
 *       [-p PORT] [-l USER] -- HOST 'PATH=...:$PATH exec stapsh'
 * ($STAP_SSH names another ssh).  The remote shell looks for stapsh
 * where `make install-runtime` and packages put it (it is not a user
 * command), then on the PATH.  The user's options come first, so
 * that they win (ssh keeps the first value of each setting);
 * ~/.ssh/config applies as usual. */
#define REMOTE_STAPSH							\
	"PATH=/usr/lib/systemtap:/usr/local/lib/systemtap:"		\
	"/usr/libexec/systemtap:$PATH exec stapsh"

static char **ssh_command(const struct rurl *u)
{
	const char *ssh = getenv("STAP_SSH");
	char **v = calloc(2, sizeof(*v));
	int n = 0;

	if (!v)
		return NULL;
	v[n++] = strdup(ssh && *ssh ? ssh : "ssh");
	add_env_words("STAP_SSH_OPTS", &v, &n);
	{
		const char *fixed[] = { "-o", "BatchMode=yes", "-o",
					"ConnectTimeout=10", "-T", "-x",
					u->port ? "-p" : NULL, u->port,
					u->user ? "-l" : NULL, u->user,
					"--", u->host, REMOTE_STAPSH };
		char **nv = realloc(v, (n + 14) * sizeof(*v));

		if (!nv)
			return v;
		v = nv;
		for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++) {
			if (!fixed[i]) {
				i++;	/* no -p/-l: skip its argument */
				continue;
			}
			v[n++] = strdup(fixed[i]);
		}
		v[n] = NULL;
	}
	return v;
}

static void free_argv(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The socket path of URL; for "vm" the VM is booted first if START. */
static char *socket_path(const char *url, int start)
{
	char *out = NULL;
	int r;

	if (strcmp(url, "vm"))
		return strdup(url + 5);
	if (start && (r = run_stapvm("start", NULL, NULL)) != 0) {
		if (r != 127)
			rmsg("cannot start the test VM (stapvm start failed)");
		return NULL;
	}
	if ((r = run_stapvm("socket", NULL, &out)) != 0 || !out || !*out) {
		if (r != 127)
			rmsg("cannot find the test VM's socket (stapvm socket failed)");
		free(out);
		return NULL;
	}
	return out;
}

/* --- the connection --------------------------------------------------- */

/* Read more into c->buf, waiting up to TIMEOUT_MS (-1 forever).  Returns
 * bytes read, 0 on timeout (or a signal), or -1 at EOF/error. */
static int rc_fill(struct rconn *c, int timeout_ms)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	ssize_t n;
	int r;

	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (r == 0)
		return 0;
	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	c->len += n;
	return n;
}

static void rc_consume(struct rconn *c, size_t n)
{
	c->len -= n;
	memmove(c->buf, c->buf + n, c->len);
}

/* One line into LINE (NUL-terminated, '\n' dropped, cut at MAX - 1
 * bytes) within TIMEOUT_MS (-1: no limit).  A line longer than the
 * buffer (stale binary output) comes in pieces.  Returns 1, 0 on
 * timeout, -1 on EOF. */
static int rc_line(struct rconn *c, char *line, size_t max, int timeout_ms)
{
	long deadline = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		size_t n, used;
		int r, left = -1;

		if (nl || c->len == sizeof(c->buf)) {
			used = nl ? (size_t)(nl - c->buf) + 1 : c->len;
			n = nl ? (size_t)(nl - c->buf) : c->len;
			if (n >= max)
				n = max - 1;
			memcpy(line, c->buf, n);
			line[n] = '\0';
			rc_consume(c, used);
			return 1;
		}
		if (timeout_ms >= 0) {
			left = deadline - now_ms();
			if (left < 0)
				left = 0;	/* one last look */
		}
		r = rc_fill(c, left);
		if (r < 0)
			return -1;
		if (r == 0 && timeout_ms >= 0 && now_ms() >= deadline)
			return 0;
	}
}

static int rc_send(struct rconn *c, const char *s)
{
	int err = send_all(c->fd, s, strlen(s));

	if (err) {
		rmsg("lost the connection to stapsh on '%s': %s", c->path,
		     strerror(-err));
		c->dead = true;
	}
	return err ? -1 : 0;
}

/* Milliseconds left until DEADLINE, at least 0. */
static int ms_left(long deadline)
{
	long left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

/* Send the command LINE, which stapsh answers: it gets the next number. */
static int rc_command(struct rconn *c, const char *line)
{
	c->seq++;
	return rc_send(c, line);
}

/* If LINE is "WORD N..." (N a number), N and what follows it (after
 * ": " or " "); 0, or -1 if not. */
static int reply_number(const char *line, const char *word, unsigned *n,
			const char **rest)
{
	size_t wl = strlen(word);
	char *end;

	if (strncmp(line, word, wl) || line[wl] != ' ' ||
	    line[wl + 1] < '0' || line[wl + 1] > '9')
		return -1;
	*n = strtoul(line + wl + 1, &end, 10);
	if (*end == ':')
		end++;
	if (*end == ' ')
		end++;
	else if (*end)
		return -1;
	*rest = end;
	return 0;
}

/* A random token, so that the greeting of this connection can be told
 * from one meant for an earlier connection. */
static void make_token(char token[17])
{
	unsigned char r[8];
	int i;

	if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
		struct timespec ts;
		unsigned long long x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = (unsigned long long)ts.tv_nsec * 2654435761u ^
		    (unsigned long long)getpid() << 32 ^ ts.tv_sec;

		memcpy(r, &x, sizeof(r));
	}
	for (i = 0; i < 8; i++)
		sprintf(token + 2 * i, "%02x", r[i]);
}

/* Start ssh with its stdin and stdout on one end of a socket pair, the
 * other being c->fd (so that send() and TIOCOUTQ work as on a unix
 * socket); its stderr is ours.  In a process group of its own, so that
 * Ctrl-C reaches stapsh as our "signal INT", not as ssh's death.
 * 0 or -errno. */
static int rc_spawn_ssh(struct rconn *c)
{
	int sv[2], err;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	if (c->verbose >= 2) {
		char line[1024] = "";

		for (int i = 0; c->ssh_argv[i]; i++)
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 "%s%s", i ? " " : "", c->ssh_argv[i]);
		rmsg("running '%s'", line);
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(sv[1], STDIN_FILENO) < 0 ||
		    dup2(sv[1], STDOUT_FILENO) < 0)
			_exit(126);
		execvp(c->ssh_argv[0], c->ssh_argv);
		rmsg("cannot run '%s': %s", c->ssh_argv[0], strerror(errno));
		_exit(126);
	}
	close(sv[1]);
	c->fd = sv[0];
	c->ssh_pid = pid;
	return 0;
}

/* Wait up to WAIT_MS for ssh to exit, then kill it; its wait status, or
 * -1 when there was none. */
static int rc_reap(struct rconn *c, int wait_ms)
{
	long deadline = now_ms() + wait_ms;
	int status = -1;

	if (c->ssh_pid <= 0)
		return -1;
	for (;;) {
		pid_t r = waitpid(c->ssh_pid, &status, WNOHANG);

		if (r == c->ssh_pid || (r < 0 && errno != EINTR))
			break;
		if (r == 0 && now_ms() >= deadline) {
			kill(c->ssh_pid, SIGTERM);
			while (waitpid(c->ssh_pid, &status, 0) < 0 &&
			       errno == EINTR)
				;
			break;
		}
		if (r == 0) {
			struct timespec ts = { 0, 20 * 1000000 };

			nanosleep(&ts, NULL);
		}
	}
	c->ssh_pid = 0;
	return status;
}

/* (Re)connect C to its socket (or ssh) and send the hello with a new
 * token; 0 or -errno. */
static int rc_connect(struct rconn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char hello[64];
	int err;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->seq = 0;
	if (c->ssh_argv) {
		rc_reap(c, 0);
		err = rc_spawn_ssh(c);
		if (err)
			return err;
	} else {
		if (strlen(c->path) >= sizeof(sa.sun_path))
			return -ENAMETOOLONG;
		strcpy(sa.sun_path, c->path);
		c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0 ||
		    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
			return -errno;
	}
	make_token(c->token);
	snprintf(hello, sizeof(hello), "stap %s %s\n", REMOTE_PROTO, c->token);
	err = send_all(c->fd, hello, strlen(hello));
	/* an ssh that is gone already: its exit status says why (rc_open) */
	return c->ssh_argv && err == -EPIPE ? 0 : err;
}

/* Bytes we sent that the other end has not read yet. */
static int unread_by_peer(int fd)
{
	int n = 0;

	return ioctl(fd, TIOCOUTQ, &n) == 0 ? n : 0;
}

static void rc_free(struct rconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	rc_reap(c, 3000);	/* stapsh ends at EOF, and ssh with it */
	free_argv(c->ssh_argv);
	free(c->path);
	free(c->release);
	free(c->machine);
	free(c);
}

/* ssh ended before stapsh greeted us: say why, as well as its status
 * tells (ssh itself said more on stderr). */
static void ssh_failed(struct rconn *c)
{
	int status = rc_reap(c, 2000);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	if (code == 255 || code == 126)
		rmsg("error establishing ssh connection on remote '%s'",
		     c->path);
	else if (code == 127)
		rmsg("stapsh not found on remote '%s' (not on the PATH there?)",
		     c->path);
	else if (code >= 0)
		rmsg("stapsh on remote '%s' did not answer (ssh exited with status %d)",
		     c->path, code);
	else
		rmsg("stapsh on remote '%s' did not answer (ssh %s)", c->path,
		     status >= 0 && WIFSIGNALED(status) ?
		     strsignal(WTERMSIG(status)) : "is gone");
}

/* Connect to the stapsh behind URL and shake hands; everything before
 * the greeting with our token is skipped (see the top of this file).
 *
 * Without a greeting 3 s after connecting, the connection is made anew
 * (then after 6 s, 12 s...), with a new token: qemu (7.2) leaves a
 * virtio-serial port throttled when the guest wrote to it just as a
 * client disconnected, until the next client disconnects.  Not while
 * our hello has not been read at all, though: then stapsh is busy with
 * another client (which a unix socket queues us behind) or not up yet,
 * and a new connection would only leave one more hello behind. */
static struct rconn *rc_open(const char *url, int start, int verbose,
			     int timeout_ms, int quiet)
{
	struct rconn *c;
	struct rurl u;
	char line[512];
	long deadline, retry_ms = RETRY_MS, retry_at;
	int r, err, waiting_said = 0;

	rc_status = RC_FAILED;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->verbose = verbose;
	c->fd = -1;
	if (parse_url(url, &u))
		goto out_free;
	if (u.kind == RK_SSH) {
		c->path = strdup(url);
		c->ssh_argv = ssh_command(&u);
		rurl_release(&u);
		if (!c->path || !c->ssh_argv)
			goto out_free;
	} else {
		/* boots the VM if need be */
		c->path = socket_path(url, start);
		if (!c->path)
			goto out_free;
	}
	err = rc_connect(c);
	if (err) {
		if (!quiet)
			rmsg("cannot connect to stapsh at '%s': %s", c->path,
			     strerror(-err));
		goto out_free;
	}
	deadline = now_ms() + timeout_ms;
	retry_at = now_ms() + retry_ms;
	for (;;) {
		char ver[64], mach[64], rel[256], tok[80];
		long now = now_ms(), left = deadline - now;

		if (left <= 0) {
			if (!quiet)
				rmsg("no answer from stapsh on '%s' in %d s",
				     c->path, timeout_ms / 1000);
			goto out_free;
		}
		if (left > retry_at - now)
			left = retry_at - now > 0 ? retry_at - now : 0;
		r = rc_line(c, line, sizeof(line), left);
		if (r < 0 && c->ssh_argv) {
			if (!quiet)
				ssh_failed(c);
			goto out_free;
		}
		if (r < 0) {
			if (!quiet)
				rmsg("stapsh on '%s' closed the connection",
				     c->path);
			goto out_free;
		}
		if (r == 1 && !strncmp(line, "stapsh ", 7)) {
			tok[0] = '\0';
			if (sscanf(line, "stapsh %63s %63s %255s %79s", ver,
				   mach, rel, tok) < 3)
				continue;
			if (strcmp(ver, REMOTE_PROTO)) {
				rc_status = RC_PROTOCOL;
				if (!quiet)
					rmsg("stapsh on '%s' speaks protocol %s, not %s (a VM booted before an update? 'stapvm restart')",
					     c->path, ver, REMOTE_PROTO);
				goto out_free;
			}
			if (!strcmp(tok, c->token))
				break;
		}
		if (r == 1) {
			if (verbose >= 3 && !quiet)
				rmsg("skipping '%.60s' (left from an earlier connection)",
				     line);
			continue;
		}
		/* ssh: no retries (stapsh there is ours alone); the
		 * timeout, or ssh's exit, ends the wait */
		if (now_ms() < retry_at || c->ssh_argv)
			continue;
		if (unread_by_peer(c->fd) > 0) {
			if (verbose && !quiet && !waiting_said++)
				rmsg("waiting for stapsh on '%s' (busy with another client?)",
				     c->path);
			retry_at = now_ms() + retry_ms;
			continue;
		}
		if (verbose && !quiet)
			rmsg("no answer from stapsh on '%s' yet; reconnecting",
			     c->path);
		err = rc_connect(c);
		if (err) {
			if (!quiet)
				rmsg("cannot connect to stapsh at '%s': %s",
				     c->path, strerror(-err));
			goto out_free;
		}
		retry_ms *= 2;
		retry_at = now_ms() + retry_ms;
	}
	/* "stapsh VERSION MACHINE RELEASE TOKEN" */
	{
		char mach[64], rel[256];

		if (sscanf(line, "stapsh %*s %63s %255s", mach, rel) == 2) {
			c->release = strdup(rel);
			c->machine = strdup(mach);
		}
		if (verbose >= 2)
			rmsg("connected to stapsh %s on '%s' (%s %s)",
			     REMOTE_PROTO, c->path, mach,
			     c->release ? c->release : "?");
	}
	rc_status = RC_OK;
	return c;

out_free:
	rc_free(c);
	return NULL;
}

/* End the session: "quit", and its "OK" before closing, so that stapsh
 * has written all it will when we go (see rc_open on qemu's throttled
 * ports).  What comes before that OK is dropped. */
static void rc_close(struct rconn *c)
{
	long deadline = now_ms() + 5000;
	char line[256];

	if (c->fd >= 0 && !c->dead && send_all(c->fd, "quit\n", 5) == 0) {
		c->seq++;
		while (now_ms() < deadline) {
			const char *rest;
			unsigned n;

			if (rc_line(c, line, sizeof(line),
				    ms_left(deadline)) != 1)
				break;
			if (!reply_number(line, "OK", &n, &rest) && n == c->seq)
				break;
			if (!reply_number(line, "error", &n, &rest) &&
			    (n == c->seq || n == 0))
				break;	/* 0: stapsh was restarted */
		}
	}
	rc_free(c);
}

/* The next line from stapsh that is not a "pong", within the time
 * allowed; after PING_AFTER_MS of silence, "ping" asks whether stapsh is
 * still there (one that was restarted answers "error 0: no session").
 * Returns 1, or -1 with a message. */
static int rc_reply_line(struct rconn *c, char *line, size_t max,
			 const char *what)
{
	long pong_by = 0;

	for (;;) {
		int r = rc_line(c, line, max, pong_by ? ms_left(pong_by) :
				PING_AFTER_MS);

		if (r < 0) {
			rmsg("lost the connection to stapsh on '%s' during %s",
			     c->path, what);
			c->dead = true;
			return -1;
		}
		if (r == 1 && !strcmp(line, "pong")) {
			pong_by = 0;
			continue;
		}
		if (r == 1)
			return 1;
		if (pong_by) {
			rmsg("stapsh on '%s' stopped answering during %s",
			     c->path, what);
			c->dead = true;
			return -1;
		}
		if (rc_send(c, "ping\n"))
			return -1;
		pong_by = now_ms() + REMOTE_TIMEOUT_MS;
	}
}

/* A reply that is not the one to our last command. */
static void out_of_step(struct rconn *c, const char *line, const char *what)
{
	const char *rest;
	unsigned n;

	if (!reply_number(line, "error", &n, &rest) && n == 0)
		rmsg("stapsh on '%s' was restarted during %s", c->path, what);
	else
		rmsg("stapsh on '%s' is out of step: '%.80s' in reply to %s",
		     c->path, line, what);
}

/* Expect "OK N" to command N; print stapsh's "error N: ..." otherwise. */
static int rc_expect_ok(struct rconn *c, const char *what)
{
	char line[1024];
	const char *rest;
	unsigned n;

	if (rc_reply_line(c, line, sizeof(line), what) < 0)
		return -1;
	if (!reply_number(line, "OK", &n, &rest) && n == c->seq)
		return 0;
	if (!reply_number(line, "error", &n, &rest) && n == c->seq) {
		rmsg("remote %s failed: %s", what, rest);
		return -1;
	}
	out_of_step(c, line, what);
	return -1;
}

/* Send the command "CMD SIZE REST" then the contents of SRC. */
static int rc_send_file(struct rconn *c, const char *src, const char *cmd,
			const char *rest)
{
	struct stat st;
	char *line = NULL, buf[65536];
	int fd, err = -1;

	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		rmsg("cannot read '%s': %s", src,
		     fd < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	if (asprintf(&line, "%s %lld%s\n", cmd, (long long)st.st_size,
		     rest) < 0) {
		line = NULL;
		goto out;
	}
	if (rc_command(c, line))
		goto out;
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = read(fd, buf, left < (off_t)sizeof(buf) ?
				 (size_t)left : sizeof(buf));

		if (n <= 0) {
			/* The size is promised: pad so the stream stays in
			 * step, and fail. */
			rmsg("cannot read '%s': %s", src,
			     n < 0 ? strerror(errno) : "file shrank");
			memset(buf, 0, sizeof(buf));
			while (left > 0) {
				size_t k = left < (off_t)sizeof(buf) ?
					   (size_t)left : sizeof(buf);

				if (send_all(c->fd, buf, k))
					break;
				left -= k;
			}
			rc_expect_ok(c, cmd);
			goto out;
		}
		err = send_all(c->fd, buf, n);
		if (err) {
			rmsg("lost the connection to stapsh on '%s': %s",
			     c->path, strerror(-err));
			err = -1;
			goto out;
		}
		left -= n;
	}
	err = rc_expect_ok(c, cmd);
out:
	if (fd >= 0)
		close(fd);
	free(line);
	return err;
}


/* Quoted-printable word for the command line; "=" is the empty string. */
static char *qp_encode(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 2), *w = out;

	if (!out)
		return NULL;
	if (!*s) {
		strcpy(out, "=");
		return out;
	}
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch <= ' ' || ch == '=' || ch >= 0x7f)
			w += sprintf(w, "=%02X", ch);
		else
			*w++ = ch;
	}
	*w = '\0';
	return out;
}

/* End *LINE with a newline. */
static int finish_line(char **line)
{
	char *n = realloc(*line, strlen(*line) + 2);

	if (!n)
		return -1;
	strcat(n, "\n");
	*line = n;
	return 0;
}

/* Append the qp-encoded WORD to *LINE after a space. */
static int append_word(char **line, const char *word)
{
	char *enc = qp_encode(word), *n;
	size_t old = strlen(*line);

	if (!enc)
		return -1;
	n = realloc(*line, old + strlen(enc) + 2);
	if (!n) {
		free(enc);
		return -1;
	}
	sprintf(n + old, " %s", enc);
	*line = n;
	free(enc);
	return 0;
}
/* --- streaming a run ---------------------------------------------------- */

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	unsigned char ch = sig;
	int saved = errno;

	(void)!write(sig_pipe[1], &ch, 1);
	errno = saved;
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGINT: return "INT";
	case SIGTERM: return "TERM";
	case SIGHUP: return "HUP";
	default: return "TERM";
	}
}

/* Copy N frame bytes to FD (or drop them if FD < 0).  They follow their
 * header at once, so a long wait means stapsh is gone. */
static int rc_copy(struct rconn *c, size_t n, int fd)
{
	long deadline = now_ms() + REMOTE_TIMEOUT_MS;

	while (n > 0) {
		size_t k;
		int r;

		if (c->len == 0) {
			r = rc_fill(c, ms_left(deadline));
			if (r < 0 || (r == 0 && !ms_left(deadline)))
				return -1;
			if (r == 0)
				continue;	/* a signal */
		}
		k = c->len < n ? c->len : n;
		if (fd >= 0 && write_all(fd, c->buf, k) == -EPIPE)
			fd = -1;
		rc_consume(c, k);
		n -= k;
	}
	return 0;
}

/* Our stdin, for a module with input.char/input.line probes: "stdin N"
 * frames of up to STDIN_FRAME bytes while stapsh has acknowledged ("ack
 * N") all but STDIN_WINDOW bytes, "stdin 0" at its end. */
#define STDIN_FRAME (16 * 1024)
#define STDIN_WINDOW (64 * 1024)

struct stdin_fwd {
	bool on;		/* forwarding, not at EOF */
	size_t unacked;
};

static int stdin_send(struct rconn *c, struct stdin_fwd *in)
{
	static char buf[STDIN_FRAME];
	char hdr[32];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0)
		rmsg("cannot read stdin: %s", strerror(errno));
	if (n <= 0) {
		in->on = false;
		return rc_send(c, "stdin 0\n");
	}
	snprintf(hdr, sizeof(hdr), "stdin %zd\n", n);
	if (rc_send(c, hdr))
		return -1;
	if (send_all(c->fd, buf, n)) {
		c->dead = true;
		return -1;
	}
	in->unacked += n;
	return 0;
}

/* Read frames until "exit N STATUS"; forwards our signals as "signal
 * NAME" (and with FWD_STDIN our stdin as "stdin" frames), and pings a
 * stapsh that stays silent (see rc_reply_line). */
static int rc_stream(struct rconn *c, const char *what, bool fwd_stdin)
{
	struct stdin_fwd in = { .on = fwd_stdin };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal }, old[3], oldpipe;
	long heard = now_ms(), pong_by = 0;
	int status = -1, i;

	if (pipe(sig_pipe))
		return -1;
	fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &oldpipe);

	for (;;) {
		char line[1024], *nl;
		struct pollfd p[3] = { { c->fd, POLLIN, 0 },
				       { sig_pipe[0], POLLIN, 0 },
				       { STDIN_FILENO, POLLIN, 0 } };
		int np = in.on && in.unacked < STDIN_WINDOW ? 3 : 2;
		const char *rest;
		unsigned char ch;
		unsigned n;
		long now;
		int r;

		nl = memchr(c->buf, '\n', c->len);
		if (!nl && c->len < sizeof(c->buf)) {
			now = now_ms();
			r = poll(p, np, pong_by ? (pong_by > now ? pong_by - now : 0) :
				 (heard + PING_AFTER_MS > now ?
				  heard + PING_AFTER_MS - now : 0));
			if (r < 0 && errno != EINTR)
				break;
			while (read(sig_pipe[0], &ch, 1) == 1) {
				char cmd[32];

				if (c->verbose >= 2)
					rmsg("forwarding SIG%s", sig_name(ch));
				snprintf(cmd, sizeof(cmd), "signal %s\n",
					 sig_name(ch));
				rc_send(c, cmd);
			}
			if (r > 0 && np == 3 && p[2].revents &&
			    stdin_send(c, &in))
				break;
			if (r > 0 && p[0].revents) {
				if (rc_fill(c, 0) < 0) {
					rmsg("lost the connection to stapsh on '%s' during %s",
					     c->path, what);
					c->dead = true;
					break;
				}
				heard = now_ms();
				pong_by = 0;
			} else if (r > 0 && !p[0].revents) {
				/* stdin or a signal only: not a silence */
			} else if (r == 0 && pong_by) {
				rmsg("stapsh on '%s' stopped answering during %s",
				     c->path, what);
				c->dead = true;
				break;
			} else if (r == 0) {
				if (rc_send(c, "ping\n"))
					break;
				pong_by = now_ms() + REMOTE_TIMEOUT_MS;
			}
			continue;
		}
		rc_line(c, line, sizeof(line), 0);
		if (!strncmp(line, "out ", 4) || !strncmp(line, "err ", 4)) {
			size_t len = strtoul(line + 4, NULL, 10);

			if (rc_copy(c, len, line[0] == 'o' ? STDOUT_FILENO :
				    STDERR_FILENO)) {
				rmsg("lost the connection to stapsh on '%s' during %s",
				     c->path, what);
				c->dead = true;
				break;
			}
		} else if (!strncmp(line, "ack ", 4)) {
			size_t k = strtoul(line + 4, NULL, 10);

			in.unacked -= k < in.unacked ? k : in.unacked;
		} else if (!reply_number(line, "exit", &n, &rest) &&
			   n == c->seq) {
			status = atoi(rest);
			break;
		} else if (!reply_number(line, "error", &n, &rest) &&
			   n == c->seq) {
			rmsg("remote %s failed: %s", what, rest);
			break;
		} else if (!strncmp(line, "exit ", 5) ||
			   !strncmp(line, "error ", 6) ||
			   !strncmp(line, "OK ", 3)) {
			out_of_step(c, line, what);
			break;
		}
		/* "pong", or anything else: ignored (forward compatibility) */
	}

	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	sigaction(SIGPIPE, &oldpipe, NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	return status;
}

/* "run"/"exec": "OK N" then frames, or "error N: ...". */
static int rc_run_cmd(struct rconn *c, const char *line, const char *what,
		      bool fwd_stdin)
{
	if (fwd_stdin && (rc_command(c, "option stdin\n") ||
			  rc_expect_ok(c, "option stdin")))
		return -1;
	if (rc_command(c, line) || rc_expect_ok(c, what))
		return -1;
	return rc_stream(c, what, fwd_stdin);
}

/* --- the API ------------------------------------------------------------ */

static int takes_arg(const char *opt)
{
	/* staprun options with an argument (upstream's getopt string, but
	 * -F, which is the flight recorder here, not upstream's -F FD). */
	return opt[0] == '-' && opt[1] && !opt[2] &&
	       strchr("btcoxNSrTCMdt", opt[1]) != NULL;
}

int remote_run(const char *url, const char *module_path, char *const argv[],
	       int verbose)
{
	const char *base = strrchr(module_path, '/');
	char *line = NULL, *tail = NULL;
	struct rconn *c;
	int rc = -1, i, after = 0;
	bool fwd_stdin = false;	/* staprun -i: our stdin is the module's */

	base = base ? base + 1 : module_path;
	c = rc_open(url, 1, verbose, REMOTE_TIMEOUT_MS, 0);
	if (!c)
		return -1;
	if (verbose >= 2)
		rmsg("sending '%s' to the remote", module_path);
	tail = strdup("");
	if (!tail || append_word(&tail, base) ||
	    rc_send_file(c, module_path, "file", tail) < 0)
		goto out;
	line = strdup("run");
	if (!line)
		goto out;
	/* "run OPTIONS... MODULE PARAMS..." */
	for (i = 0; argv && argv[i]; i++) {
		const char *a = argv[i];
		char **dst = &line;

		if (!after && !strcmp(a, "--")) {
			after = 1;
			continue;
		}
		if (after || (a[0] != '-' && strchr(a, '=')))
			dst = &tail;
		else if (!strcmp(a, "-i"))
			fwd_stdin = true;
		if (append_word(dst, a))
			goto out;
		if (!after && takes_arg(a) && argv[i + 1] &&
		    append_word(&line, argv[++i]))
			goto out;
	}
	{
		char *n = realloc(line, strlen(line) + strlen(tail) + 1);

		if (!n)
			goto out;
		line = n;
		strcat(line, tail);
	}
	if (finish_line(&line))
		goto out;
	rc = rc_run_cmd(c, line, "run", fwd_stdin);
out:
	free(line);
	free(tail);
	rc_close(c);
	return rc;
}

/* --- several targets at once ------------------------------------------ */

static pid_t *job_pids;
static int job_count;

/* Our SIGINT/SIGTERM/SIGHUP go to every job (each forwards it to its
 * stapsh); the jobs have process groups of their own, so a Ctrl-C on
 * the terminal reaches them through here only, once. */
static void forward_to_jobs(int sig)
{
	int saved = errno;

	for (int i = 0; i < job_count; i++)
		if (job_pids[i] > 0)
			kill(job_pids[i], sig);
	errno = saved;
}

/* One output stream of a job: the pipe, and its unfinished line. */
struct jstream {
	int fd, to;		/* read end; STDOUT/STDERR_FILENO */
	const char *prefix;	/* "N: " or "" */
	size_t len;
	char buf[8192];
};

/* Write BUF's complete lines (all of it at EOF, or when it is full),
 * each after the prefix. */
static void jstream_flush(struct jstream *s, bool all)
{
	size_t start = 0;

	for (;;) {
		char *nl = memchr(s->buf + start, '\n', s->len - start);
		size_t end = nl ? (size_t)(nl - s->buf) + 1 :
			     (all || (start == 0 && s->len == sizeof(s->buf))) ?
			     s->len : start;

		if (end == start)
			break;
		if (*s->prefix)
			write_all(s->to, s->prefix, strlen(s->prefix));
		write_all(s->to, s->buf + start, end - start);
		start = end;
	}
	s->len -= start;
	memmove(s->buf, s->buf + start, s->len);
}

static int job_exit_code(int rc)
{
	return rc < 0 ? 255 : rc > 254 ? 254 : rc;
}

void remote_run_all(struct remote_job *jobs, int n, char *const argv[],
		    int verbose, int prefix)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = forward_to_jobs }, old[3];
	struct jstream *st = calloc(2 * n, sizeof(*st));
	char (*pfx)[24] = calloc(n, sizeof(*pfx));
	struct pollfd *p = calloc(2 * n, sizeof(*p));
	int i, open_fds = 0;

	job_pids = calloc(n, sizeof(*job_pids));
	if (!st || !pfx || !p || !job_pids) {
		rmsg("out of memory");
		for (i = 0; i < n; i++)
			jobs[i].status = -1;
		goto out;
	}
	job_count = n;
	for (i = 0; i < 2 * n; i++)
		st[i].fd = -1;
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < n; i++) {
		int out[2], err[2];
		pid_t pid;

		jobs[i].status = -1;
		snprintf(pfx[i], sizeof(pfx[i]), "%d: ", jobs[i].index);
		if (pipe2(out, O_CLOEXEC)) {
			rmsg("cannot make a pipe: %s", strerror(errno));
			continue;
		}
		if (pipe2(err, O_CLOEXEC)) {
			rmsg("cannot make a pipe: %s", strerror(errno));
			close(out[0]);
			close(out[1]);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			setpgid(0, 0);
			dup2(out[1], STDOUT_FILENO);
			dup2(err[1], STDERR_FILENO);
			{
				/* several runs cannot share our stdin */
				int nul = open("/dev/null", O_RDONLY);

				if (nul >= 0 && nul != STDIN_FILENO) {
					dup2(nul, STDIN_FILENO);
					close(nul);
				}
			}
			_exit(job_exit_code(remote_run(jobs[i].url,
						       jobs[i].module_path,
						       argv, verbose)));
		}
		close(out[1]);
		close(err[1]);
		if (pid < 0) {
			rmsg("cannot fork: %s", strerror(errno));
			close(out[0]);
			close(err[0]);
			continue;
		}
		job_pids[i] = pid;
		st[2 * i] = (struct jstream){ .fd = out[0], .to = STDOUT_FILENO,
					      .prefix = prefix ? pfx[i] : "" };
		st[2 * i + 1] = (struct jstream){ .fd = err[0],
						  .to = STDERR_FILENO,
						  .prefix = prefix ? pfx[i] : "" };
		open_fds += 2;
	}
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);

	while (open_fds > 0) {
		for (i = 0; i < 2 * n; i++)
			p[i] = (struct pollfd){ st[i].fd, POLLIN, 0 };
		if (poll(p, 2 * n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2 * n; i++) {
			struct jstream *s = &st[i];
			ssize_t k;

			if (s->fd < 0 || !p[i].revents)
				continue;
			k = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
			if (k < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (k <= 0) {
				jstream_flush(s, true);
				close(s->fd);
				s->fd = -1;
				open_fds--;
				continue;
			}
			s->len += k;
			jstream_flush(s, false);
		}
	}
	for (i = 0; i < n; i++) {
		int status;

		if (job_pids[i] <= 0)
			continue;
		while (waitpid(job_pids[i], &status, 0) < 0 && errno == EINTR)
			;
		job_pids[i] = 0;
		jobs[i].status = WIFEXITED(status) &&
				 WEXITSTATUS(status) != 255 ?
				 WEXITSTATUS(status) : -1;
	}
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
out:
	job_count = 0;
	free(job_pids);
	job_pids = NULL;
	free(st);
	free(pfx);
	free(p);
}

int remote_target_info(const char *url, char **release, char **machine)
{
	struct rconn *c;
	struct utsname un;
	int r;

	*release = *machine = NULL;
	if (remote_check_url(url))
		return -1;
	if (!strcmp(url, "vm")) {
		if ((r = run_stapvm("kver", "--fetch", release)) != 0 || !*release ||
		    !**release) {
			if (r != 127)
				rmsg("cannot find or fetch the test VM's kernel (stapvm kver --fetch failed)");
			free(*release);
			*release = NULL;
			return -1;
		}
		uname(&un);	/* the VM is this machine's kind */
		*machine = strdup(un.machine);
		return 0;
	}
	c = rc_open(url, 0, 0, REMOTE_TIMEOUT_MS, 0);
	if (!c)
		return -1;
	if (c->release && c->machine) {
		*release = strdup(c->release);
		*machine = strdup(c->machine);
	} else {
		rmsg("stapsh on '%s' did not say its kernel release", c->path);
	}
	rc_close(c);
	return *release ? 0 : -1;
}

char *remote_kernel_release(const char *url)
{
	char *rel, *mach;

	if (remote_target_info(url, &rel, &mach))
		return NULL;
	free(mach);
	return rel;
}

int remote_exec(const char *url, const char *user, const char *cmd,
		int verbose)
{
	struct rconn *c = rc_open(url, 0, verbose, REMOTE_TIMEOUT_MS, 0);
	char *line = strdup("exec");
	int rc = -1;

	if (!c || !line)
		goto out;
	if (append_word(&line, user ? user : "root") ||
	    append_word(&line, cmd) || finish_line(&line))
		goto out;
	rc = rc_run_cmd(c, line, "exec", false);
out:
	free(line);
	if (c)
		rc_close(c);
	return rc;
}

int remote_put(const char *url, const char *src, const char *dest,
	       int verbose)
{
	struct rconn *c = rc_open(url, 0, verbose, REMOTE_TIMEOUT_MS, 0);
	const char *base = strrchr(src, '/');
	char *rest = strdup(""), *mode = NULL;
	struct stat st;
	int rc = -1;

	base = base ? base + 1 : src;
	if (!c || !rest)
		goto out;
	if (stat(src, &st)) {
		rmsg("cannot read '%s': %s", src, strerror(errno));
		goto out;
	}
	if (asprintf(&mode, "%o", (unsigned)(st.st_mode & 07777)) < 0) {
		mode = NULL;
		goto out;
	}
	if (append_word(&rest, mode) || append_word(&rest, dest) ||
	    append_word(&rest, base))
		goto out;
	rc = rc_send_file(c, src, "put", rest);
out:
	free(mode);
	free(rest);
	if (c)
		rc_close(c);
	return rc;
}

int remote_ping(const char *url, int timeout_ms, int quiet)
{
	struct rconn *c = rc_open(url, 0, 0, timeout_ms, quiet);

	if (!c)
		return rc_status == RC_PROTOCOL ? -2 : -1;
	rc_close(c);
	return 0;
}

int remote_check_url(const char *url)
{
	struct rurl u;

	if (parse_url(url, &u))
		return -1;
	rurl_release(&u);
	return 0;
}
