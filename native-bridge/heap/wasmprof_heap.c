/*
 * libwasmprof_heap.so: native heap sampling for any dynamically linked process, loaded with
 * LD_PRELOAD. Plain C11 + POSIX, no Node. Design and ring format: docs/native-heap.md.
 *
 * Interposed: malloc, calloc, realloc, free, posix_memalign, aligned_alloc, memalign, valloc,
 * anonymous mmap/mmap64, munmap, mremap, shmat/shmdt.
 * Deliberately NOT interposed: brk/sbrk. The program break only grows to back malloc's own
 * arena; every byte of it that a program uses is already counted by the malloc family hooks,
 * so counting brk growth too would count the same memory twice.
 *
 * Sampling is byte-weighted with exponentially distributed intervals (mean
 * WASMPROF_NATIVE_HEAP_INTERVAL bytes, default 512 KiB), one countdown per thread. A sampled
 * allocation's address goes into a lock-free open-addressing set; a free first asks that set
 * (one hash, usually one probe) and returns at once for unsampled addresses.
 *
 * Events go into a lock-free multi-producer ring in a file mapped MAP_SHARED
 * ($WASMPROF_NATIVE_HEAP_DIR/heap-<pid>.ring). The ring is a bounded queue with a sequence word
 * per slot (stored relative to the slot index, so an all-zero file is an empty ring and creating
 * one costs O(1): ftruncate gives zero pages). A slot is free again once the aggregator's
 * consumer position (in the header) is less than a lap behind it. A full ring drops the event
 * and counts it.
 *
 * Stacks: libgcc's DWARF unwinder (_Unwind_Backtrace, found after glibc's backtrace() loaded
 * libgcc_s; backtrace() is the fallback), so code built without frame pointers is unwound too.
 * backtrace()'s first call dlopens libgcc_s and allocates; we make that call in the
 * constructor with the re-entrancy guard held. After it, backtrace() does not allocate (it walks
 * .eh_frame through dl_iterate_phdr, whose lock glibc re-initialises in a forked child). Before
 * the warm-up (allocations made by libc's own start-up) the stack is just the caller's return
 * address. Frames inside this library are dropped.
 *
 * Re-entrancy: a per-thread (initial-exec TLS: no __tls_get_addr, which can allocate) guard;
 * allocations made while a hook runs (by backtrace, dlsym, ...) pass straight through.
 *
 * Fork: the pthread_atfork child handler only stores atomics: it bumps the generation (each
 * thread's sampling state is stamped with it and restarts when stale) and drops the pointers to
 * the ring and the address set. The next sampled event in the child creates a fresh ring named
 * by the child's pid and a fresh set; the parent's copies are abandoned unread. An exec'd image
 * runs the constructor again and replaces any ring file left under its pid.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* ---- ring layout (keep in sync with sdk/native-heap/ring.ts and docs/native-heap.md) ---- */
#define RING_MAGIC 0x31474e4952485057ull /* "WPHRING1" little-endian */
#define RING_VERSION 1u
#define RING_HEADER 4096u
#define SLOT_BYTES 320u
#define MAX_DEPTH 34u
#define DEFAULT_SLOTS 16384u

enum { EV_ALLOC = 1, EV_FREE = 2, EV_REALLOC = 3, EV_MMAP_ANON = 4, EV_MUNMAP = 6, EV_MREMAP = 7, EV_SHMAT = 8, EV_SHMDT = 9 };
/* Not an allocator event: "this process is exiting" (old = why, size = exit code). What the
 * process frees after it (atexit handlers, C++ static destructors, a runtime's teardown) is not
 * part of what it held at exit. */
enum { EV_EXIT = 32 };
enum { EXIT_CALLED = 1, EXIT_MAIN_RETURNED = 2, EXIT_RUNTIME = 3 };
/* Flag in the size field of a free event: the block was the last one this thread sampled and the
 * thread allocated nothing since (heaptrack's "temporary allocation"). */
#define FREE_TEMPORARY 1u

struct ring_header {
  uint64_t magic;           /* 0: written last, after the rest of the header */
  uint32_t version;         /* 8 */
  uint32_t slot_bytes;      /* 12 */
  uint32_t capacity;        /* 16: slots, a power of two */
  uint32_t pid;             /* 20 */
  uint64_t instance;        /* 24: random per ring, tells a replaced ring (exec) from the old */
  uint64_t interval;        /* 32: mean sampling interval, bytes */
  uint32_t ppid;            /* 40 */
  uint32_t max_depth;       /* 44 */
  uint64_t start_ns;        /* 48 */
  uint8_t pad0[64 - 56];
  _Atomic uint64_t head;    /* 64: next position producers claim */
  uint8_t pad1[64 - 8];
  uint64_t consumer;        /* 128: next position the aggregator reads (written by it only) */
  uint8_t pad2[64 - 8];
  _Atomic int64_t tracked;  /* 192: sampled addresses live in this process */
  _Atomic uint64_t dropped; /* 200: events dropped because the ring was full */
  _Atomic uint64_t set_full;/* 208: samples skipped because the address set was full */
  _Atomic uint64_t published; /* 216 */
  _Atomic uint64_t lost_frees; /* 224: frees of tracked addresses dropped (ring full) */
  _Atomic uint64_t capture_ns; /* 232: time spent capturing stacks (CLOCK_MONOTONIC) */
  _Atomic uint64_t captures;   /* 240 */
};

