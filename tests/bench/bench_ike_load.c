/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE load generator: a lib/ike initiator on Linux UDP sockets (veer-ike's
 * backend, app/veer-ike/udp_backend.c) that establishes N full IKE SAs
 * (IKE_SA_INIT + IKE_AUTH with PSK, X25519, AES-GCM-16-256, PRF HMAC-SHA2-256,
 * one Child SA with AES-GCM-16-256) with a responder at a given address, as
 * fast as the responder answers, keeping at most WINDOW exchanges in flight.
 * Any IKEv2 responder configured the same way will do: veer-ike, strongSwan.
 *
 * With -p PID it also reads the responder's CPU time (all its threads, from
 * /proc/PID/task/<tid>/schedstat) and VmRSS before the first and after the
 * last SA, and reports CPU per SA and RSS growth per SA. It prints figures;
 * it never passes or fails (the exit status is 0 unless it could not run).
 *
 *   bench_ike_load -l LOCAL -r RESPONDER [-n SAS] [-w WINDOW] [-t SECONDS]
 *                  [-k PSK] [-p RESPONDER_PID] [-d]
 *
 * -d deletes the SAs at the end (INFORMATIONAL Delete each) and waits up to
 * 10 s for the answers; without it they are left to the responder.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/gcm_proposals.h"
#include "ike.h"
#include "ike_consts.h"
#include "ike_ts.h"
#include "udp_backend.h"

#define TICK_NS 50000000ull /* ike_tick() walks every SA: at most every 50 ms */

struct options {
    struct ike_addr local, responder;
    unsigned nsas, window, timeout_s;
    const char *psk;
    long responder_pid; /* 0: not measured */
    bool delete_at_end;
};

/* What the responder process has used so far; cpu_ns < 0 when it cannot be read. */
struct proc_sample {
    double cpu_ns;
    long rss_kib;
};

static double wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double own_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Sum of the run time of every thread of `pid` (strongSwan's charon has a pool of them). */
static double proc_cpu_ns(long pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/task", pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    double sum = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char file[400];
        snprintf(file, sizeof(file), "%s/%s/schedstat", path, e->d_name);
        FILE *f = fopen(file, "r");
        unsigned long long run = 0;
        if (f != NULL && fscanf(f, "%llu", &run) == 1)
            sum += (double)run;
        if (f != NULL)
            fclose(f);
    }
    closedir(d);
    return sum;
}

static long proc_rss_kib(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    }
    if (f != NULL)
        fclose(f);
    return kib;
}

static struct proc_sample sample(long pid)
{
    if (pid <= 0)
        return (struct proc_sample){-1, -1};
    return (struct proc_sample){proc_cpu_ns(pid), proc_rss_kib(pid)};
}

static void set_id(struct ike_id *id, const char *fqdn)
{
    *id = (struct ike_id){.type = IKE_ID_FQDN, .len = (uint8_t)strlen(fqdn)};
    memcpy(id->data, fqdn, id->len);
}

static void set_ts(struct ike_ts *ts, const char *first, const char *last)
{
    struct ike_addr lo, hi;
    ike_addr_parse(&lo, first, 0);
    ike_addr_parse(&hi, last, 0);
    ike_ts_range(ts, &lo, &hi, 0, 0, 65535);
}

/*
 * The one peer every SA is made with. The responder must match it: IDs
 * load.bench (us) and gw.bench (it), the PSK, 10.1.0.0/16 behind us and
 * 10.2.0.0/16 behind it (scripts/bench-ike.sh writes both configurations).
 */
static void make_peer(struct ike_peer_cfg *p, const struct options *o)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "responder");
    set_id(&p->local_id, "load.bench");
    set_id(&p->remote_id, "gw.bench");
    p->psk_len = strlen(o->psk) < IKE_PSK_MAX ? strlen(o->psk) : IKE_PSK_MAX;
    memcpy(p->psk, o->psk, p->psk_len);
    p->remote = o->responder;
    gcm_proposals(p, 256);
    p->nlocal_ts = p->nremote_ts = 1;
    set_ts(&p->local_ts[0], "10.1.0.0", "10.1.255.255");
    set_ts(&p->remote_ts[0], "10.2.0.0", "10.2.255.255");
}

