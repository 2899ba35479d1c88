/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netfilter hook probes (stap/probe_netfilter.c): a hook function per
 * probe in the initial network namespace.  The handler sees the packet
 * through struct stp_nf_data (c->entry_data: $hooknum, $skb, $in, $out,
 * $verdict); the hook returns the verdict, NF_ACCEPT unless a guru-mode
 * handler set another.  The generated table _stp_netfilters ends with a
 * NULL .probe.
 */
#ifndef _STP_NETFILTER_H_
#define _STP_NETFILTER_H_

#include <linux/netfilter.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

struct stp_netfilter {
	const struct stp_probe *probe;
	int pf;
	int hooknum;
	int priority;
	struct nf_hook_ops ops;
	int registered;
};

struct stp_nf_data {
	int hooknum;
	struct sk_buff *skb;
	struct net_device *in;
	struct net_device *out;
	int verdict;
};

static unsigned int _stp_nf_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct stp_netfilter *nf = priv;
	struct stp_nf_data d = {
		.hooknum = state->hook,
		.skb = skb,
		.in = state->in,
		.out = state->out,
		.verdict = NF_ACCEPT,
	};

	_stp_run_probe_data(nf->probe, NULL, 0, nf->probe->ph, &d);
	return d.verdict;
}

static void _stp_netfilters_arm(void *table, struct stp_arm_result *r)
{
	struct stp_netfilter *nf;

	for (nf = table; nf->probe && !_stp_arm_stopped(r); nf++) {
		memset(&nf->ops, 0, sizeof(nf->ops));
		nf->ops.hook = _stp_nf_hook;
		nf->ops.priv = nf;
		nf->ops.pf = nf->pf;
		nf->ops.hooknum = nf->hooknum;
		nf->ops.priority = nf->priority;
		if (!_stp_probe_armed(r, nf->probe,
				      nf_register_net_hook(&init_net, &nf->ops),
				      0))
			nf->registered = 1;
	}
}

/* nf_unregister_net_hook() waits for the hooks running */
static void _stp_netfilters_disarm(void *table)
{
	struct stp_netfilter *nf;

	for (nf = table; nf->probe; nf++)
		if (nf->registered) {
			nf_unregister_net_hook(&init_net, &nf->ops);
			nf->registered = 0;
		}
}

#endif /* _STP_NETFILTER_H_ */
