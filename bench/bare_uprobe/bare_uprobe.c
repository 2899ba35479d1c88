// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of bench/uprobe-cost: a hand-written inode uprobe whose
 * handler only counts hits.  path= and offset= say where (the file and
 * the offset in it of the probed function).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/uprobes.h>
#include <linux/atomic.h>

static char *path = "/tmp/ucall";
static unsigned long offset;
module_param(path, charp, 0);
module_param(offset, ulong, 0);

static atomic_long_t hits;
static struct inode *inode;

static int handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	atomic_long_inc(&hits);
	return 0;
}

static struct uprobe_consumer uc = { .handler = handler };

static int __init bare_init(void)
{
	struct path p;
	int rc = kern_path(path, LOOKUP_FOLLOW, &p);

	if (rc)
		return rc;
	inode = igrab(d_inode(p.dentry));
	path_put(&p);
	rc = uprobe_register(inode, offset, &uc);
	if (rc)
		iput(inode);
	return rc;
}

static void __exit bare_exit(void)
{
	uprobe_unregister(inode, offset, &uc);
	iput(inode);
	pr_info("bare_uprobe: %ld hits\n", atomic_long_read(&hits));
}

module_init(bare_init);
module_exit(bare_exit);
MODULE_LICENSE("GPL");
