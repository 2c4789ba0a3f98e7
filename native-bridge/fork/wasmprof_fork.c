/*
 * wasmprof_fork: fork safety for the native bridge. Plain C11 behind Node-API (no V8 or Node C++
 * API), so the same binary loads in Node and in Deno (--allow-ffi).
 *
 * What it does
 *   - registers pthread_atfork handlers once per process, however many worker threads load it;
 *   - owns the bridge's native state that a fork()ed child can reach (an event ring, a scratch
 *     buffer pool, the control word of a background thread) and lays it out so that the child
 *     handler makes all of it fresh in O(1) without reading it (DESIGN.md section 2);
 *   - exposes counters to JavaScript, which reads them on its next tick.
 *
 * The handlers only touch C11 atomics: they never lock, allocate, log, wait or call into
 * JavaScript. They run at every child_process spawn in Node on Linux (a real fork()), so they
 * must be cheap and must never break a spawn.
 *
 * How "fresh in O(1)" works: every word that describes ring, pool or thread-control state is
 * stamped with the epoch (fork generation + 1) it was written in. The child handler bumps the
 * generation; from then on any word stamped with an older epoch reads as its initial value (ring
 * position 0, slot free, thread idle). Nothing old is read, walked, unlocked or freed: it is
 * abandoned in place, exactly as the parent's threads left it, possibly half-written.
 * The generation only changes in a child handler, when the child has a single thread, so no
 * operation can straddle a generation change.
 *
 * State table (the same table is in docs/fork-safety.md)
 *
 *   state                       kind                      prepare     parent      child
 *   --------------------------  ------------------------  ----------  ----------  -----------------------------
 *   g_reg (registration guard)  atomic int, CAS once      -           -           kept: registrations survive fork
 *   g_prepared                  atomic counter            +1          -           kept (inherited value)
 *   g_parent_resumes            atomic counter            -           +1          kept
 *   g_generation                atomic counter = epoch    -           -           +1: every stamped word goes stale
 *   g_last_pid                  atomic                    -           -           = getpid()
 *   g_active                    atomic flag               -           -           if 0: nothing else (no-op);
 *                                                                                 else = 0 and g_child_resets +1
 *   g_child_resets              atomic counter            -           -           +1 when g_active was set
 *   g_was_running_at_fork       atomic flag               = running   -           kept (tells the child)
 *   ring head / tail            atomic, epoch|pos         -           -           stale: read as position 0
 *   ring slots (seq + value)    atomic seq, epoch|n       -           -           stale: read as "empty, lap 0";
 *                                                                                 values abandoned unread
 *   pool slot owners            atomic, epoch|held        -           -           stale: read as free
 *   pool buffers                static bytes              -           -           abandoned unread (scratch)
 *   thread control (mutex-like) atomic, epoch|state       -           -           stale: read as idle; the old
 *                                                                                 pthread_t is never joined
 *   g_thread_stop               atomic flag               -           -           kept; set to 0 by each start
 *   g_thread_owner (napi_env)   atomic pointer            -           -           kept, harmless: only compared
 *   dropped/exhausted/stale     atomic counters           -           -           kept
 *   busy ops                    atomic counter            -           -           kept
 *
 * Limits: the epoch stamp in ring words is 24 bits wide and positions are 40 bits (compared
 * modulo 2^40), so a lineage of 16 million nested forks would wrap the stamp. Handlers point into
 * this shared object; glibc ties the registration to it (__register_atfork with __dso_handle) and
 * drops it at dlclose, and neither Node nor Deno unloads addons anyway.
 */
#define _POSIX_C_SOURCE 200809L

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
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
static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "pointer atomics must be lock-free");
static_assert(sizeof(unsigned long long) == 8, "64-bit words expected");

#define RELAXED memory_order_relaxed
#define ACQUIRE memory_order_acquire
#define RELEASE memory_order_release
#define ACQ_REL memory_order_acq_rel

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
static atomic_int g_was_running_at_fork;

static atomic_ullong g_ring_dropped;
static atomic_ullong g_pool_exhausted;
static atomic_ullong g_stale_releases;
static atomic_ullong g_busy_ops;

/* Stamps use generation + 1, so that zero-filled static storage is stale from the start and
 * reads as initial state, exactly like state abandoned by a parent. */
