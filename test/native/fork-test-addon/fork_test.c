/*
 * Test-only addon: forks from C (JavaScript can never run in a fork()ed Node child, V8's heap is
 * MADV_DONTFORK) while the bridge's busy thread mutates its state and V8's sampler runs in the
 * parent. Each child checks every bridge entry point a child can reach and _exit()s with a
 * status that says what it found: 0 = all good, otherwise one distinct code per failed check
 * (see CHECKS below, exported to JavaScript by checks()). The parent waits for each child with
 * a deadline, kills it on timeout, and returns the tally.
 *
 * The bridge is reached through its C function table (bridge.cApi(), a Node-API external).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include "wasmprof_fork.h"

enum {
  C_OK = 0,
  C_GENERATION = 10,
  C_PID = 11,
  C_COUNTERS = 12,
  C_REGISTERED = 13,
  C_RESETS = 14,
  C_ACTIVE_AFTER_RESET = 15,
  C_THREAD_STATE = 16,
  C_WAS_RUNNING = 17,
  C_RING_NOT_EMPTY = 18,
  C_RING_PUSH = 19,
  C_RING_OVERFLOW = 20,
  C_RING_ORDER = 21,
  C_RING_LEFTOVER = 22,
  C_POOL_ACQUIRE = 23,
  C_POOL_DISTINCT = 24,
  C_POOL_OVER = 25,
  C_POOL_RELEASE = 26,
  C_POOL_DOUBLE_RELEASE = 27,
  C_THREAD_START = 28,
  C_THREAD_STOP = 29,
  C_ACTIVE_AFTER_USE = 30,
  C_DROP_COUNT = 31,
  C_NESTED_FORK = 32,
  C_NESTED_TIMEOUT = 33,
  C_NESTED_SIGNAL = 34,
  /* grandchild (forked by the child before it used anything) */
  G_GENERATION = 40,
  G_RESETS = 41,
  G_PID = 42,
  G_RING = 43,
  G_ACTIVE = 44,
};

static const struct {
  int code;
  const char *name;
} CHECKS[] = {
  {C_GENERATION, "child: forkGeneration is not parent's + 1"},
  {C_PID, "child: lastPid is not the child's pid (or pid unchanged)"},
  {C_COUNTERS, "child: prepared/parentResumes counters inconsistent"},
  {C_REGISTERED, "child: atfork registration not visible"},
  {C_RESETS, "child: childResets is not parent's + (active ? 1 : 0)"},
  {C_ACTIVE_AFTER_RESET, "child: state still marked started after reset"},
  {C_THREAD_STATE, "child: busy thread reported running in the child"},
  {C_WAS_RUNNING, "child: wasRunningAtFork disagrees with the parent"},
  {C_RING_NOT_EMPTY, "child: ring not empty after reset"},
  {C_RING_PUSH, "child: ring refused a push below capacity"},
  {C_RING_OVERFLOW, "child: ring accepted more than its capacity"},
  {C_RING_ORDER, "child: ring popped the wrong value or order"},
  {C_RING_LEFTOVER, "child: ring not empty after draining"},
  {C_POOL_ACQUIRE, "child: pool slot held by a vanished thread"},
  {C_POOL_DISTINCT, "child: pool handed out the same slot twice"},
  {C_POOL_OVER, "child: pool handed out more slots than it has"},
  {C_POOL_RELEASE, "child: pool release of a held slot failed"},
  {C_POOL_DOUBLE_RELEASE, "child: pool accepted a double release"},
  {C_THREAD_START, "child: busy thread could not start (control word not fresh)"},
  {C_THREAD_STOP, "child: busy thread could not be stopped"},
  {C_ACTIVE_AFTER_USE, "child: state not marked started after use"},
  {C_DROP_COUNT, "child: overflowing push not counted"},
  {C_NESTED_FORK, "child: nested fork() failed"},
  {C_NESTED_TIMEOUT, "child: grandchild missed its deadline"},
  {C_NESTED_SIGNAL, "child: grandchild died of a signal"},
  {G_GENERATION, "grandchild: forkGeneration is not child's + 1"},
  {G_RESETS, "grandchild: handler reset state although nothing was started (not a no-op)"},
  {G_PID, "grandchild: lastPid is not the grandchild's pid"},
  {G_RING, "grandchild: ring unusable"},
  {G_ACTIVE, "grandchild: state marked started"},
};

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Waits for `pid` until `deadline_ns` (CLOCK_MONOTONIC). Returns 0 with *status set once it
 * exited, 1 if it missed the deadline (then it is killed and reaped), -1 on a wait error.
 * Signals (V8's sampler sends SIGPROF every millisecond) interrupt poll/waitpid: retry. */
static int wait_with_deadline(pid_t pid, int64_t deadline_ns, int *status) {
#ifdef SYS_pidfd_open
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
  int fd = -1;
#endif
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) {
      if (fd >= 0) close(fd);
      return 0;
    }
    if (r < 0 && errno != EINTR) {
      if (fd >= 0) close(fd);
      return -1;
    }
    int64_t left = deadline_ns - now_ns();
    if (left <= 0) break;
    if (fd >= 0) {
      int ms = (int)(left / 1000000) + 1;
      struct pollfd p = {.fd = fd, .events = POLLIN};
      (void)poll(&p, 1, ms); /* EINTR or ready: loop and ask waitpid */
    } else {
      struct timespec ts = {0, 50000};
      nanosleep(&ts, NULL);
    }
  }
  if (fd >= 0) close(fd);
  kill(pid, SIGKILL);
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
  return 1;
}

