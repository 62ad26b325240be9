/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_radius_sock.h"

#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

socklen_t mgmt_sockaddr_from_ike(const struct ike_addr *a, struct sockaddr_storage *ss)
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
    socklen_t len = mgmt_sockaddr_from_ike(to, &ss);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return -e;
    }
    /*
     * A server may answer all 256 outstanding requests at once while the
     * owner's loop is busy with IKE; the default buffer (rmem_default, about
     * 200 KiB) held fewer, and every answer dropped cost a retransmission
     * after radius.timeout. The kernel caps this at net.core.rmem_max: as
     * much as the system allows is the best we can do, so no error.
     */
    int rcvbuf = MGMT_RADIUS_RCVBUF;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    return fd;
}

void mgmt_radius_init(struct mgmt_radius_socks *s)
{
    s->nauth = 0;
    s->nacct = 0;
}

int mgmt_radius_open(struct mgmt_radius_socks *s, const struct ike_radius_cfg *rc)
{
    for (unsigned i = 0; i < rc->nservers && i < IKE_RADIUS_MAX_SERVERS; i++) {
        int fd = connected_socket(&rc->servers[i].addr);
        if (fd >= 0)
            s->auth_fd[s->nauth++] = fd;
        struct ike_addr acct = rc->servers[i].addr;
        acct.port = rc->servers[i].acct_port ? rc->servers[i].acct_port : 1813;
        if (fd >= 0 && rc->accounting && (fd = connected_socket(&acct)) >= 0)
            s->acct_fd[s->nacct++] = fd;
        if (fd < 0) {
            mgmt_radius_close(s);
            return fd;
        }
    }
    return 0;
}

void mgmt_radius_close(struct mgmt_radius_socks *s)
{
    for (unsigned i = 0; i < s->nauth; i++)
        close(s->auth_fd[i]);
    s->nauth = 0;
    for (unsigned i = 0; i < s->nacct; i++)
        close(s->acct_fd[i]);
    s->nacct = 0;
}

int mgmt_radius_send(const struct mgmt_radius_socks *s, unsigned server, const uint8_t *buf,
                     size_t len)
{
    if (server >= s->nauth)
        return -EINVAL;
    /* ECONNREFUSED from an earlier datagram (nothing listens) is a lost datagram too. */
    return send(s->auth_fd[server], buf, len, MSG_DONTWAIT) < 0 ? -errno : 0;
}

int mgmt_radius_acct_send(const struct mgmt_radius_socks *s, unsigned server, const uint8_t *buf,
                          size_t len)
{
    if (server >= s->nacct)
        return -EINVAL;
    return send(s->acct_fd[server], buf, len, MSG_DONTWAIT) < 0 ? -errno : 0;
}

int mgmt_radius_fd(const struct mgmt_radius_socks *s, unsigned i)
{
    return i < s->nauth ? s->auth_fd[i] : s->acct_fd[i - s->nauth];
}

unsigned mgmt_radius_read(struct mgmt_radius_socks *s, struct ike_ctx *ctx, unsigned i,
                          unsigned max)
{
    bool acct = i >= s->nauth;
    int fd = mgmt_radius_fd(s, i);
    unsigned got = 0;
    for (unsigned n = 0; n < max; n++) {
        ssize_t len = recv(fd, s->rx, sizeof(s->rx), MSG_DONTWAIT);
        if (len < 0 && errno == ECONNREFUSED)
            continue; /* an ICMP port unreachable for an earlier send: a lost datagram */
        if (len < 0)
            break;
        if (acct)
            ike_radius_acct_input(ctx, i - s->nauth, s->rx, (size_t)len);
        else
            ike_radius_input(ctx, i, s->rx, (size_t)len);
        got++;
    }
    return got;
}

unsigned mgmt_radius_read_all(struct mgmt_radius_socks *s, struct ike_ctx *ctx, unsigned max)
{
    unsigned got = 0;
    for (unsigned i = 0; i < mgmt_radius_nsockets(s); i++)
        got += mgmt_radius_read(s, ctx, i, max);
    return got;
}
