/*
 * tvar.c - target variables (pass 2) and their code (pass 3).
 *
 * $name, $name->member[index]..., &$..., $name$/$name$$, $$vars/$$parms/
 * $$locals/$$return, $return, @entry(expr), @cast(p, "type"[, "module"]),
 * @defined(expr) and autocast (ptr->member on a script variable holding
 * a typed pointer).  Each resolved expression becomes a TVar: a base (a C
 * expression over the probed registers, a script expression, or a value
 * saved at function entry), steps (add an offset, load a pointer, index),
 * and a final access (load an integer of some size and signedness, a
 * bitfield, a string (in pretty printing), an address (arrays decay to
 * one, char arrays too, as in SystemTap), or a pretty-printed string).  Every memory read is fault-safe (runtime/stp_uaccess.h).
 *
 * Variables come from DWARF when the kernel's debuginfo is there, else
 * from BTF: function parameters at entry, in the x86-64 SysV argument
 * registers, and struct types by name.
 */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"


/* ------------------------------------------------------------------ */
/* probe context of the resolution */

typedef struct Res {
	DerivedProbe *dp;       /* NULL in a function */
	bool at_entry;          /* resolving for a kretprobe's entry code */
	bool quiet;             /* @defined: no messages */
	bool lvalue;            /* resolving what is assigned to */
	bool failed;
} Res;

/* kretprobe entry saves: per derived probe, the saved operands */
typedef struct EntrySaves {
	DerivedProbe *dp;
	Vec nodes;              /* Node*: evaluated at entry, slot = index */
} EntrySaves;
static Vec entry_saves;

/* autocast: the C types of script variables holding typed pointers */
typedef struct VarType {
	Var *var;
	CType *type;
	int space;              /* the memory it points into (SP_*) */
} VarType;
static Vec var_types;

static void res_error(Res *r, Token *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void res_error(Res *r, Token *tok, const char *fmt, ...)
{
	r->failed = true;
	if (r->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	char buf[4096];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	semantic_error(tok, "%s", buf);
}

static TVar *new_tv(void)
{
	TVar *tv = arena_alloc(sizeof(*tv));
	tv->slot = -1;
	return tv;
}

static void add_step(TVar *tv, int kind, int64_t off, Node *index, int64_t scale)
{
	if (kind == S_ADD && off == 0)
		return;
	if (kind == S_ADD && tv->nsteps && tv->steps[tv->nsteps - 1].kind == S_ADD) {
		tv->steps[tv->nsteps - 1].off += off;
		return;
	}
	if (tv->nsteps == tv->cap) {
		tv->cap = tv->cap ? tv->cap * 2 : 8;
		Step *n = arena_alloc(tv->cap * sizeof(*n));
		if (tv->nsteps)
			memcpy(n, tv->steps, tv->nsteps * sizeof(*n));
		tv->steps = n;
	}
	tv->steps[tv->nsteps++] = (Step){ kind, off, index, scale };
}

static TVar *copy_tv(TVar *tv)
{
	TVar *c = new_tv();
	*c = *tv;
	c->steps = NULL;
	c->nsteps = c->cap = 0;
	for (int i = 0; i < tv->nsteps; i++)
		add_step(c, tv->steps[i].kind, tv->steps[i].off, tv->steps[i].index,
			 tv->steps[i].scale);
	return c;
}

/* ------------------------------------------------------------------ */
/* where a variable lives */

static const char *const btf_arg_regs[] = { "di", "si", "dx", "cx", "r8", "r9" };

typedef struct VarLoc {
	const char *name;
	CType *type;
	char *code;             /* C expression (unsigned long) */
	bool is_addr;           /* CODE is its address, not its value */
	bool is_param;
	char *source;           /* for -v */
	const char *unavailable; /* why it cannot be read here, or NULL */
	bool writable;          /* CODE is an lvalue (guru mode) */
} VarLoc;

static bool is_kprobe(DerivedProbe *d)
{
	return d && (d->kind == &pk_kprobe || d->kind == &pk_uprobe);
}

static bool is_kretprobe(DerivedProbe *d)
{
	return is_kprobe(d) && d->kp.is_return;
}

static const char *probe_func(DerivedProbe *d)
{
	return d->func ? d->func : d->kp.symbol;
}

/* The variables of the probe point, from BTF.  Only parameters, and only
 * at function entry (the registers hold them there). */
static int btf_vars(DerivedProbe *d, VarLoc **out, CType **ret)
{
	*out = NULL;
	if (ret)
		*ret = NULL;
	/* at an out-of-line function's entry only (DWARF-resolved probes
	 * are registered as _stext + offset) */
	if (d->kp.module || d->kp.user || d->kp.dw_inline ||
	    (d->kp.offset && !d->kp.dw_entry))
		return -1;
	CType *proto = btf_func_proto(probe_func(d));
	if (!proto)
		return -1;
	if (ret)
		*ret = proto->ref;
	VarLoc *v = arena_alloc(sizeof(*v) * (proto->nparams + 1));
	int reg = 0;
	for (int i = 0; i < proto->nparams; i++) {
		CParam *p = &proto->params[i];
		uint64_t size = ct_sizeof(p->type);
		int nregs = size > 8 ? 2 : 1;
		v[i].name = p->name ? p->name : "";
		v[i].type = p->type;
		v[i].is_param = true;
		if (reg + nregs > 6 || size > 16 || !ct_is_scalar(p->type)) {
			v[i].unavailable = "not in a register at entry";
			reg += nregs;
			continue;
		}
		v[i].code = format("c->kregs->%s", btf_arg_regs[reg]);
		v[i].source = format("BTF (%s param %d, %%r%s)", probe_func(d), i + 1,
				     btf_arg_regs[reg]);
		reg += nregs;
	}
	*out = v;
	return proto->nparams;
}

void tvar_btf_list(DerivedProbe *d, StrBuf *out)
{
	VarLoc *v;
	CType *ret;
	int n = btf_vars(d, &v, &ret);
	if (n < 0)
		return;
	if (d->kp.is_return && ret && ct_strip(ret) && ct_strip(ret)->kind != CT_VOID)
		sb_printf(out, " $return:%s", ct_listing_name(ret));
	for (int i = 0; i < n; i++)
		if (!v[i].unavailable && *v[i].name)
			sb_printf(out, " $%s:%s", v[i].name, ct_listing_name(v[i].type));
}

/* ------------------------------------------------------------------ */
/* DWARF: the variables in scope at the probe address */

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>

CType *dwt_from_die(Dwarf *dw, Dwarf_Die *die);

/* What DW's symbol table has under NAME (function and object symbols
 * with a value): the first function's address, the last object's, and
 * the first of either.  A linear scan, without sorting or copying the
 * table: a run asks for a few names. */
typedef struct DwSym {
	bool found;
	uint64_t func, object, any;
} DwSym;

static DwSym dw_sym(Dwarf *dw, const char *name)
{
	DwSym r = {0};
	Elf *elf = dwarf_getelf(dw_canonical(dw));
	size_t len = strlen(name);
	for (Elf_Scn *scn = NULL; elf && (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		Elf_Scn *strscn = elf_getscn(elf, sh.sh_link);
		Elf_Data *strs = strscn ? elf_getdata(strscn, NULL) : NULL;
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		if (!data || !strs)
			continue;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, i, &sym) || !sym.st_value ||
			    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
			     GELF_ST_TYPE(sym.st_info) != STT_OBJECT) ||
			    sym.st_name + len >= strs->d_size ||
			    memcmp((const char *)strs->d_buf + sym.st_name, name, len + 1))
				continue;
			if (!r.found)
				r.any = sym.st_value;
			r.found = true;
			if (GELF_ST_TYPE(sym.st_info) == STT_OBJECT)
				r.object = sym.st_value;
			else if (!r.func)
				r.func = sym.st_value;
		}
	}
	return r;
}

static Vec func_addrs;           /* alternating Dwarf *, name, DwSym * */

/* The link-time address of function NAME in the debuginfo's symtab. */
static uint64_t dw_func_addr(Dwarf *dw, const char *name)
{
	for (int i = 0; i + 2 < func_addrs.len; i += 3)
		if (vec_get(&func_addrs, i) == dw && !strcmp(vec_get(&func_addrs, i + 1), name))
			return ((DwSym *)vec_get(&func_addrs, i + 2))->func;
	DwSym *s = arena_alloc(sizeof(*s));
	*s = dw_sym(dw, name);
	vec_push(&func_addrs, dw);
	vec_push(&func_addrs, arena_strdup(name));
	vec_push(&func_addrs, s);
	return s->func;
}

/* @var("name[@file]"[, "kernel"]): a global of the kernel, at its
 * link-time address moved by the KASLR offset the module computes from
 * an exported function (_printk). */
