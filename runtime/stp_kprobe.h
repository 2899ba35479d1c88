/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kprobes and kretprobes (stap/probe_kprobe.c): kernel.function,
 * kernel.statement, module(...).function/statement, kprobe.function.
 * The generated table _stp_kprobes ends with a NULL .probe; each entry
 * names its site (symbol + offset, or an address for .absolute) and the
 * handlers made for its wrapper with STP_KPROBE_HANDLERS and, for a
 * .return probe saving values at entry, STP_KRETPROBE_ENTRY.
 */
#ifndef _STP_KPROBE_H_
#define _STP_KPROBE_H_

/* kprobe.function(F), kernel.function(F) entry, and .return */
struct stp_kprobe_live;

/* A probe's entry in the generated table: constant but for the state
 * fields; the kernel's kprobe or kretprobe lives in a stp_kprobe_live
 * allocated when it is registered, so that a batched probe (and the
 * module file) carries none. */
struct stp_kprobe {
	const struct stp_probe *probe;
	const char *symbol;		/* NULL: "_stext" (set when armed);
					 * "": OFFSET is an address */
	unsigned long offset;
	int ret;			/* kretprobe */
	int maxactive;			/* -1: KRETACTIVE */
	/* the handlers made for this probe's wrapper (STP_KPROBE_HANDLERS) */
	int (*pre)(struct kprobe *kp, struct pt_regs *regs);
	int (*rh)(struct kretprobe_instance *ri, struct pt_regs *regs);
	/* .return probes saving values at entry (STP_KRETPROBE_ENTRY) */
	int (*eh)(struct kretprobe_instance *ri, struct pt_regs *regs);
	size_t data_size;
	int optional;
	int entry;			/* at a function's first instruction */
	int registered;			/* 1: a kprobe, 2: batched (ftrace),
					 * -1: refused, -2: to refuse */
	struct stp_kprobe_live *live;	/* registered == 1 */
	unsigned long addr;		/* from _stp_kprobes_resolve, or 0 */
};

struct stp_kprobe_live {
	struct stp_kprobe *k;
	union {
		struct kprobe kp;
		struct kretprobe rp;
	} u;
};

static inline struct stp_kprobe *
_stp_kretprobe_of(struct kretprobe_instance *ri)
{
	struct kretprobe *rp = get_kretprobe(ri);

	return rp ? container_of(rp, struct stp_kprobe_live, u.rp)->k : NULL;
}

/*
 * Set while this CPU runs handlers of the batched entry probes (below).
 * A kprobe hit inside one is missed
 * silently, as the kprobes layer misses a kprobe inside another kprobe's
 * handler: without batching these would be kprobes too, and must not
 * count as skipped probes.
 */
static DEFINE_PER_CPU(int, _stp_in_fentry);

/*
 * The task registering the kprobes after the ftrace_ops is armed: its
 * calls are no probe hits while it does so.  The kernel checks a kprobe
 * by decoding its whole function, some forty calls an instruction; with
 * kernel.function("*") all of them ran handlers, and one kprobe took
 * 26 s (a soft lockup).
 */
static struct task_struct *_stp_kprobe_arming;

/* A kprobe pre-handler and a kretprobe handler calling wrapper FN
 * directly (the generated code makes them for each wrapper of a kprobe). */
#define STP_KPROBE_HANDLERS(name, fn)					\
static __maybe_unused int name##_pre(struct kprobe *kp,		\
				     struct pt_regs *regs)		\
{									\
	struct stp_kprobe_live *l =					\
		container_of(kp, struct stp_kprobe_live, u.kp);		\
									\
	if (unlikely(this_cpu_read(_stp_in_fentry)))			\
		return 0;	/* inside a batched handler */		\
	_stp_run_probe_fn(l->k->probe, regs, (unsigned long)kp->addr,	\
			  fn);						\
	return 0;							\
}									\
static __maybe_unused int name##_ret(struct kretprobe_instance *ri,	\
				     struct pt_regs *regs)		\
{									\
	struct stp_kprobe *k = _stp_kretprobe_of(ri);			\
									\
	if (likely(k) && likely(!this_cpu_read(_stp_in_fentry)))	\
		_stp_run_probe_fn(k->probe, regs,			\
				  (unsigned long)k->live->u.rp.kp.addr,	\
				  fn);					\
	return 0;							\
}

