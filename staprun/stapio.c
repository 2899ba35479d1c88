// SPDX-License-Identifier: GPL-2.0
/*
 * stapio: the unprivileged half of a session.  Opens the module's
 * /proc/systemtap/MODNAME/{.cmd,.data}, starts the session, copies the
 * script output to stdout (or -o FILE) and OOB messages to stderr, and
 * stops the session on STP_REQUEST_EXIT, SIGINT/SIGTERM/SIGHUP or the exit
 * of the -c command.  staprun, its parent, removes the module afterwards,
 * unless stapio detached (-L, SIGQUIT: exit status STAPIO_DETACHED) or
 * could not attach (STAPIO_NOT_ATTACHED).  -o FILE with -S SIZE[,N]
 * rotates the output through FILE.0, FILE.1, ... keeping the last N;
 * SIGUSR2 switches to the next file.  A bulk mode module (stap -b) has
 * one .data_N per CPU instead of .data; each goes to its own file, FILE_N
 * (FILE_cpuN with -D) or stpd_cpuN without -o, in the record format
 * stap-merge(1) reads.  A module with a procfs("__stdin") write probe
 * (input.char, input.line) gets our stdin, one byte per write.  See
 * doc/transport.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <dirent.h>
#include <poll.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "runtime/transport_msgs.h"
#include "util.h"

const char *progname = "stapio";

#define WARN_TABLE 1024
#define DATA_BUF (64 * 1024)

/* -o FILE, possibly rotated. */
struct output {
	char *pattern;		/* -o, strftime expanded at each open */
	long long size_max;	/* -S SIZE, bytes; 0: no limit */
	int nmax;		/* -S SIZE,N: files kept; 0: all */
	int index;		/* suffix of the current file, -1: none */
	long long written;	/* to the current file */
	char **names;		/* the files kept, oldest first */
	int nnames;
};

/* An output channel: .data to stdout or -o FILE, or in bulk mode one
 * CPU's .data_N to its own file. */
struct stream {
	int fd;			/* .data or .data_N */
	int out_fd;		/* -1: output closed */
	struct output out;	/* out.pattern NULL: stdout */
	int eof;
	struct timespec next_read;	/* -T: not before this */
};

#define MAX_STREAMS 1024

struct session {
	const char *name;
	int cmd_fd;
	struct stream *st;
	int nst;
	int detach;		/* -L: detach once started */
	int attach;		/* -A: the session runs already */
	int reader_ms;		/* -T: wait up to this before a short read */
	int sig_pipe[2];
	pid_t target;		/* -c command, 0 if none */
	int target_fd;		/* pidfd of it, or -1 */
	int release_fd;		/* -R */
	int warnings_off;
	int started, stop_sent, stopped, stop_by_sig;
	struct timespec stop_time;
	int errors;		/* ERROR: lines seen */
	unsigned long warn_hash[WARN_TABLE];
	int nwarn;
	char *oob_partial;	/* incomplete trailing OOB line */
	int in_fd;		/* __stdin of the module, -1: none (yet) */
	int in_state;		/* IN_* */
	struct termios tty;	/* of a terminal stdin, to restore */
	int tty_set;
};

/* Forwarding stdin to the module's __stdin (input.char, input.line). */
enum { IN_NOT_YET, IN_ON, IN_DONE };
#define IN_CHUNK 4096

static int sig_write_fd = -1;
static volatile sig_atomic_t stop_signals;	/* SIGINT/SIGTERM/SIGHUP seen */

static void send_stop(struct session *s, const char *why);
static void drain_output(struct session *s, int max);

/*
 * Write the script's output.  A reader that does not read (a full pipe)
 * blocks us here, so the stop signals are handled here too: the first
 * stops the session, a second gives up (the caller returns -EINTR and
 * staprun removes the module).
 */
