/*
 * What the C tests share: CHECK and CHECK_STATUS count every check and report each failure
 * (with the result's JSON) without stopping, and the identity the conformance vectors are signed by.
 * Include after <stdio.h> and "domainsig.h".
 */
#ifndef DOMAINSIG_TEST_CHECK_H
#define DOMAINSIG_TEST_CHECK_H

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_STATUS(got, want, result)                                                            \
    CHECK((got) == (want), "got %s, want %s; result %s", domainsig_status_name((int)(got)),       \
          domainsig_status_name((int)(want)),                                                      \
          (result) ? domainsig_result_json(result) : "(none)")

#define SAN                                                                                        \
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"     \
    "workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
#define ISSUER "https://token.actions.githubusercontent.com"

#endif