struct slot {
  _Atomic uint64_t seq; /* stored minus the slot index; lap*capacity+1 when published */
  uint32_t kind;
  uint32_t depth;
  uint64_t addr, old, size, time_ns;
  uint64_t stack[MAX_DEPTH];
};
_Static_assert(sizeof(struct slot) == SLOT_BYTES, "slot size");
_Static_assert(sizeof(struct ring_header) <= RING_HEADER, "header size");

/* ---- real functions ---- */
typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_alloc_fn)(size_t, size_t);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);
typedef void *(*shmat_fn)(int, const void *, int);
typedef int (*shmdt_fn)(const void *);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;
static posix_memalign_fn real_posix_memalign;
static aligned_alloc_fn real_aligned_alloc, real_memalign;
static malloc_fn real_valloc;
static mmap_fn real_mmap;
static munmap_fn real_munmap;
static mremap_fn real_mremap;
static shmat_fn real_shmat;
static shmdt_fn real_shmdt;

/* ---- bootstrap arena: serves allocations made while dlsym resolves the real functions ---- */
static _Alignas(64) char boot_arena[256 * 1024];
static _Atomic size_t boot_used;
static _Atomic int resolving;

static void *boot_alloc(size_t n, size_t align) {
  if (align < 16) align = 16;
  for (;;) {
    size_t at = atomic_load(&boot_used);
    size_t start = (at + 16 + align - 1) & ~(align - 1);
    size_t end = start + n;
    if (end > sizeof boot_arena) return NULL;
    if (atomic_compare_exchange_weak(&boot_used, &at, end)) {
      *(size_t *)(boot_arena + start - 16) = n;
      return boot_arena + start;
    }
  }
}
static int in_boot(const void *p) { return (const char *)p >= boot_arena && (const char *)p < boot_arena + sizeof boot_arena; }

static void resolve_real(void) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&resolving, &expected, 1)) return; /* another thread (or we) is resolving */
  real_malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
  real_free = (free_fn)dlsym(RTLD_NEXT, "free");
  real_calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
  real_realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
  real_posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = (aligned_alloc_fn)dlsym(RTLD_NEXT, "aligned_alloc");
  real_memalign = (aligned_alloc_fn)dlsym(RTLD_NEXT, "memalign");
  real_valloc = (malloc_fn)dlsym(RTLD_NEXT, "valloc");
  real_mmap = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
  real_munmap = (munmap_fn)dlsym(RTLD_NEXT, "munmap");
  real_mremap = (mremap_fn)dlsym(RTLD_NEXT, "mremap");
  real_shmat = (shmat_fn)dlsym(RTLD_NEXT, "shmat");
  real_shmdt = (shmdt_fn)dlsym(RTLD_NEXT, "shmdt");
  atomic_store(&resolving, 2);
}
static inline int ready(void) { return atomic_load_explicit(&resolving, memory_order_acquire) == 2; }

/* ---- global state ---- */
static int g_enabled;                 /* a ring directory was given */
static char g_dir[512];
static uint64_t g_interval = 512 * 1024;
static uint32_t g_slots = DEFAULT_SLOTS;
static _Atomic int g_bt_ready;
static uintptr_t g_self_lo, g_self_hi; /* this library's mapped range: its frames are dropped */

static _Atomic unsigned g_generation = 1;          /* bumped by the atfork child handler */
static _Atomic(struct ring_header *) g_ring;       /* NULL: not created in this process yet */
static _Atomic int g_ring_state;                   /* 0 none, 1 creating, 2 ready, 3 failed */
static _Atomic uint64_t g_no_ring_drops;
/* Bytes at the start of this process's ring mapping already write-faulted, during the first lap. */
static _Atomic size_t g_ring_populated;
static _Atomic int g_populate_off; /* MADV_POPULATE_WRITE unsupported (Linux < 5.14) */

/* Sampled addresses: a lock-free open-addressing set in levels of growing size (2^13, 2^15,
 * 2^17, 2^20 slots). An insert tries the smallest level first, so a process with a few thousand
 * sampled blocks live touches only level 0's 16 pages: a single 8 MiB table hashed at random
 * wrote a new page on most of the first ~2000 inserts (a page fault each, 0.5 % of the target's
 * CPU in the zlib benchmark). Lookups search only the levels used so far (`top`). */
#define SET_LEVELS 4u
static const uint32_t set_level_bits[SET_LEVELS] = { 13, 15, 17, 20 };
static const uint32_t set_level_base[SET_LEVELS] = { 0, 1u << 13, (1u << 13) + (1u << 15), (1u << 13) + (1u << 15) + (1u << 17) };
#define SET_SLOTS ((1u << 13) + (1u << 15) + (1u << 17) + (1u << 20))
#define SET_PROBES 96u
#define FILTER_BITS 15u
#define FILTER_SLOTS (1u << FILTER_BITS) /* u8 counters: 32 KiB */
#define SET_EMPTY 0u
#define SET_TOMB 1u
struct addr_set {
  _Atomic uint8_t filter[FILTER_SLOTS];
  _Atomic uint32_t top;  /* highest level that may hold an address; raised before inserting there */
  uint8_t pad[64 - 4];
  _Atomic uintptr_t slots[SET_SLOTS];
};
static _Atomic(struct addr_set *) g_set;
static _Atomic int g_set_state; /* 0 none, 1 creating, 2 ready, 3 failed */

