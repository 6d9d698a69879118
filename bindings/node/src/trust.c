/*
 * The trust-update door of the N-API addon: domainsig_trust_update on the libuv pool, with each
 * file fetched by JavaScript on the main thread.
 *
 * Native functions (arguments already normalised by trust.js):
 *   trustUpdate(configJson: string, dispatch: function | null) -> Promise<{status, json}>
 *   trustStatus(configJson: string) -> Promise<{status, json}>
 *   lockVerify(policy: external, lock: Buffer, optionsJson: string, dispatch) -> Promise<{status, json}>
 *     (domainsig_lock_verify: the same fetch bridge; the policy is referenced until the job ends)
 * dispatch(url, maxLen, done) runs on the main thread for each URL the library asks for and calls
 * done exactly once: done(0, buffer) bytes, done(1) not found, done(2, message) failed.
 *
 * How it never blocks the event loop: the update runs in napi_create_async_work's execute, on a
 * pool thread. The library calls fetch_on_main (its domainsig_fetch_fn) on that thread; it posts
 * the URL to the main thread through a napi_threadsafe_function and waits on a condition variable
 * until done() has handed the bytes to the library. Only that pool thread waits; the main thread
 * only ever runs JavaScript and short copies.
 *
 * How Node can still exit: a fetch JavaScript has started may never call done() once Node is
 * exiting (process.exit, a worker terminated), and Node waits for every pool job before it lets
 * the process go. Every waiting fetch is listed per environment; teardown (trust.js's 'exit'
 * listener, which runs before Node waits for the pool, and an environment cleanup hook as a
 * backstop) fails each one with "Node is exiting" and refuses new ones, so the update returns
 * TUF_FETCH and the pool thread is free.
 */
/* uv.h needs POSIX types that -std=c99 hides by default. */
#define _POSIX_C_SOURCE 200809L
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "domainsig.h"

napi_value trust_register(napi_env env, napi_value exports);

/* One environment's trust door: whether it is exiting. Never freed: a pool thread may still read
 * it after the environment is gone, and there is one per environment (a few bytes). */
typedef struct {
    int exiting; /* guarded by inflight_mu */
} env_state;

typedef struct done_slot done_slot;

/* One URL in flight, on the heap and shared by two owners: the pool thread waiting in
 * fetch_on_main, and the item queued in the thread-safe function until call_js receives it.
 * Whichever lets go last frees it (`refs`). A request can be settled (by done(), or by teardown's
 * settle_all) while its item is still queued; the pool thread then returns, and `url` and `reply`
 * (the library's, valid only while fetch_on_main runs) must no longer be read: call_js checks
 * `settled` first. It is on the `inflight` list (guarded by inflight_mu) while the pool thread waits.
 * Only the environment's own thread settles a request (done_cb, call_js, settle_all), so an open
 * request that thread sees stays open, and its pool thread waiting, until that thread settles it. */
typedef struct fetch_req {
    uv_mutex_t mu;
    uv_cond_t cv;
    int refs; /* guarded by mu */
    int settled;
    int32_t rc;
    const char *url;
    size_t max_len;
    domainsig_fetch_reply *reply;
    env_state *state;
    done_slot *slot; /* main thread only: the done() function's data while it can settle this */
    struct fetch_req *next;
} fetch_req;

/* The `done` function's data: points at the request until it settles, then NULL (so a second
 * call, or a call after the pool thread moved on, does nothing). Freed with the function. */
struct done_slot {
    fetch_req *req;
};

static uv_once_t inflight_once = UV_ONCE_INIT;
static uv_mutex_t inflight_mu;
static fetch_req *inflight;

static void inflight_init(void) {
    if (uv_mutex_init(&inflight_mu) != 0) abort();
}

typedef struct {
    napi_async_work work;
    napi_deferred deferred;
    env_state *state;
    napi_threadsafe_function tsfn; /* NULL when there is no JS fetcher */
    char *config;
    size_t config_len;
    int status_only;
    /* lockVerify: the policy (kept alive by policy_ref) and a copy of the lockfile's bytes. */
    const domainsig_policy *policy;
    napi_ref policy_ref;
    char *lock;
    size_t lock_len;
    domainsig_result *result;
} trust_job;

