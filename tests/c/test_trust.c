/*
 * C tests of the trust-update door: a TUF repository served over HTTP on 127.0.0.1 by the test
 * script, fetched through a callback (a minimal blocking HTTP/1.0 client over a POSIX socket, as an
 * installer would plug in libcurl), then a real bundle verified with a {"tuf": ...} policy.
 *
 * Usage: test_trust PORT WORK_DIR VECTORS_DIR
 *   the server on 127.0.0.1:PORT serves WORK_DIR/served, which holds doors/ (tests/tuf/doors) and
 *   public-good/ (Sigstore's real 2026-08-21 state), plus publisher-map/ (tests/tuf/publisher-map,
 *   read as a local directory); caches go under WORK_DIR.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "domainsig.h"
#include "check.h"

static int port;

/* What the fetch callbacks saw: how many URLs, how many answered 404. */
typedef struct {
    int calls;
    int not_found;
} http_stats;

/* GETs http://127.0.0.1:PORT/path into the reply, chunk by chunk. */
static int32_t http_fetch(void *user_data, const char *url, size_t max_len,
                          domainsig_fetch_reply *reply) {
    http_stats *stats = user_data;
    stats->calls++;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "http://127.0.0.1:%d/", port);
    if (strncmp(url, prefix, strlen(prefix)) != 0) {
        domainsig_fetch_reply_fail(reply, "this test only fetches from its own server");
        return DOMAINSIG_FETCH_FAILED;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (fd >= 0) close(fd);
        domainsig_fetch_reply_fail(reply, "cannot connect to 127.0.0.1");
        return DOMAINSIG_FETCH_FAILED;
    }
    char req[4096];
    int n = snprintf(req, sizeof req, "GET /%s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", url + strlen(prefix));
    if (n < 0 || (size_t)n >= sizeof req || write(fd, req, (size_t)n) != n) {
        close(fd);
        return DOMAINSIG_FETCH_FAILED;
    }
    /* Headers first (up to 16 KiB), then the body straight into the reply. */
    char head[16384];
    size_t got = 0;
    char *body = NULL;
    while (!body && got < sizeof head - 1) {
        ssize_t r = read(fd, head + got, sizeof head - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
        head[got] = '\0';
        body = strstr(head, "\r\n\r\n");
    }
    int code = 0;
    if (!body || sscanf(head, "HTTP/%*d.%*d %d", &code) != 1) {
        close(fd);
        domainsig_fetch_reply_fail(reply, "malformed HTTP response");
        return DOMAINSIG_FETCH_FAILED;
    }
    body += 4;
    if (code == 404 || code == 403) {
        close(fd);
        stats->not_found++;
        return DOMAINSIG_FETCH_NOT_FOUND;
    }
    if (code != 200) {
        close(fd);
        char msg[64];
        snprintf(msg, sizeof msg, "HTTP %d", code);
        domainsig_fetch_reply_fail(reply, msg);
        return DOMAINSIG_FETCH_FAILED;
    }
    domainsig_status st = domainsig_fetch_reply_set(reply, (const uint8_t *)body, got - (size_t)(body - head));
    char buf[65536];
    ssize_t r;
    while (st == DOMAINSIG_OK && (r = read(fd, buf, sizeof buf)) > 0)
        st = domainsig_fetch_reply_append(reply, (const uint8_t *)buf, (size_t)r);
    close(fd);
    (void)max_len; /* the library enforces it through set/append */
    return st == DOMAINSIG_OK ? DOMAINSIG_FETCH_BYTES : DOMAINSIG_FETCH_FAILED;
}

/* Callbacks that misbehave in each way a host could. */
static int32_t fails_with_message(void *u, const char *url, size_t max_len, domainsig_fetch_reply *reply) {
    (void)u, (void)url, (void)max_len;
    CHECK(domainsig_fetch_reply_fail(reply, "proxy said no") == DOMAINSIG_OK, "fail");
    return 7; /* any value but 0 and 1 */
}

static int32_t claims_bytes_without_any(void *u, const char *url, size_t max_len, domainsig_fetch_reply *reply) {
    (void)u, (void)url, (void)max_len, (void)reply;
    return DOMAINSIG_FETCH_BYTES;
}

