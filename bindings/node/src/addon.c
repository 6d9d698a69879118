/*
 * N-API addon over libdomainsig's C ABI. Deliberately thin: index.js normalises arguments, this
 * file moves bytes across and runs verifications on the libuv pool (napi_create_async_work).
 *
 * Native functions (all arguments already normalised by index.js):
 *   policyNew(json: string) -> External | {status, json}
 *   policyFromFile(path: string) -> External | {status, json}
 *     (index.js turns the {status, json} refusal into the VerificationError it throws)
 *   verifySync(policy, item) -> {status, json}
 *   verify(policy, item) -> Promise<{status, json}>
 *   verifyMany(policy, items[]) -> Promise<[{status, json}]>
 *   judgeUnattested(policy, name: string, indexDomain: string|null) -> {status, json}
 *     (domainsig_policy_judge_unattested: a file with no attestation; no cryptography, so synchronous)
 *   statusName(n: number) -> string, version() -> string
 *   trustUpdate / trustStatus: see src/trust.c
 * where item = [kind (0 bytes, 1 path, 2 digest), value (Buffer|string), name|null, bundle: Buffer,
 *               indexDomain|null].
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "domainsig.h"

#define CALL(env, call, ret)                                                                       \
    do {                                                                                           \
        if ((call) != napi_ok) {                                                                   \
            throw_last(env);                                                                       \
            return ret;                                                                            \
        }                                                                                          \
    } while (0)

static void throw_last(napi_env env) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) return;
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info);
    napi_throw_error(env, "ERR_DOMAINSIG_NAPI",
                     info && info->error_message ? info->error_message : "N-API call failed");
}

/* One verification's inputs (owned copies of strings; buffers pinned by references) and output.
 * index.js hands the asynchronous calls Buffers it copied at call time and never exposes, so
 * what the pool thread reads here cannot be written, transferred or detached by the caller. */
typedef struct {
    domainsig_artifact artifact;
    char *owned_str;  /* path or digest */
    char *name;
    const uint8_t *bundle;
    size_t bundle_len;
    char *index_domain;
    napi_ref pins[2]; /* the artifact Buffer (if any) and the bundle Buffer */
    domainsig_result *result;
} item_t;

static void item_release(napi_env env, item_t *it) {
    for (int i = 0; i < 2; i++)
        if (it->pins[i]) napi_delete_reference(env, it->pins[i]);
    free(it->owned_str);
    free(it->name);
    free(it->index_domain);
    domainsig_result_free(it->result);
    memset(it, 0, sizeof *it);
}

/* A JS string as a malloc'd C string; NULL for null/undefined. Refuses embedded NULs. */
static bool get_string(napi_env env, napi_value v, char **out, const char *what) {
    *out = NULL;
    napi_valuetype t;
    if (napi_typeof(env, v, &t) != napi_ok) return false;
    if (t == napi_null || t == napi_undefined) return true;
    if (t != napi_string) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
        return false;
    }
    size_t len = 0;
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return false;
    char *buf = malloc(len + 1);
    if (!buf || napi_get_value_string_utf8(env, v, buf, len + 1, &len) != napi_ok) {
        free(buf);
        napi_throw_error(env, "ERR_DOMAINSIG_NAPI", "out of memory");
        return false;
    }
    if (strlen(buf) != len) {
        free(buf);
        napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", what);
        return false;
    }
    *out = buf;
    return true;
}

static bool get_buffer(napi_env env, napi_value v, const uint8_t **data, size_t *len, napi_ref *pin,
                       const char *what) {
    bool is_buffer = false;
    napi_is_buffer(env, v, &is_buffer);
    if (!is_buffer) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
        return false;
    }
    void *p = NULL;
    if (napi_get_buffer_info(env, v, &p, len) != napi_ok) return false;
    /* An empty Buffer may have a NULL data pointer; the C ABI wants non-NULL for "given". */
    static const uint8_t empty[1] = {0};
    *data = p ? p : empty;
    return napi_create_reference(env, v, 1, pin) == napi_ok;
}

