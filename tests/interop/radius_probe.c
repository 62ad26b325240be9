/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A RADIUS client made of lib/ike/radius, for tests/interop/freeradius_codec.sh:
 * EAP pass-through as veer will do it, against a real server.
 *
 *   radius_probe SERVER NAS_IP SECRET USER PASSWORD [wrong]
 *
 * 1. Access-Request with EAP-Response/Identity; the Access-Challenge must
 *    verify (Response Authenticator, Message-Authenticator), carry State and
 *    an EAP-Request;
 * 2. the EAP-MD5 response (ike_eap_peer_respond) with State echoed: an
 *    Access-Accept with EAP-Success (with "wrong": an Access-Reject with
 *    EAP-Failure); the MSK from MS-MPPE keys, if any, printed in hex;
 * 3. an Accounting-Request Start, Class echoed: the Accounting-Response
 *    must verify.
 * Sockets here block with a timeout (SO_RCVTIMEO), three tries each; veer's
 * own transport will not. Prints one line per step; exit 0 when all pass.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ike_eap.h"
#include "ike_radius.h"

static const char *secret;
static size_t secret_len;
static struct sockaddr_in server;

__attribute__((noreturn)) static void die(const char *what)
{
    printf("FAIL: %s\n", what);
    exit(1);
}

