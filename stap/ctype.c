/*
 * ctype.c - the C types of the probed kernel, one model for BTF (btf.c)
 * and DWARF (tvar.c): what $variables, @cast and @var walk through.
 * Types are made lazily: a struct's members, a prototype's parameters
 * and the target of a pointer are read from the source on first use.
 */
#include <stdlib.h>
#include <string.h>

#include "stap.h"

void btf_complete(CType *t);
void dwt_complete(CType *t);

CType *ct_new(CTKind kind, const char *name)
{
	CType *t = arena_alloc(sizeof(*t));
	t->kind = kind;
	t->name = name;
	t->nelem = -1;
	t->complete = true;
	return t;
}

void ct_complete(CType *t)
{
	if (!t || t->complete)
		return;
	t->complete = true;
	if (t->src == 'B')
		btf_complete(t);
	else if (t->src == 'D')
		dwt_complete(t);
}

CType *ct_strip(CType *t)
{
	for (int i = 0; t && i < 64; i++) {
		ct_complete(t);
		if (t->kind != CT_TYPEDEF && t->kind != CT_CONST &&
		    t->kind != CT_VOLATILE)
			return t;
		t = t->ref;
	}
	return t;
}

uint64_t ct_sizeof(CType *t)
{
	t = ct_strip(t);
	if (!t)
		return 0;
	switch (t->kind) {
	case CT_PTR:
		return 8;
	case CT_ARRAY:
		return t->nelem > 0 ? t->nelem * ct_sizeof(t->ref) : 0;
	default:
		return t->size;
	}
}

bool ct_is_scalar(CType *t)
{
	t = ct_strip(t);
	return t && (t->kind == CT_INT || t->kind == CT_ENUM || t->kind == CT_PTR);
}

/* C declarator syntax, as gdb/SystemTap print: "char *", "int [16]". */
static void name_rec(CType *t, StrBuf *out, int depth)
{
	if (!t) {
		sb_puts(out, "void");
		return;
	}
	if (depth > 16) {
		sb_puts(out, "...");
		return;
	}
	ct_complete(t);
	switch (t->kind) {
	case CT_VOID:
		sb_puts(out, "void");
		return;
	case CT_INT: case CT_FLOAT: case CT_TYPEDEF:
		sb_puts(out, t->name ? t->name : "?");
		return;
	case CT_STRUCT: case CT_UNION: case CT_ENUM: case CT_FWD:
		sb_puts(out, t->kind == CT_STRUCT ? "struct " :
			     t->kind == CT_UNION ? "union " :
			     t->kind == CT_ENUM ? "enum " : "struct ");
		sb_puts(out, t->name ? t->name : "{...}");
		return;
	case CT_CONST: case CT_VOLATILE:
		sb_puts(out, t->kind == CT_CONST ? "const " : "volatile ");
		name_rec(t->ref, out, depth + 1);
		return;
	case CT_PTR:
		if (t->ref && ct_strip(t->ref) && ct_strip(t->ref)->kind == CT_FUNC) {
			name_rec(ct_strip(t->ref)->ref, out, depth + 1);
			sb_puts(out, " (*)()");
			return;
		}
		name_rec(t->ref, out, depth + 1);
		sb_puts(out, " *");
		return;
	case CT_ARRAY:
		name_rec(t->ref, out, depth + 1);
		if (t->nelem >= 0)
			sb_printf(out, " [%lld]", (long long)t->nelem);
		else
			sb_puts(out, " []");
		return;
	case CT_FUNC:
		name_rec(t->ref, out, depth + 1);
		sb_puts(out, " ()");
		return;
	}
}

void ct_name(CType *t, StrBuf *out)
{
	name_rec(t, out, 0);
}

char *ct_name_str(CType *t)
{
	StrBuf sb = {0};
	ct_name(t, &sb);
	char *r = arena_strdup(sb.buf ? sb.buf : "");
	sb_release(&sb);
	return r;
}

/* The names SystemTap's -L prints from DWARF: qualifiers after what
 * they qualify ("char const*", "u8 const"), "int (*) (unsigned int)". */
