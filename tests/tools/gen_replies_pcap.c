/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Answers the IKE_SA_INIT requests of the strongSwan captures with
 * ike_sl_respond() and writes each request and its reply as frames of a pcap,
 * so that an independent dissector (tshark, tests/interop/check_replies_tshark.sh)
 * can judge the replies. Also writes a manifest naming, for each reply, its
 * request and what the reply must carry:
 *
 *   <reply frame> <request frame> <case> <notify type> <gw type|-> <gw value|-> <natt 0|1>
 *
 * Frame numbers count from 1, as tshark's frame.number does.
 *
 *   gen_replies_pcap [-d data-dir] OUT.pcap MANIFEST
 *
 * Exits non-zero if a request does not get the decision its case asks for.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ike_cookie.h"
#include "ike_stateless.h"
#include "pcap_io.h"

#ifndef VEER_TEST_DATA
#define VEER_TEST_DATA "tests/data"
#endif

#define NOW_NS 1000000000ull
#define MAX_UDP 4096u

static const char *const captures[] = {
    "strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap",
    "strongswan-5.9.8-psk-default-proposals.pcap",
};

enum target_kind { TARGET_NONE, TARGET_IPV4, TARGET_IPV6, TARGET_FQDN };

struct reply_case {
    const char *name;
    enum target_kind target; /* TARGET_NONE: no redirect policy, a COOKIE is due */
    bool natt;               /* port 4500, behind the non-ESP marker */
    bool ipv6;               /* the request travels over IPv6 */
};

static const struct reply_case cases[] = {
    {"redirect-ipv4", TARGET_IPV4, false, false},
    {"redirect-ipv6", TARGET_IPV6, false, true},
    {"redirect-fqdn", TARGET_FQDN, false, false},
    {"cookie", TARGET_NONE, false, false},
    {"cookie-ipv6", TARGET_NONE, false, true},
    {"natt-redirect-ipv4", TARGET_IPV4, true, false},
    {"natt-redirect-fqdn", TARGET_FQDN, true, true},
    {"natt-cookie", TARGET_NONE, true, false},
};

#define GW_IPV4 "192.0.2.99"
#define GW_IPV6 "2001:db8::99"
#define GW_FQDN "gw2.example.net"
/* The captures' IPv4 addresses are kept; these stand in for them over IPv6. */
#define CLIENT_IPV6 "2001:db8:100::2"
#define GATEWAY_IPV6 "2001:db8:100::1"

static bool pick_target(void *opaque, const struct ike_addr *client,
                        const struct ike_gw_id *redirected_from, struct ike_gw_id *target)
{
    (void)client;
    (void)redirected_from;
    *target = *(const struct ike_gw_id *)opaque;
    return true;
}

static void make_target(enum target_kind kind, struct ike_gw_id *gw, char *text, size_t cap)
{
    memset(gw, 0, sizeof(*gw));
    struct ike_addr a;
    switch (kind) {
    case TARGET_IPV4:
        ike_addr_parse(&a, GW_IPV4, 0);
        gw->type = IKE_GW_IPV4;
        gw->len = 4;
        memcpy(gw->value, a.ip, 4);
        snprintf(text, cap, "ipv4 %s", GW_IPV4);
        break;
    case TARGET_IPV6:
        ike_addr_parse(&a, GW_IPV6, 0);
        gw->type = IKE_GW_IPV6;
        gw->len = 16;
        memcpy(gw->value, a.ip, 16);
        snprintf(text, cap, "ipv6 %s", GW_IPV6);
        break;
    case TARGET_FQDN:
        gw->type = IKE_GW_FQDN;
        gw->len = (uint8_t)strlen(GW_FQDN);
        memcpy(gw->value, GW_FQDN, gw->len);
        snprintf(text, cap, "fqdn %s", GW_FQDN);
        break;
    case TARGET_NONE:
        snprintf(text, cap, "- -");
        break;
    }
}

