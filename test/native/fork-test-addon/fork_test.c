/*
 * Test-only fork addon, Node-API surface. It holds what the fork tests need and the production
 * bridge must not ship: native state that threads mutate while the process forks (event ring,
 * scratch buffer pool, busy thread: native_state.c) and forks from C whose children check that
 * state and the bridge's counters (children.c). attach(bridge.path) connects it to the bridge the
 * SDK loaded, through the bridge's C table (native-bridge/fork/wasmprof_fork.h); everything else
 * needs that first, since all of this addon's state is stamped with the bridge's epoch.
 */
#define _GNU_SOURCE

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include "fork_test.h"

#define CHECK(env, call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      bool pending_ = false;                                              \
      napi_is_exception_pending((env), &pending_);                        \
      if (!pending_) napi_throw_error((env), NULL, "fork_test: Node-API call failed: " #call); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

static bool attached(napi_env env) {
  if (bridge_api()) return true;
  napi_throw_error(env, NULL, "fork_test: call attach(bridge.path) first");
  return false;
}

static bool put(napi_env env, napi_value obj, const char *name, double v) {
  napi_value n;
  return napi_create_double(env, v, &n) == napi_ok && napi_set_named_property(env, obj, name, n) == napi_ok;
}

static bool put_bool(napi_env env, napi_value obj, const char *name, bool v) {
  napi_value b;
  return napi_get_boolean(env, v, &b) == napi_ok && napi_set_named_property(env, obj, name, b) == napi_ok;
}

/* Reads optional numeric argument `i` (default `dflt`). */
static bool arg_number(napi_env env, napi_callback_info info, size_t i, double dflt, double *out) {
  size_t argc = 4;
  napi_value argv[4];
  *out = dflt;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  if (i >= argc) return true;
  napi_valuetype t;
  if (napi_typeof(env, argv[i], &t) != napi_ok) return false;
  if (t == napi_undefined) return true;
  if (t != napi_number) {
    napi_throw_type_error(env, NULL, "fork_test: expected a number");
    return false;
  }
  return napi_get_value_double(env, argv[i], out) == napi_ok;
}

static bool opt_number(napi_env env, napi_value obj, const char *name, double dflt, double *out) {
  *out = dflt;
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok) return false;
  if (!has) return true;
  napi_value v;
  napi_valuetype t;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok) return false;
  if (t == napi_undefined) return true;
  if (t == napi_boolean) {
    bool b;
    if (napi_get_value_bool(env, v, &b) != napi_ok) return false;
    *out = b ? 1 : 0;
    return true;
  }
  if (t != napi_number) {
    napi_throw_type_error(env, NULL, "fork_test: option must be a number or boolean");
    return false;
  }
  return napi_get_value_double(env, v, out) == napi_ok;
}

/* attach(path): path of the loaded bridge (ForkBridge.path). Throws why when it cannot. */
static napi_value js_attach(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "fork_test: attach(path) needs the bridge's path");
    return NULL;
  }
  char *path = malloc(len + 1);
  if (!path) {
    napi_throw_error(env, NULL, "fork_test: out of memory");
    return NULL;
  }
  napi_status st = napi_get_value_string_utf8(env, argv[0], path, len + 1, &len);
  const char *why = st == napi_ok ? bridge_attach(path) : "cannot read the path";
  free(path);
  if (why) {
    napi_throw_error(env, NULL, why);
    return NULL;
  }
  napi_value r;
  CHECK(env, napi_create_uint32(env, bridge_api()->version, &r));
  return r;
}

static napi_value js_state(napi_env env, napi_callback_info info) {
  (void)info;
  if (!attached(env)) return NULL;
  test_state s;
  test_read_state(&s);
  napi_value o;
  CHECK(env, napi_create_object(env, &o));
  if (!put(env, o, "ringDropped", (double)s.ring_dropped) || !put(env, o, "poolExhausted", (double)s.pool_exhausted) ||
      !put(env, o, "staleReleases", (double)s.stale_releases) || !put(env, o, "busyOps", (double)s.busy_ops) ||
      !put_bool(env, o, "threadRunning", s.thread_running != 0) || !put_bool(env, o, "wasRunningAtFork", s.was_running_at_fork != 0))
    return NULL;
  return o;
}