/* per thread */
static TLS int t_guard;
static TLS unsigned t_gen;
static TLS int64_t t_countdown;
static TLS uint64_t t_rng;
static TLS uintptr_t t_last_addr;  /* the last block this thread sampled ... */
static TLS int64_t t_last_countdown; /* ... and its countdown right after: unchanged = no allocation since */
static _Atomic int g_exit_marked;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *sys_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off) {
  if (real_mmap) return real_mmap(a, n, prot, flags, fd, off);
  return (void *)syscall(SYS_mmap, a, n, prot, flags, fd, off);
}

/* ---- sampling ---- */
static uint64_t rng_next(void) {
  uint64_t x = t_rng;
  if (x == 0) x = (uint64_t)(uintptr_t)&t_rng ^ now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ull;
  x ^= x << 13; x ^= x >> 7; x ^= x << 17;
  t_rng = x;
  return x;
}
static int64_t next_interval(void) {
  double u = (double)((rng_next() >> 11) + 1) / 9007199254740993.0; /* (0, 1] */
  double v = -log(u) * (double)g_interval;
  if (v < 1) v = 1;
  if (v > 1e15) v = 1e15;
  return (int64_t)v;
}
/* Byte-weighted: true when this allocation crosses the thread's next sample point. */
static inline int should_sample(size_t size) {
  unsigned gen = atomic_load_explicit(&g_generation, memory_order_relaxed);
  if (__builtin_expect(t_gen != gen, 0)) { t_gen = gen; t_rng = 0; t_countdown = next_interval(); }
  t_countdown -= (int64_t)size;
  if (__builtin_expect(t_countdown > 0, 1)) return 0;
  do t_countdown += next_interval(); while (t_countdown <= 0);
  return 1;
}

/* ---- sampled-address set ---- */
static inline uint32_t set_hash(uintptr_t a, uint32_t bits) { return (uint32_t)(((uint64_t)a * 0x9E3779B97F4A7C15ull) >> (64 - bits)); }

static struct addr_set *set_get(int create) {
  struct addr_set *s = atomic_load_explicit(&g_set, memory_order_acquire);
  if (s || !create) return s;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&g_set_state, &expected, 1)) return NULL; /* being created or failed */
  void *m = sys_mmap(NULL, sizeof(struct addr_set), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) { atomic_store(&g_set_state, 3); return NULL; }
  /* Write-fault the filter and level 0 now (24 pages): a first read would map the shared zero
   * page, and the first write there would then cost a second fault plus a TLB shootdown (an IPI
   * to every CPU running one of our threads). Nobody else sees the mapping yet: plain stores. */
  size_t hot = offsetof(struct addr_set, slots) + sizeof(uintptr_t) * (1u << 13);
  for (size_t off = 0; off < hot; off += 4096) ((volatile uint8_t *)m)[off] = 0;
  s = (struct addr_set *)m;
  atomic_store_explicit(&g_set, s, memory_order_release);
  atomic_store(&g_set_state, 2);
  return s;
}

/* A counting filter in front of the set: a zero counter proves the address is not sampled, so
 * the common free (of an unsampled block) reads one byte of a 32 KiB array instead of probing
 * the set. Counters go up before an insert and down after a removal. It was 2^16 16-bit counters
 * indexed by a hash (128 KiB): in the zlib benchmark that load missed the cache on most frees
 * (0.9-1.1 % of the target's CPU, perf). Now one counter per 512-byte span of address space
 * (mod 16 MiB): frees close in address share a cache line. With n sampled blocks live, a free
 * of an unsampled block still probes the set with probability about n / 32768. */
static inline uint32_t filter_index(uintptr_t a) { return (uint32_t)((a >> 9) & (FILTER_SLOTS - 1)); }

/* Inserting needs no duplicate check: an address is only inserted when the allocator hands it
 * out, and it was removed when it was freed. Tombstones are reused. */