static bool read_item(napi_env env, napi_value arr, item_t *it) {
    memset(it, 0, sizeof *it);
    napi_value kind_v, value, name, bundle, domain;
    int32_t kind = -1;
    if (napi_get_element(env, arr, 0, &kind_v) != napi_ok ||
        napi_get_value_int32(env, kind_v, &kind) != napi_ok ||
        napi_get_element(env, arr, 1, &value) != napi_ok ||
        napi_get_element(env, arr, 2, &name) != napi_ok ||
        napi_get_element(env, arr, 3, &bundle) != napi_ok ||
        napi_get_element(env, arr, 4, &domain) != napi_ok) {
        throw_last(env);
        return false;
    }
    if (kind == 0) {
        if (!get_buffer(env, value, &it->artifact.data, &it->artifact.len, &it->pins[0],
                        "artifact must be a Buffer"))
            return false;
    } else if (kind == 1 || kind == 2) {
        if (!get_string(env, value, &it->owned_str, "artifact: expected a string without NUL characters")) return false;
        if (!it->owned_str) {
            napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "artifact is required");
            return false;
        }
        if (kind == 1)
            it->artifact.path = it->owned_str;
        else
            it->artifact.digest = it->owned_str;
    } else {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "unknown artifact kind");
        return false;
    }
    if (!get_string(env, name, &it->name, "name: expected a string without NUL characters")) return false;
    it->artifact.name = it->name;
    if (!get_buffer(env, bundle, &it->bundle, &it->bundle_len, &it->pins[1],
                    "bundle must be a Buffer"))
        return false;
    return get_string(env, domain, &it->index_domain, "indexDomain: expected a string without NUL characters");
}

static napi_value result_object(napi_env env, const domainsig_result *r) {
    napi_value obj, status, json;
    const char *text = domainsig_result_json(r);
    CALL(env, napi_create_object(env, &obj), NULL);
    CALL(env, napi_create_int32(env, (int32_t)domainsig_result_status(r), &status), NULL);
    CALL(env, napi_create_string_utf8(env, text ? text : "{}", NAPI_AUTO_LENGTH, &json), NULL);
    CALL(env, napi_set_named_property(env, obj, "status", status), NULL);
    CALL(env, napi_set_named_property(env, obj, "json", json), NULL);
    return obj;
}

static void policy_finalize(napi_env env, void *data, void *hint) {
    (void)env;
    (void)hint;
    domainsig_policy_free(data);
}

/* Tags our policy handles, so another addon's External can never be taken for one. */
static const napi_type_tag POLICY_TAG = {0x646f6d61696e7369ULL, 0x67706f6c69637931ULL};

static domainsig_policy *get_policy(napi_env env, napi_value v) {
    void *p = NULL;
    napi_valuetype t;
    bool tagged = false;
    if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
        napi_check_object_type_tag(env, v, &POLICY_TAG, &tagged) != napi_ok || !tagged ||
        napi_get_value_external(env, v, &p) != napi_ok || !p) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "not a domainsig policy");
        return NULL;
    }
    return p;
}

/* policyNew(json) compiles text; policyFromFile(path) has the library read the file, so relative
 * paths in it resolve against its folder exactly as in every other door. */
static napi_value policy_make(napi_env env, napi_callback_info info, bool from_file) {
    size_t argc = 1;
    napi_value argv[1], out;
    CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
    char *text = NULL;
    if (argc < 1 || !get_string(env, argv[0], &text,
                                from_file ? "path: expected a string without NUL characters"
                                          : "policy: expected JSON text without NUL characters"))
        return NULL;
    domainsig_policy *policy = NULL;
    domainsig_result *error = NULL;
    domainsig_status st =
        from_file ? domainsig_policy_from_file(text, &policy, &error)
                  : domainsig_policy_new((const uint8_t *)(text ? text : ""), text ? strlen(text) : 0, &policy, &error);
    free(text);
    if (st != DOMAINSIG_OK) {
        /* Hand the result to JS as a value; index.js turns it into the Error it throws. */
        napi_value r = error ? result_object(env, error) : NULL;
        domainsig_result_free(error);
        if (!r) {
            CALL(env, napi_create_object(env, &r), NULL);
            napi_value s;
            CALL(env, napi_create_int32(env, (int32_t)st, &s), NULL);
            CALL(env, napi_set_named_property(env, r, "status", s), NULL);
        }
        return r;
    }
    if (napi_create_external(env, policy, policy_finalize, NULL, &out) != napi_ok) {
        domainsig_policy_free(policy);
        throw_last(env);
        return NULL;
    }
    CALL(env, napi_type_tag_object(env, out, &POLICY_TAG), NULL);
    return out;
}