static inline uint64_t current_epoch(void) { return atomic_load_explicit(&g_generation, ACQUIRE) + 1; }

/* Marks the state as started before the first mutation, so a fork that can see the mutation
 * also sees the flag (the flag only decides whether the child counts a reset; the reset itself
 * is the generation bump, which always happens). */
static inline void mark_active(void) {
  if (!atomic_load_explicit(&g_active, RELAXED)) atomic_store(&g_active, 1);
}

/* ---------------------------------------------------------------- event ring
 * A bounded multi-producer multi-consumer queue: each slot carries a sequence number that says
 * whose turn it is (the classic per-slot-sequence design). Positions and sequences are 40-bit
 * counters compared modulo 2^40; the top 24 bits of every word hold the epoch stamp.
 */
#define RING_CAP 1024u
#define POS_BITS 40
#define POS_MASK ((1ull << POS_BITS) - 1)
#define GEN_MASK ((1ull << (64 - POS_BITS)) - 1)
static_assert((RING_CAP & (RING_CAP - 1)) == 0, "ring capacity must be a power of two");

typedef struct {
  atomic_ullong seq;
  atomic_ullong value; /* relaxed; ordered by seq */
} ring_slot;

static struct {
  alignas(64) atomic_ullong head; /* next position to pop */
  alignas(64) atomic_ullong tail; /* next position to push */
  alignas(64) ring_slot slots[RING_CAP];
} g_ring;

static inline uint64_t stamp(uint64_t gen, uint64_t n) { return ((gen & GEN_MASK) << POS_BITS) | (n & POS_MASK); }
static inline int stamped_now(uint64_t word, uint64_t gen) { return (word >> POS_BITS) == (gen & GEN_MASK); }
/* Signed distance a - b of two 40-bit counters. */
static inline int64_t pos_diff(uint64_t a, uint64_t b) { return (int64_t)((a - b) << (64 - POS_BITS)) >> (64 - POS_BITS); }

/* A stale position word reads as position 0 of the current epoch. */
static inline uint64_t load_pos(atomic_ullong *p, uint64_t gen, uint64_t *raw) {
  uint64_t w = atomic_load_explicit(p, RELAXED);
  *raw = w;
  return stamped_now(w, gen) ? (w & POS_MASK) : 0;
}

/* A stale slot reads as "free for lap 0": its sequence is its index. */
static inline uint64_t load_seq(ring_slot *s, uint32_t index, uint64_t gen) {
  uint64_t w = atomic_load_explicit(&s->seq, ACQUIRE);
  return stamped_now(w, gen) ? (w & POS_MASK) : index;
}

static int ring_push(uint64_t value) {
  mark_active();
  uint64_t gen = current_epoch();
  uint64_t raw;
  uint64_t pos = load_pos(&g_ring.tail, gen, &raw);
  for (;;) {
    uint32_t index = (uint32_t)(pos & (RING_CAP - 1));
    ring_slot *s = &g_ring.slots[index];
    int64_t d = pos_diff(load_seq(s, index, gen), pos);
    if (d == 0) {
      if (atomic_compare_exchange_weak_explicit(&g_ring.tail, &raw, stamp(gen, pos + 1), RELAXED, RELAXED)) {
        atomic_store_explicit(&s->value, value, RELAXED);
        atomic_store_explicit(&s->seq, stamp(gen, pos + 1), RELEASE);
        return 1;
      }
      pos = stamped_now(raw, gen) ? (raw & POS_MASK) : 0;
    } else if (d < 0) {
      atomic_fetch_add_explicit(&g_ring_dropped, 1, RELAXED);
      return 0;
    } else {
      pos = load_pos(&g_ring.tail, gen, &raw);
    }
  }
}

static int ring_pop(uint64_t *value) {
  mark_active();
  uint64_t gen = current_epoch();
  uint64_t raw;
  uint64_t pos = load_pos(&g_ring.head, gen, &raw);
  for (;;) {
    uint32_t index = (uint32_t)(pos & (RING_CAP - 1));
    ring_slot *s = &g_ring.slots[index];
    int64_t d = pos_diff(load_seq(s, index, gen), pos + 1);
    if (d == 0) {
      if (atomic_compare_exchange_weak_explicit(&g_ring.head, &raw, stamp(gen, pos + 1), RELAXED, RELAXED)) {
        *value = atomic_load_explicit(&s->value, RELAXED);
        atomic_store_explicit(&s->seq, stamp(gen, pos + RING_CAP), RELEASE);
        return 1;
      }
      pos = stamped_now(raw, gen) ? (raw & POS_MASK) : 0;
    } else if (d < 0) {
      return 0;
    } else {
      pos = load_pos(&g_ring.head, gen, &raw);
    }
  }
}

