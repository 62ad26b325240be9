/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_telemetry.h"
#include "conf.h"
#include "mgmt_tel_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#define REQUEST_WAIT_MS 1000
#define SOCKET_NAME "dpdk_telemetry.v2"

/*
 * DPDK telemetry callbacks take no user argument, so the one instance is
 * reached through this pointer, set once before the commands are registered.
 */
static struct mgmt_tel *the_tel;

struct mgmt_tel *mgmt_tel_instance(void)
{
    return the_tel;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int mgmt_tel_error(struct rte_tel_data *d, const char *fmt, ...)
{
    char msg[RTE_TEL_MAX_STRING_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "error", msg);
    return 0;
}

bool mgmt_tel_no_params(const char *params)
{
    return params == NULL || params[0] == '\0';
}

/* ---- read commands ---- */

static int cmd_version(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/version takes no parameters, got \"%s\"", params);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "version", "0.1.0");
    rte_tel_data_add_dict_u64(d, "uptime_s", (now_ns() - the_tel->started_ns) / 1000000000ull);
    rte_tel_data_add_dict_u64(d, "workers", the_tel->nworkers);
    rte_tel_data_add_dict_u64(d, "ports", the_tel->nports);
    return 0;
}

/*
 * DPDK 22.11 nests only arrays of numbers or strings inside a reply, so lists
 * of things are shown by column: one array per field, index i across all of
 * them describing thing i.
 */
struct rte_tel_data *mgmt_tel_column(enum rte_tel_value_type type)
{
    struct rte_tel_data *c = rte_tel_data_alloc();
    if (c != NULL)
        rte_tel_data_start_array(c, type);
    return c;
}

void mgmt_tel_add_column(struct rte_tel_data *d, const char *name, struct rte_tel_data *c)
{
    if (c != NULL && rte_tel_data_add_dict_container(d, name, c, 0) != 0)
        rte_tel_data_free(c);
}

#define PORT_STAT_LIST(X)                                                                          \
    X(ipackets) X(opackets) X(ibytes) X(obytes) X(imissed) X(ierrors) X(oerrors) X(rx_nombuf)

/* "ipv4 udp" from granted bits; "none" when nothing was. */
static void granted_names(char *out, size_t cap, uint32_t bits, const char *(*name)(uint32_t))
{
    size_t n = 0;
    out[0] = '\0';
    for (uint32_t bit = 1; bit != 0 && bit <= bits && n < cap; bit <<= 1)
        if (bits & bit)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", name(bit));
    if (n == 0)
        snprintf(out, cap, "none");
}

static int cmd_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/ports takes no parameters, got \"%s\"", params);
    const struct mgmt_tel *t = the_tel;
    struct rte_tel_data *name = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *mac = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *addr = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *addr6 = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *id = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *profile = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *rss = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *spread = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *rx_off = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *tx_off = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *desc = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *mtu = mgmt_tel_column(RTE_TEL_U64_VAL);
#define STAT_COLUMN(n) struct rte_tel_data *col_##n = mgmt_tel_column(RTE_TEL_U64_VAL);
    PORT_STAT_LIST(STAT_COLUMN)