/* Sends pkt to port and waits for a datagram with the same identifier; returns its length. */
static size_t exchange(uint16_t port, const uint8_t *pkt, size_t len, uint8_t *reply, size_t cap)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in to = server;
    to.sin_port = htons(port);
    for (int tries = 0; tries < 3; tries++) {
        if (sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
            die("sendto");
        for (;;) {
            ssize_t n = recv(fd, reply, cap, 0);
            if (n < 0)
                break; /* timeout: send again */
            if (ike_radius_identifier(reply, (size_t)n) == pkt[1]) {
                close(fd);
                return (size_t)n;
            }
            printf("note: a datagram with another identifier ignored\n");
        }
    }
    close(fd);
    die("no answer from the server in 3 tries");
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s SERVER NAS_IP SECRET USER PASSWORD [wrong]\n", argv[0]);
        return 2;
    }
    bool wrong = argc > 6 && strcmp(argv[6], "wrong") == 0;
    server.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1)
        die("SERVER is no IPv4 address");
    struct ike_addr nas_ip;
    if (ike_addr_parse(&nas_ip, argv[2], 0) != 0)
        die("NAS_IP is no address");
    secret = argv[3];
    secret_len = strlen(secret);
    const char *user = argv[4], *password = argv[5];
    size_t user_len = strlen(user);
    struct ike_addr client;
    ike_addr_parse(&client, "198.51.100.2", 4500); /* the IKE client this stands for */

    uint8_t eap[IKE_RADIUS_EAP_MAX], pkt[IKE_RADIUS_MAX_LEN], reply[IKE_RADIUS_MAX_LEN];
    struct ike_radius_reply r;
    enum ike_radius_reject why;

    /* 1. EAP-Response/Identity. */
    size_t eap_len = 5 + user_len;
    eap[0] = IKE_EAP_CODE_RESPONSE;
    eap[1] = 0;
    eap[2] = (uint8_t)(eap_len >> 8);
    eap[3] = (uint8_t)eap_len;
    eap[4] = IKE_EAP_TYPE_IDENTITY;
    memcpy(eap + 5, user, user_len);
    struct ike_radius_access_req q = {
        .identifier = 1,
        .user_name = (const uint8_t *)user,
        .user_name_len = user_len,
        .eap = eap,
        .eap_len = eap_len,
        .client = &client,
        .framed_mtu = 1400,
        .nas = {.ip = &nas_ip, .identifier = "veer-radius-probe", .called_station_id = "veer"},
    };
    if (RAND_bytes(q.authenticator, sizeof(q.authenticator)) != 1)
        die("RAND_bytes");
    long n =
        ike_radius_access_request(&q, (const uint8_t *)secret, secret_len, pkt, sizeof(pkt), &why);
    if (n < 0)
        die(ike_radius_reject_text(why));
    size_t rlen = exchange(1812, pkt, (size_t)n, reply, sizeof(reply));
    why = ike_radius_parse_reply(reply, rlen, q.authenticator, (const uint8_t *)secret, secret_len,
                                 &r);
    if (why != IKE_RADIUS_OK) {
        printf("FAIL: reply refused: %s (%s)\n", ike_radius_reject_name(why),
               ike_radius_reject_text(why));
        return 1;
    }
    if (r.code != IKE_RADIUS_ACCESS_CHALLENGE || !r.has_message_authenticator || r.state_len == 0 ||
        r.eap_len < 5 || r.eap[0] != IKE_EAP_CODE_REQUEST)
        die("not an Access-Challenge with Message-Authenticator, State and an EAP-Request");
    printf("ok: Access-Challenge verified (Response and Message-Authenticator), State %zu bytes, "
           "EAP-Request type %u, %zu bytes\n",
           r.state_len, r.eap[4], r.eap_len);

    /* 2. The EAP method's answer, State echoed. */
    uint8_t resp[IKE_EAP_MSG_MAX], st[IKE_RADIUS_ATTR_MAX_VALUE];
    const char *pw = wrong ? "not-the-password" : password;
    long m = ike_eap_peer_respond(r.eap, r.eap_len, (const uint8_t *)user, user_len,
                                  (const uint8_t *)pw, strlen(pw), resp, sizeof(resp));
    if (m < 0)
        die("the EAP-Request is not one ike_eap_peer_respond answers");
    size_t st_len = r.state_len;
    memcpy(st, r.state, st_len);
    q.identifier = 2;
    q.eap = resp;
    q.eap_len = (size_t)m;
    q.state = st;
    q.state_len = st_len;
    if (RAND_bytes(q.authenticator, sizeof(q.authenticator)) != 1)
        die("RAND_bytes");
    n = ike_radius_access_request(&q, (const uint8_t *)secret, secret_len, pkt, sizeof(pkt), &why);
    if (n < 0)
        die(ike_radius_reject_text(why));
    rlen = exchange(1812, pkt, (size_t)n, reply, sizeof(reply));
    why = ike_radius_parse_reply(reply, rlen, q.authenticator, (const uint8_t *)secret, secret_len,
                                 &r);
    if (why != IKE_RADIUS_OK) {
        printf("FAIL: reply refused: %s (%s)\n", ike_radius_reject_name(why),
               ike_radius_reject_text(why));
        return 1;
    }
    uint8_t want_code = wrong ? IKE_RADIUS_ACCESS_REJECT : IKE_RADIUS_ACCESS_ACCEPT;
    uint8_t want_eap = wrong ? IKE_EAP_CODE_FAILURE : IKE_EAP_CODE_SUCCESS;
    if (r.code != want_code || r.eap_len != 4 || r.eap[0] != want_eap)
        die(wrong ? "not an Access-Reject with EAP-Failure"
                  : "not an Access-Accept with EAP-Success");
    printf("ok: %s verified, EAP-%s, %u Class, Session-Timeout %s, MSK %s\n",
           wrong ? "Access-Reject" : "Access-Accept", wrong ? "Failure" : "Success", r.nclass,
           r.has_session_timeout ? "yes" : "no", r.has_msk ? "yes" : "no");
    if (r.has_msk) {
        printf("msk: ");
        for (size_t i = 0; i < sizeof(r.msk); i++)
            printf("%02x", r.msk[i]);
        printf("\n");
    }
    if (wrong)
        return 0;

    /* 3. Accounting Start. */
    struct ike_addr fip;
    ike_addr_parse(&fip, "10.9.0.1", 0);
    struct ike_radius_acct_req a = {
        .identifier = 3,
        .status = IKE_RADIUS_ACCT_START,
        .session_id = "veer-probe-0001",
        .user_name = (const uint8_t *)user,
        .user_name_len = user_len,
        .framed_ip = &fip,
        .client = &client,
        .event_timestamp = (uint32_t)time(NULL),
        .classes = r.classes,
        .nclass = r.nclass,
        .nas = q.nas,
    };
    n = ike_radius_acct_request(&a, (const uint8_t *)secret, secret_len, pkt, sizeof(pkt), &why);
    if (n < 0)
        die(ike_radius_reject_text(why));
    uint8_t ra[IKE_RADIUS_AUTH_LEN];
    memcpy(ra, pkt + 4, sizeof(ra));
    rlen = exchange(1813, pkt, (size_t)n, reply, sizeof(reply));
    why = ike_radius_acct_response_check(reply, rlen, ra, (const uint8_t *)secret, secret_len);
    if (why != IKE_RADIUS_OK) {
        printf("FAIL: Accounting-Response refused: %s (%s)\n", ike_radius_reject_name(why),
               ike_radius_reject_text(why));
        return 1;
    }
    printf("ok: Accounting-Response to Start verified\n");

    /* 4. Stop with 64-bit counters. */
    a.identifier = 4;
    a.status = IKE_RADIUS_ACCT_STOP;
    a.in_octets = 0x100000010ull;
    a.out_octets = 12345;
    a.in_packets = 100;
    a.out_packets = 90;
    a.session_time = 42;
    a.terminate_cause = IKE_RADIUS_TERM_USER_REQUEST;
    n = ike_radius_acct_request(&a, (const uint8_t *)secret, secret_len, pkt, sizeof(pkt), &why);
    if (n < 0)
        die(ike_radius_reject_text(why));
    memcpy(ra, pkt + 4, sizeof(ra));
    rlen = exchange(1813, pkt, (size_t)n, reply, sizeof(reply));
    why = ike_radius_acct_response_check(reply, rlen, ra, (const uint8_t *)secret, secret_len);
    if (why != IKE_RADIUS_OK) {
        printf("FAIL: Accounting-Response refused: %s\n", ike_radius_reject_name(why));
        return 1;
    }
    printf("ok: Accounting-Response to Stop verified\n");
    return 0;
}
