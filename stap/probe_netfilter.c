/*
 * probe_netfilter.c - the probe kind of netfilter hooks
 * (runtime/stp_netfilter.h).
 *
 *   netfilter.hook("HOOK").pf("PF")[.priority("PRIO")]
 *   netfilter.pf("PF").hook("HOOK")[.priority("PRIO")]
 *
 * A hook function registered in the initial network namespace for the
 * protocol family PF (NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_ARP,
 * NFPROTO_BRIDGE) at HOOK (NF_INET_PRE_ROUTING ..., NF_ARP_IN ...,
 * NF_BR_PRE_ROUTING ...), ordered by PRIO (a number, or an NF_IP_PRI_* or
 * NF_IP6_PRI_* name of its family; 0 by default).  In guru mode any
 * other family, hook or priority goes into the C as it was written.  The handler sees $hooknum, $skb,
 * $in, $out (the packet, the devices) and $verdict (NF_ACCEPT unless a
 * guru-mode handler changes it).  The tapset's netfilter.ip.* and
 * friends are aliases with the packet's fields decoded.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stap.h"

typedef struct NfName {
	const char *name;
	int value;
} NfName;

static const NfName families[] = {
	{ "NFPROTO_IPV4", 2 }, { "NFPROTO_ARP", 3 }, { "NFPROTO_BRIDGE", 7 },
	{ "NFPROTO_IPV6", 10 }, { NULL, 0 },
};

static const NfName inet_hooks[] = {
	{ "NF_INET_PRE_ROUTING", 0 }, { "NF_INET_LOCAL_IN", 1 },
	{ "NF_INET_FORWARD", 2 }, { "NF_INET_LOCAL_OUT", 3 },
	{ "NF_INET_POST_ROUTING", 4 },
	{ "NF_IP_PRE_ROUTING", 0 }, { "NF_IP_LOCAL_IN", 1 },
	{ "NF_IP_FORWARD", 2 }, { "NF_IP_LOCAL_OUT", 3 },
	{ "NF_IP_POST_ROUTING", 4 },
	{ "NF_IP6_PRE_ROUTING", 0 }, { "NF_IP6_LOCAL_IN", 1 },
	{ "NF_IP6_FORWARD", 2 }, { "NF_IP6_LOCAL_OUT", 3 },
	{ "NF_IP6_POST_ROUTING", 4 }, { NULL, 0 },
};

static const NfName arp_hooks[] = {
	{ "NF_ARP_IN", 0 }, { "NF_ARP_OUT", 1 }, { "NF_ARP_FORWARD", 2 },
	{ NULL, 0 },
};

static const NfName bridge_hooks[] = {
	{ "NF_BR_PRE_ROUTING", 0 }, { "NF_BR_LOCAL_IN", 1 },
	{ "NF_BR_FORWARD", 2 }, { "NF_BR_LOCAL_OUT", 3 },
	{ "NF_BR_POST_ROUTING", 4 }, { "NF_BR_BROUTING", 5 }, { NULL, 0 },
};

/* The priorities of linux/netfilter_ipv4.h and netfilter_ipv6.h */
static const NfName priorities[] = {
	{ "NF_IP_PRI_FIRST", -2147483647 - 1 }, { "NF_IP_PRI_RAW_BEFORE_DEFRAG", -450 },
	{ "NF_IP_PRI_CONNTRACK_DEFRAG", -400 }, { "NF_IP_PRI_RAW", -300 },
	{ "NF_IP_PRI_SELINUX_FIRST", -225 }, { "NF_IP_PRI_CONNTRACK", -200 },
	{ "NF_IP_PRI_MANGLE", -150 }, { "NF_IP_PRI_NAT_DST", -100 },
	{ "NF_IP_PRI_FILTER", 0 }, { "NF_IP_PRI_SECURITY", 50 },
	{ "NF_IP_PRI_NAT_SRC", 100 }, { "NF_IP_PRI_SELINUX_LAST", 225 },
	{ "NF_IP_PRI_CONNTRACK_HELPER", 300 },
	{ "NF_IP_PRI_CONNTRACK_CONFIRM", 2147483647 },
	{ "NF_IP_PRI_LAST", 2147483647 },
	{ "NF_IP6_PRI_FIRST", -2147483647 - 1 }, { "NF_IP6_PRI_RAW_BEFORE_DEFRAG", -450 },
	{ "NF_IP6_PRI_CONNTRACK_DEFRAG", -400 }, { "NF_IP6_PRI_RAW", -300 },
	{ "NF_IP6_PRI_SELINUX_FIRST", -225 }, { "NF_IP6_PRI_CONNTRACK", -200 },
	{ "NF_IP6_PRI_MANGLE", -150 }, { "NF_IP6_PRI_NAT_DST", -100 },
	{ "NF_IP6_PRI_FILTER", 0 }, { "NF_IP6_PRI_SECURITY", 50 },
	{ "NF_IP6_PRI_NAT_SRC", 100 }, { "NF_IP6_PRI_SELINUX_LAST", 225 },
	{ "NF_IP6_PRI_CONNTRACK_HELPER", 300 }, { "NF_IP6_PRI_LAST", 2147483647 },
	{ NULL, 0 },
};