static int out_write(struct session *s, struct stream *t, const char *p,
		     size_t len)
{
	while (len > 0) {
		ssize_t n = write(t->out_fd, p, len);

		if (n < 0) {
			if (errno != EINTR)
				return -errno;
			if (stop_signals >= 2 ||
			    (stop_signals && s->stop_sent && !s->stop_by_sig))
				return -EINTR;
			if (stop_signals && !s->stop_sent) {
				send_stop(s, "signal");
				s->stop_by_sig = 1;
			}
			continue;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static long long ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000LL +
	       (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* Open the next output file: the pattern expanded with strftime, with
 * ".INDEX" when rotating or after SIGUSR2; forget the oldest file when
 * there are more than -S ...,N. */
static int open_output(struct output *o)
{
	char name[PATH_MAX], *p;
	const char *pattern = o->pattern;
	time_t t = time(NULL);
	struct tm tm;
	size_t n;
	int fd;

	if (strchr(pattern, '%')) {
		if (!localtime_r(&t, &tm) ||
		    !strftime(name, sizeof(name) - 24, pattern, &tm)) {
			msg("Invalid FILE name format '%s'", pattern);
			return -1;
		}
	} else {
		snprintf(name, sizeof(name) - 24, "%s", pattern);
	}
	n = strlen(name);
	if (o->index >= 0)
		snprintf(name + n, sizeof(name) - n, ".%d", o->index);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		msg("cannot open output file '%s': %s", name, strerror(errno));
		return -1;
	}
	o->written = 0;
	if (!o->nmax)
		return fd;
	p = strdup(name);
	if (!p)
		return fd;
	if (o->nnames == o->nmax) {
		if (unlink(o->names[0]) && errno != ENOENT)
			msg("cannot remove '%s': %s", o->names[0],
			    strerror(errno));
		free(o->names[0]);
		memmove(o->names, o->names + 1,
			(o->nnames - 1) * sizeof(*o->names));
		o->nnames--;
	}
	o->names[o->nnames++] = p;
	return fd;
}

static int switch_output(struct stream *t)
{
	int fd;

	if (!t->out.pattern || t->out_fd < 0)
		return 0;
	if (close(t->out_fd))
		msg("cannot write output file: %s", strerror(errno));
	t->out_fd = -1;
	/* FILE, then FILE.1 (SIGUSR2); with -S FILE.0, FILE.1, ... */
	t->out.index = t->out.index < 0 ? 1 : t->out.index + 1;
	fd = open_output(&t->out);
	if (fd < 0)
		return -1;
	t->out_fd = fd;
	return 0;
}

/* Write output, switching files before -S SIZE would be exceeded (at a
 * line end; a line longer than SIZE is split). */
static int write_output(struct session *s, struct stream *t, const char *buf,
			size_t n)
{
	struct output *o = &t->out;

	while (n > 0) {
		size_t chunk = n;
		int err;

		if (o->size_max && (long long)n > o->size_max - o->written) {
			long long room = o->size_max - o->written;
			const char *nl = room > 0 ? memrchr(buf, '\n', room) :
				NULL;

			if (nl) {
				chunk = nl - buf + 1;
			} else if (o->written > 0) {
				if (switch_output(t))
					return -EIO;
				continue;
			} else {
				chunk = room;
			}
		}
		err = out_write(s, t, buf, chunk);
		if (err)
			return err;
		o->written += chunk;
		buf += chunk;
		n -= chunk;
	}
	return 0;
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	unsigned char c = sig;
	int saved = errno;

	(void)si;
	(void)uc;
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
		stop_signals++;
	(void)!write(sig_write_fd, &c, 1);
	errno = saved;
}

static int send_msg(struct session *s, u32 type)
{
	struct _stp_msg_hdr h = { .type = type, .len = 0 };
	ssize_t n;

	STAP_PROBE3(stapio, send__ctlmsg, (int)type, (void *)NULL, 0);
	do
		n = write(s->cmd_fd, &h, sizeof(h));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(h))
		return n < 0 ? -errno : -EIO;
	return 0;
}

static void send_stop(struct session *s, const char *why)
{
	int err;

	if (s->stop_sent)
		return;
	dbg(1, "stopping the session (%s)", why);
	err = send_msg(s, STP_STOP);
	if (err)
		msg("cannot send STP_STOP: %s", strerror(-err));
	s->stop_sent = 1;
	clock_gettime(CLOCK_MONOTONIC, &s->stop_time);
}

static unsigned long hash_line(const char *p, size_t len)
{
	unsigned long h = 5381;

	while (len--)
		h = h * 33 + (unsigned char)*p++;
	return h | 1;
}

/* Print one complete OOB line (with its '\n'), deduplicating warnings. */
static void oob_line(struct session *s, const char *line, size_t len)
{
	if (!strncmp(line, "ERROR:", 6))
		s->errors++;
	if (!strncmp(line, "WARNING:", 8)) {
		unsigned long h = hash_line(line, len);
		int i;

		if (s->warnings_off)
			return;
		for (i = 0; i < s->nwarn; i++)
			if (s->warn_hash[i] == h)
				return;
		if (s->nwarn < WARN_TABLE)
			s->warn_hash[s->nwarn++] = h;
	}
	write_all(STDERR_FILENO, line, len);
}

static void oob_text(struct session *s, const char *text, size_t len)
{
	char *buf;
	size_t plen = s->oob_partial ? strlen(s->oob_partial) : 0;
	size_t start = 0, i;

	buf = malloc(plen + len + 1);
	if (!buf)
		return;
	if (plen)
		memcpy(buf, s->oob_partial, plen);
	memcpy(buf + plen, text, len);
	len += plen;
	buf[len] = '\0';
	free(s->oob_partial);
	s->oob_partial = NULL;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			oob_line(s, buf + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start < len)
		s->oob_partial = strdup(buf + start);
	free(buf);
}

/* system(CMD): /bin/sh -c CMD in the background, as the user stapio
 * runs as, its output on stapio's standard output and error; an
 * intermediate child exits at once so that nothing is left to reap. */
static void run_system(const char *cmd, size_t len)
{
	pid_t pid;

	if (!len || cmd[len - 1] != '\0') {
		msg("ignoring a malformed system() request");
		return;
	}
	dbg(1, "system(\"%s\")", cmd);
	pid = fork();
	if (pid < 0) {
		msg("system(): cannot fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		if (fork() == 0) {
			int fd = open("/dev/null", O_RDONLY);

			if (fd >= 0 && fd != STDIN_FILENO) {
				dup2(fd, STDIN_FILENO);
				close(fd);
			}
			signal(SIGPIPE, SIG_DFL);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Write what the output channel T holds now (switch_file()). */
static void drain_stream(struct session *s, struct stream *t)
{
	static char buf[DATA_BUF];
	ssize_t n;

	while (t->out_fd >= 0 && (n = read(t->fd, buf, sizeof(buf))) > 0)
		if (write_output(s, t, buf, n))
			break;
}

static int handle_cmd(struct session *s)
{
	union {
		struct _stp_msg_hdr h;
		char raw[sizeof(struct _stp_msg_hdr) + STP_MSG_MAX];
	} m;
	ssize_t n;
	const char *payload = m.raw + sizeof(m.h);

	n = read(s->cmd_fd, &m, sizeof(m));
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		msg("cannot read the control channel: %s", strerror(errno));
		return -errno;
	}
	if (n == 0) {
		msg("the control channel closed unexpectedly");
		return -EPIPE;
	}
	if ((size_t)n < sizeof(m.h) || m.h.len > n - sizeof(m.h)) {
		msg("malformed control message (%zd bytes)", n);
		return -EPROTO;
	}
	switch (m.h.type) {
	case STP_STARTED: {
		struct _stp_msg_started st = { 0 };

		memcpy(&st, payload, m.h.len < sizeof(st) ? m.h.len :
		       sizeof(st));
		dbg(1, "STP_STARTED rc %d", st.rc);
		if (m.h.len >= sizeof(st) && (st.tried || st.rc == -EINTR))
			dbg(1, "%u probes registered (%u as one ftrace_ops in %u ms) in %u ms, %u failed%s",
			    st.armed, st.batched, st.batch_ms, st.arm_ms,
			    st.failed, st.rc == -EINTR ?
			    " (registration interrupted, the probes registered were removed)" :
			    "");
		s->started = 1;
		if (st.rc == -EINTR && stop_signals) {
			/* the stop signal came while the module armed */
			s->stop_by_sig = 1;
			send_stop(s, "signal during registration");
		} else if (st.rc) {
			msg("the module could not start: %s",
			    strerror(-st.rc));
			s->errors++;
			send_stop(s, "start failed");
		}
		break;
	}
	case STP_OOB:
		oob_text(s, payload, m.h.len);
		break;
	case STP_REQUEST_EXIT:
		/* No handler runs any more: make room for the end probes'
		 * output by taking what the buffers hold (bounded: 1 GiB). */
		drain_output(s, 16384);
		send_stop(s, "exit requested by the module");
		break;
	case STP_SYSTEM:
		run_system(payload, m.h.len);
		break;
	case STP_SWITCH_FILE:
		/* switch_file(): what the module wrote before (the
		 * handler's own output included) goes to the current file */
		for (int k = 0; k < s->nst; k++) {
			drain_stream(s, &s->st[k]);
			switch_output(&s->st[k]);
		}
		break;
	case STP_STOPPED: {
		struct _stp_msg_stopped st = { 0 };

		memcpy(&st, payload, m.h.len < sizeof(st) ? m.h.len :
		       sizeof(st));
		dbg(1, "STP_STOPPED errors %u skipped %u dropped %llu, probes disarmed in %u ms",
		    st.nerrors, st.nskipped,
		    (unsigned long long)st.dropped_bytes, st.disarm_ms);
		s->stopped = 1;
		s->stop_sent = 1;
		break;
	}
	default:
		dbg(1, "ignoring control message type %u", m.h.type);
		break;
	}
	return 0;
}

/* Copy what the stream's channel has; sets its eof at end of file. */
static int handle_data(struct session *s, struct stream *t)
{
	static char buf[DATA_BUF];
	ssize_t n;
	int err;

	n = read(t->fd, buf, sizeof(buf));
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		msg("cannot read the output channel: %s", strerror(errno));
		return -errno;
	}
	if (n == 0) {
		t->eof = 1;
		return 0;
	}
	if (s->reader_ms && n < (ssize_t)sizeof(buf) && !s->stop_sent) {
		/* -T: a short read; let the next one gather more */
		struct timespec *nr = &t->next_read;

		clock_gettime(CLOCK_MONOTONIC, nr);
		nr->tv_sec += s->reader_ms / 1000;
		nr->tv_nsec += (s->reader_ms % 1000) * 1000000L;
		if (nr->tv_nsec >= 1000000000L) {
			nr->tv_sec++;
			nr->tv_nsec -= 1000000000L;
		}
	}
	if (t->out_fd < 0)
		return 0;
	err = write_output(s, t, buf, n);
	if (err == -EINTR)
		return err;	/* a second stop signal: give up */
	if (err) {
		/* Nobody reads the output any more (e.g. a closed pipe). */
		if (err != -EPIPE)
			msg("cannot write output: %s", strerror(-err));
		t->out_fd = -1;
		send_stop(s, "output closed");
	}
	return 0;
}

static void release_target(struct session *s)
{
	if (s->release_fd < 0)
		return;
	if (s->target > 0) {
		s->target_fd = syscall(SYS_pidfd_open, s->target, 0);
		if (s->target_fd < 0)
			dbg(1, "pidfd_open(%d): %s; polling", s->target,
			    strerror(errno));
	}
	dbg(1, "releasing the target command (pid %d)", s->target);
	(void)!write(s->release_fd, "g", 1);
	close(s->release_fd);
	s->release_fd = -1;
}

static int target_gone(struct session *s)
{
	return s->target > 0 && kill(s->target, 0) < 0 && errno == ESRCH;
}

/* Called on SIGINT/SIGTERM/SIGHUP: stop; a second one while the session
 * ends (end probes, draining the output) gives up waiting, and staprun
 * removes the module at once. */
static int on_stop_signal(struct session *s, int sig)
{
	if (!s->stop_sent) {
		send_stop(s, strsignal(sig));
		s->stop_by_sig = 1;
		return 0;
	}
	if (s->stop_by_sig && stop_signals < 2)
		return 0;	/* the one that stopped it, seen in out_write */
	dbg(1, "%s again: not waiting for the end of the session",
	    strsignal(sig));
	return -EINTR;
}

/* Leave the module running (-L, -F, SIGQUIT): take what output is there,
 * then close the channels; staprun leaves the module loaded. */
/* Take the output that is there now, up to MAX reads per stream. */
static void drain_output(struct session *s, int max)
{
	int i, k;

	for (k = 0; k < s->nst; k++) {
		struct stream *t = &s->st[k];

		for (i = 0; i < max && !t->eof; i++) {
			struct pollfd p = { t->fd, POLLIN, 0 };

			if (poll(&p, 1, 0) != 1 || handle_data(s, t))
				break;
		}
	}
}

static int detach(struct session *s)
{
	drain_output(s, 1024);
	if (s->oob_partial) {
		oob_line(s, s->oob_partial, strlen(s->oob_partial));
		write_all(STDERR_FILENO, "\n", 1);
	}
	fprintf(stderr, "Disconnecting from systemtap module.\n"
		"To reconnect, type \"staprun -A %s\"\n", s->name);
	return STAPIO_DETACHED;
}

static int all_eof(struct session *s)
{
	int k;

	for (k = 0; k < s->nst; k++)
		if (!s->st[k].eof)
			return 0;
	return 1;
}

/* Add the streams ready to be read to P; their indexes go to WHO. */
static int poll_streams(struct session *s, struct pollfd *p, int *who,
			int *timeout)
{
	int k, np = 0;

	for (k = 0; k < s->nst; k++) {
		struct stream *t = &s->st[k];

		if (t->eof)
			continue;
		if (t->next_read.tv_sec) {
			long long ms = ms_until(&t->next_read);

			if (ms <= 0 || s->stop_sent) {
				t->next_read.tv_sec = 0;
			} else {
				if (*timeout < 0 || ms < *timeout)
					*timeout = ms;
				continue;
			}
		}
		who[np] = k;
		p[np++] = (struct pollfd){ t->fd, POLLIN, 0 };
	}
	return np;
}

/*
 * Once the session runs: if the module has a procfs("__stdin").write
 * probe (the tapset's input.char and input.line), its file takes our
 * stdin, one byte per write(2), so that each write fires the probe with
 * one character, as SystemTap's stapio does.  A terminal is switched out
 * of line mode meanwhile, so that characters come as they are typed.
 */
static void stdin_open(struct session *s)
{
	char path[512];
	struct termios t;

	s->in_state = IN_DONE;
	snprintf(path, sizeof(path), "/proc/systemtap/%s/__stdin", s->name);
	s->in_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (s->in_fd < 0) {
		if (errno != ENOENT)
			msg("cannot open '%s': %s", path, strerror(errno));
		return;
	}
	dbg(1, "forwarding stdin to '%s'", path);
	s->in_state = IN_ON;
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &s->tty)) {
		t = s->tty;
		t.c_lflag &= ~ICANON;
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
			msg("cannot set the terminal of stdin: %s",
			    strerror(errno));
		else
			s->tty_set = 1;
	}
}

static void stdin_close(struct session *s)
{
	if (s->tty_set && tcsetattr(STDIN_FILENO, TCSANOW, &s->tty))
		msg("cannot restore the terminal of stdin: %s",
		    strerror(errno));
	s->tty_set = 0;
	if (s->in_fd >= 0)
		close(s->in_fd);
	s->in_fd = -1;
	s->in_state = IN_DONE;
}

/* stdin is readable: pass on up to IN_CHUNK bytes of it. */
static void stdin_forward(struct session *s)
{
	static char buf[IN_CHUNK];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	ssize_t i;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			msg("cannot read stdin: %s", strerror(errno));
		dbg(1, "end of stdin");
		stdin_close(s);
		return;
	}
	for (i = 0; i < n; i++) {
		ssize_t w;

		do
			w = write(s->in_fd, buf + i, 1);
		while (w < 0 && errno == EINTR && !stop_signals);
		if (w != 1) {
			dbg(1, "stdin to the module: %s",
			    w < 0 ? strerror(errno) : "short write");
			stdin_close(s);
			return;
		}
	}
}

