/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Crash Detection (RFC 6290): the token maker's token and the taker's
 * compare (lib/ike/qcd), the maker's stateless reply after a restart
 * (ike_qcd_reply: its layout byte by byte, one or two tokens, and every
 * reason it stays silent), and the secret file's rules (lib/conf/conf_qcd.c):
 * made once with owner-only permissions, read back the same, and a file that
 * is there but wrong refused with the fix named, never replaced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_qcd.h"
#include "ike_consts.h"
#include "ike_msg.h"
#include "ike_qcd.h"
#include "ike_writer.h"
#include "unit_util.h"

#define SPI_I 0x0102030405060708ull
#define SPI_R 0x1112131415161718ull

static void secret_0_to_31(uint8_t s[IKE_QCD_SECRET_LEN])
{
    for (unsigned i = 0; i < IKE_QCD_SECRET_LEN; i++)
        s[i] = (uint8_t)i;
}

/* HMAC-SHA-256(00..1f, SPIi | SPIr), computed apart with Python's hmac module. */
static void test_token_vector(void **state)
{
    (void)state;
    uint8_t secret[IKE_QCD_SECRET_LEN], token[IKE_QCD_TOKEN_LEN], want[IKE_QCD_TOKEN_LEN];
    secret_0_to_31(secret);
    assert_int_equal(unit_hex("07215b998b9a990c5cc6a160e9180b487dc80d13a7e464ed0d1298cfbf652467",
                              want, sizeof(want)),
                     IKE_QCD_TOKEN_LEN);
    assert_int_equal(ike_qcd_token(secret, SPI_I, SPI_R, token), 0);
    assert_memory_equal(token, want, IKE_QCD_TOKEN_LEN);
}

/* The same SPIs give the same token (a restart recomputes it); anything else another. */
static void test_token_depends_on_spis_and_secret(void **state)
{
    (void)state;
    uint8_t secret[IKE_QCD_SECRET_LEN], a[IKE_QCD_TOKEN_LEN], b[IKE_QCD_TOKEN_LEN];
    secret_0_to_31(secret);
    assert_int_equal(ike_qcd_token(secret, SPI_I, SPI_R, a), 0);
    assert_int_equal(ike_qcd_token(secret, SPI_I, SPI_R, b), 0);
    assert_memory_equal(a, b, IKE_QCD_TOKEN_LEN);
    assert_int_equal(ike_qcd_token(secret, SPI_R, SPI_I, b), 0); /* roles swapped */
    assert_memory_not_equal(a, b, IKE_QCD_TOKEN_LEN);
    assert_int_equal(ike_qcd_token(secret, SPI_I, SPI_R + 1, b), 0); /* a rekeyed SA */
    assert_memory_not_equal(a, b, IKE_QCD_TOKEN_LEN);
    secret[31] ^= 1;
    assert_int_equal(ike_qcd_token(secret, SPI_I, SPI_R, b), 0);
    assert_memory_not_equal(a, b, IKE_QCD_TOKEN_LEN);
}

static void test_token_equal(void **state)
{
    (void)state;
    uint8_t kept[IKE_QCD_TOKEN_MAX + 1], got[IKE_QCD_TOKEN_MAX + 1];
    memset(kept, 0x42, sizeof(kept));
    memset(got, 0x42, sizeof(got));
    assert_true(ike_qcd_token_equal(kept, IKE_QCD_TOKEN_LEN, got, IKE_QCD_TOKEN_LEN));
    assert_true(ike_qcd_token_equal(kept, IKE_QCD_TOKEN_MIN, got, IKE_QCD_TOKEN_MIN));
    assert_true(ike_qcd_token_equal(kept, IKE_QCD_TOKEN_MAX, got, IKE_QCD_TOKEN_MAX));
    /* Every byte counts, the first and the last. */
    got[0] ^= 1;
    assert_false(ike_qcd_token_equal(kept, IKE_QCD_TOKEN_LEN, got, IKE_QCD_TOKEN_LEN));
    got[0] ^= 1;
    got[IKE_QCD_TOKEN_LEN - 1] ^= 0x80;
    assert_false(ike_qcd_token_equal(kept, IKE_QCD_TOKEN_LEN, got, IKE_QCD_TOKEN_LEN));
    got[IKE_QCD_TOKEN_LEN - 1] ^= 0x80;
    /* A prefix of the kept token, or one outside 16 to 128 octets, never matches. */
    assert_false(ike_qcd_token_equal(kept, IKE_QCD_TOKEN_LEN, got, IKE_QCD_TOKEN_LEN - 1));
    /* Nor a longer one that starts with it. */
    assert_false(ike_qcd_token_equal(kept, IKE_QCD_TOKEN_LEN, got, IKE_QCD_TOKEN_LEN + 1));
    assert_false(ike_qcd_token_equal(kept, IKE_QCD_TOKEN_MIN - 1, got, IKE_QCD_TOKEN_MIN - 1));
    assert_false(ike_qcd_token_equal(kept, 0, got, 0));
    assert_false(ike_qcd_token_equal(kept, IKE_QCD_TOKEN_MAX + 1, got, IKE_QCD_TOKEN_MAX + 1));
}

