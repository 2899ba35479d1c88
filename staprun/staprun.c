// SPDX-License-Identifier: GPL-2.0
/*
 * staprun: the privileged half of a session.  Inserts the module with
 * finit_module(2), starts stapio (the unprivileged reader) as a child with
 * the real uid/gid, waits for it, and removes the module on every exit
 * path.  With -c it forks the command first (held before exec until stapio
 * releases it) so that its pid can be the module's _stp_target.
 * See doc/transport.md.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sdt.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "util.h"

const char *progname = "staprun";

struct opts {
	int warnings_off;
	const char *cmd;	/* -c */
	pid_t target;		/* -x, or the -c command */
	const char *outfile;	/* -o */
	const char *module;	/* as given */
	char *path;		/* resolved module path */
	char **vars;		/* var=val ... */
	int nvars;
	const char *delete;	/* -d NAME */
	int bufsize_mb;		/* -b */
	int load_only;		/* -L, -F without -o: detach once started */
	int attach;		/* -A */
	int flight;		/* -F */
	int daemon;		/* -D, -F with -o */
	int rename;		/* -R */
	const char *rotate;	/* -S SIZE[,N] */
	int reader_ms;		/* -T */
	int uprobes;		/* -u */
	int stdin_to_module;	/* -i: stdin is the module's (input.*) */
};

static volatile pid_t stapio_pid;
static volatile sig_atomic_t pending_sig;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: staprun [-v] [-w] [-u] [-i] [-c CMD | -x PID] [-o FILE [-S SIZE[,N]] [-D]]\n"
		"               [-b MB] [-L | -F] [-R] [-T MS] MODULE [var=val ...]\n"
		"       staprun [-v] [-w] [-o FILE [-S SIZE[,N]]] -A MODULE_NAME\n"
		"       staprun -d MODULE_NAME\n"
		"  -v       more verbose (repeatable)\n"
		"  -w       suppress WARNING: messages of the script\n"
		"  -c CMD   run CMD (via /bin/sh -c) and stop when it exits;\n"
		"           its pid is target()\n"
		"  -x PID   set target() to PID\n"
		"  -o FILE  write the script output to FILE (strftime expanded)\n"
		"  -S SIZE[,N]  with -o: switch to FILE.1, FILE.2, ... when a file\n"
		"           reaches SIZE MB (the first is FILE.0); keep the last N\n"
		"  -b MB    per-CPU output buffer size (1..4095)\n"
		"  -L       load the module, start its probes, then detach\n"
		"  -A       attach to a loaded (detached) module\n"
		"  -F       flight recorder: the module keeps the newest output in\n"
		"           its buffer while detached; without -o as -L, with -o\n"
		"           as -D\n"
		"  -D       run in the background (needs -o); prints its pid\n"
		"  -R       load under a new name (NAME_PID), so that the same\n"
		"           module can run more than once\n"
		"  -T MS    the reader waits up to MS ms for more output after a\n"
		"           short read\n"
		"  -u       uprobes: checks that the kernel has them built in\n"
		"  -i       stdin is the module's (input.char, input.line): the\n"
		"           -c command gets /dev/null\n"
		"  -d NAME  remove the (detached or leftover) module NAME and exit;\n"
		"           NAME '*': every module no stapio is attached to\n"
		"  -V       print the version\n"
		"  -h       this help\n");
}

/* Find "KEY=" in the module's .modinfo; returns a malloc'ed copy of the
 * value or NULL. */
static char *modinfo_get(const unsigned char *img, size_t size,
			 const char *key)
{
	size_t klen = strlen(key);
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Shdr *sh, *strsec;
	size_t i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > size ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (const void *)(img + eh->e_shoff);
	strsec = &sh[eh->e_shstrndx];
	if (strsec->sh_offset + strsec->sh_size > size)
		return NULL;
	for (i = 0; i < eh->e_shnum; i++) {
		const char *p, *end;

		if (sh[i].sh_name >= strsec->sh_size ||
		    strcmp((const char *)img + strsec->sh_offset + sh[i].sh_name,
			   ".modinfo") ||
		    sh[i].sh_offset + sh[i].sh_size > size)
			continue;
		p = (const char *)img + sh[i].sh_offset;
		end = p + sh[i].sh_size;
		while (p < end) {
			size_t len = strnlen(p, end - p);

			if (len > klen && !strncmp(p, key, klen) &&
			    p[klen] == '=')
				return strndup(p + klen + 1, len - klen - 1);
			p += len + 1;
		}
	}
	return NULL;
}

/* The module name: .modinfo's name=, else the file's base name without
 * ".ko", with '-' turned into '_' as kbuild does.  *VERMAGIC gets the
 * vermagic= string, or NULL. */