static int main_loop(struct session *s)
{
	struct pollfd *p = calloc(s->nst + 4, sizeof(*p));
	int *who = calloc(s->nst, sizeof(*who));
	int err = 0;

	if (!p || !who) {
		free(p);
		free(who);
		return -ENOMEM;
	}
	while (!(s->stopped && all_eof(s))) {
		int np = 0, timeout = -1, n, k, ndata;
		int i_cmd = -1, i_sig, i_tgt = -1, i_in = -1;

		if (s->detach && s->started && !s->stop_sent) {
			err = detach(s);
			break;
		}
		ndata = poll_streams(s, p, who, &timeout);
		np = ndata;
		if (!s->stopped) {
			i_cmd = np;
			p[np++] = (struct pollfd){ s->cmd_fd, POLLIN, 0 };
		}
		i_sig = np;
		p[np++] = (struct pollfd){ s->sig_pipe[0], POLLIN, 0 };
		if (s->started && !s->stop_sent && s->target > 0) {
			if (s->target_fd >= 0) {
				i_tgt = np;
				p[np++] = (struct pollfd){ s->target_fd,
							   POLLIN, 0 };
			} else if (timeout < 0 || timeout > 200) {
				timeout = 200;
			}
		}
		if (s->in_state == IN_ON && !s->stop_sent) {
			i_in = np;
			p[np++] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		}
		n = poll(p, np, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			msg("poll: %s", strerror(errno));
			err = -errno;
			break;
		}
		if (i_cmd >= 0 && p[i_cmd].revents) {
			err = handle_cmd(s);
			if (err)
				break;
			if (s->started && !s->stop_sent &&
			    s->in_state == IN_NOT_YET)
				stdin_open(s);
			if (s->started && !s->stop_sent)
				release_target(s);
		}
		for (k = 0; k < ndata && !err; k++)
			if (p[k].revents)
				err = handle_data(s, &s->st[who[k]]);
		if (err)
			break;
		if (p[i_sig].revents) {
			unsigned char c;

			if (read(s->sig_pipe[0], &c, 1) != 1)
				;
			else if (c == SIGQUIT && !s->stop_sent)
				s->detach = 1;
			else if (c == SIGUSR2)
				for (k = 0; k < s->nst; k++)
					switch_output(&s->st[k]);
			else if (c != SIGQUIT && c != SIGUSR2 &&
				 (err = on_stop_signal(s, c)))
				break;
		}
		if (i_in >= 0 && p[i_in].revents && s->in_state == IN_ON)
			stdin_forward(s);
		if ((i_tgt >= 0 && p[i_tgt].revents) ||
		    (i_tgt < 0 && s->started && !s->stop_sent &&
		     target_gone(s)))
			send_stop(s, "target command exited");
	}
	stdin_close(s);
	free(p);
	free(who);
	if (err)
		return err;
	if (s->oob_partial) {
		oob_line(s, s->oob_partial, strlen(s->oob_partial));
		write_all(STDERR_FILENO, "\n", 1);
	}
	return 0;
}