static int set_insert(struct addr_set *s, uintptr_t a) {
  _Atomic uint8_t *f = &s->filter[filter_index(a)];
  if (atomic_load_explicit(f, memory_order_relaxed) == UINT8_MAX) return 0; /* saturated: do not sample */
  atomic_fetch_add_explicit(f, 1, memory_order_acq_rel);
  for (uint32_t level = 0; level < SET_LEVELS; level++) {
    uint32_t bits = set_level_bits[level], mask = (1u << bits) - 1, h = set_hash(a, bits);
    _Atomic uintptr_t *tab = &s->slots[set_level_base[level]];
    uint32_t top = atomic_load_explicit(&s->top, memory_order_relaxed);
    while (top < level && !atomic_compare_exchange_weak_explicit(&s->top, &top, level, memory_order_acq_rel, memory_order_relaxed)) {}
    for (uint32_t i = 0; i < SET_PROBES; i++) {
      _Atomic uintptr_t *e = &tab[(h + i) & mask];
      /* CAS first, no load before it: most slots are empty, and on a page never touched a load
       * would map the zero page and the CAS then fault again and shoot down the TLB. */
      uintptr_t cur = SET_EMPTY;
      while (cur == SET_EMPTY || cur == SET_TOMB) {
        if (atomic_compare_exchange_weak_explicit(e, &cur, a, memory_order_acq_rel, memory_order_relaxed)) return 1;
      }
    }
  }
  atomic_fetch_sub_explicit(f, 1, memory_order_acq_rel);
  return 0;
}
static inline int set_remove(uintptr_t a) {
  struct addr_set *s = atomic_load_explicit(&g_set, memory_order_acquire);
  if (__builtin_expect(s == NULL, 1) || a <= SET_TOMB) return 0;
  _Atomic uint8_t *f = &s->filter[filter_index(a)];
  if (__builtin_expect(atomic_load_explicit(f, memory_order_acquire) == 0, 1)) return 0;
  uint32_t top = atomic_load_explicit(&s->top, memory_order_acquire);
  for (uint32_t level = 0; level <= top && level < SET_LEVELS; level++) {
    uint32_t bits = set_level_bits[level], mask = (1u << bits) - 1, h = set_hash(a, bits);
    _Atomic uintptr_t *tab = &s->slots[set_level_base[level]];
    for (uint32_t i = 0; i < SET_PROBES; i++) {
      _Atomic uintptr_t *e = &tab[(h + i) & mask];
      uintptr_t cur = atomic_load_explicit(e, memory_order_acquire);
      if (cur == SET_EMPTY) break;
      if (cur == a) {
        if (!atomic_compare_exchange_strong(e, &cur, (uintptr_t)SET_TOMB)) return 0;
        atomic_fetch_sub_explicit(f, 1, memory_order_acq_rel);
        return 1;
      }
    }
  }
  return 0;
}

/* ---- ring ---- */
static void u32_to_dec(char *out, uint32_t v) {
  char tmp[12]; int n = 0;
  do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) *out++ = tmp[--n];
  *out = 0;
}
static size_t ring_path(char *out, size_t cap, uint32_t pid) {
  size_t dl = strlen(g_dir);
  if (dl + 32 > cap) return 0;
  memcpy(out, g_dir, dl);
  memcpy(out + dl, "/heap-", 6);
  u32_to_dec(out + dl + 6, pid);
  size_t l = strlen(out);
  memcpy(out + l, ".ring", 6);
  return l + 5;
}

static struct ring_header *ring_get(void) {
  struct ring_header *r = atomic_load_explicit(&g_ring, memory_order_acquire);
  if (__builtin_expect(r != NULL, 1)) return r;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&g_ring_state, &expected, 1)) return NULL;
  char path[600];
  uint32_t pid = (uint32_t)getpid();
  if (!ring_path(path, sizeof path, pid)) { atomic_store(&g_ring_state, 3); return NULL; }
  size_t bytes = RING_HEADER + (size_t)g_slots * SLOT_BYTES;
  unlink(path); /* a ring left under this pid (by the pre-exec image) is replaced, not reused */
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate(fd, (off_t)bytes) != 0) {
    if (fd >= 0) close(fd);
    atomic_store(&g_ring_state, 3);
    return NULL;
  }
  void *m = sys_mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) { atomic_store(&g_ring_state, 3); return NULL; }
  r = (struct ring_header *)m;
  r->version = RING_VERSION;
  r->slot_bytes = SLOT_BYTES;
  r->capacity = g_slots;
  r->pid = pid;
  r->ppid = (uint32_t)getppid();
  r->max_depth = MAX_DEPTH;
  r->interval = g_interval;
  r->start_ns = now_ns();
  r->instance = r->start_ns ^ ((uint64_t)pid << 40) ^ (uint64_t)(uintptr_t)m;
  __atomic_store_n(&r->magic, RING_MAGIC, __ATOMIC_RELEASE);
  atomic_store(&g_ring_populated, 0);
  atomic_store_explicit(&g_ring, r, memory_order_release);
  atomic_store(&g_ring_state, 2);
  return r;
}

static inline struct slot *ring_slots(struct ring_header *r) { return (struct slot *)((char *)r + RING_HEADER); }

