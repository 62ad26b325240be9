/* SPDX-License-Identifier: BSD-3-Clause */
/* veer's command line and --check (no EAL, no ports, no hugepages): see args.h. */
#include "args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_check.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: veer [EAL options] -- -c CONFIG [--state-file PATH]\n"
               "                            [-v | -q | --log-level LEVEL]\n"
               "       veer --check | --check-syntax [-c] CONFIG\n"
               "  -c, --config PATH     the YAML configuration (needs a dataplane: section)\n"
               "  --state-file PATH     keep SAs and counters in PATH (rewritten every 100 ms)\n"
               "  -v, --verbose         log IKE at debug level (--log-level debug)\n"
               "  -q, --quiet           IKE warnings and errors only (--log-level warning)\n"
               "  --log-level LEVEL     error, warning, info (the default) or debug\n"
               "  --check               load and validate CONFIG and the files it names as\n"
               "                        starting would, without EAL; print OK or the error\n"
               "  --check-syntax        the same without opening the key, certificate and\n"
               "                        secrets files it names (listed instead): for CI\n");
}

int veer_args_parse(struct veer_args *a, int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"state-file", required_argument, NULL, 's'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"log-level", required_argument, NULL, 'L'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    a->log_level = IKE_LOG_INFO;
    while ((c = getopt_long(argc, argv, "c:vqh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->config = optarg;
            break;
        case 's':
            a->state_file = optarg;
            break;
        case 'v':
            a->log_level = IKE_LOG_DEBUG;
            break;
        case 'q':
            a->log_level = IKE_LOG_WARN;
            break;
        case 'L':
            if (ike_log_level_parse(optarg, &a->log_level) < 0) {
                fprintf(stderr, "veer: --log-level %s: error, warning, info or debug\n", optarg);
                return -1;
            }
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (a->config == NULL || optind != argc) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* gateway.mobike_addresses are announced to clients: each must be one of the ports' addresses. */
static int check_mobike_addresses(const struct veer_conf *conf, const char *config)
{
    struct ike_addr ours[CONF_MAX_PORTS * CONF_MAX_PORT_ADDRS];
    unsigned n = conf_local_addrs(conf, ours, sizeof(ours) / sizeof(ours[0]));
    for (unsigned i = 0; i < conf->nmobike_addrs; i++) {
        const struct ike_addr *m = &conf->mobike_addrs[i];
        bool found = false;
        for (unsigned k = 0; k < n && !found; k++)
            found = ours[k].family == m->family &&
                    memcmp(ours[k].ip, m->ip, m->family == 6 ? 16 : 4) == 0;
        if (!found) {
            char text[IKE_ADDR_STRLEN];
            ike_addr_format(m, text, sizeof(text));
            *strrchr(text, ':') = '\0'; /* no port */
            fprintf(stderr,
                    "veer: %s: gateway.mobike_addresses: %s is not an address of any dataplane "
                    "port\n",
                    config, text);
            return -1;
        }
    }
    return 0;
}

int veer_check_start_peers(const struct veer_conf *conf, const char *config)
{
    if (check_mobike_addresses(conf, config) < 0)
        return -1;
    for (unsigned i = 0; i < conf->npeers; i++) {
        const struct ike_peer_cfg *p = &conf->peers[i];
        struct ike_addr local;
        if (p->start_action == IKE_START_START &&
            conf_local_for(&conf->dp, &p->remote, &local) < 0) {
            fprintf(stderr,
                    "veer: %s: peer %s: start_action start: no dataplane port has an IPv%d "
                    "address to start from\n",
                    config, p->name, p->remote.family == 6 ? 6 : 4);
            return -1;
        }
    }
    return 0;
}

/* What setup() checks in the configuration before it starts anything; one line out. */
static int check(const char *config, bool syntax_only)
{
    static struct veer_conf conf;
    unsigned unread;
    if (conf_check_load("veer", config, syntax_only, &conf, &unread) < 0)
        return 1;
    const struct conf_dataplane *dp = &conf.dp;
    int rc = 0;
    if (!dp->present) {
        fprintf(stderr, "veer: %s: no dataplane: section (veer-ike runs without one)\n", config);
        rc = 1;
    } else if (veer_check_start_peers(&conf, config) < 0) {
        rc = 1;
    } else {
        char summary[192];
        snprintf(summary, sizeof(summary),
                 "%u worker%s: EAL needs %u lcores; %u port%s, %u peer%s, %u route%s, "
                 "%u static SA%s",
                 dp->workers, conf_plural(dp->workers), dp->workers + 1, dp->nports,
                 conf_plural(dp->nports), conf.npeers, conf_plural(conf.npeers), dp->nroutes,
                 conf_plural(dp->nroutes), dp->nstatic_sas, conf_plural(dp->nstatic_sas));
        conf_check_ok("veer", config, syntax_only, unread, summary);
    }
    conf_free(&conf);
    return rc;
}

int veer_check_main(int argc, char **argv)
{
    int first = 1; /* our arguments: all of them, or those after EAL's "--" */
    bool wanted = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0 && first == 1)
            first = i + 1;
        if (strcmp(argv[i], "--check") == 0 || strcmp(argv[i], "--check-syntax") == 0)
            wanted = true;
    }
    if (!wanted)
        return -1;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"state-file", required_argument, NULL, 's'},
                                         {"check", no_argument, NULL, 'C'},
                                         {"check-syntax", no_argument, NULL, 'S'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"log-level", required_argument, NULL, 'L'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL;
    bool syntax_only = false;
    int c;
    /* argv[first - 1] stands in for the program name getopt skips. */
    int n = argc - first + 1;
    char **v = argv + first - 1;
    optind = 1;
    while ((c = getopt_long(n, v, "c:vqh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'S':
            syntax_only = true;
            break;
        case 'C': /* --check */
        case 's': /* --state-file and the log options: accepted so that a whole command line checks
                   */
        case 'v':
        case 'q':
        case 'L':
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "veer: with --check, EAL options go before \"--\"\n");
            usage(stderr);
            return 2;
        }
    }
    if (config == NULL && optind == n - 1)
        config = v[optind++];
    if (config == NULL || optind != n) {
        usage(stderr);
        return 2;
    }
    return check(config, syntax_only);
}
