/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/neighbours: the ARP and IPv6 neighbour tables as the workers see
 * them, read without locks from the telemetry thread (each slot is copied
 * whole or skipped while the control lcore rewrites it). At most
 * NEIGH_SHOWN entries per family are listed; `ipv4`/`ipv6` give the totals.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mgmt_tel_priv.h"

#define NEIGH_SHOWN 200 /* per family: DPDK 22.11 caps an array at 512 values */

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* the control lcore's clock (ctrl.c) */
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *port_name(const struct mgmt_tel *t, uint16_t id)
{
    for (unsigned i = 0; i < t->nports; i++) {
        if (t->ports[i].id == id)
            return t->ports[i].name;
    }
    return "?";
}

static int cmd_neighbours(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/neighbours takes no parameters, got \"%s\"", params);
    const struct mgmt_tel *t = mgmt_tel_instance();
    if (t->ctrl == NULL || t->ctrl->neigh == NULL)
        return mgmt_tel_error(d, "no neighbour table");
    /* 2 x 200 entries of ~48 bytes: kept off the telemetry thread's stack. */
    static __thread struct dp_neigh_entry e[2 * NEIGH_SHOWN];
    unsigned n4 = dp_neigh_list4(t->ctrl->neigh, e, NEIGH_SHOWN);
    unsigned n6 = dp_neigh_list6(t->ctrl->neigh, e + n4, NEIGH_SHOWN);
    struct rte_tel_data *addr = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *mac = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *port = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *age = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *state = mgmt_tel_column(RTE_TEL_STRING_VAL);
    uint64_t now = monotonic_ns();
    for (unsigned i = 0; i < n4 + n6; i++) {
        char text[INET6_ADDRSTRLEN];
        inet_ntop(e[i].family == 6 ? AF_INET6 : AF_INET, e[i].ip, text, sizeof(text));
        rte_tel_data_add_array_string(addr, text);
        rte_ether_format_addr(text, sizeof(text), &e[i].mac);
        rte_tel_data_add_array_string(mac, text);
        rte_tel_data_add_array_string(port, port_name(t, e[i].port));
        if (e[i].updated_ns == DP_NEIGH_STATIC)
            snprintf(text, sizeof(text), "static");
        else
            snprintf(text, sizeof(text), "%llu ms",
                     (unsigned long long)((now - e[i].updated_ns) / 1000000));
        rte_tel_data_add_array_string(age, text);
        /* Probing: not confirmed for neighbour_reachable, unicast probes unanswered so far. */
        if (e[i].updated_ns == DP_NEIGH_STATIC)
            snprintf(text, sizeof(text), "static");
        else if (e[i].probes > 0)
            snprintf(text, sizeof(text), "probing %u", e[i].probes);
        else
            snprintf(text, sizeof(text), "reachable");
        rte_tel_data_add_array_string(state, text);
    }
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "ipv4", n4);
    rte_tel_data_add_dict_u64(d, "ipv6", n6);
    mgmt_tel_add_column(d, "address", addr);
    mgmt_tel_add_column(d, "mac", mac);
    mgmt_tel_add_column(d, "port", port);
    mgmt_tel_add_column(d, "learnt", age);
    mgmt_tel_add_column(d, "state", state);
    return 0;
}

void mgmt_tel_neigh_register(void)
{
    rte_telemetry_register_cmd("/veer/neighbours", cmd_neighbours,
                               "ARP and IPv6 neighbours: address, MAC, port, age, state "
                               "(reachable, probing N, static)");
}
