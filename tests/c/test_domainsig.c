/*
 * C tests of the domainsig ABI, linked against the shared library exactly as an installer would.
 * Usage: test_domainsig VECTORS_DIR   (the repository's tests/vectors)
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domainsig.h"
#include "check.h"

static const char *vectors;
#define HAPPY "conformance--happy-path-v0.3"

static char *read_file(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", vectors, dir, name);
    return slurp(path, len);
}

static domainsig_policy *make_policy(const char *json) {
    domainsig_policy *policy = NULL;
    domainsig_result *error = NULL;
    domainsig_status st = domainsig_policy_new((const uint8_t *)json, strlen(json), &policy, &error);
    CHECK_STATUS(st, DOMAINSIG_OK, error);
    domainsig_result_free(error);
    return policy;
}

static const char *POLICY_JSON =
    "{\"version\": 1, \"trusted_root\": \"public-good\","
    " \"identities\": [{\"issuer\": \"" ISSUER "\", \"san\": \"" SAN "\"}],"
    " \"domains\": {\"mode\": \"ignore\"}, \"subject\": {\"require_name\": false}}";

static char *bundle;
static size_t bundle_len;
static char *artifact;
static size_t artifact_len;
static char artifact_path[4096];
static char artifact_digest[128];

static domainsig_status verify(const domainsig_policy *policy, const domainsig_artifact *a,
                               const char *b, size_t blen, domainsig_result **result) {
    return domainsig_verify_bundle(policy, a, (const uint8_t *)b, blen, "pypi.org", result);
}

static void test_happy_path_three_ways(const domainsig_policy *policy) {
    domainsig_artifact by_bytes = {(const uint8_t *)artifact, artifact_len, NULL, NULL, NULL};
    domainsig_artifact by_path = {NULL, 0, artifact_path, NULL, NULL};
    domainsig_artifact by_digest = {NULL, 0, NULL, artifact_digest, NULL};
    const domainsig_artifact *ways[] = {&by_bytes, &by_path, &by_digest};
    for (size_t i = 0; i < 3; i++) {
        domainsig_result *r = NULL;
        domainsig_status st = verify(policy, ways[i], bundle, bundle_len, &r);
        CHECK_STATUS(st, DOMAINSIG_OK, r);
        CHECK(domainsig_result_status(r) == st, "result status agrees with return value");
        CHECK(strstr(domainsig_result_json(r), "\"status\":\"OK\"") != NULL, "json: %s",
              domainsig_result_json(r));
        domainsig_result_free(r);
    }
}

static void test_tampering(const domainsig_policy *policy) {
    domainsig_result *r = NULL;

    /* One flipped bit in the artifact: it is no longer what was signed. */
    char *copy = malloc(artifact_len);
    memcpy(copy, artifact, artifact_len);
    copy[0] ^= 1;
    domainsig_artifact a = {(const uint8_t *)copy, artifact_len, NULL, NULL, NULL};
    domainsig_status st = verify(policy, &a, bundle, bundle_len, &r);
    CHECK_STATUS(st, DOMAINSIG_ARTIFACT_MISMATCH, r);
    CHECK(strstr(domainsig_result_json(r), "\"field\":\"messageSignature.messageDigest\"") != NULL,
          "json names the field: %s", domainsig_result_json(r));
    domainsig_result_free(r);
    free(copy);

    /* One character of the signature's r value changed: still DER, no longer a valid signature. */
    char *b = malloc(bundle_len + 1);
    memcpy(b, bundle, bundle_len + 1);
    char *sig = strstr(b, "\"signature\": \"MEUCICYFq/4bTEdl");
    CHECK(sig != NULL, "the vector's signature is where the test expects it");
    if (sig) {
        sig[strlen("\"signature\": \"MEUCICYFq/4b")] = 'U';
        domainsig_artifact ok = {(const uint8_t *)artifact, artifact_len, NULL, NULL, NULL};
        st = verify(policy, &ok, b, bundle_len, &r);
        CHECK_STATUS(st, DOMAINSIG_SIGNATURE_INVALID, r);
        domainsig_result_free(r);
    }
    free(b);

    /* The right signer is required: another identity refuses the same, valid bundle. */
    domainsig_policy *other = make_policy(
        "{\"version\": 1, \"identities\": [{\"issuer\": \"" ISSUER "\","
        " \"san\": \"https://github.com/someone/else/.github/workflows/release.yml@refs/heads/main\"}],"
        " \"domains\": {\"mode\": \"ignore\"}, \"subject\": {\"require_name\": false}}");
    domainsig_artifact ok = {(const uint8_t *)artifact, artifact_len, NULL, NULL, NULL};
    st = verify(other, &ok, bundle, bundle_len, &r);
    CHECK_STATUS(st, DOMAINSIG_IDENTITY_MISMATCH, r);
    domainsig_result_free(r);
    domainsig_policy_free(other);

    /* Domain separation: this bundle declares no index it was signed for, so a policy that
     * requires signed domains refuses it, while the same policy with domains ignored accepts it. */
    domainsig_policy *strict = make_policy(
        "{\"version\": 1, \"identities\": [{\"issuer\": \"" ISSUER "\", \"san\": \"" SAN "\"}],"
        " \"domains\": {\"mode\": \"require\"}, \"subject\": {\"require_name\": false}}");
    st = verify(strict, &ok, bundle, bundle_len, &r);
    CHECK_STATUS(st, DOMAINSIG_DOMAIN_MISSING, r);
    domainsig_result_free(r);
    /* ... and it needs to know where the artifact came from. */
    st = domainsig_verify_bundle(strict, &ok, (const uint8_t *)bundle, bundle_len, NULL, &r);
    CHECK_STATUS(st, DOMAINSIG_INVALID_ARGUMENT, r);
    CHECK(strstr(domainsig_result_json(r), "\"field\":\"index_domain\"") != NULL, "names index_domain");
    domainsig_result_free(r);
    domainsig_policy_free(strict);
}

