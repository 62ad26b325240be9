/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * veer-ike: veer's IKEv2 control plane on Linux UDP sockets, without the DPDK
 * dataplane. Used for interoperability tests and as a plain IKE responder.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "conf_check.h"
#include "control.h"
#include "ike.h"
#include "mgmt_goodbye.h"
#include "mgmt_state.h"
#include "udp_backend.h"

static volatile sig_atomic_t stop_requested;

#define TICK_NS 100000000ull /* timers and the state file at most every 100 ms */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/*
 * --initiate PEER [--count N [--rate R]]: N IKE SAs with one peer, each its
 * own ike_initiate(), R per second (0: as fast as the loop goes, at most
 * START_BATCH per pass so that answers are read in between).
 */
#define START_BATCH 256
#define COUNT_MAX 1000000u
#define RATE_MAX 1000000u

struct starter {
    unsigned peer;
    const struct ike_addr *local;
    unsigned count;   /* to start; 0: no --initiate */
    unsigned started; /* ike_initiate() said yes */
    bool gave_up;     /* one said no: the rest are not tried */
    unsigned rate;    /* per second; 0: at once */
    uint64_t t0_ns;
};

/* What the state file and --count's lines say about the SA table. */
struct sa_tally {
    unsigned total, established;
};

static void tally_sa(struct sa_tally *t, const struct ike_sa_info *sa)
{
    t->total++;
    if (sa->state == IKE_SA_ESTABLISHED)
        t->established++;
}

static void count_sa(void *opaque, const struct ike_sa_info *sa)
{
    tally_sa(opaque, sa);
}

/*
 * "summary ike_sas=T established=E [started=S/N] qcd_...=... mobike_...=...
 * rmobike_...=...": one line with the SA table and the QCD, MOBIKE and
 * r-MOBIKE counters (all of them, by their name), for
 * the state file and for --count's progress on stdout.
 */
