/*
 * format.c - printf format strings: %[flags][width][.precision][l]conv.
 * Parsed once here for the type checker (argument types) and for the
 * code generator.
 */
#include <ctype.h>
#include <string.h>

#include "stap.h"

/* A width or precision; a huge one saturates (the runtime clamps it) */
static const char *digits(const char *p, int *out)
{
	int n = 0;

	while (isdigit((unsigned char)*p)) {
		n = n * 10 + (*p++ - '0');
		if (n > 99999999)
			n = 99999999;
	}
	*out = n;
	return p;
}

int parse_format(const char *fmt, FmtSpec **specs, const char **errmsg)
{
	Vec v = {0};
	StrBuf lit = {0};
	const char *p = fmt;

	while (*p) {
		if (*p != '%') {
			sb_putc(&lit, *p++);
			continue;
		}
		if (p[1] == '%') {
			sb_putc(&lit, '%');
			p += 2;
			continue;
		}
		if (lit.len) {
			FmtSpec *s = arena_alloc(sizeof(*s));
			s->kind = FMT_LITERAL;
			s->text = arena_strndup(lit.buf, lit.len);
			vec_push(&v, s);
			lit.len = 0;
		}
		FmtSpec *s = arena_alloc(sizeof(*s));
		s->kind = FMT_CONV;
		s->width = s->precision = FMT_NONE;
		p++;
		for (;; p++) {
			if (*p == '-') s->flags |= FMT_F_MINUS;
			else if (*p == '+') s->flags |= FMT_F_PLUS;
			else if (*p == ' ') s->flags |= FMT_F_SPACE;
			else if (*p == '#') s->flags |= FMT_F_HASH;
			else if (*p == '0') s->flags |= FMT_F_ZERO;
			else break;
		}
		if (*p == '*') {
			s->width = FMT_STAR;
			p++;
		} else if (isdigit((unsigned char)*p)) {
			s->width = 0;
			p = digits(p, &s->width);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				s->precision = FMT_STAR;
				p++;
			} else {
				s->precision = 0;
				p = digits(p, &s->precision);
			}
		}
		if (*p == 'l')          /* one 'l', as SystemTap: no h, L, ll */
			p++;
		if (!*p || !strchr("diuoxXscpbmM", *p)) {
			sb_release(&lit);
			*errmsg = "invalid or missing conversion specifier";
			return -1;
		}
		s->conv = *p++;
		vec_push(&v, s);
	}
	if (lit.len) {
		FmtSpec *s = arena_alloc(sizeof(*s));
		s->kind = FMT_LITERAL;
		s->text = arena_strndup(lit.buf, lit.len);
		vec_push(&v, s);
	}
	sb_release(&lit);
	*specs = arena_alloc(sizeof(FmtSpec) * (v.len + 1));
	for (int i = 0; i < v.len; i++)
		(*specs)[i] = *(FmtSpec *)vec_get(&v, i);
	return v.len;
}

int format_arg_types(FmtSpec *specs, int nspecs, Type *types, int max)
{
	int n = 0;
	for (int i = 0; i < nspecs; i++) {
		FmtSpec *s = &specs[i];
		if (s->kind != FMT_CONV)
			continue;
		if (s->width == FMT_STAR && n < max)
			types[n++] = TY_LONG;
		if (s->precision == FMT_STAR && n < max)
			types[n++] = TY_LONG;
		if (n < max)
			types[n++] = s->conv == 's' ? TY_STRING : TY_LONG;
	}
	return n;
}
