/* SPDX-License-Identifier: GPL-2.0 */
/*
 * =~ and !~: a Pike VM running the programs stap/regex.c compiles.  Every
 * thread advances in step over the subject, so a match costs at most
 * (subject length x program length) steps, with no recursion and no
 * allocation: the thread lists live in the context, sized by the
 * generated STP_REGEX_MAXPROG (the longest program) and STP_REGEX_MAXCAP
 * (two slots per group, the whole match included).  The groups of the
 * last successful match are kept for matched(N).
 */
#ifndef _STP_REGEX_H_
#define _STP_REGEX_H_

enum {
	STP_RE_CHAR, STP_RE_ANY, STP_RE_CLASS, STP_RE_BOL, STP_RE_EOL,
	STP_RE_SPLIT, STP_RE_JMP, STP_RE_SAVE, STP_RE_MATCH,
};

struct stp_re_inst {
	unsigned char op;
	short x, y;
};

struct stp_regex {
	const struct stp_re_inst *code;
	int ninsts;
	const unsigned char *classes;	/* 32 bytes (256 bits) each */
	int ngroups;
};

struct stp_re_thread {
	int pc;
	int caps[STP_REGEX_MAXCAP];
};

struct stp_re_vm {
	struct stp_re_thread list[2][STP_REGEX_MAXPROG];
	unsigned int mark[STP_REGEX_MAXPROG];
	unsigned int gen;
	struct { int pc, slot, val; } stack[2 * STP_REGEX_MAXPROG + 2];
	int caps[STP_REGEX_MAXCAP];
};

static DEFINE_PER_CPU(struct stp_re_vm, _stp_re_vm);

/* Add the thread at PC (following jumps, splits, saves and anchors) to
 * LIST, whose marks carry generation GEN; CAPS are its groups so far. */
static void _stp_re_add(struct stp_re_vm *vm, const struct stp_regex *re,
			struct stp_re_thread *list, int *n, unsigned int gen,
			int pc, const int *caps, int pos, int len)
{
	int sp = 0, ncaps = 2 * re->ngroups + 2;

	memcpy(vm->caps, caps, ncaps * sizeof(int));
	vm->stack[sp].pc = pc;
	vm->stack[sp++].slot = -1;
	while (sp > 0) {
		const struct stp_re_inst *in;

		sp--;
		if (vm->stack[sp].slot >= 0) {	/* a SAVE undone */
			vm->caps[vm->stack[sp].slot] = vm->stack[sp].val;
			continue;
		}
		pc = vm->stack[sp].pc;
		if (pc < 0 || pc >= re->ninsts || vm->mark[pc] == gen)
			continue;
		vm->mark[pc] = gen;
		in = &re->code[pc];
		switch (in->op) {
		case STP_RE_JMP:
			vm->stack[sp].pc = in->x;
			vm->stack[sp++].slot = -1;
			break;
		case STP_RE_SPLIT:	/* x first: the preferred path */
			vm->stack[sp].pc = in->y;
			vm->stack[sp++].slot = -1;
			vm->stack[sp].pc = in->x;
			vm->stack[sp++].slot = -1;
			break;
		case STP_RE_SAVE:
			vm->stack[sp].slot = in->x;
			vm->stack[sp++].val = vm->caps[in->x];
			vm->caps[in->x] = pos;
			vm->stack[sp].pc = pc + 1;
			vm->stack[sp++].slot = -1;
			break;
		case STP_RE_BOL:
			if (pos == 0) {
				vm->stack[sp].pc = pc + 1;
				vm->stack[sp++].slot = -1;
			}
			break;
		case STP_RE_EOL:
			if (pos == len) {
				vm->stack[sp].pc = pc + 1;
				vm->stack[sp++].slot = -1;
			}
			break;
		default:
			list[*n].pc = pc;
			memcpy(list[*n].caps, vm->caps, ncaps * sizeof(int));
			(*n)++;
		}
	}
}

/*
 * Does S match RE anywhere?  On a match, the subject and the groups'
 * offsets go to the context for matched(); a failed match forgets them.
 */
static int _stp_regex_match(struct context *c, const char *s,
			    const struct stp_regex *re)
{
	struct stp_re_vm *vm = this_cpu_ptr(&_stp_re_vm);
	int len = strnlen(s, MAXSTRINGLEN - 1);
	int ncaps = 2 * re->ngroups + 2, nc = 0, nn, i, k, cur = 0;
	int start[STP_REGEX_MAXCAP], best[STP_REGEX_MAXCAP];
	int matched = 0;
	unsigned int cgen;

	for (k = 0; k < ncaps; k++)
		start[k] = -1;
	cgen = ++vm->gen;
	for (i = 0; i <= len; i++) {
		struct stp_re_thread *cl = vm->list[cur], *nl = vm->list[!cur];
		unsigned char ch = i < len ? s[i] : 0;
		unsigned int ngen;

		/* a new attempt starting here, least preferred */
		if (!matched)
			_stp_re_add(vm, re, cl, &nc, cgen, 0, start, i, len);
		ngen = ++vm->gen;
		nn = 0;
		for (k = 0; k < nc; k++) {
			const struct stp_re_inst *in = &re->code[cl[k].pc];
			int ok = 0;

			switch (in->op) {
			case STP_RE_MATCH:
				memcpy(best, cl[k].caps, ncaps * sizeof(int));
				matched = 1;
				k = nc;		/* the others are worse */
				continue;
			case STP_RE_CHAR:
				ok = i < len && ch == (unsigned char)in->x;
				break;
			case STP_RE_ANY:
				ok = i < len;
				break;
			case STP_RE_CLASS:
				ok = i < len &&
				     (re->classes[32 * in->x + (ch >> 3)] >> (ch & 7)) & 1;
				break;
			}
			if (ok)
				_stp_re_add(vm, re, nl, &nn, ngen, cl[k].pc + 1,
					    cl[k].caps, i + 1, len);
		}
		cur = !cur;
		nc = nn;
		cgen = ngen;
		if (nc == 0 && matched)
			break;
	}
	c->re_matched = matched;
	if (matched) {
		memcpy(c->re_subject, s, len);
		c->re_subject[len] = '\0';
		memcpy(c->re_caps, best, ncaps * sizeof(int));
		c->re_ngroups = re->ngroups;
	}
	return matched;
}

#endif /* _STP_REGEX_H_ */
