/*
 * wasmprof_fork: fork safety for the native bridge. Plain C11 behind Node-API (no V8 or Node C++
 * API), so the same binary loads in Node and in Deno (--allow-ffi).
 *
 * What it does
 *   - registers pthread_atfork handlers once per process, however many worker threads load it;
 *   - counts what the handlers saw, which the SDK reads on its tick (state(): forks started by
 *     this process, and whether this process is a fork child);
 *   - owns the fork generation, the epoch that native state reachable by a fork()ed child is
 *     stamped with, so that the child handler makes all of it fresh in O(1) without reading it
 *     (DESIGN.md section 2). Other native code gets epoch() and mark_active() through the C table
 *     in wasmprof_fork.h; the bridge itself keeps no such state.
 *
 * The handlers only touch C11 atomics: they never lock, allocate, log, wait or call into
 * JavaScript. They run at every child_process spawn in Node on Linux (a real fork()), so they
 * must be cheap and must never break a spawn.
 *
 * How "fresh in O(1)" works: every word that describes native state is stamped with the epoch
 * (fork generation + 1) it was written in. The child handler bumps the generation; from then on
 * any word stamped with an older epoch reads as its initial value. Nothing old is read, walked,
 * unlocked or freed: it is abandoned in place, exactly as the parent's threads left it, possibly
 * half-written. The generation only changes in a child handler, when the child has a single
 * thread, so no operation can straddle a generation change. (test/native/fork-test-addon keeps an
 * event ring, a buffer pool and a thread control word this way, and forks in the middle of them.)
 *
 * State table (the same table is in docs/fork-safety.md)
 *
 *   state                       kind                      prepare     parent      child
 *   --------------------------  ------------------------  ----------  ----------  -----------------------------
 *   g_reg (registration guard)  atomic int, CAS once      -           -           kept: registrations survive fork
 *   g_prepared                  atomic counter            +1          -           kept (inherited value)
 *   g_parent_resumes            atomic counter            -           +1          kept
 *   g_generation                atomic counter = epoch-1  -           -           +1: every stamped word goes stale
 *   g_last_pid                  atomic                    -           -           = getpid()
 *   g_active                    atomic flag               -           -           if 0: nothing else (no-op);
 *                                                                                 else = 0 and g_child_resets +1
 *   g_child_resets              atomic counter            -           -           +1 when g_active was set
 *
 * Limits: users of the epoch may keep fewer bits of it (the test addon's ring keeps 24), which
 * bounds the lineage of nested forks they tell apart. Handlers point into this shared object;
 * glibc ties the registration to it (__register_atfork with __dso_handle) and drops it at dlclose,
 * and neither Node nor Deno unloads addons anyway.
 */
#define _POSIX_C_SOURCE 200809L

#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include "wasmprof_fork.h"

/* A non-lock-free atomic is implemented with a lock (libatomic): forbidden in a handler. */
static_assert(ATOMIC_INT_LOCK_FREE == 2, "int atomics must be lock-free");
static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
static_assert(sizeof(unsigned long long) == 8, "64-bit words expected");

#define RELAXED memory_order_relaxed
#define ACQUIRE memory_order_acquire
#define RELEASE memory_order_release

/* ---------------------------------------------------------------- registration and counters */

enum { REG_NONE = 0, REG_CLAIMED = 1, REG_DONE = 2, REG_FAILED = 3 };
static atomic_int g_reg = REG_NONE;
static atomic_int g_reg_error;

static atomic_ullong g_prepared;
static atomic_ullong g_parent_resumes;
static atomic_ullong g_child_resets;
static atomic_ullong g_generation;
static atomic_llong g_last_pid;
static atomic_int g_active;

static uint64_t epoch(void) { return atomic_load_explicit(&g_generation, ACQUIRE) + 1; }

/* Set before the first stamped write, so a fork that can see the write also sees the flag (the
 * flag only decides whether the child counts a reset; the reset itself is the generation bump,
 * which always happens). */
static void mark_active(void) {
  if (!atomic_load_explicit(&g_active, RELAXED)) atomic_store(&g_active, 1);
}

/* ---------------------------------------------------------------- atfork handlers (atomics only) */

static void on_prepare(void) { atomic_fetch_add_explicit(&g_prepared, 1, RELAXED); }