static char *module_name(int fd, const char *path, char **vermagic)
{
	struct stat st;
	char *name = NULL, *p;

	*vermagic = NULL;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		void *img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE,
				 fd, 0);

		if (img != MAP_FAILED) {
			name = modinfo_get(img, st.st_size, "name");
			*vermagic = modinfo_get(img, st.st_size, "vermagic");
			munmap(img, st.st_size);
		}
	}
	if (!name) {
		p = strrchr(path, '/');
		name = strdup(p ? p + 1 : path);
		if (!name)
			return NULL;
		p = strstr(name, ".ko");
		if (p)
			*p = '\0';
	}
	for (p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

/* A bare name (no '/', no ".ko") means /lib/modules/RELEASE/systemtap/NAME.ko. */
static char *resolve_module(const char *arg)
{
	struct utsname u;
	size_t len = strlen(arg);
	char *path;

	if (strchr(arg, '/') || (len > 3 && !strcmp(arg + len - 3, ".ko")) ||
	    uname(&u))
		return strdup(arg);
	if (asprintf(&path, "/lib/modules/%s/systemtap/%s.ko", u.release,
		     arg) < 0)
		return NULL;
	return path;
}

/* A kernel with modversions compares only symbol CRCs, not the release
 * in vermagic: check that here, as a module for another release is at
 * best a surprise. */
static int check_release(const char *path, const char *vermagic)
{
	struct utsname u;
	size_t len;

	if (!vermagic || uname(&u))
		return 0;
	len = strcspn(vermagic, " ");
	if (len == strlen(u.release) && !strncmp(vermagic, u.release, len))
		return 0;
	msg("module '%s' was built for kernel %.*s, not %s", path, (int)len,
	    vermagic, u.release);
	return -ENOEXEC;
}

/* ---------------------------------------------------------------
 * Privilege model (staprun is installed setuid root): root loads
 * anything; members of stapdev load any module (opened with the real
 * uid's file access); members of stapusr load only modules under
 * /lib/modules/RELEASE/systemtap/ that are root-owned and not writable
 * by group or others, reached through root-owned directories that are
 * not writable by others, with no symlink anywhere.  The file is opened
 * once and the checked descriptor is the one given to finit_module. */

enum privilege { PRIV_NONE, PRIV_STAPUSR, PRIV_STAPDEV, PRIV_ROOT };

/* The gid of group NAME from /etc/group (read directly: the VM's static
 * binaries have no NSS); -1 if there is none. */
static long group_gid(const char *name)
{
	FILE *f = fopen("/etc/group", "re");
	char line[4096];
	size_t len = strlen(name);
	long gid = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, name, len) || line[len] != ':')
			continue;
		p = strchr(line + len + 1, ':');
		if (!p)
			continue;
		gid = strtol(p + 1, &end, 10);
		if (end == p + 1 || (*end != ':' && *end != '\n' && *end))
			gid = -1;
		break;
	}
	fclose(f);
	return gid;
}

static int in_group(long gid)
{
	gid_t groups[NGROUPS_MAX];
	int n, i;

	if (gid < 0)
		return 0;
	if (getgid() == (gid_t)gid)
		return 1;
	n = getgroups(NGROUPS_MAX, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == (gid_t)gid)
			return 1;
	return 0;
}

static enum privilege user_privilege(void)
{
	if (getuid() == 0)
		return PRIV_ROOT;
	if (in_group(group_gid("stapdev")))
		return PRIV_STAPDEV;
	if (in_group(group_gid("stapusr")))
		return PRIV_STAPUSR;
	return PRIV_NONE;
}

/* Open PATH with the real uid's permission to read it. */
static int open_as_user(const char *path)
{
	uid_t euid = geteuid();
	int fd, err;

	if (euid != getuid() && setresuid(-1, getuid(), -1))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	err = errno;
	if (euid != getuid() && setresuid(-1, euid, -1)) {
		msg("cannot restore privileges: %s", strerror(errno));
		exit(1);
	}
	errno = err;
	return fd;
}

/* Whether directory DFD (shown as SHOWN) may lead to a module of a stapusr
 * user: owned by root, not writable by others (nor by a group other than
 * root's); one message if not. */
static int dir_trusted(int dfd, const char *path, const char *shown,
		       struct stat *st)
{
	if (fstat(dfd, st)) {
		msg("cannot stat '%s/': %s", shown, strerror(errno));
		return 0;
	}
	if (st->st_uid != 0 || (st->st_mode & S_IWOTH) ||
	    ((st->st_mode & S_IWGRP) && st->st_gid != 0)) {
		msg("refusing module '%s': directory '%s/' must be owned by root and not writable by others",
		    path, shown);
		return 0;
	}
	return 1;
}

#define MAX_SYMLINKS 40

/*
 * Walk TODO (a relative path) from the directory DFD, which the caller
 * checked, opening each component with O_NOFOLLOW and checking it.  A
 * symbolic link met on the way is followed only if it is owned by root
 * and sits in a directory that neither group nor others may write (so
 * that only root could have made or can change it); its target is
 * walked in the same way (from '/' if absolute).  Everything is opened
 * relative to descriptors already checked, so nothing can be swapped in
 * between.  Returns the directory's descriptor (DFD is consumed), or -1
 * after one message.  SHOWN is the path walked so far, for messages.
 */