/* The generator's counters that say why SAs were not made or were lost. */
#define TROUBLE_COUNTERS(X)                                                                        \
    X(tx_retransmits)                                                                              \
    X(rx_malformed)                                                                                \
    X(rx_no_sa)                                                                                    \
    X(rx_bad_msg_id)                                                                               \
    X(rx_decrypt_failed)                                                                           \
    X(sa_table_full)                                                                               \
    X(no_proposal_chosen)                                                                          \
    X(invalid_ke_payload)                                                                          \
    X(auth_failed)                                                                                 \
    X(ts_unacceptable)                                                                             \
    X(cookies_accepted)                                                                            \
    X(initial_contact_deleted)                                                                     \
    X(temporary_failure)                                                                           \
    X(peer_dead)                                                                                   \
    X(bad_transitions)

/* Prints those that are not zero, if any. */
static void print_trouble(const struct ike_counters *c)
{
    bool any = false;
#define PRINT_TROUBLE(n)                                                                           \
    if (c->n != 0) {                                                                               \
        printf("%s %s=%llu", any ? "" : "trouble:     ", #n, (unsigned long long)c->n);            \
        any = true;                                                                                \
    }
    TROUBLE_COUNTERS(PRINT_TROUBLE)
#undef PRINT_TROUBLE
    if (any)
        printf("\n");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_ike_load -l LOCAL_IP -r RESPONDER_IP [-n SAS] [-w WINDOW]\n"
               "                      [-t SECONDS] [-k PSK] [-p RESPONDER_PID] [-d]\n");
}

static int parse(int argc, char **argv, struct options *o)
{
    *o = (struct options){.nsas = 10000, .window = 128, .timeout_s = 120, .psk = "bench-psk"};
    bool have_local = false, have_responder = false;
    int opt;
    while ((opt = getopt(argc, argv, "l:r:n:w:t:k:p:dh")) != -1) {
        switch (opt) {
        case 'l':
            have_local = ike_addr_parse(&o->local, optarg, IKE_PORT) == 0;
            break;
        case 'r':
            have_responder = ike_addr_parse(&o->responder, optarg, IKE_PORT) == 0;
            break;
        case 'n':
            o->nsas = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'w':
            o->window = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 't':
            o->timeout_s = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'k':
            o->psk = optarg;
            break;
        case 'p':
            o->responder_pid = strtol(optarg, NULL, 10);
            break;
        case 'd':
            o->delete_at_end = true;
            break;
        default:
            return -1;
        }
    }
    return have_local && have_responder && o->nsas > 0 && o->window > 0 ? 0 : -1;
}

struct spi_list {
    unsigned n, cap;
    uint64_t (*spi)[2];
};

static void collect_established(void *opaque, const struct ike_sa_info *sa)
{
    struct spi_list *l = opaque;
    if (l->n < l->cap && sa->state == IKE_SA_ESTABLISHED) {
        l->spi[l->n][0] = sa->spi_i;
        l->spi[l->n][1] = sa->spi_r;
        l->n++;
    }
}

