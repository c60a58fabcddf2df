// SPDX-License-Identifier: GPL-2.0-or-later
/* rtnetlink through libmnl: read and set SR-IOV VF attributes of a PF interface. */
#include <errno.h>
#include <time.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink.h"
#include "util.h"

/* Large enough for IFLA_VFINFO_LIST of a few hundred VFs (stats skipped). */
#define NL_BUF_SIZE (256 * 1024)

struct nl_req {
	struct mnl_socket *sock;
	unsigned portid, seq;
	char *buf;
	char *why; /* extended-ack message of an NLMSG_ERROR */
	mnl_cb_t cb; /* replies other than the ack, with cb_data */
	void *cb_data;
};

static void nl_close(struct nl_req *q)
{
	if (q->sock)
		mnl_socket_close(q->sock);
	free(q->buf);
	free(q->why);
}

static int nl_open(struct nl_req *q)
{
	int one = 1;

	memset(q, 0, sizeof(*q));
	q->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!q->sock)
		return -errno;
	if (mnl_socket_bind(q->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	/* Best effort: kernels without extended acks still send plain errors. */
	mnl_socket_setsockopt(q->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(q->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	q->portid = mnl_socket_get_portid(q->sock);
	q->seq = (unsigned)time(NULL);
	q->buf = xmalloc(NL_BUF_SIZE);
	return 0;
}

static int ext_ack_attr(const struct nlattr *a, void *data)
{
	struct nl_req *q = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && !q->why &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		q->why = xstrdup(mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* NLMSG_ERROR: 0 is the ack; otherwise keep the extended-ack text. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, (unsigned)off, ext_ack_attr, data);
	}
	errno = -err->error;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_req *q = data;

	return q->cb ? q->cb(nlh, q->cb_data) : MNL_CB_OK;
}

/* Send a request and run cb on the replies until the ack. */
static int nl_talk(struct nl_req *q, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb };
	ssize_t n;
	int r;

	q->cb = cb;
	q->cb_data = data;
	if (mnl_socket_sendto(q->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(q->sock, q->buf, NL_BUF_SIZE);
		if (n < 0)
			return -errno;
		/* Both callbacks get q: the error one keeps the ack text there. */
		errno = 0;
		r = mnl_cb_run2(q->buf, (size_t)n, q->seq, q->portid, data_cb, q, ctl,
				ARRAY_SIZE(ctl));
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0)
			return errno ? -errno : -EIO;
	}
}

struct vf_list_ctx {
	struct vf_attrs *vfs;
	size_t n;
	bool seen;
};

static int vf_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= IFLA_VF_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

/* One IFLA_VF_INFO nest into ctx->vfs[its VF number]. */
static void parse_vf_info(struct vf_list_ctx *ctx, const struct nlattr *info)
{
	const struct nlattr *tb[IFLA_VF_MAX + 1] = { 0 };
	const struct ifla_vf_mac *mac;
	struct vf_attrs *v;

	if (mnl_attr_parse_nested(info, vf_attr_cb, tb) < 0 || !tb[IFLA_VF_MAC] ||
	    mnl_attr_get_payload_len(tb[IFLA_VF_MAC]) < sizeof(*mac))
		return;
	mac = mnl_attr_get_payload(tb[IFLA_VF_MAC]);
	if (mac->vf >= ctx->n)
		return;
	v = &ctx->vfs[mac->vf];
	v->has_mac = true;
	memcpy(v->mac, mac->mac, sizeof(v->mac));
	if (tb[IFLA_VF_VLAN] &&
	    mnl_attr_get_payload_len(tb[IFLA_VF_VLAN]) >= sizeof(struct ifla_vf_vlan)) {
		const struct ifla_vf_vlan *vl = mnl_attr_get_payload(tb[IFLA_VF_VLAN]);

		v->vlan = (int)vl->vlan;
		v->qos = (int)vl->qos;
	}
	/* The kernel prefills -1 (~0U) where the driver reports nothing. */
	if (tb[IFLA_VF_TRUST] &&
	    mnl_attr_get_payload_len(tb[IFLA_VF_TRUST]) >= sizeof(struct ifla_vf_trust)) {
		const struct ifla_vf_trust *t = mnl_attr_get_payload(tb[IFLA_VF_TRUST]);

		v->trust = t->setting <= 1 ? (int)t->setting : -1;
	}
	if (tb[IFLA_VF_SPOOFCHK] &&
	    mnl_attr_get_payload_len(tb[IFLA_VF_SPOOFCHK]) >= sizeof(struct ifla_vf_spoofchk)) {
		const struct ifla_vf_spoofchk *s = mnl_attr_get_payload(tb[IFLA_VF_SPOOFCHK]);

		v->spoofchk = s->setting <= 1 ? (int)s->setting : -1;
	}
	if (tb[IFLA_VF_LINK_STATE] &&
	    mnl_attr_get_payload_len(tb[IFLA_VF_LINK_STATE]) >= sizeof(struct ifla_vf_link_state)) {
		const struct ifla_vf_link_state *l = mnl_attr_get_payload(tb[IFLA_VF_LINK_STATE]);

		v->link_state =
			l->link_state <= IFLA_VF_LINK_STATE_DISABLE ? (int)l->link_state : -1;
	}
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= IFLA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vf_list_ctx *ctx = data;
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct nlattr *info;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	ctx->seen = true;
	free(ctx->vfs);
	ctx->vfs = NULL;
	ctx->n = 0;
	if (tb[IFLA_NUM_VF] && mnl_attr_validate(tb[IFLA_NUM_VF], MNL_TYPE_U32) == 0)
		ctx->n = mnl_attr_get_u32(tb[IFLA_NUM_VF]);
	if (ctx->n > 65536) /* a PCI function has at most 65535 VFs */
		ctx->n = 65536;
	ctx->vfs = xcalloc(ctx->n ? ctx->n : 1, sizeof(*ctx->vfs));
	for (size_t i = 0; i < ctx->n; i++)
		ctx->vfs[i] = (struct vf_attrs)VF_ATTRS_UNSET;
	if (tb[IFLA_VFINFO_LIST])
		mnl_attr_for_each_nested(info, tb[IFLA_VFINFO_LIST]) if (mnl_attr_get_type(info) ==
									 IFLA_VF_INFO)
			parse_vf_info(ctx, info);
	return MNL_CB_OK;
}

static struct nlmsghdr *link_msg(struct nl_req *q, char *buf, int type, int flags,
				 const char *ifname)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	nlh->nlmsg_seq = ++q->seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	/* By name: the kernel resolves IFLA_IFNAME when ifi_index is 0. */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return nlh;
}