/* A .return probe that saves values at entry: the kretprobe's entry
 * handler runs ENTFN with the instance's data, the return handler FN. */
#define STP_KRETPROBE_ENTRY(name, fn, entfn)				\
static int name##_ent(struct kretprobe_instance *ri,			\
		      struct pt_regs *regs)				\
{									\
	struct stp_kprobe *k = _stp_kretprobe_of(ri);			\
									\
	if (unlikely(!k) || unlikely(this_cpu_read(_stp_in_fentry)))	\
		return 1;						\
	return _stp_run_probe_data(k->probe, regs,			\
				   (unsigned long)k->live->u.rp.kp.addr, \
				   entfn, ri->data) ? 0 : 1;		\
}									\
static int name##_retd(struct kretprobe_instance *ri,			\
		       struct pt_regs *regs)				\
{									\
	struct stp_kprobe *k = _stp_kretprobe_of(ri);			\
									\
	if (likely(k))							\
		_stp_run_probe_data(k->probe, regs,			\
				    (unsigned long)k->live->u.rp.kp.addr, \
				    fn, ri->data);			\
	return 0;							\
}

/*
 * Wide sets are not jump-optimized.  The kernel's optimizer replaces a
 * kprobe's int3 with a jump some jiffies after its registration, holding
 * kprobe_mutex over an RCU-tasks grace period each time: the next
 * registration waits for it.  With 8713 kprobes of kernel.function("*")
 * .call in the test VM, that made registration 72 ms per kprobe instead
 * of 21; and removing an optimized kprobe patches the text three times,
 * not once.  A kprobe with a post_handler is never optimized: so when
 * STP_KPROBE_OPTMAX or more kprobes are to be registered, each gets an
 * empty one, unless its address is an ftrace location (a kprobe there
 * is armed through ftrace, and one with a post_handler would need
 * IPMODIFY).  ftrace_location is not exported: found as kallsyms_on_each_
 * symbol is.
 */
#ifndef STP_KPROBE_OPTMAX
#define STP_KPROBE_OPTMAX 64
#endif

static void notrace _stp_kprobe_post(struct kprobe *kp, struct pt_regs *regs,
				     unsigned long flags)
{
}

/* FTRACE_LOC: the kernel's ftrace_location, to give K an empty post-handler
 * unless it is at one; NULL: K may be optimized. */
static int _stp_register_kprobe(struct stp_kprobe *k,
				struct stp_kprobe_live *live,
				unsigned long (*ftrace_loc)(unsigned long))
{
	live->k = k;
	k->live = live;
	if (k->ret) {
		struct kretprobe *rp = &live->u.rp;

		if (k->addr) {
			rp->kp.addr = (kprobe_opcode_t *)k->addr;
		} else if (k->symbol[0]) {
			rp->kp.symbol_name = k->symbol;
			rp->kp.offset = k->offset;
		} else {	/* .absolute: offset is the address */
			rp->kp.addr = (kprobe_opcode_t *)k->offset;
		}
		rp->handler = k->rh;
		rp->entry_handler = k->eh;
		rp->data_size = k->data_size;
		rp->maxactive = k->maxactive >= 0 ? k->maxactive : KRETACTIVE;
		return register_kretprobe(rp);
	} else {
		struct kprobe *kp = &live->u.kp;

		if (k->addr) {
			kp->addr = (kprobe_opcode_t *)k->addr;
		} else if (k->symbol[0]) {
			kp->symbol_name = k->symbol;
			kp->offset = k->offset;
		} else {	/* .absolute: offset is the address */
			kp->addr = (kprobe_opcode_t *)k->offset;
		}
		kp->pre_handler = k->pre;
		if (ftrace_loc && kp->addr &&
		    !ftrace_loc((unsigned long)kp->addr))
			kp->post_handler = _stp_kprobe_post;
		return register_kprobe(kp);
	}
}

