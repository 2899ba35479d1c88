/*
 * User-space tests of the runtime's data structures: strings, the printf
 * engine, statistics and histograms, maps and statistics maps.  Built
 * with ASan/UBSan by run.sh; prints "N passed, N failed" last, counting
 * test cases (the assertions are counted on the line before).
 */
#include "shim.h"

#include "stp_string.h"
#include "stp_format.h"
#include "stp_stat.h"
#include "stp_map.h"

static int passed, failed;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) check_str((got), (want), __FILE__, __LINE__)
#define CHECK_EQ(got, want) check_eq((int64_t)(got), (int64_t)(want), \
				     #got, __FILE__, __LINE__)

static void check(int ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s:%d: %s\n", file, line, what);
}

static void check_str(const char *got, const char *want, const char *file,
		      int line)
{
	if (!strcmp(got, want)) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s:%d:\n  got:  \"%s\"\n  want: \"%s\"\n", file, line, got,
	       want);
}

static void check_eq(int64_t got, int64_t want, const char *what,
		     const char *file, int line)
{
	if (got == want) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s:%d: %s = %lld, want %lld\n", file, line, what,
	       (long long)got, (long long)want);
}

/* ------------------------------------------------------------------ */

static void test_strings(void)
{
	static char a[MAXSTRINGLEN], b[MAXSTRINGLEN], big[2 * MAXSTRINGLEN];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	_stp_strcpy(a, big);
	CHECK_EQ(strlen(a), MAXSTRINGLEN - 1);
	_stp_strcpy(a, "abc");
	CHECK_STR(_stp_strcat(a, "def"), "abcdef");
	_stp_strcpy(a, big + MAXSTRINGLEN + 10);
	_stp_strcat(a, big);
	CHECK_EQ(strlen(a), MAXSTRINGLEN - 1);
	CHECK_STR(_stp_concat(b, "foo", "bar"), "foobar");
	_stp_strcpy(a, "x");
	CHECK_STR(_stp_concat(a, a, "y"), "xy");
	_stp_strcpy(a, "R");
	CHECK_STR(_stp_concat(a, "L", a), "LR");
	_stp_strcpy(a, a);
	CHECK_STR(a, "LR");

	_stp_text_quote(a, "hi\n\"\\\001", 6, 0);
	CHECK_STR(a, "\"hi\\n\\\"\\\\\\001\"");
	_stp_text_quote(a, "abc", 3, 1);
	CHECK_STR(a, "\"abc\"...");
	_stp_text_quote(a, big, sizeof(big) - 1, 0);
	CHECK(strlen(a) < MAXSTRINGLEN);
	CHECK(!strcmp(a + strlen(a) - 4, "\"..."));
}

/* Format V with the engine and with the C library and compare. */
static void fmt_vs_libc(const char *flags, int width, int prec, char conv,
			int64_t v)
{
	char spec[32], want[600], got[MAXSTRINGLEN], *p = spec;
	struct stp_sink s;
	unsigned int f = 0;
	const char *q;

	*p++ = '%';
	for (q = flags; *q; q++) {
		*p++ = *q;
		f |= *q == '-' ? STP_F_MINUS : *q == '+' ? STP_F_PLUS :
		     *q == ' ' ? STP_F_SPACE : *q == '#' ? STP_F_HASH :
		     STP_F_ZERO;
	}
	if (width >= 0)
		p += sprintf(p, "%d", width);
	if (prec >= 0)
		p += sprintf(p, ".%d", prec);
	*p++ = 'l';
	*p++ = 'l';
	*p++ = conv;
	*p = '\0';
	snprintf(want, sizeof(want), spec, (long long)v);
	_stp_sink_str(&s, got);
	_stp_fmt_long(&s, v, conv, f, width, prec);
	_stp_sink_end(&s);
	if (strcmp(got, want)) {
		failed++;
		printf("FAIL format %s of %lld: got \"%s\" want \"%s\"\n", spec,
		       (long long)v, got, want);
	} else {
		passed++;
	}
}

static char *fmt1(char conv, unsigned int flags, int width, int prec,
		  int64_t v)
{
	static char buf[MAXSTRINGLEN];
	struct stp_sink s;

	_stp_sink_str(&s, buf);
	if (conv == 's')
		_stp_fmt_str(&s, (const char *)(intptr_t)v, flags, width, prec);
	else if (conv == 'c')
		_stp_fmt_char(&s, v, flags, width);
	else
		_stp_fmt_long(&s, v, conv, flags, width, prec);
	return _stp_sink_end(&s);
}