static void settle(fetch_req *req, int32_t rc) {
    uv_mutex_lock(&req->mu);
    req->rc = rc;
    req->settled = 1;
    uv_cond_signal(&req->cv);
    uv_mutex_unlock(&req->mu);
}

/* Lets go of one owner's share of `req`; the last owner frees it. */
static void req_unref(fetch_req *req) {
    uv_mutex_lock(&req->mu);
    int left = --req->refs;
    uv_mutex_unlock(&req->mu);
    if (left > 0) return;
    uv_cond_destroy(&req->cv);
    uv_mutex_destroy(&req->mu);
    free(req);
}

static int req_settled(fetch_req *req) {
    uv_mutex_lock(&req->mu);
    int settled = req->settled;
    uv_mutex_unlock(&req->mu);
    return settled;
}

static void slot_finalize(napi_env env, void *data, void *hint) {
    (void)env;
    (void)hint;
    free(data);
}

/* done(kind, value) on the main thread: hand the answer to the library and wake the pool thread. */
static napi_value done_cb(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    void *data = NULL;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok || !data) return NULL;
    done_slot *slot = data;
    fetch_req *req = slot->req;
    if (!req) return NULL;
    slot->req = NULL;
    req->slot = NULL;
    int32_t kind = DOMAINSIG_FETCH_FAILED;
    if (argc < 1 || napi_get_value_int32(env, argv[0], &kind) != napi_ok) kind = DOMAINSIG_FETCH_FAILED;
    int32_t rc = DOMAINSIG_FETCH_FAILED;
    if (kind == DOMAINSIG_FETCH_BYTES && argc == 2) {
        void *p = NULL;
        size_t len = 0;
        bool is_buffer = false;
        if (napi_is_buffer(env, argv[1], &is_buffer) == napi_ok && is_buffer &&
            napi_get_buffer_info(env, argv[1], &p, &len) == napi_ok &&
            domainsig_fetch_reply_set(req->reply, p, len) == DOMAINSIG_OK)
            rc = DOMAINSIG_FETCH_BYTES;
    } else if (kind == DOMAINSIG_FETCH_NOT_FOUND) {
        rc = DOMAINSIG_FETCH_NOT_FOUND;
    } else if (argc == 2) {
        char msg[1024];
        size_t n = 0;
        if (napi_get_value_string_utf8(env, argv[1], msg, sizeof msg, &n) == napi_ok)
            domainsig_fetch_reply_fail(req->reply, msg);
    }
    settle(req, rc);
    return NULL;
}

/* Hands one open request to the JavaScript dispatcher with a done() function that settles it. */
static void call_dispatch(napi_env env, napi_value dispatch, fetch_req *req) {
    done_slot *slot = malloc(sizeof *slot);
    napi_value argv[3], undefined, ignored;
    if (!slot) {
        settle(req, DOMAINSIG_FETCH_FAILED);
        return;
    }
    slot->req = req;
    if (napi_create_function(env, "done", NAPI_AUTO_LENGTH, done_cb, slot, &argv[2]) != napi_ok) {
        free(slot);
        settle(req, DOMAINSIG_FETCH_FAILED);
        return;
    }
    req->slot = slot;
    if (napi_add_finalizer(env, argv[2], slot, slot_finalize, NULL, NULL) != napi_ok) {
        /* Leak the few bytes rather than free a slot the function may still reach. */
    }
    if (napi_create_string_utf8(env, req->url, NAPI_AUTO_LENGTH, &argv[0]) != napi_ok ||
        napi_create_double(env, (double)req->max_len, &argv[1]) != napi_ok ||
        napi_get_undefined(env, &undefined) != napi_ok ||
        napi_call_function(env, undefined, dispatch, 3, argv, &ignored) != napi_ok) {
        bool pending = false;
        napi_value exc;
        if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
            napi_get_and_clear_last_exception(env, &exc);
        if (slot->req) {
            slot->req = NULL;
            req->slot = NULL;
            domainsig_fetch_reply_fail(req->reply, "the JavaScript fetch dispatcher threw");
            settle(req, DOMAINSIG_FETCH_FAILED);
        }
    }
}