static int32_t offers_too_much(void *u, const char *url, size_t max_len, domainsig_fetch_reply *reply) {
    (void)u, (void)url;
    static const uint8_t byte = '{';
    /* The length alone is refused before a byte is read, so one real byte is enough to offer. */
    CHECK(domainsig_fetch_reply_set(reply, &byte, max_len + 1) == DOMAINSIG_LIMIT_EXCEEDED, "over max_len");
    /* A refused fetch stays refused, even if the host then offers something small. */
    CHECK(domainsig_fetch_reply_set(reply, &byte, 1) == DOMAINSIG_LIMIT_EXCEEDED, "sticky");
    return DOMAINSIG_FETCH_BYTES;
}

static int32_t returns_garbage(void *u, const char *url, size_t max_len, domainsig_fetch_reply *reply) {
    (void)u, (void)url, (void)max_len;
    CHECK(domainsig_fetch_reply_set(reply, NULL, 5) == DOMAINSIG_INVALID_ARGUMENT, "NULL data with a length");
    CHECK(domainsig_fetch_reply_set(NULL, NULL, 0) == DOMAINSIG_INVALID_ARGUMENT, "NULL reply");
    CHECK(domainsig_fetch_reply_fail(reply, NULL) == DOMAINSIG_INVALID_ARGUMENT, "NULL message");
    return -123456;
}

/* Keeps its reply handle past its return, as a buggy host might (in a struct it reuses later). */
static int32_t keeps_the_reply(void *u, const char *url, size_t max_len, domainsig_fetch_reply *reply) {
    (void)url, (void)max_len;
    *(domainsig_fetch_reply **)u = reply;
    return DOMAINSIG_FETCH_FAILED;
}

static char config[4096];
static char policy_json[16384];

static domainsig_status update(domainsig_fetch_fn fetch, void *user_data, char *json_out, size_t cap) {
    domainsig_result *result = NULL;
    domainsig_status st = domainsig_trust_update((const uint8_t *)config, strlen(config), fetch, user_data, &result);
    CHECK(result != NULL, "a result always comes back");
    CHECK(domainsig_result_status(result) == st, "result status matches");
    if (json_out) snprintf(json_out, cap, "%s", domainsig_result_json(result));
    domainsig_result_free(result);
    return st;
}