/* ---------------------------------------------------------------- scratch buffer pool
 * Fixed slots in static storage. Owner word = epoch << 1 | held. A slot whose owner word
 * has an older epoch is free: whoever held it does not exist in this process.
 */
#define POOL_SLOTS 8
#define POOL_SLOT_BYTES 4096

static atomic_ullong g_pool_owner[POOL_SLOTS];
static alignas(64) unsigned char g_pool_mem[POOL_SLOTS][POOL_SLOT_BYTES];

static int pool_acquire(void **buffer) {
  mark_active();
  uint64_t gen = current_epoch();
  uint64_t held = (gen << 1) | 1u;
  for (int i = 0; i < POOL_SLOTS; i++) {
    uint64_t w = atomic_load_explicit(&g_pool_owner[i], RELAXED);
    if (w == held) continue;
    /* free in this epoch, or stale (any state) from an older one */
    if (atomic_compare_exchange_strong_explicit(&g_pool_owner[i], &w, held, ACQUIRE, RELAXED)) {
      if (buffer) *buffer = g_pool_mem[i];
      return i;
    }
  }
  atomic_fetch_add_explicit(&g_pool_exhausted, 1, RELAXED);
  return -1;
}

static int pool_release(int slot) {
  if (slot < 0 || slot >= POOL_SLOTS) {
    atomic_fetch_add_explicit(&g_stale_releases, 1, RELAXED);
    return 0;
  }
  uint64_t gen = current_epoch();
  uint64_t expected = (gen << 1) | 1u;
  if (atomic_compare_exchange_strong_explicit(&g_pool_owner[slot], &expected, gen << 1, RELEASE, RELAXED)) return 1;
  atomic_fetch_add_explicit(&g_stale_releases, 1, RELAXED);
  return 0;
}

/* ---------------------------------------------------------------- busy background thread
 * Control word = epoch << 2 | state. It is the bridge's only mutex-like state: the thread
 * that moves it out of IDLE owns g_thread until it moves it back. A stale word reads as IDLE,
 * so a child never waits for, or joins, a thread that only existed in its parent.
 */
enum { T_IDLE = 0, T_STARTING = 1, T_RUNNING = 2, T_STOPPING = 3 };
static atomic_ullong g_thread_ctl;
static atomic_int g_thread_stop;
static atomic_ullong g_thread_ops_at_start;
static void *_Atomic g_thread_owner;
static pthread_t g_thread; /* written by the owner of STARTING, read by the owner of STOPPING */

static inline int thread_state(uint64_t w, uint64_t gen) { return (w >> 2) == gen ? (int)(w & 3u) : T_IDLE; }
static inline uint64_t thread_word(uint64_t gen, int state) { return (gen << 2) | (uint64_t)state; }

static void *busy_main(void *arg) {
  (void)arg;
  uint64_t i = 0;
  while (!atomic_load_explicit(&g_thread_stop, RELAXED)) {
    /* A burst of pushes then pops keeps events in flight; nested acquires keep slots held. */
    for (int k = 0; k < 32; k++) ring_push(i + (uint64_t)k);
    for (int k = 0; k < 32; k++) {
      uint64_t v;
      if (!ring_pop(&v)) break;
    }
    void *a = NULL, *b = NULL;
    int sa = pool_acquire(&a);
    int sb = pool_acquire(&b);
    if (a) memset(a, (int)(i & 0xff), 256);
    if (b) memset(b, (int)(~i & 0xff), 256);
    if (sb >= 0) pool_release(sb);
    if (sa >= 0) pool_release(sa);
    i += 32;
    atomic_fetch_add_explicit(&g_busy_ops, 1, RELAXED);
  }
  return NULL;
}