/* Runs on the main thread for each queued URL. Node's doc/api/n-api.md: call_js_cb "is invoked on
 * the main thread once for each value that was placed into the queue by a successful call to
 * napi_call_threadsafe_function()", with env "NULL if the thread-safe function is being torn down
 * and data may need to be freed" (napi_threadsafe_function_call_js; src/node_api.cc drains the
 * queue with call_js_cb(nullptr, nullptr, context, item)). So each item is let go of here, once.
 * An item can also arrive with a real env after trustShutdown settled it: a worker's teardown
 * (Environment::CleanupHandles) runs its loop, and so the thread-safe function's async handle,
 * after process.exit's 'exit' listener. A settled request is only let go of (its pool thread has
 * moved on: url and reply are gone); an open one with no env is failed, waking its pool thread. */
static void call_js(napi_env env, napi_value dispatch, void *context, void *data) {
    (void)context;
    fetch_req *req = data;
    if (req_settled(req)) {
        req_unref(req);
        return;
    }
    if (!env || !dispatch) {
        domainsig_fetch_reply_fail(req->reply, "Node is shutting down");
        settle(req, DOMAINSIG_FETCH_FAILED);
        req_unref(req);
        return;
    }
    call_dispatch(env, dispatch, req);
    req_unref(req);
}

/* The library's domainsig_fetch_fn, on the pool thread: post to the main thread and wait. */
static int32_t fetch_on_main(void *user_data, const char *url, size_t max_len, domainsig_fetch_reply *reply) {
    trust_job *job = user_data;
    fetch_req *req = calloc(1, sizeof *req);
    if (!req) return DOMAINSIG_FETCH_FAILED;
    req->url = url;
    req->max_len = max_len;
    req->reply = reply;
    req->rc = DOMAINSIG_FETCH_FAILED;
    req->refs = 1; /* this thread's */
    if (uv_mutex_init(&req->mu) != 0) {
        free(req);
        return DOMAINSIG_FETCH_FAILED;
    }
    if (uv_cond_init(&req->cv) != 0) {
        uv_mutex_destroy(&req->mu);
        free(req);
        return DOMAINSIG_FETCH_FAILED;
    }
    req->state = job->state;
    uv_mutex_lock(&inflight_mu);
    int exiting = job->state->exiting;
    if (!exiting) {
        req->next = inflight;
        inflight = req;
    }
    uv_mutex_unlock(&inflight_mu);
    int queued = 0;
    if (!exiting) {
        req->refs = 2; /* and the queued item's, which call_js lets go of */
        queued = napi_call_threadsafe_function(job->tsfn, req, napi_tsfn_blocking) == napi_ok;
        if (!queued) req->refs = 1;
    }
    if (queued) {
        uv_mutex_lock(&req->mu);
        while (!req->settled) uv_cond_wait(&req->cv, &req->mu);
        uv_mutex_unlock(&req->mu);
    }
    if (!exiting) {
        uv_mutex_lock(&inflight_mu);
        for (fetch_req **p = &inflight; *p; p = &(*p)->next) {
            if (*p == req) {
                *p = req->next;
                break;
            }
        }
        uv_mutex_unlock(&inflight_mu);
    }
    /* Off the list, settle_all no longer reaches `reply`: failing it here cannot race with it. */
    if (!queued) domainsig_fetch_reply_fail(reply, "Node is exiting");
    uv_mutex_lock(&req->mu);
    int32_t rc = queued ? req->rc : DOMAINSIG_FETCH_FAILED;
    uv_mutex_unlock(&req->mu);
    req_unref(req);
    return rc;
}