static int walk_trusted(int dfd, const char *path, char *todo, char *shown,
			size_t shown_size, int *nlinks)
{
	struct stat st, dst;
	char comp[256];
	char *p = todo;

	if (!dir_trusted(dfd, path, shown, &dst))
		goto fail;
	while (*p) {
		size_t n = strcspn(p, "/");
		int nfd;

		if (n >= sizeof(comp))
			goto toolong;
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n + (p[n] == '/');
		if (!n || !strcmp(comp, "."))
			continue;
		snprintf(shown + strlen(shown), shown_size - strlen(shown),
			 "/%s", comp);
		nfd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		if (nfd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
			char target[PATH_MAX], *next;
			int lfd = openat(dfd, comp, O_PATH | O_NOFOLLOW |
					 O_CLOEXEC);
			ssize_t len;

			if (lfd < 0 || fstat(lfd, &st) || !S_ISLNK(st.st_mode)) {
				if (lfd >= 0)
					close(lfd);
				msg("refusing module '%s': '%s' is not a directory",
				    path, shown);
				goto fail;
			}
			if (st.st_uid != 0 ||
			    (dst.st_mode & (S_IWGRP | S_IWOTH))) {
				close(lfd);
				msg("refusing module '%s': symbolic link '%s' must be owned by root, in a directory writable by root only",
				    path, shown);
				goto fail;
			}
			len = readlinkat(lfd, "", target, sizeof(target) - 1);
			close(lfd);
			if (len <= 0 || ++*nlinks > MAX_SYMLINKS) {
				msg("refusing module '%s': cannot follow '%s'",
				    path, shown);
				goto fail;
			}
			target[len] = '\0';
			if (asprintf(&next, "%s/%s", target, p) < 0)
				goto fail;
			if (target[0] == '/') {
				close(dfd);
				dfd = open("/", O_RDONLY | O_DIRECTORY |
					   O_CLOEXEC);
				shown[0] = '\0';
				if (dfd < 0) {
					free(next);
					return -1;
				}
			} else {
				*strrchr(shown, '/') = '\0';
			}
			nfd = walk_trusted(dfd, path, next, shown, shown_size,
					   nlinks);
			free(next);
			return nfd;
		}
		if (nfd < 0) {
			msg("cannot open '%s': %s", shown, strerror(errno));
			goto fail;
		}
		close(dfd);
		dfd = nfd;
		if (!dir_trusted(dfd, path, shown, &dst))
			goto fail;
	}
	return dfd;
toolong:
	msg("refusing module '%s': path component too long", path);
fail:
	close(dfd);
	return -1;
}

/*
 * Open PATH for a member of stapusr, or say why not (one line) and
 * return -1.  PATH must be /lib/modules/RELEASE/systemtap/NAME; the
 * directories above systemtap/ may be reached through root's symbolic
 * links (Debian's /lib -> usr/lib), systemtap/ and the module itself not.
 */
static int open_blessed(const char *path)
{
	struct utsname u;
	char dir[300], above[300], shown[PATH_MAX] = "";
	const char *rest;
	struct stat st;
	int dfd, fd, nlinks = 0;

	if (uname(&u))
		return -1;
	snprintf(dir, sizeof(dir), "/lib/modules/%s/systemtap/", u.release);
	rest = path + strlen(dir);
	if (strncmp(path, dir, strlen(dir)) || !*rest || strchr(rest, '/') ||
	    !strcmp(rest, ".") || !strcmp(rest, "..")) {
		msg("refusing module '%s': members of stapusr may only load modules from %s",
		    path, dir);
		return -1;
	}
	dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		msg("cannot open '/': %s", strerror(errno));
		return -1;
	}
	snprintf(above, sizeof(above), "lib/modules/%s", u.release);
	dfd = walk_trusted(dfd, path, above, shown, sizeof(shown), &nlinks);
	if (dfd < 0)
		return -1;
	snprintf(shown, sizeof(shown), "/lib/modules/%s/systemtap", u.release);
	fd = openat(dfd, "systemtap", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	close(dfd);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			msg("refusing module '%s': '%s' is a symbolic link or not a directory",
			    path, shown);
		else
			msg("cannot open '%s': %s", shown, strerror(errno));
		return -1;
	}
	dfd = fd;
	if (!dir_trusted(dfd, path, shown, &st))
		goto fail;
	fd = openat(dfd, rest, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			msg("refusing module '%s': it is a symbolic link", path);
		else
			msg("cannot open module '%s': %s", path,
			    strerror(errno));
		goto fail;
	}
	close(dfd);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		msg("refusing module '%s': it must be a regular file owned by root and not writable by group or others",
		    path);
		close(fd);
		return -1;
	}
	return fd;
fail:
	close(dfd);
	return -1;
}

/* Open the module (once) as the user's privilege allows; -1 after one
 * message on refusal or error. */