static int thread_start_owned(void *owner) {
  mark_active();
  uint64_t gen = current_epoch();
  uint64_t w = atomic_load_explicit(&g_thread_ctl, ACQUIRE);
  if (thread_state(w, gen) != T_IDLE) return 0;
  if (!atomic_compare_exchange_strong_explicit(&g_thread_ctl, &w, thread_word(gen, T_STARTING), ACQ_REL, RELAXED)) return 0;
  atomic_store(&g_thread_stop, 0);
  atomic_store(&g_thread_ops_at_start, atomic_load(&g_busy_ops));
  int rc = pthread_create(&g_thread, NULL, busy_main, NULL);
  if (rc != 0) {
    atomic_store_explicit(&g_thread_ctl, thread_word(gen, T_IDLE), RELEASE);
    return -rc;
  }
  atomic_store(&g_thread_owner, owner);
  atomic_store_explicit(&g_thread_ctl, thread_word(gen, T_RUNNING), RELEASE);
  return 1;
}

static int thread_start(void) { return thread_start_owned(NULL); }

static int64_t thread_stop_if(void *owner, int check_owner) {
  uint64_t gen = current_epoch();
  uint64_t w = atomic_load_explicit(&g_thread_ctl, ACQUIRE);
  if (thread_state(w, gen) != T_RUNNING) return -1;
  if (check_owner && atomic_load(&g_thread_owner) != owner) return -1;
  if (!atomic_compare_exchange_strong_explicit(&g_thread_ctl, &w, thread_word(gen, T_STOPPING), ACQ_REL, RELAXED)) return -1;
  atomic_store(&g_thread_stop, 1);
  pthread_join(g_thread, NULL);
  int64_t ops = (int64_t)(atomic_load(&g_busy_ops) - atomic_load(&g_thread_ops_at_start));
  atomic_store(&g_thread_owner, NULL);
  atomic_store_explicit(&g_thread_ctl, thread_word(gen, T_IDLE), RELEASE);
  return ops;
}

static int64_t thread_stop(void) { return thread_stop_if(NULL, 0); }

static int thread_running(void) { return thread_state(atomic_load(&g_thread_ctl), current_epoch()) == T_RUNNING; }

/* ---------------------------------------------------------------- atfork handlers (atomics only) */

static void on_prepare(void) {
  atomic_fetch_add_explicit(&g_prepared, 1, RELAXED);
  atomic_store_explicit(&g_was_running_at_fork, thread_running(), RELAXED);
}

static void on_parent(void) { atomic_fetch_add_explicit(&g_parent_resumes, 1, RELAXED); }

static void on_child(void) {
  /* The child has one thread. Bumping the generation is the whole reset: ring positions, ring
   * slots, pool owners and the thread control word stamped before it all read as fresh. */
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
  out->ring_dropped = atomic_load(&g_ring_dropped);
  out->pool_exhausted = atomic_load(&g_pool_exhausted);
  out->stale_releases = atomic_load(&g_stale_releases);
  out->busy_ops = atomic_load(&g_busy_ops);
  out->registered = atomic_load(&g_reg) == REG_DONE;
  out->register_error = atomic_load(&g_reg_error);
  out->active = atomic_load(&g_active);
  out->thread_running = thread_running();
  out->was_running_at_fork = atomic_load(&g_was_running_at_fork);
}

static const wasmprof_fork_api g_api = {
  .magic = WASMPROF_FORK_API_MAGIC,
  .version = WASMPROF_FORK_API_VERSION,
  .size = (uint32_t)sizeof(wasmprof_fork_api),
  .ring_capacity = RING_CAP,
  .pool_slots = POOL_SLOTS,
  .pool_slot_bytes = POOL_SLOT_BYTES,
  .state = read_state,
  .ring_push = ring_push,
  .ring_pop = ring_pop,
  .pool_acquire = pool_acquire,
  .pool_release = pool_release,
  .thread_start = thread_start,
  .thread_stop = thread_stop,
};

/* ---------------------------------------------------------------- Node-API surface */

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      const napi_extended_error_info *info_ = NULL;                        \
      napi_get_last_error_info((env), &info_);                             \
      bool pending_ = false;                                               \
      napi_is_exception_pending((env), &pending_);                         \
      if (!pending_)                                                       \
        napi_throw_error((env), NULL,                                      \
                         info_ && info_->error_message ? info_->error_message \
                                                       : "wasmprof_fork: Node-API call failed"); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

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
    napi_throw_type_error(env, NULL, "wasmprof_fork: expected a number");
    return false;
  }
  return napi_get_value_double(env, argv[i], out) == napi_ok;
}