static void test_format(void)
{
	static const char *flagsets[] = {
		"", "-", "+", " ", "0", "#", "-+", "0+", "- ", "#0", "-#",
	};
	static const int64_t vals[] = {
		0, 1, -1, 7, 42, -42, 255, 4096, 123456789, -987654321,
		INT64_MAX, INT64_MIN,
	};
	static const int widths[] = { -1, 0, 1, 5, 12, 25 };
	static const int precs[] = { -1, 1, 3, 10 };
	const char *convs = "diuoxX";
	size_t a, b, c, d, e;
	struct stp_sink s;
	char buf[MAXSTRINGLEN], big[MAXSTRINGLEN + 100];

	for (a = 0; a < sizeof(flagsets) / sizeof(*flagsets); a++)
		for (b = 0; b < sizeof(widths) / sizeof(*widths); b++)
			for (c = 0; c < sizeof(precs) / sizeof(*precs); c++)
				for (d = 0; convs[d]; d++)
					for (e = 0; e < sizeof(vals) /
						    sizeof(*vals); e++) {
						/* SystemTap prints 0x0 */
						if (strchr(flagsets[a], '#') &&
						    vals[e] == 0 &&
						    strchr("xX", convs[d]))
							continue;
						fmt_vs_libc(flagsets[a],
							    widths[b],
							    precs[c], convs[d],
							    vals[e]);
					}

	CHECK_STR(fmt1('x', STP_F_HASH, -1, -1, 0), "0x0");
	/* SystemTap 4.8: %#x, also for 0 */
	CHECK_STR(fmt1('p', 0, -1, -1, 0x7fffa773b4c0LL), "0x7fffa773b4c0");
	CHECK_STR(fmt1('p', 0, -1, -1, 0), "0x0");
	CHECK_STR(fmt1('p', 0, 10, -1, 0x1234), "    0x1234");
	CHECK_STR(fmt1('p', STP_F_MINUS, 10, -1, 0x1234), "0x1234    ");
	CHECK_STR(fmt1('s', 0, -1, -1, (intptr_t)"hello"), "hello");
	CHECK_STR(fmt1('s', 0, 8, -1, (intptr_t)"hello"), "   hello");
	CHECK_STR(fmt1('s', STP_F_MINUS, 8, -1, (intptr_t)"hello"),
		  "hello   ");
	CHECK_STR(fmt1('s', 0, -1, 3, (intptr_t)"hello"), "hel");
	CHECK_STR(fmt1('s', 0, 5, 2, (intptr_t)"hello"), "   he");
	CHECK_STR(fmt1('s', 0, -1, 0, (intptr_t)"hello"), "");
	CHECK_STR(fmt1('c', 0, -1, -1, 'A'), "A");
	CHECK_STR(fmt1('c', 0, 3, -1, 'A'), "  A");
	CHECK_STR(fmt1('c', STP_F_MINUS, 3, -1, 'A'), "A  ");
	CHECK_STR(fmt1('c', STP_F_HASH, -1, -1, '\n'), "\\n");
	CHECK_STR(fmt1('c', STP_F_HASH, -1, -1, 1), "\\001");

	/* %b: the low bytes of the value, little-endian on x86 */
	_stp_sink_str(&s, buf);
	_stp_fmt_bin(&s, 0x41424344LL, 1);
	_stp_fmt_bin(&s, 0x41424344LL, 2);
	_stp_fmt_bin(&s, 0x41424344LL, 4);
	CHECK_EQ(s.len, 7);
	CHECK(!memcmp(buf, "DDCDCBA", 7));
	_stp_sink_str(&s, buf);
	_stp_fmt_bin(&s, 0x4142434445464748LL, -1);
	_stp_fmt_bin(&s, 0x30LL, 3);
	CHECK_EQ(s.len, 16);
	CHECK(!memcmp(buf, "HGFEDCBA0\0\0\0\0\0\0\0", 16));

	/* string sinks truncate */
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	_stp_sink_str(&s, buf);
	_stp_sink_puts(&s, big);
	_stp_fmt_long(&s, 12345, 'd', 0, -1, -1);
	_stp_sink_end(&s);
	CHECK_EQ(strlen(buf), MAXSTRINGLEN - 1);
	CHECK_EQ(buf[MAXSTRINGLEN - 2], 'y');
	_stp_sink_str(&s, buf);
	_stp_fmt_str(&s, "z", 0, 2 * MAXSTRINGLEN, -1);
	_stp_sink_end(&s);
	CHECK_EQ(strlen(buf), MAXSTRINGLEN - 1);
}

