/*
 * btf.c - read the kernel's BTF (Documentation/bpf/btf.rst).
 *
 * For now: the names of the functions it describes, which is what the
 * name-based kprobes of kernel.function("PATTERN") need when there is no
 * System.map or DWARF.  The types themselves serve $variables later.
 */
#include <string.h>

#include "stap.h"

#define BTF_MAGIC 0xeB9F

enum {
	BTF_KIND_INT = 1, BTF_KIND_PTR, BTF_KIND_ARRAY, BTF_KIND_STRUCT,
	BTF_KIND_UNION, BTF_KIND_ENUM, BTF_KIND_FWD, BTF_KIND_TYPEDEF,
	BTF_KIND_VOLATILE, BTF_KIND_CONST, BTF_KIND_RESTRICT, BTF_KIND_FUNC,
	BTF_KIND_FUNC_PROTO, BTF_KIND_VAR, BTF_KIND_DATASEC, BTF_KIND_FLOAT,
	BTF_KIND_DECL_TAG, BTF_KIND_TYPE_TAG, BTF_KIND_ENUM64,
};

struct btf_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t type_off;
	uint32_t type_len;
	uint32_t str_off;
	uint32_t str_len;
};

struct btf_type {
	uint32_t name_off;
	uint32_t info;
	uint32_t size_or_type;
};

/* Bytes that follow a type's common part, by kind; -1 if unknown. */
static long trailer_size(int kind, int vlen)
{
	switch (kind) {
	case BTF_KIND_INT: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12L * vlen;
	case BTF_KIND_ENUM: case BTF_KIND_FUNC_PROTO:
		return 8L * vlen;
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG:
		return 0;
	}
	return -1;
}

int btf_func_names(const void *data, size_t len,
		   void (*fn)(const char *name, void *arg), void *arg)
{
	const struct btf_header *h = data;
	if (len < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len > len)
		return -1;
	const char *base = (const char *)data + h->hdr_len;
	size_t avail = len - h->hdr_len;
	if ((size_t)h->type_off + h->type_len > avail ||
	    (size_t)h->str_off + h->str_len > avail)
		return -1;
	const char *types = base + h->type_off, *end = types + h->type_len;
	const char *strs = base + h->str_off;
	int n = 0;
	for (const char *p = types; p + sizeof(struct btf_type) <= end;) {
		struct btf_type t;
		memcpy(&t, p, sizeof(t));
		int kind = (t.info >> 24) & 0x1f, vlen = t.info & 0xffff;
		long extra = trailer_size(kind, vlen);
		if (extra < 0)
			return -1;
		if (kind == BTF_KIND_FUNC && t.name_off < h->str_len &&
		    memchr(strs + t.name_off, '\0', h->str_len - t.name_off)) {
			fn(strs + t.name_off, arg);
			n++;
		}
		p += sizeof(t) + extra;
	}
	return n;
}