/* On the main thread, when `state`'s environment is exiting: fail every fetch it has not settled
 * (their pool threads then finish the update with TUF_FETCH) and refuse any later one. */
static void settle_all(env_state *state) {
    uv_mutex_lock(&inflight_mu);
    state->exiting = 1;
    for (fetch_req *req = inflight; req; req = req->next) {
        if (req->state != state) continue;
        uv_mutex_lock(&req->mu);
        int open = !req->settled;
        uv_mutex_unlock(&req->mu);
        if (!open) continue;
        /* done() may no longer reach the request once it is settled here. */
        if (req->slot) {
            req->slot->req = NULL;
            req->slot = NULL;
        }
        domainsig_fetch_reply_fail(req->reply, "Node is exiting");
        settle(req, DOMAINSIG_FETCH_FAILED);
    }
    uv_mutex_unlock(&inflight_mu);
}

static void cleanup_hook(void *arg) {
    settle_all(arg);
}

/* shutdown(): trust.js calls it from process 'exit', before Node waits for the pool's jobs. */
static napi_value trust_shutdown(napi_env env, napi_callback_info info) {
    void *data = NULL;
    if (napi_get_cb_info(env, info, NULL, NULL, NULL, &data) == napi_ok && data) settle_all(data);
    return NULL;
}

static void job_execute(napi_env env, void *data) {
    (void)env; /* no JS here: this runs on a pool thread */
    trust_job *job = data;
    const uint8_t *config = (const uint8_t *)job->config;
    if (job->policy)
        domainsig_lock_verify(job->policy, (const uint8_t *)job->lock, job->lock_len, config, job->config_len,
                              job->tsfn ? fetch_on_main : NULL, job, &job->result);
    else if (job->status_only)
        domainsig_trust_status(config, job->config_len, &job->result);
    else
        domainsig_trust_update(config, job->config_len, job->tsfn ? fetch_on_main : NULL, job, &job->result);
}

static void job_free(napi_env env, trust_job *job) {
    if (job->tsfn) napi_release_threadsafe_function(job->tsfn, napi_tsfn_release);
    if (job->work) napi_delete_async_work(env, job->work);
    domainsig_result_free(job->result);
    if (job->policy_ref) napi_delete_reference(env, job->policy_ref);
    free(job->lock);
    free(job->config);
    free(job);
}

static void job_complete(napi_env env, napi_status status, void *data) {
    trust_job *job = data;
    napi_value obj = NULL, st, json;
    const char *text = job->result ? domainsig_result_json(job->result) : NULL;
    if (status == napi_ok && napi_create_object(env, &obj) == napi_ok &&
        napi_create_int32(env, job->result ? (int32_t)domainsig_result_status(job->result) : DOMAINSIG_INTERNAL,
                          &st) == napi_ok &&
        napi_create_string_utf8(env, text ? text : "{}", NAPI_AUTO_LENGTH, &json) == napi_ok &&
        napi_set_named_property(env, obj, "status", st) == napi_ok &&
        napi_set_named_property(env, obj, "json", json) == napi_ok) {
        napi_resolve_deferred(env, job->deferred, obj);
    } else {
        napi_value msg, err;
        napi_create_string_utf8(env, "domainsig: the trust update did not complete", NAPI_AUTO_LENGTH, &msg);
        napi_create_error(env, NULL, msg, &err);
        napi_reject_deferred(env, job->deferred, err);
    }
    job_free(env, job);
}

/* lock: 0 for the trust doors (configJson, dispatch); 1 for lockVerify (policy, lock, optionsJson,
 * dispatch): the JSON and the dispatcher then sit two places further on. */
