/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source lines of addresses (symline(), usymline(), ..._fileline();
 * stap/lines.c makes the tables, doc/lines.md).
 *
 * A table is a blob the module carries: a header, an index of blocks
 * (the address and offset of the first of every STP_LINES_BLOCK rows),
 * the file names, then the rows, delta-encoded from the start of their
 * block.  A lookup searches the index, then decodes at most one block:
 * the line of an address is that of the last row at or below it; a row
 * of file 0 ends a sequence (no line from there to the next row).
 */
#ifndef _STP_LINES_H_
#define _STP_LINES_H_

#define STP_LINES_MAGIC 0x314c5453	/* "STL1" */
#define STP_LINES_BLOCK 32		/* rows per block */

struct stp_lines_hdr {
	u32 magic, nblocks, nfiles;
	u32 blocks_off, files_off, rows_off, size;
	u32 pad;
	u64 base;		/* the link-time address rows count from */
};

struct stp_lines_block {
	u32 addr, off;
};

/* The kernel's table, and where its anchor symbol is: now, and at link
 * time (their difference is the kernel's load offset). */
struct stp_klines {
	const u8 *blob;
	unsigned long anchor, anchor_link;
};

static u64 _stp_lines_uleb(const u8 **p, const u8 *end)
{
	u64 v = 0;
	int shift = 0;

	while (*p < end && shift < 64) {
		u8 c = *(*p)++;

		v |= (u64)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
		shift += 7;
	}
	return v;
}

/* The file and line of link-time address ADDR in table BLOB: 1, or 0
 * when it has none. */
static int _stp_lines_find(const u8 *blob, unsigned long addr,
			   const char **file, unsigned int *line)
{
	const struct stp_lines_hdr *h = (const void *)blob;
	const struct stp_lines_block *b;
	const u8 *p, *end;
	u64 rel, a, f = 0, fl = 0;
	s64 l = 0, ll = 0;
	int lo, hi, mid, n;

	if (!blob || h->magic != STP_LINES_MAGIC || !h->nblocks ||
	    addr < h->base || addr - h->base > U32_MAX)
		return 0;
	rel = addr - h->base;
	b = (const void *)(blob + h->blocks_off);
	lo = 0;
	hi = h->nblocks - 1;
	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (b[mid].addr <= rel)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	if (hi < 0)
		return 0;
	p = blob + h->rows_off + b[hi].off;
	end = hi + 1 < h->nblocks ? blob + h->rows_off + b[hi + 1].off :
				    blob + h->size;
	a = b[hi].addr;
	for (n = 0; p < end && n < STP_LINES_BLOCK; n++) {
		u64 d = _stp_lines_uleb(&p, end);
		u64 v = _stp_lines_uleb(&p, end);
		u64 zz = v >> 1;

		if (a + d > rel)
			break;
		a += d;
		l += (zz & 1) ? -(s64)((zz + 1) >> 1) : (s64)(zz >> 1);
		if (v & 1)
			f = _stp_lines_uleb(&p, end);
		fl = f;
		ll = l;
	}
	if (!fl || fl >= h->nfiles)
		return 0;
	*file = (const char *)blob + ((const u32 *)(blob + h->files_off))[fl];
	*line = (unsigned int)ll;
	return 1;
}

/* What of a source line to show */
enum {
	STP_LINES_FILE = 1,
	STP_LINES_LINE = 2,
	STP_LINES_FILELINE = 3,
	STP_LINES_AT = 4,	/* " at FILE:LINE", for backtraces */
};

/* FILE, LINE, FILE:LINE or " at FILE:LINE" of link-time address LINK in
 * BLOB into OUT (N bytes); when BLOB has no line there, ADDR in
 * hexadecimal ("" for STP_LINES_AT). */
static __maybe_unused void _stp_lines_text(char *out, size_t n,
					   const u8 *blob, unsigned long link,
					   unsigned long addr, int what)
{
	const char *file;
	unsigned int line;

	if (!_stp_lines_find(blob, link, &file, &line)) {
		if (what == STP_LINES_AT)
			out[0] = '\0';
		else
			scnprintf(out, n, "0x%lx", addr);
		return;
	}
	switch (what) {
	case STP_LINES_FILE:
		strscpy(out, file, n);
		break;
	case STP_LINES_LINE:
		scnprintf(out, n, "%u", line);
		break;
	case STP_LINES_AT:
		scnprintf(out, n, " at %s:%u", file, line);
		break;
	default:
		scnprintf(out, n, "%s:%u", file, line);
	}
}

/* The kernel table's link-time address for ADDR */
static __maybe_unused unsigned long _stp_klines_link(const struct stp_klines *k,
						     unsigned long addr)
{
	return addr - (k->anchor - k->anchor_link);
}

/* _stp_lines_text() of kernel address ADDR; the generated code defines
 * _stp_klines when a function says pragma:klines */
#define _stp_klines_text(out, n, addr, what)				\
	_stp_lines_text(out, n, _stp_klines.blob,			\
			_stp_klines_link(&_stp_klines, addr), addr, what)

#endif /* _STP_LINES_H_ */