/*
 * The sites' addresses, from one walk of kallsyms for the whole table
 * (STP_KSYM_MIN or more sites named in the kernel's symbols): given a
 * name, register_kprobe looks it up with kallsyms_lookup_name, which in
 * 6.1 reads the symbols one by one up to that name's; for thousands of
 * kprobes those lookups were most of the registration.  The first symbol
 * of a name wins, as in that lookup; DWARF-placed probes ("_stext" +
 * offset) are relative to the _stext found.  The kernel exports no
 * walk: kallsyms_on_each_symbol is found with a kprobe, as register_
 * kprobe itself finds names.  Module sites ("mod:func") keep their name.
 */
#ifndef STP_KSYM_MIN
#define STP_KSYM_MIN 8
#endif

#ifdef CONFIG_KALLSYMS
static int _stp_ksite_cmp(const void *a, const void *b)
{
	const struct stp_kprobe *const *x = a, *const *y = b;

	return strcmp((*x)->symbol, (*y)->symbol);
}

struct stp_ksym_walk {
	struct stp_kprobe **sites;	/* sorted by name */
	int n;
	unsigned long seen;
	unsigned long *addrs;		/* every symbol's, in kallsyms order */
	unsigned long naddrs, maxaddrs;
};

/* kallsyms_on_each_symbol: give the sites of this name its address. */
static int _stp_ksite_sym(void *data, const char *name, struct module *mod,
			  unsigned long addr)
{
	struct stp_ksym_walk *w = data;
	struct stp_kprobe key_k = { .symbol = name }, *key = &key_k, **f;

	if (!(++w->seen & 1023) && _stp_arm_interrupted())
		return 1;	/* a stop signal: arming stops */
	if (w->naddrs < w->maxaddrs)
		w->addrs[w->naddrs++] = addr;
	f = bsearch(&key, w->sites, w->n, sizeof(*f), _stp_ksite_cmp);
	if (!f)
		return 0;
	while (f > w->sites && !strcmp(f[-1]->symbol, name))
		f--;
	for (; f < w->sites + w->n && !strcmp((*f)->symbol, name); f++)
		if (!(*f)->addr)
			(*f)->addr = addr + (*f)->offset;
	return 0;
}

static int _stp_ksite_named(const struct stp_kprobe *k)
{
	return k->symbol[0] && !strchr(k->symbol, ':');
}

/*
 * A site in a "function" of STP_KPROBE_MAXFUNC bytes or more is refused
 * (-EFBIG, registered == -2): the kernel checks a kprobe by decoding its
 * whole function, looking every instruction up among the kprobes, and
 * such a symbol is the padding of a section (srso_alias_safe_ret spans
 * 1 MB of int3 up to the next symbol): with thousands of kprobes armed,
 * that one registration took more than 26 s (a soft lockup).  The
 * kernel's largest function is about 17 KB.  The symbols' addresses are
 * sorted (kallsyms is), so a site's function ends at the first address
 * above the greatest one at or below the site.
 */
#ifndef STP_KPROBE_MAXFUNC
#define STP_KPROBE_MAXFUNC (256 * 1024)
#endif