/* A print sink with a tiny buffer that flushes into a big string. */
static char flushed[8192];
static size_t nflushed;
static int nflushes;

static void test_flush(struct stp_sink *s)
{
	memcpy(flushed + nflushed, s->buf, s->len);
	nflushed += s->len;
	flushed[nflushed] = '\0';
	s->len = 0;
	nflushes++;
}

static void test_print_sink(void)
{
	char small[8];
	struct stp_sink s = { small, 0, sizeof(small), test_flush };
	int i;

	for (i = 0; i < 10; i++) {
		_stp_sink_puts(&s, "ab");
		_stp_fmt_long(&s, i, 'd', 0, 3, -1);
		_stp_sink_putc(&s, '\n');
	}
	test_flush(&s);
	CHECK_STR(flushed, "ab  0\nab  1\nab  2\nab  3\nab  4\nab  5\n"
		  "ab  6\nab  7\nab  8\nab  9\n");
	CHECK(nflushes > 5);
}

/* ------------------------------------------------------------------ */

static struct stp_stat_desc plain_sd, log_sd, lin_sd;

static void test_stats(void)
{
	struct stp_stat *a, *b;
	struct stp_pstat ps;
	static char out[4096];
	struct stp_sink s;
	int i;

	_stp_stat_desc_init(&plain_sd);
	CHECK_EQ(plain_sd.nbuckets, 0);
	log_sd.hist_type = STP_HIST_LOG;
	_stp_stat_desc_init(&log_sd);
	CHECK_EQ(log_sd.nbuckets, STP_HIST_LOG_BUCKETS);
	lin_sd.hist_type = STP_HIST_LINEAR;
	lin_sd.start = 0;
	lin_sd.stop = 100;
	lin_sd.interval = 10;
	_stp_stat_desc_init(&lin_sd);
	CHECK_EQ(lin_sd.nbuckets, 13);	/* 0, 10, ... 100, and < and > */

	CHECK_EQ(_stp_hist_log_bucket(0), 64);
	CHECK_EQ(_stp_hist_log_bucket(1), 65);
	CHECK_EQ(_stp_hist_log_bucket(2), 66);
	CHECK_EQ(_stp_hist_log_bucket(3), 66);
	CHECK_EQ(_stp_hist_log_bucket(4), 67);
	CHECK_EQ(_stp_hist_log_bucket(-1), 63);
	CHECK_EQ(_stp_hist_log_bucket(INT64_MAX), 127);
	CHECK_EQ(_stp_hist_log_bucket(INT64_MIN), 0);
	CHECK_EQ(_stp_hist_log_value(67), 4);
	CHECK_EQ(_stp_hist_log_value(61), -4);
	CHECK_EQ(_stp_hist_linear_bucket(&lin_sd, -5), 0);
	CHECK_EQ(_stp_hist_linear_bucket(&lin_sd, 0), 1);
	CHECK_EQ(_stp_hist_linear_bucket(&lin_sd, 9), 1);
	CHECK_EQ(_stp_hist_linear_bucket(&lin_sd, 99), 10);
	CHECK_EQ(_stp_hist_linear_bucket(&lin_sd, 100), 11);
	CHECK_EQ(_stp_hist_linear_bucket(&lin_sd, 109), 11);
	CHECK_EQ(_stp_hist_linear_bucket(&lin_sd, 110), 12);
	CHECK_EQ(_stp_hist_linear_bucket(&lin_sd, 1000), 12);

	a = calloc(1, log_sd.size);
	b = calloc(1, log_sd.size);
	for (i = 1; i <= 10; i++)
		_stp_stat_add(a, &log_sd, i);
	for (i = 100; i <= 110; i++)
		_stp_stat_add(b, &log_sd, i);
	CHECK_EQ(a->count, 10);
	CHECK_EQ(a->sum, 55);
	CHECK_EQ(a->min, 1);
	CHECK_EQ(a->max, 10);
	CHECK_EQ(_stp_stat_avg(a), 5);
	{
		struct stp_stat_desc vsd = { .variance = 1 };
		struct stp_stat *v, *w, *agg;

		_stp_stat_desc_init(&vsd);
		v = calloc(1, vsd.size);
		w = calloc(1, vsd.size);
		agg = calloc(1, vsd.size);
		/* SystemTap 4.8's figures: Welford in integers per CPU (the
		 * running mean of 1..10 stays 1), total variance across */
		for (i = 1; i <= 10; i++)
			_stp_stat_add(v, &vsd, i);
		_stp_stat_merge(agg, v, &vsd);
		CHECK_EQ(_stp_stat_variance(agg, &vsd), 48);
		for (i = 100; i <= 110; i++)
			_stp_stat_add(w, &vsd, i);
		_stp_stat_merge(agg, w, &vsd);
		CHECK_EQ(_stp_stat_variance(agg, &vsd), 2617);
		memset(v, 0, vsd.size);
		memset(agg, 0, vsd.size);
		vsd.bit_shift = 4;
		for (i = 0; i < 10; i++)
			_stp_stat_add(v, &vsd, i * i * 37);
		_stp_stat_merge(agg, v, &vsd);
		CHECK_EQ(_stp_stat_variance(agg, &vsd), 1097010);
		free(v);
		free(w);
		free(agg);
	}
	_stp_stat_merge(a, b, &log_sd);
	CHECK_EQ(a->count, 21);
	CHECK_EQ(a->sum, 55 + 1155);
	CHECK_EQ(a->min, 1);
	CHECK_EQ(a->max, 110);
	CHECK_EQ(a->histogram[65], 1);
	CHECK_EQ(a->histogram[68], 3);	/* 8, 9, 10 */
	CHECK_EQ(a->histogram[71], 11);	/* 64..127 */
	CHECK_EQ(_stp_stat_get(a, &log_sd, STP_STAT_MAX), 110);

	_stp_sink_str(&s, out);
	s.cap = sizeof(out) - 1;
	_stp_stat_print_hist(&s, a, &log_sd);
	_stp_sink_end(&s);
	CHECK_STR(out,
"value |-------------------------------------------------- count\n"
"    0 |                                                    0\n"
"    1 |@                                                   1\n"
"    2 |@@                                                  2\n"
"    4 |@@@@                                                4\n"
"    8 |@@@                                                 3\n"
"   16 |                                                    0\n"
"   32 |                                                    0\n"
"   64 |@@@@@@@@@@@                                        11\n"
"  128 |                                                    0\n"
"  256 |                                                    0\n"
"\n");

	/* a long run of empty buckets is elided */
	memset(b, 0, log_sd.size);
	_stp_stat_add(b, &log_sd, 1);
	_stp_stat_add(b, &log_sd, 1 << 20);
	for (i = 0; i < 100; i++)
		_stp_stat_add(b, &log_sd, 1 << 10);
	_stp_sink_str(&s, out);
	s.cap = sizeof(out) - 1;
	_stp_stat_print_hist(&s, b, &log_sd);
	_stp_sink_end(&s);
	CHECK_STR(out,
"  value |-------------------------------------------------- count\n"
"      0 |                                                     0\n"
"      1 |                                                     1\n"
"      2 |                                                     0\n"
"      4 |                                                     0\n"
"        ~\n"
"    256 |                                                     0\n"
"    512 |                                                     0\n"
"   1024 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 100\n"
"   2048 |                                                     0\n"
"   4096 |                                                     0\n"
"        ~\n"
" 262144 |                                                     0\n"
" 524288 |                                                     0\n"
"1048576 |                                                     1\n"
"2097152 |                                                     0\n"
"4194304 |                                                     0\n"
"\n");
	free(a);
	free(b);

	a = calloc(1, lin_sd.size);
	_stp_stat_add(a, &lin_sd, -3);
	_stp_stat_add(a, &lin_sd, 15);
	_stp_stat_add(a, &lin_sd, 15);
	_stp_stat_add(a, &lin_sd, 500);
	_stp_sink_str(&s, out);
	s.cap = sizeof(out) - 1;
	_stp_stat_print_hist(&s, a, &lin_sd);
	_stp_sink_end(&s);
	CHECK(strstr(out, "   <0 |@                                                  1\n") != NULL);
	CHECK(strstr(out, "   10 |@@                                                 2\n") != NULL);
	CHECK(strstr(out, " >100 |@                                                  1\n") != NULL);
	free(a);

	/* scalar statistics, per CPU */
	CHECK_EQ(_stp_pstat_init(&ps, &plain_sd), 0);
	for (i = 0; i < 40; i++) {
		shim_cpu = i % _stp_ncpus;
		_stp_pstat_add(&ps, i);
	}
	shim_cpu = 0;
	a = _stp_pstat_get(&ps);
	CHECK_EQ(a->count, 40);
	CHECK_EQ(a->sum, 780);
	CHECK_EQ(a->min, 0);
	CHECK_EQ(a->max, 39);
	CHECK_EQ(_stp_pstat_cpu(&ps, 3)->count, 10);
	_stp_pstat_clear(&ps);
	CHECK_EQ(_stp_pstat_get(&ps)->count, 0);
	_stp_pstat_free(&ps);
}