static void listing_rec(CType *t, StrBuf *out, int depth)
{
	if (!t || depth > 16) {
		name_rec(t, out, depth);
		return;
	}
	ct_complete(t);
	switch (t->kind) {
	case CT_CONST: case CT_VOLATILE:
		listing_rec(t->ref, out, depth + 1);
		sb_puts(out, t->kind == CT_CONST ? " const" : " volatile");
		return;
	case CT_PTR: {
		CType *f = ct_strip(t->ref);
		if (f && f->kind == CT_FUNC) {
			listing_rec(f->ref, out, depth + 1);
			sb_puts(out, " (*) (");
			for (int i = 0; i < f->nparams; i++) {
				if (i)
					sb_puts(out, ", ");
				listing_rec(f->params[i].type, out, depth + 1);
			}
			sb_puts(out, ")");
			return;
		}
		listing_rec(t->ref, out, depth + 1);
		sb_puts(out, "*");
		return;
	}
	default:
		name_rec(t, out, depth);
	}
}

char *ct_listing_name(CType *t)
{
	StrBuf sb = {0};
	listing_rec(t, &sb, 0);
	char *r = arena_strdup(sb.buf ? sb.buf : "");
	sb_release(&sb);
	return r;
}

static bool find_rec(CType *t, const char *name, uint64_t base, CMember *out,
		     int depth)
{
	t = ct_strip(t);
	if (!t || (t->kind != CT_STRUCT && t->kind != CT_UNION) || depth > 16)
		return false;
	for (int i = 0; i < t->nmembers; i++) {
		CMember *m = &t->members[i];
		if (m->name && !strcmp(m->name, name)) {
			*out = *m;
			out->bit_offset += base;
			return true;
		}
	}
	for (int i = 0; i < t->nmembers; i++) {
		CMember *m = &t->members[i];
		if (!m->name && find_rec(m->type, name, base + m->bit_offset, out,
					 depth + 1))
			return true;
	}
	return false;
}

bool ct_find_member(CType *t, const char *name, CMember *out)
{
	return find_rec(t, name, 0, out, 0);
}

static void names_rec(CType *t, Vec *out, int depth)
{
	t = ct_strip(t);
	if (!t || (t->kind != CT_STRUCT && t->kind != CT_UNION) || depth > 16)
		return;
	for (int i = 0; i < t->nmembers; i++) {
		if (t->members[i].name)
			vec_push(out, (void *)t->members[i].name);
		else
			names_rec(t->members[i].type, out, depth + 1);
	}
}

void ct_member_names(CType *t, Vec *out)
{
	names_rec(t, out, 0);
}

typedef struct Alt {
	const char *name;
	int dist;
} Alt;

static int cmp_alt(const void *a, const void *b)
{
	const Alt *x = a, *y = b;
	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return strcmp(x->name, y->name);
}

char *ct_alternatives(Vec *names, const char *want, const char *prefix)
{
	if (!names->len)
		return NULL;
	Alt *alts = arena_alloc(names->len * sizeof(*alts));
	int n = 0;
	for (int i = 0; i < names->len; i++) {
		const char *nm = vec_get(names, i);
		bool dup = false;
		for (int j = 0; j < n && !dup; j++)
			dup = !strcmp(alts[j].name, nm);
		if (dup)
			continue;
		alts[n].name = nm;
		alts[n].dist = edit_distance(want, nm);
		n++;
	}
	qsort(alts, n, sizeof(*alts), cmp_alt);
	StrBuf sb = {0};
	for (int i = 0; i < n; i++)
		sb_printf(&sb, "%s%s%s", i ? ", " : "", prefix, alts[i].name);
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	return r;
}

/* ------------------------------------------------------------------ */
/* DWARF types */

#include <dwarf.h>
#include <elfutils/libdw.h>

typedef struct DwMemo {
	Dwarf *dw;
	uint64_t off;
	CType *t;
} DwMemo;
static DwMemo *dw_memo;
static size_t dw_memo_cap, dw_memo_len;