static void test_nulls(const domainsig_policy *policy) {
    domainsig_artifact a = {(const uint8_t *)artifact, artifact_len, NULL, NULL, NULL};
    domainsig_result *r = NULL;

    CHECK_STATUS(verify(policy, &a, bundle, bundle_len, NULL), DOMAINSIG_INVALID_ARGUMENT, NULL);

    struct {
        const domainsig_policy *p;
        const domainsig_artifact *a;
        const char *b;
        const char *field;
    } cases[] = {
        {NULL, &a, bundle, "\"field\":\"policy\""},
        {policy, NULL, bundle, "\"field\":\"artifact\""},
        {policy, &a, NULL, "\"field\":\"bundle\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = NULL;
        domainsig_status st = verify(cases[i].p, cases[i].a, cases[i].b, bundle_len, &r);
        CHECK_STATUS(st, DOMAINSIG_INVALID_ARGUMENT, r);
        CHECK(r && strstr(domainsig_result_json(r), cases[i].field), "case %zu names %s", i,
              cases[i].field);
        domainsig_result_free(r);
    }

    domainsig_artifact empty = {NULL, 0, NULL, NULL, NULL};
    domainsig_artifact both = {(const uint8_t *)artifact, artifact_len, artifact_path, NULL, NULL};
    domainsig_artifact null_data = {NULL, 5, NULL, NULL, NULL};
    const domainsig_artifact *bad[] = {&empty, &both, &null_data};
    for (size_t i = 0; i < 3; i++) {
        CHECK_STATUS(verify(policy, bad[i], bundle, bundle_len, &r), DOMAINSIG_INVALID_ARGUMENT, r);
        domainsig_result_free(r);
    }

    /* Invalid UTF-8 in a string argument. */
    domainsig_artifact named = {(const uint8_t *)artifact, artifact_len, NULL, NULL, "\xff\xfe"};
    CHECK_STATUS(verify(policy, &named, bundle, bundle_len, &r), DOMAINSIG_INVALID_ARGUMENT, r);
    domainsig_result_free(r);

    domainsig_policy *p = (domainsig_policy *)1;
    domainsig_result *e = NULL;
    CHECK_STATUS(domainsig_policy_new(NULL, 3, &p, &e), DOMAINSIG_INVALID_ARGUMENT, e);
    CHECK(p == NULL, "out is cleared on failure");
    CHECK(e && strstr(domainsig_result_json(e), "\"field\":\"json\""), "error names json");
    domainsig_result_free(e);
    CHECK_STATUS(domainsig_policy_new((const uint8_t *)"{}", 2, NULL, NULL),
                 DOMAINSIG_INVALID_ARGUMENT, NULL);

    CHECK_STATUS(domainsig_result_status(NULL), DOMAINSIG_INVALID_ARGUMENT, NULL);
    CHECK(domainsig_result_json(NULL) == NULL, "json of NULL is NULL");
    domainsig_result_free(NULL);
    domainsig_policy_free(NULL);
    CHECK_STATUS(domainsig_verify_many(policy, NULL, 0, NULL), DOMAINSIG_OK, NULL);
    CHECK_STATUS(domainsig_verify_many(policy, NULL, 2, NULL), DOMAINSIG_INVALID_ARGUMENT, NULL);
}

static void test_garbage(const domainsig_policy *policy) {
    domainsig_artifact a = {(const uint8_t *)artifact, artifact_len, NULL, NULL, NULL};
    domainsig_result *r = NULL;

    /* Deterministic pseudo-random bytes (an LCG), so a failure reproduces. */
    uint8_t noise[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof noise; i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (uint8_t)(x >> 16);
    }
    CHECK_STATUS(domainsig_verify_bundle(policy, &a, noise, sizeof noise, "pypi.org", &r),
                 DOMAINSIG_BUNDLE_MALFORMED, r);
    domainsig_result_free(r);
    CHECK_STATUS(domainsig_verify_bundle(policy, &a, noise, 0, "pypi.org", &r),
                 DOMAINSIG_BUNDLE_MALFORMED, r);
    domainsig_result_free(r);

    /* Every prefix of the real bundle: never a crash, never OK. */
    for (size_t n = 0; n < bundle_len; n += 97) {
        domainsig_status st = verify(policy, &a, bundle, n, &r);
        CHECK(st != DOMAINSIG_OK && st != DOMAINSIG_INTERNAL, "prefix %zu gave %s", n,
              domainsig_status_name((int)st));
        domainsig_result_free(r);
    }

    /* Far over the bundle size limit. */
    size_t big = 64u << 20;
    uint8_t *huge = calloc(big, 1);
    CHECK_STATUS(domainsig_verify_bundle(policy, &a, huge, big, "pypi.org", &r),
                 DOMAINSIG_LIMIT_EXCEEDED, r);
    domainsig_result_free(r);
    free(huge);

    domainsig_policy *p = NULL;
    domainsig_result *e = NULL;
    CHECK_STATUS(domainsig_policy_new(noise, sizeof noise, &p, &e), DOMAINSIG_POLICY_INVALID, e);
    CHECK(p == NULL, "no policy from garbage");
    domainsig_result_free(e);

    domainsig_artifact bad_digest = {NULL, 0, NULL, "sha256:nothex", NULL};
    CHECK_STATUS(verify(policy, &bad_digest, bundle, bundle_len, &r),
                 DOMAINSIG_ARTIFACT_UNREADABLE, r);
    domainsig_result_free(r);
    domainsig_artifact missing = {NULL, 0, "/nonexistent/domainsig/artifact", NULL, NULL};
    CHECK_STATUS(verify(policy, &missing, bundle, bundle_len, &r), DOMAINSIG_ARTIFACT_UNREADABLE,
                 r);
    domainsig_result_free(r);
}

static void test_names(void) {
    CHECK(strcmp(domainsig_status_name(DOMAINSIG_OK), "OK") == 0, "OK");
    CHECK(strcmp(domainsig_status_name(DOMAINSIG_DOMAIN_MISMATCH), "DOMAIN_MISMATCH") == 0, "43");
    CHECK(strcmp(domainsig_status_name(DOMAINSIG_INTERNAL), "INTERNAL") == 0, "99");
    CHECK(strcmp(domainsig_status_name(8), "UNKNOWN") == 0, "8 is no status");
    CHECK(strcmp(domainsig_status_name(-1), "UNKNOWN") == 0, "-1 is no status");
    CHECK(DOMAINSIG_DOMAIN_MISMATCH == 43 && DOMAINSIG_LIMIT_EXCEEDED == 90, "stable numbers");
    CHECK(strlen(domainsig_version()) > 0, "version");
}

static void test_many(const domainsig_policy *policy) {
    char *copy = malloc(artifact_len);
    memcpy(copy, artifact, artifact_len);
    copy[artifact_len - 1] ^= 1;
    domainsig_request reqs[6];
    for (size_t i = 0; i < 6; i++) {
        domainsig_artifact a = {(const uint8_t *)(i == 3 ? copy : artifact), artifact_len, NULL,
                                NULL, NULL};
        reqs[i].artifact = a;
        reqs[i].bundle = (const uint8_t *)bundle;
        reqs[i].bundle_len = bundle_len;
        reqs[i].index_domain = "pypi.org";
    }
    reqs[5].bundle = NULL;
    domainsig_result *results[6];
    domainsig_status st = domainsig_verify_many(policy, reqs, 6, results);
    CHECK_STATUS(st, DOMAINSIG_ARTIFACT_MISMATCH, results[3]);
    for (size_t i = 0; i < 6; i++) {
        domainsig_status want = i == 3   ? DOMAINSIG_ARTIFACT_MISMATCH
                                : i == 5 ? DOMAINSIG_INVALID_ARGUMENT
                                         : DOMAINSIG_OK;
        CHECK_STATUS(domainsig_result_status(results[i]), want, results[i]);
        domainsig_result_free(results[i]);
    }
    free(copy);
}

/* Four threads share one policy; each must see exactly the single-threaded answers. */
#define THREADS 4
#define ROUNDS 8

struct worker {
    const domainsig_policy *policy;
    const char *want_ok;
    const char *want_bad;
    int mismatches;
};

static void *work(void *arg) {
    struct worker *w = arg;
    char *copy = malloc(artifact_len);
    memcpy(copy, artifact, artifact_len);
    copy[0] ^= 1;
    for (int i = 0; i < ROUNDS; i++) {
        domainsig_artifact a = {(const uint8_t *)(i % 2 ? copy : artifact), artifact_len, NULL,
                                NULL, NULL};
        domainsig_result *r = NULL;
        verify(w->policy, &a, bundle, bundle_len, &r);
        if (strcmp(domainsig_result_json(r), i % 2 ? w->want_bad : w->want_ok) != 0)
            w->mismatches++;
        domainsig_result_free(r);
    }
    free(copy);
    return NULL;
}

static void test_threads(const domainsig_policy *policy) {
    domainsig_artifact ok = {(const uint8_t *)artifact, artifact_len, NULL, NULL, NULL};
    char *copy = malloc(artifact_len);
    memcpy(copy, artifact, artifact_len);
    copy[0] ^= 1;
    domainsig_artifact bad = {(const uint8_t *)copy, artifact_len, NULL, NULL, NULL};
    domainsig_result *r_ok = NULL, *r_bad = NULL;
    verify(policy, &ok, bundle, bundle_len, &r_ok);
    verify(policy, &bad, bundle, bundle_len, &r_bad);
    CHECK(domainsig_result_status(r_ok) != domainsig_result_status(r_bad),
          "the two reference answers differ");

    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        workers[t].policy = policy;
        workers[t].want_ok = domainsig_result_json(r_ok);
        workers[t].want_bad = domainsig_result_json(r_bad);
        workers[t].mismatches = 0;
        CHECK(pthread_create(&threads[t], NULL, work, &workers[t]) == 0, "thread %d starts", t);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        CHECK(workers[t].mismatches == 0, "thread %d saw %d different answers", t,
              workers[t].mismatches);
    }
    domainsig_result_free(r_ok);
    domainsig_result_free(r_bad);
    free(copy);
}

