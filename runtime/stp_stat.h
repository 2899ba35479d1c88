/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics (aggregates): count, sum, min, max, avg, variance and one
 * optional histogram (log or linear) per variable.  Values accumulate per
 * CPU and are merged when read.  No kernel dependency: also built by
 * testsuite/runtime.
 */
#ifndef _STP_STAT_H_
#define _STP_STAT_H_

enum { STP_HIST_NONE, STP_HIST_LOG, STP_HIST_LINEAR };

/* Buckets of a log histogram: index 64 holds 0, 64 + k holds values in
 * [2^(k-1), 2^k), 64 - k their negatives. */
#define STP_HIST_LOG_BUCKETS	129
#define STP_HIST_LOG_BUCKET0	64

/* Which extractor a sort or an @op asks for (the translator's StatOp). */
enum {
	STP_STAT_COUNT, STP_STAT_SUM, STP_STAT_MIN, STP_STAT_MAX,
	STP_STAT_AVG, STP_STAT_VARIANCE,
};

/* The shape of one statistics variable, fixed at translate time. */
struct stp_stat_desc {
	int hist_type;
	int64_t start, stop, interval;	/* linear */
	int nbuckets;			/* 0 without a histogram */
	int variance;			/* @variance is used */
	int bit_shift;			/* @variance(s, shift): 0 to 62 */
	unsigned int size;		/* bytes of one struct stp_stat */
};

/*
 * @variance as SystemTap computes it, so that scripts print the same
 * numbers: each CPU runs Welford's algorithm in integers scaled by
 * 2^bit_shift (avg_s, m2); reading combines the CPUs by the total variance
 * formula, sum((n_i - 1) var_i + n_i (avg_i - mean)^2) / (N - 1) with
 * var_i = m2_i / (n_i - 1) and mean = (sum << shift) / N, all truncating.
 * An aggregate (the merge of CPUs) keeps the three sums of that formula
 * (vw, vb, va) instead of a Welford state.
 */
struct stp_stat {
	int64_t count, sum, min, max;
	int64_t avg_s, m2;		/* one CPU's Welford state */
	int64_t vw;			/* aggregate: sum (n_i - 1) var_i */
	__int128 vb, va;		/* sum n_i avg_i, sum n_i avg_i^2 */
	int64_t histogram[];
};

/* Fill in nbuckets and size from the other fields. */
static __maybe_unused void _stp_stat_desc_init(struct stp_stat_desc *sd)
{
	if (sd->hist_type == STP_HIST_LOG) {
		sd->nbuckets = STP_HIST_LOG_BUCKETS;
	} else if (sd->hist_type == STP_HIST_LINEAR && sd->interval > 0 &&
		   sd->stop >= sd->start) {
		/* as SystemTap: a row for each of start, start + interval,
		 * ... up to stop, the last one [stop, stop + interval) when
		 * interval divides stop - start */
		u64 n = div64_u64((u64)sd->stop - (u64)sd->start,
				  sd->interval) + 1;

		if (n > STP_MAX_BUCKETS - 2)
			n = STP_MAX_BUCKETS - 2;
		sd->nbuckets = (int)n + 2;	/* + underflow, overflow */
	} else {
		sd->hist_type = STP_HIST_NONE;
		sd->nbuckets = 0;
	}
	sd->size = sizeof(struct stp_stat) + sd->nbuckets * sizeof(int64_t);
}

static inline int _stp_hist_log_bucket(int64_t v)
{
	uint64_t u;
	int k = 0;

	if (v == 0)
		return STP_HIST_LOG_BUCKET0;
	u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	while (u) {
		k++;
		u >>= 1;
	}
	return v < 0 ? STP_HIST_LOG_BUCKET0 - k : STP_HIST_LOG_BUCKET0 + k;
}

/* The smallest value a log bucket holds (its label). */
static inline int64_t _stp_hist_log_value(int b)
{
	int k = b - STP_HIST_LOG_BUCKET0;

	if (k == 0)
		return 0;
	if (k > 0)
		return (int64_t)((uint64_t)1 << (k - 1));
	return -(int64_t)((uint64_t)1 << (-k - 1));
}

static inline int _stp_hist_linear_bucket(const struct stp_stat_desc *sd,
					  int64_t v)
{
	u64 b;

	if (v < sd->start)
		return 0;
	/* unsigned: V - start does not fit an int64_t for a start far
	 * below 0 */
	b = div64_u64((u64)v - (u64)sd->start, sd->interval);
	if (b >= (u64)(sd->nbuckets - 2))
		return sd->nbuckets - 1;
	return (int)b + 1;
}