/* Deletes every established SA and waits up to 10 s for the responder's answers. */
static void delete_all(struct ike_ctx *ctx, struct udp_backend *udp, unsigned nsas)
{
    struct spi_list l = {.cap = nsas, .spi = calloc(nsas, sizeof(*l.spi))};
    if (l.spi == NULL)
        return;
    ike_sa_foreach(ctx, collect_established, &l);
    double t0 = wall_ns();
    unsigned next = 0;
    const struct ike_counters *c = ike_get_counters(ctx);
    uint64_t deleted0 = c->sa_deleted;
    double last_tick = 0;
    while (wall_ns() - t0 < 10e9 && c->sa_deleted - deleted0 < l.n) {
        /* The same window for deletes as for the exchanges: 256 outstanding at most. */
        while (next < l.n && next - (c->sa_deleted - deleted0) < 256) {
            ike_delete(ctx, l.spi[next][0], l.spi[next][1]);
            next++;
        }
        udp_backend_poll(udp, ctx, 10);
        if (wall_ns() - last_tick > TICK_NS) {
            last_tick = wall_ns();
            ike_tick(ctx);
        }
    }
    double secs = (wall_ns() - t0) / 1e9;
    unsigned gone = (unsigned)(c->sa_deleted - deleted0);
    printf("deleted:      %u of %u in %.2f s (%.0f/s)\n", gone, l.n, secs,
           secs > 0 ? gone / secs : 0);
    free(l.spi);
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse(argc, argv, &o) < 0) {
        usage(stderr);
        return 2;
    }
    static struct ike_peer_cfg peer;
    make_peer(&peer, &o);
    /*
     * Retransmit after 2 s, not lib/ike's 500 ms: on a shared machine a busy
     * core can hold a window of answers back for longer than that, and
     * every spurious retransmission is duplicate work for the responder.
     */
    struct ike_config cfg = {.peers = &peer,
                             .npeers = 1,
                             .max_sas = 2 * o.nsas + 1024,
                             .retransmit_base_ms = 2000,
                             .retransmit_tries = 4};
    static struct udp_backend udp;
    udp_backend_init(&udp, stderr);
    udp.log_level = IKE_LOG_WARN;
    udp.log_children = false;
    int rc = udp_backend_open(&udp, &o.local, 1);
    if (rc < 0) {
        fprintf(stderr, "bench_ike_load: cannot bind UDP 500/4500 on the local address: %s\n",
                strerror(-rc));
        return 1;
    }
    struct ike_backend ops = udp_backend_ops(&udp);
    struct ike_ctx *ctx = ike_ctx_new(&cfg, &ops);
    if (ctx == NULL) {
        fprintf(stderr, "bench_ike_load: out of memory\n");
        return 1;
    }
    const struct ike_counters *c = ike_get_counters(ctx);

    struct proc_sample before = sample(o.responder_pid);
    double t0 = wall_ns(), cpu0 = own_cpu_ns(), last_tick = t0, t_last = t0;
    unsigned started = 0, refused = 0;
    uint64_t seen = 0;
    while (c->sa_established + c->sa_deleted + refused < o.nsas &&
           wall_ns() - t0 < o.timeout_s * 1e9) {
        /* In flight: made and neither established nor dropped yet. */
        while (started < o.nsas && c->sa_created - c->sa_deleted - c->sa_established < o.window) {
            if (ike_initiate(ctx, 0, &o.local) < 0)
                refused++;
            started++;
        }
        udp_backend_poll(&udp, ctx, 10);
        double now = wall_ns();
        if (c->sa_established != seen) {
            seen = c->sa_established;
            t_last = now;
        }
        if (now - last_tick > TICK_NS) {
            last_tick = now;
            ike_tick(ctx);
        }
    }
    struct proc_sample after = sample(o.responder_pid);
    double secs = (t_last - t0) / 1e9, own_cpu = (own_cpu_ns() - cpu0) / 1e9;
    unsigned done = (unsigned)c->sa_established;

    printf("bench_ike_load: %u IKE SAs to %u.%u.%u.%u (PSK, X25519, AES-GCM-16-256, "
           "PRF-HMAC-SHA2-256, one Child SA), %u in flight\n",
           o.nsas, o.responder.ip[0], o.responder.ip[1], o.responder.ip[2], o.responder.ip[3],
           o.window);
    printf("established:  %u in %.2f s: %.0f IKE SAs/s\n", done, secs, secs > 0 ? done / secs : 0);
    printf("not made:     %llu dropped (no answer, refused), %u not started (table full)\n",
           (unsigned long long)c->sa_deleted, refused);
    print_trouble(c);
    printf("generator:    %.2f s CPU, %.0f%% of one core (if near 100%%, the generator set the "
           "pace)\n",
           own_cpu, secs > 0 ? 100 * own_cpu / secs : 0);
    double resp_cpu_us = -1, rss_per_sa = -1;
    if (o.responder_pid > 0 && before.cpu_ns >= 0 && after.cpu_ns >= 0 && done > 0) {
        resp_cpu_us = (after.cpu_ns - before.cpu_ns) / 1e3 / done;
        rss_per_sa = (double)(after.rss_kib - before.rss_kib) * 1024 / done;
        printf("responder:    PID %ld, %.1f us CPU per SA (%.0f SAs/s of its CPU); VmRSS %ld -> "
               "%ld KiB: %.0f bytes per SA\n",
               o.responder_pid, resp_cpu_us, 1e6 / resp_cpu_us, before.rss_kib, after.rss_kib,
               rss_per_sa);
    }
    /* One line for scripts (scripts/bench-ike.sh). */
    printf("result established=%u children=%llu seconds=%.3f rate=%.0f resp_cpu_us=%.1f "
           "rss_bytes_per_sa=%.0f gen_cpu_pct=%.0f retransmits=%llu\n",
           done, (unsigned long long)c->child_installed, secs, secs > 0 ? done / secs : 0,
           resp_cpu_us, rss_per_sa, secs > 0 ? 100 * own_cpu / secs : 0,
           (unsigned long long)c->tx_retransmits);
    fflush(stdout);
    if (o.delete_at_end)
        delete_all(ctx, &udp, done);
    ike_ctx_free(ctx);
    udp_backend_close(&udp);
    return 0;
}
