/*
 * Forks from C and checks the child. JavaScript can never run in a fork()ed Node child (V8's
 * heap is MADV_DONTFORK), so each child checks, in C, everything of the bridge and of this
 * addon's native state that a child can reach, while the parent's busy thread was mutating that
 * state when the fork happened. A child _exit()s with 0 when all is well, otherwise with one
 * distinct code per failed check (CHECKS below, exported to JavaScript by checks()). The parent
 * waits for each child with a deadline, kills it on timeout, and tallies the outcomes.
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

#include "fork_test.h"

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

const check_name CHECKS[] = {
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
const int CHECK_COUNT = (int)(sizeof CHECKS / sizeof CHECKS[0]);

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
  if (!ring_push(77) || !ring_pop(&v) || v != 77 || ring_pop(&v)) return G_RING;
  return C_OK;
}

static int child_main(const wasmprof_fork_api *api, const wasmprof_fork_state *before, const test_state *before_test,
                      pid_t parent, int nested, int thread_in_child, int64_t deadline_ns) {
  wasmprof_fork_state s;
  test_state ts;
  api->state(&s);
  test_read_state(&ts);
  if (s.fork_generation != before->fork_generation + 1) return C_GENERATION;
  if (s.last_pid != (int64_t)getpid() || getpid() == parent) return C_PID;
  /* This fork's prepare ran here, its parent handler did not (that runs in the parent). */
  if (s.prepared < before->prepared + 1 || s.parent_resumes >= s.prepared || s.parent_resumes < before->parent_resumes)
    return C_COUNTERS;
  if (!s.registered) return C_REGISTERED;
  if (s.child_resets != before->child_resets + (before->active ? 1u : 0u)) return C_RESETS;
  if (s.active) return C_ACTIVE_AFTER_RESET;
  if (ts.thread_running) return C_THREAD_STATE;
  if (ts.was_running_at_fork != before_test->thread_running) return C_WAS_RUNNING;

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
  if (ring_pop(&v)) return C_RING_NOT_EMPTY;
  const uint64_t tag = 0xC0DE000000ull;
  for (uint32_t i = 0; i < RING_CAP; i++)
    if (!ring_push(tag + i)) return C_RING_PUSH;
  test_state mid;
  test_read_state(&mid);
  if (ring_push(1)) return C_RING_OVERFLOW;
  test_state after_drop;
  test_read_state(&after_drop);
  if (after_drop.ring_dropped != mid.ring_dropped + 1) return C_DROP_COUNT;
  for (uint32_t i = 0; i < RING_CAP; i++)
    if (!ring_pop(&v) || v != tag + i) return C_RING_ORDER;
  if (ring_pop(&v)) return C_RING_LEFTOVER;

  /* Pool: every slot acquirable although the parent's thread held some; no slot twice. */
  int slots[POOL_SLOTS];
  for (int i = 0; i < POOL_SLOTS; i++) {
    void *buf = NULL;
    slots[i] = pool_acquire(&buf);
    if (slots[i] < 0 || !buf) return C_POOL_ACQUIRE;
    memset(buf, 0x5a, POOL_SLOT_BYTES);
    for (int j = 0; j < i; j++)
      if (slots[j] == slots[i]) return C_POOL_DISTINCT;
  }
  if (pool_acquire(NULL) >= 0) return C_POOL_OVER;
  for (int i = 0; i < POOL_SLOTS; i++)
    if (pool_release(slots[i]) != 1) return C_POOL_RELEASE;
  if (pool_release(slots[0]) != 0) return C_POOL_DOUBLE_RELEASE;

  /* Thread control (the mutex-like word): the parent's thread does not exist here; starting a
   * new one must work, and stopping it must join it. */
  if (thread_in_child) {
    if (thread_start(NULL) != 1) return C_THREAD_START;
    if (thread_stop() < 0) return C_THREAD_STOP;
  }

  api->state(&s);
  test_read_state(&ts);
  if (!s.active) return C_ACTIVE_AFTER_USE;
  if (ts.thread_running) return C_THREAD_STATE;
  return C_OK;
}

void fork_children(const fork_options *o, fork_result *r) {
  const wasmprof_fork_api *api = bridge_api();
  memset(r, 0, sizeof *r);
  r->first_iter = -1;
  int64_t t0 = now_ns();
  pid_t parent = getpid();
  for (int i = 0; i < o->count; i++) {
    wasmprof_fork_state before;
    test_state before_test;
    api->state(&before);
    test_read_state(&before_test);
    int nested = o->nested_every > 0 && i % o->nested_every == 0;
    int64_t start = now_ns();
    int64_t deadline = start + o->deadline_ns;
    pid_t pid = fork();
    if (pid == 0) {
      /* Child: no JavaScript, no Node-API, only C, the bridge's table and this addon's state. */
      _exit(child_main(api, &before, &before_test, parent, nested, o->thread_in_child, deadline - 1000000));
    }
    if (pid < 0) {
      r->fork_errors++;
      if (r->first_iter < 0) {
        r->first_iter = i;
        r->first_code = -errno;
      }
      continue;
    }
    r->forks++;
    int st = 0;
    int w = wait_with_deadline(pid, deadline, &st);
    int64_t took = now_ns() - start;
    if (took > r->max_child_ns) r->max_child_ns = took;
    int code = -1, sig = 0;
    if (w == 1) {
      r->timeouts++;
      sig = SIGKILL;
    } else if (w < 0) {
      r->failed++;
    } else if (WIFSIGNALED(st)) {
      r->signaled++;
      sig = WTERMSIG(st);
    } else {
      code = WEXITSTATUS(st);
      if (code == 0) r->ok++;
      else {
        r->failed++;
        r->tally[code & (MAX_CODE - 1)]++;
      }
    }
    if ((w != 0 || code != 0) && r->first_iter < 0) {
      r->first_iter = i;
      r->first_code = code;
      r->first_signal = sig;
    }
  }
  r->total_ns = now_ns() - t0;
}