/* ---- ike_qcd_reply ---- */

#define MSG_ID 0x01020304u
#define ONE_TOKEN IKE_QCD_REPLY_LEN                         /* 76 */
#define TWO_TOKENS (IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN) /* 116 */

static struct ike_qcd_keys reply_keys(bool has_prev)
{
    struct ike_qcd_keys k;
    secret_0_to_31(k.cur);
    for (unsigned i = 0; i < IKE_QCD_SECRET_LEN; i++)
        k.prev[i] = (uint8_t)(0xff - i);
    k.has_prev = has_prev;
    return k;
}

/* HDR(spi_i, spi_r, first, 2.0, exchange, flags, MSG_ID), one payload filling `total` bytes. */
static size_t request(uint8_t *out, uint64_t spi_i, uint64_t spi_r, uint8_t first, uint8_t exchange,
                      uint8_t flags, size_t total)
{
    ike_put64(out, spi_i);
    ike_put64(out + 8, spi_r);
    out[16] = first;
    out[17] = IKE_MAJOR_VERSION << 4;
    out[18] = exchange;
    out[19] = flags;
    ike_put32(out + 20, MSG_ID);
    ike_put32(out + 24, (uint32_t)total);
    out[28] = IKE_PL_NONE;
    out[29] = 0;
    ike_put16(out + 30, (uint16_t)(total - IKE_HDR_LEN));
    for (size_t i = 32; i < total; i++)
        out[i] = (uint8_t)(i * 7);
    return total;
}

static void expect_token_notify(const uint8_t *n, uint8_t next, const uint8_t *secret)
{
    assert_int_equal(n[0], next);
    assert_int_equal(n[1], 0);
    assert_int_equal(ike_get16(n + 2), IKE_QCD_NOTIFY_LEN);
    assert_int_equal(n[4], IKE_PROTO_IKE); /* RFC 6290 4.1 */
    assert_int_equal(n[5], 0);             /* no SPI */
    assert_int_equal(ike_get16(n + 6), IKE_N_QUICK_CRASH_DETECTION);
    uint8_t token[IKE_QCD_TOKEN_LEN];
    assert_int_equal(ike_qcd_token(secret, SPI_I, SPI_R, token), 0);
    assert_memory_equal(n + 8, token, IKE_QCD_TOKEN_LEN);
}

/*
 * The reply to the initiator's protected INFORMATIONAL request, byte by byte:
 * its SPIs and message ID, Notify first, 2.0, the Response flag without the
 * Initiator flag (we are the responder), then N(INVALID_IKE_SPI) with no data
 * and N(QUICK_CRASH_DETECTION) with the token; no longer than the request.
 */
