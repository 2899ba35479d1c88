/*
 * fuzz_front.c - libFuzzer target for passes 1 and 2: any input is a
 * script; it must give diagnostics, never a crash, a hang or a sanitizer
 * report.  No tapset library is loaded (the user script is what varies),
 * and the kernel is a fake release, so no symbol table is found.
 *
 *   make fuzz && build/fuzz/fuzz_front -max_total_time=60 CORPUS_DIR 2>LOG
 *
 * The diagnostics it provokes go to stderr with libFuzzer's and the
 * sanitizers' reports: send them to a log.
 */
#include <stdlib.h>
#include <string.h>

#include "stap/stap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	front_end_reset();      /* (closes what the last run opened) */
	arena_reset();
	sess = arena_alloc(sizeof(*sess));
	sess->last_pass = 2;
	sess->arch = "x86_64";
	sess->kernel_release = "0.0.0-fuzz";
	sess->cache_dir = "/nonexistent/stap-fuzz";
	sess->disable_cache = true;
	sess->suppress_warnings = true;
	vec_push(&sess->args, "1");
	vec_push(&sess->args, "two");

	char *text = arena_strndup((const char *)data, size);
	File *f = new_file("<fuzz>", text);
	f->is_user = true;
	vec_push(&sess->files, f);
	if (parse_file(f) && sess->parse_errors == 0)
		elaborate();
	return 0;
}