/* Claims a slot; NULL when the ring is full (counted by the caller). */
static struct slot *ring_claim(struct ring_header *r, uint64_t *pos_out) {
  uint64_t cap = r->capacity;
  uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
  for (;;) {
    /* A position is free once the aggregator's consumer position is less than one lap behind
     * it: the aggregator stores that position once per batch it has read, instead of one
     * write (a pwrite syscall, in Node) per slot, which was a third of its CPU per event. */
    uint64_t consumer = __atomic_load_n(&r->consumer, __ATOMIC_ACQUIRE);
    uint64_t ahead = pos - consumer;
    if ((int64_t)ahead < 0) { pos = atomic_load_explicit(&r->head, memory_order_relaxed); continue; } /* stale head */
    if (ahead >= cap) return NULL;
    if (atomic_compare_exchange_weak_explicit(&r->head, &pos, pos + 1, memory_order_relaxed, memory_order_relaxed)) {
      *pos_out = pos;
      return &ring_slots(r)[pos & (cap - 1)];
    }
  }
}
/* The ring's pages are first written by the events themselves: one page fault (allocate and zero a
 * tmpfs page) per 12.8 slots, 0.5-0.8 % of the target's CPU in the zlib benchmark (perf). Instead,
 * during the first lap, whoever claims a slot within half a chunk of the faulted end write-faults
 * the next 256 KiB in one madvise call. After the first lap every page is there. */
#define RING_POPULATE_CHUNK (256u * 1024u)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static void ring_populate_ahead(struct ring_header *r, uint64_t pos) {
  if (pos >= r->capacity || atomic_load_explicit(&g_populate_off, memory_order_relaxed)) return;
  size_t total = RING_HEADER + (size_t)r->capacity * SLOT_BYTES; /* a multiple of 4096: capacity >= 64 */
  size_t need = RING_HEADER + (size_t)(pos + 1) * SLOT_BYTES + RING_POPULATE_CHUNK / 2;
  size_t done = atomic_load_explicit(&g_ring_populated, memory_order_relaxed);
  if (need <= done || done >= total) return;
  size_t next = done + RING_POPULATE_CHUNK < total ? done + RING_POPULATE_CHUNK : total;
  if (!atomic_compare_exchange_strong(&g_ring_populated, &done, next)) return; /* another thread does it */
  if (madvise((char *)r + done, next - done, MADV_POPULATE_WRITE) != 0) atomic_store(&g_populate_off, 1);
}

static inline void ring_publish(struct ring_header *r, struct slot *s, uint64_t pos) {
  atomic_store_explicit(&s->seq, pos + 1 - (pos & (r->capacity - 1)), memory_order_release);
  atomic_fetch_add_explicit(&r->published, 1, memory_order_relaxed);
}

/* ---- stacks ---- */
static int self_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  uintptr_t me = (uintptr_t)data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD) continue;
    uintptr_t lo = info->dlpi_addr + p->p_vaddr, hi = lo + p->p_memsz;
    if (me >= lo && me < hi) { g_self_lo = lo; g_self_hi = hi; return 1; }
  }
  return 0;
}

/* libgcc's unwinder called directly (found in the constructor, after backtrace() loaded
 * libgcc_s): glibc's backtrace() adds its own frame to unwind and a copy, and capture() was a
 * frame of its own too; every frame costs an FDE lookup and a CFA program run (≈ 0.4 µs here). */
typedef _Unwind_Reason_Code (*unwind_backtrace_fn)(_Unwind_Trace_Fn, void *);
typedef _Unwind_Ptr (*unwind_getip_fn)(struct _Unwind_Context *);
static unwind_backtrace_fn g_unwind_backtrace;
static unwind_getip_fn g_unwind_getip;
struct unwind_out { uint64_t *out; uint32_t depth, visited; };
static _Unwind_Reason_Code unwind_frame(struct _Unwind_Context *ctx, void *arg) {
  struct unwind_out *u = (struct unwind_out *)arg;
  if (++u->visited > MAX_DEPTH + 8) return _URC_END_OF_STACK; /* bounds any unwinding loop */
  uintptr_t a = (uintptr_t)g_unwind_getip(ctx);
  if (a == 0) return _URC_END_OF_STACK;
  if (a >= g_self_lo && a < g_self_hi) return _URC_NO_REASON;
  u->out[u->depth++] = (uint64_t)a;
  return u->depth >= MAX_DEPTH ? _URC_END_OF_STACK : _URC_NO_REASON;
}

static inline __attribute__((always_inline)) uint32_t capture(uint64_t *out, void *caller) {
  if (!atomic_load_explicit(&g_bt_ready, memory_order_acquire)) {
    out[0] = (uint64_t)(uintptr_t)caller;
    return 1;
  }
  uint32_t d = 0;
  if (g_unwind_backtrace) {
    struct unwind_out u = { out, 0, 0 };
    g_unwind_backtrace(unwind_frame, &u);
    d = u.depth;
  } else {
    void *buf[MAX_DEPTH + 8];
    int n = backtrace(buf, (int)(MAX_DEPTH + 8));
    for (int i = 0; i < n && d < MAX_DEPTH; i++) {
      uintptr_t a = (uintptr_t)buf[i];
      if (a >= g_self_lo && a < g_self_hi) continue;
      out[d++] = (uint64_t)a;
    }
  }
  if (d == 0) { out[0] = (uint64_t)(uintptr_t)caller; d = 1; }
  return d;
}

/* Emits one event. `track`: 1 insert addr into the set (alloc side), 0 nothing. The caller
 * already removed old from the set when old != 0. Never blocks: a full ring drops and counts. */
