/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The printf engine.  The translator parses every format string at
 * compile time, so at run time there is no format parsing: the generated
 * code calls one formatter per conversion, writing into a sink.
 *
 * A sink is either a string (MAXSTRINGLEN buffer: output is truncated) or
 * the per-CPU print buffer (a flush callback empties it when full, so the
 * output of one handler is cut into several records only when it exceeds
 * the buffer).  No kernel dependency: also built by testsuite/runtime.
 */
#ifndef _STP_FORMAT_H_
#define _STP_FORMAT_H_

/* Conversion flags: the same bits as the translator's FMT_F_* */
#define STP_F_MINUS	1
#define STP_F_PLUS	2
#define STP_F_SPACE	4
#define STP_F_HASH	8
#define STP_F_ZERO	16

struct stp_sink {
	char *buf;
	unsigned int len;
	unsigned int cap;	/* usable bytes (a string keeps one for NUL) */
	/* empties the buffer (len = 0); NULL: truncate instead */
	void (*flush)(struct stp_sink *s);
};

/* A sink writing into the MAXSTRINGLEN string BUF. */
static inline void _stp_sink_str(struct stp_sink *s, char *buf)
{
	s->buf = buf;
	s->len = 0;
	s->cap = MAXSTRINGLEN - 1;
	s->flush = NULL;
}

/* Terminate a string sink; returns the string. */
static inline char *_stp_sink_end(struct stp_sink *s)
{
	s->buf[s->len] = '\0';
	return s->buf;
}

/* The room left in S, after flushing it when it is full: 0 when a
 * string sink is full (what follows is cut). */
static inline size_t _stp_sink_room(struct stp_sink *s)
{
	if (s->len == s->cap && s->flush)
		s->flush(s);
	return s->cap - s->len;
}

static __maybe_unused void _stp_sink_write(struct stp_sink *s, const char *p, size_t n)
{
	while (n) {
		size_t room = _stp_sink_room(s);

		if (room == 0)
			return;
		if (room > n)
			room = n;
		memcpy(s->buf + s->len, p, room);
		s->len += room;
		p += room;
		n -= room;
	}
}

static inline void _stp_sink_putc(struct stp_sink *s, char ch)
{
	if (likely(s->len < s->cap))
		s->buf[s->len++] = ch;
	else
		_stp_sink_write(s, &ch, 1);
}

static inline void _stp_sink_puts(struct stp_sink *s, const char *str)
{
	_stp_sink_write(s, str, strlen(str));
}

static __maybe_unused void _stp_sink_pad(struct stp_sink *s, char ch, int n)
{
	while (n > 0) {
		size_t room = _stp_sink_room(s);

		if (room == 0)
			return;
		if (room > (size_t)n)
			room = n;
		memset(s->buf + s->len, ch, room);
		s->len += room;
		n -= room;
	}
}

/*
 * Integer conversions d i u o x X p.  WIDTH and PREC are -1 when absent.
 * '#' gives 0x/0X (also for 0, as SystemTap's formatter does) and a
 * leading 0 for octal; %p is %#x, zero-padded to 18 columns by default.
 */