static int open_channel(const char *name, const char *file, int flags)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "/proc/systemtap/%s/%s", name, file);
	fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		msg("cannot open '%s': %s", path, strerror(errno));
	return fd;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The CPUs of a bulk mode module's .data_N files, sorted; -1 if the
 * module has a .data (no bulk mode).  Returns their number. */
static int list_channels(const char *name, int *cpus, int max)
{
	char path[512];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/systemtap/%s", name);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *end;
		long cpu;

		if (!strcmp(e->d_name, ".data")) {
			n = 0;
			cpus[n++] = -1;
			break;
		}
		if (strncmp(e->d_name, ".data_", 6) || n == max)
			continue;
		cpu = strtol(e->d_name + 6, &end, 10);
		if (!*end && end != e->d_name + 6 && cpu >= 0)
			cpus[n++] = cpu;
	}
	closedir(d);
	qsort(cpus, n, sizeof(*cpus), cmp_int);
	return n;
}

/* Open the output channels and their output files: OPT is -o and -S. */
static int open_streams(struct session *s, const struct output *opt,
			int background)
{
	static int cpus[MAX_STREAMS];
	int k, n = list_channels(s->name, cpus, MAX_STREAMS);

	if (!n)
		cpus[n++] = -1;	/* for the message */
	s->st = calloc(n, sizeof(*s->st));
	if (!s->st)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		struct stream *t = &s->st[s->nst];
		char file[24];
		int rc = 0;

		t->out = *opt;
		t->out_fd = STDOUT_FILENO;
		if (cpus[k] < 0) {
			snprintf(file, sizeof(file), ".data");
		} else {
			snprintf(file, sizeof(file), ".data_%d", cpus[k]);
			if (!opt->pattern)
				rc = asprintf(&t->out.pattern, "stpd_cpu%d",
					      cpus[k]);
			else
				rc = asprintf(&t->out.pattern, background ?
					      "%s_cpu%d" : "%s_%d",
					      opt->pattern, cpus[k]);
			if (rc < 0)
				return -ENOMEM;
		}
		t->fd = open_channel(s->name, file, O_RDONLY);
		if (t->fd < 0)
			return STAPIO_NOT_ATTACHED;
		s->nst++;
		if (t->out.nmax) {
			t->out.names = calloc(t->out.nmax,
					      sizeof(*t->out.names));
			if (!t->out.names)
				return -ENOMEM;
		}
		if (t->out.pattern) {
			t->out_fd = open_output(&t->out);
			if (t->out_fd < 0)
				return -EIO;
		}
	}
	return 0;
}