static __attribute__((noinline)) void emit(uint32_t kind, uintptr_t addr, uintptr_t old, uint64_t size, int track, void *caller) {
  struct ring_header *r = ring_get();
  if (!r) { atomic_fetch_add_explicit(&g_no_ring_drops, 1, memory_order_relaxed); return; }
  if (track) {
    struct addr_set *s = set_get(1);
    if (!s || !set_insert(s, addr)) {
      atomic_fetch_add_explicit(&r->set_full, 1, memory_order_relaxed);
      if (!old) return;
      track = 0; kind = kind == EV_MREMAP ? EV_MUNMAP : EV_FREE; addr = old; old = 0; size = 0; /* still report the free */
    }
  }
  /* Order of work: the stack goes into a private buffer first; only then is a slot claimed and
   * filled in one go. */
  uint64_t stack[MAX_DEPTH];
  uint32_t depth = 0;
  if (track) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    depth = capture(stack, caller);
    clock_gettime(CLOCK_MONOTONIC, &b);
    atomic_fetch_add_explicit(&r->capture_ns, (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec)), memory_order_relaxed);
    atomic_fetch_add_explicit(&r->captures, 1, memory_order_relaxed);
  }
  uint64_t pos;
  struct slot *sl = ring_claim(r, &pos);
  int freeing = old || !track;
  if (!sl) {
    atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
    if (track) set_remove(addr);
    if (freeing) {
      /* the address left the set: the target stops counting it; the aggregator keeps a stale entry */
      atomic_fetch_add_explicit(&r->lost_frees, 1, memory_order_relaxed);
      atomic_fetch_sub_explicit(&r->tracked, 1, memory_order_relaxed);
    }
    return;
  }
  atomic_fetch_add_explicit(&r->tracked, track ? (old ? 0 : 1) : -1, memory_order_relaxed);
  ring_populate_ahead(r, pos);
  sl->kind = kind;
  sl->depth = depth;
  sl->addr = (uint64_t)addr;
  sl->old = (uint64_t)old;
  sl->size = size;
  sl->time_ns = now_ns();
  memcpy(sl->stack, stack, depth * sizeof(uint64_t));
  ring_publish(r, sl, pos);
}

/* ---- hooks ---- */
#define ENTER() (t_guard++)
#define LEAVE() (t_guard--)

static inline void after_alloc(uint32_t kind, void *p, size_t size, void *caller) {
  if (!p || !g_enabled || t_guard) return;
  if (!should_sample(size)) return;
  ENTER();
  emit(kind, (uintptr_t)p, 0, size, 1, caller);
  LEAVE();
  t_last_addr = (uintptr_t)p;
  t_last_countdown = t_countdown;
}
static inline int before_free(uint32_t kind, void *p, void *caller) {
  if (!set_remove((uintptr_t)p)) return 0;
  /* Costs nothing for unsampled frees: only a free of a sampled block gets here. Every allocation
   * on this thread moves t_countdown, so an unchanged countdown means none happened since. */
  int temporary = t_last_addr == (uintptr_t)p && t_last_countdown == t_countdown && t_gen == atomic_load_explicit(&g_generation, memory_order_relaxed);
  if (temporary) t_last_addr = 0;
  ENTER();
  emit(kind, (uintptr_t)p, 0, temporary ? FREE_TEMPORARY : 0, 0, caller);
  LEAVE();
  return 1;
}

EXPORT void *malloc(size_t n) {
  if (__builtin_expect(!ready(), 0)) {
    resolve_real();
    if (!ready()) return boot_alloc(n, 16);
  }
  void *p = real_malloc(n);
  after_alloc(EV_ALLOC, p, n, __builtin_return_address(0));
  return p;
}

EXPORT void free(void *p) {
  if (!p || in_boot(p)) return;
  if (__builtin_expect(!ready(), 0)) { resolve_real(); if (!ready()) return; }
  before_free(EV_FREE, p, __builtin_return_address(0));
  real_free(p);
}

EXPORT void *calloc(size_t a, size_t b) {
  if (__builtin_expect(!ready(), 0)) {
    resolve_real();
    if (!ready()) {
      size_t n;
      if (__builtin_mul_overflow(a, b, &n)) return NULL;
      return boot_alloc(n, 16); /* static storage: already zero */
    }
  }
  void *p = real_calloc(a, b);
  after_alloc(EV_ALLOC, p, a * b, __builtin_return_address(0));
  return p;
}

EXPORT void *realloc(void *old, size_t n) {
  if (__builtin_expect(!ready(), 0) || in_boot(old)) {
    resolve_real();
    if (old && in_boot(old)) {
      size_t was = *(size_t *)((char *)old - 16);
      void *p = ready() ? real_malloc(n) : boot_alloc(n, 16);
      if (p) memcpy(p, old, was < n ? was : n);
      return p;
    }
    if (!ready()) return boot_alloc(n, 16);
  }
  void *caller = __builtin_return_address(0);
  /* The free of old is emitted before the real call: once realloc returns, another thread may
   * be handed old's address and report it. */
  int was_tracked = old && set_remove((uintptr_t)old);
  void *p = real_realloc(old, n);
  if (!was_tracked) {
    if (p && n) after_alloc(EV_ALLOC, p, n, caller);
    return p;
  }
  if (t_guard) return p;
  ENTER();
  if (p && n && g_enabled && should_sample(n)) emit(EV_REALLOC, (uintptr_t)p, (uintptr_t)old, n, 1, caller);
  else emit(EV_FREE, (uintptr_t)old, 0, 0, 0, caller); /* realloc(p, 0), failure, or new block unsampled */
  LEAVE();
  return p;
}