int nl_vf_list(const char *ifname, struct vf_attrs **vfs, size_t *n)
{
	char msg[512];
	struct nl_req q;
	struct vf_list_ctx ctx = { 0 };
	struct nlmsghdr *nlh;
	int r;

	if (strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	r = nl_open(&q);
	if (r < 0) {
		nl_close(&q);
		return r;
	}
	nlh = link_msg(&q, msg, RTM_GETLINK, 0, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
	r = nl_talk(&q, nlh, link_cb, &ctx);
	nl_close(&q);
	if (r == 0 && !ctx.seen)
		r = -ENODEV;
	if (r < 0) {
		free(ctx.vfs);
		return r;
	}
	*vfs = ctx.vfs;
	*n = ctx.n;
	return 0;
}

int nl_vf_set(const char *ifname, int vf, const struct vf_attrs *want, char **why)
{
	char msg[1024];
	struct nl_req q;
	struct nlattr *list, *info;
	struct nlmsghdr *nlh;
	int r;

	if (strlen(ifname) >= IFNAMSIZ || vf < 0)
		return -EINVAL;
	r = nl_open(&q);
	if (r < 0) {
		nl_close(&q);
		return r;
	}
	nlh = link_msg(&q, msg, RTM_SETLINK, 0, ifname);
	list = mnl_attr_nest_start(nlh, IFLA_VFINFO_LIST);
	info = mnl_attr_nest_start(nlh, IFLA_VF_INFO);
	if (want->has_mac) {
		struct ifla_vf_mac m = { .vf = (uint32_t)vf };

		memcpy(m.mac, want->mac, sizeof(want->mac));
		mnl_attr_put(nlh, IFLA_VF_MAC, sizeof(m), &m);
	}
	if (want->vlan >= 0) {
		struct ifla_vf_vlan v = { .vf = (uint32_t)vf,
					  .vlan = (uint32_t)want->vlan,
					  .qos = want->qos >= 0 ? (uint32_t)want->qos : 0 };

		mnl_attr_put(nlh, IFLA_VF_VLAN, sizeof(v), &v);
	}
	if (want->spoofchk >= 0) {
		struct ifla_vf_spoofchk s = { .vf = (uint32_t)vf,
					      .setting = (uint32_t)want->spoofchk };

		mnl_attr_put(nlh, IFLA_VF_SPOOFCHK, sizeof(s), &s);
	}
	if (want->link_state >= 0) {
		struct ifla_vf_link_state l = { .vf = (uint32_t)vf,
						.link_state = (uint32_t)want->link_state };

		mnl_attr_put(nlh, IFLA_VF_LINK_STATE, sizeof(l), &l);
	}
	if (want->trust >= 0) {
		struct ifla_vf_trust t = { .vf = (uint32_t)vf, .setting = (uint32_t)want->trust };

		mnl_attr_put(nlh, IFLA_VF_TRUST, sizeof(t), &t);
	}
	mnl_attr_nest_end(nlh, info);
	mnl_attr_nest_end(nlh, list);
	r = nl_talk(&q, nlh, NULL, NULL);
	if (r < 0 && why && q.why)
		*why = xstrdup(q.why);
	nl_close(&q);
	return r;
}