/* An artifact path is bounded like every other input: a device or a FIFO is refused at once. */
static void test_endless_artifact_paths(const domainsig_policy *policy) {
    char dir[] = "/tmp/domainsig-c-XXXXXX";
    char fifo[64];
    CHECK(mkdtemp(dir) != NULL, "temporary folder");
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
    const char *paths[] = {"/dev/zero", "/dev/urandom", fifo};
    for (size_t i = 0; i < 3; i++) {
        domainsig_artifact a = {NULL, 0, paths[i], NULL, NULL};
        domainsig_result *r = NULL;
        CHECK_STATUS(verify(policy, &a, bundle, bundle_len, &r), DOMAINSIG_ARTIFACT_UNREADABLE, r);
        CHECK(r && strstr(domainsig_result_json(r), "expected a regular file"), "%s: %s", paths[i],
              r ? domainsig_result_json(r) : "(none)");
        domainsig_result_free(r);
    }
    unlink(fifo);
    rmdir(dir);
}

/* results overlapping requests is refused before anything is written; a batch is bounded. */
static void test_many_bounds(const domainsig_policy *policy) {
    domainsig_request reqs[3];
    memset(reqs, 0, sizeof reqs);
    for (int i = 0; i < 3; i++) {
        reqs[i].artifact.digest = artifact_digest;
        reqs[i].bundle = (const uint8_t *)bundle;
        reqs[i].bundle_len = bundle_len;
        reqs[i].index_domain = "pypi.org";
    }
    domainsig_request before[3];
    memcpy(before, reqs, sizeof reqs);
    CHECK_STATUS(domainsig_verify_many(policy, reqs, 3, (domainsig_result **)(void *)reqs),
                 DOMAINSIG_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(domainsig_verify_many(policy, reqs, 3, (domainsig_result **)(void *)&reqs[2]),
                 DOMAINSIG_INVALID_ARGUMENT, NULL);
    CHECK(memcmp(before, reqs, sizeof reqs) == 0, "the requests are untouched");
    domainsig_result *results[3];
    CHECK_STATUS(domainsig_verify_many(policy, reqs, 3, results), DOMAINSIG_OK, results[0]);
    for (int i = 0; i < 3; i++) domainsig_result_free(results[i]);

    size_t n = 10001; /* src/limits.rs MAX_BATCH + 1 */
    domainsig_request *many = calloc(n, sizeof *many);
    domainsig_result **out = calloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++) many[i] = reqs[0];
    for (size_t i = 0; i < n; i++) out[i] = (domainsig_result *)(void *)many;
    CHECK_STATUS(domainsig_verify_many(policy, many, n, out), DOMAINSIG_LIMIT_EXCEEDED, NULL);
    size_t nulls = 0;
    for (size_t i = 0; i < n; i++) nulls += out[i] == NULL;
    CHECK(nulls == n, "every result is NULL after a refused batch (%zu of %zu)", nulls, n);
    free(many);
    free(out);
}