static napi_value policy_new(napi_env env, napi_callback_info info) {
    return policy_make(env, info, false);
}

static napi_value policy_from_file(napi_env env, napi_callback_info info) {
    return policy_make(env, info, true);
}

static napi_value verify_sync(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
    domainsig_policy *policy = argc == 2 ? get_policy(env, argv[0]) : NULL;
    if (!policy) return NULL;
    item_t it;
    if (!read_item(env, argv[1], &it)) {
        item_release(env, &it);
        return NULL;
    }
    domainsig_verify_bundle(policy, &it.artifact, it.bundle, it.bundle_len, it.index_domain,
                            &it.result);
    napi_value r = result_object(env, it.result);
    item_release(env, &it);
    return r;
}

static napi_value missing_result(napi_env env);

/* judgeUnattested(policy, name, indexDomain|null): may a file with no attestation pass? */
static napi_value judge_unattested(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
    domainsig_policy *policy = argc == 3 ? get_policy(env, argv[0]) : NULL;
    if (!policy) return NULL;
    char *name = NULL, *domain = NULL;
    if (!get_string(env, argv[1], &name, "name: expected a string without NUL characters")) return NULL;
    if (!get_string(env, argv[2], &domain, "indexDomain: expected a string without NUL characters")) {
        free(name);
        return NULL;
    }
    domainsig_result *r = NULL;
    domainsig_policy_judge_unattested(policy, name, domain, &r);
    free(name);
    free(domain);
    napi_value out = r ? result_object(env, r) : missing_result(env);
    domainsig_result_free(r);
    return out;
}

/* An asynchronous verification of one item or a batch, run on the libuv pool. */
typedef struct {
    napi_async_work work;
    napi_deferred deferred;
    napi_ref policy_ref; /* keeps the policy alive until completion */
    domainsig_policy *policy;
    item_t *items;
    size_t count;
    bool batch;
} job_t;

static void job_free(napi_env env, job_t *job) {
    for (size_t i = 0; i < job->count; i++) item_release(env, &job->items[i]);
    free(job->items);
    if (job->policy_ref) napi_delete_reference(env, job->policy_ref);
    if (job->work) napi_delete_async_work(env, job->work);
    free(job);
}

static void job_execute(napi_env env, void *data) {
    (void)env; /* no JS here: this runs on a pool thread */
    job_t *job = data;
    if (!job->batch) {
        item_t *it = &job->items[0];
        domainsig_verify_bundle(job->policy, &it->artifact, it->bundle, it->bundle_len,
                                it->index_domain, &it->result);
        return;
    }
    domainsig_request *reqs = calloc(job->count ? job->count : 1, sizeof *reqs);
    domainsig_result **results = calloc(job->count ? job->count : 1, sizeof *results);
    if (!reqs || !results) {
        free(reqs);
        free(results);
        return; /* results stay NULL; completion reports INTERNAL */
    }
    for (size_t i = 0; i < job->count; i++) {
        reqs[i].artifact = job->items[i].artifact;
        reqs[i].bundle = job->items[i].bundle;
        reqs[i].bundle_len = job->items[i].bundle_len;
        reqs[i].index_domain = job->items[i].index_domain;
    }
    domainsig_verify_many(job->policy, reqs, job->count, results);
    for (size_t i = 0; i < job->count; i++) job->items[i].result = results[i];
    free(reqs);
    free(results);
}

static napi_value missing_result(napi_env env) {
    napi_value obj, status;
    CALL(env, napi_create_object(env, &obj), NULL);
    CALL(env, napi_create_int32(env, DOMAINSIG_INTERNAL, &status), NULL);
    CALL(env, napi_set_named_property(env, obj, "status", status), NULL);
    return obj;
}