/* Writes request + reply for one case; returns 0 or -1 after saying what went wrong. */
static int one_case(FILE *pcap, FILE *manifest, unsigned *frame, uint64_t *usec,
                    const struct ike_cookie_keys *keys, const struct pcap_udp *req,
                    const struct reply_case *c)
{
    struct ike_gw_id gw;
    char gw_text[300];
    make_target(c->target, &gw, gw_text, sizeof(gw_text));
    struct ike_sl_config cfg = {.cookie_keys = keys,
                                .pick_redirect = c->target == TARGET_NONE ? NULL : pick_target,
                                .pick_opaque = &gw};

    struct ike_addr client = req->src, gateway = req->dst;
    if (c->ipv6) {
        ike_addr_parse(&client, CLIENT_IPV6, 0);
        ike_addr_parse(&gateway, GATEWAY_IPV6, 0);
    }
    client.port = gateway.port = c->natt ? IKE_NATT_PORT : IKE_PORT;

    uint8_t udp[MAX_UDP];
    size_t len = 0;
    if (c->natt) {
        memset(udp, 0, IKE_NON_ESP_MARKER_LEN);
        len = IKE_NON_ESP_MARKER_LEN;
    }
    if (req->len > sizeof(udp) - len) {
        fprintf(stderr, "gen_replies_pcap: request too large\n");
        return -1;
    }
    memcpy(udp + len, req->payload, req->len);
    len += req->len;

    uint8_t out[MAX_UDP];
    struct ike_sl_result res;
    ike_sl_respond(&cfg, NOW_NS, &client, udp, len, c->natt, out, sizeof(out), &res);
    enum ike_sl_action want = c->target == TARGET_NONE ? IKE_SL_COOKIE : IKE_SL_REDIRECT;
    if (res.action != want) {
        char why[200];
        ike_err_format(&res.err, why, sizeof(why));
        fprintf(stderr, "gen_replies_pcap: frame %u, case %s: %s instead of %s (%s; %s)\n",
                req->index, c->name, ike_sl_action_name(res.action), ike_sl_action_name(want),
                ike_sl_no_redirect_name(res.no_redirect), why);
        return -1;
    }

    if (pcap_io_write_udp(pcap, (*usec)++, &client, &gateway, udp, len) < 0 ||
        pcap_io_write_udp(pcap, (*usec)++, &gateway, &client, out, res.reply_len) < 0) {
        fprintf(stderr, "gen_replies_pcap: cannot write a frame\n");
        return -1;
    }
    unsigned req_frame = ++*frame;
    unsigned reply_frame = ++*frame;
    fprintf(manifest, "%u %u %s %u %s %d\n", reply_frame, req_frame, c->name,
            want == IKE_SL_REDIRECT ? IKE_N_REDIRECT : IKE_N_COOKIE, gw_text, c->natt ? 1 : 0);
    *usec += 1000;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_replies_pcap [-d data-dir] OUT.pcap MANIFEST\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *dir = VEER_TEST_DATA;
    int opt;
    while ((opt = getopt(argc, argv, "d:h")) != -1) {
        if (opt == 'd')
            dir = optarg;
        else
            usage();
    }
    if (argc - optind != 2)
        usage();
    FILE *pcap = pcap_io_create(argv[optind]);
    FILE *manifest = fopen(argv[optind + 1], "w");
    if (pcap == NULL || manifest == NULL) {
        perror("gen_replies_pcap: output");
        return 1;
    }

    static const uint8_t secret[IKE_COOKIE_SECRET_LEN] = "gen-replies-secret-0123456789ab";
    struct ike_cookie_keys keys;
    ike_cookie_keys_init(&keys, secret);

    struct pcap_udp *req = malloc(sizeof(*req));
    if (req == NULL)
        return 1;
    int failed = 0;
    unsigned frame = 0;
    uint64_t usec = 1700000000ull * 1000000u;
    for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, captures[i]);
        /* Frame 0 of each capture is the client's IKE_SA_INIT request. */
        int rc = pcap_io_read_udp(path, 0, req);
        if (rc < 0) {
            fprintf(stderr, "gen_replies_pcap: %s: %s\n", path, strerror(-rc));
            failed = 1;
            continue;
        }
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            if (one_case(pcap, manifest, &frame, &usec, &keys, req, &cases[k]) < 0)
                failed = 1;
        }
    }
    free(req);
    if (fclose(pcap) != 0 || fclose(manifest) != 0) {
        perror("gen_replies_pcap: close");
        failed = 1;
    }
    printf("gen_replies_pcap: %u frames written to %s\n", frame, argv[optind]);
    return failed;
}