static bool dw_global(Dwarf *dw, const char *spec, const char *bias,
		      CType **type, char **code, const char **why)
{
	char *name = arena_strdup(spec), *file = strchr(name, '@');
	if (file)
		*file++ = '\0';
	uint64_t printk = dw_sym(dw, "_printk").any;
	/* the load bias: a user-space object's (BIAS), else the kernel's
	 * KASLR offset from _printk */
	char *base = bias ? arena_strdup(bias) :
		     format("((unsigned long)&_printk - 0x%llxUL)",
			    (unsigned long long)printk);
	DwSym f = dw_sym(dw, name);
	if (!f.found || (!printk && !bias)) {
		*why = "no such symbol";
		return false;
	}
	uint64_t obj_addr = f.object;
	CType *decl_type = NULL;
	if (!obj_addr) {
		*why = "not a variable";
		return false;
	}
	/* the CU defining it (data is not in .debug_aranges) */
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		Dwarf_Off cuoff = off + hsize;
		off = next;
		if (!dwarf_offdie(dw, cuoff, &cu))
			continue;
		const char *cuname = dwarf_diename(&cu);
		if (file && (!cuname || (fnmatch(file, cuname, 0) != 0 &&
					 !(strlen(cuname) > strlen(file) &&
					   !strcmp(cuname + strlen(cuname) - strlen(file), file) &&
					   cuname[strlen(cuname) - strlen(file) - 1] == '/'))))
			continue;
		if (dwarf_child(&cu, &child) != 0)
			continue;
		do {
			const char *nm;
			if (dwarf_tag(&child) != DW_TAG_variable ||
			    !(nm = dwarf_diename(&child)) || strcmp(nm, name))
				continue;
			Dwarf_Attribute a;
			Dwarf_Die td;
			if (!dwarf_hasattr(&child, DW_AT_location)) {
				/* a declaration: its type, for a symbol the
				 * linker script defines (jiffies) */
				if (!decl_type && dwarf_attr_integrate(&child, DW_AT_type, &a) &&
				    dwarf_formref_die(&a, &td))
					decl_type = dwt_from_die(dw, &td);
				continue;
			}
			Dwarf_Op *ops;
			size_t nops;
			if (!dwarf_attr_integrate(&child, DW_AT_type, &a) ||
			    !dwarf_formref_die(&a, &td) ||
			    !dwarf_attr(&child, DW_AT_location, &a) ||
			    dwarf_getlocation(&a, &ops, &nops) != 0 || nops != 1 ||
			    ops[0].atom != DW_OP_addr)
				continue;
			*type = dwt_from_die(dw, &td);
			*code = format("(%s + 0x%llxUL)", base,
				       (unsigned long long)ops[0].number);
			return true;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	if (decl_type && !file) {
		*type = decl_type;
		*code = format("(%s + 0x%llxUL)", base, (unsigned long long)obj_addr);
		return true;
	}
	*why = file ? "not found in that file" : "no DWARF for it";
	return false;
}

/* Find the function instance of probe D and its scopes at the probe pc. */
static bool dw_context(DerivedProbe *d, bool at_entry, Dwarf *dw, DwCtx *x)
{
	memset(x, 0, sizeof(*x));
	/* a .return probe's point is its function's entry, in the DWARF's
	 * own addresses: right for a module (whose symtab counts from
	 * its section) and for a name several functions share */
	uint64_t entry = d->kp.is_return && d->kp.dw_pc ? d->kp.dw_pc :
			 dw_func_addr(dw, probe_func(d));
	x->pc = !at_entry && d->kp.dw_pc ? d->kp.dw_pc : entry + (d->kp.dw_pc ? 0 : d->kp.offset);
	if (!x->pc)
		return false;
	/* an inlined instance's start is not an entry: no arguments in the
	 * argument registers, no entry values, no CFA = rsp + 8 */
	x->at_entry = !d->kp.dw_inline && (at_entry || x->pc == entry || d->kp.dw_entry);
	/* the probe's own unit, else the one .debug_aranges gives, read
	 * without libdw's walk over every unit header (dw_unit) */
	if (d->kp.dw_cu && x->pc == d->kp.dw_pc)
		dw = dw_unit(d->kp.module, d->kp.dw_cu, &x->cu);
	else
		dw = dw_unit_at(d->kp.module, x->pc, &x->cu);
	if (!dw)
		return false;
	x->dw = dw;
	x->cu_name = dwarf_diename(&x->cu);
	if (d->kp.dw_die && !at_entry && dwarf_offdie(dw, d->kp.dw_die, &x->func)) {
		x->have_func = true;
	} else {
		Dwarf_Die *scopes;
		int n = dwarf_getscopes(&x->cu, x->pc, &scopes);
		for (int i = 0; i < n; i++)
			if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram ||
			    dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine) {
				x->func = scopes[i];
				x->have_func = true;
				break;
			}
		if (n > 0)
			free(scopes);
	}
	if (x->have_func)
		x->func_off = dwarf_dieoffset(&x->func);
	/* a user function's true entry in unoptimized code (the values a
	 * .return probe saves): its parameters are still in the argument
	 * registers, not yet in the stack slots the DWARF describes */
	x->abi_params = d->kp.user && x->at_entry && !dw_cu_optimized(&x->cu);
	return x->have_func;
}

static void add_dw_var(DwCtx *x, Dwarf_Die *v, Vec *out)
{
	const char *name = dwarf_diename(v);
	if (!name)
		return;
	for (int i = 0; i < out->len; i++)
		if (!strcmp(((VarLoc *)vec_get(out, i))->name, name))
			return;         /* shadowed by an inner scope */
	VarLoc *vl = arena_alloc(sizeof(*vl));
	vl->name = name;
	vl->is_param = dwarf_tag(v) == DW_TAG_formal_parameter;
	Dwarf_Attribute a;
	Dwarf_Die td;
	vl->type = dwarf_attr_integrate(v, DW_AT_type, &a) && dwarf_formref_die(&a, &td) ?
		   dwt_from_die(x->dw, &td) : ct_new(CT_VOID, "void");
	Dwarf_Op *ops;
	size_t nops;
	if (dwarf_attr_integrate(v, DW_AT_const_value, &a)) {
		Dwarf_Sword sv;
		Dwarf_Word uv;
		if (dwarf_formsdata(&a, &sv) == 0)
			vl->code = format("(unsigned long)%lldL", (long long)sv);
		else if (dwarf_formudata(&a, &uv) == 0)
			vl->code = format("%lluUL", (unsigned long long)uv);
		else
			vl->unavailable = "a constant of an unsupported form";
		vl->source = "DWARF (a constant)";
		vec_push(out, vl);
		return;
	}
	if (!dwarf_attr(v, DW_AT_location, &a)) {
		vl->unavailable = "optimized out (no location)";
		vec_push(out, vl);
		return;
	}
	int r = dwarf_getlocation_addr(&a, x->pc, &ops, &nops, 1);
	if (r <= 0) {
		vl->unavailable = format("not accessible at this address (pc: 0x%llx)",
					 (unsigned long long)x->pc);
		vec_push(out, vl);
		return;
	}
	const char *why = NULL;
	bool is_addr;
	vl->code = dw_loc_expr(x, ops, nops, &is_addr, &why);
	vl->is_addr = is_addr;
	if (!vl->code) {
		vl->unavailable = why;
	} else {
		StrBuf sb = {0};
		sb_printf(&sb, "DWARF (%s %s, ", dwarf_diename(&x->func) ? dwarf_diename(&x->func) : "?",
			  vl->is_param ? "param" : "local");
		if (!strncmp(vl->code, "c->kregs->", 10) && !strchr(vl->code, ' '))
			sb_printf(&sb, "%%r%s)", vl->code + 10);
		else
			sb_printf(&sb, "%s %s)", is_addr ? "at" : "=", vl->code);
		vl->source = arena_strdup(sb.buf);
		sb_release(&sb);
	}
	vec_push(out, vl);
}