/* Runs in a grandchild: its parent (our child) had reset its state and started nothing. */
static int grandchild_main(const wasmprof_fork_api *api, const wasmprof_fork_state *child) {
  wasmprof_fork_state s;
  api->state(&s);
  if (s.fork_generation != child->fork_generation + 1) return G_GENERATION;
  if (s.child_resets != child->child_resets) return G_RESETS;
  if (s.active) return G_ACTIVE;
  if (s.last_pid != (int64_t)getpid()) return G_PID;
  uint64_t v = 0;
  if (!api->ring_push(77) || !api->ring_pop(&v) || v != 77 || api->ring_pop(&v)) return G_RING;
  return C_OK;
}

static int child_main(const wasmprof_fork_api *api, const wasmprof_fork_state *before, pid_t parent, int nested,
                      int thread_in_child, int64_t deadline_ns) {
  wasmprof_fork_state s;
  api->state(&s);
  if (s.fork_generation != before->fork_generation + 1) return C_GENERATION;
  if (s.last_pid != (int64_t)getpid() || getpid() == parent) return C_PID;
  /* This fork's prepare ran here, its parent handler did not (that runs in the parent). */
  if (s.prepared < before->prepared + 1 || s.parent_resumes >= s.prepared || s.parent_resumes < before->parent_resumes)
    return C_COUNTERS;
  if (!s.registered) return C_REGISTERED;
  if (s.child_resets != before->child_resets + (before->active ? 1u : 0u)) return C_RESETS;
  if (s.active) return C_ACTIVE_AFTER_RESET;
  if (s.thread_running) return C_THREAD_STATE;
  if (s.was_running_at_fork != before->thread_running) return C_WAS_RUNNING;

  if (nested) {
    /* Fork again before using anything: the handlers must then be no-ops for the reset count. */
    pid_t g = fork();
    if (g < 0) return C_NESTED_FORK;
    if (g == 0) _exit(grandchild_main(api, &s));
    int st = 0;
    int w = wait_with_deadline(g, deadline_ns, &st);
    if (w != 0) return C_NESTED_TIMEOUT;
    if (WIFSIGNALED(st)) return C_NESTED_SIGNAL;
    if (WEXITSTATUS(st) != 0) return WEXITSTATUS(st);
  }

  /* Ring: empty although the parent's busy thread had events in flight; full capacity usable,
   * FIFO, overflow refused and counted. */
  uint64_t v = 0;
  if (api->ring_pop(&v)) return C_RING_NOT_EMPTY;
  const uint64_t tag = 0xC0DE000000ull;
  for (uint32_t i = 0; i < api->ring_capacity; i++)
    if (!api->ring_push(tag + i)) return C_RING_PUSH;
  wasmprof_fork_state mid;
  api->state(&mid);
  if (api->ring_push(1)) return C_RING_OVERFLOW;
  wasmprof_fork_state after_drop;
  api->state(&after_drop);
  if (after_drop.ring_dropped != mid.ring_dropped + 1) return C_DROP_COUNT;
  for (uint32_t i = 0; i < api->ring_capacity; i++)
    if (!api->ring_pop(&v) || v != tag + i) return C_RING_ORDER;
  if (api->ring_pop(&v)) return C_RING_LEFTOVER;

  /* Pool: every slot acquirable although the parent's thread held some; no slot twice. */
  int slots[64];
  uint32_t n = api->pool_slots < 64 ? api->pool_slots : 64;
  for (uint32_t i = 0; i < n; i++) {
    void *buf = NULL;
    slots[i] = api->pool_acquire(&buf);
    if (slots[i] < 0 || !buf) return C_POOL_ACQUIRE;
    memset(buf, 0x5a, api->pool_slot_bytes);
    for (uint32_t j = 0; j < i; j++)
      if (slots[j] == slots[i]) return C_POOL_DISTINCT;
  }
  if (api->pool_acquire(NULL) >= 0) return C_POOL_OVER;
  for (uint32_t i = 0; i < n; i++)
    if (api->pool_release(slots[i]) != 1) return C_POOL_RELEASE;
  if (n > 0 && api->pool_release(slots[0]) != 0) return C_POOL_DOUBLE_RELEASE;

  /* Thread control (the mutex-like word): the parent's thread does not exist here; starting a
   * new one must work, and stopping it must join it. */
  if (thread_in_child) {
    if (api->thread_start() != 1) return C_THREAD_START;
    if (api->thread_stop() < 0) return C_THREAD_STOP;
  }

  api->state(&s);
  if (!s.active) return C_ACTIVE_AFTER_USE;
  if (s.thread_running) return C_THREAD_STATE;
  return C_OK;
}

