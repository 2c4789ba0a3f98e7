/*
 * fork_test.h: the parts of the test-only fork addon (see fork_test.c for what it is for).
 *
 *   native_state.c  native state a fork()ed child can reach, kept the way DESIGN.md section 2 asks
 *                   of the bridge's future native state: an event ring, a scratch buffer pool and
 *                   a busy background thread, every word stamped with the bridge's epoch
 *   children.c      forks from C and the checks each child runs before it _exit()s
 *   fork_test.c     the Node-API surface
 *
 * None of this ships: the production bridge (native-bridge/fork) only counts forks and owns the
 * epoch. This addon reaches the loaded bridge through its C table (wasmprof_fork.h).
 */
#ifndef WASMPROF_FORK_TEST_H
#define WASMPROF_FORK_TEST_H

#include <stdint.h>

#include "wasmprof_fork.h"

#define RING_CAP 1024u
#define POOL_SLOTS 8
#define POOL_SLOT_BYTES 4096

/* Counters and flags of the test state (the bridge's own are in wasmprof_fork_state). */
typedef struct test_state {
  uint64_t ring_dropped;   /* pushes refused because the ring was full */
  uint64_t pool_exhausted; /* acquires refused because every slot was held */
  uint64_t stale_releases; /* releases of a slot not held in this generation */
  uint64_t busy_ops;       /* work items done by the busy thread(s), ever */
  int32_t thread_running;  /* the busy thread runs in this process */
  int32_t was_running_at_fork; /* the busy thread ran when the last fork was prepared */
} test_state;

/* Finds the bridge loaded from `path` and checks its table. NULL on success, else why not. */
const char *bridge_attach(const char *path);
/* The attached bridge's table, or NULL before bridge_attach() succeeded. */
const wasmprof_fork_api *bridge_api(void);

void test_read_state(test_state *out);
/* 1 = pushed, 0 = ring full (counted in ring_dropped, never silent). */
int ring_push(uint64_t value);
/* 1 = popped into *value, 0 = empty. */
int ring_pop(uint64_t *value);
/* Slot index and its buffer (POOL_SLOT_BYTES long), or -1 when every slot is held (counted). */
int pool_acquire(void **buffer);
/* 1 = released, 0 = the slot is not held in this generation (double or stale release, counted). */
int pool_release(int slot);
/* 1 = started, 0 = already running or another thread is starting/stopping it, <0 = -errno.
 * `owner` is stopped with it by thread_stop_owned (a worker's env going away). */
int thread_start(void *owner);
/* Work items done by the run that just stopped, or -1 if no thread was running. */
int64_t thread_stop(void);
int64_t thread_stop_owned(void *owner);

typedef struct fork_options {
  int count;
  int64_t deadline_ns;  /* per child, CLOCK_MONOTONIC span */
  int nested_every;     /* every Nth child forks a grandchild first (0 = never) */
  int thread_in_child;  /* children start and stop a busy thread of their own */
} fork_options;

enum { MAX_CODE = 256 };
typedef struct fork_result {
  int forks, ok, failed, timeouts, signaled, fork_errors;
  int first_iter, first_code, first_signal; /* first_iter < 0: no failure */
  int64_t max_child_ns, total_ns;
  uint32_t tally[MAX_CODE]; /* failed children per exit code */
} fork_result;

/* Forks `count` children one after the other, each running every check, and tallies them. */
void fork_children(const fork_options *options, fork_result *out);

typedef struct check_name {
  int code;
  const char *name;
} check_name;
extern const check_name CHECKS[];
extern const int CHECK_COUNT;

#endif
