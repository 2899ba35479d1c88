/*
 * dwloc.c - DWARF location expressions (DWARF 5, section 2.6) as C
 * expressions over the probe's registers (struct pt_regs, c->kregs), for
 * $variables (tvar.c): registers, frame base, CFA, constants, pieces of
 * arithmetic.  What cannot be expressed gets a reason instead.
 */
#include <stdlib.h>
#include <string.h>

#include "stap.h"

/* pt_regs fields by x86-64 DWARF register number */
static const char *const dw_regs[17] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};

/* The CFA at PC as a C expression over the registers, or NULL. */
static char *dw_cfa(DwCtx *x)
{
	if (x->at_entry)
		return "(c->kregs->sp + 8)";
	Dwarf_CFI *cfi = dwarf_getcfi(x->dw);
	if (!cfi)
		cfi = dwarf_getcfi_elf(dwarf_getelf(x->dw));
	Dwarf_Frame *frame;
	if (!cfi || dwarf_cfi_addrframe(cfi, x->pc, &frame) != 0)
		return NULL;
	Dwarf_Op *ops;
	size_t nops;
	char *r = NULL;
	if (dwarf_frame_cfa(frame, &ops, &nops) == 0 && nops == 1 &&
	    ops[0].atom == DW_OP_bregx && ops[0].number < 17)
		r = format("(c->kregs->%s + %lldL)", dw_regs[ops[0].number],
			   (long long)ops[0].number2);
	else if (nops == 1 && ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg16)
		r = format("(c->kregs->%s + %lldL)", dw_regs[ops[0].atom - DW_OP_breg0],
			   (long long)(int64_t)ops[0].number);
	free(frame);
	return r;
}

static char *dw_expr(DwCtx *x, Dwarf_Op *ops, size_t nops, bool *is_addr,
		     const char **why, int depth);

static char *dw_frame_base(DwCtx *x, const char **why, int depth)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t nops;
	if (!dwarf_attr_integrate(&x->func, DW_AT_frame_base, &a) ||
	    dwarf_getlocation_addr(&a, x->pc, &ops, &nops, 1) != 1) {
		*why = "no frame base";
		return NULL;
	}
	bool is_addr;
	char *fb = dw_expr(x, ops, nops, &is_addr, why, depth + 1);
	return fb;
}

/*
 * A DWARF location expression as a C expression: the variable's address
 * (*IS_ADDR) or its value.  NULL with *WHY when it cannot be done.
 */
