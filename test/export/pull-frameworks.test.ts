// The Express and Fastify examples (examples/pull/) serve a running profiler: a window with the
// hot function, the heap, the index, the app's own routes untouched.
import t from 'tap';
import { busy } from './helpers/busy.js';
import { decode, total } from '../profiler/helpers.js';


for (const name of ['express', 'fastify'] as const) {
  t.test(`${name}: createPprofHandler(profiler) mounted in the app`, async (t) => {
    const mod = (await import(`../../examples/pull/${name}.mjs`)) as {
      serve(port: number): Promise<{ profiler: { stop(): Promise<unknown> }; server: { close(): void }; close?: () => Promise<void>; url: string }>;
    };
    const app = await mod.serve(0);
    t.teardown(async () => {
      await app.profiler.stop().catch(() => undefined);
      if (app.close) await app.close(); else app.server.close();
    });
    t.equal(await (await fetch(`${app.url}/`)).text(), 'hello\n', "the app's own route");
    const index = await fetch(`${app.url}/debug/pprof/`);
    t.equal(index.status, 200, 'index');
    const windowed = fetch(`${app.url}/debug/pprof/profile?seconds=1`);
    await busy(1400);
    const res = await windowed;
    t.equal(res.status, 200, 'window');
    const wall = decode(new Uint8Array(await res.arrayBuffer()));
    t.ok(total(wall, 'burnHeavy', 1) > 0.5e9, `burnHeavy in the window (${(total(wall, 'burnHeavy', 1) / 1e6).toFixed(0)} ms)`);
    const heap = await fetch(`${app.url}/debug/pprof/heap`);
    t.equal(heap.status, 200, 'heap');
    t.ok(decode(new Uint8Array(await heap.arrayBuffer())).samples.length > 0, 'heap samples');
  });
}