/* ------------------------------------------------------------------ */

static const unsigned char k_l[] = { STP_TYPE_LONG };
static const unsigned char k_s[] = { STP_TYPE_STRING };
static const unsigned char k_sl[] = { STP_TYPE_STRING, STP_TYPE_LONG };

/* The keys of a long-keyed map in list order, as "1 2 3". */
static const char *order_l(struct stp_map *m)
{
	static char buf[1024];
	struct stp_mnode *n;
	size_t o = 0;

	buf[0] = '\0';
	for (n = _stp_map_first(m); n; n = _stp_map_next(m, n))
		o += snprintf(buf + o, sizeof(buf) - o, "%s%lld", o ? " " : "",
			      (long long)_stp_key_l(m, n, 0));
	return buf;
}

static void test_map_long(void)
{
	struct stp_map m;
	union stp_key k[1];
	int64_t *p;
	int i;

	CHECK_EQ(_stp_map_init(&m, 1, k_l, STP_TYPE_LONG, 4, 0, 0, NULL), 0);
	k[0].l = 7;
	CHECK_EQ(_stp_map_get_l(&m, k), 0);
	CHECK(!_stp_map_exists(&m, k, 0));
	CHECK_EQ(m.nentries, 0);
	for (i = 1; i <= 4; i++) {
		k[0].l = i * 10;
		CHECK_EQ(_stp_map_set_l(&m, k, i), 0);
	}
	k[0].l = 20;
	CHECK_EQ(_stp_map_get_l(&m, k), 2);
	CHECK_EQ(_stp_map_set_l(&m, k, 0), 0);	/* 0 keeps the element */
	CHECK(_stp_map_exists(&m, k, 0));
	k[0].l = 50;
	CHECK_EQ(_stp_map_set_l(&m, k, 5), -1);	/* full */
	CHECK_STR(m.overflow_msg, "Array overflow, check MAXMAPENTRIES");
	CHECK(_stp_map_lval_l(&m, k) == NULL);
	CHECK_STR(order_l(&m), "10 20 30 40");
	k[0].l = 20;
	_stp_map_del(&m, k, 0);
	CHECK_EQ(m.nentries, 3);
	CHECK(!_stp_map_exists(&m, k, 0));
	k[0].l = 50;
	p = _stp_map_lval_l(&m, k);
	CHECK(p != NULL);
	if (p)
		*p += 9;
	CHECK_EQ(_stp_map_get_l(&m, k), 9);
	CHECK_STR(order_l(&m), "10 30 40 50");

	/* sort by value descending, by key ascending */
	for (i = 0; i < 4; i++) {
		static const int64_t keys[] = { 10, 30, 40, 50 };
		static const int64_t vals[] = { 3, 7, 3, 1 };

		k[0].l = keys[i];
		_stp_map_set_l(&m, k, vals[i]);
	}
	_stp_map_sort(&m, 0, -1, 0);
	CHECK_STR(order_l(&m), "30 10 40 50");		/* stable ties */
	_stp_map_sort(&m, 0, 1, 0);
	CHECK_STR(order_l(&m), "50 10 40 30");
	_stp_map_sort(&m, 1, 1, 0);
	CHECK_STR(order_l(&m), "10 30 40 50");
	_stp_map_sort(&m, 1, -1, 0);
	CHECK_STR(order_l(&m), "50 40 30 10");
	/* the hash chains survive sorting */
	k[0].l = 40;
	CHECK_EQ(_stp_map_get_l(&m, k), 3);
	_stp_map_del(&m, k, 0);
	CHECK_STR(order_l(&m), "50 30 10");

	_stp_map_clear(&m);
	CHECK_EQ(m.nentries, 0);
	CHECK_STR(order_l(&m), "");
	for (i = 0; i < 4; i++) {
		k[0].l = i;
		CHECK_EQ(_stp_map_set_l(&m, k, i), 0);
	}
	_stp_map_free(&m);

	/* a sized array says so when full */
	CHECK_EQ(_stp_map_init(&m, 1, k_l, STP_TYPE_LONG, 3, 0, 1, NULL), 0);
	for (i = 0; i < 3; i++) {
		k[0].l = i;
		_stp_map_set_l(&m, k, i);
	}
	k[0].l = 99;
	CHECK_EQ(_stp_map_set_l(&m, k, 1), -1);
	CHECK_STR(m.overflow_msg, "Array overflow, check size limit (3)");
	_stp_map_free(&m);

	/* a wrapping array drops its oldest element */
	CHECK_EQ(_stp_map_init(&m, 1, k_l, STP_TYPE_LONG, 3, 1, 1, NULL), 0);
	for (i = 1; i <= 5; i++) {
		k[0].l = i;
		CHECK_EQ(_stp_map_set_l(&m, k, i), 0);
	}
	CHECK_STR(order_l(&m), "3 4 5");
	k[0].l = 1;
	CHECK(!_stp_map_exists(&m, k, 0));
	k[0].l = 3;
	CHECK_EQ(_stp_map_get_l(&m, k), 3);
	_stp_map_set_l(&m, k, 33);	/* an update does not evict */
	CHECK_STR(order_l(&m), "3 4 5");
	_stp_map_free(&m);

	/* many entries: collisions, deletes, re-adds */
	CHECK_EQ(_stp_map_init(&m, 1, k_l, STP_TYPE_LONG, 2048, 0, 0, NULL),
		 0);
	for (i = 0; i < 2048; i++) {
		k[0].l = (int64_t)i * 1000003;
		CHECK(_stp_map_set_l(&m, k, i) == 0 || (printf("i=%d\n", i), 0));
	}
	for (i = 0; i < 2048; i += 2) {
		k[0].l = (int64_t)i * 1000003;
		_stp_map_del(&m, k, 0);
	}
	CHECK_EQ(m.nentries, 1024);
	for (i = 0; i < 2048; i++) {
		k[0].l = (int64_t)i * 1000003;
		if (_stp_map_get_l(&m, k) != (i & 1 ? i : 0))
			break;
	}
	CHECK_EQ(i, 2048);
	_stp_map_sort(&m, 0, -1, 0);
	CHECK_EQ(*_stp_val_l(&m, _stp_map_first(&m)), 2047);
	_stp_map_free(&m);
}