static int open_module(const char *path, enum privilege priv)
{
	int fd;

	switch (priv) {
	case PRIV_ROOT:
		fd = open(path, O_RDONLY | O_CLOEXEC);
		break;
	case PRIV_STAPDEV:
		fd = open_as_user(path);
		break;
	case PRIV_STAPUSR:
		return open_blessed(path);
	default:
		msg("refusing module '%s': uid %u is not a member of stapusr or stapdev",
		    path, (unsigned)getuid());
		return -1;
	}
	if (fd < 0)
		msg("cannot open module '%s': %s", path, strerror(errno));
	return fd;
}

static int remove_module(const char *name)
{
	int tries;

	/* The proc files may still be in the middle of their release when
	 * stapio has just exited; retry briefly on EAGAIN/EBUSY. */
	STAP_PROBE1(staprun, remove__module, name);
	for (tries = 0; tries < 50; tries++) {
		if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0) {
			dbg(1, "removed module '%s'", name);
			return 0;
		}
		if (errno != EAGAIN && errno != EBUSY && errno != EINTR)
			break;
		usleep(100 * 1000);
	}
	msg("cannot remove module '%s': %s", name, strerror(errno));
	return -errno;
}

/* Whether some process holds /proc/systemtap/NAME/.cmd open (a stapio
 * still attached). */
static int cmd_in_use(const char *name)
{
	char want[PATH_MAX], path[PATH_MAX], link[PATH_MAX];
	struct dirent *p, *f;
	DIR *procs, *fds;
	int used = 0;
	ssize_t n;

	snprintf(want, sizeof(want), "/proc/systemtap/%s/.cmd", name);
	procs = opendir("/proc");
	if (!procs)
		return 1;
	while (!used && (p = readdir(procs))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while (!used && (f = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0) {
				link[n] = '\0';
				used = !strcmp(link, want);
			}
		}
		closedir(fds);
	}
	closedir(procs);
	return used;
}

/* -d '*': remove every module of /proc/systemtap/ that no stapio uses. */
static int remove_unused(void)
{
	char *names[256];
	int n = 0, i, rc = 0;
	struct dirent *e;
	DIR *d = opendir("/proc/systemtap");

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (n < 256 && (e = readdir(d)))
		if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)))
			n++;
	closedir(d);
	for (i = 0; i < n; i++) {
		if (cmd_in_use(names[i]))
			dbg(1, "module '%s' is in use", names[i]);
		else if (remove_module(names[i]))
			rc = -1;
		free(names[i]);
	}
	return rc;
}

/* -d NAME by a member of stapusr: only a detached module of theirs (its
 * channels are theirs, no stapio holds them). */
static int remove_own(const char *name)
{
	char proc[PATH_MAX];
	struct stat st;

	snprintf(proc, sizeof(proc), "/proc/systemtap/%s/.cmd", name);
	if (strchr(name, '/') || stat(proc, &st) || st.st_uid != getuid()) {
		msg("refusing to remove module '%s': members of stapusr may only remove their own detached modules",
		    name);
		return 1;
	}
	if (cmd_in_use(name)) {
		msg("refusing to remove module '%s': a stapio is attached to it",
		    name);
		return 1;
	}
	return remove_module(name) ? 1 : 0;
}

static const char *insert_hint(int err)
{
	switch (err) {
	case ENOEXEC:
		return " (built for another kernel, or not a module)";
	case EEXIST:
		return " (a module of that name is already loaded)";
	case EPERM:
		return " (module loading is disabled or not permitted)";
	case ENOSYS:
		return " (this kernel does not support loadable modules)";
	case ENOMEM:
		return " (out of memory, or more than the module's STP_MAXMEMORY: see the kernel log)";
	case EKEYREJECTED:
	case ENOKEY:
		return " (the kernel requires signed modules)";
	default:
		return "";
	}
}

/* "_stp_target=N _stp_uid=N _stp_gid=N _stp_tz_gmtoff=N _stp_tz_name=NAME
 * var=val ..."; values with blanks are double-quoted, which the kernel's
 * parse_args() understands.  The time zone is the local one now, seconds
 * west of UTC (tz_gmtoff(), tz_name() and tz_ctime() in the script). */
static char *module_params(const struct opts *o)
{
	size_t cap = 192;
	time_t now = time(NULL);
	struct tm tm;
	char *s;
	int i;

	for (i = 0; i < o->nvars; i++)
		cap += strlen(o->vars[i]) + 4;
	s = malloc(cap);
	if (!s)
		return NULL;
	snprintf(s, cap, "_stp_target=%d _stp_uid=%u _stp_gid=%u",
		 (int)o->target, (unsigned)getuid(), (unsigned)getgid());
	if (localtime_r(&now, &tm) && tm.tm_zone &&
	    !strpbrk(tm.tm_zone, " \t\"") && strlen(tm.tm_zone) < 32)
		snprintf(s + strlen(s), cap - strlen(s),
			 " _stp_tz_gmtoff=%ld _stp_tz_name=%s",
			 -(long)tm.tm_gmtoff, tm.tm_zone);
	if (o->bufsize_mb)
		snprintf(s + strlen(s), cap - strlen(s), " _stp_bufsize=%d",
			 o->bufsize_mb * 1024);
	if (o->flight)
		strcat(s, " _stp_flight=1");
	for (i = 0; i < o->nvars; i++) {
		const char *v = o->vars[i], *eq = strchr(v, '=');

		strcat(s, " ");
		if (eq && strpbrk(eq, " \t")) {
			strncat(s, v, eq - v + 1);
			strcat(s, "\"");
			strcat(s, eq + 1);
			strcat(s, "\"");
		} else {
			strcat(s, v);
		}
	}
	return s;
}