#undef STAT_COLUMN
    /* af_packet: what the kernel received and veer never read (kernel_rx.c); else 0. */
    struct rte_tel_data *kernel_rx = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *kernel_unread = mgmt_tel_column(RTE_TEL_U64_VAL);
    for (unsigned i = 0; i < t->nports; i++) {
        const struct dp_port *p = &t->ports[i];
        char text[64];
        rte_tel_data_add_array_string(name, p->name);
        rte_ether_format_addr(text, sizeof(text), &p->mac);
        rte_tel_data_add_array_string(mac, text);
        const uint8_t *ip = (const uint8_t *)&p->ip;
        snprintf(text, sizeof(text), "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
        rte_tel_data_add_array_string(addr, p->ip != 0 ? text : "none");
        char ip6[INET6_ADDRSTRLEN];
        if (p->has_ip6 && inet_ntop(AF_INET6, p->ip6, ip6, sizeof(ip6)) != NULL)
            snprintf(text, sizeof(text), "%s/%u", ip6, p->prefix6_len);
        else
            snprintf(text, sizeof(text), "none");
        rte_tel_data_add_array_string(addr6, text);
        rte_tel_data_add_array_u64(id, p->id);
        rte_tel_data_add_array_string(profile, p->profile);
        granted_names(text, sizeof(text), p->rss_fields, conf_rss_field_name);
        rte_tel_data_add_array_string(rss, text);
        rte_tel_data_add_array_string(spread, dp_port_rx_spread(p));
        granted_names(text, sizeof(text), p->rx_offloads_granted, conf_offload_name);
        rte_tel_data_add_array_string(rx_off, text);
        granted_names(text, sizeof(text), p->tx_offloads_granted, conf_offload_name);
        rte_tel_data_add_array_string(tx_off, text);
        snprintf(text, sizeof(text), "%ux%u rx %ux%u tx", p->nrxq, p->rx_desc, p->ntxq, p->tx_desc);
        rte_tel_data_add_array_string(desc, text);
        rte_tel_data_add_array_u64(mtu, p->mtu);
        struct rte_eth_stats st;
        if (rte_eth_stats_get(p->id, &st) != 0)
            memset(&st, 0, sizeof(st));
#define STAT_ADD(n) rte_tel_data_add_array_u64(col_##n, st.n);
        PORT_STAT_LIST(STAT_ADD)
#undef STAT_ADD
        uint64_t krx = 0, unread = 0;
        dp_port_kernel_rx(p, st.ipackets, &krx, &unread);
        rte_tel_data_add_array_u64(kernel_rx, krx);
        rte_tel_data_add_array_u64(kernel_unread, unread);
    }
    rte_tel_data_start_dict(d);
    mgmt_tel_add_column(d, "name", name);
    mgmt_tel_add_column(d, "mac", mac);
    mgmt_tel_add_column(d, "address", addr);
    mgmt_tel_add_column(d, "address6", addr6);
    mgmt_tel_add_column(d, "port_id", id);
    mgmt_tel_add_column(d, "profile", profile);
    mgmt_tel_add_column(d, "rss", rss);
    mgmt_tel_add_column(d, "rx_spread", spread);
    mgmt_tel_add_column(d, "rx_offloads", rx_off);
    mgmt_tel_add_column(d, "tx_offloads", tx_off);
    mgmt_tel_add_column(d, "queues", desc);
    mgmt_tel_add_column(d, "device_mtu", mtu);
#define STAT_PUT(n) mgmt_tel_add_column(d, #n, col_##n);
    PORT_STAT_LIST(STAT_PUT)
#undef STAT_PUT
    mgmt_tel_add_column(d, "kernel_rx", kernel_rx);
    mgmt_tel_add_column(d, "kernel_unread", kernel_unread);
    return 0;
}

static int cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/workers takes no parameters, got \"%s\"", params);
    const struct mgmt_tel *t = the_tel;
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "workers", t->nworkers);
    /* Each counter is one aligned 64-bit word its worker alone writes: reads are whole. */
#define WORKER_COLUMN(n)                                                                           \
    {                                                                                              \
        struct rte_tel_data *c = mgmt_tel_column(RTE_TEL_U64_VAL);                                 \
        for (unsigned w = 0; c != NULL && w < t->nworkers; w++)                                    \
            rte_tel_data_add_array_u64(                                                            \
                c, __atomic_load_n(&t->workers[w].counters.n, __ATOMIC_RELAXED));                  \
        mgmt_tel_add_column(d, #n, c);                                                             \
    }
    DP_WORKER_COUNTER_LIST(WORKER_COLUMN)
#undef WORKER_COLUMN
    return 0;
}

static int cmd_control(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/control takes no parameters, got \"%s\"", params);
    struct mgmt_tel *t = the_tel;
    rte_tel_data_start_dict(d);
    pthread_mutex_lock(&t->lock);
    uint64_t age_ms = t->taken_ns != 0 ? (now_ns() - t->taken_ns) / 1000000 : UINT64_MAX;
    rte_tel_data_add_dict_u64(d, "snapshot_age_ms", age_ms);
#define ADD_CTRL(n) rte_tel_data_add_dict_u64(d, #n, t->ctrl_counters.n);
    DP_CTRL_COUNTER_LIST(ADD_CTRL)
#undef ADD_CTRL
    pthread_mutex_unlock(&t->lock);
    return 0;
}

static const char *const gate_modes[] = {"off", "on", "auto"};
/* In enum conf_overload_policy's order. */
static const char *const overload_policies[] = {"redirect-first", "cookie-first"};