static void on_parent(void) { atomic_fetch_add_explicit(&g_parent_resumes, 1, RELAXED); }

static void on_child(void) {
  /* The child has one thread. Bumping the generation is the whole reset: every word stamped
   * before it reads as fresh. */
  atomic_store_explicit(&g_generation, atomic_load_explicit(&g_generation, RELAXED) + 1, RELEASE);
  atomic_store_explicit(&g_last_pid, (long long)getpid(), RELAXED);
  if (!atomic_load_explicit(&g_active, RELAXED)) return; /* nothing was started: nothing to count */
  atomic_store_explicit(&g_active, 0, RELAXED);
  atomic_fetch_add_explicit(&g_child_resets, 1, RELAXED);
}

static void register_once(void) {
  long long zero = 0;
  atomic_compare_exchange_strong(&g_last_pid, &zero, (long long)getpid());
  int expected = REG_NONE;
  if (atomic_compare_exchange_strong(&g_reg, &expected, REG_CLAIMED)) {
    int rc = pthread_atfork(on_prepare, on_parent, on_child);
    atomic_store(&g_reg_error, rc);
    atomic_store(&g_reg, rc == 0 ? REG_DONE : REG_FAILED);
    return;
  }
  /* Another thread (a worker loading the addon at the same moment) is inside pthread_atfork,
   * which takes microseconds: give it a bounded moment so `registered` is accurate here too.
   * This runs at load time, never in a handler. */
  for (int i = 0; i < 100000 && atomic_load(&g_reg) == REG_CLAIMED; i++) sched_yield();
}

static void read_state(wasmprof_fork_state *out) {
  memset(out, 0, sizeof *out);
  out->prepared = atomic_load(&g_prepared);
  out->parent_resumes = atomic_load(&g_parent_resumes);
  out->child_resets = atomic_load(&g_child_resets);
  out->fork_generation = atomic_load(&g_generation);
  out->last_pid = atomic_load(&g_last_pid);
  out->pid = (int64_t)getpid();
  out->registered = atomic_load(&g_reg) == REG_DONE;
  out->register_error = atomic_load(&g_reg_error);
  out->active = atomic_load(&g_active);
}

/* Found by name (wasmprof_fork.h), hence visible although node-gyp hides symbols by default. */
__attribute__((visibility("default"))) extern const wasmprof_fork_api wasmprof_fork_api_table;
const wasmprof_fork_api wasmprof_fork_api_table = {
  .magic = WASMPROF_FORK_API_MAGIC,
  .version = WASMPROF_FORK_API_VERSION,
  .size = (uint32_t)sizeof(wasmprof_fork_api),
  .state = read_state,
  .epoch = epoch,
  .mark_active = mark_active,
};

/* ---------------------------------------------------------------- Node-API surface */

static napi_value set_number(napi_env env, napi_value obj, const char *name, double v) {
  napi_value n;
  if (napi_create_double(env, v, &n) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, name, n) != napi_ok) return NULL;
  return obj;
}

static napi_value set_bool(napi_env env, napi_value obj, const char *name, bool v) {
  napi_value b;
  if (napi_get_boolean(env, v, &b) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, name, b) != napi_ok) return NULL;
  return obj;
}

static napi_value js_state(napi_env env, napi_callback_info info) {
  (void)info;
  wasmprof_fork_state s;
  read_state(&s);
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) {
    napi_throw_error(env, NULL, "wasmprof_fork: cannot create the state object");
    return NULL;
  }
  if (!set_number(env, o, "pid", (double)s.pid) || !set_number(env, o, "forkGeneration", (double)s.fork_generation) ||
      !set_number(env, o, "prepared", (double)s.prepared) || !set_number(env, o, "parentResumes", (double)s.parent_resumes) ||
      !set_number(env, o, "childResets", (double)s.child_resets) || !set_bool(env, o, "registered", s.registered != 0) ||
      !set_number(env, o, "registerError", (double)s.register_error) || !set_number(env, o, "lastPid", (double)s.last_pid) ||
      !set_bool(env, o, "active", s.active != 0))
    return NULL;
  return o;
}

NAPI_MODULE_INIT() {
  register_once();
  napi_property_descriptor props[] = {
    {"state", NULL, js_state, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (!set_number(env, exports, "apiVersion", WASMPROF_FORK_API_VERSION)) return NULL;
  return exports;
}
