// SPDX-License-Identifier: GPL-2.0
/*
 * stapvm-client: the host side of vm/stapvm's exec/put/ping, and a way to
 * try stap --remote's remote_run() without the translator.  Built from
 * this file and stap/remote.c by vm/vm.mk.
 *
 *   stapvm-client [-v] ping URL [TIMEOUT_S]
 *   stapvm-client [-v] kver URL
 *   stapvm-client [-v] [-u USER] exec URL COMMAND
 *   stapvm-client [-v] put URL SRC DEST
 *   stapvm-client [-v] run URL MODULE.ko [STAPRUN_ARGS...]
 *
 * URL is "unix:PATH" or "vm".  Exit status: the remote command's, or 255
 * when the remote could not be reached; ping: 0, 1 without an answer, 3
 * if stapsh speaks another protocol version.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stap/remote.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: stapvm-client [-v] ping URL [TIMEOUT_S]\n"
		"       stapvm-client [-v] kver URL\n"
		"       stapvm-client [-v] [-u USER] exec URL COMMAND\n"
		"       stapvm-client [-v] put URL SRC DEST\n"
		"       stapvm-client [-v] run URL MODULE.ko [STAPRUN_ARGS...]\n");
	return 2;
}

static int status(int rc)
{
	return rc < 0 ? 255 : rc;
}

int main(int argc, char **argv)
{
	const char *user = NULL, *cmd, *url;
	int verbose = 0, opt;

	remote_progname = "stapvm";
	while ((opt = getopt(argc, argv, "+vu:")) != -1) {
		switch (opt) {
		case 'v':
			verbose++;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind < 2)
		return usage();
	cmd = argv[optind];
	url = argv[optind + 1];
	argv += optind + 2;
	argc -= optind + 2;

	if (!strcmp(cmd, "ping") && argc <= 1) {
		int r = remote_ping(url, argc ? atoi(argv[0]) * 1000 : 5000,
				    !verbose);

		return r == -2 ? 3 : r ? 1 : 0;
	}
	if (!strcmp(cmd, "kver") && argc == 0) {
		char *rel = remote_kernel_release(url);

		if (!rel)
			return 1;
		printf("%s\n", rel);
		free(rel);
		return 0;
	}
	if (!strcmp(cmd, "exec") && argc == 1)
		return status(remote_exec(url, user, argv[0], verbose));
	if (!strcmp(cmd, "put") && argc == 2)
		return remote_put(url, argv[0], argv[1], verbose) ? 1 : 0;
	if (!strcmp(cmd, "run") && argc >= 1)
		return status(remote_run(url, argv[0], argv + 1, verbose));
	return usage();
}
