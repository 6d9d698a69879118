/*
 * An install gate in C: may this downloaded artifact be installed?
 *   c_gate POLICY.json BUNDLE.json ARTIFACT INDEX_DOMAIN [NAME]
 * Exit 0 = install, 1 = refuse (reason printed), 2 = usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>

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
    if (argc < 5) {
        fprintf(stderr, "usage: %s POLICY.json BUNDLE.json ARTIFACT INDEX_DOMAIN [NAME]\n", argv[0]);
        return 2;
    }
    size_t policy_len, bundle_len;
    unsigned char *policy_json = slurp(argv[1], &policy_len);
    unsigned char *bundle = slurp(argv[2], &bundle_len);
    if (!policy_json || !bundle) {
        fprintf(stderr, "cannot read the policy or the bundle\n");
        return 2;
    }

    /* Compile the policy once; it is immutable and may be shared by every thread. */
    domainsig_policy *policy = NULL;
    domainsig_result *result = NULL;
    if (domainsig_policy_new(policy_json, policy_len, &policy, &result) != DOMAINSIG_OK) {
        fprintf(stderr, "bad policy: %s\n", domainsig_result_json(result));
        domainsig_result_free(result);
        return 2;
    }

    /* The artifact by path (hashed streaming); .data/.len or .digest work the same way. */
    domainsig_artifact artifact = {NULL, 0, argv[3], NULL, argc > 5 ? argv[5] : NULL};
    domainsig_status status =
        domainsig_verify_bundle(policy, &artifact, bundle, bundle_len, argv[4], &result);
    if (status == DOMAINSIG_OK) {
        printf("install: %s verified for %s\n", argv[3], argv[4]);
    } else {
        printf("refuse (%s): %s\n", domainsig_status_name(status), domainsig_result_json(result));
    }

    domainsig_result_free(result);
    domainsig_policy_free(policy);
    free(policy_json);
    free(bundle);
    return status == DOMAINSIG_OK ? 0 : 1;
}