static void print_summary(FILE *f, const struct ike_ctx *ctx, const struct sa_tally *t,
                          const struct starter *st)
{
    fprintf(f, "summary ike_sas=%u established=%u", t->total, t->established);
    if (st != NULL && st->count > 1)
        fprintf(f, " started=%u/%u", st->started, st->count);
    const struct ike_counters *c = ike_get_counters(ctx);
    fprintf(f, " reconnects=%llu", (unsigned long long)c->reconnects);
#define PRINT_QCD(n)                                                                               \
    if (strncmp(#n, "qcd_", 4) == 0 || strncmp(#n, "mobike_", 7) == 0 ||                           \
        strncmp(#n, "rmobike_", 8) == 0)                                                           \
        fprintf(f, " %s=%llu", #n, (unsigned long long)c->n);
    IKE_COUNTER_LIST(PRINT_QCD)
#undef PRINT_QCD
    fprintf(f, "\n");
}

struct state_writer {
    FILE *f;
    struct sa_tally tally;
};

static void write_sa(void *opaque, const struct ike_sa_info *sa)
{
    struct state_writer *w = opaque;
    tally_sa(&w->tally, sa);
    fprintf(w->f,
            "ike_sa spi_i=%016llx spi_r=%016llx role=%s state=%s peer=%s natt=%s "
            "qcd_token_kept=%s qcd_token_sent=%s",
            (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
            sa->initiator ? "initiator" : "responder", ike_sa_state_name(sa->state),
            sa->peer ? sa->peer : "-", sa->natt ? "yes" : "no", sa->qcd_token_kept ? "yes" : "no",
            sa->qcd_token_sent ? "yes" : "no");
    /* Where IKE and ESP go now: MOBIKE (and a NAT's new mapping) may move them. */
    char local[IKE_ADDR_STRLEN], remote[IKE_ADDR_STRLEN];
    ike_addr_format(&sa->local, local, sizeof(local));
    ike_addr_format(&sa->remote, remote, sizeof(remote));
    fprintf(w->f, " mobike=%s rmobike=%s encap=%s local=%s remote=%s", sa->mobike ? "yes" : "no",
            sa->rmobike ? "yes" : "no", sa->nat_detected ? "udp" : "none", local, remote);
    mgmt_print_vips(w->f, sa);
    if (sa->nchildren > 0)
        fprintf(w->f, " child_in=%08x child_out=%08x", sa->child_spi_in, sa->child_spi_out);
    /* All of them (during a rekey there are two), as in/out pairs. */
    fprintf(w->f, " children=");
    for (unsigned i = 0; i < sa->nchildren && i < IKE_INFO_MAX_CHILDREN; i++)
        fprintf(w->f, "%s%08x/%08x", i ? "," : "", sa->children[i].spi_in, sa->children[i].spi_out);
    fprintf(w->f, "\n");
}

/* Rewrites the state file atomically, so readers never see half of it. */
static void write_state(const char *path, const struct ike_ctx *ctx, const struct starter *st)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    struct state_writer w = {.f = fopen(tmp, "w")};
    if (w.f == NULL)
        return;
    ike_sa_foreach(ctx, write_sa, &w);
    print_summary(w.f, ctx, &w.tally, st);
    mgmt_print_pools(w.f, ctx);
    const struct ike_counters *c = ike_get_counters(ctx);
#define PRINT_COUNTER(n) fprintf(w.f, "counter %s=%llu\n", #n, (unsigned long long)c->n);
    IKE_COUNTER_LIST(PRINT_COUNTER)
#undef PRINT_COUNTER
    fclose(w.f);
    rename(tmp, path);
}

/*
 * A clean stop tells the peers (RFC 7296 1.4.1): every established SA
 * (--count makes many) of a peer whose stop_action is not none, waiting up to
 * gateway.stop_wait for their answers.
 */
static void say_goodbye(struct ike_ctx *ctx, const struct veer_conf *conf, struct udp_backend *be)
{
    /* Accounting first: a session ends with NAS-Reboot, not as an operator's delete. */
    for (unsigned i = 0; i < 20 && ike_radius_acct_shutdown(ctx) > 0; i++) {
        udp_backend_poll(be, ctx, 100);
        ike_tick(ctx);
    }
    mgmt_goodbye_send(ctx, conf->peers, conf->npeers, IKE_STOP_DELETE);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    uint64_t end = now + conf->stop_wait_ms;
    while (now < end && mgmt_goodbye_pending(ctx) > 0) {
        udp_backend_poll(be, ctx, (int)(end - now < 100 ? end - now : 100));
        ike_tick(ctx);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    }
}

/* The first of addrs of remote's family on port 500: where an initiator starts from. */
static const struct ike_addr *local_for(const struct ike_addr *addrs, unsigned n,
                                        const struct ike_addr *remote)
{
    for (unsigned i = 0; i < n; i++) {
        if (addrs[i].family == remote->family && addrs[i].port == IKE_PORT)
            return &addrs[i];
    }
    return NULL;
}

/* gateway.listen, then mobike_addresses not among them: the addresses veer-ike binds. */
static unsigned gateway_addrs(const struct veer_conf *conf, struct ike_addr *out)
{
    unsigned n = 0;
    for (unsigned i = 0; i < conf->nlisten; i++)
        out[n++] = conf->listen[i];
    for (unsigned i = 0; i < conf->nmobike_addrs; i++) {
        bool dup = false;
        for (unsigned k = 0; k < n; k++)
            dup |= ike_addr_ip_equal(&out[k], &conf->mobike_addrs[i]);
        if (!dup)
            out[n++] = conf->mobike_addrs[i];
    }
    return n;
}

/* Every peer with start_action start needs a listen address of its family; -1 said why. */
static int check_start_peers(const char *config, const struct veer_conf *conf)
{
    for (unsigned i = 0; i < conf->npeers; i++) {
        const struct ike_peer_cfg *p = &conf->peers[i];
        if (p->start_action == IKE_START_START &&
            local_for(conf->listen, conf->nlisten, &p->remote) == NULL) {
            fprintf(stderr,
                    "veer-ike: %s: peer %s: start_action start: gateway.listen has no IPv%d "
                    "address to start from\n",
                    config, p->name, p->remote.family == 6 ? 6 : 4);
            return -1;
        }
    }
    return 0;
}

/*
 * Starts an IKE SA with every peer that has start_action start, but `skip`
 * (--initiate's, which starts its own). -1 when one cannot be started.
 */
static int start_peers(struct ike_ctx *ctx, const struct veer_conf *conf,
                       const struct udp_backend *be, const char *skip)
{
    for (unsigned i = 0; i < conf->npeers; i++) {
        const struct ike_peer_cfg *p = &conf->peers[i];
        if (p->start_action != IKE_START_START || (skip != NULL && strcmp(p->name, skip) == 0))
            continue;
        const struct ike_addr *local = local_for(be->bound, be->nsockets, &p->remote);
        int rc = local != NULL ? ike_initiate(ctx, i, local) : -EADDRNOTAVAIL;
        if (rc < 0) {
            fprintf(stderr, "veer-ike: start_action start: cannot initiate to \"%s\": %s\n",
                    p->name, strerror(-rc));
            return -1;
        }
        fprintf(be->log, "INFO peer %s: starting its IKE SA (start_action start)\n", p->name);
    }
    return 0;
}

/*
 * Starts the SAs of --count that are due by now (the first one is started
 * before the loop). Returns how long the loop may wait for the next, in ms.
 */
static int start_due(struct starter *st, struct ike_ctx *ctx, uint64_t now, FILE *log)
{
    if (st->gave_up || st->started >= st->count)
        return 100;
    uint64_t due = st->count;
    if (st->rate != 0) {
        due = (now - st->t0_ns) / 1000 * st->rate / 1000000 + 1; /* SA k at t0 + k / rate */
        if (due > st->count)
            due = st->count;
    }
    for (unsigned n = 0; st->started < due && n < START_BATCH; n++) {
        int rc = ike_initiate(ctx, st->peer, st->local);
        if (rc < 0) {
            fprintf(log, "WARN IKE SA %u of %u not started (%s); none after it will be\n",
                    st->started + 1, st->count,
                    rc == -ENOMEM ? "the SA table is full: gateway.max_sas" : strerror(-rc));
            fflush(log);
            st->gave_up = true;
            return 100;
        }
        st->started++;
    }
    if (st->started >= st->count)
        return 100;
    if (st->started < due)
        return 0; /* a batch: read the answers, then go on */
    uint64_t next = st->t0_ns + (uint64_t)st->started * 1000000000ull / st->rate;
    uint64_t wait_ms = next > now ? (next - now + 999999) / 1000000 : 0;
    return wait_ms < 100 ? (int)wait_ms : 100;
}

/* --count's progress on stdout: the summary line when it changed, at most once a tick. */
static void print_progress(const struct ike_ctx *ctx, const struct starter *st, char *last,
                           size_t cap, bool always)
{
    struct sa_tally t = {0};
    ike_sa_foreach(ctx, count_sa, &t);
    char line[1024] = "";
    FILE *m = fmemopen(line, sizeof(line) - 1, "w");
    if (m == NULL)
        return;
    print_summary(m, ctx, &t, st);
    fclose(m);
    if (!always && strcmp(line, last) == 0)
        return;
    snprintf(last, cap, "%s", line);
    fputs(line, stdout);
    fflush(stdout);
}

/* A number from min to max for option `opt`; false when it is not one. */
static bool parse_count(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || s[0] == '-' || v < min || v > max) {
        fprintf(stderr, "veer-ike: %s takes a number from %u to %u, got \"%s\"\n", opt, min, max,
                s);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/*
 * --check: everything starting does before it binds a socket, then one line.
 * --check-syntax: the same, but the files named for secrets are listed, not read.
 */
static int check_config(const char *config, bool syntax_only)
{
    static struct veer_conf conf;
    unsigned unread;
    if (conf_check_load("veer-ike", config, syntax_only, &conf, &unread) < 0)
        return 1;
    int rc = 0;
    if (conf.nlisten == 0) {
        fprintf(stderr, "veer-ike: %s: gateway.listen names no address\n", config);
        rc = 1;
    } else if (check_start_peers(config, &conf) < 0) {
        rc = 1;
    } else {
        char summary[128];
        snprintf(summary, sizeof(summary), "%u peer%s, %u listen address%s", conf.npeers,
                 conf_plural(conf.npeers), conf.nlisten, conf.nlisten == 1 ? "" : "es");
        conf_check_ok("veer-ike", config, syntax_only, unread, summary);
    }
    conf_free(&conf);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: veer-ike -c CONFIG [--initiate PEER [--count N [--rate R]]]\n"
               "                [--state-file PATH] [--control PATH]\n"
               "                [-v | -q | --log-level LEVEL] [--log-keys]\n"
               "       veer-ike --check | --check-syntax [-c] CONFIG\n"
               "  -c, --config FILE     YAML configuration (docs/configuration.md)\n"
               "  --initiate PEER       start an IKE SA with the named peer (peers with\n"
               "                        start_action start are started anyway)\n"
               "  --count N             N independent IKE SAs with it (a load generator;\n"
               "                        a summary line on stdout whenever it changes)\n"
               "  --rate R              start them R per second (default: at once)\n"
               "  --state-file PATH     keep the SA table and counters in PATH\n"
               "  --control PATH        run the commands in PATH when it appears, then remove\n"
               "                        it: switch FROM TO, switch-sa SPI_I SPI_R TO,\n"
               "                        redirect-all GW, local-addrs A[,B..]\n"
               "  --check               load the configuration and every file it names as\n"
               "                        starting would, print OK or the error, exit 0 or 1\n"
               "  --check-syntax        the same without opening the key, certificate and\n"
               "                        secrets files it names (listed instead): for CI\n"
               "  --log-keys            print Child SA keys (interop tests only: insecure)\n"
               "  -v, --verbose         debug logging (--log-level debug)\n"
               "  -q, --quiet           warnings and errors only, no line per SA (benchmarks)\n"
               "  --log-level LEVEL     error, warning, info (the default) or debug; unlike\n"
               "                        -q, error and warning keep the child-sa lines\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"initiate", required_argument, NULL, 'i'},
        {"count", required_argument, NULL, 'n'},
        {"rate", required_argument, NULL, 'r'},
        {"state-file", required_argument, NULL, 's'},
        {"control", required_argument, NULL, 'x'},
        {"log-keys", no_argument, NULL, 'k'},
        {"check", no_argument, NULL, 'C'},
        {"check-syntax", no_argument, NULL, 'S'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *initiate = NULL, *state = NULL, *control = NULL;
    bool check = false, check_syntax = false, counting = false;
    unsigned count = 1, rate = 0;
    static struct udp_backend be; /* holds a 64 KiB receive buffer: not on the stack */
    udp_backend_init(&be, stderr);
    int opt;
    while ((opt = getopt_long(argc, argv, "c:vqh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'i':
            initiate = optarg;
            break;
        case 'n':
            if (!parse_count("--count", optarg, 1, COUNT_MAX, &count))
                return 2;
            counting = true;
            break;
        case 'r':
            if (!parse_count("--rate", optarg, 0, RATE_MAX, &rate))
                return 2;
            break;
        case 's':
            state = optarg;
            break;
        case 'x':
            control = optarg;
            break;
        case 'k':
            be.log_keys = true;
            break;
        case 'C':
            check = true;
            break;
        case 'S':
            check = check_syntax = true;
            break;
        case 'v':
            be.log_level = IKE_LOG_DEBUG;
            break;
        case 'q':
            be.log_level = IKE_LOG_WARN;
            be.log_children = false;
            break;
        case 'L':
            if (ike_log_level_parse(optarg, &be.log_level) < 0) {
                fprintf(stderr, "veer-ike: --log-level %s: error, warning, info or debug\n",
                        optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    /* `veer-ike --check FILE` as `veer --check FILE`: the file without -c. */
    if (check && config == NULL && optind == argc - 1)
        config = argv[optind++];
    if (config == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }
    if ((counting || rate != 0) && (initiate == NULL || !counting)) {
        fprintf(stderr, "veer-ike: --count goes with --initiate, --rate with --count\n");
        return 2;
    }
    if (check)
        return check_config(config, check_syntax);
    static struct veer_conf conf;
    if (conf_start_load("veer-ike", config, &conf) < 0)
        return 1;
    if (conf.nlisten == 0) {
        fprintf(stderr, "veer-ike: %s: gateway.listen names no address\n", config);
        return 1;
    }
    if (check_start_peers(config, &conf) < 0)
        return 1;
    _Static_assert(CONF_MAX_LISTEN + CONF_MAX_MOBIKE_ADDRS <= UDP_MAX_LISTEN,
                   "a socket pair for every listen and MOBIKE address");
    /* Announced addresses must receive IKE too (a switch or an update goes there). */
    struct ike_addr addrs[CONF_MAX_LISTEN + CONF_MAX_MOBIKE_ADDRS];
    unsigned naddrs = gateway_addrs(&conf, addrs);
    int rc = udp_backend_open(&be, addrs, naddrs);
    if (rc < 0) {
        fprintf(stderr, "veer-ike: cannot bind ports 500/4500: %s\n", strerror(-rc));
        return 1;
    }
    rc = udp_backend_open_radius(&be, &conf.ike.radius);
    if (rc < 0) {
        fprintf(stderr, "veer-ike: cannot open the RADIUS sockets: %s\n", strerror(-rc));
        return 1;
    }
    struct ike_backend ops = udp_backend_ops(&be);
    conf.ike.local_addrs = addrs; /* copied by the context */
    conf.ike.nlocal_addrs = naddrs;
    struct ike_ctx *ctx = ike_ctx_new(&conf.ike, &ops);
    if (ctx == NULL) {
        fprintf(stderr, "veer-ike: out of memory\n");
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct starter st = {0};
    if (initiate != NULL) {
        st.peer = conf.npeers;
        for (unsigned i = 0; i < conf.npeers; i++) {
            if (strcmp(conf.peers[i].name, initiate) == 0)
                st.peer = i;
        }
        if (st.peer < conf.npeers)
            st.local = local_for(be.bound, be.nsockets, &conf.peers[st.peer].remote);
        /* The first one now: a peer that cannot be started at all is an error. */
        if (st.local == NULL || ike_initiate(ctx, st.peer, st.local) < 0) {
            fprintf(stderr, "veer-ike: cannot initiate to \"%s\"\n", initiate);
            return 1;
        }
        st.count = count;
        st.started = 1;
        st.rate = rate;
        st.t0_ns = ops.now_ns(ops.opaque);
    }
    if (start_peers(ctx, &conf, &be, initiate) < 0)
        return 1;
    fprintf(be.log, "INFO veer-ike running: %u peers\n", conf.npeers);
    fflush(be.log);
    uint64_t last_tick_ns = 0, last_progress_ns = 0;
    char progress[1024] = "";
    while (!stop_requested) {
        int wait_ms = start_due(&st, ctx, ops.now_ns(ops.opaque), be.log);
        udp_backend_poll(&be, ctx, wait_ms);
        /*
         * ike_tick() walks every SA: under load (a wake-up every few
         * datagrams) running it after each poll would cost O(SAs) per
         * message. Timers had 100 ms resolution already (the poll timeout).
         */
        uint64_t now = ops.now_ns(ops.opaque);
        if (now - last_tick_ns < TICK_NS)
            continue;
        last_tick_ns = now;
        ike_tick(ctx);
        if (control != NULL)
            control_poll(control, ctx, be.log);
        if (state != NULL)
            write_state(state, ctx, initiate != NULL ? &st : NULL);
        if (counting && now - last_progress_ns >= 1000000000ull) {
            print_progress(ctx, &st, progress, sizeof(progress), false);
            last_progress_ns = now;
        }
    }
    if (counting)
        print_progress(ctx, &st, progress, sizeof(progress), true);
    fprintf(be.log, "INFO veer-ike stopping: deleting its IKE SAs\n");
    fflush(be.log);
    say_goodbye(ctx, &conf, &be);
    ike_ctx_free(ctx);
    udp_backend_close(&be);
    return 0;
}