static void close_streams(struct session *s)
{
	int k;

	for (k = 0; k < s->nst; k++) {
		struct stream *t = &s->st[k];

		close(t->fd);
		if (t->out_fd >= 0 && t->out_fd != STDOUT_FILENO &&
		    close(t->out_fd))
			msg("cannot write output file: %s", strerror(errno));
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: stapio [-v] [-w] [-o FILE [-S SIZE[,N]] [-D]] [-L|-A] [-t MS] [-T PID -R FD]\n"
		"              MODULE_NAME\n"
		"(normally started by staprun)\n");
}

int main(int argc, char **argv)
{
	struct session s = { .cmd_fd = -1, .target_fd = -1,
			     .release_fd = -1, .in_fd = -1 };
	struct output opt = { .index = -1 };
	int c, err = 0, sz, background = 0;
	sigset_t hold;
	char *end;

	while ((c = getopt(argc, argv, "+vwo:S:DLAt:T:R:h")) != -1) {
		switch (c) {
		case 'v':
			verbose++;
			break;
		case 'w':
			s.warnings_off = 1;
			break;
		case 'o':
			opt.pattern = optarg;	/* never freed */
			break;
		case 'S':
			sz = strtol(optarg, &end, 10);
			opt.size_max = (long long)sz << 20;
			if (*end == ',')
				opt.nmax = strtol(end + 1, &end, 10);
			if (*end || sz < 1 || opt.nmax < 0) {
				msg("Invalid file size option '%s'.", optarg);
				return 1;
			}
			opt.index = 0;
			break;
		case 'D':
			background = 1;
			break;
		case 'L':
			s.detach = 1;
			break;
		case 'A':
			s.attach = 1;
			break;
		case 't':
			s.reader_ms = atoi(optarg);
			break;
		case 'T':
			s.target = atoi(optarg);
			break;
		case 'R':
			s.release_fd = atoi(optarg);
			fcntl(s.release_fd, F_SETFD, FD_CLOEXEC);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 1;
	}
	s.name = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(s.sig_pipe, O_CLOEXEC | O_NONBLOCK)) {
		msg("pipe: %s", strerror(errno));
		return 1;
	}
	sig_write_fd = s.sig_pipe[1];
	set_signal(SIGINT, on_signal);
	set_signal(SIGTERM, on_signal);
	set_signal(SIGHUP, on_signal);
	set_signal(SIGQUIT, on_signal);
	set_signal(SIGUSR2, on_signal);
	/* staprun starts us with these blocked (see fork_stapio): what it
	 * forwarded meanwhile is taken now */
	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		sigaddset(&set, SIGQUIT);
		sigaddset(&set, SIGUSR2);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}

	if (opt.size_max && !opt.pattern) {
		msg("-S needs -o FILE");
		return 1;
	}
	s.cmd_fd = open_channel(s.name, ".cmd", O_RDWR);
	if (s.cmd_fd < 0)
		return STAPIO_NOT_ATTACHED;
	err = open_streams(&s, &opt, background);
	if (err == STAPIO_NOT_ATTACHED && !s.nst) {
		close(s.cmd_fd);
		return STAPIO_NOT_ATTACHED;
	}
	if (err)
		goto out_close_data;

	dbg(1, "starting the session of module '%s'", s.name);
	/*
	 * The module arms its probes in this write; any signal pending
	 * interrupts it (the module then undoes what it armed), so only
	 * those that stop a session may come in meanwhile.
	 */
	sigemptyset(&hold);
	sigaddset(&hold, SIGQUIT);
	sigaddset(&hold, SIGUSR2);
	sigprocmask(SIG_BLOCK, &hold, NULL);
	err = send_msg(&s, STP_START);
	sigprocmask(SIG_UNBLOCK, &hold, NULL);
	if (err) {
		msg("cannot send STP_START: %s", strerror(-err));
		goto out_close_data;
	}
	err = main_loop(&s);
	if (err == STAPIO_DETACHED) {
		close_streams(&s);
		close(s.cmd_fd);
		return STAPIO_DETACHED;
	}

out_close_data:
	close_streams(&s);
	close(s.cmd_fd);
	if (s.release_fd >= 0)
		close(s.release_fd);
	return (err || s.errors) ? 1 : 0;
}