static void _stp_ksite_sized(struct stp_ksym_walk *w, struct stp_kprobe *k)
{
	unsigned long lo = 0, hi = w->naddrs, start, next;

	while (lo < hi) {	/* the first address above the site */
		unsigned long mid = (lo + hi) / 2;

		if (w->addrs[mid] <= k->addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || lo == w->naddrs)
		return;
	start = w->addrs[lo - 1];
	next = w->addrs[lo];
	if (next - start >= STP_KPROBE_MAXFUNC) {
		k->addr = 0;
		k->registered = -2;
	}
}

/* Set the addresses; a site left at 0 is registered by its name. */
static void _stp_kprobes_resolve(struct stp_kprobe *table)
{
	int (*each)(int (*)(void *, const char *, struct module *,
			    unsigned long), void *);
	struct stp_ksym_walk w = { 0 };
	struct stp_kprobe *k;
	int n = 0;

	for (k = table; k->probe; k++)
		n += _stp_ksite_named(k);
	if (n < STP_KSYM_MIN)
		return;
	each = (void *)_stp_kprobe_addr("kallsyms_on_each_symbol");
	w.sites = each ? kvcalloc(n, sizeof(*w.sites), GFP_KERNEL) : NULL;
	if (!w.sites)
		return;
	for (k = table; k->probe; k++)
		if (_stp_ksite_named(k))
			w.sites[w.n++] = k;
	sort(w.sites, w.n, sizeof(*w.sites), _stp_ksite_cmp, NULL);
	w.maxaddrs = 1 << 18;	/* 6.1's vmlinux has about 95,000 */
	w.addrs = kvcalloc(w.maxaddrs, sizeof(*w.addrs), GFP_KERNEL);
	if (!w.addrs)
		w.maxaddrs = 0;
	each(_stp_ksite_sym, &w);
	if (w.naddrs < w.maxaddrs)	/* else some are missing: no check */
		for (n = 0; n < w.n; n++)
			if (w.sites[n]->addr)
				_stp_ksite_sized(&w, w.sites[n]);
	kvfree(w.addrs);
	kvfree(w.sites);
}
#else
static void _stp_kprobes_resolve(struct stp_kprobe *table)
{
}
#endif

/*
 * Batched function entry probes.  Registering a kprobe costs an ftrace
 * filter update and text patching each (about 30 ms in the test VM);
 * with STP_FTRACE_MIN (8) or more probes at the first instruction of kernel
 * functions, they are armed instead as one ftrace_ops whose filter holds
 * all their addresses: one update for the whole set.  A function ftrace
 * refuses (notrace, not in available_filter_functions) keeps its kprobe.
 * The handlers run as a kprobe pre-handler runs them, with the registers
 * saved by ftrace and regs->ip where a kprobe's int3 would leave it.
 *
 * The addresses are _stp_kprobes_resolve's: a site it left without one
 * keeps its kprobe.  -DSTP_FTRACE_MIN=0 turns this off.
 */
#ifndef STP_FTRACE_MIN
#define STP_FTRACE_MIN 8
#endif

#if defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS) && defined(CONFIG_KALLSYMS) && \
	STP_FTRACE_MIN > 0

struct stp_fsite {
	unsigned long addr;
	struct stp_kprobe *k;
};

/*
 * Batched return probes, where the kernel has rethook (the shadow stack
 * under its kretprobes and fprobes; 6.1's x86 kernels have it, not
 * fprobe): the ftrace_ops callback takes a node from one pool shared by
 * all the .return sites and hooks the function's return, as fprobe does;
 * the return runs the probe from the rethook handler with the registers
 * a kretprobe handler gets.  rethook exports nothing: its functions come
 * from kallsyms_lookup_name, itself found with a kprobe; without them
 * .return probes stay kretprobes.  The pool holds max(10, 2 * CPUs)
 * nodes per site, as many as a kretprobe's default maxactive gives each
 * function, shared; a return that finds none is a skipped probe.
 * .return probes saving @entry values stay kretprobes.
 */
#if defined(CONFIG_RETHOOK) && defined(CONFIG_HAVE_RETHOOK)
#include <linux/rethook.h>

struct stp_rnode {
	struct rethook_node node;	/* first: the kernel kfree()s it */
	struct stp_kprobe *k;
	unsigned long func;
};

static struct {
	struct rethook *(*alloc)(void *data, rethook_handler_t handler);
	void (*add_node)(struct rethook *rh, struct rethook_node *node);
	struct rethook_node *(*try_get)(struct rethook *rh);
	void (*hook)(struct rethook_node *node, struct pt_regs *regs,
		     bool mcount);
	void (*stop)(struct rethook *rh);
	void (*free)(struct rethook *rh);
} _stp_rhf;
static struct rethook *_stp_rh;

/* Whether rethook's functions were found. */
static int _stp_rethook_found(void)
{
	unsigned long (*lookup)(const char *name);

	if (_stp_rhf.free)
		return 1;
	lookup = (void *)_stp_kprobe_addr("kallsyms_lookup_name");
	if (!lookup)
		return 0;
	_stp_rhf.alloc = (void *)lookup("rethook_alloc");
	_stp_rhf.add_node = (void *)lookup("rethook_add_node");
	_stp_rhf.try_get = (void *)lookup("rethook_try_get");
	_stp_rhf.hook = (void *)lookup("rethook_hook");
	_stp_rhf.stop = (void *)lookup("rethook_stop");
	_stp_rhf.free = (void *)lookup("rethook_free");
	if (_stp_rhf.alloc && _stp_rhf.add_node && _stp_rhf.try_get &&
	    _stp_rhf.hook && _stp_rhf.stop && _stp_rhf.free)
		return 1;
	_stp_rhf.free = NULL;
	return 0;
}

static void notrace _stp_rethook_handler(struct rethook_node *rn, void *data,
					 struct pt_regs *regs)
{
	struct stp_rnode *n = container_of(rn, struct stp_rnode, node);
	const struct stp_probe *p = n->k->probe;

	this_cpu_write(_stp_in_fentry, 1);
	_stp_run_probe_fn(p, regs, n->func, p->ph);	/* its wrapper */
	this_cpu_write(_stp_in_fentry, 0);
}

/* At the entry of a function with .return sites (ftrace callback). */
static void notrace _stp_rethook_entry(struct stp_kprobe *k, unsigned long ip,
				       struct pt_regs *regs)
{
	struct rethook_node *rn = _stp_rhf.try_get(_stp_rh);
	struct stp_rnode *n;

	if (unlikely(!rn)) {
		_stp_skip(STP_SKIP_OTHER);
		return;
	}
	n = container_of(rn, struct stp_rnode, node);
	n->k = k;
	n->func = ip;
	_stp_rhf.hook(rn, regs, true);
}

/* The pool for NRET return sites. */
static int _stp_rethook_alloc(int nret)
{
	int i, n = nret * max(10, 2 * (int)num_possible_cpus());

	_stp_rh = _stp_rhf.alloc(NULL, _stp_rethook_handler);
	if (!_stp_rh)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct stp_rnode *node = kzalloc(sizeof(*node), GFP_KERNEL);

		if (!node || (!(i & 1023) && _stp_arm_interrupted())) {
			kfree(node);
			_stp_rhf.free(_stp_rh);
			_stp_rh = NULL;
			return -ENOMEM;
		}
		_stp_rhf.add_node(_stp_rh, &node->node);
	}
	return 0;
}