static inline void _stp_stat_clear(struct stp_stat *st,
				   const struct stp_stat_desc *sd)
{
	memset(st, 0, sd->size);
}

static inline void _stp_stat_add(struct stp_stat *st,
				 const struct stp_stat_desc *sd, int64_t v)
{
	if (st->count == 0) {
		st->min = v;
		st->max = v;
	} else {
		if (v < st->min)
			st->min = v;
		if (v > st->max)
			st->max = v;
	}
	if (sd->variance) {
		int64_t vs = (int64_t)((uint64_t)v << sd->bit_shift);

		if (st->count == 0) {
			st->avg_s = vs;
			st->m2 = 0;
		} else {
			int64_t delta = vs - st->avg_s;

			st->avg_s += delta / (st->count + 1);
			st->m2 += delta * (vs - st->avg_s);
		}
	}
	st->count++;
	st->sum += v;
	if (sd->hist_type == STP_HIST_LOG)
		st->histogram[_stp_hist_log_bucket(v)]++;
	else if (sd->hist_type == STP_HIST_LINEAR)
		st->histogram[_stp_hist_linear_bucket(sd, v)]++;
}

/* DST += SRC (merging per-CPU partial aggregates). */
static __maybe_unused void _stp_stat_merge(struct stp_stat *dst, const struct stp_stat *src,
			    const struct stp_stat_desc *sd)
{
	int i;

	if (src->count == 0)
		return;
	if (sd->variance) {
		__int128 n = src->count;
		int64_t var = src->count > 1 ? src->m2 / (src->count - 1) : 0;

		dst->vw += (src->count - 1) * var;
		dst->vb += n * src->avg_s;
		dst->va += n * src->avg_s * src->avg_s;
	}
	if (dst->count == 0) {
		dst->count = src->count;
		dst->sum = src->sum;
		dst->min = src->min;
		dst->max = src->max;
		memcpy(dst->histogram, src->histogram,
		       sd->nbuckets * sizeof(int64_t));
		return;
	}
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (i = 0; i < sd->nbuckets; i++)
		dst->histogram[i] += src->histogram[i];
}

static inline int64_t _stp_stat_avg(const struct stp_stat *st)
{
	return st->count ? st->sum / st->count : 0;
}

/* NUM / DEN by long division (the kernel has no 128-bit divide). */
static inline unsigned __int128 _stp_udiv128(unsigned __int128 num,
					     unsigned __int128 den)
{
	unsigned __int128 q = 0, r = 0;
	int i;

	for (i = 127; i >= 0; i--) {
		r = (r << 1) | ((num >> i) & 1);
		if (r >= den) {
			r -= den;
			q |= (unsigned __int128)1 << i;
		}
	}
	return q;
}

/* The variance of an aggregate (see struct stp_stat). */
static inline int64_t _stp_stat_variance(const struct stp_stat *st,
					 const struct stp_stat_desc *sd)
{
	__int128 n = st->count, mean, num;
	int64_t v;

	if (st->count < 2)
		return 0;
	mean = (int64_t)((uint64_t)st->sum << sd->bit_shift) / st->count;
	/* sum n_i (avg_i - mean)^2 = va - 2 mean vb + N mean^2 */
	num = st->vw + st->va - 2 * mean * st->vb + n * mean * mean;
	if (num < 0)
		v = -(int64_t)_stp_udiv128(-num, n - 1);
	else
		v = (int64_t)_stp_udiv128(num, n - 1);
	if (2 * sd->bit_shift >= 63)
		return 0;
	return v / ((int64_t)1 << (2 * sd->bit_shift));
}

/* The value an extractor (STP_STAT_*) gives, for sorting. */
static inline int64_t _stp_stat_get(const struct stp_stat *st,
				    const struct stp_stat_desc *sd, int op)
{
	switch (op) {
	case STP_STAT_SUM: return st->sum;
	case STP_STAT_MIN: return st->min;
	case STP_STAT_MAX: return st->max;
	case STP_STAT_AVG: return _stp_stat_avg(st);
	case STP_STAT_VARIANCE: return _stp_stat_variance(st, sd);
	default: return st->count;
	}
}

static inline int _stp_num_width(int64_t v)
{
	int n = v < 0 ? 2 : 1;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	while (u >= 10) {
		u /= 10;
		n++;
	}
	return n;
}

