/*
 * btf.c - read the kernel's BTF (Documentation/bpf/btf.rst).
 *
 * For now: the names of the functions it describes, which is what the
 * name-based kprobes of kernel.function("PATTERN") need when there is no
 * System.map or DWARF.  The types themselves serve $variables later.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

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

/* ------------------------------------------------------------------ */
/* The kernel's BTF as CTypes (ctype.c) */

/*
 * A BTF: the kernel's, or a module's "split" BTF on top of it, whose
 * type ids continue the kernel's (the first is the kernel's count) and
 * whose string offsets continue the kernel's strings.  CTypes made from
 * a module's BTF point to it (->owner); the kernel's have a NULL owner.
 */
struct Btf {
	const char *strs;
	uint32_t str_len;
	uint32_t str_base;      /* offset of strs[0]: the base's str_len */
	const char **types;     /* by id - id_base; [0] of the kernel: void */
	uint32_t ntypes;
	uint32_t id_base;       /* the base's type count; 0 for the kernel */
	CType **memo;
	struct Btf *base;
};

static Btf kbtf;                /* the kernel's */
static const char *btf_from;
static bool btf_tried;

static bool btf_index(Btf *b, const char *data, size_t len, Btf *base)
{
	const struct btf_header *h = (const void *)data;
	if (len < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len > len)
		return false;
	const char *base_p = data + h->hdr_len;
	size_t avail = len - h->hdr_len;
	if ((size_t)h->type_off + h->type_len > avail ||
	    (size_t)h->str_off + h->str_len > avail)
		return false;
	const char *types = base_p + h->type_off, *end = types + h->type_len;
	Vec v = {0};
	if (!base)
		vec_push(&v, NULL);
	for (const char *p = types; p + sizeof(struct btf_type) <= end;) {
		struct btf_type t;
		memcpy(&t, p, sizeof(t));
		long extra = trailer_size((t.info >> 24) & 0x1f, t.info & 0xffff);
		if (extra < 0 || p + sizeof(t) + extra > end)
			return false;
		vec_push(&v, (void *)p);
		p += sizeof(t) + extra;
	}
	b->base = base;
	b->strs = base_p + h->str_off;
	b->str_len = h->str_len;
	b->str_base = base ? base->str_base + base->str_len : 0;
	b->types = (const char **)v.data;
	b->ntypes = v.len;
	b->id_base = base ? base->id_base + base->ntypes : 0;
	b->memo = arena_alloc(sizeof(*b->memo) * (v.len ? v.len : 1));
	return true;
}

static const char *btf_str(Btf *b, uint32_t off)
{
	if (off < b->str_base)
		return b->base ? btf_str(b->base, off) : NULL;
	off -= b->str_base;
	if ((off == 0 && !b->base) || off >= b->str_len ||
	    !memchr(b->strs + off, '\0', b->str_len - off))
		return NULL;
	return b->strs + off;
}

static struct btf_type btf_get(Btf *b, uint32_t id, const uint32_t **trailer)
{
	struct btf_type t = {0};
	if (id < b->id_base)
		return b->base ? btf_get(b->base, id, trailer) : t;
	if (id == 0 || id - b->id_base >= b->ntypes)
		return t;
	memcpy(&t, b->types[id - b->id_base], sizeof(t));
	if (trailer)
		*trailer = (const uint32_t *)(b->types[id - b->id_base] + sizeof(t));
	return t;
}

static uint32_t rd32(const uint32_t *p, int i)
{
	uint32_t v;
	memcpy(&v, p + i, 4);
	return v;
}

