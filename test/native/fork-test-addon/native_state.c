/*
 * Native state for the fork tests: an event ring, a scratch buffer pool and a busy background
 * thread, all in static storage and all reachable by a fork()ed child, half-changed by threads
 * the child does not have. Each is kept the way DESIGN.md section 2 asks: every word that
 * describes it is stamped with the bridge's epoch (api->epoch(), wasmprof_fork.h) when written,
 * and a word with an older stamp reads as its initial value (ring position 0, slot free, thread
 * idle). The bridge's child handler moves the epoch on, and that is the whole reset: nothing old
 * is read, walked, unlocked, joined or freed. docs/fork-safety.md has the state table.
 *
 * This addon's own atfork handler is a prepare handler that records whether the busy thread ran
 * (the child checks it). Like the bridge's, it only touches atomics.
 */
#define _GNU_SOURCE

#include <assert.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "fork_test.h"

static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "pointer atomics must be lock-free");

#define RELAXED memory_order_relaxed
#define ACQUIRE memory_order_acquire
#define RELEASE memory_order_release
#define ACQ_REL memory_order_acq_rel

/* ---------------------------------------------------------------- the bridge */

static const wasmprof_fork_api *_Atomic g_api;
static atomic_int g_prepare_registered;
static atomic_int g_was_running_at_fork;

static atomic_ullong g_ring_dropped;
static atomic_ullong g_pool_exhausted;
static atomic_ullong g_stale_releases;
static atomic_ullong g_busy_ops;

const wasmprof_fork_api *bridge_api(void) { return atomic_load_explicit(&g_api, ACQUIRE); }

/* Before attach nothing can have been stamped, so any epoch would do; 1 is the bridge's first. */
static inline uint64_t current_epoch(void) {
  const wasmprof_fork_api *api = bridge_api();
  return api ? api->epoch() : 1;
}

static inline void mark_active(void) {
  const wasmprof_fork_api *api = bridge_api();
  if (api) api->mark_active();
}

static int thread_running(void);

static void on_prepare(void) { atomic_store_explicit(&g_was_running_at_fork, thread_running(), RELAXED); }

const char *bridge_attach(const char *path) {
  /* RTLD_NOLOAD: the copy Node already loaded (with its atfork handlers), never a second one. */
  void *handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  if (!handle) return "the bridge at that path is not loaded in this process";
  const wasmprof_fork_api *api = (const wasmprof_fork_api *)dlsym(handle, WASMPROF_FORK_API_SYMBOL);
  dlclose(handle); /* drops only the reference taken here */
  if (!api) return "the bridge exports no " WASMPROF_FORK_API_SYMBOL;
  if (api->magic != WASMPROF_FORK_API_MAGIC || api->version != WASMPROF_FORK_API_VERSION || api->size < sizeof *api)
    return "bridge C API magic/version/size mismatch";
  const wasmprof_fork_api *none = NULL;
  if (!atomic_compare_exchange_strong(&g_api, &none, api) && none != api) return "already attached to another bridge";
  int expected = 0;
  if (atomic_compare_exchange_strong(&g_prepare_registered, &expected, 1) && pthread_atfork(on_prepare, NULL, NULL) != 0)
    return "pthread_atfork failed";
  return NULL;
}

/* ---------------------------------------------------------------- event ring
 * A bounded multi-producer multi-consumer queue: each slot carries a sequence number that says
 * whose turn it is (the classic per-slot-sequence design). Positions and sequences are 40-bit
 * counters compared modulo 2^40; the top 24 bits of every word hold the epoch stamp, so a
 * lineage of 2^24 nested forks would wrap it.
 */
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

int ring_push(uint64_t value) {
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

int ring_pop(uint64_t *value) {
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
static atomic_ullong g_pool_owner[POOL_SLOTS];
static alignas(64) unsigned char g_pool_mem[POOL_SLOTS][POOL_SLOT_BYTES];

int pool_acquire(void **buffer) {
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

int pool_release(int slot) {
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
 * Control word = epoch << 2 | state. It is the only mutex-like state: the thread that moves it
 * out of IDLE owns g_thread until it moves it back. A stale word reads as IDLE, so a child never
 * waits for, or joins, a thread that only existed in its parent.
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

int thread_start(void *owner) {
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

int64_t thread_stop(void) { return thread_stop_if(NULL, 0); }
int64_t thread_stop_owned(void *owner) { return thread_stop_if(owner, 1); }

static int thread_running(void) {
  if (!bridge_api()) return 0;
  return thread_state(atomic_load(&g_thread_ctl), current_epoch()) == T_RUNNING;
}

void test_read_state(test_state *out) {
  memset(out, 0, sizeof *out);
  out->ring_dropped = atomic_load(&g_ring_dropped);
  out->pool_exhausted = atomic_load(&g_pool_exhausted);
  out->stale_releases = atomic_load(&g_stale_releases);
  out->busy_ops = atomic_load(&g_busy_ops);
  out->thread_running = thread_running();
  out->was_running_at_fork = atomic_load(&g_was_running_at_fork);
}
