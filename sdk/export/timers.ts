// Timers that never keep the process alive: Node's Timeout.unref(), Deno's Deno.unrefTimer().

type Handle = ReturnType<typeof setTimeout>;

export function unrefTimer(handle: Handle): Handle {
  const h = handle as unknown as { unref?: () => unknown };
  if (typeof h.unref === 'function') h.unref();
  else {
    const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
    if (typeof handle === 'number' && deno?.unrefTimer) deno.unrefTimer(handle);
  }
  return handle;
}

/** setTimeout that does not hold the event loop open. */
export function setUnrefTimeout(fn: () => void, ms: number): Handle {
  return unrefTimer(setTimeout(fn, Math.max(0, ms)));
}

/** Resolves after ms (unref'd), or early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const done = (): void => { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); };
    const t = setUnrefTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