/*
 * Run CMD in this process, so that target() is the command's own pid:
 * split into words with the shell's quoting rules and exec it directly,
 * as SystemTap does; only a command with shell syntax (pipes,
 * redirections, ';', ...) goes through /bin/sh -c, whose pid it then is.
 */
static void exec_command(const char *cmd)
{
	wordexp_t w;

	if (!strpbrk(cmd, "|&;<>()`\n") &&
	    wordexp(cmd, &w, WRDE_NOCMD | WRDE_UNDEF) == 0) {
		if (w.we_wordc > 0) {
			execvp(w.we_wordv[0], w.we_wordv);
			msg("cannot run '%s': %s", w.we_wordv[0], strerror(errno));
			return;
		}
		wordfree(&w);
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	msg("cannot run /bin/sh: %s", strerror(errno));
}

/* Fork the -c command held before exec: it waits for a byte on a pipe
 * whose write end goes to stapio; EOF there means "never mind".  Returns
 * the pid (and the write end in *RELEASE_FD), or -errno. */
/* The -c command; with -i its stdin is /dev/null, stdin being the
 * module's (input.char, input.line). */
static pid_t fork_target(const char *cmd, int no_stdin, int *release_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		char c;
		ssize_t n;

		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(127);
		close(p[0]);
		if (setresgid(getgid(), getgid(), getgid()) ||
		    setresuid(getuid(), getuid(), getuid()))
			_exit(127);
		if (no_stdin) {
			int fd = open("/dev/null", O_RDONLY);

			if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
				_exit(127);
			if (fd != STDIN_FILENO)
				close(fd);
		}
		signal(SIGPIPE, SIG_DFL);
		exec_command(cmd);
		_exit(127);
	}
	close(p[0]);
	*release_fd = p[1];
	return pid;
}

static void forwarded_signals(sigset_t *set);

/* Start stapio with the real uid/gid.  RELEASE_FD (or -1) is inherited.
 * The signals staprun forwards are blocked from before the fork until
 * stapio_pid is set: one that came in between would reach the child's
 * copy of forward_signal() and be lost before the exec, and stapio would
 * run on, unstopped.  The child execs with them blocked; stapio unblocks
 * them once its handlers are in place. */
static pid_t fork_stapio(const struct opts *o, const char *name,
			 int release_fd)
{
	sigset_t fwd, old;
	char *argv[32], target[24], rfd[24], rms[24];
	char *path;
	int argc = 0, i;
	pid_t pid;

	path = sibling_path("stapio");
	if (!path)
		return -ENOMEM;
	argv[argc++] = "stapio";
	for (i = 0; i < verbose && i < 4; i++)
		argv[argc++] = "-v";
	if (o->warnings_off)
		argv[argc++] = "-w";
	if (o->outfile) {
		argv[argc++] = "-o";
		argv[argc++] = (char *)o->outfile;
	}
	if (o->rotate) {
		argv[argc++] = "-S";
		argv[argc++] = (char *)o->rotate;
	}
	if (o->daemon)
		argv[argc++] = "-D";	/* bulk mode: FILE_cpuN */
	if (o->load_only)
		argv[argc++] = "-L";
	if (o->attach)
		argv[argc++] = "-A";
	if (o->reader_ms) {
		snprintf(rms, sizeof(rms), "%d", o->reader_ms);
		argv[argc++] = "-t";
		argv[argc++] = rms;
	}
	if (o->cmd) {
		snprintf(target, sizeof(target), "%d", (int)o->target);
		snprintf(rfd, sizeof(rfd), "%d", release_fd);
		argv[argc++] = "-T";
		argv[argc++] = target;
		argv[argc++] = "-R";
		argv[argc++] = rfd;
	}
	argv[argc++] = (char *)name;
	argv[argc] = NULL;

	forwarded_signals(&fwd);
	sigprocmask(SIG_BLOCK, &fwd, &old);
	pid = fork();
	if (pid < 0) {
		pid = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		free(path);
		return pid;
	}
	if (pid == 0) {
		if (release_fd >= 0 &&
		    fcntl(release_fd, F_SETFD, 0) < 0)
			_exit(1);
		if (setresgid(getgid(), getgid(), getgid()) ||
		    setresuid(getuid(), getuid(), getuid())) {
			msg("cannot drop privileges: %s", strerror(errno));
			_exit(1);
		}
		execvp(path, argv);
		msg("cannot run '%s': %s", path, strerror(errno));
		_exit(1);
	}
	stapio_pid = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);	/* forwards what came */
	free(path);
	return pid;
}

