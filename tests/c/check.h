/*
 * What the C tests share: CHECK and CHECK_STATUS count every check and report each failure
 * (with the result's JSON) without stopping; slurp reads a whole file or exits 2; and the identity
 * the conformance vectors are signed by. Include after <stdio.h>, <stdlib.h> and "domainsig.h".
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

/* The whole file at `path`, NUL-terminated (`*len` excludes the NUL); exits 2 when it cannot. */
static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

#endif