/* ---------------------------------------------------------------- Node-API */

#define CHECK(env, call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      bool pending_ = false;                                              \
      napi_is_exception_pending((env), &pending_);                        \
      if (!pending_) napi_throw_error((env), NULL, "fork_test: Node-API call failed: " #call); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

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

static bool put(napi_env env, napi_value obj, const char *name, double v) {
  napi_value n;
  return napi_create_double(env, v, &n) == napi_ok && napi_set_named_property(env, obj, name, n) == napi_ok;
}

/* forkChildren(cApi, count, { deadlineMs = 10000, nestedEvery = 0, threadInChild = true })
 * -> { forks, ok, failed, timeouts, signaled, forkErrors, failures: [[code, count]...],
 *      firstFailure: { iteration, code, signal } | null, maxChildMs, totalMs } */
static napi_value js_fork_children(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "fork_test: forkChildren(cApi, count, options?)");
    return NULL;
  }
  void *ext = NULL;
  if (napi_get_value_external(env, argv[0], &ext) != napi_ok || !ext) {
    napi_throw_type_error(env, NULL, "fork_test: first argument must be bridge.cApi()");
    return NULL;
  }
  const wasmprof_fork_api *api = (const wasmprof_fork_api *)ext;
  if (api->magic != WASMPROF_FORK_API_MAGIC || api->version != WASMPROF_FORK_API_VERSION || api->size < sizeof *api) {
    napi_throw_error(env, NULL, "fork_test: bridge C API magic/version/size mismatch");
    return NULL;
  }
  double count_d = 0, deadline_ms = 10000, nested_every = 0, thread_in_child = 1;
  CHECK(env, napi_get_value_double(env, argv[1], &count_d));
  if (argc >= 3) {
    napi_valuetype t;
    CHECK(env, napi_typeof(env, argv[2], &t));
    if (t == napi_object) {
      if (!opt_number(env, argv[2], "deadlineMs", deadline_ms, &deadline_ms) ||
          !opt_number(env, argv[2], "nestedEvery", nested_every, &nested_every) ||
          !opt_number(env, argv[2], "threadInChild", thread_in_child, &thread_in_child))
        return NULL;
    }
  }
  if (!(count_d >= 0 && count_d <= 1e6) || !(deadline_ms > 0 && deadline_ms <= 600000)) {
    napi_throw_range_error(env, NULL, "fork_test: count or deadlineMs out of range");
    return NULL;
  }
  int count = (int)count_d, every = nested_every >= 1 ? (int)nested_every : 0;

  enum { MAX_CODE = 256 };
  uint32_t tally[MAX_CODE];
  memset(tally, 0, sizeof tally);
  int forks = 0, ok = 0, failed = 0, timeouts = 0, signaled = 0, fork_errors = 0;
  int first_iter = -1, first_code = 0, first_signal = 0;
  int64_t max_child = 0, t0 = now_ns();
  pid_t parent = getpid();

  for (int i = 0; i < count; i++) {
    wasmprof_fork_state before;
    api->state(&before);
    int nested = every > 0 && i % every == 0;
    int64_t start = now_ns();
    int64_t deadline = start + (int64_t)(deadline_ms * 1e6);
    pid_t pid = fork();
    if (pid == 0) {
      /* Child: no JavaScript, no Node-API, only C and the bridge's table. */
      _exit(child_main(api, &before, parent, nested, (int)thread_in_child, deadline - 1000000));
    }
    if (pid < 0) {
      fork_errors++;
      if (first_iter < 0) {
        first_iter = i;
        first_code = -errno;
      }
      continue;
    }
    forks++;
    int st = 0;
    int w = wait_with_deadline(pid, deadline, &st);
    int64_t took = now_ns() - start;
    if (took > max_child) max_child = took;
    int code = -1, sig = 0;
    if (w == 1) {
      timeouts++;
      sig = SIGKILL;
    } else if (w < 0) {
      failed++;
    } else if (WIFSIGNALED(st)) {
      signaled++;
      sig = WTERMSIG(st);
    } else {
      code = WEXITSTATUS(st);
      if (code == 0) ok++;
      else {
        failed++;
        tally[code & (MAX_CODE - 1)]++;
      }
    }
    if ((w != 0 || code != 0) && first_iter < 0) {
      first_iter = i;
      first_code = code;
      first_signal = sig;
    }
  }
  int64_t total = now_ns() - t0;

  napi_value r, failures, first;
  CHECK(env, napi_create_object(env, &r));
  if (!put(env, r, "forks", forks) || !put(env, r, "ok", ok) || !put(env, r, "failed", failed) ||
      !put(env, r, "timeouts", timeouts) || !put(env, r, "signaled", signaled) || !put(env, r, "forkErrors", fork_errors) ||
      !put(env, r, "maxChildMs", (double)max_child / 1e6) || !put(env, r, "totalMs", (double)total / 1e6))
    return NULL;
  CHECK(env, napi_create_array(env, &failures));
  uint32_t k = 0;
  for (int c = 1; c < MAX_CODE; c++) {
    if (!tally[c]) continue;
    napi_value pair, a, b;
    CHECK(env, napi_create_array_with_length(env, 2, &pair));
    CHECK(env, napi_create_int32(env, c, &a));
    CHECK(env, napi_create_uint32(env, tally[c], &b));
    CHECK(env, napi_set_element(env, pair, 0, a));
    CHECK(env, napi_set_element(env, pair, 1, b));
    CHECK(env, napi_set_element(env, failures, k++, pair));
  }
  CHECK(env, napi_set_named_property(env, r, "failures", failures));
  if (first_iter >= 0) {
    CHECK(env, napi_create_object(env, &first));
    if (!put(env, first, "iteration", first_iter) || !put(env, first, "code", first_code) ||
        !put(env, first, "signal", first_signal))
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
  size_t n = sizeof CHECKS / sizeof CHECKS[0];
  CHECK(env, napi_create_array_with_length(env, n, &arr));
  for (size_t i = 0; i < n; i++) {
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

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"forkChildren", NULL, js_fork_children, NULL, NULL, NULL, napi_enumerable, NULL},
    {"checks", NULL, js_checks, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 2, props) != napi_ok) return NULL;
  return exports;
}