/* ringPush(n = 1, first = 0): pushes first, first+1, ... ; returns how many were accepted. */
static napi_value js_ring_push(napi_env env, napi_callback_info info) {
  if (!attached(env)) return NULL;
  double n, first;
  if (!arg_number(env, info, 0, 1, &n) || !arg_number(env, info, 1, 0, &first)) return NULL;
  if (!(n >= 0) || n > 1e9) {
    napi_throw_range_error(env, NULL, "fork_test: ringPush count out of range");
    return NULL;
  }
  uint64_t count = (uint64_t)n, base = first > 0 ? (uint64_t)first : 0, pushed = 0;
  for (uint64_t i = 0; i < count; i++) pushed += (uint64_t)ring_push(base + i);
  napi_value r;
  CHECK(env, napi_create_double(env, (double)pushed, &r));
  return r;
}

/* ringDrain(max = capacity): pops up to max events; returns { count, sum } of the popped values. */
static napi_value js_ring_drain(napi_env env, napi_callback_info info) {
  if (!attached(env)) return NULL;
  double max;
  if (!arg_number(env, info, 0, RING_CAP, &max)) return NULL;
  uint64_t limit = max > 0 ? (uint64_t)max : 0, count = 0;
  double sum = 0;
  uint64_t v;
  while (count < limit && ring_pop(&v)) {
    count++;
    sum += (double)v;
  }
  napi_value o;
  CHECK(env, napi_create_object(env, &o));
  if (!put(env, o, "count", (double)count) || !put(env, o, "sum", sum)) return NULL;
  return o;
}

static napi_value js_pool_acquire(napi_env env, napi_callback_info info) {
  (void)info;
  if (!attached(env)) return NULL;
  napi_value r;
  CHECK(env, napi_create_int32(env, pool_acquire(NULL), &r));
  return r;
}

static napi_value js_pool_release(napi_env env, napi_callback_info info) {
  if (!attached(env)) return NULL;
  double slot;
  if (!arg_number(env, info, 0, -1, &slot)) return NULL;
  napi_value r;
  CHECK(env, napi_get_boolean(env, pool_release(slot >= 0 && slot < POOL_SLOTS ? (int)slot : -1) == 1, &r));
  return r;
}

static napi_value js_start_busy_thread(napi_env env, napi_callback_info info) {
  (void)info;
  if (!attached(env)) return NULL;
  int rc = thread_start(env);
  if (rc < 0) {
    napi_throw_error(env, NULL, strerror(-rc));
    return NULL;
  }
  napi_value r;
  CHECK(env, napi_get_boolean(env, rc == 1, &r));
  return r;
}

static napi_value js_stop_busy_thread(napi_env env, napi_callback_info info) {
  (void)info;
  if (!attached(env)) return NULL;
  napi_value r;
  CHECK(env, napi_create_double(env, (double)thread_stop(), &r));
  return r;
}

/* forkChildren(count, { deadlineMs = 10000, nestedEvery = 0, threadInChild = true })
 * -> { forks, ok, failed, timeouts, signaled, forkErrors, failures: [[code, count]...],
 *      firstFailure: { iteration, code, signal } | null, maxChildMs, totalMs } */