/* A policy file's relative paths resolve against its folder, whatever the working directory. */
static void test_policy_from_file(void) {
    char dir[] = "/tmp/domainsig-c-XXXXXX";
    char path[256], root[256];
    CHECK(mkdtemp(dir) != NULL, "temporary folder");
    size_t len;
    char *text = read_file("_roots", "public-good-production.trusted_root.json", &len);
    snprintf(root, sizeof root, "%s/root.json", dir);
    FILE *f = fopen(root, "wb");
    CHECK(f && fwrite(text, 1, len, f) == len, "write %s", root);
    if (f) fclose(f);
    free(text);
    snprintf(path, sizeof path, "%s/policy.json", dir);
    const char *json =
        "{\"version\": 1, \"trusted_root\": {\"path\": \"root.json\"},"
        " \"identities\": [{\"issuer\": \"" ISSUER "\", \"san\": \"" SAN "\"}],"
        " \"domains\": {\"mode\": \"ignore\"}, \"subject\": {\"require_name\": false}}";
    f = fopen(path, "wb");
    CHECK(f && fwrite(json, 1, strlen(json), f) == strlen(json), "write %s", path);
    if (f) fclose(f);

    domainsig_policy *p = NULL;
    domainsig_result *e = NULL;
    CHECK_STATUS(domainsig_policy_from_file(path, &p, &e), DOMAINSIG_OK, e);
    if (p) {
        domainsig_artifact a = {(const uint8_t *)artifact, artifact_len, NULL, NULL, NULL};
        domainsig_result *r = NULL;
        CHECK_STATUS(verify(p, &a, bundle, bundle_len, &r), DOMAINSIG_OK, r);
        domainsig_result_free(r);
    }
    domainsig_policy_free(p);
    domainsig_result_free(e);
    /* The same text from memory resolves against the working directory (no root.json there). */
    p = NULL;
    e = NULL;
    CHECK_STATUS(domainsig_policy_new((const uint8_t *)json, strlen(json), &p, &e),
                 DOMAINSIG_INPUT_UNREADABLE, e);
    domainsig_result_free(e);
    CHECK_STATUS(domainsig_policy_from_file("/dev/zero", &p, &e), DOMAINSIG_LIMIT_EXCEEDED, e);
    CHECK(p == NULL && e && strstr(domainsig_result_json(e), "\"field\":\"path\""), "names path");
    domainsig_result_free(e);
    CHECK_STATUS(domainsig_policy_from_file(NULL, &p, &e), DOMAINSIG_INVALID_ARGUMENT, e);
    domainsig_result_free(e);
    unlink(root);
    unlink(path);
    rmdir(dir);
}