static bool lookup(const NfName *t, const char *name, int *value)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name)) {
			*value = t->value;
			return true;
		}
	return false;
}

/* A decimal number, possibly negative, in a string */
static bool number(const char *s, int64_t *v)
{
	char *end;
	if (!*s)
		return false;
	*v = strtoll(s, &end, 0);
	return !*end;
}

/* SystemTap's two blocks for a value it does not know without -g */
static int bad(ProbePoint *pp, const char *why)
{
	resolve_error(pp->tok, NULL, "%s", format("%s; need stap -g", why));
	return PK_ERROR;
}

static int match_netfilter(Resolution *r, ProbePoint *pp)
{
	Component *hook = NULL, *pf = NULL, *prio = NULL;
	for (int i = 1; i < pp->ncomps; i++) {
		Component *c = &pp->comps[i];
		if (!comp_str(c))
			return PK_NOT_MINE;
		if (comp_is(c, "hook") && !hook && i <= 2)
			hook = c;
		else if (comp_is(c, "pf") && !pf && i <= 2)
			pf = c;
		else if (comp_is(c, "priority") && i == 3)
			prio = c;
		else
			return PK_NOT_MINE;
	}
	if (!hook || !pf)
		return PK_NOT_MINE;
	/* each a C expression: a number, or in guru mode what was given,
	 * verbatim (SystemTap's rule) */
	char *pf_c, *hook_c, *prio_c = "0";
	int family = -1, hooknum, named;
	int64_t priority;
	if (lookup(families, pf->arg->str, &family))
		pf_c = format("%d", family);
	else if (sess->guru)
		pf_c = pf->arg->str;
	else
		return bad(pp, format("unsupported netfilter protocol family \"%s\"",
				      pf->arg->str));
	const NfName *hooks = family == 3 ? arp_hooks :
			      family == 7 ? bridge_hooks : inet_hooks;
	if (family >= 0 && lookup(hooks, hook->arg->str, &hooknum))
		hook_c = format("%d", hooknum);
	else if (sess->guru)
		hook_c = hook->arg->str;
	else
		return bad(pp, format("unsupported netfilter hook \"%s\" for protocol family \"%s\"",
				      hook->arg->str, pf_c));
	if (prio) {
		if ((family == 2 || family == 10) &&
		    lookup(priorities, prio->arg->str, &named) &&
		    !strncmp(prio->arg->str, family == 2 ? "NF_IP_" : "NF_IP6_",
			     family == 2 ? 6 : 7))
			prio_c = format("%d", named);
		else if (number(prio->arg->str, &priority) &&
			 priority >= -2147483647 - 1 && priority <= 2147483647)
			prio_c = format("%" PRId64, priority);
		else if (sess->guru)
			prio_c = prio->arg->str;
		else
			return bad(pp, format("unsupported netfilter priority \"%s\" for protocol family \"%s\"",
					      prio->arg->str, pf_c));
	}
	DerivedProbe *d = derived_new(r, &pk_netfilter, pp, probe_point_name(pp));
	d->netfilter.pf = pf_c;
	d->netfilter.hook = hook_c;
	d->netfilter.priority = prio_c;
	return PK_MATCHED;
}

static void emit_tables(FILE *out, Vec *probes, StrBuf *groups)
{
	fputs("static struct stp_netfilter _stp_netfilters[] = {\n", out);
	for (int i = 0; i < probes->len; i++) {
		DerivedProbe *d = vec_get(probes, i);
		fprintf(out, "\t{ .probe = &_stp_probes[%d], .pf = %s, .hooknum = %s, .priority = %s },\n",
			d->index, d->netfilter.pf, d->netfilter.hook,
			d->netfilter.priority);
	}
	fputs("\t{ }\n};\n", out);
	sb_puts(groups, "\tSTP_PROBE_GROUP(netfilters, _stp_netfilters),\n");
}

const ProbeKind pk_netfilter = {
	.name = "netfilter",
	.families = (const char *const[]){ "netfilter", NULL },
	.types = (const char *const[]){
		"netfilter.hook(string).pf(string)",
		"netfilter.hook(string).pf(string).priority(string)",
		"netfilter.pf(string).hook(string)",
		"netfilter.pf(string).hook(string).priority(string)",
		NULL,
	},
	.match = match_netfilter,
	.runtime_header = "stp_netfilter.h",
	.emit_tables = emit_tables,
};