static void test_reply_layout(void **state)
{
    (void)state;
    const struct ike_qcd_keys k = reply_keys(false);
    uint8_t req[200], out[256];
    size_t len =
        request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 80);
    enum ike_qcd_no_reply why = IKE_QCD_NR_TOO_LARGE;
    assert_int_equal(ike_qcd_reply(&k, req, len, out, sizeof(out), &why), ONE_TOKEN);
    assert_int_equal(why, IKE_QCD_NR_NONE);
    assert_memory_equal(out, req, 16);
    assert_int_equal(out[16], IKE_PL_NOTIFY);
    assert_int_equal(out[17], 0x20);
    assert_int_equal(out[18], IKE_EXCH_INFORMATIONAL);
    assert_int_equal(out[19], IKE_FLAG_RESPONSE);
    assert_int_equal(ike_get32(out + 20), MSG_ID);
    assert_int_equal(ike_get32(out + 24), ONE_TOKEN);
    static const uint8_t invalid_spi[8] = {IKE_PL_NOTIFY, 0, 0, 8, IKE_PROTO_NONE, 0, 0, 4};
    assert_memory_equal(out + IKE_HDR_LEN, invalid_spi, 8);
    expect_token_notify(out + IKE_HDR_LEN + 8, IKE_PL_NONE, k.cur);
    /* Well formed for a peer's decoder: an unprotected response of two notifies. */
    struct ike_msg m;
    assert_int_equal(ike_msg_decode(out, ONE_TOKEN, &m, NULL), 0);
    assert_int_equal(m.npayloads, 2);

    /* From a responder (SPIi ours, no I flag), SKF, CREATE_CHILD_SA: we answer as initiator. */
    len = request(req, SPI_I, SPI_R, IKE_PL_SKF, IKE_EXCH_CREATE_CHILD_SA, 0, ONE_TOKEN);
    assert_int_equal(ike_qcd_reply(&k, req, len, out, sizeof(out), &why), ONE_TOKEN);
    assert_int_equal(out[18], IKE_EXCH_CREATE_CHILD_SA);
    assert_int_equal(out[19], IKE_FLAG_RESPONSE | IKE_FLAG_INITIATOR);
    expect_token_notify(out + IKE_HDR_LEN + 8, IKE_PL_NONE, k.cur);
}

/* During a rotation: the previous secret's token second when both fit, else the current alone. */
static void test_reply_two_tokens(void **state)
{
    (void)state;
    const struct ike_qcd_keys k = reply_keys(true);
    uint8_t req[200], out[256];
    enum ike_qcd_no_reply why;
    size_t len = request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR,
                         TWO_TOKENS);
    assert_int_equal(ike_qcd_reply(&k, req, len, out, sizeof(out), &why), TWO_TOKENS);
    assert_int_equal(ike_get32(out + 24), TWO_TOKENS);
    expect_token_notify(out + IKE_HDR_LEN + 8, IKE_PL_NOTIFY, k.cur);
    expect_token_notify(out + IKE_HDR_LEN + 8 + IKE_QCD_NOTIFY_LEN, IKE_PL_NONE, k.prev);
    struct ike_msg m;
    assert_int_equal(ike_msg_decode(out, TWO_TOKENS, &m, NULL), 0);
    assert_int_equal(m.npayloads, 3);

    /* One byte short of the second token, in the request or in the buffer: the current alone. */
    len = request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR,
                  TWO_TOKENS - 1);
    assert_int_equal(ike_qcd_reply(&k, req, len, out, sizeof(out), &why), ONE_TOKEN);
    expect_token_notify(out + IKE_HDR_LEN + 8, IKE_PL_NONE, k.cur);
    len = request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 200);
    assert_int_equal(ike_qcd_reply(&k, req, len, out, TWO_TOKENS - 1, &why), ONE_TOKEN);
    expect_token_notify(out + IKE_HDR_LEN + 8, IKE_PL_NONE, k.cur);
}

static void expect_silent(const struct ike_qcd_keys *k, const uint8_t *req, size_t len, size_t cap,
                          enum ike_qcd_no_reply want)
{
    uint8_t out[256];
    memset(out, 0x5a, sizeof(out));
    enum ike_qcd_no_reply why = IKE_QCD_NR_NONE;
    assert_int_equal(ike_qcd_reply(k, req, len, out, cap, &why), -1);
    assert_int_equal(why, want);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal(out[i], 0x5a); /* nothing written */
}