static CType *btf_type_of(Btf *b, uint32_t id)
{
	if (id < b->id_base && b->base)
		return btf_type_of(b->base, id);
	if (id == 0 || id - b->id_base >= b->ntypes)
		return ct_new(CT_VOID, "void");
	CType **memo = &b->memo[id - b->id_base];
	if (*memo)
		return *memo;
	const uint32_t *tr;
	struct btf_type t = btf_get(b, id, &tr);
	int kind = (t.info >> 24) & 0x1f;
	bool kflag = t.info >> 31;
	const char *name = btf_str(b, t.name_off);
	CType *c;
	switch (kind) {
	case BTF_KIND_INT: {
		uint32_t enc = rd32(tr, 0);
		c = ct_new(CT_INT, name);
		c->size = t.size_or_type;
		c->is_signed = (enc >> 24) & 1;
		c->is_char = ((enc >> 24) & 2) || (c->size == 1 && name && strstr(name, "char"));
		c->is_bool = (enc >> 24) & 4;
		break;
	}
	case BTF_KIND_FLOAT:
		c = ct_new(CT_FLOAT, name);
		c->size = t.size_or_type;
		break;
	case BTF_KIND_PTR: c = ct_new(CT_PTR, NULL); break;
	case BTF_KIND_ARRAY: c = ct_new(CT_ARRAY, NULL); break;
	case BTF_KIND_STRUCT: c = ct_new(CT_STRUCT, name); c->size = t.size_or_type; break;
	case BTF_KIND_UNION: c = ct_new(CT_UNION, name); c->size = t.size_or_type; break;
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		c = ct_new(CT_ENUM, name);
		c->size = t.size_or_type;
		c->is_signed = kflag;
		break;
	case BTF_KIND_FWD: c = ct_new(kflag ? CT_UNION : CT_FWD, name); break;
	case BTF_KIND_TYPEDEF: c = ct_new(CT_TYPEDEF, name); break;
	case BTF_KIND_VOLATILE: c = ct_new(CT_VOLATILE, NULL); break;
	case BTF_KIND_CONST: c = ct_new(CT_CONST, NULL); break;
	case BTF_KIND_FUNC_PROTO: c = ct_new(CT_FUNC, NULL); break;
	case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
		/* transparent */
		*memo = ct_new(CT_VOID, "void");
		return *memo = btf_type_of(b, t.size_or_type);
	default:
		c = ct_new(CT_VOID, "void");
		break;
	}
	c->src = 'B';
	c->id = id;
	c->owner = b == &kbtf ? NULL : b;
	c->complete = false;
	*memo = c;
	return c;
}

void btf_complete(CType *c)
{
	Btf *b = c->owner ? c->owner : &kbtf;
	const uint32_t *tr;
	struct btf_type t = btf_get(b, c->id, &tr);
	int kind = (t.info >> 24) & 0x1f, vlen = t.info & 0xffff;
	bool kflag = t.info >> 31;
	switch (kind) {
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
		c->ref = btf_type_of(b, t.size_or_type);
		break;
	case BTF_KIND_ARRAY:
		c->ref = btf_type_of(b, rd32(tr, 0));
		c->nelem = rd32(tr, 2);
		break;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		c->members = arena_alloc(sizeof(CMember) * (vlen ? vlen : 1));
		c->nmembers = vlen;
		for (int i = 0; i < vlen; i++) {
			uint32_t off = rd32(tr, 3 * i + 2);
			CMember *m = &c->members[i];
			m->name = btf_str(b, rd32(tr, 3 * i));
			m->type = btf_type_of(b, rd32(tr, 3 * i + 1));
			m->bit_offset = kflag ? (off & 0xffffff) : off;
			m->bit_size = kflag ? off >> 24 : 0;
			if (!kflag) {
				/* a bitfield described by its INT's encoding */
				CType *mt = ct_strip(m->type);
				if (mt && mt->kind == CT_INT && mt->src == 'B') {
					const uint32_t *itr;
					btf_get(b, mt->id, &itr);
					uint32_t bits = rd32(itr, 0) & 0xff;
					if (bits && bits != mt->size * 8)
						m->bit_size = bits;
				}
			}
		}
		break;
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64: {
		int step = kind == BTF_KIND_ENUM ? 2 : 3;
		c->nenums = vlen;
		c->enum_names = arena_alloc(sizeof(char *) * (vlen ? vlen : 1));
		c->enum_vals = arena_alloc(sizeof(int64_t) * (vlen ? vlen : 1));
		for (int i = 0; i < vlen; i++) {
			c->enum_names[i] = btf_str(b, rd32(tr, step * i));
			if (kind == BTF_KIND_ENUM)
				c->enum_vals[i] = kflag ? (int64_t)(int32_t)rd32(tr, 2 * i + 1) :
							  (int64_t)rd32(tr, 2 * i + 1);
			else
				c->enum_vals[i] = (int64_t)((uint64_t)rd32(tr, 3 * i + 2) << 32 |
							    rd32(tr, 3 * i + 1));
		}
		break;
	}
	case BTF_KIND_FUNC_PROTO:
		c->ref = t.size_or_type ? btf_type_of(b, t.size_or_type) : NULL;
		c->params = arena_alloc(sizeof(CParam) * (vlen ? vlen : 1));
		for (int i = 0; i < vlen; i++) {
			uint32_t ty = rd32(tr, 2 * i + 1);
			if (i == vlen - 1 && ty == 0) {
				c->varargs = true;
				break;
			}
			c->params[c->nparams].name = btf_str(b, rd32(tr, 2 * i));
			c->params[c->nparams].type = btf_type_of(b, ty);
			c->nparams++;
		}
		break;
	}
}

/* The BTF of the session's kernel: the running kernel's, or the one in
 * its vmlinuz image (cached as $SYSTEMTAP_DIR/cache/btf-REL-SIZE-MTIME). */