static napi_value js_state(napi_env env, napi_callback_info info) {
  (void)info;
  wasmprof_fork_state s;
  read_state(&s);
  napi_value o;
  CHECK(env, napi_create_object(env, &o));
  if (!set_number(env, o, "pid", (double)s.pid) || !set_number(env, o, "forkGeneration", (double)s.fork_generation) ||
      !set_number(env, o, "prepared", (double)s.prepared) || !set_number(env, o, "parentResumes", (double)s.parent_resumes) ||
      !set_number(env, o, "childResets", (double)s.child_resets) || !set_bool(env, o, "registered", s.registered != 0) ||
      !set_number(env, o, "registerError", (double)s.register_error) || !set_number(env, o, "lastPid", (double)s.last_pid) ||
      !set_bool(env, o, "active", s.active != 0) || !set_bool(env, o, "threadRunning", s.thread_running != 0) ||
      !set_bool(env, o, "wasRunningAtFork", s.was_running_at_fork != 0) ||
      !set_number(env, o, "ringDropped", (double)s.ring_dropped) || !set_number(env, o, "poolExhausted", (double)s.pool_exhausted) ||
      !set_number(env, o, "staleReleases", (double)s.stale_releases) || !set_number(env, o, "busyOps", (double)s.busy_ops))
    return NULL;
  return o;
}

/* ringPush(n = 1, first = 0): pushes first, first+1, ... ; returns how many were accepted. */
static napi_value js_ring_push(napi_env env, napi_callback_info info) {
  double n, first;
  if (!arg_number(env, info, 0, 1, &n) || !arg_number(env, info, 1, 0, &first)) return NULL;
  if (!(n >= 0) || n > 1e9) {
    napi_throw_range_error(env, NULL, "wasmprof_fork: ringPush count out of range");
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
  if (!set_number(env, o, "count", (double)count) || !set_number(env, o, "sum", sum)) return NULL;
  return o;
}

static napi_value js_pool_acquire(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  CHECK(env, napi_create_int32(env, pool_acquire(NULL), &r));
  return r;
}

static napi_value js_pool_release(napi_env env, napi_callback_info info) {
  double slot;
  if (!arg_number(env, info, 0, -1, &slot)) return NULL;
  napi_value r;
  CHECK(env, napi_get_boolean(env, pool_release(slot >= 0 && slot < POOL_SLOTS ? (int)slot : -1) == 1, &r));
  return r;
}

static napi_value js_start_busy_thread(napi_env env, napi_callback_info info) {
  (void)info;
  int rc = thread_start_owned(env);
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
  napi_value r;
  CHECK(env, napi_create_double(env, (double)thread_stop(), &r));
  return r;
}

static napi_value js_c_api(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  CHECK(env, napi_create_external(env, (void *)&g_api, NULL, NULL, &r));
  return r;
}

/* A worker that started the busy thread and goes away stops it; others are left alone. */
static void env_cleanup(void *env) { thread_stop_if(env, 1); }

NAPI_MODULE_INIT() {
  register_once();
  napi_add_env_cleanup_hook(env, env_cleanup, env);
  napi_property_descriptor props[] = {
    {"state", NULL, js_state, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringPush", NULL, js_ring_push, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ringDrain", NULL, js_ring_drain, NULL, NULL, NULL, napi_enumerable, NULL},
    {"poolAcquire", NULL, js_pool_acquire, NULL, NULL, NULL, napi_enumerable, NULL},
    {"poolRelease", NULL, js_pool_release, NULL, NULL, NULL, napi_enumerable, NULL},
    {"startBusyThread", NULL, js_start_busy_thread, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stopBusyThread", NULL, js_stop_busy_thread, NULL, NULL, NULL, napi_enumerable, NULL},
    {"cApi", NULL, js_c_api, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (!set_number(env, exports, "ringCapacity", RING_CAP) || !set_number(env, exports, "poolSlots", POOL_SLOTS) ||
      !set_number(env, exports, "apiVersion", WASMPROF_FORK_API_VERSION))
    return NULL;
  return exports;
}
