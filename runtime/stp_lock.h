/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _STP_LOCK_H_
#define _STP_LOCK_H_

/*
 * The locks of global variables: a reader-writer lock in one atomic
 * (readers count up, a writer sets -1), all inline, because the
 * kernel's out-of-line rwlock calls are a good part of a small handler's
 * cost.  Only trylock exists: a handler never waits for long.
 */
typedef struct {
	atomic_t v;
} stp_rwlock_t;

#define STP_DEFINE_RWLOCK(x) stp_rwlock_t x = { ATOMIC_INIT(0) }

static __always_inline int _stp_read_trylock1(stp_rwlock_t *l)
{
	int v = atomic_read(&l->v);

	while (v >= 0)
		if (atomic_try_cmpxchg_acquire(&l->v, &v, v + 1))
			return 1;
	return 0;
}

static __always_inline int _stp_write_trylock1(stp_rwlock_t *l)
{
	int v = 0;

	return atomic_try_cmpxchg_acquire(&l->v, &v, -1);
}

static __always_inline void _stp_unlock_r(stp_rwlock_t *l)
{
	atomic_fetch_sub_release(1, &l->v);
}

static __always_inline void _stp_unlock_w(stp_rwlock_t *l)
{
	atomic_set_release(&l->v, 0);
}

#ifdef STP_TIMING
/* stap -t: how often a global's lock was busy (each try that waits
 * again) and how many probes its timeout skipped. */
struct stp_lock_stats {
	atomic_t contended;
	atomic_t skipped;
};

/* A global's name, as the contention report says it, and its counts. */
struct stp_lock_info {
	const char *name;
	struct stp_lock_stats *stats;
};
#endif

/*
 * Take a lock, trying MAXTRYLOCK times TRYLOCKDELAY microseconds apart;
 * CONTENDED (stap -t, else NULL) counts the tries that wait again.
 */
static noinline __maybe_unused int _stp_trylock_slow(stp_rwlock_t *l, int write,
						     atomic_t *contended)
{
	int i;

	for (i = 1; i < MAXTRYLOCK; i++) {
		if (contended)
			atomic_inc(contended);
		udelay(TRYLOCKDELAY);
		if (write ? _stp_write_trylock1(l) : _stp_read_trylock1(l))
			return 1;
	}
	return 0;
}

static __always_inline int _stp_trylock_w(stp_rwlock_t *l)
{
	if (likely(_stp_write_trylock1(l)))
		return 1;
	return _stp_trylock_slow(l, 1, NULL);
}

static __always_inline int _stp_trylock_r(stp_rwlock_t *l)
{
	if (likely(_stp_read_trylock1(l)))
		return 1;
	return _stp_trylock_slow(l, 0, NULL);
}


/*
 * Statistics take a per-CPU lock: an aggregation (<<<) touches only its
 * CPU's partial results, so it locks only its CPU's word (0 free, 1 an
 * adder, -1 a reader); anything that reads or resets the statistic
 * locks every CPU's word.  So adders on different CPUs never share a
 * cache line.  Adders run with preemption disabled.
 */
#define STP_DEFINE_STATLOCK(x) DEFINE_PER_CPU(atomic_t, x)

static __always_inline int _stp_statlock_add1(atomic_t __percpu *l)
{
	int v = 0;

	return atomic_try_cmpxchg_acquire(this_cpu_ptr(l), &v, 1);
}

static __maybe_unused void _stp_statunlock_all(atomic_t __percpu *l,
					       int upto)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (cpu >= upto)
			break;
		atomic_set_release(per_cpu_ptr(l, cpu), 0);
	}
}

static __maybe_unused int _stp_statlock_all1(atomic_t __percpu *l)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		int v = 0;

		if (!atomic_try_cmpxchg_acquire(per_cpu_ptr(l, cpu), &v, -1)) {
			_stp_statunlock_all(l, cpu);
			return 0;
		}
	}
	return 1;
}

static noinline __maybe_unused int _stp_statlock_slow(atomic_t __percpu *l, int all,
						      atomic_t *contended)
{
	int i;

	for (i = 1; i < MAXTRYLOCK; i++) {
		if (contended)
			atomic_inc(contended);
		udelay(TRYLOCKDELAY);
		if (all ? _stp_statlock_all1(l) : _stp_statlock_add1(l))
			return 1;
	}
	return 0;
}

/* <<< only */
static __always_inline int _stp_trylock_sr(atomic_t __percpu *l)
{
	if (likely(_stp_statlock_add1(l)))
		return 1;
	return _stp_statlock_slow(l, 0, NULL);
}

static __always_inline void _stp_unlock_sr(atomic_t __percpu *l)
{
	atomic_set_release(this_cpu_ptr(l), 0);
}

/* extractors, foreach, delete */
static inline int _stp_trylock_sw(atomic_t __percpu *l)
{
	if (likely(_stp_statlock_all1(l)))
		return 1;
	return _stp_statlock_slow(l, 1, NULL);
}

static inline void _stp_unlock_sw(atomic_t __percpu *l)
{
	_stp_statunlock_all(l, nr_cpu_ids);
}

#ifdef STP_TIMING
/* The same, counting into the global's stp_lock_stats (stap -t). */
static __always_inline int _stp_trylock_w_t(stp_rwlock_t *l,
					    struct stp_lock_stats *st)
{
	if (likely(_stp_write_trylock1(l)))
		return 1;
	return _stp_trylock_slow(l, 1, &st->contended);
}

static __always_inline int _stp_trylock_r_t(stp_rwlock_t *l,
					    struct stp_lock_stats *st)
{
	if (likely(_stp_read_trylock1(l)))
		return 1;
	return _stp_trylock_slow(l, 0, &st->contended);
}

static __always_inline int _stp_trylock_sr_t(atomic_t __percpu *l,
					     struct stp_lock_stats *st)
{
	if (likely(_stp_statlock_add1(l)))
		return 1;
	return _stp_statlock_slow(l, 0, &st->contended);
}

static inline int _stp_trylock_sw_t(atomic_t __percpu *l,
				    struct stp_lock_stats *st)
{
	if (likely(_stp_statlock_all1(l)))
		return 1;
	return _stp_statlock_slow(l, 1, &st->contended);
}
#endif

#endif /* _STP_LOCK_H_ */
