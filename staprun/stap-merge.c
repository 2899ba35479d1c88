// SPDX-License-Identifier: GPL-2.0
/*
 * stap-merge: merge the per-CPU files of a bulk mode session (stap -b;
 * stpd_cpuN or FILE_N) back into one stream, in the order the records
 * were written.  Each record of a file is a 32-bit sequence number and
 * a 32-bit length in native byte order, then that many bytes (see
 * runtime/stp_transport.h).  -v prefixes each record with
 * "[CPU:N, seq=S, length=L]", N being the file's position on the
 * command line; -o FILE writes there and reports the records missing
 * from the sequence (dropped by a full buffer or overwritten by the
 * flight recorder).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct input {
	FILE *f;
	uint32_t seq, len;	/* the record at hand */
	int live;		/* a record is at hand */
};

static void usage(void)
{
	fprintf(stderr, "stap-merge [-v] [-o output_filename] input_files ...\n");
	exit(255);
}

/* Read IN's next record header; a short header ends the file. */
static void next_header(struct input *in)
{
	uint32_t h[2];

	in->live = fread(h, sizeof(h), 1, in->f) == 1;
	if (in->live) {
		in->seq = h[0];
		in->len = h[1];
	}
}

/* Copy the LEN bytes of IN's current record to OUT. */
static int copy_record(struct input *in, FILE *out)
{
	char buf[65536];
	uint32_t left = in->len;

	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);

		n = fread(buf, 1, n, in->f);
		if (!n)
			return -1;	/* truncated: the file ends here */
		if (fwrite(buf, 1, n, out) != n)
			return -1;
		left -= n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *outname = NULL;
	struct input *in;
	uint32_t expected = 1;
	unsigned long long drops = 0;
	int c, i, n, verbose = 0;
	FILE *out = stdout;

	while ((c = getopt(argc, argv, "vo:")) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 'o':
			outname = optarg;
			break;
		default:
			usage();
		}
	}
	n = argc - optind;
	if (n < 1)
		usage();
	in = calloc(n, sizeof(*in));
	if (!in)
		return 255;
	for (i = 0; i < n; i++) {
		in[i].f = fopen(argv[optind + i], "r");
		if (!in[i].f) {
			fprintf(stderr, "error opening file %s.\n",
				argv[optind + i]);
			return 255;
		}
		next_header(&in[i]);
	}
	if (outname) {
		out = fopen(outname, "w");
		if (!out) {
			fprintf(stderr, "ERROR: couldn't open output file %s: errcode = %s\n",
				outname, strerror(errno));
			return 255;
		}
	}
	for (;;) {
		struct input *best = NULL;

		for (i = 0; i < n; i++)
			if (in[i].live && (!best || in[i].seq < best->seq))
				best = &in[i];
		if (!best)
			break;
		if (best->seq != expected) {
			fprintf(stderr, "got %u. expected %u\n", best->seq,
				expected);
			if (best->seq > expected)
				drops += best->seq - expected;
		}
		expected = best->seq + 1;
		if (verbose)
			fprintf(out, "[CPU:%d, seq=%u, length=%u]\n",
				(int)(best - in), best->seq, best->len);
		if (copy_record(best, out))
			best->live = 0;
		else
			next_header(best);
	}
	if (outname)
		printf("sequence had %llu drops\n", drops);
	if (fflush(out) || (out != stdout && fclose(out))) {
		fprintf(stderr, "stap-merge: cannot write output: %s\n",
			strerror(errno));
		return 255;
	}
	return 0;
}