static void test_map_string(void)
{
	struct stp_map m;
	union stp_key k[2];
	static char big[MAXSTRINGLEN + 50], out[256];
	struct stp_mnode *n;
	size_t o;
	char *sp;

	CHECK_EQ(_stp_map_init(&m, 2, k_sl, STP_TYPE_STRING, 16, 0, 0, NULL),
		 0);
	k[0].s = "a";
	k[1].l = 1;
	CHECK_STR(_stp_map_get_s(&m, k), "");
	_stp_map_set_s(&m, k, "one");
	k[1].l = 2;
	_stp_map_set_s(&m, k, "two");
	k[0].s = "b";
	_stp_map_set_s(&m, k, "bee");
	k[0].s = "a";
	CHECK_STR(_stp_map_get_s(&m, k), "two");
	sp = _stp_map_lval_s(&m, k);
	_stp_strcat(sp, "!");
	CHECK_STR(_stp_map_get_s(&m, k), "two!");

	/* wildcards: [*, 2] and ["a", *] */
	k[1].l = 2;
	CHECK(_stp_map_exists(&m, k, 1));
	k[1].l = 3;
	CHECK(!_stp_map_exists(&m, k, 1));
	k[0].s = "zz";
	CHECK(!_stp_map_exists(&m, k, 2));
	k[0].s = "b";
	CHECK(_stp_map_exists(&m, k, 2));
	k[0].s = "a";
	_stp_map_del(&m, k, 2);
	CHECK_EQ(m.nentries, 1);
	k[0].s = "b";
	k[1].l = 2;
	CHECK_STR(_stp_map_get_s(&m, k), "bee");

	/* over-long keys and values are truncated consistently */
	memset(big, 'k', sizeof(big) - 1);
	k[0].s = big;
	CHECK_EQ(_stp_map_set_s(&m, k, big), 0);
	CHECK_EQ(strlen(_stp_map_get_s(&m, k)), MAXSTRINGLEN - 1);
	big[MAXSTRINGLEN + 10] = 'q';	/* beyond the kept prefix */
	CHECK(_stp_map_exists(&m, k, 0));

	/* sort by the string key, descending */
	_stp_map_clear(&m);
	k[1].l = 0;
	k[0].s = "m";
	_stp_map_set_s(&m, k, "3");
	k[0].s = "z";
	_stp_map_set_s(&m, k, "1");
	k[0].s = "a";
	_stp_map_set_s(&m, k, "2");
	_stp_map_sort(&m, 1, -1, 0);
	o = 0;
	for (n = _stp_map_first(&m); n; n = _stp_map_next(&m, n))
		o += snprintf(out + o, sizeof(out) - o, "%s=%s ",
			      _stp_key_s(&m, n, 0), _stp_val_s(&m, n));
	CHECK_STR(out, "z=1 m=3 a=2 ");
	_stp_map_sort(&m, 0, 1, 0);
	o = 0;
	for (n = _stp_map_first(&m); n; n = _stp_map_next(&m, n))
		o += snprintf(out + o, sizeof(out) - o, "%s ",
			      _stp_key_s(&m, n, 0));
	CHECK_STR(out, "z a m ");
	_stp_map_free(&m);
}