/* The real GitLab-published sdist: its publisher in the result JSON, pinned back, and min_age
 * against its verified signing time (2024-11-19) at the library's clock. */
#define GITLAB "pypi-attestations--gitlab_oidc_project-0.0.3-publish"
#define GITLAB_PUBLISHER                                                                           \
    "{\"kind\":\"GitLab\",\"repository\":\"facutuesca/gitlab-oidc-project\","                    \
    "\"workflow_filepath\":\".gitlab-ci.yml\"}"
static void test_publisher_and_min_age(void) {
    size_t blen, alen;
    char *b = read_file(GITLAB, "bundle.sigstore.json", &blen);
    char *a = read_file(GITLAB, "artifact", &alen);
    domainsig_artifact art = {(const uint8_t *)a, alen, NULL, NULL, NULL};
    const char *ages[] = {"30d", "36500d"};
    const domainsig_status want[] = {DOMAINSIG_OK, DOMAINSIG_TOO_RECENT};
    for (size_t i = 0; i < 2; i++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"version\": 1, \"publishers\": [" GITLAB_PUBLISHER "], \"min_age\": \"%s\","
                 " \"domains\": {\"mode\": \"ignore\"}, \"subject\": {\"require_name\": false}}",
                 ages[i]);
        domainsig_policy *p = make_policy(json);
        if (!p) continue;
        domainsig_result *r = NULL;
        domainsig_status st = verify(p, &art, b, blen, &r);
        CHECK_STATUS(st, want[i], r);
        CHECK(strstr(domainsig_result_json(r), "\"publisher\":" GITLAB_PUBLISHER) != NULL, "json: %s",
              domainsig_result_json(r));
        if (st == DOMAINSIG_TOO_RECENT)
            CHECK(strstr(domainsig_result_json(r), "2024-11-19T17:37:00Z") != NULL, "names the time: %s",
                  domainsig_result_json(r));
        domainsig_result_free(r);
        domainsig_policy_free(p);
    }
    /* Another repository's pin refuses it. */
    domainsig_policy *other = make_policy(
        "{\"version\": 1, \"publishers\": [{\"kind\": \"GitLab\", \"repository\": \"facutuesca/other\","
        " \"workflow_filepath\": \".gitlab-ci.yml\"}], \"domains\": {\"mode\": \"ignore\"},"
        " \"subject\": {\"require_name\": false}}");
    if (other) {
        domainsig_result *r = NULL;
        CHECK_STATUS(verify(other, &art, b, blen, &r), DOMAINSIG_IDENTITY_MISMATCH, r);
        domainsig_result_free(r);
        domainsig_policy_free(other);
    }
    free(b);
    free(a);
}

