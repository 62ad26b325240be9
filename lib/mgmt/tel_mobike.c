/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/mobike...: MOBIKE's counters and the operator's r-MOBIKE switches
 * (draft-smyslov-ipsecme-ikev2-r-mobike): ask the clients of one IKE SA, one
 * peer configuration, one identity, or everything on one of our addresses,
 * to move their end of the SA to another of our addresses (an uplink going
 * down for maintenance). The asking happens on the control lcore
 * (ike_mobike_switch*); the SAs move when each client's UPDATE_SA_ADDRESSES
 * arrives at the new address, which the counters show.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "mgmt_tel_priv.h"

static int cmd_show(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/mobike takes no parameters, got \"%s\"", params);
    struct mgmt_tel *t = mgmt_tel_instance();
    rte_tel_data_start_dict(d);
    pthread_mutex_lock(&t->lock);
#define ADD_MOBIKE(n)                                                                              \
    if (strncmp(#n, "mobike_", 7) == 0 || strncmp(#n, "rmobike_", 8) == 0)                         \
        rte_tel_data_add_dict_u64(d, #n, t->ike.n);
    IKE_COUNTER_LIST(ADD_MOBIKE)
#undef ADD_MOBIKE
    pthread_mutex_unlock(&t->lock);
    return 0;
}

/* One of our addresses as an operator writes it: no port, no prefix. */
static bool parse_addr(const char *s, struct ike_addr *a)
{
    return s != NULL && s[0] != '\0' && ike_addr_parse(a, s, 0) == 0;
}

static struct request *new_switch(enum request_kind kind)
{
    struct request *r = calloc(1, sizeof(*r));
    if (r != NULL)
        r->kind = kind;
    return r;
}

/* Splits "A,REST" at the first comma into a (bounded) and rest; false when there is none. */
static bool split_first(const char *params, char *a, size_t a_len, const char **rest)
{
    const char *comma = params != NULL ? strchr(params, ',') : NULL;
    if (comma == NULL || (size_t)(comma - params) >= a_len || comma[1] == '\0')
        return false;
    memcpy(a, params, (size_t)(comma - params));
    a[comma - params] = '\0';
    *rest = comma + 1;
    return true;
}

/* /veer/mobike/switch,SPI_I,SPI_R,TO */
static int cmd_switch(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct request *r = new_switch(REQ_SWITCH);
    if (r == NULL)
        return -ENOMEM;
    char spis[64] = "";
    const char *last = params != NULL ? strrchr(params, ',') : NULL;
    if (last != NULL && (size_t)(last - params) < sizeof(spis))
        memcpy(spis, params, (size_t)(last - params));
    if (last == NULL || !mgmt_tel_parse_spi_pair(spis, &r->spi_i, &r->spi_r) ||
        !parse_addr(last + 1, &r->to)) {
        free(r);
        return mgmt_tel_error(d,
                              "usage: /veer/mobike/switch,SPI_I,SPI_R,ADDRESS (one of ours), "
                              "got \"%s\"",
                              params != NULL ? params : "");
    }
    return mgmt_tel_run_request(d, r);
}

/*
 * /veer/mobike/switch_peer,TO,PEER, /veer/mobike/switch_id,TO,IDENTITY and
 * /veer/mobike/switch_local,TO,FROM: the new address first, since an
 * identity (a distinguished name) may hold commas.
 */
static int cmd_switch_where(const char *params, struct rte_tel_data *d, enum request_kind kind)
{
    static const char *const what[] = {[REQ_SWITCH_PEER] = "switch_peer,ADDRESS,PEER",
                                       [REQ_SWITCH_ID] = "switch_id,ADDRESS,IDENTITY",
                                       [REQ_SWITCH_LOCAL] = "switch_local,ADDRESS,FROM_ADDRESS"};
    struct request *r = new_switch(kind);
    if (r == NULL)
        return -ENOMEM;
    char to[64], why[160] = "";
    const char *rest = NULL;
    bool ok = split_first(params, to, sizeof(to), &rest) && parse_addr(to, &r->to);
    if (ok && kind == REQ_SWITCH_PEER) {
        ok = strlen(rest) < sizeof(r->peer);
        if (ok)
            strcpy(r->peer, rest);
    } else if (ok && kind == REQ_SWITCH_ID) {
        ok = conf_id_parse(rest, &r->id, why, sizeof(why)) == 0 && r->id.type != 0;
    } else if (ok) {
        ok = parse_addr(rest, &r->from);
    }
    if (!ok) {
        free(r);
        return mgmt_tel_error(d, "usage: /veer/mobike/%s%s%s, got \"%s\"", what[kind],
                              why[0] != '\0' ? ": " : "", why, params != NULL ? params : "");
    }
    return mgmt_tel_run_request(d, r);
}

static int cmd_switch_peer(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    return cmd_switch_where(params, d, REQ_SWITCH_PEER);
}

static int cmd_switch_id(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    return cmd_switch_where(params, d, REQ_SWITCH_ID);
}

static int cmd_switch_local(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    return cmd_switch_where(params, d, REQ_SWITCH_LOCAL);
}

int mgmt_tel_switch_apply(struct ike_ctx *ike, struct request *r)
{
    unsigned not_capable = 0;
    switch (r->kind) {
    case REQ_SWITCH:
        return ike_mobike_switch(ike, r->spi_i, r->spi_r, &r->to);
    case REQ_SWITCH_PEER:
        r->asked = ike_mobike_switch_where(ike, r->peer, NULL, NULL, &r->to, &not_capable);
        break;
    case REQ_SWITCH_ID:
        r->asked = ike_mobike_switch_where(ike, NULL, &r->id, NULL, &r->to, &not_capable);
        break;
    default:
        r->asked = ike_mobike_switch_where(ike, NULL, NULL, &r->from, &r->to, &not_capable);
        break;
    }
    r->not_capable = not_capable;
    return 0;
}

int mgmt_tel_switch_reply(struct rte_tel_data *d, const struct request *r, int rc)
{
    char to[IKE_ADDR_STRLEN];
    ike_addr_format(&r->to, to, sizeof(to));
    *strrchr(to, ':') = '\0'; /* no port */
    switch (rc) {
    case 0:
        break;
    case -ENOENT:
        return mgmt_tel_error(d, "no established IKE SA %016llx_%016llx",
                              (unsigned long long)r->spi_i, (unsigned long long)r->spi_r);
    case -ENOTSUP:
        return mgmt_tel_error(d, "the client did not announce r-MOBIKE ('R'), or the SA has no "
                                 "MOBIKE, or we initiated it: use a redirect");
    case -EADDRNOTAVAIL:
        return mgmt_tel_error(d,
                              "%s is not one of the gateway's addresses (or not of the SA's "
                              "family)",
                              to);
    case -EALREADY:
        return mgmt_tel_error(d, "the SA is already on %s, or was already asked", to);
    default:
        return mgmt_tel_error(d, "failed: %s", strerror(-rc));
    }
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "to", to);
    if (r->kind == REQ_SWITCH) {
        rte_tel_data_add_dict_u64(d, "asked", 1);
        return 0;
    }
    rte_tel_data_add_dict_u64(d, "asked", r->asked);
    rte_tel_data_add_dict_u64(d, "not_capable", r->not_capable);
    return 0;
}

void mgmt_tel_mobike_register(void)
{
    rte_telemetry_register_cmd("/veer/mobike", cmd_show,
                               "MOBIKE and r-MOBIKE counters (moves, checks, switches)");
    rte_telemetry_register_cmd(
        "/veer/mobike/switch", cmd_switch,
        "Asks the client of IKE SA SPI_I,SPI_R to move our end to ADDRESS (r-MOBIKE)");
    rte_telemetry_register_cmd("/veer/mobike/switch_peer", cmd_switch_peer,
                               "ADDRESS,PEER: the same for the clients of one peer configuration");
    rte_telemetry_register_cmd("/veer/mobike/switch_id", cmd_switch_id,
                               "ADDRESS,IDENTITY: the same for the clients of one identity");
    rte_telemetry_register_cmd(
        "/veer/mobike/switch_local", cmd_switch_local,
        "ADDRESS,FROM: the same for every client on our address FROM (an uplink going down)");
}