static napi_value start_job(napi_env env, napi_callback_info info, int status_only, int lock) {
    size_t argc = 4;
    napi_value argv[4], promise, name;
    napi_valuetype t = napi_undefined;
    size_t at = lock ? 2 : 0;
    void *state = NULL;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, &state) != napi_ok || !state || argc < at + 1 ||
        napi_typeof(env, argv[at], &t) != napi_ok || t != napi_string) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "configJson must be a string");
        return NULL;
    }
    trust_job *job = calloc(1, sizeof *job);
    size_t len = 0;
    if (!job || napi_get_value_string_utf8(env, argv[at], NULL, 0, &len) != napi_ok ||
        !(job->config = malloc(len + 1)) ||
        napi_get_value_string_utf8(env, argv[at], job->config, len + 1, &job->config_len) != napi_ok) {
        if (job) free(job->config);
        free(job);
        napi_throw_error(env, "ERR_DOMAINSIG_NAPI", "out of memory");
        return NULL;
    }
    job->status_only = status_only;
    job->state = state;
    if (lock) {
        void *policy = NULL, *data = NULL;
        size_t data_len = 0;
        bool is_buffer = false;
        if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_external ||
            napi_get_value_external(env, argv[0], &policy) != napi_ok || !policy ||
            napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
            napi_get_buffer_info(env, argv[1], &data, &data_len) != napi_ok) {
            job_free(env, job);
            napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "lockVerify takes a policy handle and a Buffer");
            return NULL;
        }
        if (!(job->lock = malloc(data_len ? data_len : 1)) ||
            napi_create_reference(env, argv[0], 1, &job->policy_ref) != napi_ok) {
            job_free(env, job);
            napi_throw_error(env, "ERR_DOMAINSIG_NAPI", "out of memory");
            return NULL;
        }
        memcpy(job->lock, data, data_len);
        job->lock_len = data_len;
        job->policy = policy;
    }
    napi_valuetype ft = napi_undefined;
    if (!status_only && argc == at + 2 && napi_typeof(env, argv[at + 1], &ft) == napi_ok && ft == napi_function) {
        napi_value tsfn_name;
        if (napi_create_string_utf8(env, "domainsig.trust.fetch", NAPI_AUTO_LENGTH, &tsfn_name) != napi_ok ||
            napi_create_threadsafe_function(env, argv[at + 1], NULL, tsfn_name, 0, 1, NULL, NULL, NULL, call_js,
                                            &job->tsfn) != napi_ok) {
            job->tsfn = NULL;
            job_free(env, job);
            napi_throw_error(env, "ERR_DOMAINSIG_NAPI", "cannot create the fetch bridge");
            return NULL;
        }
    }
    if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
        napi_create_string_utf8(env, "domainsig.trust", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_create_async_work(env, NULL, name, job_execute, job_complete, job, &job->work) != napi_ok ||
        napi_queue_async_work(env, job->work) != napi_ok) {
        job_free(env, job);
        napi_throw_error(env, "ERR_DOMAINSIG_NAPI", "cannot start the trust update");
        return NULL;
    }
    return promise;
}

static napi_value trust_update(napi_env env, napi_callback_info info) {
    return start_job(env, info, 0, 0);
}

static napi_value trust_status(napi_env env, napi_callback_info info) {
    return start_job(env, info, 1, 0);
}

static napi_value lock_verify(napi_env env, napi_callback_info info) {
    return start_job(env, info, 0, 1);
}

napi_value trust_register(napi_env env, napi_value exports) {
    uv_once(&inflight_once, inflight_init);
    env_state *state = calloc(1, sizeof *state);
    if (!state || napi_add_env_cleanup_hook(env, cleanup_hook, state) != napi_ok) {
        free(state);
        napi_throw_error(env, "ERR_DOMAINSIG_NAPI", "cannot register the trust door's cleanup");
        return NULL;
    }
    napi_property_descriptor props[] = {
        {"trustUpdate", NULL, trust_update, NULL, NULL, NULL, napi_enumerable, state},
        {"trustStatus", NULL, trust_status, NULL, NULL, NULL, napi_enumerable, state},
        {"trustShutdown", NULL, trust_shutdown, NULL, NULL, NULL, napi_enumerable, state},
        {"lockVerify", NULL, lock_verify, NULL, NULL, NULL, napi_enumerable, state},
    };
    if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
    return exports;
}
