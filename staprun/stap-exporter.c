// SPDX-License-Identifier: GPL-2.0
/*
 * stap-exporter: serve the Prometheus metrics of SystemTap scripts over
 * HTTP.  `GET /NAME.stp` starts SCRIPTDIR/NAME.stp (the first time, or
 * after it stopped) and answers with its module's
 * /proc/systemtap/MODULE/__prometheus file, which the script's
 * `probe prometheus` handler fills when it is read (prometheus.stp).
 *
 *     stap-exporter [-p PORT] [-s SCRIPTDIR] [-k KEEPALIVE] [-v]
 *
 * A script runs as `stap -m MODULE SCRIPT` (MODULE is NAME with every
 * character but letters, digits and '_' made '_'), or, on a host without
 * the translator, as `staprun SCRIPTDIR/MODULE.ko` from a module built
 * elsewhere with `stap -p4 -m MODULE -r KVER NAME.stp`: the prebuilt
 * module is used when it is not older than the script or when there is
 * no `stap` on PATH.  Scripts whose file name contains "autostart" start
 * with the exporter.  With -k, a script whose metrics nobody asked for
 * in KEEPALIVE seconds is stopped (SIGINT), to start again at the next
 * request.
 *
 * One process, one poll() loop: clients are read, wait for their
 * script's file to appear (up to START_WAIT seconds: a 503 with
 * Retry-After then tells them to come back), and are answered in one
 * write; connections close after each answer (HTTP/1.0 style).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *progname = "stap-exporter";

#define DEFAULT_PORT 9900
#define DEFAULT_SCRIPTDIR "/etc/stap-exporter"
#define START_WAIT 8		/* seconds a client waits for a starting script */
#define READ_WAIT 5		/* seconds to send a request */
#define STOP_WAIT 10		/* seconds for a script to stop before SIGKILL */
#define MAX_REQUEST 8192
#define MAX_CLIENTS 64
#define MAX_METRICS (1 << 20)

enum script_state { S_STOPPED, S_RUNNING, S_STOPPING };

struct script {
	char *name;		/* NAME.stp, as in the URL */
	char module[64];
	pid_t pid;
	enum script_state state;
	time_t started, last_access;
	int last_status;	/* wait status of the last run, -1 if none */
	struct script *next;
};

struct client {
	int fd;
	char req[MAX_REQUEST];
	size_t len;
	time_t deadline;
	struct script *waiting;	/* script it waits for, if any */
	bool head;		/* a HEAD request */
};

static const char *scriptdir = DEFAULT_SCRIPTDIR;
static int keepalive;		/* 0: scripts run until the exporter stops */
static struct script *scripts;
static struct client clients[MAX_CLIENTS];
static int nclients;
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: stap-exporter [OPTIONS]\n"
"Serve the Prometheus metrics of the SystemTap scripts in SCRIPTDIR:\n"
"GET /NAME.stp starts NAME.stp and returns its metrics.\n"
"  -p, --port PORT          listen on PORT (default %d)\n"
"  -s, --scripts SCRIPTDIR  the scripts' directory (default %s)\n"
"  -k, --keepalive SECONDS  stop a script whose metrics were not read for\n"
"                           SECONDS (default: never)\n"
"  -v, --verbose            say what is started, stopped and served\n"
"  -h, --help               this text\n",
		DEFAULT_PORT, DEFAULT_SCRIPTDIR);
}

/* NAME is a script of SCRIPTDIR that a URL may name: NAME.stp, no '/',
 * not hidden, a regular file. */
