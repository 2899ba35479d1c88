// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of bench/probe-cost: a hand-written kprobe on vfs_read whose
 * handler only counts hits, shaped like samples/kprobes/kprobe_example.c.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/atomic.h>

static atomic_long_t hits;

static int handler_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_long_inc(&hits);
	return 0;
}

static struct kprobe kp = {
	.symbol_name = "vfs_read",
	.pre_handler = handler_pre,
};

static int __init bare_init(void)
{
	return register_kprobe(&kp);
}

static void __exit bare_exit(void)
{
	unregister_kprobe(&kp);
	pr_info("bare_kprobe: %ld hits\n", atomic_long_read(&hits));
}

module_init(bare_init);
module_exit(bare_exit);
MODULE_LICENSE("GPL");