EXPORT int posix_memalign(void **out, size_t align, size_t n) {
  if (__builtin_expect(!ready(), 0)) {
    resolve_real();
    if (!ready()) { void *p = boot_alloc(n, align); if (!p) return ENOMEM; *out = p; return 0; }
  }
  int rc = real_posix_memalign(out, align, n);
  if (rc == 0) after_alloc(EV_ALLOC, *out, n, __builtin_return_address(0));
  return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t n) {
  if (__builtin_expect(!ready(), 0)) { resolve_real(); if (!ready()) return boot_alloc(n, align); }
  void *p = real_aligned_alloc(align, n);
  after_alloc(EV_ALLOC, p, n, __builtin_return_address(0));
  return p;
}

EXPORT void *memalign(size_t align, size_t n) {
  if (__builtin_expect(!ready(), 0)) { resolve_real(); if (!ready()) return boot_alloc(n, align); }
  void *p = real_memalign(align, n);
  after_alloc(EV_ALLOC, p, n, __builtin_return_address(0));
  return p;
}

EXPORT void *valloc(size_t n) {
  if (__builtin_expect(!ready(), 0)) { resolve_real(); if (!ready()) return boot_alloc(n, 4096); }
  void *p = real_valloc(n);
  after_alloc(EV_ALLOC, p, n, __builtin_return_address(0));
  return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  if (__builtin_expect(!ready(), 0)) resolve_real();
  void *p = sys_mmap(addr, len, prot, flags, fd, off);
  /* Only anonymous mappings are allocations; file mappings are not heap. PROT_NONE mappings
   * are address-space reservations (V8 reserves its heap cages this way), not memory. */
  if (p != MAP_FAILED && (flags & MAP_ANONYMOUS) && prot != PROT_NONE) after_alloc(EV_MMAP_ANON, p, len, __builtin_return_address(0));
  return p;
}
EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) __attribute__((alias("mmap")));

EXPORT int munmap(void *addr, size_t len) {
  if (__builtin_expect(!ready(), 0)) resolve_real();
  before_free(EV_MUNMAP, addr, __builtin_return_address(0));
  if (real_munmap) return real_munmap(addr, len);
  return (int)syscall(SYS_munmap, addr, len);
}

EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...) {
  if (__builtin_expect(!ready(), 0)) resolve_real();
  void *new_addr = NULL;
  if (flags & MREMAP_FIXED) { va_list ap; va_start(ap, flags); new_addr = va_arg(ap, void *); va_end(ap); }
  void *caller = __builtin_return_address(0);
  int was_tracked = set_remove((uintptr_t)old);
  void *p = real_mremap ? real_mremap(old, old_len, new_len, flags, new_addr) : (void *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
  if (!was_tracked) return p;
  if (t_guard) return p;
  ENTER();
  /* free(old) then alloc(new), also when the address is unchanged; a failure leaves old
   * untracked (reported as freed). */
  if (p != MAP_FAILED) emit(EV_MREMAP, (uintptr_t)p, (uintptr_t)old, new_len, 1, caller);
  else emit(EV_MUNMAP, (uintptr_t)old, 0, 0, 0, caller);
  LEAVE();
  return p;
}

EXPORT void *shmat(int id, const void *addr, int flg) {
  if (__builtin_expect(!ready(), 0)) resolve_real();
  void *p = real_shmat(id, addr, flg);
  if (p != (void *)-1 && g_enabled && !t_guard) {
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) == 0) after_alloc(EV_SHMAT, p, ds.shm_segsz, __builtin_return_address(0));
  }
  return p;
}

EXPORT int shmdt(const void *addr) {
  if (__builtin_expect(!ready(), 0)) resolve_real();
  before_free(EV_SHMDT, (void *)addr, __builtin_return_address(0));
  return real_shmdt(addr);
}

/* ---- exit: mark the moment a process starts to exit ---- */
/* Written only into a ring that exists (a process that never sampled has nothing to report),
 * once per process image. */
static void mark_exit(uint32_t why, int code) {
  if (!g_enabled || !ready()) return;
  struct ring_header *r = atomic_load_explicit(&g_ring, memory_order_acquire);
  int expected = 0;
  if (!r || !atomic_compare_exchange_strong(&g_exit_marked, &expected, 1)) return;
  t_guard++;
  uint64_t pos;
  struct slot *sl = ring_claim(r, &pos);
  if (!sl) atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
  else {
    sl->kind = EV_EXIT; sl->depth = 0; sl->addr = 0; sl->old = why; sl->size = (uint64_t)(uint32_t)code; sl->time_ns = now_ns();
    ring_publish(r, sl, pos);
  }
  t_guard--;
}