static bool script_file_ok(const char *name)
{
	size_t n = strlen(name);
	char path[4096];
	struct stat st;

	if (n <= 4 || n > 200 || strcmp(name + n - 4, ".stp") ||
	    name[0] == '.' || strchr(name, '/'))
		return false;
	snprintf(path, sizeof(path), "%s/%s", scriptdir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static struct script *script_get(const char *name)
{
	struct script *s;
	size_t i, n;

	for (s = scripts; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->name = strdup(name))) {
		msg("out of memory");
		exit(1);
	}
	n = strlen(name) - 4;
	if (n > sizeof(s->module) - 1)
		n = sizeof(s->module) - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = name[i];

		s->module[i] = isalnum(c) || c == '_' ? c : '_';
	}
	s->module[n] = 0;
	s->last_status = -1;
	s->next = scripts;
	scripts = s;
	return s;
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n,
			 n ? path : ".", prog);
		if (access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static void script_start(struct script *s)
{
	char stp[4096], ko[4096];
	struct stat st_stp, st_ko;
	bool prebuilt;
	char *run;
	pid_t pid;

	snprintf(stp, sizeof(stp), "%s/%s", scriptdir, s->name);
	snprintf(ko, sizeof(ko), "%s/%s.ko", scriptdir, s->module);
	prebuilt = stat(ko, &st_ko) == 0 &&
		   (!on_path("stap") || (stat(stp, &st_stp) == 0 &&
					 st_ko.st_mtime >= st_stp.st_mtime));
	run = prebuilt ? sibling_path("staprun") : NULL;
	pid = fork();
	if (pid < 0) {
		msg("cannot start %s: %s", s->name, strerror(errno));
		free(run);
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* the script's own output is not the exporter's business */
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		signal(SIGPIPE, SIG_DFL);
		if (prebuilt)
			execl(run, "staprun", ko, (char *)NULL);
		else
			execlp("stap", "stap", "-m", s->module, stp,
			       (char *)NULL);
		msg("cannot run %s: %s", prebuilt ? run : "stap",
		    strerror(errno));
		_exit(127);
	}
	dbg(1, "started %s as %s (pid %d)", s->name,
	    prebuilt ? ko : "stap", (int)pid);
	free(run);
	s->pid = pid;
	s->state = S_RUNNING;
	s->started = s->last_access = time(NULL);
}

static void script_stop(struct script *s)
{
	if (s->state != S_RUNNING)
		return;
	dbg(1, "stopping %s (pid %d)", s->name, (int)s->pid);
	kill(s->pid, SIGINT);
	s->state = S_STOPPING;
	s->started = time(NULL);	/* the stop's start, for STOP_WAIT */
}

static void reap(void)
{
	struct script *s;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (s = scripts; s; s = s->next) {
			if (s->pid != pid || s->state == S_STOPPED)
				continue;
			dbg(1, "%s stopped (%s %d)", s->name,
			    WIFSIGNALED(status) ? "signal" : "status",
			    WIFSIGNALED(status) ? WTERMSIG(status)
						: WEXITSTATUS(status));
			s->state = S_STOPPED;
			s->last_status = status;
			s->pid = 0;
		}
	}
}

/* Read the script's metrics file into a malloc'ed buffer; NULL while the
 * module has not created it (or is gone). */
static char *metrics_read(struct script *s, size_t *len)
{
	char path[256], *buf;
	size_t cap = 65536, n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/systemtap/%s/__prometheus",
		 s->module);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	while (buf) {
		ssize_t r;

		if (n == cap) {
			char *b;

			if (cap >= MAX_METRICS)
				break;
			cap *= 2;
			b = realloc(buf, cap + 1);
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

static void client_close(int i)
{
	close(clients[i].fd);
	clients[i] = clients[--nclients];
}

/* Answer client I and close it. */
static void reply(int i, int code, const char *reason, const char *extra,
		  const char *body, size_t len)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		     "Content-Length: %zu\r\n"
		     "%s"
		     "Connection: close\r\n\r\n",
		     code, reason, len, extra ? extra : "");
	if (write_all(clients[i].fd, head, n) == 0 && !clients[i].head)
		write_all(clients[i].fd, body, len);
	dbg(2, "%d %s", code, reason);
	client_close(i);
}

