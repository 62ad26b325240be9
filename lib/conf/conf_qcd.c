/* SPDX-License-Identifier: BSD-3-Clause */
#include "conf_qcd.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

/* "PATH: WHAT: the reason of errno e" into err; returns -1. */
static int fail(char *err, size_t err_len, const char *path, const char *what, int e)
{
    snprintf(err, err_len, "%s: %s: %s", path, what, strerror(e));
    return -1;
}

/* fsync of the directory holding path, so that a rename in it survives a crash. */
static int sync_dir(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof(copy), "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A new secret at path, atomically: a reader sees no file or a whole one. */
static int create_secret(const char *path, char *err, size_t err_len)
{
    uint8_t secret[IKE_QCD_SECRET_LEN];
    if (RAND_priv_bytes(secret, sizeof(secret)) != 1) {
        snprintf(err, err_len, "%s: no random bytes for a new QCD secret", path);
        return -1;
    }
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp)) {
        snprintf(err, err_len, "%s: path too long", path);
        return -1;
    }
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0)
        return fail(err, err_len, path, "cannot create a QCD secret beside it", errno);
    int rc = write_all(fd, secret, sizeof(secret)) == 0 && fsync(fd) == 0 ? 0 : -1;
    int e = errno;
    OPENSSL_cleanse(secret, sizeof(secret));
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        unlink(tmp);
        return fail(err, err_len, path, "cannot write a new QCD secret", e);
    }
    if (sync_dir(path) != 0)
        return fail(err, err_len, path, "written, but its directory not synced", errno);
    return 0;
}

int conf_qcd_secret_load(const char *path, bool create, uint8_t out[IKE_QCD_SECRET_LEN], char *err,
                         size_t err_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT && create) {
        if (create_secret(path, err, err_len) < 0)
            return -1;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0)
        return fail(err, err_len, path, "cannot open the QCD secret", errno);
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) != 0) {
        fail(err, err_len, path, "cannot stat the QCD secret", errno);
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(err, err_len, "%s: the QCD secret must be a regular file", path);
    } else if ((st.st_mode & 077) != 0) {
        snprintf(err, err_len,
                 "%s: the QCD secret is group- or world-accessible (mode %04o): chmod 600 it", path,
                 (unsigned)(st.st_mode & 07777));
    } else if (st.st_size != IKE_QCD_SECRET_LEN) {
        snprintf(err, err_len,
                 "%s: %lld bytes, a QCD secret has %d: restore it from a backup or another "
                 "cluster member (a new one would invalidate every client's token)",
                 path, (long long)st.st_size, IKE_QCD_SECRET_LEN);
    } else {
        ssize_t n;
        do
            n = read(fd, out, IKE_QCD_SECRET_LEN);
        while (n < 0 && errno == EINTR);
        if (n == IKE_QCD_SECRET_LEN)
            rc = 0;
        else
            fail(err, err_len, path, "cannot read the QCD secret", n < 0 ? errno : EIO);
    }
    close(fd);
    return rc;
}