static void job_complete(napi_env env, napi_status status, void *data) {
    job_t *job = data;
    napi_value value = NULL;
    if (status == napi_ok) {
        if (!job->batch) {
            value = job->items[0].result ? result_object(env, job->items[0].result)
                                         : missing_result(env);
        } else if (napi_create_array_with_length(env, job->count, &value) == napi_ok) {
            for (size_t i = 0; i < job->count && value; i++) {
                napi_value r = job->items[i].result ? result_object(env, job->items[i].result)
                                                    : missing_result(env);
                if (!r || napi_set_element(env, value, (uint32_t)i, r) != napi_ok) value = NULL;
            }
        }
    }
    if (value) {
        napi_resolve_deferred(env, job->deferred, value);
    } else {
        napi_value msg, err;
        napi_create_string_utf8(env, "domainsig: asynchronous verification failed",
                                NAPI_AUTO_LENGTH, &msg);
        napi_create_error(env, NULL, msg, &err);
        napi_reject_deferred(env, job->deferred, err);
    }
    job_free(env, job);
}

static napi_value start_job(napi_env env, napi_callback_info info, bool batch) {
    size_t argc = 2;
    napi_value argv[2], promise, name;
    CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
    domainsig_policy *policy = argc == 2 ? get_policy(env, argv[0]) : NULL;
    if (!policy) return NULL;
    uint32_t count = 1;
    if (batch) CALL(env, napi_get_array_length(env, argv[1], &count), NULL);
    job_t *job = calloc(1, sizeof *job);
    item_t *items = calloc(count ? count : 1, sizeof *items);
    if (!job || !items) {
        free(job);
        free(items);
        napi_throw_error(env, "ERR_DOMAINSIG_NAPI", "out of memory");
        return NULL;
    }
    job->policy = policy;
    job->items = items;
    job->batch = batch;
    bool ok = napi_create_reference(env, argv[0], 1, &job->policy_ref) == napi_ok;
    for (uint32_t i = 0; ok && i < count; i++) {
        napi_value el = argv[1];
        if (batch) ok = napi_get_element(env, argv[1], i, &el) == napi_ok;
        ok = ok && read_item(env, el, &items[i]);
        job->count = i + 1; /* so job_free releases what read_item pinned, even on failure */
    }
    if (!ok) {
        throw_last(env);
        job_free(env, job);
        return NULL;
    }
    job->count = count;
    if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
        napi_create_string_utf8(env, "domainsig.verify", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_create_async_work(env, NULL, name, job_execute, job_complete, job, &job->work) !=
            napi_ok ||
        napi_queue_async_work(env, job->work) != napi_ok) {
        throw_last(env);
        job_free(env, job);
        return NULL;
    }
    return promise;
}

static napi_value verify_async(napi_env env, napi_callback_info info) {
    return start_job(env, info, false);
}

static napi_value verify_many(napi_env env, napi_callback_info info) {
    return start_job(env, info, true);
}

static napi_value status_name(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], out;
    int32_t n = -1;
    CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
    if (argc > 0) napi_get_value_int32(env, argv[0], &n);
    CALL(env, napi_create_string_utf8(env, domainsig_status_name(n), NAPI_AUTO_LENGTH, &out), NULL);
    return out;
}

static napi_value version(napi_env env, napi_callback_info info) {
    (void)info;
    napi_value out;
    CALL(env, napi_create_string_utf8(env, domainsig_version(), NAPI_AUTO_LENGTH, &out), NULL);
    return out;
}

/* The trust-update door (src/trust.c). */
napi_value trust_register(napi_env env, napi_value exports);

static napi_value init(napi_env env, napi_value exports) {
    napi_property_descriptor props[] = {
        {"policyNew", NULL, policy_new, NULL, NULL, NULL, napi_enumerable, NULL},
        {"policyFromFile", NULL, policy_from_file, NULL, NULL, NULL, napi_enumerable, NULL},
        {"verifySync", NULL, verify_sync, NULL, NULL, NULL, napi_enumerable, NULL},
        {"verify", NULL, verify_async, NULL, NULL, NULL, napi_enumerable, NULL},
        {"verifyMany", NULL, verify_many, NULL, NULL, NULL, napi_enumerable, NULL},
        {"judgeUnattested", NULL, judge_unattested, NULL, NULL, NULL, napi_enumerable, NULL},
        {"statusName", NULL, status_name, NULL, NULL, NULL, napi_enumerable, NULL},
        {"version", NULL, version, NULL, NULL, NULL, napi_enumerable, NULL},
    };
    CALL(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props), NULL);
    return trust_register(env, exports);
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
