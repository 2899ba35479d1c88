/*
 * ucall - time N calls of a small function and print the nanoseconds
 * per call.  The workload of bench/uprobe-cost, whose probes go on f.
 * Usage: ucall [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int __attribute__((noinline)) f(int x)
{
	__asm__ volatile("" : : : "memory");
	return x + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct timespec a, b;
	int v = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		v = f(v);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.1f\n", ns / n);
	return v == n ? 0 : 1;
}
