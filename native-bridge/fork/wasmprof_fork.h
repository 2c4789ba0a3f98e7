/*
 * wasmprof_fork.h: the C view of the fork-safety bridge, for other native code in the same
 * process (the fork test addon today, the native allocation hooks later).
 *
 * Native code does not link against the bridge. It gets the function table from JavaScript:
 * `bridge.cApi()` returns a Node-API external whose pointer is a `const wasmprof_fork_api *`.
 * Check `magic`, `version` and `size` before using it.
 *
 * Every function in the table is safe in a fork()ed child, before exec, even when the parent
 * had other threads running inside the same functions when it forked. None of them locks,
 * allocates or calls into JavaScript (thread_start/thread_stop are the exceptions: they create
 * or join a pthread).
 */
#ifndef WASMPROF_FORK_H
#define WASMPROF_FORK_H

#include <stdint.h>

#define WASMPROF_FORK_API_MAGIC 0x574150524f464b31ull /* "WAPROFK1" read as a big-endian number */
#define WASMPROF_FORK_API_VERSION 1u

typedef struct wasmprof_fork_state {
  uint64_t prepared;        /* prepare handler runs in this process (and, inherited, its ancestors) */
  uint64_t parent_resumes;  /* parent handler runs */
  uint64_t child_resets;    /* child handler runs that found started state and reset it */
  uint64_t fork_generation; /* child handler runs along this process's lineage; also the state epoch */
  int64_t last_pid;         /* pid at load, then the pid the child handler saw */
  int64_t pid;              /* getpid() now */
  uint64_t ring_dropped;    /* pushes refused because the ring was full */
  uint64_t pool_exhausted;  /* acquires refused because every slot was held */
  uint64_t stale_releases;  /* releases of a slot not held in this generation */
  uint64_t busy_ops;        /* work items done by the busy thread(s), ever */
  int32_t registered;       /* 1 when pthread_atfork succeeded */
  int32_t register_error;   /* its error code otherwise */
  int32_t active;           /* something was started since load or since the last child reset */
  int32_t thread_running;   /* the busy thread runs in this process */
  int32_t was_running_at_fork; /* the busy thread ran when the last fork was prepared */
  int32_t reserved;
} wasmprof_fork_state;

typedef struct wasmprof_fork_api {
  uint64_t magic;   /* WASMPROF_FORK_API_MAGIC */
  uint32_t version; /* WASMPROF_FORK_API_VERSION */
  uint32_t size;    /* sizeof(wasmprof_fork_api) */
  uint32_t ring_capacity;
  uint32_t pool_slots;
  uint32_t pool_slot_bytes;
  uint32_t reserved;
  void (*state)(wasmprof_fork_state *out);
  /* 1 = pushed, 0 = ring full (counted in ring_dropped, never silent). */
  int (*ring_push)(uint64_t value);
  /* 1 = popped into *value, 0 = empty. */
  int (*ring_pop)(uint64_t *value);
  /* Slot index and its buffer (pool_slot_bytes long), or -1 when every slot is held (counted). */
  int (*pool_acquire)(void **buffer);
  /* 1 = released, 0 = the slot is not held in this generation (double or stale release, counted). */
  int (*pool_release)(int slot);
  /* 1 = started, 0 = already running or another thread is starting/stopping it, <0 = -errno. */
  int (*thread_start)(void);
  /* Work items done by the run that just stopped, or -1 if no thread was running. */
  int64_t (*thread_stop)(void);
} wasmprof_fork_api;

#endif