static void reply_text(int i, int code, const char *reason,
		       const char *extra, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void reply_text(int i, int code, const char *reason,
		       const char *extra, const char *fmt, ...)
{
	char body[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	reply(i, code, reason, extra, body, strlen(body));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* GET /: the scripts one may ask for, one per line, with their state. */
static void reply_index(int i)
{
	char *names[512], *body;
	size_t n = 0, k, len = 0, cap = 4096;
	struct dirent *de;
	DIR *d = opendir(scriptdir);

	if (d) {
		while ((de = readdir(d)) && n < 512)
			if (script_file_ok(de->d_name))
				names[n++] = strdup(de->d_name);
		closedir(d);
	}
	qsort(names, n, sizeof(*names), name_cmp);
	body = malloc(cap);
	for (k = 0; k < n && body; k++) {
		struct script *s;
		const char *state = "stopped";

		for (s = scripts; s; s = s->next)
			if (names[k] && !strcmp(s->name, names[k]) &&
			    s->state != S_STOPPED)
				state = "running";
		if (len + 300 > cap) {
			char *b = realloc(body, cap *= 2);

			if (!b) {
				free(body);
				body = NULL;
				break;
			}
			body = b;
		}
		if (names[k])
			len += snprintf(body + len, cap - len, "%s %s\n",
					names[k], state);
	}
	for (k = 0; k < n; k++)
		free(names[k]);
	if (!body) {
		reply_text(i, 500, "Internal Server Error", NULL,
			   "out of memory\n");
		return;
	}
	reply(i, 200, "OK", NULL, body, len);
	free(body);
}

/* Client I waits for its script: answer it if the metrics are there, the
 * script died, or its time is up.  Returns true if it was answered. */
static bool serve_script(int i, time_t now)
{
	struct script *s = clients[i].waiting;
	size_t len;
	char *m;

	s->last_access = now;
	m = s->state == S_RUNNING ? metrics_read(s, &len) : NULL;
	if (m) {
		reply(i, 200, "OK", NULL, m, len);
		free(m);
		return true;
	}
	if (s->state == S_STOPPED) {
		int st = s->last_status;

		if (WIFSIGNALED(st))
			reply_text(i, 500, "Internal Server Error", NULL,
				   "%s: the script was killed by signal %d\n",
				   s->name, WTERMSIG(st));
		else
			reply_text(i, 500, "Internal Server Error", NULL,
				   "%s: the script exited with status %d%s\n",
				   s->name, WEXITSTATUS(st),
				   s->started + START_WAIT > now ?
				   " before its metrics appeared" : "");
		return true;
	}
	if (now >= clients[i].deadline) {
		reply_text(i, 503, "Service Unavailable",
			   "Retry-After: 5\r\n",
			   "%s is starting: ask again in a few seconds\n",
			   s->name);
		return true;
	}
	return false;
}

/* A whole request from client I is in its buffer. */
static void handle_request(int i, time_t now)
{
	struct client *c = &clients[i];
	char *method = c->req, *path, *end, *q;
	struct script *s;

	path = strchr(method, ' ');
	if (!path) {
		reply_text(i, 400, "Bad Request", NULL, "bad request\n");
		return;
	}
	*path++ = 0;
	end = strpbrk(path, " \r\n");
	if (end)
		*end = 0;
	q = strpbrk(path, "?#");
	if (q)
		*q = 0;
	c->head = !strcmp(method, "HEAD");
	dbg(2, "%s %s", method, path);
	if (strcmp(method, "GET") && !c->head) {
		reply_text(i, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n",
			   "only GET and HEAD\n");
		return;
	}
	if (!strcmp(path, "/")) {
		reply_index(i);
		return;
	}
	if (path[0] != '/' || !script_file_ok(path + 1)) {
		reply_text(i, 404, "Not Found", NULL,
			   "no script %s in %s\n", path, scriptdir);
		return;
	}
	s = script_get(path + 1);
	if (s->state == S_STOPPING) {
		reply_text(i, 503, "Service Unavailable", "Retry-After: 5\r\n",
			   "%s is stopping\n", s->name);
		return;
	}
	if (s->state == S_STOPPED)
		script_start(s);
	if (s->state == S_STOPPED) {
		reply_text(i, 500, "Internal Server Error", NULL,
			   "%s could not be started\n", s->name);
		return;
	}
	c->waiting = s;
	c->deadline = now + START_WAIT;
	serve_script(i, now);
}

/* Data from client I. */
static void client_read(int i, time_t now)
{
	struct client *c = &clients[i];
	ssize_t n = read(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_close(i);
		return;
	}
	c->len += n;
	c->req[c->len] = 0;
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		handle_request(i, now);
	else if (c->len == sizeof(c->req) - 1)
		reply_text(i, 431, "Request Header Fields Too Large", NULL,
			   "request too large\n");
}

static int listen_on(int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, zero = 0, fd;

	/* both families on one socket where IPv6 exists, else IPv4 */
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0)
			goto bound;
		close(fd);
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)) < 0) {
		close(fd);
		return -1;
	}