static domainsig_status verify_happy_path(const char *vectors, char *json_out, size_t cap) {
    char path[4096];
    size_t bundle_len, artifact_len;
    snprintf(path, sizeof path, "%s/conformance--happy-path-v0.3/bundle.sigstore.json", vectors);
    char *bundle = slurp(path, &bundle_len);
    snprintf(path, sizeof path, "%s/conformance--happy-path-v0.3/artifact", vectors);
    char *artifact = slurp(path, &artifact_len);
    domainsig_policy *policy = NULL;
    domainsig_result *result = NULL;
    domainsig_status st = domainsig_policy_new((const uint8_t *)policy_json, strlen(policy_json), &policy, &result);
    if (st == DOMAINSIG_OK) {
        domainsig_artifact a = {(const uint8_t *)artifact, artifact_len, NULL, NULL, NULL};
        st = domainsig_verify_bundle(policy, &a, (const uint8_t *)bundle, bundle_len, "pypi.org", &result);
    }
    snprintf(json_out, cap, "%s", result ? domainsig_result_json(result) : "(none)");
    domainsig_result_free(result);
    domainsig_policy_free(policy);
    free(bundle);
    free(artifact);
    return st;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: test_trust PORT WORK_DIR VECTORS_DIR\n");
        return 2;
    }
    port = atoi(argv[1]);
    const char *work = argv[2], *vectors = argv[3];
    static char json[65536];
    const char *fmt = "{\"tuf\": {\"repo\": \"http://127.0.0.1:%d/%s\", \"root\": \"%s/served/%s\"}, \"cache\": \"%s/%s\"}";

    /* Before any update, a {"tuf": ...} policy fails closed: nothing verified is cached. */
    snprintf(config, sizeof config, fmt, port, "doors", work, "doors/1.root.json", work, "cache");
    snprintf(policy_json, sizeof policy_json,
             "{\"version\": 1, \"trusted_root\": %s, \"identities\": [{\"issuer\": \"" ISSUER "\", \"san\": \"" SAN
             "\"}], \"domains\": {\"mode\": \"ignore\"}, \"subject\": {\"require_name\": false}}",
             config);
    domainsig_status st = verify_happy_path(vectors, json, sizeof json);
    CHECK(st == DOMAINSIG_TUF_MISSING, "policy before update: %s", json);

    /* Update through the callback: the root chain ends on a 404 for 2.root.json. */
    http_stats stats = {0, 0};
    st = update(http_fetch, &stats, json, sizeof json);
    CHECK(st == DOMAINSIG_OK, "update: %s", json);
    CHECK(strstr(json, "\"report\"") && strstr(json, "trusted_root.json"), "report names the target: %s", json);
    CHECK(stats.calls >= 4 && stats.not_found >= 1, "fetched %d URLs, %d not found", stats.calls, stats.not_found);

    domainsig_result *result = NULL;
    st = domainsig_trust_status((const uint8_t *)config, strlen(config), &result);
    CHECK_STATUS(st, DOMAINSIG_OK, result);
    CHECK(strstr(domainsig_result_json(result), "\"timestamp\""), "status lists roles: %s", domainsig_result_json(result));
    domainsig_result_free(result);

    /* The verified trusted_root.json now verifies a real bundle. */
    st = verify_happy_path(vectors, json, sizeof json);
    CHECK(st == DOMAINSIG_OK, "verify with the TUF trust root: %s", json);

    /* A second update fetches again and keeps the same state. */
    st = update(http_fetch, &stats, json, sizeof json);
    CHECK(st == DOMAINSIG_OK, "second update: %s", json);

    /* Each way a host can fail is an error with a message, never a crash, and the cache stays. */
    struct {
        domainsig_fetch_fn fn;
        domainsig_status want;
        const char *says;
    } bad[] = {
        {fails_with_message, DOMAINSIG_TUF_FETCH, "proxy said no"},
        {claims_bytes_without_any, DOMAINSIG_TUF_FETCH, "without supplying any"},
        {offers_too_much, DOMAINSIG_TUF_FETCH, "at most"},
        {returns_garbage, DOMAINSIG_TUF_FETCH, "returned -123456"},
        {NULL, DOMAINSIG_TUF_FETCH, "no fetch callback"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st = update(bad[i].fn, NULL, json, sizeof json);
        CHECK(st == bad[i].want, "bad host %zu: %s", i, json);
        CHECK(strstr(json, bad[i].says) != NULL, "bad host %zu says %s: %s", i, bad[i].says, json);
    }
    st = verify_happy_path(vectors, json, sizeof json);
    CHECK(st == DOMAINSIG_OK, "cache kept after refused updates: %s", json);

    /* A reply handle used after its callback returned is refused, never followed (it pointed at
     * the update's stack: valgrind saw an invalid read). */
    domainsig_fetch_reply *stale = NULL;
    st = update(keeps_the_reply, &stale, json, sizeof json);
    CHECK(st == DOMAINSIG_TUF_FETCH && stale != NULL, "kept a handle: %s", json);
    static const uint8_t late[] = "late bytes";
    CHECK(domainsig_fetch_reply_set(stale, late, sizeof late) == DOMAINSIG_INVALID_ARGUMENT, "stale set");
    CHECK(domainsig_fetch_reply_append(stale, late, sizeof late) == DOMAINSIG_INVALID_ARGUMENT, "stale append");
    CHECK(domainsig_fetch_reply_fail(stale, "late") == DOMAINSIG_INVALID_ARGUMENT, "stale fail");

    /* Sigstore's real repository as of 2026-08-21, bootstrapped from its root v12 (tough refuses
     * v10 and v11, whose key IDs are not their keys' hashes): the walk reaches root v15, which
     * expired on 2026-11-20, so the update fails closed. */
    snprintf(config, sizeof config, fmt, port, "public-good", work, "public-good/12.root.json", work, "cache-real");
    stats.calls = stats.not_found = 0;
    st = update(http_fetch, &stats, json, sizeof json);
    CHECK(st == DOMAINSIG_TUF_EXPIRED, "expired real state: %s", json);
    CHECK(stats.calls >= 3, "walked the real root chain: %d fetches", stats.calls);

    /* A publisher map (tests/tuf/publisher-map, copied to WORK_DIR/served by the script, read as a
     * local directory: no fetch callback) that names
     * sigstore's publisher for registry.npmjs.org: a file of sigstore without attestations from
     * that registry is refused, naming the map; one of a project the map makes no claim about, or
     * from another registry, passes with a warning (first_sight on). */
    char map_repo[1024];
    snprintf(map_repo, sizeof map_repo, "%s/served/publisher-map", work);
    snprintf(config, sizeof config,
             "{\"tuf\": {\"repo\": \"%s\", \"root\": \"%s/1.root.json\"}, \"cache\": \"%s/cache-map\","
             " \"search\": {\"index\": \"registry.npmjs.org\", \"packages\": [\"sigstore\", \"left-pad\"],"
             " \"ecosystem\": \"npm\"}}",
             map_repo, map_repo, work);
    st = update(NULL, NULL, json, sizeof json);
    CHECK(st == DOMAINSIG_OK, "map update: %s", json);
    snprintf(policy_json, sizeof policy_json,
             "{\"version\": 1, \"trusted_root\": \"public-good\", \"first_sight\": true,"
             " \"domains\": {\"mode\": \"warn\"}, \"publishers_from\": [{\"tuf\": {\"repo\": \"%s\","
             " \"root\": \"%s/1.root.json\"}, \"cache\": \"%s/cache-map\", \"index\": \"registry.npmjs.org\"}]}",
             map_repo, map_repo, work);
    domainsig_policy *mapped = NULL;
    result = NULL;
    st = domainsig_policy_new((const uint8_t *)policy_json, strlen(policy_json), &mapped, &result);
    CHECK_STATUS(st, DOMAINSIG_OK, result);
    domainsig_result_free(result);
    if (mapped) {
        result = NULL;
        st = domainsig_policy_judge_unattested(mapped, "pkg:npm/sigstore@1.0.0", "registry.npmjs.org", &result);
        CHECK_STATUS(st, DOMAINSIG_ATTESTATION_MISSING, result);
        CHECK(result && strstr(domainsig_result_json(result), "the publisher map of registry.npmjs.org") &&
                  strstr(domainsig_result_json(result), "registry.npmjs.org/publishers/sigstore.json"),
              "names the map and its entry: %s", result ? domainsig_result_json(result) : "(none)");
        domainsig_result_free(result);
        result = NULL;
        st = domainsig_policy_judge_unattested(mapped, "pkg:npm/left-pad@1.3.0", "registry.npmjs.org", &result);
        CHECK_STATUS(st, DOMAINSIG_OK, result);
        CHECK(result && strstr(domainsig_result_json(result), "makes no claim about left-pad"), "no claim: %s",
              result ? domainsig_result_json(result) : "(none)");
        domainsig_result_free(result);
        result = NULL;
        st = domainsig_policy_judge_unattested(mapped, "pkg:npm/sigstore@1.0.0", "npm.other.example", &result);
        CHECK_STATUS(st, DOMAINSIG_OK, result);
        domainsig_result_free(result);
        domainsig_policy_free(mapped);
    }

    /* Argument errors. */
    CHECK(domainsig_trust_update((const uint8_t *)config, strlen(config), http_fetch, &stats, NULL) ==
              DOMAINSIG_INVALID_ARGUMENT, "NULL result");
    result = NULL;
    st = domainsig_trust_update(NULL, 3, http_fetch, &stats, &result);
    CHECK_STATUS(st, DOMAINSIG_INVALID_ARGUMENT, result);
    CHECK(strstr(domainsig_result_json(result), "config_json") != NULL, "names the argument");
    domainsig_result_free(result);
    st = domainsig_trust_status((const uint8_t *)"{\"tuf\": 5}", 10, &result);
    CHECK_STATUS(st, DOMAINSIG_POLICY_INVALID, result);
    domainsig_result_free(result);

    printf("test_trust: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
