/*
 * readloop - time N one-byte read() calls on /dev/zero and print the
 * nanoseconds per call.  The workload of bench/probe-cost.
 * Usage: readloop [N]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	char c;
	int fd = open("/dev/zero", O_RDONLY);
	if (fd < 0) {
		perror("readloop: /dev/zero");
		return 1;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		if (read(fd, &c, 1) != 1) {
			perror("readloop: read");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.1f\n", ns / n);
	return 0;
}