static __maybe_unused void _stp_fmt_long(struct stp_sink *s, int64_t v, char conv,
			  unsigned int flags, int width, int prec)
{
	char digits[24];
	const char *dig = "0123456789abcdef";
	char prefix[3];
	int nd = 0, np = 0, base = 10, is_signed = 0, zeros, len;
	uint64_t u = (uint64_t)v;

	switch (conv) {
	case 'd':
	case 'i':
		is_signed = 1;
		break;
	case 'o':
		base = 8;
		break;
	case 'X':
		dig = "0123456789ABCDEF";
		fallthrough;
	case 'x':
		base = 16;
		break;
	case 'p':	/* as SystemTap 4.8: %#x, with "0x0" for 0 */
		base = 16;
		flags |= STP_F_HASH;
		break;
	default:	/* 'u' */
		break;
	}
	if (is_signed) {
		if (v < 0) {
			prefix[np++] = '-';
			u = -u;
		} else if (flags & STP_F_PLUS) {
			prefix[np++] = '+';
		} else if (flags & STP_F_SPACE) {
			prefix[np++] = ' ';
		}
	}
	do {
		digits[nd++] = dig[u % base];
		u /= base;
	} while (u);
	if (flags & STP_F_HASH) {
		if (base == 16) {
			prefix[np++] = '0';
			prefix[np++] = conv == 'X' ? 'X' : 'x';
		} else if (base == 8 && digits[nd - 1] != '0' && prec <= nd) {
			prefix[np++] = '0';
		}
	}
	zeros = prec > nd ? prec - nd : 0;
	len = np + zeros + nd;
	if ((flags & STP_F_ZERO) && !(flags & STP_F_MINUS) && prec < 0 &&
	    width > len) {
		zeros += width - len;
		len = width;
	}
	if (!(flags & STP_F_MINUS))
		_stp_sink_pad(s, ' ', width - len);
	_stp_sink_write(s, prefix, np);
	_stp_sink_pad(s, '0', zeros);
	while (nd)
		_stp_sink_putc(s, digits[--nd]);
	if (flags & STP_F_MINUS)
		_stp_sink_pad(s, ' ', width - len);
}

/* %s: PREC limits the length, WIDTH pads. */
static __maybe_unused void _stp_fmt_str(struct stp_sink *s, const char *str,
			 unsigned int flags, int width, int prec)
{
	size_t n = 0;

	if (prec < 0) {
		n = strlen(str);
	} else {
		while (n < (size_t)prec && str[n])
			n++;
	}
	if (!(flags & STP_F_MINUS))
		_stp_sink_pad(s, ' ', width - (int)n);
	_stp_sink_write(s, str, n);
	if (flags & STP_F_MINUS)
		_stp_sink_pad(s, ' ', width - (int)n);
}

/* %c ('#' escapes non-printable characters). */
static __maybe_unused void _stp_fmt_char(struct stp_sink *s, int64_t v, unsigned int flags,
			  int width)
{
	char buf[8];
	unsigned char ch = (unsigned char)v;
	int n = 0;

	if ((flags & STP_F_HASH) && (ch < 0x20 || ch >= 0x7f || ch == '\\' ||
				     ch == '\'')) {
		buf[n++] = '\\';
		switch (ch) {
		case '\n': buf[n++] = 'n'; break;
		case '\t': buf[n++] = 't'; break;
		case '\r': buf[n++] = 'r'; break;
		case '\\': buf[n++] = '\\'; break;
		case '\'': buf[n++] = '\''; break;
		default:
			buf[n++] = '0' + ((ch >> 6) & 3);
			buf[n++] = '0' + ((ch >> 3) & 7);
			buf[n++] = '0' + (ch & 7);
		}
	} else {
		buf[n++] = ch;
	}
	if (!(flags & STP_F_MINUS))
		_stp_sink_pad(s, ' ', width - n);
	_stp_sink_write(s, buf, n);
	if (flags & STP_F_MINUS)
		_stp_sink_pad(s, ' ', width - n);
}

/*
 * %b: the value's WIDTH low-order bytes in the machine's byte order (1, 2,
 * 4 or 8; 8 when absent), a binary blob instead of text.
 */
static __maybe_unused void _stp_fmt_bin(struct stp_sink *s, int64_t v, int width)
{
	union {
		uint8_t b;
		uint16_t h;
		uint32_t w;
		uint64_t q;
	} u;

	switch (width) {
	case 1:
		u.b = (uint8_t)v;
		break;
	case 2:
		u.h = (uint16_t)v;
		break;
	case 4:
		u.w = (uint32_t)v;
		break;
	default:
		width = 8;
		u.q = (uint64_t)v;
	}
	_stp_sink_write(s, (const char *)&u, width);
}

/* print(long) */
static inline void _stp_print_long(struct stp_sink *s, int64_t v)
{
	_stp_fmt_long(s, v, 'd', 0, -1, -1);
}

#endif /* _STP_FORMAT_H_ */