static CType **memo_slot(Dwarf *dw, uint64_t off)
{
	if (dw_memo_len * 2 >= dw_memo_cap) {
		size_t ncap = dw_memo_cap ? dw_memo_cap * 2 : 1024;
		DwMemo *n = calloc(ncap, sizeof(*n));
		if (!n)
			fatal("out of memory");
		for (size_t i = 0; i < dw_memo_cap; i++) {
			if (!dw_memo[i].t)
				continue;
			size_t h = (dw_memo[i].off * 0x9e3779b97f4a7c15ULL) & (ncap - 1);
			while (n[h].t)
				h = (h + 1) & (ncap - 1);
			n[h] = dw_memo[i];
		}
		free(dw_memo);
		dw_memo = n;
		dw_memo_cap = ncap;
	}
	size_t h = (off * 0x9e3779b97f4a7c15ULL) & (dw_memo_cap - 1);
	while (dw_memo[h].t && (dw_memo[h].off != off || dw_memo[h].dw != dw))
		h = (h + 1) & (dw_memo_cap - 1);
	if (!dw_memo[h].t) {
		dw_memo[h].dw = dw;
		dw_memo[h].off = off;
		dw_memo_len++;
	}
	return &dw_memo[h].t;
}

static uint64_t die_udata(Dwarf_Die *die, int at, uint64_t dflt)
{
	Dwarf_Attribute a;
	Dwarf_Word w;
	if (!dwarf_attr_integrate(die, at, &a) || dwarf_formudata(&a, &w) != 0)
		return dflt;
	return w;
}

CType *dwt_from_die(Dwarf *dw, Dwarf_Die *die);

static CType *die_type_ref(Dwarf *dw, Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	if (!dwarf_attr_integrate(die, DW_AT_type, &a) || !dwarf_formref_die(&a, &t))
		return ct_new(CT_VOID, "void");
	return dwt_from_die(dw, &t);
}

CType *dwt_from_die(Dwarf *dw, Dwarf_Die *die)
{
	uint64_t off = dwarf_dieoffset(die);
	CType **slot = memo_slot(dw_canonical(dw), off);
	if (*slot)
		return *slot;
	const char *name = dwarf_diename(die);
	CType *c;
	switch (dwarf_tag(die)) {
	case DW_TAG_base_type: {
		int enc = die_udata(die, DW_AT_encoding, 0);
		c = ct_new(enc == DW_ATE_float ? CT_FLOAT : CT_INT, name);
		c->size = die_udata(die, DW_AT_byte_size, 0);
		c->is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
		c->is_char = enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char;
		c->is_bool = enc == DW_ATE_boolean;
		break;
	}
	case DW_TAG_pointer_type: case DW_TAG_reference_type:
		c = ct_new(CT_PTR, NULL);
		break;
	case DW_TAG_array_type: c = ct_new(CT_ARRAY, NULL); break;
	case DW_TAG_structure_type: c = ct_new(CT_STRUCT, name); break;
	case DW_TAG_union_type: c = ct_new(CT_UNION, name); break;
	case DW_TAG_enumeration_type: c = ct_new(CT_ENUM, name); break;
	case DW_TAG_typedef: c = ct_new(CT_TYPEDEF, name); break;
	case DW_TAG_const_type: c = ct_new(CT_CONST, NULL); break;
	case DW_TAG_volatile_type: c = ct_new(CT_VOLATILE, NULL); break;
	case DW_TAG_subroutine_type: c = ct_new(CT_FUNC, NULL); break;
	case DW_TAG_restrict_type: case DW_TAG_atomic_type:
		*slot = ct_new(CT_VOID, "void");
		return *slot = die_type_ref(dw, die);
	default:
		c = ct_new(CT_VOID, "void");
		break;
	}
	if (c->kind == CT_STRUCT || c->kind == CT_UNION || c->kind == CT_ENUM) {
		c->size = die_udata(die, DW_AT_byte_size, 0);
		if (dwarf_hasattr(die, DW_AT_declaration))
			c->kind = c->kind == CT_UNION ? CT_UNION : CT_FWD;
		const char *file = dwarf_decl_file(die);
		int line = 0;
		if (file && dwarf_decl_line(die, &line) == 0) {
			c->decl_file = file;
			c->decl_line = line;
		}
	}
	c->src = 'D';
	c->id = off;
	c->owner = dw;
	c->complete = false;
	*slot = c;
	return c;
}

