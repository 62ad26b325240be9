/* SPDX-License-Identifier: BSD-3-Clause */
#include "conf_eap.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_certs.h"

/* One line "identity secret" into *s; NULL or a reason. */
static const char *parse_line(char *line, struct ike_eap_secret *s)
{
    char *sp = strpbrk(line, " \t");
    if (sp == NULL)
        return "expected \"identity secret\"";
    size_t id_len = (size_t)(sp - line);
    while (*sp == ' ' || *sp == '\t')
        sp++;
    size_t secret_len = strlen(sp);
    while (secret_len > 0 && (sp[secret_len - 1] == '\r' || sp[secret_len - 1] == ' '))
        secret_len--;
    if (id_len > IKE_ID_MAX)
        return "identity longer than 255 bytes";
    if (secret_len == 0 || secret_len > IKE_EAP_SECRET_MAX)
        return "the secret must be 1 to 128 bytes";
    memset(s, 0, sizeof(*s));
    /* Matched against IDi's data only; the type is what the loader gives IDs of that form. */
    s->id.type = memchr(line, '@', id_len) != NULL ? IKE_ID_RFC822_ADDR : IKE_ID_FQDN;
    s->id.len = (uint8_t)id_len;
    memcpy(s->id.data, line, id_len);
    s->len = (uint8_t)secret_len;
    memcpy(s->secret, sp, secret_len);
    return NULL;
}

static int fail(char *why, size_t why_len, const char *path, unsigned line, const char *what)
{
    snprintf(why, why_len, "%s:%u: %s", path, line, what);
    return -1;
}

int conf_eap_load(const char *path, struct ike_eap_secret **out, unsigned *n, char *why,
                  size_t why_len)
{
    char *text;
    size_t len;
    *out = NULL;
    *n = 0;
    if (conf_read_file(path, true, &text, &len, why, why_len) < 0)
        return -1;
    struct ike_eap_secret *s = calloc(CONF_EAP_MAX_USERS, sizeof(*s));
    unsigned count = 0, line = 0;
    int rc = s == NULL ? fail(why, why_len, path, 0, "out of memory") : 0;
    for (char *p = text, *next; rc == 0 && p != NULL && *p != '\0'; p = next) {
        line++;
        next = strchr(p, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (*p == '\0' || *p == '#' || strspn(p, " \t\r") == strlen(p))
            continue;
        const char *bad = count == CONF_EAP_MAX_USERS ? "too many users" : parse_line(p, &s[count]);
        for (unsigned k = 0; bad == NULL && k < count; k++) {
            if (s[k].id.len == s[count].id.len &&
                memcmp(s[k].id.data, s[count].id.data, s[k].id.len) == 0)
                bad = "identity given twice";
        }
        if (bad != NULL)
            rc = fail(why, why_len, path, line, bad);
        else
            count++;
    }
    conf_free_file(text, len);
    if (rc == 0 && count == 0)
        rc = fail(why, why_len, path, line, "no users");
    if (rc < 0) {
        conf_eap_free(s, CONF_EAP_MAX_USERS);
        return -1;
    }
    /* Give back the room the file did not need. */
    struct ike_eap_secret *fit = realloc(s, count * sizeof(*s));
    *out = fit != NULL ? fit : s;
    *n = count;
    return 0;
}

void conf_eap_free(struct ike_eap_secret *s, unsigned n)
{
    if (s == NULL)
        return;
    OPENSSL_cleanse(s, n * sizeof(*s));
    free(s);
}