static napi_value js_fork_children(napi_env env, napi_callback_info info) {
  if (!attached(env)) return NULL;
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "fork_test: forkChildren(count, options?)");
    return NULL;
  }
  double count_d = 0, deadline_ms = 10000, nested_every = 0, thread_in_child = 1;
  CHECK(env, napi_get_value_double(env, argv[0], &count_d));
  if (argc >= 2) {
    napi_valuetype t;
    CHECK(env, napi_typeof(env, argv[1], &t));
    if (t == napi_object) {
      if (!opt_number(env, argv[1], "deadlineMs", deadline_ms, &deadline_ms) ||
          !opt_number(env, argv[1], "nestedEvery", nested_every, &nested_every) ||
          !opt_number(env, argv[1], "threadInChild", thread_in_child, &thread_in_child))
        return NULL;
    }
  }
  if (!(count_d >= 0 && count_d <= 1e6) || !(deadline_ms > 0 && deadline_ms <= 600000)) {
    napi_throw_range_error(env, NULL, "fork_test: count or deadlineMs out of range");
    return NULL;
  }
  fork_options o = {
    .count = (int)count_d,
    .deadline_ns = (int64_t)(deadline_ms * 1e6),
    .nested_every = nested_every >= 1 ? (int)nested_every : 0,
    .thread_in_child = thread_in_child != 0,
  };
  static fork_result res; /* ~1 KiB of tallies; the JS thread is the only caller */
  fork_children(&o, &res);

  napi_value r, failures, first;
  CHECK(env, napi_create_object(env, &r));
  if (!put(env, r, "forks", res.forks) || !put(env, r, "ok", res.ok) || !put(env, r, "failed", res.failed) ||
      !put(env, r, "timeouts", res.timeouts) || !put(env, r, "signaled", res.signaled) || !put(env, r, "forkErrors", res.fork_errors) ||
      !put(env, r, "maxChildMs", (double)res.max_child_ns / 1e6) || !put(env, r, "totalMs", (double)res.total_ns / 1e6))
    return NULL;
  CHECK(env, napi_create_array(env, &failures));
  uint32_t k = 0;
  for (int c = 1; c < MAX_CODE; c++) {
    if (!res.tally[c]) continue;
    napi_value pair, a, b;
    CHECK(env, napi_create_array_with_length(env, 2, &pair));
    CHECK(env, napi_create_int32(env, c, &a));
    CHECK(env, napi_create_uint32(env, res.tally[c], &b));
    CHECK(env, napi_set_element(env, pair, 0, a));
    CHECK(env, napi_set_element(env, pair, 1, b));
    CHECK(env, napi_set_element(env, failures, k++, pair));
  }
  CHECK(env, napi_set_named_property(env, r, "failures", failures));
  if (res.first_iter >= 0) {
    CHECK(env, napi_create_object(env, &first));
    if (!put(env, first, "iteration", res.first_iter) || !put(env, first, "code", res.first_code) ||
        !put(env, first, "signal", res.first_signal))
      return NULL;
  } else {
    CHECK(env, napi_get_null(env, &first));
  }
  CHECK(env, napi_set_named_property(env, r, "firstFailure", first));
  return r;
}

/* checks() -> [[code, description], ...] */
static napi_value js_checks(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr;
  CHECK(env, napi_create_array_with_length(env, (size_t)CHECK_COUNT, &arr));
  for (int i = 0; i < CHECK_COUNT; i++) {
    napi_value pair, c, s;
    CHECK(env, napi_create_array_with_length(env, 2, &pair));
    CHECK(env, napi_create_int32(env, CHECKS[i].code, &c));
    CHECK(env, napi_create_string_utf8(env, CHECKS[i].name, NAPI_AUTO_LENGTH, &s));
    CHECK(env, napi_set_element(env, pair, 0, c));
    CHECK(env, napi_set_element(env, pair, 1, s));
    CHECK(env, napi_set_element(env, arr, (uint32_t)i, pair));
  }
  return arr;
}

/* A worker that started the busy thread and goes away stops it; others are left alone. */
static void env_cleanup(void *env) { thread_stop_owned(env); }

NAPI_MODULE_INIT() {
  napi_add_env_cleanup_hook(env, env_cleanup, env);
  napi_property_descriptor props[] = {
    {"attach", NULL, js_attach, NULL, NULL, NULL, napi_enumerable, NULL},
    {"state", NULL, js_state, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringPush", NULL, js_ring_push, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringDrain", NULL, js_ring_drain, NULL, NULL, NULL, napi_enumerable, NULL},
    {"poolAcquire", NULL, js_pool_acquire, NULL, NULL, NULL, napi_enumerable, NULL},
    {"poolRelease", NULL, js_pool_release, NULL, NULL, NULL, napi_enumerable, NULL},
    {"startBusyThread", NULL, js_start_busy_thread, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stopBusyThread", NULL, js_stop_busy_thread, NULL, NULL, NULL, napi_enumerable, NULL},
    {"forkChildren", NULL, js_fork_children, NULL, NULL, NULL, napi_enumerable, NULL},
    {"checks", NULL, js_checks, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (!put(env, exports, "ringCapacity", RING_CAP) || !put(env, exports, "poolSlots", POOL_SLOTS)) return NULL;
  return exports;
}