static void _stp_rethook_stop(void)
{
	if (_stp_rh)
		_stp_rhf.stop(_stp_rh);
}

/* After the stop: no handler runs any more once RCU says so; the nodes
 * still on tasks' shadow stacks are the kernel's to free. */
static void _stp_rethook_free(void)
{
	if (!_stp_rh)
		return;
	synchronize_rcu();
	_stp_rhf.free(_stp_rh);
	_stp_rh = NULL;
}
#else
static int _stp_rethook_found(void)
{
	return 0;
}

static void _stp_rethook_entry(struct stp_kprobe *k, unsigned long ip,
			       struct pt_regs *regs)
{
}

static int _stp_rethook_alloc(int nret)
{
	return -ENOSYS;
}

static void _stp_rethook_stop(void)
{
}

static void _stp_rethook_free(void)
{
}
#endif

static struct stp_fsite *_stp_fsites;
static int _stp_nfsites;
static int _stp_fops_on;		/* registered */
static int _stp_fops_filtered;		/* its filter may hold addresses */

static int _stp_fsite_cmp(const void *a, const void *b)
{
	const struct stp_fsite *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void notrace _stp_ftrace_func(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	int lo = 0, hi = _stp_nfsites;
	unsigned long saved_ip;

	/* A hit while this CPU runs a handler (an interrupt's): missed
	 * silently, as kprobes miss one while another runs; and so are the
	 * hits in the registering of kprobes (_stp_kprobes_arm). */
	if (unlikely(!regs || this_cpu_read(_stp_busy) ||
		     current == READ_ONCE(_stp_kprobe_arming)))
		return;
	while (lo < hi) {	/* the first site at IP */
		int mid = (lo + hi) / 2;

		if (_stp_fsites[mid].addr < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	saved_ip = instruction_pointer(regs);
	instruction_pointer_set(regs, ip + sizeof(kprobe_opcode_t));
	this_cpu_write(_stp_in_fentry, 1);
	for (; lo < _stp_nfsites && _stp_fsites[lo].addr == ip; lo++) {
		struct stp_kprobe *k = _stp_fsites[lo].k;

		if (k->ret)
			_stp_rethook_entry(k, ip, regs);
		else	/* its wrapper */
			_stp_run_probe_fn(k->probe, regs, ip, k->probe->ph);
	}
	this_cpu_write(_stp_in_fentry, 0);
	instruction_pointer_set(regs, saved_ip);
}

static struct ftrace_ops _stp_fops = {
	.func = _stp_ftrace_func,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION,
};

/* RET: whether .return probes may be batched (rethook was found). */
static int _stp_kprobe_batchable(const struct stp_kprobe *k, int ret)
{
	if ((k->ret && (!ret || k->eh || k->maxactive >= 0)) ||
	    !k->symbol[0] || strchr(k->symbol, ':'))
		return 0;
	return !strcmp(k->symbol, "_stext") ? k->entry : !k->offset;
}

/* An ops never registered: its filter only tells which addresses
 * ftrace accepts. */
static struct ftrace_ops _stp_fops_try = {
	.func = _stp_ftrace_func,
};

/* Zero those of ADDRS[0..N) ftrace refuses (notrace functions): one bad
 * address fails a whole call, so halve until it is found; every try
 * starts from an empty filter (reset), so none copies a big one. */
static void _stp_fops_check(unsigned long *addrs, int n)
{
	if (!n || _stp_arm_interrupted() ||
	    !ftrace_set_filter_ips(&_stp_fops_try, addrs, n, 0, 1))
		return;
	if (n == 1) {
		addrs[0] = 0;
		return;
	}
	_stp_fops_check(addrs, n / 2);
	_stp_fops_check(addrs + n / 2, n - n / 2);
}

/*
 * The filter is set in chunks of STP_FTRACE_CHUNK addresses: the first
 * before the ops is registered, the others after, each its own text
 * patching, so that a stop signal waits for one chunk (about 1 s under
 * emulation), not for the whole set.
 */
#ifndef STP_FTRACE_CHUNK
#define STP_FTRACE_CHUNK 4096
#endif

/* Idempotent, as every disarm (ftrace_free_filter is not).  The sites
 * chosen and not armed yet go back to their kprobes. */
static void _stp_kprobes_ftrace_disarm(void)
{
	int i;

	if (_stp_fops_on) {
		/* no entry hooks a return any more, then no return runs a
		 * handler (the other order makes the entries in between
		 * count as skipped) */
		unregister_ftrace_function(&_stp_fops);
		_stp_rethook_stop();
		_stp_fops_on = 0;
	}
	_stp_rethook_free();
	if (_stp_fops_filtered) {
		ftrace_free_filter(&_stp_fops);
		_stp_fops_filtered = 0;
	}
	for (i = 0; i < _stp_nfsites; i++)
		_stp_fsites[i].k->registered = 0;
	kvfree(_stp_fsites);
	_stp_fsites = NULL;
	_stp_nfsites = 0;
}

/*
 * Arm the sites to batch (their addresses known, ftrace taking them) as
 * one ftrace_ops, counting into R; on failure they go back to their
 * kprobes (registered == 0), unless the arming stopped.
 */
static void _stp_kprobes_ftrace_arm(struct stp_kprobe *table,
				    struct stp_arm_result *r)
{
	struct stp_kprobe *k;
	unsigned long *addrs = NULL, *ok = NULL, prev;
	u64 t0 = ktime_get_ns();
	int n = 0, i, j, m, nret = 0, ret = 0;

	for (k = table; k->probe; k++)
		if (k->ret && _stp_kprobe_batchable(k, 1))
			ret = 1;
	if (ret)
		ret = _stp_rethook_found();
	for (k = table; k->probe; k++)
		n += k->addr && _stp_kprobe_batchable(k, ret);
	if (n < STP_FTRACE_MIN)
		return;
	_stp_fsites = kvcalloc(n, sizeof(*_stp_fsites), GFP_KERNEL);
	addrs = kvcalloc(n, sizeof(*addrs), GFP_KERNEL);
	ok = kvcalloc(n, sizeof(*ok), GFP_KERNEL);
	if (!_stp_fsites || !addrs || !ok)
		goto fail;
	for (i = 0, k = table; k->probe; k++)
		if (k->addr && _stp_kprobe_batchable(k, ret)) {
			_stp_fsites[i].k = k;
			_stp_fsites[i++].addr = k->addr;
		}
	sort(_stp_fsites, n, sizeof(*_stp_fsites), _stp_fsite_cmp, NULL);
	for (i = j = 0; i < n; i++)	/* each address once */
		if (!j || addrs[j - 1] != _stp_fsites[i].addr)
			addrs[j++] = _stp_fsites[i].addr;
	_stp_fops_check(addrs, j);	/* zeroes those refused */
	ftrace_free_filter(&_stp_fops_try);
	for (i = m = 0; i < j; i++)
		if (addrs[i])
			ok[m++] = addrs[i];
	if (!m || _stp_arm_stopped(r))
		goto fail;
	/* keep the sites ftrace took: ADDRS[j] is the J-th distinct
	 * address of the sorted sites, 0 where refused */
	for (i = 0, j = -1, prev = 0; i < n; i++) {
		if (_stp_fsites[i].addr != prev) {
			prev = _stp_fsites[i].addr;
			j++;
		}
		if (!addrs[j])
			_stp_fsites[i].k = NULL;
	}
	for (i = j = 0; i < n; i++)
		if (_stp_fsites[i].k)
			_stp_fsites[j++] = _stp_fsites[i];
	_stp_nfsites = j;
	for (i = 0; i < j; i++) {
		_stp_fsites[i].k->registered = 2;
		nret += _stp_fsites[i].k->ret;
	}
	if (nret && _stp_rethook_alloc(nret))
		goto fail;
	/* the first chunk is set before the ops is registered */
	_stp_fops_filtered = 1;
	for (i = 0; i < m; i += STP_FTRACE_CHUNK) {
		if (_stp_arm_stopped(r) ||
		    ftrace_set_filter_ips(&_stp_fops, ok + i,
					  min(m - i, STP_FTRACE_CHUNK), 0, 0))
			goto fail;
		if (!i) {
			if (register_ftrace_function(&_stp_fops))
				goto fail;
			_stp_fops_on = 1;
		}
	}
	for (i = 0; i < _stp_nfsites; i++) {
		k = _stp_fsites[i].k;
		_stp_probe_armed_at(r, k->probe, 0, k->optional, k->symbol,
				    k->offset);
		r->batched++;
	}
	kvfree(ok);
	kvfree(addrs);
	r->batch_ms = div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC);
	return;
fail:
	kvfree(ok);
	kvfree(addrs);
	_stp_kprobes_ftrace_disarm();
}

#else
static void _stp_kprobes_ftrace_arm(struct stp_kprobe *table,
				    struct stp_arm_result *r)
{
}

static void _stp_kprobes_ftrace_disarm(void)
{
}
#endif

/*
 * The kprobes go first, then the ftrace_ops: the reverse of arming.
 * With kernel.function("*").call armed in the test VM (8713 kprobes,
 * 37115 sites in the ops), removing the ops first took 11 to 21 s, with
 * the kprobes still trapping; after them, 2.7 s.
 */
static void _stp_kprobes_disarm(void *table)
{
	struct kprobe **kps;
	struct kretprobe **rps;
	int nk = 0, nr = 0, n = 0;
	struct stp_kprobe *k;

	for (k = table; k->probe; k++)
		n++;
	kps = kvcalloc(n, sizeof(*kps), GFP_KERNEL);
	rps = kvcalloc(n, sizeof(*rps), GFP_KERNEL);
	for (k = table; k->probe; k++) {
		if (k->registered != 1)
			continue;
		if (kps && rps) {
			if (k->ret)
				rps[nr++] = &k->live->u.rp;
			else
				kps[nk++] = &k->live->u.kp;
		} else if (k->ret) {
			unregister_kretprobe(&k->live->u.rp);
		} else {
			unregister_kprobe(&k->live->u.kp);
		}
	}
	/* batched: one RCU grace period for all */
	if (nk)
		unregister_kprobes(kps, nk);
	if (nr)
		unregister_kretprobes(rps, nr);
	kvfree(kps);
	kvfree(rps);
	_stp_kprobes_ftrace_disarm();
	for (k = table; k->probe; k++) {
		k->registered = 0;
		kfree(k->live);
		k->live = NULL;
		k->addr = 0;
	}
}

/* Register a kprobe for each site not armed nor tried yet. */
static void _stp_kprobes_register(struct stp_kprobe *table,
				  struct stp_arm_result *r)
{
	unsigned long (*ftrace_loc)(unsigned long) = NULL;
	struct stp_kprobe_live *live;
	struct stp_kprobe *k;
	int rc, n = 0;

	for (k = table; k->probe; k++)
		n += !k->registered && !k->ret;
	if (n >= STP_KPROBE_OPTMAX)	/* not jump-optimized */
		ftrace_loc = (void *)_stp_kprobe_addr("ftrace_location");
	for (k = table; k->probe && !_stp_arm_stopped(r); k++) {
		if (k->registered == -2) {	/* _stp_ksite_sized */
			_stp_probe_armed_at(r, k->probe, -EFBIG, k->optional,
					    k->symbol, k->offset);
			k->registered = -1;
		}
		if (k->registered)
			continue;
		live = kzalloc(sizeof(*live), GFP_KERNEL);
		rc = live ? _stp_register_kprobe(k, live, ftrace_loc) :
			    -ENOMEM;
		if (rc) {
			kfree(live);
			k->live = NULL;
		}
		k->registered = _stp_probe_armed_at(r, k->probe, rc,
						    k->optional, k->symbol,
						    k->offset) ? -1 : 1;
	}
}

/*
 * The batched sites are armed first, then the kprobes (those ftrace
 * refused or failed among them).  The other order (8755 kprobes of
 * kernel.function("*").call, then the ftrace_ops) made the test VM's
 * kernel jump into unmapped module space, twice; that was probably qemu's
 * threaded TCG running stale translations of patched text (doc/stapsh.md)
 * rather than the kernel, but this order needs no such trust: the ops's
 * text patching happens while no kprobe of ours is armed.
 */
static void _stp_kprobes_arm(void *table, struct stp_arm_result *r)
{
	struct stp_kprobe *k;

	for (k = table; k->probe; k++)
		if (!k->symbol)
			k->symbol = "_stext";
	_stp_kprobes_resolve(table);
	_stp_kprobes_ftrace_arm(table, r);
	WRITE_ONCE(_stp_kprobe_arming, current);
	_stp_kprobes_register(table, r);
	WRITE_ONCE(_stp_kprobe_arming, NULL);
}

#endif /* _STP_KPROBE_H_ */