/* Word-at-a-time hashing and comparison of string keys. */
static void test_string_keys(void)
{
	static const char *keys[] = {
		"", "a", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmno",
		"abcdefghijklmnop", "abcdefghijklmnopq", "abcdefgh\xff", "b",
	};
	size_t n = sizeof(keys) / sizeof(*keys), i, j;
	static char big1[MAXSTRINGLEN + 20], big2[MAXSTRINGLEN + 20];
	static char buf[MAXSTRINGLEN];
	struct stp_map m;
	union stp_key k[1];

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			CHECK_EQ(_stp_key_str_eq(keys[i], keys[j]), i == j);
	/* junk after the NUL does not matter */
	memset(buf, 'z', sizeof(buf));
	strcpy(buf, "abcdefgh");
	CHECK(_stp_key_str_eq(buf, "abcdefgh"));
	CHECK(_stp_key_str_eq("abcdefgh", buf));
	CHECK_EQ(_stp_hash_str(7, buf), _stp_hash_str(7, "abcdefgh"));
	CHECK(_stp_hash_str(7, "abcdefgh") != _stp_hash_str(7, "abcdefgi"));
	/* only MAXSTRINGLEN - 1 bytes count */
	memset(big1, 'q', sizeof(big1) - 1);
	memset(big2, 'q', sizeof(big2) - 1);
	big2[MAXSTRINGLEN + 3] = 'r';
	CHECK(_stp_key_str_eq(big1, big2));
	CHECK_EQ(_stp_hash_str(0, big1), _stp_hash_str(0, big2));
	big2[MAXSTRINGLEN - 2] = 'r';
	CHECK(!_stp_key_str_eq(big1, big2));
	_stp_strcpy(buf, big1);
	CHECK(_stp_key_str_eq(buf, big1));
	CHECK_EQ(_stp_hash_str(0, buf), _stp_hash_str(0, big1));

	/* a reused node keeps junk of its longer former key */
	CHECK_EQ(_stp_map_init(&m, 1, k_s, STP_TYPE_LONG, 1, 0, 0, NULL), 0);
	k[0].s = "a-rather-long-key-of-30-chars!";
	_stp_map_set_l(&m, k, 1);
	_stp_map_del(&m, k, 0);
	k[0].s = "short";
	_stp_map_set_l(&m, k, 2);
	CHECK_EQ(_stp_map_get_l(&m, k), 2);
	k[0].s = "a-rather-long-key-of-30-chars!";
	CHECK(!_stp_map_exists(&m, k, 0));
	for (i = 0; i < n; i++) {
		_stp_map_clear(&m);
		k[0].s = keys[i];
		_stp_map_set_l(&m, k, 5);
		for (j = 0; j < n; j++) {
			k[0].s = keys[j];
			CHECK_EQ(_stp_map_get_l(&m, k), i == j ? 5 : 0);
		}
	}
	_stp_map_free(&m);
}