/* A mode or an overload policy by name; false for neither. */
static bool admission_set(struct dp_gate_shared *g, const char *params)
{
    /* Workers read both with every new IKE_SA_INIT: no restart, no lock. */
    for (unsigned i = 0; i < 3; i++)
        if (strcmp(params, gate_modes[i]) == 0) {
            __atomic_store_n(&g->mode, i, __ATOMIC_RELAXED);
            return true;
        }
    for (unsigned i = 0; i < 2; i++)
        if (strcmp(params, overload_policies[i]) == 0) {
            __atomic_store_n(&g->overload_policy, i, __ATOMIC_RELAXED);
            return true;
        }
    return false;
}

static int cmd_admission(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct dp_gate_shared *g = the_tel->gate;
    if (!mgmt_tel_no_params(params) && !admission_set(g, params))
        return mgmt_tel_error(
            d, "/veer/admission[,off|on|auto|redirect-first|cookie-first], got \"%s\"", params);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "mode",
                                 gate_modes[__atomic_load_n(&g->mode, __ATOMIC_RELAXED) % 3]);
    rte_tel_data_add_dict_string(
        d, "overload_policy",
        overload_policies[__atomic_load_n(&g->overload_policy, __ATOMIC_RELAXED) % 2]);
    rte_tel_data_add_dict_u64(d, "rate", __atomic_load_n(&g->rate, __ATOMIC_RELAXED));
    rte_tel_data_add_dict_u64(d, "overloaded", __atomic_load_n(&g->overloaded, __ATOMIC_RELAXED));
    rte_tel_data_add_dict_u64(d, "saturated", __atomic_load_n(&g->saturated, __ATOMIC_RELAXED));
    /* The control lcore's own load, from which `rate` is derived (dp_load.h). */
    rte_tel_data_add_dict_u64(d, "control_busy_pct",
                              __atomic_load_n(&g->load.busy_pct, __ATOMIC_RELAXED));
    rte_tel_data_add_dict_u64(d, "control_loop_latency_us",
                              __atomic_load_n(&g->load.loop_latency_us, __ATOMIC_RELAXED));
    rte_tel_data_add_dict_u64(d, "control_loop_cpu_us",
                              __atomic_load_n(&g->load.loop_cpu_us, __ATOMIC_RELAXED));
    rte_tel_data_add_dict_u64(d, "new_sas_per_s",
                              __atomic_load_n(&g->load.sa_per_s, __ATOMIC_RELAXED));
    rte_tel_data_add_dict_u64(d, "capacity_sas_per_s",
                              __atomic_load_n(&g->load.capacity_per_s, __ATOMIC_RELAXED));
    struct rp_table table;
    uint32_t seen = 0;
    rte_tel_data_add_dict_u64(d, "redirect_targets",
                              rp_refresh(&g->redirect, &table, &seen) ? table.ntargets : 0);
    return 0;
}

static int cmd_ike_counters(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/ike/counters takes no parameters, got \"%s\"", params);
    struct mgmt_tel *t = the_tel;
    rte_tel_data_start_dict(d);
    pthread_mutex_lock(&t->lock);
#define ADD_IKE(n) rte_tel_data_add_dict_u64(d, #n, t->ike.n);
    IKE_COUNTER_LIST(ADD_IKE)
#undef ADD_IKE
    pthread_mutex_unlock(&t->lock);
    return 0;
}

