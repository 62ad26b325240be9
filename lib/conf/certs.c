/* SPDX-License-Identifier: BSD-3-Clause */
/* PEM files for certificate authentication, and releasing what was loaded from them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "conf_certs.h"
#include "conf_eap.h"
#include "ike_auth_cert.h"

int conf_read_file(const char *path, bool owner_only, char **text, size_t *len, char *why,
                   size_t why_len)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    *text = NULL;
    if (f == NULL) {
        snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONF_PEM_MAX) {
        fclose(f);
        snprintf(why, why_len, "%s must be a regular file of at most %d bytes", path, CONF_PEM_MAX);
        return -1;
    }
    if (owner_only && (st.st_mode & 077) != 0) {
        fclose(f);
        snprintf(why, why_len, "%s must be readable by its owner only (chmod 600)", path);
        return -1;
    }
    *text = malloc((size_t)st.st_size + 1);
    *len = *text != NULL ? fread(*text, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (*text == NULL || *len != (size_t)st.st_size) {
        conf_free_file(*text, *len);
        *text = NULL;
        snprintf(why, why_len, "cannot read %s", path);
        return -1;
    }
    (*text)[*len] = '\0';
    return 0;
}

void conf_free_file(char *text, size_t len)
{
    if (text != NULL)
        OPENSSL_cleanse(text, len);
    free(text);
}

void conf_free(struct veer_conf *conf)
{
    for (unsigned i = 0; i < CONF_MAX_PEERS; i++) {
        ike_cred_free(conf->creds[i]);
        ike_trust_free(conf->trusts[i]);
        conf->creds[i] = NULL;
        conf->trusts[i] = NULL;
        conf->peers[i].cred = NULL;
        conf->peers[i].trust = NULL;
        conf_eap_free(conf->eap_secrets[i], conf->peers[i].neap_secrets);
        conf->eap_secrets[i] = NULL;
        conf->peers[i].eap_secrets = NULL;
        conf->peers[i].neap_secrets = 0;
    }
    ike_trust_free(conf->cacerts);
    conf->cacerts = NULL;
    OPENSSL_cleanse(&conf->qcd_keys, sizeof(conf->qcd_keys));
    conf->ike.qcd_keys = NULL;
    OPENSSL_cleanse(&conf->ike.radius, sizeof(conf->ike.radius));
}
