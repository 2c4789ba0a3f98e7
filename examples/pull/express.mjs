// Pull mode in an Express app: `go tool pprof http://127.0.0.1:PORT/debug/pprof/profile?seconds=5`.
//   node examples/pull/express.mjs            (PORT=0 picks a free port; it prints the URL)
import express from 'express';
import { start } from 'wasmprof';
import { createPprofHandler } from 'wasmprof/http';

export async function serve(port = Number(process.env.PORT ?? 6060)) {
  const profiler = await start({ profiles: ['wall', 'heap'] });
  const app = express();
  app.use('/debug/pprof', createPprofHandler(profiler, { token: process.env.PPROF_TOKEN }));
  app.get('/', (_req, res) => { res.send('hello\n'); });
  const server = await new Promise((ok) => { const s = app.listen(port, '127.0.0.1', () => ok(s)); });
  return { profiler, server, url: `http://127.0.0.1:${server.address().port}` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await serve();
  console.log(`pprof at ${url}/debug/pprof/`);
}
