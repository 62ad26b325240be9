/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_err.h"

#include <errno.h>
#include <stdio.h>

#include "ike_consts.h"

#define IKE_X_ERR_NAME(n, s) #n,
#define IKE_X_ERR_TEXT(n, s) s,
static const char *const err_names[] = {IKE_ERR_LIST(IKE_X_ERR_NAME)};
static const char *const err_texts[] = {IKE_ERR_LIST(IKE_X_ERR_TEXT)};

const char *ike_err_name(unsigned code)
{
    return code < IKE_ERR__COUNT ? err_names[code] : "UNKNOWN_ERROR";
}

const char *ike_err_text(unsigned code)
{
    return code < IKE_ERR__COUNT ? err_texts[code] : "unknown error code";
}

int ike_err_format(const struct ike_err *err, char *buf, size_t size)
{
    const char *pl = ike_payload_name(err->payload);
    char num[8];
    if (err->payload == IKE_PL_NONE) {
        pl = "header";
    } else if (pl == NULL) {
        snprintf(num, sizeof(num), "%u", err->payload);
        pl = num;
    }
    return snprintf(buf, size, "%s in %s at offset %u: %s", ike_err_name(err->code), pl,
                    (unsigned)err->offset, ike_err_text(err->code));
}

int ike_fail(struct ike_err *err, enum ike_err_code code, uint8_t payload, size_t offset)
{
    if (err != NULL) {
        err->code = (uint16_t)code;
        err->payload = payload;
        err->offset = (uint32_t)offset;
    }
    return -EBADMSG;
}
