/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The embedded-C surface, as SystemTap documents it for %{ %} code in
 * functions and (guru mode) probes: CONTEXT, STAP_ERROR, STAP_PRINTF,
 * the fault-checked memory accessors kread/kwrite/kderef/store_kderef/
 * kderef_buffer/kderef_string and their user-space twins,
 * CATCH_DEREF_FAULT and _stp_dbug.
 * STAP_ARG_name, STAP_RETVALUE and STAP_RETURN are per function and
 * come from the translator.
 *
 * A faulting accessor records SystemTap's message ("read fault [man
 * error::fault] at 0x...") as the handler's error and jumps to the
 * deref_fault label, which CATCH_DEREF_FAULT() places: code using an
 * accessor must end with it (SystemTap's rule).  The error then ends
 * the handler or is caught by a script try block, as any other.
 */
#ifndef _STP_EMBED_H_
#define _STP_EMBED_H_

#include <linux/version.h>
#include <linux/fdtable.h>

/*
 * What embedded C written for SystemTap tests or calls about the kernel:
 * the STAPCONF_* conclusions of SystemTap's configure checks that hold
 * for every kernel this runtime builds for, and the kernel functions
 * newer kernels renamed, under their old names (pfiles.stp calls
 * fcheck_files, which 5.11 made files_lookup_fd_rcu).
 */
#define STAPCONF_DPATH_PATH 1		/* d_path(const struct path *) */
#define STAPCONF_LINUX_UIDGID_H 1	/* <linux/uidgid.h>, kuid_t */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0) && !defined(fcheck_files)
#define fcheck_files(files, fd) files_lookup_fd_rcu(files, fd)
#endif

#define CONTEXT c
#define STAP_ERROR(...) do { _stp_cerror(c, __VA_ARGS__); goto out; } while (0)
#define STAP_PRINTF(fmt, ...) _stp_printf(fmt, ##__VA_ARGS__)

#define CATCH_DEREF_FAULT() \
	if (0) { deref_fault: __attribute__((unused)); }

#define __stp_deref_fault(what, addr) do {				\
		_stp_cerror(c, what " fault [man error::fault] at 0x%lx",	\
			    (unsigned long)(addr));				\
		goto deref_fault;					\
	} while (0)

/* *PTR of kernel (k) or user (u) memory, PTR's own type (read into
 * bytes: *PTR may be const). */
#define __stp_read(rd, ptr) ({						\
		char __stp_b[sizeof(*(ptr))] __aligned(8);		\
		if (rd(__stp_b, (unsigned long)(ptr), sizeof(__stp_b))) {	\
			memset(__stp_b, 0, sizeof(__stp_b));		\
			__stp_deref_fault("read", ptr);			\
		}							\
		*(typeof(*(ptr)) *)__stp_b;				\
	})
#define kread(ptr) __stp_read(_stp_kread, ptr)
#define uread(ptr) __stp_read(_stp_uread, ptr)

static inline long _stp_uwrite(unsigned long addr, const void *src, size_t n)
{
	long rc;

	pagefault_disable();
	rc = __copy_to_user_inatomic((void __user *)addr, src, n);
	pagefault_enable();
	return rc ? -EFAULT : 0;
}

#define __stp_write(wr, ptr, value) do {				\
		typeof(*(ptr)) __stp_v = (value);			\
		if (wr((unsigned long)(ptr), &__stp_v, sizeof(__stp_v)))	\
			__stp_deref_fault("write", ptr);		\
	} while (0)
#define kwrite(ptr, value) __stp_write(_stp_kwrite, ptr, value)
#define uwrite(ptr, value) __stp_write(_stp_uwrite, ptr, value)

/* SIZE (1, 2, 4, 8) bytes at ADDR, zero-extended. */
#define __stp_deref(rd, size, addr) ({					\
		unsigned long __stp_a = (unsigned long)(addr);		\
		u64 __stp_r;						\
		switch (size) {						\
		case 1: __stp_r = __stp_read(rd, (u8 *)__stp_a); break;	\
		case 2: __stp_r = __stp_read(rd, (u16 *)__stp_a); break;	\
		case 4: __stp_r = __stp_read(rd, (u32 *)__stp_a); break;	\
		default: __stp_r = __stp_read(rd, (u64 *)__stp_a); break;	\
		}							\
		(int64_t)__stp_r;					\
	})
#define kderef(size, addr) __stp_deref(_stp_kread, size, addr)
#define uderef(size, addr) __stp_deref(_stp_uread, size, addr)
#define deref(size, addr) kderef(size, addr)

#define __stp_store(wr, size, addr, value) do {				\
		unsigned long __stp_a = (unsigned long)(addr);		\
		switch (size) {						\
		case 1: __stp_write(wr, (u8 *)__stp_a, value); break;	\
		case 2: __stp_write(wr, (u16 *)__stp_a, value); break;	\
		case 4: __stp_write(wr, (u32 *)__stp_a, value); break;	\
		default: __stp_write(wr, (u64 *)__stp_a, value); break;	\
		}							\
	} while (0)
#define store_kderef(size, addr, value) __stp_store(_stp_kwrite, size, addr, value)
#define store_uderef(size, addr, value) __stp_store(_stp_uwrite, size, addr, value)
#define store_deref(size, addr, value) store_kderef(size, addr, value)

/* NUMBYTES at ADDR copied to DST, or with DST NULL only checked to be
 * readable (pfiles.stp checks a structure before the kernel's own code
 * reads it); a fault jumps to deref_fault. */
static inline long _stp_read_buffer(long (*rd)(void *, unsigned long, size_t),
				    void *dst, unsigned long addr, size_t n)
{
	char chunk[64];
	size_t k;

	if (dst)
		return rd(dst, addr, n);
	for (; n; addr += k, n -= k) {
		k = min(n, sizeof(chunk));
		if (rd(chunk, addr, k))
			return -EFAULT;
	}
	return 0;
}
#define __stp_deref_buffer(rd, dst, addr, numbytes) do {		\
		if (_stp_read_buffer(rd, dst, (unsigned long)(addr), numbytes))	\
			__stp_deref_fault("read", addr);		\
	} while (0)
#define kderef_buffer(dst, addr, numbytes) \
	__stp_deref_buffer(_stp_kread, dst, addr, numbytes)
#define uderef_buffer(dst, addr, numbytes) \
	__stp_deref_buffer(_stp_uread, dst, addr, numbytes)

/* A NUL-terminated string of at most MAXBYTES - 1 bytes at ADDR into DST. */
#define __stp_deref_string(user, dst, addr, maxbytes) do {		\
		long __stp_n = (maxbytes) - 1;				\
		long __stp_rc = __stp_n < 0 ? -EFAULT :			\
			_stp_strncpy_nofault(dst, (unsigned long)(addr), __stp_n, user); \
		if (__stp_rc < 0)					\
			__stp_deref_fault("read", addr);		\
		(dst)[__stp_rc < __stp_n ? __stp_rc : __stp_n] = '\0';	\
	} while (0)
#define kderef_string(dst, addr, maxbytes) __stp_deref_string(0, dst, addr, maxbytes)
#define uderef_string(dst, addr, maxbytes) __stp_deref_string(1, dst, addr, maxbytes)

/* A debugging line in the script's output: "FUNC:LINE: message". */
#define _stp_dbug(func, line, fmt, ...) \
	(_stp_printf("%s:%d: ", func, line), _stp_printf(fmt, ##__VA_ARGS__))

#endif /* _STP_EMBED_H_ */