/* Signals sent to staprun with kill(2) go on to stapio; those from the
 * terminal reach stapio directly (same process group), so they are not
 * forwarded twice. */
static void forward_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si && si->si_code > 0)
		return;
	if (stapio_pid > 0)
		kill(stapio_pid, sig);
	else
		pending_sig = sig;
}

/* Stop a -c command still running after the session ended. */
static void stop_target(pid_t pid)
{
	int i;

	if (waitpid(pid, NULL, WNOHANG) != 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 20; i++) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return;
		usleep(50 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* -u: SystemTap's staprun loads its own uprobes.ko on kernels older than
 * 3.5; kernels now have uprobes built in (CONFIG_UPROBES), so there is
 * nothing to load, only to check. */
static int check_uprobes(void)
{
	if (access("/sys/bus/event_source/devices/uprobe", F_OK) == 0) {
		dbg(1, "uprobes are built into this kernel; nothing to load");
		return 0;
	}
	msg("-u: this kernel has no uprobes (CONFIG_UPROBES); there is no uprobes.ko to load for it");
	return -ENOENT;
}

/*
 * -R: the module image read from FD (the descriptor that passed the
 * privilege checks), with its name, in the struct module of section
 * .gnu.linkonce.this_module, changed to NEWNAME; .modinfo's "name=" key is
 * disabled so that the kernel takes the name from there.  Returns a
 * malloc'ed image (size in *SIZE), or NULL after a message.
 */
static void *renamed_image(int fd, const char *path, const char *oldname,
			   const char *newname, size_t *size)
{
	unsigned char *img;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh, *strsec;
	struct stat st;
	size_t off = 0, i, olen = strlen(oldname), nlen = strlen(newname);
	int done = 0;

	if (fstat(fd, &st) || st.st_size <= 0) {
		msg("cannot read module '%s'", path);
		return NULL;
	}
	img = malloc(st.st_size);
	if (!img) {
		msg("out of memory");
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = pread(fd, img + off, st.st_size - off, off);

		if (n <= 0) {
			msg("cannot read module '%s': %s", path,
			    n < 0 ? strerror(errno) : "short file");
			free(img);
			return NULL;
		}
		off += n;
	}
	*size = off;
	eh = (const void *)img;
	if (off < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > off ||
	    eh->e_shstrndx >= eh->e_shnum)
		goto bad;
	sh = (const void *)(img + eh->e_shoff);
	strsec = &sh[eh->e_shstrndx];
	if (strsec->sh_offset + strsec->sh_size > off)
		goto bad;
	for (i = 0; i < eh->e_shnum; i++) {
		const char *sname = (const char *)img + strsec->sh_offset +
				    sh[i].sh_name;
		unsigned char *p, *end;

		if (sh[i].sh_name >= strsec->sh_size ||
		    sh[i].sh_offset + sh[i].sh_size > off)
			continue;
		p = img + sh[i].sh_offset;
		end = p + sh[i].sh_size;
		if (!strcmp(sname, ".gnu.linkonce.this_module")) {
			/* the name field: the first copy of the old name,
			 * NUL-padded to MODULE_NAME_LEN (56) */
			for (; p + 56 <= end; p += 8) {
				if (!memcmp(p, oldname, olen + 1) &&
				    nlen < 56) {
					memset(p, 0, 56);
					memcpy(p, newname, nlen);
					done = 1;
					break;
				}
			}
		} else if (!strcmp(sname, ".modinfo")) {
			while (p < end) {
				size_t len = strnlen((char *)p, end - p);

				if (len > 5 && !memcmp(p, "name=", 5))
					p[0] = '_';	/* "_ame=": ignored */
				p += len + 1;
			}
		}
	}
	if (done)
		return img;
bad:
	msg("cannot rename module '%s': no module name '%s' in its .gnu.linkonce.this_module",
	    path, oldname);
	free(img);
	return NULL;
}

/* -D: go on in a child in its own session, without the terminal; the
 * parent prints the child's pid and exits. */
static int daemonize(void)
{
	pid_t pid;
	int fd;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		printf("%d\n", (int)pid);
		fflush(stdout);
		_exit(0);
	}
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	return 0;
}

/* Wait for stapio; its exit status (STAPIO_DETACHED/NOT_ATTACHED
 * included), 1 if it died of a signal. */
static int wait_stapio(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			msg("waitpid: %s", strerror(errno));
			return 1;
		}
	}
	stapio_pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	msg("stapio died of signal %d", WTERMSIG(status));
	return 1;
}

static void forwarded_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGUSR2);
}

static void install_forwarders(void)
{
	set_signal(SIGINT, forward_signal);
	set_signal(SIGTERM, forward_signal);
	set_signal(SIGHUP, forward_signal);
	set_signal(SIGQUIT, forward_signal);
	set_signal(SIGUSR2, forward_signal);
}

