/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Crash Detection (RFC 6290): the token maker's token and the taker's
 * compare (lib/ike/qcd), and the secret file's rules (lib/conf/conf_qcd.c):
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
#include "ike_qcd.h"
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
        cmocka_unit_test_setup_teardown(test_secret_created_once, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_secret_no_temporary_left, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_secret_permissions, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_secret_wrong_size_kept, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_secret_missing_or_not_a_file, dir_setup, dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