static int cmd_sas(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    unsigned long from = 0;
    if (!mgmt_tel_no_params(params)) {
        char *end;
        errno = 0;
        from = strtoul(params, &end, 10);
        if (errno != 0 || *end != '\0' || params[0] == '-')
            return mgmt_tel_error(d, "/veer/ike/sas[,FROM]: FROM is a number, got \"%s\"", params);
    }
    struct mgmt_tel *t = the_tel;
    struct rte_tel_data *spi_i = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *spi_r = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *state = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *role = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *peer = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *remote = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *local = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *mobike = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *natt = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *qcd_kept = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *qcd_sent = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *child = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *pkts_in = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *bytes_in = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *pkts_out = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *bytes_out = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *idle = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *traffic = mgmt_tel_column(RTE_TEL_STRING_VAL);
    struct rte_tel_data *all[] = {spi_i,   spi_r,    state,    role,      peer,     remote,
                                  local,   mobike,   natt,     qcd_kept,  qcd_sent, child,
                                  pkts_in, bytes_in, pkts_out, bytes_out, idle,     traffic};
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (all[i] == NULL) {
            for (unsigned k = 0; k < sizeof(all) / sizeof(all[0]); k++)
                rte_tel_data_free(all[k]);
            return -ENOMEM;
        }
    }
    uint64_t now = now_ns();
    pthread_mutex_lock(&t->lock);
    unsigned total = t->nsas_total, shown = 0;
    for (unsigned long i = from; i < t->nsas && shown < SAS_PER_PAGE; i++, shown++) {
        const struct sa_view *v = &t->sas[i];
        char spi[20];
        snprintf(spi, sizeof(spi), "%016" PRIx64, v->spi_i);
        rte_tel_data_add_array_string(spi_i, spi);
        snprintf(spi, sizeof(spi), "%016" PRIx64, v->spi_r);
        rte_tel_data_add_array_string(spi_r, spi);
        rte_tel_data_add_array_string(state, ike_sa_state_name(v->state));
        rte_tel_data_add_array_string(role, v->initiator ? "initiator" : "responder");
        rte_tel_data_add_array_string(peer, v->peer);
        rte_tel_data_add_array_string(remote, v->remote);
        rte_tel_data_add_array_string(local, v->local);
        rte_tel_data_add_array_string(mobike, v->rmobike ? "r-mobike" : v->mobike ? "yes" : "no");
        rte_tel_data_add_array_string(natt, v->natt ? "yes" : "no");
        rte_tel_data_add_array_string(qcd_kept, v->qcd_token_kept ? "yes" : "no");
        rte_tel_data_add_array_string(qcd_sent, v->qcd_token_sent ? "yes" : "no");
        rte_tel_data_add_array_string(child, v->children);
        rte_tel_data_add_array_u64(pkts_in, v->packets_in);
        rte_tel_data_add_array_u64(bytes_in, v->bytes_in);
        rte_tel_data_add_array_u64(pkts_out, v->packets_out);
        rte_tel_data_add_array_u64(bytes_out, v->bytes_out);
        /* Milliseconds since the peer's last ESP; UINT64_MAX: none yet. */
        rte_tel_data_add_array_u64(idle, v->last_in_ns == 0    ? UINT64_MAX
                                         : now > v->last_in_ns ? (now - v->last_in_ns) / 1000000
                                                               : 0);
        rte_tel_data_add_array_string(traffic, v->traffic);
    }
    pthread_mutex_unlock(&t->lock);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "total", total);
    rte_tel_data_add_dict_u64(d, "from", from);
    rte_tel_data_add_dict_u64(d, "shown", shown);
    mgmt_tel_add_column(d, "spi_i", spi_i);
    mgmt_tel_add_column(d, "spi_r", spi_r);
    mgmt_tel_add_column(d, "state", state);
    mgmt_tel_add_column(d, "role", role);
    mgmt_tel_add_column(d, "peer", peer);
    mgmt_tel_add_column(d, "remote", remote);
    mgmt_tel_add_column(d, "local", local);
    mgmt_tel_add_column(d, "mobike", mobike);
    mgmt_tel_add_column(d, "natt", natt);
    mgmt_tel_add_column(d, "qcd_token_kept", qcd_kept);
    mgmt_tel_add_column(d, "qcd_token_sent", qcd_sent);
    mgmt_tel_add_column(d, "child_sas", child);
    mgmt_tel_add_column(d, "packets_in", pkts_in);
    mgmt_tel_add_column(d, "bytes_in", bytes_in);
    mgmt_tel_add_column(d, "packets_out", pkts_out);
    mgmt_tel_add_column(d, "bytes_out", bytes_out);
    mgmt_tel_add_column(d, "idle_in_ms", idle);
    mgmt_tel_add_column(d, "child_traffic", traffic);
    return 0;
}

/* ---- write commands: executed by the control lcore ---- */

bool mgmt_tel_parse_spi_pair(const char *params, uint64_t *spi_i, uint64_t *spi_r)
{
    if (params == NULL)
        return false;
    char *end;
    errno = 0;
    *spi_i = strtoull(params, &end, 16);
    if (errno != 0 || end == params || *end != ',' || params[0] == '-')
        return false;
    const char *second = end + 1;
    *spi_r = strtoull(second, &end, 16);
    return errno == 0 && end != second && *end == '\0' && second[0] != '-' && *spi_i != 0;
}