/* -A NAME: attach to a module that runs without a stapio.  stapio opens
 * its channels with the real uid, so only the user who loaded it (and
 * root) can; the module is removed when the session ends here, not when
 * stapio could not attach or detached again. */
static int attach_session(struct opts *o, enum privilege priv)
{
	char proc[PATH_MAX], *name, *vermagic = NULL, *p;
	struct stat st;
	pid_t pid;
	int rc;

	if (priv == PRIV_NONE) {
		msg("refusing to attach to '%s': uid %u is not a member of stapusr or stapdev",
		    o->module, (unsigned)getuid());
		return 1;
	}
	p = strrchr(o->module, '/');
	name = module_name(-1, p ? p + 1 : o->module, &vermagic);
	if (!name) {
		msg("out of memory");
		return 1;
	}
	snprintf(proc, sizeof(proc), "/proc/systemtap/%s/.cmd", name);
	if (stat(proc, &st)) {
		msg("cannot attach to module '%s': it is not loaded (no %s)",
		    name, proc);
		free(name);
		return 1;
	}
	if (cmd_in_use(name)) {
		msg("cannot attach to module '%s': a stapio is attached to it already",
		    name);
		free(name);
		return 1;
	}
	install_forwarders();
	pid = fork_stapio(o, name, -1);
	if (pid < 0) {
		msg("cannot start stapio: %s", strerror(-pid));
		free(name);
		return 1;
	}
	stapio_pid = pid;
	if (pending_sig)
		kill(pid, pending_sig);
	rc = wait_stapio(pid);
	if (rc == STAPIO_DETACHED) {
		rc = 0;
	} else if (rc == STAPIO_NOT_ATTACHED) {
		rc = 1;
	} else if (remove_module(name)) {
		rc = 1;
	}
	free(name);
	return rc;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;
	char *end;

	while ((c = getopt(argc, argv, "+vwc:x:t:o:d:b:LAFDRS:T:uiVh")) != -1) {
		switch (c) {
		case 'v':
			verbose++;
			break;
		case 'w':
			o->warnings_off = 1;
			break;
		case 'c':
			o->cmd = optarg;
			break;
		case 'x':
		case 't':
			o->target = strtol(optarg, &end, 10);
			if (*end || o->target <= 0) {
				msg("invalid target pid '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'o':
			o->outfile = optarg;
			break;
		case 'b':
			o->bufsize_mb = strtol(optarg, &end, 10);
			if (*end || o->bufsize_mb < 1 || o->bufsize_mb > 4095) {
				msg("invalid buffer size '%s' (1..4095 MB)",
				    optarg);
				return -EINVAL;
			}
			break;
		case 'd':
			o->delete = optarg;
			break;
		case 'L':
			o->load_only = 1;
			break;
		case 'A':
			o->attach = 1;
			break;
		case 'F':
			o->flight = 1;
			break;
		case 'D':
			o->daemon = 1;
			break;
		case 'R':
			o->rename = 1;
			break;
		case 'S': {
			long sz = strtol(optarg, &end, 10), n = 0;

			if (*end == ',')
				n = strtol(end + 1, &end, 10);
			if (*end || sz < 1 || sz > 4095 || n < 0 || n > 100000) {
				msg("Invalid file size option '%s'.", optarg);
				return -EINVAL;
			}
			o->rotate = optarg;
			break;
		}
		case 'T':
			o->reader_ms = strtol(optarg, &end, 10);
			if (*end || o->reader_ms < 1) {
				msg("Invalid reader timeout value '%s' (should be >= 1).",
				    optarg);
				return -EINVAL;
			}
			break;
		case 'u':
			o->uprobes = 1;
			break;
		case 'i':
			o->stdin_to_module = 1;
			break;
		case 'V':
			printf("Systemtap module loader/runner (version %s, protocol %d)\n",
			       STAPRUN_VERSION, 1);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (o->delete)
		return 0;
	if (o->cmd && o->target) {
		msg("-c and -x are mutually exclusive");
		return -EINVAL;
	}
	if (o->flight) {
		if (o->outfile)
			o->daemon = 1;
		else
			o->load_only = 1;
	}
	if (o->load_only + o->attach + o->daemon > 1 && !o->flight) {
		msg("-L, -A and -D are mutually exclusive");
		return -EINVAL;
	}
	if (o->daemon && !o->outfile) {
		msg("-D needs -o FILE");
		return -EINVAL;
	}
	if (o->rotate && !o->outfile) {
		msg("-S needs -o FILE");
		return -EINVAL;
	}
	if ((o->load_only || o->daemon || o->attach) && o->cmd) {
		msg("-c cannot be used with -L, -F, -D or -A");
		return -EINVAL;
	}
	if (o->attach && (o->target || o->flight || o->rename ||
			  o->bufsize_mb)) {
		msg("-A takes no -x, -F, -R or -b: the module is loaded already");
		return -EINVAL;
	}
	if (optind >= argc) {
		msg("no module given (try -h)");
		return -EINVAL;
	}
	o->module = argv[optind++];
	o->vars = argv + optind;
	o->nvars = argc - optind;
	if (o->attach && o->nvars) {
		msg("-A takes no module parameters: the module is loaded already");
		return -EINVAL;
	}
	for (c = 0; c < o->nvars; c++) {
		if (!strchr(o->vars[c], '=') || o->vars[c][0] == '=') {
			msg("invalid module parameter '%s' (expected var=val)",
			    o->vars[c]);
			return -EINVAL;
		}
		/* staprun's own parameters (owner of the control files,
		 * target) cannot be overridden from the command line. */
		if (!strncmp(o->vars[c], "_stp_", 5)) {
			msg("invalid module parameter '%s' (reserved name)",
			    o->vars[c]);
			return -EINVAL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int fd, err, release_fd = -1, rc = 1;
	char *name = NULL, *params = NULL, *vermagic = NULL;
	void *image = NULL;
	size_t image_size = 0;
	pid_t pid;
	enum privilege priv;
	const char *env = getenv("SYSTEMTAP_VERBOSE");

	if (env)
		verbose = atoi(env);
	if (parse_args(argc, argv, &o))
		return 1;
	priv = user_privilege();
	if (o.delete) {
		if (priv == PRIV_STAPUSR && strcmp(o.delete, "*"))
			return remove_own(o.delete);
		if (priv < PRIV_STAPDEV) {
			msg("refusing to remove module '%s': only root and members of stapdev may",
			    o.delete);
			return 1;
		}
		if (!strcmp(o.delete, "*"))
			return remove_unused() ? 1 : 0;
		return remove_module(o.delete) ? 1 : 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (o.uprobes && check_uprobes())
		return 1;
	if (o.attach)
		return attach_session(&o, priv);

	o.path = resolve_module(o.module);
	if (!o.path) {
		msg("out of memory");
		return 1;
	}
	fd = open_module(o.path, priv);
	if (fd < 0)
		goto out;
	name = module_name(fd, o.path, &vermagic);
	params = module_params(&o);
	if (!name || !params) {
		msg("out of memory");
		goto out_close;
	}
	if (check_release(o.path, vermagic))
		goto out_close;
	if (o.rename) {
		char newname[56];
		int len = snprintf(newname, sizeof(newname), "_%d",
				   (int)getpid());

		snprintf(newname, sizeof(newname), "%.*s_%d",
			 (int)(sizeof(newname) - 1 - len), name, (int)getpid());
		image = renamed_image(fd, o.path, name, newname, &image_size);
		if (!image)
			goto out_close;
		dbg(1, "Renamed module to '%s'", newname);
		free(name);
		name = strdup(newname);
		if (!name)
			goto out_close;
	}

	if (o.cmd) {
		pid = fork_target(o.cmd, o.stdin_to_module, &release_fd);
		if (pid < 0) {
			msg("cannot fork: %s", strerror(-pid));
			goto out_close;
		}
		o.target = pid;
		free(params);
		params = module_params(&o);
		if (!params)
			goto out_target;
	}

	install_forwarders();

	dbg(1, "inserting module '%s' as '%s' (%s)", o.path, name, params);
	STAP_PROBE1(staprun, insert__module, o.path);
	if (image ? syscall(SYS_init_module, image, image_size, params) :
	    syscall(SYS_finit_module, fd, params, 0)) {
		err = errno;
		msg("cannot insert module '%s': %s%s", o.path, strerror(err),
		    insert_hint(err));
		goto out_target;
	}
	close(fd);
	fd = -1;
	free(image);
	image = NULL;

	if (o.daemon) {
		err = daemonize();
		if (err) {
			msg("cannot fork: %s", strerror(-err));
			goto out_remove;
		}
	}
	pid = fork_stapio(&o, name, release_fd);
	if (pid < 0) {
		msg("cannot start stapio: %s", strerror(-pid));
		goto out_remove;
	}
	stapio_pid = pid;
	if (pending_sig)
		kill(pid, pending_sig);
	if (release_fd >= 0) {
		/* Only stapio may release the command now. */
		close(release_fd);
		release_fd = -1;
	}
	rc = wait_stapio(pid);
	if (rc == STAPIO_DETACHED) {
		/* -L, -F, SIGQUIT: the module runs on; staprun -A NAME
		 * attaches to it, staprun -d NAME removes it */
		rc = 0;
		goto out_target;
	}
	if (rc == STAPIO_NOT_ATTACHED)
		rc = 1;

out_remove:
	if (remove_module(name))
		rc = 1;
out_target:
	if (release_fd >= 0)
		close(release_fd);
	if (o.cmd && o.target > 0)
		stop_target(o.target);
out_close:
	if (fd >= 0)
		close(fd);
out:
	free(image);
	free(vermagic);
	free(name);
	free(params);
	free(o.path);
	return rc;
}