/* A file with no attestation: the one rule every gate asks the library about. */
static void test_judge_unattested(void) {
    domainsig_policy *open = make_policy(
        "{\"version\": 1, \"first_sight\": true, \"domains\": {\"mode\": \"warn\"},"
        " \"packages\": {\"attrs\": {\"min_age\": \"1d\"}}}");
    domainsig_policy *strict = make_policy(
        "{\"version\": 1, \"first_sight\": true, \"domains\": {\"mode\": \"warn\"}, \"min_age\": \"3d\"}");
    if (!open || !strict) return;
    domainsig_result *r = NULL;
    /* Nothing asks for provenance of left-pad: OK, with the warning to show. (Names here are a
       purl and bare project names: a wheel name would compile the library's static PEP 440 regex,
       which valgrind reports as "possibly lost".) */
    CHECK_STATUS(domainsig_policy_judge_unattested(open, "pkg:npm/left-pad@1.3.0", "registry.npmjs.org", &r),
                 DOMAINSIG_OK, r);
    CHECK(r && strstr(domainsig_result_json(r), "\"warnings\":[\"left-pad, fetched from registry.npmjs.org"),
          "warns: %s", r ? domainsig_result_json(r) : "(null)");
    domainsig_result_free(r);
    /* A file no index listed (NULL index domain) is judged too. */
    CHECK_STATUS(domainsig_policy_judge_unattested(open, "requests", NULL, &r), DOMAINSIG_OK, r);
    domainsig_result_free(r);
    /* packages["attrs"] asks: refused, naming the entry. */
    CHECK_STATUS(domainsig_policy_judge_unattested(open, "Attrs", "pypi.org", &r),
                 DOMAINSIG_ATTESTATION_MISSING, r);
    CHECK(r && strstr(domainsig_result_json(r), "\"field\":\"packages[\\\"attrs\\\"]\""), "names the entry: %s",
          r ? domainsig_result_json(r) : "(null)");
    domainsig_result_free(r);
    /* min_age asks of every package (only an attestation gives a verified time). */
    CHECK_STATUS(domainsig_policy_judge_unattested(strict, "requests", "pypi.org", &r),
                 DOMAINSIG_ATTESTATION_MISSING, r);
    CHECK(r && strstr(domainsig_result_json(r), "min_age 3d"), "names min_age: %s",
          r ? domainsig_result_json(r) : "(null)");
    domainsig_result_free(r);
    /* Hostile or missing arguments. */
    CHECK_STATUS(domainsig_policy_judge_unattested(open, "requests", "*.pypi.org", &r), DOMAINSIG_DOMAIN_INVALID, r);
    domainsig_result_free(r);
    CHECK_STATUS(domainsig_policy_judge_unattested(NULL, "requests", "pypi.org", &r), DOMAINSIG_INVALID_ARGUMENT, r);
    CHECK(r && strstr(domainsig_result_json(r), "\"field\":\"policy\""), "names policy");
    domainsig_result_free(r);
    CHECK_STATUS(domainsig_policy_judge_unattested(open, NULL, "pypi.org", &r), DOMAINSIG_INVALID_ARGUMENT, r);
    CHECK(r && strstr(domainsig_result_json(r), "\"field\":\"name\""), "names name");
    domainsig_result_free(r);
    CHECK_STATUS(domainsig_policy_judge_unattested(open, "\xff", "pypi.org", &r), DOMAINSIG_INVALID_ARGUMENT, r);
    domainsig_result_free(r);
    CHECK_STATUS(domainsig_policy_judge_unattested(open, "requests", "pypi.org", NULL), DOMAINSIG_INVALID_ARGUMENT,
                 NULL);
    domainsig_policy_free(open);
    domainsig_policy_free(strict);
}

int main(int argc, char **argv) {
    vectors = argc > 1 ? argv[1] : getenv("DOMAINSIG_VECTORS");
    if (!vectors) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    bundle = read_file(HAPPY, "bundle.sigstore.json", &bundle_len);
    artifact = read_file(HAPPY, "artifact", &artifact_len);
    size_t n;
    char *hex = read_file(HAPPY, "artifact.sha256", &n);
    hex[strcspn(hex, " \r\n")] = '\0';
    snprintf(artifact_digest, sizeof artifact_digest, "sha256:%s", hex);
    free(hex);
    snprintf(artifact_path, sizeof artifact_path, "%s/%s/artifact", vectors, HAPPY);

    domainsig_policy *policy = make_policy(POLICY_JSON);
    if (!policy) return 1;

    test_names();
    test_nulls(policy);
    test_garbage(policy);
    test_tampering(policy);
    test_happy_path_three_ways(policy);
    test_many(policy);
    test_threads(policy);
    test_endless_artifact_paths(policy);
    test_many_bounds(policy);
    test_policy_from_file();
    test_publisher_and_min_age();
    test_judge_unattested();

    domainsig_policy_free(policy);
    free(bundle);
    free(artifact);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
