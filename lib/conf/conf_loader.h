/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the section parsers of lib/conf share: the loader's state and the
 * helpers that read values and report errors as "file:line: key: why".
 * Private to lib/conf.
 */
#ifndef VEER_CONF_LOADER_H
#define VEER_CONF_LOADER_H

#include <yaml.h>

#include "conf.h"

/* The redirect keys as read, turned into an rp_table once the whole file is known. */
struct conf_redirect_draft {
    const yaml_node_t *targets_node; /* redirect.targets or dataplane.admission.redirect_to */
    const char *targets_key;
    unsigned ntargets;
    struct ike_gw_id gw[RP_MAX_TARGETS];
    uint32_t weight[RP_MAX_TARGETS];
    const yaml_node_t *node[RP_MAX_TARGETS];
    enum rp_policy policy;
    bool allow_self;
    unsigned nanycast;
    struct ike_addr anycast[RP_MAX_ANYCAST];
    const yaml_node_t *anycast_node[RP_MAX_ANYCAST];
    const yaml_node_t *anycast_self_node; /* NULL: anycast clients go to the targets only */
    struct ike_gw_id anycast_self;
    uint32_t anycast_self_weight;
};

struct loader {
    yaml_document_t doc;
    const char *name;
    char *err;
    size_t err_len;
    struct veer_conf *conf;
    char path[128]; /* the key being read, e.g. peers[0].esp_proposals */
    /* Certificates: files of the peer being read (any order), and each peer for later checks. */
    const yaml_node_t *cert_node, *key_node;
    const yaml_node_t *peer_node[CONF_MAX_PEERS];
    struct conf_redirect_draft redirect;
    const yaml_node_t *port_profile_node[CONF_MAX_PORTS]; /* a port's `profile:`, for messages */
    const yaml_node_t *port_node[CONF_MAX_PORTS];         /* each port, for later messages */
    const yaml_node_t *route_node[CONF_MAX_ROUTES]; /* for errors found once the ports are known */
    const yaml_node_t *neighbour_node[CONF_MAX_NEIGHBOURS]; /* the same, for neighbours */
    /* Secrets and credentials files (conf_load_opts), and the peer's that were named. */
    const struct conf_load_opts *opts;
    const yaml_node_t *psk_file_node, *eap_file_node;
    /* gateway.qcd_secret_file and qcd_previous_secret_file, read once the whole file is. */
    const yaml_node_t *qcd_secret_node, *qcd_prev_node;
    const yaml_node_t *peer_pools_node[CONF_MAX_PEERS]; /* peers[i].pools, resolved at the end */
};

/*
 * A file named at node n for a secret or a credential: tells opts->on_file
 * and returns whether to read it (false under opts->skip_files).
 */
bool conf_file_named(struct loader *l, const yaml_node_t *n, const char *path);

/* Whether address a is on one of port p's directly connected subnets of its family. */
bool conf_on_port_subnet(const struct conf_port *p, const struct ike_addr *a);

/*
 * conf_port_addrs.c: a port's address, address6 and addresses keys (1: not
 * one of them, 0, or -1 with the error set); once the port is read, its
 * full list (conf_port.addrs) checked for duplicates; once every port is,
 * no address in two ports.
 */
int conf_port_address_key(struct loader *l, struct conf_port *p, const char *key,
                          const yaml_node_t *v);
int conf_port_addresses_finish(struct loader *l, const yaml_node_t *item, struct conf_port *p);
int conf_port_addresses_check(struct loader *l, const yaml_node_t *section);

/* Writes "file:line: path: why" into the loader's error buffer; returns -1. */
__attribute__((format(printf, 3, 4))) int conf_fail(struct loader *l, const yaml_node_t *node,
                                                    const char *fmt, ...);
/* The node's text when it is a scalar, else NULL. */
const char *conf_scalar(const yaml_node_t *n);
int conf_want_scalar(struct loader *l, const yaml_node_t *n, const char **out);
/*
 * Copies a scalar of 1 to cap - 1 characters into dst; otherwise the error
 * "<what>1 to N characters" (what: "a port name of ", "name must be "...).
 */