static void scan_scope(DwCtx *x, Dwarf_Die *scope, Vec *out)
{
	Dwarf_Die child;
	if (dwarf_child(scope, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		if (tag == DW_TAG_formal_parameter || tag == DW_TAG_variable)
			add_dw_var(x, &child, out);
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* The variables visible at the probe of D, from DWARF: innermost scope
 * first; -1 if the function is not found. */
static int dwarf_vars(DerivedProbe *d, bool at_entry, Dwarf *dw, VarLoc **out,
		      CType **ret, DwCtx *x)
{
	if (!dw_context(d, at_entry, dw, x))
		return -1;
	Vec v = {0};
	Dwarf_Die *scopes;
	int n = dwarf_getscopes(&x->cu, x->pc, &scopes);
	int k = -1, inner = -1;
	for (int i = 0; i < n && k < 0; i++)
		if (dwarf_dieoffset(&scopes[i]) == x->func_off)
			k = i;
	/* blocks of inlined callees inside our function are not ours */
	for (int i = 0; i < k; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
			inner = i;
	}
	for (int i = inner + 1; i < k; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_lexical_block)
			scan_scope(x, &scopes[i], &v);
	scan_scope(x, &x->func, &v);
	if (n > 0)
		free(scopes);
	if (x->abi_params) {
		int reg = 0;
		for (int i = 0; i < v.len; i++) {
			VarLoc *vl = vec_get(&v, i);
			if (!vl->is_param)
				continue;
			uint64_t size = ct_sizeof(vl->type);
			if (reg >= 6 || size > 8 || !ct_is_scalar(vl->type)) {
				vl->code = NULL;
				vl->unavailable = "not in a register at entry";
				reg += size > 8 ? 2 : 1;
				continue;
			}
			vl->code = format("c->kregs->%s", btf_arg_regs[reg]);
			vl->is_addr = false;
			vl->unavailable = NULL;
			vl->source = format("DWARF (%s param %d at entry, %%r%s)",
					    dwarf_diename(&x->func), reg + 1,
					    btf_arg_regs[reg]);
			reg++;
		}
	}
	*out = arena_alloc(sizeof(VarLoc) * (v.len + 1));
	for (int i = 0; i < v.len; i++)
		(*out)[i] = *(VarLoc *)vec_get(&v, i);
	Dwarf_Attribute a;
	Dwarf_Die td;
	*ret = dwarf_attr_integrate(&x->func, DW_AT_type, &a) && dwarf_formref_die(&a, &td) ?
	       dwt_from_die(x->dw, &td) : NULL;
	return v.len;
}

/* ------------------------------------------------------------------ */
/* walking members and indexes */

static const char *first_member(CType *t)
{
	t = ct_strip(t);
	Vec names = {0};
	ct_member_names(t, &names);
	return names.len ? vec_get(&names, 0) : NULL;
}

static char *decl_of(CType *t)
{
	t = ct_strip(t);
	if (t && t->decl_file)
		return format(" (%s:%d)", t->decl_file, t->decl_line);
	return "";
}

/* Make the current value (a pointer) the address of what it points to. */
static void load_pointer(TVar *tv)
{
	if (tv->at_addr)
		add_step(tv, S_DEREF, 0, NULL, 0);
	tv->at_addr = true;
}

static bool apply_member(Res *r, TVar *tv, Node *m)
{
	CType *t = ct_strip(tv->type);
	if (t && t->kind == CT_PTR) {
		CType *pt = ct_strip(t->ref);
		if (!pt || (pt->kind != CT_STRUCT && pt->kind != CT_UNION)) {
			res_error(r, m->tok, "invalid access '->%s' vs. %s", m->str,
				  ct_name_str(ct_strip(t)));
			return false;
		}
		load_pointer(tv);
		t = pt;
	}
	if (!t || (t->kind != CT_STRUCT && t->kind != CT_UNION)) {
		res_error(r, m->tok, "invalid access '->%s' vs. %s", m->str,
			  ct_name_str(ct_strip(tv->type)));
		return false;
	}
	if (!tv->at_addr) {
		res_error(r, m->tok, "cannot access a member of a %s held in a register",
			  ct_name_str(t));
		return false;
	}
	CMember cm;
	if (!ct_find_member(t, m->str, &cm)) {
		Vec names = {0};
		ct_member_names(t, &names);
		char *alts = ct_alternatives(&names, m->str, "");
		res_error(r, m->tok, "unable to find member '%s' for %s%s%s%s", m->str,
			  ct_name_str(t), alts ? " (alternatives: " : "",
			  alts ? alts : "", alts ? ")" : "");
		return false;
	}
	if (cm.bit_size) {
		add_step(tv, S_ADD, (int64_t)(cm.bit_offset / 8), NULL, 0);
		tv->bitoff = cm.bit_offset % 8;
		tv->bitsize = cm.bit_size;
	} else {
		add_step(tv, S_ADD, (int64_t)(cm.bit_offset / 8), NULL, 0);
		tv->bitsize = 0;
	}
	tv->type = cm.type;
	return true;
}

static bool apply_index(Res *r, TVar *tv, Node *ix)
{
	CType *t = ct_strip(tv->type);
	if (t && t->kind == CT_ARRAY && tv->at_addr) {
		int64_t es = ct_sizeof(t->ref);
		if (ix->kind == ND_NUM)
			add_step(tv, S_ADD, ix->val * es, NULL, 0);
		else
			add_step(tv, S_INDEX, 0, ix, es);
		tv->type = t->ref;
		return true;
	}
	if (t && t->kind == CT_PTR) {
		CType *et = t->ref;
		int64_t es = ct_sizeof(et);
		if (!es && ct_strip(et) && ct_strip(et)->kind == CT_VOID)
			es = 1;
		load_pointer(tv);
		if (ix->kind == ND_NUM)
			add_step(tv, S_ADD, ix->val * es, NULL, 0);
		else
			add_step(tv, S_INDEX, 0, ix, es);
		tv->type = et;
		return true;
	}
	if (t && (t->kind == CT_STRUCT || t->kind == CT_UNION)) {
		const char *fm = first_member(t);
		res_error(r, ix->tok, "'%s'%s is being accessed instead of a member such as '->%s'",
			  ct_name_str(t), decl_of(t), fm ? fm : "?");
		return false;
	}
	res_error(r, ix->tok, "invalid access '[...]' vs. %s",
		  ct_name_str(ct_strip(tv->type)));
	return false;
}

static bool is_char_type(CType *t)
{
	t = ct_strip(t);
	return t && t->kind == CT_INT && t->size == 1 && t->is_char;
}

/* Pretty printing: the items that print the object TV reaches ($$:
 * levels up to PRETTY_MAX_DEPTH; past PRETTY_MAX_ITEMS nothing more
 * fits a string anyway). */
#define PRETTY_MAX_DEPTH 16
#define PRETTY_MAX_ITEMS 1024
static void pretty_items(Res *r, TVar *tv, Vec *items, int depth, int maxdepth);

static void push_item(Vec *items, const char *text, TVar *tv, char conv)
{
	PrettyItem *it = arena_alloc(sizeof(*it));
	it->text = text;
	it->tv = tv;
	it->conv = conv;
	vec_push(items, it);
}

static bool finish(Res *r, TVar *tv, Token *tok, int op, int pretty);

/*
 * As SystemTap 4.8 prints them: $ shows the members of a structure
 * (nested ones as {...}), $$ every level; a pointer to a structure is
 * followed at the top ($file$ shows the file), pointers inside are
 * numbers; anonymous members are <union> and <class>; char * and char
 * arrays are quoted strings, chars quoted characters.
 */
static void pretty_items(Res *r, TVar *tv, Vec *items, int depth, int maxdepth)
{
	CType *t = ct_strip(tv->type);
	if (!t || items->len > PRETTY_MAX_ITEMS) {
		push_item(items, "?", NULL, 0);
		return;
	}
	if (t->kind == CT_PTR && is_char_type(t->ref)) {
		/* the string it points to: a member's pointer is loaded
		 * first (a register's value is the pointer) */
		TVar *s = copy_tv(tv);
		load_pointer(s);
		s->type = t->ref;
		s->final = F_STRING;
		s->strmax = 0;          /* to the terminating NUL */
		s->stype = TY_STRING;
		push_item(items, "", s, 'q');
		return;
	}
	CType *rt = t->kind == CT_PTR ? ct_strip(t->ref) : NULL;
	if (depth == 0 && rt && (rt->kind == CT_STRUCT || rt->kind == CT_UNION)) {
		/* $p$ of a pointer to a struct: the struct, as SystemTap */
		TVar *p = copy_tv(tv);
		load_pointer(p);
		p->type = t->ref;
		pretty_items(r, p, items, depth, maxdepth);
		return;
	}
	if (t->kind == CT_INT || t->kind == CT_ENUM || t->kind == CT_PTR) {
		TVar *s = copy_tv(tv);
		Res q = *r;
		q.quiet = true;
		if (finish(&q, s, NULL, 0, 0))
			push_item(items, "", s,
				  t->kind == CT_PTR ? 'x' :
				  is_char_type(t) ? 'c' : 'd');
		else
			push_item(items, "?", NULL, 0);
		return;
	}
	if (t->kind == CT_ARRAY && is_char_type(t->ref) && tv->at_addr) {
		TVar *s = copy_tv(tv);
		s->final = F_STRING;
		s->strmax = t->nelem > 0 ? t->nelem : 0;
		s->stype = TY_STRING;
		push_item(items, "", s, 'q');
		return;
	}
	if (t->kind == CT_ARRAY && tv->at_addr && t->nelem > 0 && depth < maxdepth) {
		push_item(items, "[", NULL, 0);
		int64_t es = ct_sizeof(t->ref);
		for (int64_t i = 0; i < t->nelem && i < 16; i++) {
			TVar *e = copy_tv(tv);
			add_step(e, S_ADD, i * es, NULL, 0);
			e->type = t->ref;
			if (i)
				push_item(items, ", ", NULL, 0);
			pretty_items(r, e, items, depth + 1, maxdepth);
		}
		push_item(items, t->nelem > 16 ? ", ...]" : "]", NULL, 0);
		return;
	}
	if ((t->kind == CT_STRUCT || t->kind == CT_UNION) && tv->at_addr &&
	    depth < maxdepth) {
		push_item(items, "{", NULL, 0);
		bool first = true;
		for (int i = 0; i < t->nmembers; i++) {
			CMember *m = &t->members[i];
			TVar *e = copy_tv(tv);
			add_step(e, S_ADD, m->bit_offset / 8, NULL, 0);
			e->type = m->type;
			e->bitoff = m->bit_size ? m->bit_offset % 8 : 0;
			e->bitsize = m->bit_size;
			CType *mt = ct_strip(m->type);
			const char *anon = mt && mt->kind == CT_UNION ? "<union>" : "<class>";
			push_item(items, m->name && m->name[0] ?
					 format("%s.%s=", first ? "" : ", ", m->name) :
					 format("%s%s=", first ? "" : ", ", anon), NULL, 0);
			first = false;
			pretty_items(r, e, items, depth + 1, maxdepth);
		}
		push_item(items, "}", NULL, 0);
		return;
	}
	push_item(items, "{...}", NULL, 0);
}

/*
 * Settle the final access of TV: OP is '&' for an address, PRETTY 1 or 2
 * for $var$ / $var$$.  TOK is where errors go (NULL: quiet).
 */
static bool finish(Res *r, TVar *tv, Token *tok, int op, int pretty)
{
	CType *t = ct_strip(tv->type);
	if (pretty) {
		Vec items = {0};
		pretty_items(r, tv, &items, 0, pretty == 1 ? 1 : PRETTY_MAX_DEPTH);
		tv->final = F_PRETTY;
		tv->items = arena_alloc(sizeof(PrettyItem) * (items.len + 1));
		for (int i = 0; i < items.len; i++)
			tv->items[i] = *(PrettyItem *)vec_get(&items, i);
		tv->nitems = items.len;
		tv->stype = TY_STRING;
		return true;
	}
	if (op == '&') {
		if (!tv->at_addr || tv->bitsize) {
			if (tok)
				res_error(r, tok, "cannot take the address of %s",
					  tv->bitsize ? "a bitfield" : "a value held in a register");
			return false;
		}
		tv->final = F_ADDR;
		tv->stype = TY_LONG;
		return true;
	}
	if (!t) {
		if (tok)
			res_error(r, tok, "unknown type");
		return false;
	}
	switch (t->kind) {
	case CT_INT: case CT_ENUM: case CT_PTR:
		tv->size = t->kind == CT_PTR ? 8 : (int)t->size;
		tv->sign = t->kind != CT_PTR && t->is_signed;
		if (tv->size != 1 && tv->size != 2 && tv->size != 4 && tv->size != 8) {
			if (tok)
				res_error(r, tok, "unsupported integer size %d of %s",
					  tv->size, ct_name_str(t));
			return false;
		}
		tv->final = !tv->at_addr ? F_VALUE : tv->bitsize ? F_BITS : F_LOAD;
		tv->stype = TY_LONG;
		return true;
	case CT_ARRAY:
		if (tv->at_addr) {
			/* an array decays to its address; a char array too, as
			 * in SystemTap (kernel_string() reads it) */
			tv->final = F_ADDR;
			tv->stype = TY_LONG;
			return true;
		}
		break;
	case CT_STRUCT: case CT_UNION: {
		if (tok) {
			const char *fm = first_member(t);
			res_error(r, tok, "'%s'%s is being accessed instead of a member such as '->%s'",
				  ct_name_str(t), decl_of(t), fm ? fm : "?");
		}
		return false;
	}
	default:
		break;
	}
	if (tok)
		res_error(r, tok, "cannot read a value of type %s", ct_name_str(t));
	return false;
}

/* Walk the suffix of target expression N (members and indexes) on TV
 * and settle the final access. */
static bool walk_suffix(Res *r, TVar *tv, Node *n)
{
	for (int i = 0; i < n->args.len; i++) {
		Node *a = n->args.items[i];
		if (a->kind == ND_STR && a->tok->kind != TK_STRING) {
			if (!apply_member(r, tv, a))
				return false;
		} else if (!apply_index(r, tv, a)) {
			return false;
		}
	}
	Token *at = n->args.len ? n->args.items[n->args.len - 1]->tok : n->tok;
	return finish(r, tv, at, n->op, n->pretty);
}

/* ------------------------------------------------------------------ */
/* resolution */

static void resolve(Res *r, Node *n);

static EntrySaves *saves_for(DerivedProbe *d)
{
	for (int i = 0; i < entry_saves.len; i++) {
		EntrySaves *e = vec_get(&entry_saves, i);
		if (e->dp == d)
			return e;
	}
	EntrySaves *e = arena_alloc(sizeof(*e));
	e->dp = d;
	vec_push(&entry_saves, e);
	return e;
}

/* Save NODE (resolved for the entry) in D's entry data: its slot. */
static int add_entry_save(DerivedProbe *d, Node *node)
{
	EntrySaves *e = saves_for(d);
	vec_push(&e->nodes, node);
	return e->nodes.len - 1;
}

/* -v: where a $variable of the user's script comes from (-vv: the
 * tapsets' too, such as the syscall aliases' $regs) */
static void verbose_source(Res *r, Token *tok, const char *name, const char *source)
{
	bool user = !tok || !tok->file || tok->file->is_user;
	if (!r->quiet && source && verbose_for(2) > (user ? 0 : 1))
		fprintf(stderr, "tvar: $%s from %s\n", name, source);
}

static char *var_alternatives(VarLoc *vars, int nvars, const char *want)
{
	Vec names = {0};
	for (int i = 0; i < nvars; i++)
		if (vars[i].name && vars[i].name[0])
			vec_push(&names, (void *)vars[i].name);
	return ct_alternatives(&names, want, "$");
}

/* $$vars, $$parms, $$locals, $$return (pretty: $$vars$ ...) */
static bool resolve_context_vars(Res *r, Node *n, const char *what, int level,
				 VarLoc *vars, int nvars, CType *ret)
{
	DerivedProbe *d = r->dp;
	Vec items = {0};
	TVar *tv = new_tv();
	if (!strcmp(what, "$$return")) {
		if (!is_kretprobe(d) || !ret) {
			tv->final = F_PRETTY;
			tv->stype = TY_STRING;
			n->tv = tv;
			return true;    /* empty, as SystemTap */
		}
		TVar *v = new_tv();
		v->base = B_CODE;
		v->code = "c->kregs->ax";
		v->type = ret;
		push_item(&items, "return=", NULL, 0);
		if (level)
			pretty_items(r, v, &items, 0, level);
		else if (finish(r, v, NULL, 0, 0))
			push_item(&items, "", v, 'x');
		else
			push_item(&items, "?", NULL, 0);
	} else {
		bool want_parms = strcmp(what, "$$locals") != 0;
		bool want_locals = strcmp(what, "$$parms") != 0;
		int k = 0;
		for (int i = 0; i < nvars; i++) {
			VarLoc *vl = &vars[i];
			if (!vl->name || !vl->name[0] ||
			    (vl->is_param ? !want_parms : !want_locals))
				continue;
			push_item(&items, format("%s%s=", k++ ? " " : "", vl->name), NULL, 0);
			if (vl->unavailable) {
				push_item(&items, "?", NULL, 0);
				continue;
			}
			TVar *v = new_tv();
			if (is_kretprobe(d) && !r->at_entry) {
				if (!vl->is_param) {
					push_item(&items, "?", NULL, 0);
					continue;
				}
				Node *save = arena_alloc(sizeof(*save));
				*save = *n;
				save->kind = ND_TARGET;
				save->name = format("$%s", vl->name);
				save->args = (NodeList){0};
				save->op = 0;
				Res er = *r;
				er.at_entry = true;
				er.quiet = true;
				resolve(&er, save);
				if (!save->tv) {
					push_item(&items, "?", NULL, 0);
					continue;
				}
				v->base = B_SLOT;
				v->dp = d;
				v->slot = add_entry_save(d, save);
				v->type = vl->type;
			} else {
				v->base = B_CODE;
				v->code = vl->code;
				v->at_addr = vl->is_addr;
				v->type = vl->type;
			}
			if (level) {
				pretty_items(r, v, &items, 0, level);
			} else {
				Res q = *r;
				q.quiet = true;
				if (finish(&q, v, NULL, 0, 0))
					push_item(&items, "", v, 'x');
				else
					push_item(&items, "?", NULL, 0);
			}
		}
	}
	tv->final = F_PRETTY;
	tv->stype = TY_STRING;
	tv->items = arena_alloc(sizeof(PrettyItem) * (items.len + 1));
	for (int i = 0; i < items.len; i++)
		tv->items[i] = *(PrettyItem *)vec_get(&items, i);
	tv->nitems = items.len;
	n->tv = tv;
	return true;
}

static void skip_badvar(Res *r, Node *n)
{
	TVar *tv = new_tv();
	tv->base = B_ZERO;
	tv->final = F_ZERO;
	tv->stype = TY_LONG;
	n->tv = tv;
	if (!r->quiet)
		warning_at(n->tok, "Bad $context variable being substituted with literal 0");
}

/* A tracepoint's arguments: the parameters of __traceiter_NAME after
 * its void *__data, which the probe function receives as they are and
 * keeps in c->tp_args (as unsigned longs: x86-64 passes each in a
 * register or an 8-byte stack slot). */
static int trace_vars(DerivedProbe *d, VarLoc **out)
{
	CType *proto = d->trace.tp->proto;
	int n = proto->nparams > 0 ? proto->nparams - 1 : 0;
	VarLoc *v = arena_alloc(sizeof(*v) * (n + 1));
	for (int i = 0; i < n; i++) {
		CParam *p = &proto->params[i + 1];
		v[i].name = p->name ? p->name : "";
		v[i].type = p->type;
		v[i].is_param = true;
		if (!ct_is_scalar(p->type) || ct_sizeof(p->type) > 8) {
			v[i].unavailable = "passed by value, not as a scalar";
			continue;
		}
		v[i].code = format("((unsigned long *)c->entry_data)[%d]", i);
		v[i].source = format("BTF (tracepoint %s, argument %d)",
				     d->trace.tp->name, i + 1);
	}
	*out = v;
	return n;
}

/* A .plt probe's $$name, as it is used: the one target that is the same
 * code for every entry (read from the probe at run time) */
static bool is_plt_name(Node *n)
{
	return !strcmp(n->name, "$$name") && !n->args.len && n->op != '&';
}

/* $$name and $$system of a tracepoint: a string */

static void string_tvar(Node *n, const char *text)
{
	TVar *tv = new_tv();
	Vec items = {0};
	push_item(&items, text, NULL, 0);
	tv->final = F_PRETTY;
	tv->stype = TY_STRING;
	tv->items = arena_alloc(sizeof(PrettyItem));
	tv->items[0] = *(PrettyItem *)vec_get(&items, 0);
	tv->nitems = 1;
	n->tv = tv;
}

/* $$vars, $$parms, $$locals, $$return: the point's VARS (and RET), any
 * probe kind */
static void resolve_dollar_dollar(Res *r, Node *n, const char *name,
				  int level, VarLoc *vars, int nvars, CType *ret)
{
	if (strcmp(name, "$$vars") && strcmp(name, "$$parms") &&
	    strcmp(name, "$$locals") && strcmp(name, "$$return")) {
		res_error(r, n->tok, "unresolved target-symbol expression");
		return;
	}
	if (n->args.len || n->op == '&') {
		res_error(r, n->tok, "%s cannot be dereferenced", name);
		return;
	}
	resolve_context_vars(r, n, name, level, vars, nvars, ret);
}

/* The rest of $x after its base: pretty printing ($x$, $x$$), or the
 * members, indexes and '&' written after it. */
static void finish_dollar(Res *r, Node *n, TVar *tv, int level)
{
	if (level) {
		if (!finish(r, tv, n->tok, 0, level))
			return;
	} else if (!walk_suffix(r, tv, n)) {
		return;
	}
	n->tv = tv;
}

static void resolve_trace_dollar(Res *r, Node *n)
{
	DerivedProbe *d = r->dp;
	char *name = n->name;
	int level = n->args.len ? 0 : n->pretty;
	VarLoc *vars;
	int nvars = trace_vars(d, &vars);
	if (!strcmp(name, "$$name") || !strcmp(name, "$$system")) {
		if (n->args.len || n->op == '&') {
			res_error(r, n->tok, "%s cannot be dereferenced", name);
			return;
		}
		string_tvar(n, name[2] == 'n' ? d->trace.tp->name :
			    d->trace.tp->system ? d->trace.tp->system : "");
		return;
	}
	if (!strncmp(name, "$$", 2)) {
		resolve_dollar_dollar(r, n, name, level, vars, nvars, NULL);
		return;
	}
	const char *vname = name + 1;
	VarLoc *vl = NULL;
	for (int i = 0; i < nvars && !vl; i++)
		if (!strcmp(vars[i].name, vname))
			vl = &vars[i];
	if (!vl || vl->unavailable) {
		if (sess->skip_badvars) {
			skip_badvar(r, n);
			return;
		}
		if (vl) {
			res_error(r, n->tok, "cannot access tracepoint variable '%s': %s",
				  name, vl->unavailable);
			return;
		}
		Vec names = {0};
		for (int i = 0; i < nvars; i++)
			if (vars[i].name[0])
				vec_push(&names, (void *)vars[i].name);
		vec_push(&names, "$name");
		vec_push(&names, "$vars");
		vec_push(&names, "$parms");
		char *alts = ct_alternatives(&names, vname, "$");
		res_error(r, n->tok, "unable to find tracepoint variable '%s'%s%s%s",
			  name, alts ? " (alternatives: " : "", alts ? alts : "",
			  alts ? ")" : "");
		return;
	}
	TVar *tv = new_tv();
	tv->base = B_CODE;
	tv->code = vl->code;
	tv->type = vl->type;
	verbose_source(r, n->tok, vname, vl->source);
	finish_dollar(r, n, tv, level);
}

/* $value of a procfs probe: set (=, .=) in a read probe, read in a
 * write probe */
static void resolve_procfs_dollar(Res *r, Node *n)
{
	DerivedProbe *d = r->dp;
	if (strcmp(n->name, "$value")) {
		res_error(r, n->tok, "unresolved target-symbol expression");
		return;
	}
	if (n->args.len || n->op == '&') {
		res_error(r, n->tok, "procfs $value variable cannot be dereferenced");
		return;
	}
	if (d->procfs.write && r->lvalue) {
		res_error(r, n->tok, "procfs $value variable is read-only in a procfs write probe");
		return;
	}
	if (!d->procfs.write && !r->lvalue) {
		res_error(r, n->tok, "procfs $value variable cannot be read in a procfs read probe");
		return;
	}
	TVar *tv = new_tv();
	tv->final = F_PROCFS;
	tv->stype = TY_STRING;
	n->tv = tv;
}

/* The context of a netfilter hook (runtime/stp_netfilter.h's struct
 * stp_nf_data): the hook, the packet and devices, the verdict. */
static CType *kernel_ptr(const char *type)
{
	CType *p = ct_new(CT_PTR, NULL);
	p->size = 8;
	p->ref = btf_find_type(type);
	if (!p->ref)
		p->ref = ct_new(CT_VOID, "void");
	return p;
}

static int netfilter_vars(VarLoc **out)
{
	static const struct { const char *name, *field, *type; } f[] = {
		{ "hooknum", "hooknum", NULL }, { "skb", "skb", "struct sk_buff" },
		{ "in", "in", "struct net_device" }, { "out", "out", "struct net_device" },
		{ "verdict", "verdict", NULL },
	};
	int n = sizeof(f) / sizeof(f[0]);
	VarLoc *v = arena_alloc(sizeof(*v) * n);
	for (int i = 0; i < n; i++) {
		v[i].name = f[i].name;
		v[i].code = format("((struct stp_nf_data *)c->entry_data)->%s", f[i].field);
		if (f[i].type) {
			v[i].type = kernel_ptr(f[i].type);
		} else {
			v[i].type = ct_new(CT_INT, "int");
			v[i].type->size = 4;
			v[i].type->is_signed = true;
		}
		v[i].writable = !strcmp(f[i].name, "verdict");
		v[i].source = format("the netfilter hook's %s", f[i].name);
	}
	*out = v;
	return n;
}

static void resolve_netfilter_dollar(Res *r, Node *n)
{
	char *name = n->name;
	int level = n->args.len ? 0 : n->pretty;
	VarLoc *vars;
	int nvars = netfilter_vars(&vars);
	if (!strncmp(name, "$$", 2)) {
		resolve_dollar_dollar(r, n, name, level, vars, nvars, NULL);
		return;
	}
	VarLoc *vl = NULL;
	for (int i = 0; i < nvars && !vl; i++)
		if (!strcmp(vars[i].name, name + 1))
			vl = &vars[i];
	if (!vl) {
		if (sess->skip_badvars) {
			skip_badvar(r, n);
			return;
		}
		char *alts = var_alternatives(vars, nvars, name + 1);
		res_error(r, n->tok, "unable to find netfilter variable '%s'%s%s%s",
			  name, alts ? " (alternatives: " : "", alts ? alts : "",
			  alts ? ")" : "");
		return;
	}
	if (vl->writable && r->lvalue && !sess->guru) {
		res_error(r, n->tok, "write to netfilter verdict requires guru mode; need stap -g");
		return;
	}
	TVar *tv = new_tv();
	tv->base = B_CODE;
	tv->code = vl->code;
	tv->type = vl->type;
	tv->writable = vl->writable;
	verbose_source(r, n->tok, name + 1, vl->source);
	finish_dollar(r, n, tv, level);
}

/* ------------------------------------------------------------------ */
/* SDT markers: $arg1..N from the note's argument spec, "N@OPERAND" each
 * (N the size in bytes, negative when signed; the operand in AT&T
 * syntax: %reg, $imm, off(%reg), off(%base,%index,scale), sym(%rip)) */

static const struct { const char *name; const char *reg; } sdt_regs[] = {
	{ "rax", "ax" }, { "eax", "ax" }, { "ax", "ax" }, { "al", "ax" },
	{ "rbx", "bx" }, { "ebx", "bx" }, { "bx", "bx" }, { "bl", "bx" },
	{ "rcx", "cx" }, { "ecx", "cx" }, { "cx", "cx" }, { "cl", "cx" },
	{ "rdx", "dx" }, { "edx", "dx" }, { "dx", "dx" }, { "dl", "dx" },
	{ "rsi", "si" }, { "esi", "si" }, { "si", "si" }, { "sil", "si" },
	{ "rdi", "di" }, { "edi", "di" }, { "di", "di" }, { "dil", "di" },
	{ "rbp", "bp" }, { "ebp", "bp" }, { "bp", "bp" }, { "bpl", "bp" },
	{ "rsp", "sp" }, { "esp", "sp" }, { "sp", "sp" }, { "spl", "sp" },
	{ "rip", "ip" },
};

static const char *sdt_reg(const char *name, size_t n)
{
	char buf[8];
	if (n == 0 || n >= sizeof(buf))
		return NULL;
	memcpy(buf, name, n);
	buf[n] = '\0';
	for (size_t i = 0; i < sizeof(sdt_regs) / sizeof(sdt_regs[0]); i++)
		if (!strcmp(sdt_regs[i].name, buf))
			return sdt_regs[i].reg;
	/* r8..r15 and their r8d, r8w, r8b */
	if (buf[0] == 'r' && buf[1] >= '0' && buf[1] <= '9') {
		char *end;
		long r = strtol(buf + 1, &end, 10);
		if (r >= 8 && r <= 15 && (!*end || !strcmp(end, "d") ||
					  !strcmp(end, "w") || !strcmp(end, "b")))
			return format("r%ld", r);
	}
	return NULL;
}

/* One operand as a C expression: its value, or (*IS_ADDR) its address.
 * PC is the marker's link-time address: rip-relative operands are
 * relative to where the object is loaded. */
static char *sdt_operand(const char *op, uint64_t pc, const char *path,
			 bool *is_addr)
{
	*is_addr = false;
	if (op[0] == '%') {
		const char *r = sdt_reg(op + 1, strlen(op + 1));
		return r ? format("c->kregs->%s", r) : NULL;
	}
	if (op[0] == '$') {
		char *end;
		long long v = strtoll(op + 1, &end, 0);
		return *end ? NULL : format("(unsigned long)%lldLL", v);
	}
	const char *paren = strchr(op, '(');
	if (!paren || op[strlen(op) - 1] != ')')
		return NULL;
	/* the displacement: a number, or a symbol (+ number) */
	char *disp = arena_strndup(op, paren - op);
	char *inner = arena_strndup(paren + 1, strlen(paren + 1) - 1);
	char *dcode = "0L";
	if (*disp) {
		char *end;
		long long v = strtoll(disp, &end, 0);
		if (!*end) {
			dcode = format("%lldL", v);
		} else {
			/* sym[+-off]: only rip-relative, through the symbol's
			 * link-time address and the load bias */
			char *plus = strpbrk(disp + 1, "+-");
			long long add = plus ? strtoll(plus, NULL, 0) : 0;
			if (plus)
				*plus = '\0';
			uint64_t sv = 0;
			if (strcmp(inner, "%rip") || !dw_user_symbol(path, disp, &sv))
				return NULL;
			*is_addr = true;
			return format("(c->kregs->ip - 0x%llxUL + 0x%llxUL + %lldL)",
				      (unsigned long long)pc, (unsigned long long)sv, add);
		}
	}
	/* base[,index[,scale]] */
	char *parts[3] = { NULL, NULL, NULL };
	int np = 0;
	for (char *save = NULL, *t = strtok_r(inner, ",", &save); t && np < 3;
	     t = strtok_r(NULL, ",", &save))
		parts[np++] = t;
	if (np == 0 || parts[0][0] != '%')
		return NULL;
	const char *base = sdt_reg(parts[0] + 1, strlen(parts[0] + 1));
	if (!base)
		return NULL;
	StrBuf sb = {0};
	sb_printf(&sb, "(c->kregs->%s + %s", base, dcode);
	if (np >= 2) {
		const char *idx = parts[1][0] == '%' ? sdt_reg(parts[1] + 1, strlen(parts[1] + 1)) : NULL;
		if (!idx) {
			sb_release(&sb);
			return NULL;
		}
		sb_printf(&sb, " + c->kregs->%s * %ld", idx, np == 3 ? strtol(parts[2], NULL, 0) : 1L);
	}
	sb_putc(&sb, ')');
	char *r = arena_strdup(sb.buf);
	sb_release(&sb);
	*is_addr = true;
	return r;
}

static int sdt_vars(DerivedProbe *d, VarLoc **out)
{
	Vec v = {0};
	char *args = arena_strdup(d->kp.sdt_args ? d->kp.sdt_args : "");
	for (char *save = NULL, *a = strtok_r(args, " ", &save); a;
	     a = strtok_r(NULL, " ", &save)) {
		VarLoc *vl = arena_alloc(sizeof(*vl));
		vl->name = format("arg%d", v.len + 1);
		vl->is_param = true;
		long size = 8;
		char *at = strchr(a, '@');
		const char *op = a;
		if (at) {
			size = strtol(a, NULL, 10);
			op = at + 1;
		}
		bool sign = size < 0 || !at;
		if (size < 0)
			size = -size;
		if (size != 1 && size != 2 && size != 4 && size != 8)
			size = 8;
		vl->type = ct_new(CT_INT, "long");
		vl->type->size = size;
		vl->type->is_signed = sign;
		vl->code = sdt_operand(op, d->kp.dw_pc, d->kp.module, &vl->is_addr);
		if (!vl->code)
			vl->unavailable = format("the marker's operand '%s' is not understood", op);
		vl->source = format("the SDT marker's argument %d (%s)", v.len + 1, a);
		vec_push(&v, vl);
	}
	*out = arena_alloc(sizeof(VarLoc) * (v.len + 1));
	for (int i = 0; i < v.len; i++)
		(*out)[i] = *(VarLoc *)vec_get(&v, i);
	return v.len;
}

static void resolve_mark_dollar(Res *r, Node *n)
{
	DerivedProbe *d = r->dp;
	char *name = n->name;
	int level = n->args.len ? 0 : n->pretty;
	if (!strcmp(name, "$$name") || !strcmp(name, "$$provider")) {
		if (n->args.len || n->op == '&') {
			res_error(r, n->tok, "%s cannot be dereferenced", name);
			return;
		}
		string_tvar(n, name[2] == 'n' ? d->kp.sdt_name : d->kp.sdt_provider);
		return;
	}
	VarLoc *vars;
	int nvars = sdt_vars(d, &vars);
	if (!strncmp(name, "$$", 2)) {
		/* SystemTap spells them "$arg1=0x0 $arg2=0xc8" */
		for (int i = 0; i < nvars; i++)
			vars[i].name = format("$%s", vars[i].name);
		resolve_dollar_dollar(r, n, name, level, vars, nvars, NULL);
		return;
	}
	VarLoc *vl = NULL;
	for (int i = 0; i < nvars && !vl; i++)
		if (!strcmp(vars[i].name, name + 1))
			vl = &vars[i];
	if (!vl || vl->unavailable) {
		if (sess->skip_badvars) {
			skip_badvar(r, n);
			return;
		}
		if (vl)
			res_error(r, n->tok, "cannot access marker argument '%s': %s", name,
				  vl->unavailable);
		else
			res_error(r, n->tok, "invalid marker argument '%s' (the marker has %d)",
				  name, nvars);
		return;
	}
	TVar *tv = new_tv();
	tv->base = B_CODE;
	tv->code = vl->code;
	tv->type = vl->type;
	tv->at_addr = vl->is_addr;
	verbose_source(r, n->tok, name + 1, vl->source);
	finish_dollar(r, n, tv, level);
}

/* process.syscall: $syscall, $arg1..6; .syscall.return: $syscall,
 * $return (the task's user registers at the system call) */
static void resolve_utask_dollar(Res *r, Node *n)
{
	static const char *const args[] = { "di", "si", "dx", "r10", "r8", "r9" };
	/* (every event has them, as SystemTap's: the registers the task
	 * entered the kernel with; none at .end, whose task is gone) */
	int ev = r->dp->kp.maxactive;
	VarLoc v[9];
	int nv = 0;
	memset(v, 0, sizeof(v));
	v[nv].name = "syscall";
	v[nv++].code = "(c->kregs ? c->kregs->orig_ax : -1)";
	for (int i = 0; i < 6; i++) {
		v[nv].name = format("arg%d", i + 1);
		v[nv++].code = format("(c->kregs ? c->kregs->%s : 0)", args[i]);
	}
	if (ev == 5) {
		v[nv].name = "return";
		v[nv++].code = "(c->kregs ? c->kregs->ax : 0)";
	}
	char *name = n->name;
	int level = n->args.len ? 0 : n->pretty;
	for (int i = 0; i < nv; i++) {
		v[i].type = ct_new(CT_INT, "long");
		v[i].type->size = 8;
		v[i].type->is_signed = true;
		v[i].source = format("the system call's registers (%s)", v[i].code);
	}
	if (!strncmp(name, "$$", 2)) {
		resolve_dollar_dollar(r, n, name, level, v, nv, NULL);
		return;
	}
	VarLoc *vl = NULL;
	for (int i = 0; i < nv && !vl; i++)
		if (!strcmp(v[i].name, name + 1))
			vl = &v[i];
	if (!vl) {
		if (sess->skip_badvars) {
			skip_badvar(r, n);
			return;
		}
		res_error(r, n->tok, "unresolved target-symbol expression");
		return;
	}
	TVar *tv = new_tv();
	tv->base = B_CODE;
	tv->code = vl->code;
	tv->type = vl->type;
	verbose_source(r, n->tok, name + 1, vl->source);
	finish_dollar(r, n, tv, level);
}

static void resolve_dollar(Res *r, Node *n)
{
	DerivedProbe *d = r->dp;
	if (d && d->kind == &pk_netfilter) {
		resolve_netfilter_dollar(r, n);
		return;
	}
	if (d && d->kind == &pk_trace) {
		resolve_trace_dollar(r, n);
		return;
	}
	if (d && d->kind == &pk_procfs) {
		resolve_procfs_dollar(r, n);
		return;
	}
	if (d && d->kind == &pk_utask) {
		resolve_utask_dollar(r, n);
		return;
	}
	if (d && d->kind == &pk_uprobe && d->kp.sdt_name) {
		resolve_mark_dollar(r, n);
		return;
	}
	if (d && d->kind == &pk_uprobe && d->kp.plt_name) {
		/* a PLT entry: its function's name (the probe's probefunc(),
		 * so that one handler serves all the entries), and no
		 * variables */
		if (is_plt_name(n)) {
			TVar *tv = new_tv();
			tv->base = B_CODE;
			tv->code = "c->probe->func";
			tv->final = F_STRING;
			tv->stype = TY_STRING;
			tv->space = SP_KERNEL;
			n->tv = tv;
			return;
		}
		if (sess->skip_badvars) {
			skip_badvar(r, n);
			return;
		}
		res_error(r, n->tok, "unresolved target-symbol expression");
		return;
	}
	if (!is_kprobe(d)) {
		res_error(r, n->tok, "unresolved target-symbol expression");
		return;
	}
	char *name = n->name;
	int level = n->args.len ? 0 : n->pretty;
	VarLoc *vars = NULL;
	CType *ret = NULL;
	DwCtx x;
	bool from_dwarf = false;
	bool at_entry = r->at_entry || is_kretprobe(d);
	Dwarf *dw = dw_open(sess, d->kp.module);
	int nvars = dw ? dwarf_vars(d, at_entry, dw, &vars, &ret, &x) : -1;
	if (nvars >= 0)
		from_dwarf = true;
	else
		nvars = btf_vars(d, &vars, &ret);
	const char *func = probe_func(d);
	if (nvars < 0) {
		if (sess->skip_badvars) {
			skip_badvar(r, n);
			return;
		}
		res_error(r, n->tok, "no debuginfo and no BTF for function '%s': target variables are unavailable",
			  func);
		return;
	}
	if (!strncmp(name, "$$", 2)) {
		resolve_dollar_dollar(r, n, name, level, vars, nvars, ret);
		return;
	}
	const char *vname = name + 1;
	TVar *tv = new_tv();
	if (!strcmp(vname, "return") && is_kretprobe(d) && !r->at_entry) {
		if (!ret) {
			res_error(r, n->tok, "function '%s' (%s) has no return value",
				  func, "void");
			return;
		}
		tv->base = B_CODE;
		tv->code = "c->kregs->ax";
		tv->type = ret;
		verbose_source(r, n->tok, vname, format("%s (%s return value, %%rax)",
						from_dwarf ? "DWARF" : "BTF", func));
	} else {
		VarLoc *vl = NULL;
		for (int i = 0; i < nvars && !vl; i++)
			if (vars[i].name && !strcmp(vars[i].name, vname))
				vl = &vars[i];
		if (!vl) {
			if (sess->skip_badvars) {
				skip_badvar(r, n);
				return;
			}
			char *alts = var_alternatives(vars, nvars, vname);
			if (from_dwarf)
				res_error(r, n->tok, "unable to find local '%s', [man error::dwarf] dieoffset 0x%llx in %s, near pc 0x%llx in %s %s (alternatives: %s))",
					  vname, (unsigned long long)x.func_off,
					  d->kp.module ? d->kp.module : "kernel",
					  (unsigned long long)x.pc, func,
					  x.cu_name ? x.cu_name : "", alts ? alts : "");
			else
				res_error(r, n->tok, "unable to find local '%s', [man error::dwarf] in %s (no debuginfo: BTF has the parameters only)%s%s%s",
					  vname, func, alts ? " (alternatives: " : "",
					  alts ? alts : "", alts ? ")" : "");
			return;
		}
		if (vl->unavailable) {
			if (sess->skip_badvars) {
				skip_badvar(r, n);
				return;
			}
			if (from_dwarf)
				res_error(r, n->tok, "%s [man error::dwarf]", vl->unavailable);
			else
				res_error(r, n->tok, "cannot access target variable '%s' in %s from BTF: %s",
					  vname, func, vl->unavailable);
			return;
		}
		if (is_kretprobe(d) && !r->at_entry) {
			/* $param in a .return probe: its value at entry; the
			 * rest of the expression is evaluated at return */
			Node *save = arena_alloc(sizeof(*save));
			*save = *n;
			save->name = format("$%s", vname);
			save->args = (NodeList){0};
			save->op = 0;
			save->pretty = 0;
			Res er = *r;
			er.at_entry = true;
			resolve(&er, save);
			if (!save->tv) {
				r->failed = true;
				return;
			}
			tv->base = B_SLOT;
			tv->dp = d;
			tv->slot = add_entry_save(d, save);
			tv->type = vl->type;
		} else {
			tv->base = B_CODE;
			tv->code = vl->code;
			tv->base_addr = vl->is_addr;
			tv->at_addr = vl->is_addr;
			tv->type = vl->type;
			verbose_source(r, n->tok, vname, vl->source);
		}
	}
	finish_dollar(r, n, tv, level);
}

static CType *autocast_type(Node *lhs, int *space)
{
	if (lhs->kind == ND_TARGET && lhs->tv && lhs->tv->type &&
	    (lhs->tv->final == F_VALUE || lhs->tv->final == F_LOAD)) {
		*space = lhs->tv->space;
		return lhs->tv->type;
	}
	if (lhs->kind == ND_VAR && lhs->var)
		for (int i = var_types.len - 1; i >= 0; i--) {
			VarType *vt = vec_get(&var_types, i);
			if (vt->var == lhs->var) {
				*space = vt->space;
				return vt->type;
			}
		}
	return NULL;
}

/* A named type in DW: "struct x", "union x", "enum x" or a typedef or
 * base type name (which also finds a struct of that name). */
static CType *dw_find_type(Dwarf *dw, const char *name)
{
	int want = 0;
	if (!strncmp(name, "struct ", 7)) {
		want = DW_TAG_structure_type;
		name += 7;
	} else if (!strncmp(name, "union ", 6)) {
		want = DW_TAG_union_type;
		name += 6;
	} else if (!strncmp(name, "enum ", 5)) {
		want = DW_TAG_enumeration_type;
		name += 5;
	}
	while (*name == ' ')
		name++;
	Dwarf_Off off = 0, next;
	size_t hsize;
	CType *fallback = NULL;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		Dwarf_Off cuoff = off + hsize;
		off = next;
		if (!dwarf_offdie(dw, cuoff, &cu) || dwarf_child(&cu, &child) != 0)
			continue;
		do {
			int tag = dwarf_tag(&child);
			const char *nm = dwarf_diename(&child);
			if (!nm || strcmp(nm, name) || dwarf_hasattr(&child, DW_AT_declaration))
				continue;
			if (want) {
				if (tag == want)
					return dwt_from_die(dw, &child);
				continue;
			}
			if (tag == DW_TAG_typedef || tag == DW_TAG_base_type)
				return dwt_from_die(dw, &child);
			if (!fallback && (tag == DW_TAG_structure_type ||
					  tag == DW_TAG_union_type ||
					  tag == DW_TAG_enumeration_type))
				fallback = dwt_from_die(dw, &child);
		} while (dwarf_siblingof(&child, &child) == 0);
		if (fallback)
			return fallback;
	}
	return NULL;
}

static void resolve_cast(Res *r, Node *n)
{
	resolve(r, n->lhs);
	const char *tname = n->rhs && n->rhs->kind == ND_STR ? n->rhs->str : "";
	const char *mod = n->cond && n->cond->kind == ND_STR ? n->cond->str : "";
	CType *t = NULL;
	/* no module: in a kernel.function or module(M) probe the probed
	 * module's types, then the kernel's (since 4.3); in a process probe
	 * the program's (or library's) only; elsewhere, and before 4.3, the
	 * kernel's.  Messages name what SystemTap names. */
	const char *shown = mod;
	if (!*mod && compat_before("4.3")) {
		shown = "kernel";
	} else if (!*mod && r->dp && r->dp->kind == &pk_uprobe && r->dp->kp.module) {
		shown = mod = r->dp->kp.module;
	} else if (!*mod && is_kprobe(r->dp)) {
		shown = r->dp->kp.module ? r->dp->kp.module : "kernel";
		if (r->dp->kp.module)
			mod = format("%s:kernel", r->dp->kp.module);
	}
	/* "kernel", "kernel<linux/fs.h>": the kernel's types (BTF holds
	 * them all); "<sys/time.h>": a user-space header, compiled; modules
	 * are looked up by name */
	bool kernel = !*mod || !strncmp(mod, "kernel", 6);
	for (const char *p = mod; !kernel && *p;) {
		const char *e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 6 && !strncmp(p, "kernel", 6))
			kernel = true;
		p += len + (e ? 1 : 0);
	}
	/* the memory it reads: the kernel's for a kernel or module type,
	 * the task's for a program's or a user header's (as SystemTap) */
	int space = SP_KERNEL;
	if (kernel)
		t = btf_find_type(tname);
	if (!t && kernel && !*mod && dw_open(sess, NULL))
		t = dw_find_type(dw_open(sess, NULL), tname);
	/* modules (and the kernel without BTF): DWARF, "a:b:c" in order */
	for (const char *p = mod; !t && (*p || !kernel);) {
		const char *e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *m = arena_strndup(p, len);
		bool is_kernel = !len || !strncmp(m, "kernel", 6);
		bool user = m[0] == '<' || m[0] == '/';
		Dwarf *dw = m[0] == '<' ? dw_header(m) :
			    dw_open(sess, is_kernel ? NULL : m);
		if (dw)
			t = dw_find_type(dw, tname);
		if (t && user)
			space = SP_USER;
		if (!e)
			break;
		p = e + 1;
	}
	if (!t) {
		res_error(r, n->tok, "type definition '%s' not found in '%s'", tname, shown);
		return;
	}
	TVar *tv = new_tv();
	tv->base = B_NODE;
	tv->node = n->lhs;
	tv->space = space;
	CType *p = ct_new(CT_PTR, NULL);
	p->ref = t;
	tv->type = p;
	if (n->op == '&' && !n->args.len && !n->pretty) {
		/* &@cast(p, "T") is the object's address: p (@container_of) */
		tv->final = F_ADDR;
		tv->stype = TY_LONG;
	} else if (!walk_suffix(r, tv, n)) {
		return;
	}
	n->tv = tv;
}

static void resolve_autocast(Res *r, Node *n)
{
	resolve(r, n->lhs);
	int space = SP_REGS;
	CType *t = autocast_type(n->lhs, &space);
	if (!t || !ct_strip(t) || ct_strip(t)->kind != CT_PTR) {
		res_error(r, n->args.len ? n->args.items[0]->tok : n->tok,
			  "unknown type in dereference");
		return;
	}
	TVar *tv = new_tv();
	tv->base = B_NODE;
	tv->node = n->lhs;
	tv->type = t;
	tv->space = space;
	if (!walk_suffix(r, tv, n))
		return;
	n->tv = tv;
}

static void resolve_var(Res *r, Node *n)
{
	const char *spec = n->rhs && n->rhs->kind == ND_STR ? n->rhs->str : "";
	const char *mod = n->cond && n->cond->kind == ND_STR ? n->cond->str : NULL;
	if (mod && !strcmp(mod, "kernel"))
		mod = NULL;
	DerivedProbe *d = r->dp;
	char *bias = NULL;
	Dwarf *dw = NULL;
	bool in_uprobe = d && d->kind == &pk_uprobe && !d->kp.is_return && d->kp.dw_pc;
	if (mod ? mod[0] != '/' && !strchr(mod, '/') && !in_uprobe : !in_uprobe) {
		dw = mod ? NULL : dw_open(sess, NULL);
	} else {
		/* a program's or library's global, from a probe in that
		 * object: where the object is loaded follows from where
		 * the probe hit (the probe's link-time address) */
		const char *path = mod ? (mod[0] == '/' ? mod : uprobe_path(mod, true, NULL)) :
			d->kp.module;
		if (path && in_uprobe && !strcmp(path, d->kp.module)) {
			dw = dw_open(sess, path);
			bias = format("(c->kregs->ip - 0x%llxUL)",
				      (unsigned long long)d->kp.dw_pc);
		}
	}
	CType *t;
	char *code;
	const char *why = "no debuginfo";
	if (!dw || !dw_global(dw, spec, bias, &t, &code, &why)) {
		res_error(r, n->tok, "unresolved @var() expression");
		return;
	}
	TVar *tv = new_tv();
	tv->base = B_CODE;
	tv->code = code;
	tv->base_addr = true;
	tv->at_addr = true;
	tv->type = t;
	tv->space = bias ? SP_USER : SP_KERNEL;
	if (!walk_suffix(r, tv, n))
		return;
	if (!r->quiet && verbose_for(2))
		fprintf(stderr, "tvar: @var(\"%s\") from DWARF at %s\n", spec, code);
	n->tv = tv;
}

static void resolve_target(Res *r, Node *n)
{
	if (n->tv)
		return;
	/* index expressions first */
	for (int i = 0; i < n->args.len; i++)
		if (!(n->args.items[i]->kind == ND_STR &&
		      n->args.items[i]->tok->kind != TK_STRING))
			resolve(r, n->args.items[i]);
	if (!strcmp(n->name, "@cast"))
		resolve_cast(r, n);
	else if (!strcmp(n->name, "@autocast"))
		resolve_autocast(r, n);
	else if (!strcmp(n->name, "@var"))
		resolve_var(r, n);
	else
		resolve_dollar(r, n);
}

static void resolve_entry(Res *r, Node *n)
{
	DerivedProbe *d = r->dp;
	if (!d || !(is_kretprobe(d) || trace_is_sys_exit(d)) || r->at_entry) {
		res_error(r, n->tok, "@entry is only valid in .return probes");
		return;
	}
	Res er = *r;
	er.at_entry = true;
	resolve(&er, n->lhs);
	if (er.failed) {
		r->failed = true;
		return;
	}
	TVar *tv = new_tv();
	tv->base = B_SLOT;
	tv->dp = d;
	tv->slot = add_entry_save(d, n->lhs);
	tv->final = F_VALUE;
	tv->stype = TY_UNKNOWN;         /* the operand's, after type inference */
	n->tv = tv;
}

static void resolve_list(Res *r, NodeList *l)
{
	for (int i = 0; i < l->len; i++)
		resolve(r, l->items[i]);
}

static bool has_target(Node *n)
{
	if (!n)
		return false;
	if (n->kind == ND_TARGET || n->kind == ND_ENTRY)
		return true;
	if (has_target(n->lhs) || has_target(n->rhs) || has_target(n->cond) ||
	    has_target(n->then) || has_target(n->els) ||
	    has_target(n->init) || has_target(n->inc) ||
	    has_target(n->body) || has_target(n->value) ||
	    has_target(n->limit))
		return true;
	for (int i = 0; i < n->args.len; i++)
		if (has_target(n->args.items[i]))
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* script functions using $variables: a copy per probe, as SystemTap */

static unsigned char *fn_needs;         /* by used-function index */
static int fn_needs_len;
typedef struct FnClone {
	Function *orig;
	DerivedProbe *dp;
	Function *clone;
} FnClone;
static Vec fn_clones;
static Vec new_functions;

static bool needs_own(Node *n);

static bool calls_needing(Node *n)
{
	if (!n)
		return false;
	if (n->kind == ND_CALL && n->func && n->func->index < fn_needs_len &&
	    vec_get(&sess->used_functions, n->func->index) == n->func &&
	    fn_needs[n->func->index])
		return true;
	if (calls_needing(n->lhs) || calls_needing(n->rhs) || calls_needing(n->cond) ||
	    calls_needing(n->then) || calls_needing(n->els) || calls_needing(n->init) ||
	    calls_needing(n->inc) || calls_needing(n->body) || calls_needing(n->value) ||
	    calls_needing(n->limit) || calls_needing(n->catch_var))
		return true;
	for (int i = 0; i < n->args.len; i++)
		if (calls_needing(n->args.items[i]))
			return true;
	return false;
}

static void mark_functions(void)
{
	fn_needs_len = sess->used_functions.len;
	fn_needs = arena_alloc(fn_needs_len + 1);
	for (int i = 0; i < fn_needs_len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		fn_needs[i] = f->body && needs_own(f->body);
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (int i = 0; i < fn_needs_len; i++) {
			Function *f = vec_get(&sess->used_functions, i);
			if (!fn_needs[i] && f->body && calls_needing(f->body)) {
				fn_needs[i] = 1;
				changed = true;
			}
		}
	}
}

static Node *copy_tree(Node *n)
{
	if (!n)
		return NULL;
	Node *c = arena_alloc(sizeof(*c));
	*c = *n;
	c->lhs = copy_tree(n->lhs);
	c->rhs = copy_tree(n->rhs);
	c->cond = copy_tree(n->cond);
	c->then = copy_tree(n->then);
	c->els = copy_tree(n->els);
	c->init = copy_tree(n->init);
	c->inc = copy_tree(n->inc);
	c->body = copy_tree(n->body);
	c->value = copy_tree(n->value);
	c->limit = copy_tree(n->limit);
	c->catch_var = copy_tree(n->catch_var);
	NodeList args = {0}, keys = {0};
	for (int i = 0; i < n->args.len; i++)
		nodelist_push(&args, copy_tree(n->args.items[i]));
	for (int i = 0; i < n->keys.len; i++)
		nodelist_push(&keys, copy_tree(n->keys.items[i]));
	c->args = args;
	c->keys = keys;
	/* foreach: the array node shares the loop's variable */
	return c;
}

static void resolve(Res *r, Node *n);

static Function *clone_for(Res *r, Function *f)
{
	for (int i = 0; i < fn_clones.len; i++) {
		FnClone *fc = vec_get(&fn_clones, i);
		if (fc->orig == f && fc->dp == r->dp)
			return fc->clone;
	}
	Function *c = arena_alloc(sizeof(*c));
	*c = *f;
	c->body = copy_tree(f->body);
	c->cname = NULL;
	FnClone *fc = arena_alloc(sizeof(*fc));
	fc->orig = f;
	fc->dp = r->dp;
	fc->clone = c;
	vec_push(&fn_clones, fc);
	vec_push(&new_functions, c);
	Res fr = *r;
	fr.at_entry = false;
	resolve(&fr, c->body);
	if (fr.failed)
		r->failed = true;
	return c;
}

/* The value of a condition made constant by @defined folding:
 * numbers, !, &&, || and comparisons of them. */
static bool const_cond(Node *n, int64_t *v)
{
	int64_t a, b;

	switch (n ? n->kind : ND_NULL_STMT) {
	case ND_NUM:
		*v = n->val;
		return true;
	case ND_NOT:
		if (!const_cond(n->lhs, &a))
			return false;
		*v = !a;
		return true;
	case ND_LOGAND:
	case ND_LOGOR:
		if (!const_cond(n->lhs, &a))
			return false;
		if (n->kind == ND_LOGAND ? !a : a) {
			*v = n->kind == ND_LOGOR;
			return true;
		}
		if (!const_cond(n->rhs, &b))
			return false;
		*v = b != 0;
		return true;
	case ND_CMP:
		if (!const_cond(n->lhs, &a) || !const_cond(n->rhs, &b) ||
		    n->lhs->kind != ND_NUM || n->rhs->kind != ND_NUM)
			return false;
		switch (n->op) {
		case OP_EQ: *v = a == b; return true;
		case OP_NE: *v = a != b; return true;
		case OP_LT: *v = a < b; return true;
		case OP_LE: *v = a <= b; return true;
		case OP_GT: *v = a > b; return true;
		case OP_GE: *v = a >= b; return true;
		default: return false;
		}
	default:
		return false;
	}
}

static void resolve(Res *r, Node *n);

/*
 * cond ? a : b, if (cond) a else b, x && y, x || y whose condition is
 * constant once @defined is folded: the dead side goes before its
 * $variables are resolved, so that @defined($x) ? $x : 0 is accepted
 * where $x does not exist, as in SystemTap (@choose_defined).
 */
static void resolve_branches(Res *r, Node *n)
{
	int64_t v;
	bool logic = n->kind == ND_LOGAND || n->kind == ND_LOGOR;
	Node *cond = logic ? n->lhs : n->cond;

	resolve(r, cond);
	if (!const_cond(cond, &v)) {
		resolve(r, n->rhs);
		resolve(r, n->then);
		resolve(r, n->els);
		return;
	}
	if (logic) {
		if (n->kind == ND_LOGAND ? v : !v) {
			resolve(r, n->rhs);     /* the right side decides */
			return;
		}
		n->kind = ND_NUM;
		n->val = v != 0;
		n->lhs = n->rhs = NULL;
		return;
	}
	Node *live = v ? n->then : n->els;
	if (!live) {
		n->kind = ND_NULL_STMT;
		n->cond = n->then = n->els = NULL;
		return;
	}
	*n = *live;
	resolve(r, n);
}

static void resolve(Res *r, Node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case ND_COND:
	case ND_IF:
	case ND_LOGAND:
	case ND_LOGOR:
		/* calls of functions with $variables get their copies */
		if (!has_target(n) && !calls_needing(n))
			return;
		resolve_branches(r, n);
		return;
	case ND_CALL:
		if (r->dp && n->func && n->func->index < fn_needs_len &&
		    vec_get(&sess->used_functions, n->func->index) == n->func &&
		    fn_needs[n->func->index])
			n->func = clone_for(r, n->func);
		break;
	case ND_TARGET:
		if (!strcmp(n->name, "@var") && compat_before("4.1") && r->dp &&
		    is_kretprobe(r->dp) && !r->at_entry && !r->lvalue) {
			/* up to 4.0, @var in a .return probe meant @entry(@var) */
			Node *v = copy_tree(n);
			n->kind = ND_ENTRY;
			n->lhs = v;
			resolve_entry(r, n);
			return;
		}
		resolve_target(r, n);
		return;
	case ND_ENTRY:
		resolve_entry(r, n);
		return;
	case ND_DEFINED: {
		Res q = *r;
		q.quiet = true;
		q.failed = false;
		resolve(&q, n->lhs);
		bool ok = !q.failed;
		if (n->lhs->kind == ND_TARGET && !n->lhs->tv)
			ok = false;
		if (n->lhs->kind == ND_TARGET && n->lhs->tv &&
		    n->lhs->tv->base == B_ZERO)
			ok = false;
		n->kind = ND_NUM;
		n->val = ok;
		n->lhs = NULL;
		return;
	}
	case ND_ASSIGN: {
		resolve(r, n->rhs);
		Res lr = *r;
		lr.lvalue = true;
		resolve(&lr, n->lhs);
		r->failed |= lr.failed;
		if (n->lhs->kind == ND_TARGET && n->lhs->tv &&
		    n->lhs->tv->final != F_PROCFS && !sess->guru) {
			res_error(r, n->lhs->tok, "write to target variable not permitted; need stap -g");
			return;
		}
		/* autocast: remember the type a variable is given */
		if (n->op == OP_NONE && n->lhs->kind == ND_VAR && n->lhs->var &&
		    n->rhs->kind == ND_TARGET && n->rhs->tv) {
			int space = SP_REGS;
			CType *t = autocast_type(n->rhs, &space);
			if (t && ct_strip(t) && ct_strip(t)->kind == CT_PTR) {
				VarType *vt = arena_alloc(sizeof(*vt));
				vt->var = n->lhs->var;
				vt->type = t;
				vt->space = space;
				vec_push(&var_types, vt);
			}
		}
		return;
	}
	case ND_PREINC: case ND_PREDEC: case ND_POSTINC: case ND_POSTDEC:
		resolve(r, n->lhs);
		if (n->lhs->kind == ND_TARGET && n->lhs->tv && !sess->guru)
			res_error(r, n->lhs->tok, "write to target variable not permitted; need stap -g");
		return;
	default:
		break;
	}
	if (!has_target(n) && !calls_needing(n))
		return;
	resolve(r, n->lhs);
	resolve(r, n->rhs);
	resolve(r, n->cond);
	resolve(r, n->then);
	resolve(r, n->els);
	resolve(r, n->init);
	resolve(r, n->inc);
	resolve(r, n->body);
	resolve(r, n->value);
	resolve(r, n->limit);
	resolve_list(r, &n->args);
}

static bool plt_body;            /* needs_own() for PLT probes: $$name is
				 * the same code for all of them */

static bool needs_own(Node *n)
{
	if (!n)
		return false;
	if (n->kind == ND_ENTRY)
		return true;
	if (n->kind == ND_TARGET && n->name && n->name[0] == '$' &&
	    !(plt_body && is_plt_name(n)))
		return true;
	if (needs_own(n->lhs) || needs_own(n->rhs) || needs_own(n->cond) ||
	    needs_own(n->then) || needs_own(n->els) || needs_own(n->init) ||
	    needs_own(n->inc) || needs_own(n->body) || needs_own(n->value) ||
	    needs_own(n->limit) || needs_own(n->catch_var))
		return true;
	for (int i = 0; i < n->args.len; i++)
		if (needs_own(n->args.items[i]))
			return true;
	return false;
}

/* By name, before binding: the functions that use $variables, directly
 * or through the functions they call. */
static Vec dep_names;
static bool dep_done;

static bool calls_dep_name(Node *n)
{
	if (!n)
		return false;
	if (n->kind == ND_CALL)
		for (int i = 0; i < dep_names.len; i++)
			if (!strcmp(vec_get(&dep_names, i), n->name))
				return true;
	if (calls_dep_name(n->lhs) || calls_dep_name(n->rhs) || calls_dep_name(n->cond) ||
	    calls_dep_name(n->then) || calls_dep_name(n->els) || calls_dep_name(n->init) ||
	    calls_dep_name(n->inc) || calls_dep_name(n->body) || calls_dep_name(n->value) ||
	    calls_dep_name(n->limit) || calls_dep_name(n->catch_var))
		return true;
	for (int i = 0; i < n->args.len; i++)
		if (calls_dep_name(n->args.items[i]))
			return true;
	return false;
}

static void find_dep_functions(void)
{
	dep_done = true;
	dep_names = (Vec){0};
	Vec funcs = sess->functions;
	unsigned char *in = arena_alloc(funcs.len + 1);
	for (bool changed = true; changed;) {
		changed = false;
		for (int i = 0; i < funcs.len; i++) {
			Function *f = vec_get(&funcs, i);
			if (in[i] || !f->body)
				continue;
			if (needs_own(f->body) || calls_dep_name(f->body)) {
				in[i] = 1;
				vec_push(&dep_names, f->name);
				changed = true;
			}
		}
	}
}

bool tvar_body_needs_own_handler(Node *n, bool plt)
{
	if (!dep_done)
		find_dep_functions();
	plt_body = plt;
	bool own = needs_own(n);
	plt_body = false;
	return own || calls_dep_name(n);
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
	return (x > y) - (x < y);
}

static int cmp_site(const void *a, const void *b)
{
	const KprobeSite *x = *(KprobeSite *const *)a, *y = *(KprobeSite *const *)b;
	int c = strcmp(x->module ? x->module : "", y->module ? y->module : "");
	return c ? c : (x->dw_cu > y->dw_cu) - (x->dw_cu < y->dw_cu);
}

/* The DWARF units of the probes whose handler uses $variables, opened
 * in the order of their offsets: then one view reads them all
 * (dw_unit). */
static void open_units(void)
{
	int n = sess->derived.len;
	if (!n)
		return;
	Handler **hs = calloc(n, sizeof(*hs));
	if (!hs)
		fatal("out of memory");
	for (int i = 0; i < n; i++)
		hs[i] = ((DerivedProbe *)vec_get(&sess->derived, i))->handler;
	qsort(hs, n, sizeof(*hs), cmp_ptr);
	Vec sites = {0};
	for (int i = 0; i < n; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		Handler **h = bsearch(&d->handler, hs, n, sizeof(*hs), cmp_ptr);
		bool shared = (h > hs && h[-1] == d->handler) ||
			      (h + 1 < hs + n && h[1] == d->handler);
		if (is_kprobe(d) && d->kp.dw_cu && !shared &&
		    tvar_body_needs_own_handler(d->handler->body, false))
			vec_push(&sites, &d->kp);
	}
	free(hs);
	if (sites.len > 1)
		qsort(sites.data, sites.len, sizeof(void *), cmp_site);
	for (int i = 0; i < sites.len; i++) {
		KprobeSite *k = vec_get(&sites, i);
		Dwarf_Die cu;
		if (i == 0 || cmp_site(&sites.data[i - 1], &sites.data[i]))
			dw_unit(k->module, k->dw_cu, &cu);
	}
}

bool tvar_resolve(void)
{
	int errors = sess->semantic_errors;
	entry_saves = (Vec){0};
	var_types = (Vec){0};
	fn_clones = (Vec){0};
	new_functions = (Vec){0};
	mark_functions();
	open_units();
	Vec done = {0};
	for (int i = 0; i < sess->derived.len; i++) {
		DerivedProbe *d = vec_get(&sess->derived, i);
		Handler *h = d->handler;
		bool seen = false;
		for (int j = 0; j < done.len && !seen; j++)
			seen = vec_get(&done, j) == h;
		if (seen)
			continue;
		vec_push(&done, h);
		Res r = { d, false, false, false };
		resolve(&r, h->body);
		if (d->cond)
			resolve(&r, d->cond);
	}
	/* functions using $variables exist only as their per-probe copies */
	Vec kept = {0};
	for (int i = 0; i < sess->used_functions.len; i++) {
		Function *f = vec_get(&sess->used_functions, i);
		if (i < fn_needs_len && fn_needs[i]) {
			bool cloned = false;
			for (int j = 0; j < fn_clones.len && !cloned; j++)
				cloned = ((FnClone *)vec_get(&fn_clones, j))->orig == f;
			if (cloned)
				continue;
		}
		vec_push(&kept, f);
		Res r = { NULL, false, false, false };
		resolve(&r, f->body);
	}
	for (int i = 0; i < new_functions.len; i++)
		vec_push(&kept, vec_get(&new_functions, i));
	for (int i = 0; i < kept.len; i++)
		((Function *)vec_get(&kept, i))->index = i;
	sess->used_functions = kept;
	fn_needs_len = 0;
	dep_done = false;
	return sess->semantic_errors == errors;
}

/* The entry data of derived probe D: the nodes saved and their slots. */
int tvar_entry_nodes(DerivedProbe *d, Node ***nodes)
{
	for (int i = 0; i < entry_saves.len; i++) {
		EntrySaves *e = vec_get(&entry_saves, i);
		if (e->dp == d) {
			*nodes = (Node **)e->nodes.data;
			return e->nodes.len;
		}
	}
	*nodes = NULL;
	return 0;
}

Type tvar_type(Node *n)
{
	if (!n->tv)
		return TY_UNKNOWN;
	return n->tv->stype;
}

void tvar_reset(void)
{
	entry_saves = (Vec){0};
	var_types = (Vec){0};
	fn_clones = (Vec){0};
	new_functions = (Vec){0};
	fn_needs = NULL;
	fn_needs_len = 0;
	dep_names = (Vec){0};
	dep_done = false;
	func_addrs = (Vec){0};
	btf_reset();
	ctype_reset();
}
