/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The embedded-C surface, as SystemTap documents it for %{ %} code in
 * functions and (guru mode) probes: CONTEXT, STAP_ERROR, STAP_PRINTF,
 * the fault-checked memory accessors kread/kwrite/kderef/store_kderef
 * and their user-space twins, CATCH_DEREF_FAULT and _stp_dbug.
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

/* *PTR of kernel (k) or user (u) memory, PTR's own type. */
#define __stp_read(rd, ptr) ({						\
		typeof(*(ptr)) __stp_v;					\
		if (rd(&__stp_v, (unsigned long)(ptr), sizeof(__stp_v))) {	\
			memset(&__stp_v, 0, sizeof(__stp_v));		\
			__stp_deref_fault("read", ptr);			\
		}							\
		__stp_v;						\
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

/* A debugging line in the script's output: "FUNC:LINE: message". */
#define _stp_dbug(func, line, fmt, ...) \
	(_stp_printf("%s:%d: ", func, line), _stp_printf(fmt, ##__VA_ARGS__))

#endif /* _STP_EMBED_H_ */