static void test_pmap(void)
{
	struct stp_pmap pm;
	struct stp_map *agg;
	struct stp_stat *st;
	union stp_key k[1];
	struct stp_mnode *n;
	static char out[256];
	size_t o = 0;
	int i;

	CHECK_EQ(_stp_pmap_init(&pm, 1, k_s, 4, 0, 0, &plain_sd), 0);
	for (i = 0; i < 30; i++) {
		static const char *names[] = { "bash", "cat", "sshd" };

		shim_cpu = i % _stp_ncpus;
		k[0].s = names[i % 3];
		CHECK_EQ(_stp_pmap_add(&pm, k, i), 0);
	}
	shim_cpu = 0;
	k[0].s = "cat";
	st = _stp_pmap_get(&pm, k);
	CHECK(st != NULL);
	if (st) {
		CHECK_EQ(st->count, 10);
		CHECK_EQ(st->sum, 1 + 4 + 7 + 10 + 13 + 16 + 19 + 22 + 25 + 28);
		CHECK_EQ(st->min, 1);
		CHECK_EQ(st->max, 28);
	}
	k[0].s = "dog";
	CHECK(_stp_pmap_get(&pm, k) == NULL);
	CHECK(!_stp_pmap_exists(&pm, k, 0));
	k[0].s = "bash";
	CHECK(_stp_pmap_exists(&pm, k, 0));

	agg = _stp_pmap_agg(&pm);
	CHECK(agg != NULL);
	CHECK_EQ(agg->nentries, 3);
	_stp_map_sort(agg, 0, -1, STP_STAT_SUM);
	for (n = _stp_map_first(agg); n; n = _stp_map_next(agg, n))
		o += snprintf(out + o, sizeof(out) - o, "%s:%lld ",
			      _stp_key_s(agg, n, 0),
			      (long long)_stp_val_stat(agg, n)->sum);
	CHECK_STR(out, "sshd:155 cat:145 bash:135 ");

	/* per-CPU maps fill up independently */
	shim_cpu = 1;
	k[0].s = "x1";
	CHECK_EQ(_stp_pmap_add(&pm, k, 1), 0);
	k[0].s = "x2";
	CHECK_EQ(_stp_pmap_add(&pm, k, 1), -1);
	/* and the aggregate can overflow although no CPU map did */
	shim_cpu = 2;
	k[0].s = "y1";
	CHECK_EQ(_stp_pmap_add(&pm, k, 1), 0);
	CHECK(_stp_pmap_agg(&pm) == NULL);
	shim_cpu = 0;

	k[0].s = "bash";
	_stp_pmap_del(&pm, k, 0);
	CHECK(!_stp_pmap_exists(&pm, k, 0));
	_stp_pmap_del(&pm, k, 1);
	CHECK(!_stp_pmap_exists(&pm, k, 1));
	CHECK(_stp_pmap_agg(&pm) != NULL);
	CHECK_EQ(pm.agg.nentries, 0);
	_stp_pmap_add(&pm, k, 5);
	_stp_pmap_clear(&pm);
	CHECK(!_stp_pmap_exists(&pm, k, 0));
	_stp_pmap_free(&pm);
}

