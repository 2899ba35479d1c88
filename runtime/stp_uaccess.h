/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault-safe reads of kernel and user memory for tapset functions.  A bad
 * address never oopses: the read fails, and the *_err helpers turn that
 * into the script error SystemTap reports.
 */
#ifndef _STP_UACCESS_H_
#define _STP_UACCESS_H_

static inline long _stp_kread(void *dst, unsigned long addr, size_t n)
{
	return copy_from_kernel_nofault(dst, (const void *)addr, n);
}

/*
 * Write N bytes of kernel memory at ADDR without faulting: what
 * copy_to_kernel_nofault does, which the kernel does not export.  User
 * and non-canonical addresses are refused first (a #GP in a uaccess
 * fixup warns); read-only pages fault and are refused by the fixup.
 */
static __maybe_unused long _stp_kwrite(unsigned long addr, const void *src, size_t n)
{
	const char *p = src;

	if (addr < TASK_SIZE_MAX || addr + n < addr ||
	    !__is_canonical_address(addr, boot_cpu_data.x86_virt_bits))
		return -EFAULT;
	pagefault_disable();
	for (; n >= 8; n -= 8, addr += 8, p += 8)
		__put_kernel_nofault((void *)addr, p, u64, fault);
	for (; n >= 4; n -= 4, addr += 4, p += 4)
		__put_kernel_nofault((void *)addr, p, u32, fault);
	for (; n >= 2; n -= 2, addr += 2, p += 2)
		__put_kernel_nofault((void *)addr, p, u16, fault);
	for (; n; n--, addr++, p++)
		__put_kernel_nofault((void *)addr, p, u8, fault);
	pagefault_enable();
	return 0;
fault:
	pagefault_enable();
	return -EFAULT;
}

static inline long _stp_uread(void *dst, unsigned long addr, size_t n)
{
	return copy_from_user_nofault(dst, (const void __user *)addr, n);
}

/*
 * Copy a NUL-terminated string of at most N bytes (NUL included) from
 * kernel or user memory at ADDR.  Returns its length (N when it did not
 * end within N bytes: DST is then not terminated), or -EFAULT if its
 * first byte cannot be read.  (strncpy_from_*_nofault are not exported.)
 * Reads go in chunks that never cross a page, so no fault comes from
 * bytes after the string.
 */
