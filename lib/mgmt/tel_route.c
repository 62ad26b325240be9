/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/routes...: static routes shown and changed at run time.
 *
 *   /veer/routes                           the routes in force
 *   /veer/routes/add,PREFIX,VIA[,PORT]     e.g. 10.9.0.0/16,10.2.0.254,inside
 *   /veer/routes/del,PREFIX
 *
 * Unlike SA commands these do not go through the control lcore: the route
 * table belongs to no lcore (dp_route_table.h serialises writers and frees
 * old tables after an RCU grace period), and rebuilding it here keeps the
 * control lcore's IKE work undisturbed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt_tel_priv.h"

#define ROUTE_ARGS_MAX 128

/* The address alone: no port, no brackets around IPv6. */
static void format_ip(const struct ike_addr *a, char *out, size_t cap)
{
    if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, out, (socklen_t)cap) == NULL)
        snprintf(out, cap, "?");
}

static void format_prefix(const struct conf_route *r, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    format_ip(&r->to, ip, sizeof(ip));
    snprintf(out, cap, "%s/%u", ip, r->prefix_len);
}

static int show(struct rte_tel_data *d, struct dp_route_table *rt)
{
    /* 19 KB: kept off the telemetry thread's stack. */
    static __thread struct conf_route routes[CONF_MAX_ROUTES];
    uint64_t changes;
    unsigned n = dp_route_table_list(rt, routes, CONF_MAX_ROUTES, &changes);
    struct rte_tel_data *to = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *via = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *port = mgmt_tel_column(RTE_TEL_STRING_VAL);
    for (unsigned i = 0; i < n; i++) {
        char text[80];
        format_prefix(&routes[i], text, sizeof(text));
        rte_tel_data_add_array_string(to, text);
        format_ip(&routes[i].via, text, sizeof(text));
        rte_tel_data_add_array_string(via, text);
        rte_tel_data_add_array_string(port, routes[i].port[0] != '\0' ? routes[i].port : "(any)");
    }
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "routes", n);
    rte_tel_data_add_dict_u64(d, "max_routes", CONF_MAX_ROUTES);
    rte_tel_data_add_dict_u64(d, "changes", changes);
    mgmt_tel_add_column(d, "to", to);
    mgmt_tel_add_column(d, "via", via);
    mgmt_tel_add_column(d, "port", port);
    return 0;
}

static int cmd_show(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    int rc = 0;
    struct dp_route_table *rt = mgmt_tel_routes_or_error(d, &rc, "route table");
    if (rt == NULL)
        return rc;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/routes takes no parameters, got \"%s\"", params);
    return show(d, rt);
}

/* Splits "a,b,c" into at most max fields of args (a copy); returns how many, or -1. */
static int split(const char *params, char *copy, size_t cap, char **field, int max)
{
    if (params == NULL || strlen(params) >= cap)
        return -1;
    strcpy(copy, params);
    int n = 0;
    for (char *s = copy; n < max; n++) {
        field[n] = s;
        char *comma = strchr(s, ',');
        if (comma == NULL)
            return n + 1;
        *comma = '\0';
        s = comma + 1;
    }
    return -1; /* more fields than allowed */
}

static int cmd_add(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    int rc = 0;
    struct dp_route_table *rt = mgmt_tel_routes_or_error(d, &rc, "route table");
    if (rt == NULL)
        return rc;
    char copy[ROUTE_ARGS_MAX], *f[3];
    int n = split(params, copy, sizeof(copy), f, 3);
    struct conf_route r = {0};
    char why[160] = "";
    if (n < 2 || conf_route_prefix_parse(f[0], &r.to, &r.prefix_len, why, sizeof(why)) < 0 ||
        ike_addr_parse(&r.via, f[1], 0) < 0 || r.via.family != r.to.family ||
        (n == 3 && (f[2][0] == '\0' || strlen(f[2]) >= sizeof(r.port)))) {
        return mgmt_tel_error(d,
                              "usage: /veer/routes/add,PREFIX,VIA[,PORT] (e.g. "
                              "10.9.0.0/16,10.2.0.254,inside)%s%s; got \"%s\"",
                              why[0] != '\0' ? ": " : "", why, params != NULL ? params : "");
    }
    if (n == 3)
        strcpy(r.port, f[2]);
    char err[256];
    if (dp_route_table_add(rt, &r, err, sizeof(err)) < 0)
        return mgmt_tel_error(d, "route not added: %s", err);
    return show(d, rt);
}

static int cmd_del(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    int rc = 0;
    struct dp_route_table *rt = mgmt_tel_routes_or_error(d, &rc, "route table");
    if (rt == NULL)
        return rc;
    struct ike_addr to;
    uint8_t len;
    char why[160] = "";
    if (params == NULL || conf_route_prefix_parse(params, &to, &len, why, sizeof(why)) < 0)
        return mgmt_tel_error(d, "usage: /veer/routes/del,PREFIX (e.g. 10.9.0.0/16)%s%s",
                              why[0] != '\0' ? ": " : "", why);
    char err[256];
    if (dp_route_table_del(rt, &to, len, err, sizeof(err)) < 0)
        return mgmt_tel_error(d, "route not deleted: %s", err);
    return show(d, rt);
}

void mgmt_tel_route_register(void)
{
    rte_telemetry_register_cmd("/veer/routes", cmd_show, "Static routes in force");
    rte_telemetry_register_cmd("/veer/routes/add", cmd_add,
                               "Adds a static route. Parameters: PREFIX,VIA[,PORT]");
    rte_telemetry_register_cmd("/veer/routes/del", cmd_del,
                               "Deletes a static route. Parameters: PREFIX");
}