/* Every reason to stay silent, each with its own code (and name, for the logs). */
static void test_reply_refused(void **state)
{
    (void)state;
    const struct ike_qcd_keys k = reply_keys(true);
    uint8_t req[200];
    /* TOO_LARGE: a request one byte shorter than the smallest reply, or a buffer too small. */
    size_t len = request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR,
                         ONE_TOKEN - 1);
    expect_silent(&k, req, len, 256, IKE_QCD_NR_TOO_LARGE);
    len = request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 200);
    expect_silent(&k, req, len, ONE_TOKEN - 1, IKE_QCD_NR_TOO_LARGE);
    /* RESPONSE: never answered, protected or not. */
    len = request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_RESPONSE, 200);
    expect_silent(&k, req, len, 256, IKE_QCD_NR_RESPONSE);
    /* SA_INIT: IKE_SA_INIT, or a zero SPI on either side. */
    len = request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_IKE_SA_INIT, IKE_FLAG_INITIATOR, 200);
    expect_silent(&k, req, len, 256, IKE_QCD_NR_SA_INIT);
    len = request(req, SPI_I, 0, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 200);
    expect_silent(&k, req, len, 256, IKE_QCD_NR_SA_INIT);
    len = request(req, 0, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, 0, 200);
    expect_silent(&k, req, len, 256, IKE_QCD_NR_SA_INIT);
    /* UNPROTECTED: a Notify (or anything but SK or SKF) first. */
    len =
        request(req, SPI_I, SPI_R, IKE_PL_NOTIFY, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 200);
    expect_silent(&k, req, len, 256, IKE_QCD_NR_UNPROTECTED);
    /* MALFORMED: short of a header, IKEv1, a length field that disagrees, SK not filling it. */
    len = request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 200);
    expect_silent(&k, req, IKE_HDR_LEN - 1, 256, IKE_QCD_NR_MALFORMED);
    expect_silent(&k, req, len - 1, 256, IKE_QCD_NR_MALFORMED);
    req[17] = 0x10;
    expect_silent(&k, req, len, 256, IKE_QCD_NR_MALFORMED);
    req[17] = 0x20;
    ike_put16(req + 30, (uint16_t)(len - IKE_HDR_LEN - 1));
    expect_silent(&k, req, len, 256, IKE_QCD_NR_MALFORMED);
    len = request(req, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR,
                  IKE_HDR_LEN);
    expect_silent(&k, req, len, 256, IKE_QCD_NR_MALFORMED); /* no room for SK's header */

    assert_string_equal(ike_qcd_no_reply_name(IKE_QCD_NR_TOO_LARGE), "TOO_LARGE");
    assert_string_equal(ike_qcd_no_reply_name(IKE_QCD_NR_UNPROTECTED), "UNPROTECTED");
    assert_string_equal(ike_qcd_no_reply_name(IKE_QCD_NR__COUNT), "?");
}

struct dir {
    char path[64];
    char secret[96];
};

static int dir_setup(void **state)
{
    static struct dir d;
    snprintf(d.path, sizeof(d.path), "/tmp/veer-qcd.XXXXXX");
    assert_non_null(mkdtemp(d.path));
    snprintf(d.secret, sizeof(d.secret), "%s/qcd.secret", d.path);
    *state = &d;
    return 0;
}

