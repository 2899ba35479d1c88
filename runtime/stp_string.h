/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-size script strings: every string lives in a buffer of MAXSTRINGLEN
 * bytes (terminating NUL included) and every operation truncates instead
 * of overflowing.  No kernel dependency: also built by testsuite/runtime.
 */
#ifndef _STP_STRING_H_
#define _STP_STRING_H_

/*
 * Copy SRC into DST (MAXSTRINGLEN bytes), truncating; returns DST.  A word
 * at a time (see _stp_load_word): DST's bytes after the NUL within the
 * last word are zeroed.
 */
static inline char *_stp_strcpy(char *dst, const char *src)
{
	size_t off;

	if (dst == src)
		return dst;
	for (off = 0; off + 8 <= MAXSTRINGLEN - 1; off += 8) {
		uint64_t w = _stp_load_word(src + off);
		uint64_t z = (w - 0x0101010101010101ULL) & ~w &
			     0x8080808080808080ULL;

		if (z)
			w &= ((z & -z) >> 7) - 1;
		memcpy(dst + off, &w, 8);
		if (z)
			return dst;
	}
	for (; off < MAXSTRINGLEN - 1 && src[off]; off++)
		dst[off] = src[off];
	dst[off] = '\0';
	return dst;
}

/* Append SRC to DST (MAXSTRINGLEN bytes), truncating; returns DST. */
static inline char *_stp_strcat(char *dst, const char *src)
{
	size_t i = strlen(dst), j;

	for (j = 0; i < MAXSTRINGLEN - 1 && src[j]; i++, j++)
		dst[i] = src[j];
	dst[i] = '\0';
	return dst;
}

/* DST = A . B (DST may be A, not B); returns DST. */
static inline char *_stp_concat(char *dst, const char *a, const char *b)
{
	if (b == dst) {
		/* rare: the right operand lives in the target */
		size_t la = strlen(a), lb = strlen(b);

		if (la > MAXSTRINGLEN - 1)
			la = MAXSTRINGLEN - 1;
		if (lb > MAXSTRINGLEN - 1 - la)
			lb = MAXSTRINGLEN - 1 - la;
		memmove(dst + la, b, lb);
		memmove(dst, a, la);
		dst[la + lb] = '\0';
		return dst;
	}
	_stp_strcpy(dst, a);
	return _stp_strcat(dst, b);
}

/* strlen bounded by MAXSTRINGLEN - 1. */
static inline size_t _stp_strlen(const char *s)
{
	size_t n = 0;

	while (n < MAXSTRINGLEN - 1 && s[n])
		n++;
	return n;
}

/*
 * The escape of byte I of the N bytes at SRC into ESC, as the tapset's
 * *_quoted functions show it: C escapes, octal \ooo for other
 * non-printables, \0 for a NUL that no octal digit follows.  Returns its
 * length (1 to 4).
 */
static inline size_t _stp_text_esc(char esc[4], const char *src, size_t i,
				   size_t n)
{
	unsigned char ch = src[i];
	size_t len = 0;

	switch (ch) {
	case '\a': esc[len++] = '\\'; esc[len++] = 'a'; break;
	case '\b': esc[len++] = '\\'; esc[len++] = 'b'; break;
	case '\f': esc[len++] = '\\'; esc[len++] = 'f'; break;
	case '\n': esc[len++] = '\\'; esc[len++] = 'n'; break;
	case '\r': esc[len++] = '\\'; esc[len++] = 'r'; break;
	case '\t': esc[len++] = '\\'; esc[len++] = 't'; break;
	case '\v': esc[len++] = '\\'; esc[len++] = 'v'; break;
	case '"': esc[len++] = '\\'; esc[len++] = '"'; break;
	case '\\': esc[len++] = '\\'; esc[len++] = '\\'; break;
	case '\0':
		/* "\0", as SystemTap, unless a digit follows */
		if (i + 1 >= n || src[i + 1] < '0' || src[i + 1] > '7') {
			esc[len++] = '\\';
			esc[len++] = '0';
			break;
		}
		fallthrough;
	default:
		if (ch >= 0x20 && ch < 0x7f) {
			esc[len++] = ch;
		} else {
			esc[len++] = '\\';
			esc[len++] = '0' + ((ch >> 6) & 3);
			esc[len++] = '0' + ((ch >> 3) & 7);
			esc[len++] = '0' + (ch & 7);
		}
	}
	return len;
}

/*
 * The N bytes at SRC escaped into DST, in double quotes when QUOTED, in at
 * most LIMIT bytes (without the NUL; LIMIT < MAXSTRINGLEN).  What does
 * not fit is cut at an escape's boundary, and a quoted text cut short
 * ends in "...", its quotes and dots within LIMIT (as SystemTap's
 * text_strn; an unquoted one just stops).  TRUNCATED says the caller
 * already cut the input.
 */
static inline void _stp_text_escape(char *dst, const char *src, size_t n,
				    int truncated, int quoted, size_t limit)
{
	size_t o = 0, i, k, len, total = quoted ? 2 : 0;
	char esc[4];

	/* does all of it fit? */
	for (i = 0; !truncated && i < n; i++) {
		total += _stp_text_esc(esc, src, i, n);
		if (total > limit)
			truncated = 1;
	}
	if (quoted) {
		dst[o++] = '"';
		limit = truncated ? (limit > 5 ? limit - 4 : 1) : limit - 1;
	}
	for (i = 0; i < n; i++) {
		len = _stp_text_esc(esc, src, i, n);
		if (o + len > limit)
			break;
		for (k = 0; k < len; k++)
			dst[o++] = esc[k];
	}
	if (quoted) {
		dst[o++] = '"';
		if (truncated) {
			dst[o++] = '.';
			dst[o++] = '.';
			dst[o++] = '.';
		}
	}
	dst[o] = '\0';
}

/*
 * Quote and escape the N bytes at SRC into DST (MAXSTRINGLEN) the way the
 * tapset's *_quoted functions show strings: "text" with C escapes, and
 * "text"... when the input (or the output space) was cut short.
 * TRUNCATED says the caller already cut the input.
 */
static inline void _stp_text_quote(char *dst, const char *src, size_t n,
				   int truncated)
{
	_stp_text_escape(dst, src, n, truncated, 1, MAXSTRINGLEN - 1);
}

#endif /* _STP_STRING_H_ */