bool btf_kernel_load(void)
{
	if (btf_tried)
		return kbtf.types != NULL;
	btf_tried = true;
	struct utsname u;
	size_t len;
	if (uname(&u) == 0 && !strcmp(u.release, sess->kernel_release)) {
		char *d = read_file("/sys/kernel/btf/vmlinux", &len);
		if (d && btf_index(&kbtf, d, len, NULL)) {
			btf_from = "/sys/kernel/btf/vmlinux";
			return true;
		}
	}
	char *img = kimage_path();
	char *saved = img ? kimage_cache_name("btf", img) : NULL;
	if (!saved)
		return false;
	char *cached = read_file(saved, &len);
	if (cached && btf_index(&kbtf, cached, len, NULL)) {
		btf_from = img;
		return true;
	}
	if (verbose_for(2))
		fprintf(stderr, "Reading the kernel's BTF from \"%s\"\n", img);
	char *d = kimage_section(img, ".BTF", &len);
	if (!d || !btf_index(&kbtf, d, len, NULL))
		return false;
	btf_from = img;
	save_file(saved, d, len);
	return true;
}

const char *btf_kernel_source(void)
{
	return btf_from;
}

CType *btf_func_proto(const char *name)
{
	if (!btf_kernel_load())
		return NULL;
	for (uint32_t id = 1; id < kbtf.ntypes; id++) {
		struct btf_type t = btf_get(&kbtf, id, NULL);
		if (((t.info >> 24) & 0x1f) != BTF_KIND_FUNC)
			continue;
		const char *n = btf_str(&kbtf, t.name_off);
		if (n && !strcmp(n, name)) {
			CType *p = btf_type_of(&kbtf, t.size_or_type);
			ct_complete(p);
			return p->kind == CT_FUNC ? p : NULL;
		}
	}
	return NULL;
}

/* Every function of B whose name starts with PREFIX, with its prototype. */
static int foreach_func(Btf *b, const char *prefix,
			void (*fn)(const char *name, CType *proto, void *arg),
			void *arg)
{
	size_t plen = strlen(prefix);
	int n = 0;
	for (uint32_t i = b->base ? 0 : 1; i < b->ntypes; i++) {
		uint32_t id = b->id_base + i;
		struct btf_type t = btf_get(b, id, NULL);
		if (((t.info >> 24) & 0x1f) != BTF_KIND_FUNC)
			continue;
		const char *name = btf_str(b, t.name_off);
		if (!name || strncmp(name, prefix, plen))
			continue;
		CType *p = btf_type_of(b, t.size_or_type);
		ct_complete(p);
		if (p->kind != CT_FUNC)
			continue;
		fn(name, p, arg);
		n++;
	}
	return n;
}

int btf_foreach_func(const char *prefix,
		     void (*fn)(const char *name, CType *proto, void *arg),
		     void *arg)
{
	if (!btf_kernel_load())
		return -1;
	return foreach_func(&kbtf, prefix, fn, arg);
}

/* A module's split BTF (its .BTF section, DATA of LEN bytes, kept),
 * on top of the kernel's; NULL if either is missing or malformed. */
Btf *btf_module(const char *data, size_t len)
{
	if (!btf_kernel_load())
		return NULL;
	Btf *b = arena_alloc(sizeof(*b));
	return btf_index(b, data, len, &kbtf) ? b : NULL;
}

int btf_module_foreach_func(Btf *b, const char *prefix,
			    void (*fn)(const char *name, CType *proto, void *arg),
			    void *arg)
{
	return foreach_func(b, prefix, fn, arg);
}

CType *btf_find_type(const char *name)
{
	if (!btf_kernel_load())
		return NULL;
	int want = 0;
	if (!strncmp(name, "struct ", 7)) {
		want = BTF_KIND_STRUCT;
		name += 7;
	} else if (!strncmp(name, "union ", 6)) {
		want = BTF_KIND_UNION;
		name += 6;
	} else if (!strncmp(name, "enum ", 5)) {
		want = BTF_KIND_ENUM;
		name += 5;
	}
	while (*name == ' ')
		name++;
	uint32_t fallback = 0;
	for (uint32_t id = 1; id < kbtf.ntypes; id++) {
		struct btf_type t = btf_get(&kbtf, id, NULL);
		int kind = (t.info >> 24) & 0x1f;
		const char *n = btf_str(&kbtf, t.name_off);
		if (!n || strcmp(n, name))
			continue;
		if (want) {
			if (kind == want || (want == BTF_KIND_ENUM && kind == BTF_KIND_ENUM64))
				return btf_type_of(&kbtf, id);
			continue;
		}
		if (kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_INT ||
		    kind == BTF_KIND_FLOAT)
			return btf_type_of(&kbtf, id);
		if (!fallback && (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION ||
				  kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64))
			fallback = id;
	}
	return fallback ? btf_type_of(&kbtf, fallback) : NULL;
}

void btf_reset(void)
{
	kbtf = (Btf){0};
	btf_from = NULL;
	btf_tried = false;
}