typedef void (*exit_fn)(int) __attribute__((noreturn));
EXPORT __attribute__((noreturn)) void exit(int code) {
  mark_exit(EXIT_CALLED, code);
  static exit_fn real_exit;
  if (!real_exit) real_exit = (exit_fn)dlsym(RTLD_NEXT, "exit");
  if (real_exit) real_exit(code);
  _exit(code);
}

/* main's return goes to exit() inside libc, which no preload can interpose: wrap main instead. */
typedef int (*main_fn)(int, char **, char **);
typedef int (*start_main_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);
static main_fn g_real_main;
static int main_wrapper(int argc, char **argv, char **envp) {
  int code = g_real_main(argc, argv, envp);
  mark_exit(EXIT_MAIN_RETURNED, code);
  return code;
}
EXPORT int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void), void (*rtld_fini)(void), void *stack_end) {
  start_main_fn real = (start_main_fn)dlsym(RTLD_NEXT, "__libc_start_main");
  g_real_main = main;
  return real(main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}

/* A runtime whose teardown frees what the program held (Node disposes its heap, and with it
 * every Buffer, after its 'exit' event) says "exiting now" by calling access() on
 * "$WASMPROF_NATIVE_HEAP_DIR/.exit-<code>" (sdk/native-heap/exit-mark.cjs does it for Node).
 * A control channel without an addon; access() is rare, and only paths under the ring
 * directory are looked at. */
static int exit_mark_path(const char *path) {
  if (!g_enabled || !path) return 0;
  size_t dl = strlen(g_dir);
  if (strncmp(path, g_dir, dl) != 0 || strncmp(path + dl, "/.exit-", 7) != 0) return 0;
  const char *d = path + dl + 7;
  int code = 0;
  if (!*d) return 0;
  for (; *d; d++) { if (*d < '0' || *d > '9') return 0; code = code * 10 + (*d - '0'); if (code > 255) return 0; }
  mark_exit(EXIT_RUNTIME, code);
  return 1;
}
typedef int (*access_fn)(const char *, int);
typedef int (*faccessat_fn)(int, const char *, int, int);
EXPORT int access(const char *path, int mode) {
  static access_fn real_access;
  exit_mark_path(path);
  if (!real_access) real_access = (access_fn)dlsym(RTLD_NEXT, "access");
  return real_access ? real_access(path, mode) : (int)syscall(SYS_access, path, mode);
}
EXPORT int faccessat(int dirfd, const char *path, int mode, int flags) {
  static faccessat_fn real_faccessat;
  exit_mark_path(path);
  if (!real_faccessat) real_faccessat = (faccessat_fn)dlsym(RTLD_NEXT, "faccessat");
  return real_faccessat ? real_faccessat(dirfd, path, mode, flags) : (int)syscall(SYS_faccessat, dirfd, path, mode);
}

/* ---- fork: the child handler stores atomics, nothing else ---- */
static void atfork_child(void) {
  atomic_store(&g_ring, NULL);
  atomic_store(&g_ring_state, 0);
  atomic_store(&g_set, NULL);
  atomic_store(&g_set_state, 0);
  atomic_store(&g_no_ring_drops, 0);
  atomic_store(&g_ring_populated, 0);
  atomic_store(&g_exit_marked, 0);
  atomic_fetch_add(&g_generation, 1);
}

/* Introspection for tests: the process's own view. */
EXPORT int64_t wasmprof_heap_tracked(void) {
  struct ring_header *r = atomic_load(&g_ring);
  return r ? atomic_load(&r->tracked) : 0;
}

static uint64_t parse_u64(const char *s, uint64_t dflt) {
  if (!s || !*s) return dflt;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return dflt;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  return v ? v : dflt;
}

__attribute__((constructor)) static void heap_init(void) {
  resolve_real();
  const char *dir = getenv("WASMPROF_NATIVE_HEAP_DIR");
  g_interval = parse_u64(getenv("WASMPROF_NATIVE_HEAP_INTERVAL"), 512 * 1024);
  uint64_t slots = parse_u64(getenv("WASMPROF_NATIVE_HEAP_RING_SLOTS"), DEFAULT_SLOTS);
  uint32_t p2 = 64;
  while (p2 < slots && p2 < (1u << 22)) p2 <<= 1;
  g_slots = p2;
  dl_iterate_phdr(self_cb, (void *)(uintptr_t)&heap_init);
  t_guard++;
  { void *warm[4]; backtrace(warm, 4); } /* loads libgcc_s now, while allocations are untracked */
  void *gcc = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (gcc) {
    unwind_getip_fn getip = (unwind_getip_fn)dlsym(gcc, "_Unwind_GetIP");
    unwind_backtrace_fn bt = (unwind_backtrace_fn)dlsym(gcc, "_Unwind_Backtrace");
    if (getip && bt) { g_unwind_getip = getip; g_unwind_backtrace = bt; }
    /* the handle stays open: the unwinder is used for the whole life of the process */
  }
  t_guard--;
  atomic_store(&g_bt_ready, 1);
  pthread_atfork(NULL, NULL, atfork_child);
  if (dir && *dir && strlen(dir) < sizeof g_dir - 1) {
    memcpy(g_dir, dir, strlen(dir) + 1);
    g_enabled = 1;
  }
}
