/*
 * library.c - pass 1: the tapset library and the user's script, parsed.
 *
 * The library's macro files (.stpm) are read first, then its scripts
 * (.stp) from each tapset directory (-I DIRs, then the tree's), then the
 * user's script; -T SECS adds a synthetic timer probe as SystemTap does.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <sys/stat.h>

#include "stap.h"

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

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

bool pass1_parse(void)
{
	File *user;
	STAP_PROBE1(stap, pass1a__start, sess);
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
	if (sess->parse_library) {
		char *text = read_file(sess->parse_library, NULL);
		if (!text) {
			fprintf(stderr, "stap: cannot open library file '%s': %s\n",
				sess->parse_library, strerror(errno));
			return false;
		}
		File *f = new_file(sess->parse_library, text);
		f->is_tapset = true;
		size_t n = strlen(sess->parse_library);
		if (n > 5 && !strcmp(sess->parse_library + n - 5, ".stpm")) {
			load_macro_file(f);
			return sess->parse_errors == 0;
		}
		vec_push(&sess->files, f);
		return parse_file(f) && sess->parse_errors == 0;
	}
	bool ok = true;
	STAP_PROBE1(stap, pass1b__start, sess);
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