/* The label of histogram bucket I: its smallest value. */
static __maybe_unused int64_t _stp_hist_label(const struct stp_stat_desc *sd, int i)
{
	if (sd->hist_type == STP_HIST_LOG)
		return _stp_hist_log_value(i);
	if (i == 0)
		return sd->start;
	if (i == sd->nbuckets - 1)	/* ">" the last row of values */
		i--;
	return sd->start + (int64_t)(i - 1) * sd->interval;
}

/*
 * Print a histogram as SystemTap does: a header line, one row per bucket
 * from HIST_ELISION buckets before the first non-empty one to HIST_ELISION
 * after the last, rows whose neighbours within HIST_ELISION are all empty
 * collapsed into one "~" line, bars of '@' (scaled down when the largest
 * count exceeds HIST_WIDTH), and a blank line at the end.
 */
static __maybe_unused void _stp_stat_print_hist(struct stp_sink *s, const struct stp_stat *st,
				 const struct stp_stat_desc *sd)
{
	int lo = -1, hi = -1, i, k, val_width = 5, cnt_width, eliding = 0;
	int first = 0, last = sd->nbuckets - 1;
	int64_t maxcount = 0, scale = 1;

	if (sd->hist_type == STP_HIST_NONE)
		return;
	for (i = 0; i < sd->nbuckets; i++) {
		if (st->histogram[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
			if (st->histogram[i] > maxcount)
				maxcount = st->histogram[i];
		}
	}
	if (lo < 0)
		lo = hi = sd->hist_type == STP_HIST_LOG ?
			STP_HIST_LOG_BUCKET0 : 1;
	/* no negative rows for a log histogram of non-negative values */
	if (sd->hist_type == STP_HIST_LOG && lo >= STP_HIST_LOG_BUCKET0)
		first = STP_HIST_LOG_BUCKET0;
	/* the '<' and '>' rows of a linear one only when they count */
	if (sd->hist_type == STP_HIST_LINEAR) {
		if (!st->histogram[0])
			first = 1;
		if (!st->histogram[last])
			last--;
	}
	lo = lo - HIST_ELISION < first ? first : lo - HIST_ELISION;
	hi = hi + HIST_ELISION > last ? last : hi + HIST_ELISION;
	if (maxcount > HIST_WIDTH)
		scale = (maxcount + HIST_WIDTH - 1) / HIST_WIDTH;
	cnt_width = _stp_num_width(maxcount);	/* counts right-aligned */

	for (i = lo; i <= hi; i++) {
		int w = _stp_num_width(_stp_hist_label(sd, i));

		if (sd->hist_type == STP_HIST_LINEAR &&
		    (i == 0 || i == sd->nbuckets - 1))
			w++;
		if (w > val_width)
			val_width = w;
	}

	_stp_fmt_str(s, "value", 0, val_width, -1);
	_stp_sink_puts(s, " |");
	_stp_sink_pad(s, '-', HIST_WIDTH);
	_stp_sink_puts(s, " count\n");

	for (i = lo; i <= hi; i++) {
		int64_t cnt = st->histogram[i], v = _stp_hist_label(sd, i);
		int elide = 1, bar;

		for (k = i - HIST_ELISION; k <= i + HIST_ELISION; k++)
			if (k >= lo && k <= hi && st->histogram[k])
				elide = 0;
		if (elide) {
			eliding = 1;
			continue;
		}
		if (eliding) {
			_stp_sink_pad(s, ' ', val_width);
			_stp_sink_puts(s, " ~\n");
			eliding = 0;
		}
		if (sd->hist_type == STP_HIST_LINEAR &&
		    (i == 0 || i == sd->nbuckets - 1)) {
			_stp_sink_pad(s, ' ', val_width - 1 - _stp_num_width(v));
			_stp_sink_putc(s, i == 0 ? '<' : '>');
			_stp_fmt_long(s, v, 'd', 0, -1, -1);
		} else {
			_stp_fmt_long(s, v, 'd', 0, val_width, -1);
		}
		_stp_sink_puts(s, " |");
		bar = (int)(cnt / scale);
		_stp_sink_pad(s, '@', bar);
		_stp_sink_pad(s, ' ', HIST_WIDTH - bar);
		_stp_sink_putc(s, ' ');
		_stp_fmt_long(s, cnt, 'd', 0, cnt_width, -1);
		_stp_sink_putc(s, '\n');
	}
	_stp_sink_putc(s, '\n');
}

#endif /* _STP_STAT_H_ */