int conf_want_string(struct loader *l, const yaml_node_t *n, char *dst, size_t cap,
                     const char *what);
int conf_want_uint(struct loader *l, const yaml_node_t *n, unsigned max, unsigned *out);
/* Calls fn for every item of a sequence node. */
int conf_each_item(struct loader *l, const yaml_node_t *seq,
                   int (*fn)(struct loader *l, const yaml_node_t *item, unsigned i, void *arg),
                   void *arg);

/* A gateway identity (RFC 5685): an IPv4 or IPv6 address, or a host name. */
int conf_parse_gw(struct loader *l, const yaml_node_t *n, struct ike_gw_id *gw);

/*
 * conf_ts.c: "10.2.0.0/24", "10.1.0.1", "2001:db8::/32", each optionally
 * followed by a protocol and ports ("10.2.0.0/24[tcp/80]"), as a traffic selector.
 */
int conf_parse_ts(struct loader *l, const yaml_node_t *n, struct ike_ts *ts);

/* conf_static.c: dataplane.static_sas and dataplane.neighbours. */
int conf_static_sas(struct loader *l, const yaml_node_t *v);
int conf_neighbours(struct loader *l, const yaml_node_t *v);

/*
 * conf_profile.c: a port profile key (drivers-cfg/ files and ports alike):
 * 0, -1 on a bad value, 1 when `key` is not a profile key. And, once the
 * dataplane section is read, whether every profile a port names loads.
 */
int conf_profile_key(struct loader *l, struct conf_profile_overrides *o, const char *key,
                     const yaml_node_t *v);
int conf_profile_check_ports(struct loader *l);
/* conf_routes.c: dataplane.routes as read, and checked against the ports at the end. */
int conf_routes(struct loader *l, const yaml_node_t *v);
int conf_routes_check(struct loader *l);

/* conf_reass.c: dataplane.reassembly (defaults set by conf_reassembly_defaults). */
void conf_reassembly_defaults(struct conf_reassembly *r);
int conf_reassembly(struct loader *l, const yaml_node_t *v);

/*
 * conf_qcd_keys.c: the QCD keys of `gateway:` and of a peer (0, -1 on a bad
 * value, 1 when `key` is none of them); whether a peer's settings go
 * together once it is read; and, at the end, the secret files.
 */
int conf_qcd_gateway_key(struct loader *l, const char *key, const yaml_node_t *v);
/* conf_mobike.c: MOBIKE's and r-MOBIKE's keys; 1 when `key` is none of them. */
int conf_mobike_gateway_key(struct loader *l, const char *key, const yaml_node_t *v);
int conf_mobike_peer_key(struct loader *l, struct ike_peer_cfg *p, const char *key,
                         const yaml_node_t *v);
int conf_qcd_peer_key(struct loader *l, struct ike_peer_cfg *p, const char *key,
                      const yaml_node_t *v);
int conf_qcd_peer_finish(struct loader *l, const yaml_node_t *item, const struct ike_peer_cfg *p);
int conf_qcd_finish(struct loader *l);

/*
 * conf_pools.c: the `pools:` section; a peer's pools and vips (1 when `key`
 * is neither); at the end, the peers' pool names resolved.
 */
int conf_pools_section(struct loader *l, const yaml_node_t *v);
int conf_pools_peer_key(struct loader *l, struct ike_peer_cfg *p, unsigned peer, const char *key,
                        const yaml_node_t *v);
int conf_pools_finish(struct loader *l);

/*
 * conf_radius.c: the `radius:` section (servers, timeout, tries,
 * nas_identifier); once everything is read, every eap-radius peer has servers.
 */
int conf_radius_section(struct loader *l, const yaml_node_t *v);
int conf_radius_finish(struct loader *l);

/* conf_redirect.c: the `redirect:` section, its short form, and the final table. */
int conf_redirect_section(struct loader *l, const yaml_node_t *v);
int conf_redirect_short_form(struct loader *l, const yaml_node_t *v);
int conf_redirect_finish(struct loader *l);

#endif
