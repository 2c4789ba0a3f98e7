/*
 * wasmprof_fork.h: the C view of the fork-safety bridge, for other native code in the same
 * process (the fork test addon today, the native allocation hooks later).
 *
 * Native code does not link against the bridge. It finds the bridge's function table by name in
 * the loaded addon: dlopen(<path of wasmprof_fork.node>, RTLD_NOW | RTLD_NOLOAD), then
 * dlsym(handle, WASMPROF_FORK_API_SYMBOL). The path is the one the SDK loaded (`bridge.path` in
 * sdk/runtime/fork-bridge.ts); RTLD_NOLOAD makes sure it is that copy, with its atfork handlers,
 * and never a second one. Check `magic`, `version` and `size` before using the table.
 *
 * Every function in the table is safe in a fork()ed child, before exec, even when the parent
 * had other threads running inside the same functions when it forked. None of them locks,
 * allocates or calls into JavaScript; each is a few atomic loads or stores.
 *
 * Native state that a child can reach is made fresh in the child in O(1), without reading it,
 * by stamping every word of it with epoch() when it is written: the child handler moves the
 * epoch on, so a word with an older stamp reads as its initial value (docs/fork-safety.md).
 */
#ifndef WASMPROF_FORK_H
#define WASMPROF_FORK_H

#include <stdint.h>

#define WASMPROF_FORK_API_MAGIC 0x574150524f464b31ull /* "WAPROFK1" read as a big-endian number */
#define WASMPROF_FORK_API_VERSION 2u
#define WASMPROF_FORK_API_SYMBOL "wasmprof_fork_api_table"

typedef struct wasmprof_fork_state {
  uint64_t prepared;        /* prepare handler runs in this process (and, inherited, its ancestors) */
  uint64_t parent_resumes;  /* parent handler runs */
  uint64_t child_resets;    /* child handler runs that found state marked active and reset it */
  uint64_t fork_generation; /* child handler runs along this process's lineage; epoch() - 1 */
  int64_t last_pid;         /* pid at load, then the pid the child handler saw */
  int64_t pid;              /* getpid() now */
  int32_t registered;       /* 1 when pthread_atfork succeeded */
  int32_t register_error;   /* its error code otherwise */
  int32_t active;           /* mark_active() was called since load or since the last child reset */
  int32_t reserved;
} wasmprof_fork_state;

typedef struct wasmprof_fork_api {
  uint64_t magic;   /* WASMPROF_FORK_API_MAGIC */
  uint32_t version; /* WASMPROF_FORK_API_VERSION */
  uint32_t size;    /* sizeof(wasmprof_fork_api) */
  void (*state)(wasmprof_fork_state *out);
  /* The stamp for state written now: fork generation + 1, so that zero-filled static storage is
   * stale from the start. It only changes in a child handler, when the child has one thread. */
  uint64_t (*epoch)(void);
  /* Call before the first write of stamped state: the next child handler then counts a reset
   * (child_resets) instead of being a no-op. */
  void (*mark_active)(void);
} wasmprof_fork_api;

#endif