void dwt_complete(CType *c)
{
	Dwarf *dw = c->owner;
	Dwarf_Die die, child;
	if (!dwarf_offdie(dw, c->id, &die))
		return;
	switch (c->kind) {
	case CT_PTR: case CT_TYPEDEF: case CT_CONST: case CT_VOLATILE:
		c->ref = die_type_ref(dw, &die);
		break;
	case CT_ARRAY:
		c->ref = die_type_ref(dw, &die);
		if (dwarf_child(&die, &child) == 0 &&
		    dwarf_tag(&child) == DW_TAG_subrange_type) {
			if (dwarf_hasattr(&child, DW_AT_count))
				c->nelem = die_udata(&child, DW_AT_count, 0);
			else if (dwarf_hasattr(&child, DW_AT_upper_bound))
				c->nelem = (int64_t)die_udata(&child, DW_AT_upper_bound, 0) + 1;
			/* more dimensions: an array of arrays */
			Dwarf_Die sub = child;
			int64_t dims[8];
			int nd = 0;
			while (dwarf_siblingof(&sub, &sub) == 0 && nd < 8)
				if (dwarf_tag(&sub) == DW_TAG_subrange_type)
					dims[nd++] = dwarf_hasattr(&sub, DW_AT_count) ?
						(int64_t)die_udata(&sub, DW_AT_count, 0) :
						(int64_t)die_udata(&sub, DW_AT_upper_bound, 0) + 1;
			for (int i = nd - 1; i >= 0; i--) {
				CType *a = ct_new(CT_ARRAY, NULL);
				a->ref = c->ref;
				a->nelem = dims[i];
				c->ref = a;
			}
		}
		break;
	case CT_STRUCT: case CT_UNION: {
		Vec ms = {0};
		if (dwarf_child(&die, &child) == 0) {
			do {
				if (dwarf_tag(&child) != DW_TAG_member)
					continue;
				CMember *m = arena_alloc(sizeof(*m));
				m->name = dwarf_diename(&child);
				m->type = die_type_ref(dw, &child);
				if (dwarf_hasattr(&child, DW_AT_data_bit_offset)) {
					m->bit_offset = die_udata(&child, DW_AT_data_bit_offset, 0);
				} else {
					m->bit_offset = die_udata(&child, DW_AT_data_member_location, 0) * 8;
					if (dwarf_hasattr(&child, DW_AT_bit_offset)) {
						/* DWARF 2/3 big-endian style numbering */
						uint64_t bs = die_udata(&child, DW_AT_byte_size,
									ct_sizeof(m->type));
						uint64_t bo = die_udata(&child, DW_AT_bit_offset, 0);
						uint64_t bz = die_udata(&child, DW_AT_bit_size, 0);
						m->bit_offset += bs * 8 - bo - bz;
					}
				}
				m->bit_size = die_udata(&child, DW_AT_bit_size, 0);
				vec_push(&ms, m);
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		c->members = arena_alloc(sizeof(CMember) * (ms.len + 1));
		for (int i = 0; i < ms.len; i++)
			c->members[i] = *(CMember *)vec_get(&ms, i);
		c->nmembers = ms.len;
		break;
	}
	case CT_ENUM: {
		Vec ns = {0}, vs = {0};
		if (dwarf_child(&die, &child) == 0) {
			do {
				if (dwarf_tag(&child) != DW_TAG_enumerator)
					continue;
				Dwarf_Attribute a;
				Dwarf_Sword sv = 0;
				if (dwarf_attr(&child, DW_AT_const_value, &a))
					dwarf_formsdata(&a, &sv);
				int64_t *v = arena_alloc(sizeof(*v));
				*v = sv;
				vec_push(&ns, (void *)dwarf_diename(&child));
				vec_push(&vs, v);
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		c->nenums = ns.len;
		c->enum_names = arena_alloc(sizeof(char *) * (ns.len + 1));
		c->enum_vals = arena_alloc(sizeof(int64_t) * (ns.len + 1));
		for (int i = 0; i < ns.len; i++) {
			c->enum_names[i] = vec_get(&ns, i);
			c->enum_vals[i] = *(int64_t *)vec_get(&vs, i);
		}
		Dwarf_Attribute a;
		Dwarf_Die ut;
		if (dwarf_attr_integrate(&die, DW_AT_type, &a) && dwarf_formref_die(&a, &ut))
			c->is_signed = ct_strip(dwt_from_die(dw, &ut))->is_signed;
		break;
	}
	case CT_FUNC:
		c->ref = dwarf_hasattr(&die, DW_AT_type) ? die_type_ref(dw, &die) : NULL;
		break;
	default:
		break;
	}
}

void ctype_reset(void)
{
	free(dw_memo);
	dw_memo = NULL;
	dw_memo_cap = dw_memo_len = 0;
}
