/* SPDX-License-Identifier: BSD-3-Clause */
#include "radius_sock.h"

#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fds[IKE_RADIUS_MAX_SERVERS];
static unsigned nfds;
static int acct_fds[IKE_RADIUS_MAX_SERVERS]; /* radius.accounting: to each acct_port */
static unsigned nacct;
static uint8_t rx[65536]; /* a datagram longer than RADIUS allows is refused by the codec */

static socklen_t to_sockaddr(const struct ike_addr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == 6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(a->port);
        memcpy(&s6->sin6_addr, a->ip, 16);
        return sizeof(*s6);
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(a->port);
    memcpy(&s4->sin_addr, a->ip, 4);
    return sizeof(*s4);
}

static int connected_socket(const struct ike_addr *to)
{
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(to, &ss);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return -e;
    }
    return fd;
}

int veer_radius_open(const struct ike_radius_cfg *rc)
{
    for (unsigned i = 0; i < rc->nservers && i < IKE_RADIUS_MAX_SERVERS; i++) {
        int fd = connected_socket(&rc->servers[i].addr);
        if (fd >= 0)
            fds[nfds++] = fd;
        struct ike_addr acct = rc->servers[i].addr;
        acct.port = rc->servers[i].acct_port ? rc->servers[i].acct_port : 1813;
        if (fd >= 0 && rc->accounting && (fd = connected_socket(&acct)) >= 0)
            acct_fds[nacct++] = fd;
        if (fd < 0) {
            veer_radius_close();
            return fd;
        }
    }
    return 0;
}

int veer_radius_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    (void)opaque;
    if (server >= nfds)
        return -EINVAL;
    return send(fds[server], buf, len, MSG_DONTWAIT) < 0 ? -errno : 0;
}

int veer_radius_acct_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    (void)opaque;
    if (server >= nacct)
        return -EINVAL;
    return send(acct_fds[server], buf, len, MSG_DONTWAIT) < 0 ? -errno : 0;
}

unsigned veer_radius_poll(struct ike_ctx *ctx)
{
    unsigned got = 0;
    for (unsigned i = 0; i < nfds + nacct; i++) {
        bool acct = i >= nfds;
        int fd = acct ? acct_fds[i - nfds] : fds[i];
        /* Bounded per iteration; ECONNREFUSED (nothing listens there) is a lost datagram. */
        for (unsigned n = 0; n < 16; n++) {
            ssize_t len = recv(fd, rx, sizeof(rx), MSG_DONTWAIT);
            if (len < 0 && errno == ECONNREFUSED)
                continue;
            if (len < 0)
                break;
            if (acct)
                ike_radius_acct_input(ctx, i - nfds, rx, (size_t)len);
            else
                ike_radius_input(ctx, i, rx, (size_t)len);
            got++;
        }
    }
    return got;
}

void veer_radius_close(void)
{
    for (unsigned i = 0; i < nfds; i++)
        close(fds[i]);
    nfds = 0;
    for (unsigned i = 0; i < nacct; i++)
        close(acct_fds[i]);
    nacct = 0;
}
