/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/port/...: the gateway's own addresses, shown and changed at run time.
 *
 *   /veer/port/addresses                       every address of every port
 *   /veer/port/address_add,PORT,ADDR/LEN       e.g. outside,198.51.100.12/24
 *   /veer/port/address_del,PORT,ADDR           e.g. outside,198.51.100.12
 *
 * Like the route commands these run on the telemetry thread: the addresses
 * travel in the route table (dp_route_table.h), which serialises writers and
 * publishes a new table to the workers with one atomic swap, freeing the
 * old one after their RCU grace period. The control lcore notices the change
 * on its next tick (app/veer: gratuitous ARP or unsolicited NA for a new
 * address, and the new list to lib/ike).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgmt_tel_priv.h"
#include "port_addr_args.h"

static int show(struct rte_tel_data *d, struct dp_route_table *rt)
{
    const struct mgmt_tel *t = mgmt_tel_instance();
    struct dp_addrs s;
    uint64_t changes;
    dp_route_table_addrs(rt, &s, &changes);
    struct rte_tel_data *port = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *address = mgmt_tel_column(RTE_TEL_STRING_VAL);
    for (unsigned i = 0; i < s.n; i++) {
        const struct dp_addr *a = &s.a[i];
        char ip[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 8];
        if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof(ip)) == NULL)
            snprintf(ip, sizeof(ip), "?");
        snprintf(text, sizeof(text), "%s/%u", ip, a->prefix_len);
        rte_tel_data_add_array_string(address, text);
        rte_tel_data_add_array_string(port,
                                      a->port < t->nports ? t->ports[a->port].name : "(anycast)");
    }
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "addresses", s.n);
    rte_tel_data_add_dict_u64(d, "max_per_port", CONF_MAX_PORT_ADDRS);
    rte_tel_data_add_dict_u64(d, "changes", changes); /* adds and deletes since start */
    mgmt_tel_add_column(d, "port", port);
    mgmt_tel_add_column(d, "address", address);
    return 0;
}

static int cmd_show(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    int rc = 0;
    struct dp_route_table *rt = mgmt_tel_routes_or_error(d, &rc, "dataplane addresses");
    if (rt == NULL)
        return rc;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/port/addresses takes no parameters, got \"%s\"", params);
    return show(d, rt);
}

static int cmd_add(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    int rc = 0;
    struct dp_route_table *rt = mgmt_tel_routes_or_error(d, &rc, "dataplane addresses");
    if (rt == NULL)
        return rc;
    const struct mgmt_tel *t = mgmt_tel_instance();
    struct dp_addr a;
    char why[160] = "";
    if (mgmt_port_addr_args(params, t->ports, t->nports, true, &a, why, sizeof(why)) < 0)
        return mgmt_tel_error(d,
                              "usage: /veer/port/address_add,PORT,ADDRESS/LEN (e.g. "
                              "outside,198.51.100.12/24): %s",
                              why);
    char err[256];
    if (dp_route_table_addr_add(rt, &a, err, sizeof(err)) < 0)
        return mgmt_tel_error(d, "address not added: %s", err);
    return show(d, rt);
}

static int cmd_del(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    int rc = 0;
    struct dp_route_table *rt = mgmt_tel_routes_or_error(d, &rc, "dataplane addresses");
    if (rt == NULL)
        return rc;
    const struct mgmt_tel *t = mgmt_tel_instance();
    struct dp_addr a;
    char why[160] = "";
    if (mgmt_port_addr_args(params, t->ports, t->nports, false, &a, why, sizeof(why)) < 0)
        return mgmt_tel_error(d,
                              "usage: /veer/port/address_del,PORT,ADDRESS (e.g. "
                              "outside,198.51.100.12): %s",
                              why);
    char err[256];
    if (dp_route_table_addr_del(rt, a.port, a.family, a.ip, err, sizeof(err)) < 0)
        return mgmt_tel_error(d, "address not deleted: %s", err);
    return show(d, rt);
}

void mgmt_tel_port_addr_register(void)
{
    rte_telemetry_register_cmd("/veer/port/addresses", cmd_show,
                               "The gateway's own addresses, per port");
    rte_telemetry_register_cmd("/veer/port/address_add", cmd_add,
                               "Adds an address to a port. Parameters: PORT,ADDRESS/LEN");
    rte_telemetry_register_cmd("/veer/port/address_del", cmd_del,
                               "Removes an address from a port. Parameters: PORT,ADDRESS");
}
