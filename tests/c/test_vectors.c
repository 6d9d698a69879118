/*
 * Every real vector through the C ABI (manifest written by vector_manifest.py): a case that must
 * fail never verifies, a case that must pass verifies, nothing is INTERNAL. Under valgrind this
 * walks every error path of the library for memory errors and leaks.
 * Usage: test_vectors MANIFEST.tsv
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domainsig.h"

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = buf ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MANIFEST.tsv\n", argv[0]);
        return 2;
    }
    FILE *m = fopen(argv[1], "r");
    if (!m) {
        perror(argv[1]);
        return 2;
    }
    char line[8192];
    int passed = 0, failed = 0;
    while (fgets(line, sizeof line, m)) {
        line[strcspn(line, "\n")] = '\0';
        /* expect, policy, bundle, artifact, case [, name, index domain, exact status] */
        char *fields[8] = {0};
        char *save = NULL;
        char *tok = strtok_r(line, "\t", &save);
        for (int i = 0; i < 8 && tok; i++, tok = strtok_r(NULL, "\t", &save)) fields[i] = tok;
        if (!fields[4]) continue;
        int want_pass = strcmp(fields[0], "pass") == 0;
        size_t policy_len = 0, bundle_len = 0;
        unsigned char *policy_json = slurp(fields[1], &policy_len);
        unsigned char *bundle = slurp(fields[2], &bundle_len);
        if (!policy_json || !bundle) {
            fprintf(stderr, "cannot read %s inputs\n", fields[4]);
            return 2;
        }
        domainsig_policy *policy = NULL;
        domainsig_result *result = NULL;
        domainsig_status st = domainsig_policy_new(policy_json, policy_len, &policy, &result);
        if (st == DOMAINSIG_OK) {
            int is_digest = strncmp(fields[3], "sha", 3) == 0 && strchr(fields[3], ':');
            domainsig_artifact a = {NULL, 0, is_digest ? NULL : fields[3],
                                    is_digest ? fields[3] : NULL, fields[5]};
            st = domainsig_verify_bundle(policy, &a, bundle, bundle_len, fields[6], &result);
        }
        /* A policy the trusted root makes unusable (TRUSTED_ROOT_INVALID) is a valid refusal. */
        int ok = st != DOMAINSIG_INTERNAL && (want_pass ? st == DOMAINSIG_OK : st != DOMAINSIG_OK);
        if (fields[7] && strcmp(domainsig_status_name((int)st), fields[7]) != 0) ok = 0;
        if (ok) {
            passed++;
        } else {
            failed++;
            printf("FAIL %s [%s]: expected %s, got %s: %s\n", fields[4], fields[3],
                   fields[0], domainsig_status_name((int)st),
                   result ? domainsig_result_json(result) : "");
        }
        domainsig_result_free(result);
        domainsig_policy_free(policy);
        free(policy_json);
        free(bundle);
    }
    fclose(m);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
