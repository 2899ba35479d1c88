/*
 * User-space stand-ins for the few kernel facilities the testable runtime
 * headers use (see runtime/stp_map.h), plus an allocator that can be told
 * to fail, to reach the out-of-memory paths.
 */
#ifndef SHIM_H
#define SHIM_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 512
#endif
#define STP_MAX_BUCKETS 128
#define HIST_WIDTH 50
#define HIST_ELISION 2

#define __maybe_unused __attribute__((unused))
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define fallthrough __attribute__((__fallthrough__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

typedef uint64_t u64;
static inline u64 div64_u64(u64 a, u64 b)
{
	return a / b;
}

static int _stp_ncpus = 4;
static int shim_cpu;
#define _stp_this_cpu() shim_cpu

/* Allocation number N (counting from 1) fails when shim_fail_at == N. */
static long shim_alloc_count, shim_fail_at, shim_live;

static void *shim_alloc(size_t n)
{
	void *p;

	if (++shim_alloc_count == shim_fail_at)
		return NULL;
	p = calloc(1, n ? n : 1);
	if (p)
		shim_live++;
	return p;
}

static void shim_free(void *p)
{
	if (p)
		shim_live--;
	free(p);
}

/* The kernel reads whole words (load_unaligned_zeropad), whatever follows
 * the NUL; here only the bytes up to the NUL are read (no overread of
 * short literals for ASan) and junk stands for the rest. */
static uint64_t _stp_load_word(const char *p)
{
	uint64_t w = 0;
	int i;

	for (i = 0; i < 8; i++) {
		w |= (uint64_t)(unsigned char)p[i] << (8 * i);
		if (!p[i])
			break;
	}
	for (i++; i < 8; i++)
		w |= (uint64_t)0xa5 << (8 * i);
	return w;
}

#define _stp_vzalloc(n) shim_alloc(n)
#define _stp_kzalloc(n) shim_alloc(n)
#define _stp_vfree(p) shim_free(p)
#define _stp_kfree(p) shim_free(p)

#endif /* SHIM_H */