/* Every allocation of map/pmap/pstat set-up can fail cleanly. */
static void test_alloc_failures(void)
{
	long n, before = shim_live;
	int rc;

	for (n = 1; n <= 20; n++) {
		struct stp_pmap pm;
		struct stp_map m;
		struct stp_pstat ps;

		shim_alloc_count = 0;
		shim_fail_at = n;
		rc = _stp_pmap_init(&pm, 1, k_s, 8, 0, 0, &log_sd);
		if (!rc)
			_stp_pmap_free(&pm);
		shim_alloc_count = 0;
		if (!_stp_map_init(&m, 1, k_l, STP_TYPE_LONG, 8, 0, 0, NULL))
			_stp_map_free(&m);
		shim_alloc_count = 0;
		if (!_stp_pstat_init(&ps, &log_sd))
			_stp_pstat_free(&ps);
	}
	shim_fail_at = 0;
	CHECK_EQ(shim_live, before);
	shim_alloc_count = 0;
	shim_fail_at = 3;
	{
		struct stp_pmap pm;

		CHECK_EQ(_stp_pmap_init(&pm, 1, k_s, 8, 0, 0, &log_sd),
			 -ENOMEM);
	}
	shim_fail_at = 0;
	CHECK_EQ(shim_live, before);
}

int main(void)
{
	static const struct { const char *name; void (*fn)(void); } cases[] = {
		{ "strings", test_strings },
		{ "format", test_format },
		{ "print_sink", test_print_sink },
		{ "stats", test_stats },
		{ "map_long", test_map_long },
		{ "map_string", test_map_string },
		{ "string_keys", test_string_keys },
		{ "pmap", test_pmap },
		{ "alloc_failures", test_alloc_failures },
	};
	int ncases = sizeof(cases) / sizeof(cases[0]);
	int cases_failed = 0;

	/* a case passes when none of its assertions fails */
	for (int i = 0; i < ncases; i++) {
		int before = failed;

		cases[i].fn();
		if (failed != before) {
			printf("FAIL runtime %s\n", cases[i].name);
			cases_failed++;
		}
	}
	printf("runtime: %d assertions held, %d failed\n", passed, failed);
	printf("%d passed, %d failed\n", ncases - cases_failed, cases_failed);
	return failed != 0;
}