/* A gateway identity: an IPv4 or IPv6 address, or a host name. */
static bool parse_gw(const char *s, struct ike_gw_id *gw)
{
    return rp_gw_parse(s, gw) == 0;
}

/* Hands r to the control lcore and waits for its answer. */
int mgmt_tel_run_request(struct rte_tel_data *d, struct request *r)
{
    if (rte_ring_enqueue(the_tel->requests, r) != 0) {
        free(r);
        return mgmt_tel_error(d, "too many requests queued; try again");
    }
    /* A reload reads files (certificates): it may take longer than a table change. */
    unsigned wait_ms = r->kind == REQ_RELOAD ? 10 * REQUEST_WAIT_MS : REQUEST_WAIT_MS;
    for (unsigned ms = 0; ms < wait_ms; ms++) {
        if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == REQ_DONE)
            break;
        usleep(1000);
    }
    int expected = REQ_PENDING;
    if (__atomic_compare_exchange_n(&r->state, &expected, REQ_ABANDONED, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return mgmt_tel_error(d, "the control lcore did not answer in time");
    int rc = r->result;
    if (r->kind == REQ_RELOAD) {
        int out = mgmt_tel_reload_reply(d, r, rc);
        free(r);
        return out;
    }
    if (r->kind == REQ_POOL_LEASES || r->kind == REQ_POOL_RELEASE) {
        int out = mgmt_tel_pools_reply(d, r, rc);
        free(r);
        return out;
    }
    if (r->kind >= REQ_SWITCH) {
        int out = mgmt_tel_switch_reply(d, r, rc);
        free(r);
        return out;
    }
    if (r->kind >= REQ_RP_TARGETS) {
        free(r);
        return mgmt_tel_redirect_reply(d, rc);
    }
    char spis[40];
    snprintf(spis, sizeof(spis), "%016" PRIx64 "_%016" PRIx64, r->spi_i, r->spi_r);
    enum request_kind kind = r->kind;
    free(r);
    if (rc == -ENOENT)
        return mgmt_tel_error(d, "no established IKE SA %s", spis);
    if (rc == -ENOTSUP)
        return mgmt_tel_error(d, "the client of %s did not announce redirect support", spis);
    if (rc == -EHOSTUNREACH)
        return mgmt_tel_error(d, "the redirect policy has no target for the client of %s", spis);
    if (rc < 0)
        return mgmt_tel_error(d, "failed: %s", strerror(-rc));
    rte_tel_data_start_dict(d);
    if (kind == REQ_DRAIN || kind == REQ_DRAIN_PEER || kind == REQ_DRAIN_ID)
        rte_tel_data_add_dict_u64(d, "redirected", (uint64_t)rc);
    else
        rte_tel_data_add_dict_string(d, kind == REQ_DELETE ? "deleting" : "redirecting", spis);
    return 0;
}

static int cmd_delete(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->kind = REQ_DELETE;
    if (!mgmt_tel_parse_spi_pair(params, &r->spi_i, &r->spi_r)) {
        free(r);
        return mgmt_tel_error(d,
                              "usage: /veer/ike/delete,SPI_I,SPI_R (hex, as /veer/ike/sas "
                              "lists them), got \"%s\"",
                              params);
    }
    return mgmt_tel_run_request(d, r);
}

static int cmd_redirect(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->kind = REQ_REDIRECT;
    char spis[64] = "";
    const char *last = params != NULL ? strrchr(params, ',') : NULL;
    if (last != NULL && (size_t)(last - params) < sizeof(spis))
        memcpy(spis, params, (size_t)(last - params));
    if (last == NULL || !mgmt_tel_parse_spi_pair(spis, &r->spi_i, &r->spi_r) ||
        !parse_gw(last + 1, &r->gw)) {
        free(r);
        return mgmt_tel_error(d,
                              "usage: /veer/ike/redirect,SPI_I,SPI_R,GATEWAY (an address or host "
                              "name), got \"%s\"",
                              params != NULL ? params : "");
    }
    return mgmt_tel_run_request(d, r);
}

static int cmd_drain(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->kind = REQ_DRAIN;
    /* Without a gateway (or with %policy) every client goes where the redirect policy says. */
    if (!mgmt_tel_no_params(params) && strcmp(params, "%policy") != 0 &&
        !parse_gw(params, &r->gw)) {
        free(r);
        return mgmt_tel_error(d,
                              "usage: /veer/ike/drain[,GATEWAY|%%policy] (an address or host "
                              "name), got \"%s\"",
                              params);
    }
    return mgmt_tel_run_request(d, r);
}

/*
 * /veer/ike/drain_peer,GATEWAY|%policy,PEER and /veer/ike/drain_id,GATEWAY|%policy,IDENTITY:
 * the gateway first, since an identity (a distinguished name) may hold commas.
 */
static int cmd_drain_where(const char *params, struct rte_tel_data *d, enum request_kind kind)
{
    const char *what = kind == REQ_DRAIN_PEER ? "drain_peer" : "drain_id";
    const char *arg = kind == REQ_DRAIN_PEER ? "PEER" : "IDENTITY";
    const char *comma = params != NULL ? strchr(params, ',') : NULL;
    char gw[IKE_GW_ID_MAX + 1];
    struct request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->kind = kind;
    char why[160] = "";
    bool ok = comma != NULL && (size_t)(comma - params) < sizeof(gw) && comma[1] != '\0';
    if (ok) {
        memcpy(gw, params, (size_t)(comma - params));
        gw[comma - params] = '\0';
        ok = strcmp(gw, "%policy") == 0 || parse_gw(gw, &r->gw);
    }
    if (ok && kind == REQ_DRAIN_PEER) {
        ok = strlen(comma + 1) < sizeof(r->peer);
        if (ok)
            strcpy(r->peer, comma + 1);
    } else if (ok) {
        ok = conf_id_parse(comma + 1, &r->id, why, sizeof(why)) == 0 && r->id.type != 0;
    }
    if (!ok) {
        free(r);
        return mgmt_tel_error(d, "usage: /veer/ike/%s,GATEWAY|%%policy,%s%s%s, got \"%s\"", what,
                              arg, why[0] != '\0' ? ": " : "", why, params != NULL ? params : "");
    }
    return mgmt_tel_run_request(d, r);
}

static int cmd_drain_peer(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    return cmd_drain_where(params, d, REQ_DRAIN_PEER);
}

static int cmd_drain_id(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    return cmd_drain_where(params, d, REQ_DRAIN_ID);
}

struct dp_route_table *mgmt_tel_routes_or_error(struct rte_tel_data *d, int *rc, const char *what)
{
    struct dp_route_table *rt = __atomic_load_n(&the_tel->routes, __ATOMIC_ACQUIRE);
    if (rt == NULL)
        *rc = mgmt_tel_error(d, "this process has no %s", what);
    return rt;
}

void mgmt_tel_set_routes(struct mgmt_tel *t, struct dp_route_table *routes)
{
    __atomic_store_n(&t->routes, routes, __ATOMIC_RELEASE);
}

void mgmt_tel_set_redirect(struct mgmt_tel *t, struct rp_table *redirect)
{
    t->redirect = redirect; /* read by the control lcore only (mgmt_tel_redirect_apply) */
}

void mgmt_tel_serve(struct mgmt_tel *t, struct ike_ctx *ike)
{
    void *p;
    while (rte_ring_dequeue(t->requests, &p) == 0) {
        struct request *r = p;
        /* The moment a bulk move runs, for the benchmark's clock (scripts/bench-rmobike.sh). */
        static const char *const bulk[] = {
            [REQ_DRAIN] = "drain",         [REQ_DRAIN_PEER] = "drain_peer",
            [REQ_DRAIN_ID] = "drain_id",   [REQ_SWITCH_PEER] = "switch_peer",
            [REQ_SWITCH_ID] = "switch_id", [REQ_SWITCH_LOCAL] = "switch_local"};
        if ((size_t)r->kind < sizeof(bulk) / sizeof(bulk[0]) && bulk[r->kind] != NULL)
            fprintf(stderr, "veer: control: run %s\n", bulk[r->kind]);
        switch (r->kind) {
        case REQ_DELETE:
            r->result = ike_delete(ike, r->spi_i, r->spi_r);
            break;
        case REQ_REDIRECT:
            r->result = ike_redirect(ike, r->spi_i, r->spi_r, &r->gw);
            break;
        case REQ_DRAIN:
            r->result = (int)ike_redirect_all(ike, r->gw.type != 0 ? &r->gw : NULL);
            break;
        case REQ_DRAIN_PEER:
            r->result =
                (int)ike_redirect_where(ike, r->peer, NULL, r->gw.type != 0 ? &r->gw : NULL);
            break;
        case REQ_DRAIN_ID:
            r->result = (int)ike_redirect_where(ike, NULL, &r->id, r->gw.type != 0 ? &r->gw : NULL);
            break;
        case REQ_SWITCH:
        case REQ_SWITCH_PEER:
        case REQ_SWITCH_ID:
        case REQ_SWITCH_LOCAL:
            r->result = mgmt_tel_switch_apply(ike, r);
            break;
        case REQ_POOL_LEASES:
        case REQ_POOL_RELEASE:
            r->result = mgmt_tel_pools_apply(ike, r);
            break;
        case REQ_RELOAD:
            r->result = mgmt_tel_reload_apply(t, r);
            break;
        default:
            r->result = mgmt_tel_redirect_apply(t, r);
            break;
        }
        int expected = REQ_PENDING;
        if (!__atomic_compare_exchange_n(&r->state, &expected, REQ_DONE, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            free(r); /* the asker gave up waiting: the request is ours to free */
    }
}

/* ---- snapshot ---- */

static void view_sa(void *opaque, const struct ike_sa_info *sa)
{
    struct mgmt_tel *t = opaque;
    t->nsas_total++;
    if ((unsigned)sa->state < IKE_SA__STATES)
        t->nsas_by_state[sa->state]++;
    t->nchild_sas += sa->nchildren;
    if (t->nsas >= sizeof(t->sas) / sizeof(t->sas[0]))
        return;
    struct sa_view *v = &t->sas[t->nsas++];
    v->spi_i = sa->spi_i;
    v->spi_r = sa->spi_r;
    v->state = sa->state;
    v->initiator = sa->initiator;
    v->natt = sa->natt;
    v->qcd_token_kept = sa->qcd_token_kept;
    v->qcd_token_sent = sa->qcd_token_sent;
    snprintf(v->peer, sizeof(v->peer), "%s", sa->peer != NULL ? sa->peer : "-");
    ike_addr_format(&sa->remote, v->remote, sizeof(v->remote));
    ike_addr_format(&sa->local, v->local, sizeof(v->local));
    v->mobike = sa->mobike;
    v->rmobike = sa->mobike && sa->rmobike;
    size_t off = 0, toff = 0;
    v->children[0] = v->traffic[0] = '\0';
    v->packets_in = v->bytes_in = v->packets_out = v->bytes_out = v->last_in_ns = 0;
    for (unsigned i = 0; i < sa->nchildren && i < IKE_INFO_MAX_CHILDREN; i++) {
        off += (size_t)snprintf(v->children + off, sizeof(v->children) - off, "%s%08x/%08x",
                                i ? "," : "", sa->children[i].spi_in, sa->children[i].spi_out);
        const struct ike_child_traffic *tr = &sa->children[i].traffic;
        toff += (size_t)snprintf(v->traffic + toff, sizeof(v->traffic) - toff,
                                 "%s%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64, i ? "," : "",
                                 tr->packets_in, tr->bytes_in, tr->packets_out, tr->bytes_out);
        v->packets_in += tr->packets_in;
        v->bytes_in += tr->bytes_in;
        v->packets_out += tr->packets_out;
        v->bytes_out += tr->bytes_out;
        if (tr->last_in_ns > v->last_in_ns)
            v->last_in_ns = tr->last_in_ns;
    }
}

void mgmt_tel_publish(struct mgmt_tel *t, const struct ike_ctx *ike)
{
    /* Never wait for a telemetry reader: skip this tick instead. */
    if (pthread_mutex_trylock(&t->lock) != 0)
        return;
    t->ike = *ike_get_counters(ike);
    t->ctrl_counters = t->ctrl->counters;
    t->nsas = t->nsas_total = t->nchild_sas = 0;
    memset(t->nsas_by_state, 0, sizeof(t->nsas_by_state));
    ike_sa_foreach(ike, view_sa, t);
    t->half_open = ike_half_open(ike);
    mgmt_tel_pools_snapshot(t, ike);
    t->taken_ns = now_ns();
    pthread_mutex_unlock(&t->lock);
}

/* ---- start ---- */

static int restrict_socket(const char *group, char *err, size_t err_len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", rte_eal_get_runtime_dir(), SOCKET_NAME);
    gid_t gid = (gid_t)-1;
    mode_t mode = 0600;
    if (group != NULL && group[0] != '\0') {
        struct group *g = getgrnam(group);
        if (g == NULL) {
            snprintf(err, err_len, "telemetry_group: no group \"%s\"", group);
            return -1;
        }
        gid = g->gr_gid;
        mode = 0660;
    }
    if (chown(path, (uid_t)-1, gid) != 0 || chmod(path, mode) != 0) {
        snprintf(err, err_len, "cannot restrict the telemetry socket %s: %s", path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

struct mgmt_tel *mgmt_tel_start(const struct dp_port *ports, unsigned nports,
                                const struct dp_worker *workers, unsigned nworkers,
                                const struct dp_ctrl *ctrl, struct dp_gate_shared *gate,
                                struct rp_table *redirect, const char *group, char *err,
                                size_t err_len)
{
    if (the_tel != NULL) {
        snprintf(err, err_len, "telemetry already started");
        return NULL;
    }
    if (restrict_socket(group, err, err_len) < 0)
        return NULL;
    struct mgmt_tel *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    *t = (struct mgmt_tel){.ports = ports,
                           .nports = nports,
                           .workers = workers,
                           .nworkers = nworkers,
                           .ctrl = ctrl,
                           .gate = gate,
                           .redirect = redirect,
                           .started_ns = now_ns()};
    pthread_mutex_init(&t->lock, NULL);
    t->requests = rte_ring_create("veer_tel_req", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (t->requests == NULL) {
        snprintf(err, err_len, "no memory for the telemetry request ring");
        free(t);
        return NULL;
    }
    the_tel = t;
    rte_telemetry_register_cmd("/veer/version", cmd_version, "veer's version and uptime");
    rte_telemetry_register_cmd("/veer/ports", cmd_ports, "Ports: address, MAC, statistics");
    rte_telemetry_register_cmd("/veer/workers", cmd_workers,
                               "Per-worker packet counters and drop reasons");
    rte_telemetry_register_cmd("/veer/control", cmd_control, "Control lcore counters");
    rte_telemetry_register_cmd("/veer/ike/counters", cmd_ike_counters,
                               "IKE counters (one per event and refusal reason)");
    rte_telemetry_register_cmd("/veer/ike/sas", cmd_sas,
                               "IKE SAs and their Child SAs. Parameters: [FROM]");
    rte_telemetry_register_cmd(
        "/veer/admission", cmd_admission,
        "The workers' admission gate. Parameters: [off|on|auto|redirect-first|cookie-first]");
    rte_telemetry_register_cmd("/veer/ike/redirect", cmd_redirect,
                               "Sends the client of an IKE SA to another gateway (RFC 5685 5). "
                               "Parameters: SPI_I,SPI_R,GATEWAY");
    rte_telemetry_register_cmd("/veer/ike/drain", cmd_drain,
                               "Sends every client that supports it to GATEWAY, or where the "
                               "redirect policy says. Parameters: [GATEWAY|%policy]");
    rte_telemetry_register_cmd("/veer/ike/drain_peer", cmd_drain_peer,
                               "The same for the clients of one peer configuration. Parameters: "
                               "GATEWAY|%policy,PEER");
    rte_telemetry_register_cmd("/veer/ike/drain_id", cmd_drain_id,
                               "The same for the clients that authenticated as one identity. "
                               "Parameters: GATEWAY|%policy,IDENTITY");
    mgmt_tel_redirect_register();
    mgmt_tel_route_register();
    mgmt_tel_port_addr_register();
    mgmt_tel_neigh_register();
    mgmt_tel_qcd_register();
    mgmt_tel_reload_register();
    mgmt_tel_gauges_register();
    mgmt_tel_mobike_register();
    mgmt_tel_pools_register();
    mgmt_tel_mempools_register();
    rte_telemetry_register_cmd("/veer/ike/delete", cmd_delete,
                               "Deletes an IKE SA. Parameters: SPI_I,SPI_R (hex)");
    return t;
}