static char *dw_expr(DwCtx *x, Dwarf_Op *ops, size_t nops, bool *is_addr,
		     const char **why, int depth)
{
	char *st[16];
	int sp = 0;
	bool value = false;
	*is_addr = true;
	if (depth > 4) {
		*why = "location too complex";
		return NULL;
	}
	if (nops == 0) {
		*why = "optimized out";
		return NULL;
	}
#define PUSH(e) do { if (sp == 16) { *why = "location too complex"; return NULL; } st[sp++] = (e); } while (0)
#define NEED(n) do { if (sp < (n)) { *why = "malformed location"; return NULL; } } while (0)
	for (size_t i = 0; i < nops; i++) {
		Dwarf_Op *op = &ops[i];
		uint8_t at = op->atom;
		if (at >= DW_OP_lit0 && at <= DW_OP_lit31) {
			PUSH(format("%dUL", at - DW_OP_lit0));
			continue;
		}
		if ((at >= DW_OP_reg0 && at <= DW_OP_reg31) || at == DW_OP_regx) {
			uint64_t r = at == DW_OP_regx ? op->number : at - DW_OP_reg0;
			if (r >= 17) {
				*why = "register not available in pt_regs";
				return NULL;
			}
			if (i + 1 < nops && ops[i + 1].atom != DW_OP_piece) {
				*why = "malformed location";
				return NULL;
			}
			*is_addr = false;
			return format("c->kregs->%s", dw_regs[r]);
		}
		if ((at >= DW_OP_breg0 && at <= DW_OP_breg31) || at == DW_OP_bregx) {
			uint64_t r = at == DW_OP_bregx ? op->number : at - DW_OP_breg0;
			int64_t off = at == DW_OP_bregx ? (int64_t)op->number2 : (int64_t)op->number;
			if (r >= 17) {
				*why = "register not available in pt_regs";
				return NULL;
			}
			PUSH(format("(c->kregs->%s + %lldL)", dw_regs[r], (long long)off));
			continue;
		}
		switch (at) {
		case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u:
		case DW_OP_const8u: case DW_OP_constu:
			PUSH(format("%lluUL", (unsigned long long)op->number));
			break;
		case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s:
		case DW_OP_const8s: case DW_OP_consts:
			PUSH(format("(unsigned long)%lldL", (long long)(int64_t)op->number));
			break;
		case DW_OP_fbreg: {
			char *fb = dw_frame_base(x, why, depth);
			if (!fb)
				return NULL;
			PUSH(format("(%s + %lldL)", fb, (long long)(int64_t)op->number));
			break;
		}
		case DW_OP_call_frame_cfa: {
			char *cfa = dw_cfa(x);
			if (!cfa) {
				*why = "no call frame information";
				return NULL;
			}
			PUSH(cfa);
			break;
		}
		case DW_OP_plus_uconst:
			NEED(1);
			st[sp - 1] = format("(%s + %lluUL)", st[sp - 1],
					    (unsigned long long)op->number);
			break;
		case DW_OP_plus: case DW_OP_minus: case DW_OP_mul: case DW_OP_and:
		case DW_OP_or: case DW_OP_xor: case DW_OP_shl: case DW_OP_shr: {
			NEED(2);
			const char *o = at == DW_OP_plus ? "+" : at == DW_OP_minus ? "-" :
					at == DW_OP_mul ? "*" : at == DW_OP_and ? "&" :
					at == DW_OP_or ? "|" : at == DW_OP_xor ? "^" :
					at == DW_OP_shl ? "<<" : ">>";
			st[sp - 2] = format("((unsigned long)%s %s (unsigned long)%s)",
					    st[sp - 2], o, st[sp - 1]);
			sp--;
			break;
		}
		case DW_OP_neg:
			NEED(1);
			st[sp - 1] = format("(0UL - %s)", st[sp - 1]);
			break;
		case DW_OP_not:
			NEED(1);
			st[sp - 1] = format("(~(unsigned long)%s)", st[sp - 1]);
			break;
		case DW_OP_dup: {
			NEED(1);
			char *top = st[sp - 1];
			PUSH(top);
			break;
		}
		case DW_OP_deref:
			NEED(1);
			st[sp - 1] = format("_stp_tv_read(c, STP_TV_REGS, %s, 8, 0)", st[sp - 1]);
			break;
		case DW_OP_stack_value:
			value = true;
			break;
		case DW_OP_piece:
			/* the first piece, when it is the whole of a scalar */
			if (i + 1 < nops) {
				*why = "split into pieces";
				return NULL;
			}
			break;
		case DW_OP_entry_value: case DW_OP_GNU_entry_value: {
			Dwarf_Attribute ea;
			Dwarf_Op *sub;
			size_t nsub;
			if (!x->at_entry ||
			    dwarf_getlocation_attr(NULL, op, &ea) != 0 ||
			    dwarf_getlocation(&ea, &sub, &nsub) != 0 || nsub != 1 ||
			    !((sub[0].atom >= DW_OP_reg0 && sub[0].atom <= DW_OP_reg16))) {
				*why = "only known at function entry (DW_OP_entry_value)";
				return NULL;
			}
			PUSH(format("c->kregs->%s", dw_regs[sub[0].atom - DW_OP_reg0]));
			break;
		}
		case DW_OP_implicit_value:
			if (op->number > 8) {
				*why = "implicit value too large";
				return NULL;
			} else {
				Dwarf_Attribute ea;
				Dwarf_Block blk;
				if (dwarf_getlocation_attr(NULL, op, &ea) != 0 ||
				    dwarf_formblock(&ea, &blk) != 0) {
					*why = "malformed location";
					return NULL;
				}
				uint64_t v = 0;
				for (size_t k = blk.length; k > 0; k--)
					v = v << 8 | blk.data[k - 1];
				*is_addr = false;
				return format("%lluUL", (unsigned long long)v);
			}
		case DW_OP_addr:
			*why = "a static address (use @var)";
			return NULL;
		case DW_OP_GNU_implicit_pointer: case DW_OP_implicit_pointer:
			*why = "an implicit pointer (optimized out)";
			return NULL;
		default:
			*why = format("unsupported DWARF operation 0x%x", at);
			return NULL;
		}
	}
#undef PUSH
#undef NEED
	if (sp != 1) {
		*why = "malformed location";
		return NULL;
	}
	*is_addr = !value;
	return st[0];
}

char *dw_loc_expr(DwCtx *x, Dwarf_Op *ops, size_t nops, bool *is_addr,
		  const char **why)
{
	return dw_expr(x, ops, nops, is_addr, why, 0);
}
