/* SPDX-License-Identifier: BSD-3-Clause */
#include "conf_check.h"

#include <stdio.h>

static void print_unread(void *arg, const char *where, const char *key, const char *path)
{
    unsigned *n = arg;
    (*n)++;
    printf("%s: %s: %s: not read (--check-syntax)\n", where, key, path);
}

static void print_would_create(void *arg, const char *where, const char *key, const char *path)
{
    (void)arg;
    printf("%s: %s: %s: not there: starting will create it (--check creates nothing)\n", where, key,
           path);
}

int conf_check_load(const char *prog, const char *path, bool syntax_only, struct veer_conf *conf,
                    unsigned *unread)
{
    *unread = 0;
    struct conf_load_opts opts = {.skip_files = syntax_only,
                                  .no_create = true,
                                  .on_create = print_would_create,
                                  .arg = unread};
    if (syntax_only)
        opts.on_file = print_unread;
    char err[512];
    if (conf_load_opts(path, &opts, conf, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return -1;
    }
    return 0;
}

const char *conf_plural(unsigned n)
{
    return n == 1 ? "" : "s";
}

void conf_check_ok(const char *prog, const char *path, bool syntax_only, unsigned unread,
                   const char *summary)
{
    char unread_note[64] = "";
    if (syntax_only)
        snprintf(unread_note, sizeof(unread_note), "; %u file%s not read", unread,
                 conf_plural(unread));
    printf("%s: %s: OK%s (%s%s)\n", prog, path, syntax_only ? " without its files" : "", summary,
           unread_note);
}

static void print_created(void *arg, const char *where, const char *key, const char *path)
{
    const char *prog = arg;
    fprintf(stderr,
            "%s: %s: %s: made a new QCD secret in %s: back it up, and give every member of a "
            "cluster the same file\n",
            prog, where, key, path);
}

int conf_start_load(const char *prog, const char *path, struct veer_conf *conf)
{
    struct conf_load_opts opts = {.on_create = print_created, .arg = (void *)prog};
    char err[512];
    if (conf_load_opts(path, &opts, conf, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return -1;
    }
    return 0;
}