static long _stp_strncpy_nofault(char *dst, unsigned long addr, long n,
				 int user)
{
	long done = 0;

	while (done < n) {
		unsigned long a = addr + done;
		long chunk = min_t(long, 64, n - done);
		long i;

		chunk = min_t(long, chunk, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
		if (user ? _stp_uread(dst + done, a, chunk) :
			   _stp_kread(dst + done, a, chunk)) {
			/* retry byte by byte up to the faulting one */
			for (i = 0; i < chunk; i++) {
				if (user ? _stp_uread(dst + done, a + i, 1) :
					   _stp_kread(dst + done, a + i, 1))
					return done ? done : -EFAULT;
				if (!dst[done])
					return done;
				done++;
			}
			continue;
		}
		for (i = 0; i < chunk; i++)
			if (!dst[done + i])
				return done + i;
		done += chunk;
	}
	return n;
}

/* A kernel string of at most N - 1 bytes into DST, always terminated:
 * its length, or -EFAULT (DST then ""). */
static __maybe_unused long _stp_kstrncpy(char *dst, const void *src, long n)
{
	long rc = _stp_strncpy_nofault(dst, (unsigned long)src, n, 0);

	if (rc < 0) {
		dst[0] = '\0';
		return rc;
	}
	if (rc >= n)
		rc = n - 1;
	dst[rc] = '\0';
	return rc;
}

/* Set the context's error from a format (the STAP_ERROR machinery). */
static __maybe_unused __printf(2, 3) void _stp_cerror(struct context *c, const char *fmt,
				       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(c->error_buffer, sizeof(c->error_buffer), fmt, ap);
	va_end(ap);
	c->last_error = c->error_buffer;
}

/* Copy a NUL-terminated kernel string of at most MAXSTRINGLEN - 1 bytes
 * (truncating); 0, or an error set in C. */
static __maybe_unused int _stp_kernel_string(struct context *c, char *dst,
			      unsigned long addr)
{
	long rc = _stp_strncpy_nofault(dst, addr, MAXSTRINGLEN, 0);

	if (rc < 0) {
		dst[0] = '\0';
		_stp_cerror(c,
			    "kernel string copy fault at 0x%lx [man error::fault]",
			    addr);
		return -EFAULT;
	}
	dst[MAXSTRINGLEN - 1] = '\0';
	return 0;
}

static __maybe_unused int _stp_user_string(struct context *c, char *dst, unsigned long addr)
{
	long rc = _stp_strncpy_nofault(dst, addr, MAXSTRINGLEN, 1);

	if (rc < 0) {
		dst[0] = '\0';
		_stp_cerror(c,
			    "user string copy fault %ld at 0x%lx [man error::fault]",
			    rc, addr);
		return -EFAULT;
	}
	dst[MAXSTRINGLEN - 1] = '\0';
	return 0;
}

/*
 * %m and %M: PREC bytes (1 when absent) of kernel memory at ADDR, raw (m)
 * or as two hex digits a byte (M), padded to WIDTH.  A fault sets the
 * error and returns -EFAULT (the bytes before it are printed).
 */
static __maybe_unused int _stp_fmt_mem(struct context *c, struct stp_sink *s,
				       int64_t addr, char conv,
				       unsigned int flags, int width, int prec)
{
	static const char hex[] = "0123456789abcdef";
	unsigned long a = (unsigned long)addr;
	unsigned char buf[32];
	int n = prec < 0 ? 1 : prec;
	int len = conv == 'M' ? 2 * n : n;

	if (!(flags & STP_F_MINUS))
		_stp_sink_pad(s, ' ', width - len);
	while (n > 0) {
		int chunk = n < (int)sizeof(buf) ? n : (int)sizeof(buf);
		int i;

		if (_stp_kread(buf, a, chunk)) {
			_stp_cerror(c, "read fault [man error::fault] at 0x%lx",
				    a);
			return -EFAULT;
		}
		for (i = 0; i < chunk; i++) {
			if (conv == 'M') {
				_stp_sink_putc(s, hex[buf[i] >> 4]);
				_stp_sink_putc(s, hex[buf[i] & 15]);
			} else {
				_stp_sink_putc(s, buf[i]);
			}
		}
		a += chunk;
		n -= chunk;
	}
	if (flags & STP_F_MINUS)
		_stp_sink_pad(s, ' ', width - len);
	return 0;
}

/* Read SIZE (1, 2, 4, 8) bytes of kernel or user memory as a signed
 * value; WHAT names it in the error ("int", "long", ...). */
static __maybe_unused int64_t _stp_read_num(struct context *c, unsigned long addr, int size,
			     int user, const char *what)
{
	union {
		s8 b;
		s16 h;
		s32 w;
		s64 q;
	} v;
	long rc;

	rc = user ? _stp_uread(&v, addr, size) : _stp_kread(&v, addr, size);
	if (rc) {
		_stp_cerror(c, "%s %s copy fault at 0x%lx [man error::fault]",
			    user ? "user" : "kernel", what, addr);
		return 0;
	}
	switch (size) {
	case 1: return v.b;
	case 2: return v.h;
	case 4: return v.w;
	default: return v.q;
	}
}

/*
 * Target variables ($var->member...): reads of SIZE (1, 2, 4, 8) bytes
 * at ADDR, sign- or zero-extended; a fault sets the error SystemTap
 * reports and yields 0.  In a user-space probe (its registers are the
 * user's) they read the probed process's memory.
 */
#define STP_TV_REGS	0	/* as the probe's registers: a user's, user memory */
#define STP_TV_KERNEL	1	/* kernel memory (@cast of a kernel type) */
#define STP_TV_USER	2	/* the current task's memory (@cast of a user type) */

static inline int _stp_tv_user(struct context *c, int space)
{
	if (space != STP_TV_REGS)
		return space == STP_TV_USER;
	return c->kregs && user_mode(c->kregs);
}

static inline long _stp_tv_copy(struct context *c, int space, void *dst,
				unsigned long addr, size_t n)
{
	return _stp_tv_user(c, space) ? _stp_uread(dst, addr, n) :
					_stp_kread(dst, addr, n);
}

static __maybe_unused int64_t _stp_tv_read(struct context *c, int space,
					   unsigned long addr, int size, int sign)
{
	union {
		u8 b;
		u16 h;
		u32 w;
		u64 q;
	} v;

	if (_stp_tv_copy(c, space, &v, addr, size)) {
		_stp_cerror(c, "read fault [man error::fault] at 0x%lx", addr);
		return 0;
	}
	switch (size) {
	case 1: return sign ? (int64_t)(s8)v.b : (int64_t)v.b;
	case 2: return sign ? (int64_t)(s16)v.h : (int64_t)v.h;
	case 4: return sign ? (int64_t)(s32)v.w : (int64_t)v.w;
	default: return (int64_t)v.q;
	}
}

/* A bitfield of SIZE bits starting BIT bits after ADDR. */
static __maybe_unused int64_t _stp_tv_bits(struct context *c, int space,
					   unsigned long addr, int bit, int size,
					   int sign)
{
	u8 b[9] = { 0 };
	u64 v = 0;
	int n = (bit + size + 7) / 8, i;

	if (n > 8)
		n = 8;
	if (_stp_tv_copy(c, space, b, addr, n)) {
		_stp_cerror(c, "read fault [man error::fault] at 0x%lx", addr);
		return 0;
	}
	for (i = n - 1; i >= 0; i--)
		v = (v << 8) | b[i];
	v >>= bit;
	if (size < 64)
		v &= (1ULL << size) - 1;
	if (sign && size < 64 && (v >> (size - 1)) & 1)
		v |= ~0ULL << size;
	return (int64_t)v;
}

/* A char of a pretty-printed target, as 4.8 shows it: 'a', '\000' */
static __maybe_unused int _stp_tv_char(char *buf, size_t room, int64_t v)
{
	unsigned char ch = (unsigned char)v;

	if (ch == '\'' || ch == '\\')
		return scnprintf(buf, room, "'\\%c'", ch);
	if (ch >= 32 && ch < 127)
		return scnprintf(buf, room, "'%c'", ch);
	return scnprintf(buf, room, "'\\%03o'", ch);
}

/* A char array (MAX bytes, 0: unknown) or a char * target as a string. */
static __maybe_unused void _stp_tv_string(struct context *c, int space,
					  char *dst, unsigned long addr, long max)
{
	long n = MAXSTRINGLEN - 1, rc;

	if (max > 0 && max < n)
		n = max;
	rc = _stp_strncpy_nofault(dst, addr, n, _stp_tv_user(c, space));
	if (rc < 0) {
		dst[0] = '\0';
		_stp_cerror(c, "%s string copy fault at 0x%lx [man error::fault]",
			    _stp_tv_user(c, space) ? "user" : "kernel", addr);
		return;
	}
	dst[rc < n ? rc : n] = '\0';
}

/* Guru-mode writes to target variables. */
static __maybe_unused void _stp_tv_write(struct context *c, int space,
					 unsigned long addr, int size, int64_t val)
{
	union {
		u8 b;
		u16 h;
		u32 w;
		u64 q;
	} v;

	switch (size) {
	case 1: v.b = val; break;
	case 2: v.h = val; break;
	case 4: v.w = val; break;
	default: v.q = val; break;
	}
	if (_stp_tv_user(c, space) ?
	    copy_to_user_nofault((void __user *)addr, &v, size) :
	    _stp_kwrite(addr, &v, size))
		_stp_cerror(c, "%s write fault at 0x%016lx (addr)",
			    _stp_tv_user(c, space) ? "user" : "kernel", addr);
}

#endif /* _STP_UACCESS_H_ */