static int dir_teardown(void **state)
{
    struct dir *d = *state;
    unlink(d->secret);
    rmdir(d->path);
    return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* Made on first start: owner-only, the right size; read back the same at the next start. */
static void test_secret_created_once(void **state)
{
    struct dir *d = *state;
    uint8_t a[IKE_QCD_SECRET_LEN], b[IKE_QCD_SECRET_LEN];
    char err[256] = "";
    assert_int_equal(conf_qcd_secret_load(d->secret, true, a, err, sizeof(err)), 0);
    struct stat st;
    assert_int_equal(stat(d->secret, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, IKE_QCD_SECRET_LEN);
    assert_int_equal(conf_qcd_secret_load(d->secret, true, b, err, sizeof(err)), 0);
    assert_memory_equal(a, b, IKE_QCD_SECRET_LEN);
    assert_int_equal(conf_qcd_secret_load(d->secret, false, b, err, sizeof(err)), 0);
    assert_memory_equal(a, b, IKE_QCD_SECRET_LEN);
    /* Random bytes, not left zero. */
    uint8_t zero[IKE_QCD_SECRET_LEN] = {0};
    assert_memory_not_equal(a, zero, IKE_QCD_SECRET_LEN);
}

/* The only file in the directory afterwards is the secret: no temporary left behind. */
static void test_secret_no_temporary_left(void **state)
{
    struct dir *d = *state;
    uint8_t s[IKE_QCD_SECRET_LEN];
    char err[256] = "";
    assert_int_equal(conf_qcd_secret_load(d->secret, true, s, err, sizeof(err)), 0);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "test \"$(ls -A %s)\" = qcd.secret", d->path);
    assert_int_equal(system(cmd), 0);
}

static void expect_refused(const struct dir *d, bool create, const char *words)
{
    uint8_t s[IKE_QCD_SECRET_LEN];
    char err[256] = "";
    assert_int_equal(conf_qcd_secret_load(d->secret, create, s, err, sizeof(err)), -1);
    if (strstr(err, d->secret) == NULL || strstr(err, words) == NULL)
        fail_msg("error \"%s\" should name %s and say \"%s\"", err, d->secret, words);
}

/* Group- or world-readable: refused with the fix, and left as it is. */
static void test_secret_permissions(void **state)
{
    struct dir *d = *state;
    uint8_t data[IKE_QCD_SECRET_LEN];
    secret_0_to_31(data);
    write_file(d->secret, data, sizeof(data), 0640);
    expect_refused(d, true, "chmod 600");
    write_file(d->secret, data, sizeof(data), 0604);
    expect_refused(d, true, "chmod 600");
    write_file(d->secret, data, sizeof(data), 0600);
    uint8_t s[IKE_QCD_SECRET_LEN];
    char err[256] = "";
    assert_int_equal(conf_qcd_secret_load(d->secret, true, s, err, sizeof(err)), 0);
    assert_memory_equal(s, data, IKE_QCD_SECRET_LEN);
}

/* The wrong size is refused and never replaced by a new secret. */
static void test_secret_wrong_size_kept(void **state)
{
    struct dir *d = *state;
    uint8_t data[IKE_QCD_SECRET_LEN + 1];
    memset(data, 0x77, sizeof(data));
    write_file(d->secret, data, IKE_QCD_SECRET_LEN - 1, 0600);
    expect_refused(d, true, "restore it");
    struct stat st;
    assert_int_equal(stat(d->secret, &st), 0);
    assert_int_equal(st.st_size, IKE_QCD_SECRET_LEN - 1);
    write_file(d->secret, data, IKE_QCD_SECRET_LEN + 1, 0600);
    expect_refused(d, true, "33 bytes");
    write_file(d->secret, data, 0, 0600);
    expect_refused(d, true, "0 bytes");
}

/* Missing without create, a directory, or a symbolic link: refused. */
static void test_secret_missing_or_not_a_file(void **state)
{
    struct dir *d = *state;
    expect_refused(d, false, "cannot open the QCD secret");
    assert_int_equal(mkdir(d->secret, 0700), 0);
    expect_refused(d, true, "regular file");
    assert_int_equal(rmdir(d->secret), 0);
    char target[128];
    snprintf(target, sizeof(target), "%s/elsewhere", d->path);
    uint8_t data[IKE_QCD_SECRET_LEN] = {0};
    write_file(target, data, sizeof(data), 0600);
    assert_int_equal(symlink(target, d->secret), 0);
    expect_refused(d, true, "cannot open the QCD secret");
    unlink(target);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_vector),
        cmocka_unit_test(test_token_depends_on_spis_and_secret),
        cmocka_unit_test(test_token_equal),
        cmocka_unit_test(test_reply_layout),
        cmocka_unit_test(test_reply_two_tokens),
        cmocka_unit_test(test_reply_refused),
        cmocka_unit_test_setup_teardown(test_secret_created_once, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_secret_no_temporary_left, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_secret_permissions, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_secret_wrong_size_kept, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_secret_missing_or_not_a_file, dir_setup, dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