bound:
	if (listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void autostart(void)
{
	struct dirent *de;
	DIR *d = opendir(scriptdir);

	if (!d) {
		msg("cannot open the scripts' directory %s: %s", scriptdir,
		    strerror(errno));
		return;
	}
	while ((de = readdir(d)))
		if (strstr(de->d_name, "autostart") &&
		    script_file_ok(de->d_name))
			script_start(script_get(de->d_name));
	closedir(d);
}

/* Stop every script; wait STOP_WAIT seconds, then kill what is left. */
static void stop_all(void)
{
	struct script *s;
	time_t end = time(NULL) + STOP_WAIT;
	bool left;

	for (s = scripts; s; s = s->next)
		script_stop(s);
	do {
		reap();
		left = false;
		for (s = scripts; s; s = s->next)
			left |= s->state != S_STOPPED;
		if (left)
			usleep(100000);
	} while (left && time(NULL) < end);
	for (s = scripts; s; s = s->next)
		if (s->state != S_STOPPED) {
			msg("%s did not stop: killing it", s->name);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
		}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "scripts", required_argument, NULL, 's' },
		{ "keepalive", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int port = DEFAULT_PORT, lfd, c;
	char *end;

	while ((c = getopt_long(argc, argv, "p:s:k:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || port <= 0 || port > 65535) {
				msg("bad port '%s'", optarg);
				return 1;
			}
			break;
		case 's':
			scriptdir = optarg;
			break;
		case 'k':
			keepalive = strtol(optarg, &end, 10);
			if (*end || keepalive < 0) {
				msg("bad keepalive '%s' (seconds)", optarg);
				return 1;
			}
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		msg("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 1;
	}
	lfd = listen_on(port);
	if (lfd < 0) {
		msg("cannot listen on port %d: %s", port, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	set_signal(SIGINT, on_stop);
	set_signal(SIGTERM, on_stop);
	set_signal(SIGHUP, on_stop);
	dbg(1, "listening on port %d, scripts in %s", port, scriptdir);
	autostart();

	while (!stop_signal) {
		struct pollfd pfd[MAX_CLIENTS + 1];
		struct script *s;
		time_t now;
		int i, n;

		pfd[0].fd = lfd;
		pfd[0].events = nclients < MAX_CLIENTS ? POLLIN : 0;
		for (i = 0; i < nclients; i++) {
			pfd[i + 1].fd = clients[i].fd;
			pfd[i + 1].events = clients[i].waiting ? 0 : POLLIN;
		}
		n = poll(pfd, nclients + 1, scripts || nclients ? 200 : -1);
		if (n < 0 && errno != EINTR) {
			msg("poll: %s", strerror(errno));
			break;
		}
		now = time(NULL);
		reap();
		/* backwards: answered clients are replaced by the last one */
		for (i = nclients - 1; i >= 0; i--) {
			if (clients[i].waiting)
				serve_script(i, now);
			else if (n > 0 && pfd[i + 1].revents)
				client_read(i, now);
			else if (now >= clients[i].deadline)
				client_close(i);
		}
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			int fd = accept4(lfd, NULL, NULL,
					 SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd >= 0) {
				struct timeval tv = { 2, 0 };

				setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
					   sizeof(tv));
				/* answers are written whole, blocking */
				fcntl(fd, F_SETFL, 0);
				clients[nclients] = (struct client){
					.fd = fd, .deadline = now + READ_WAIT };
				nclients++;
			}
		}
		if (keepalive)
			for (s = scripts; s; s = s->next)
				if (s->state == S_RUNNING &&
				    now - s->last_access > keepalive)
					script_stop(s);
		for (s = scripts; s; s = s->next)
			if (s->state == S_STOPPING &&
			    now - s->started > STOP_WAIT) {
				msg("%s did not stop: killing it", s->name);
				kill(s->pid, SIGKILL);
			}
	}
	if (stop_signal)
		dbg(1, "signal %d: stopping", (int)stop_signal);
	close(lfd);
	while (nclients)
		client_close(0);
	stop_all();
	return 0;
}
