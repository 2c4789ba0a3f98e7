// Pull mode in a Fastify app: the handler is a plain node:http listener, so the route hands it
// the raw request and response (reply.hijack() tells Fastify not to answer itself).
//   node examples/pull/fastify.mjs            (PORT=0 picks a free port; it prints the URL)
import Fastify from 'fastify';
import { start } from 'wasmprof';
import { createPprofHandler } from 'wasmprof/http';

export async function serve(port = Number(process.env.PORT ?? 6060)) {
  const profiler = await start({ profiles: ['wall', 'heap'] });
  const pprof = createPprofHandler(profiler, { token: process.env.PPROF_TOKEN });
  const app = Fastify();
  const mount = (req, reply) => { reply.hijack(); pprof(req.raw, reply.raw); };
  app.get('/debug/pprof', mount);
  app.get('/debug/pprof/*', mount);
  app.get('/', async () => 'hello\n');
  await app.listen({ port, host: '127.0.0.1' });
  return { profiler, server: app.server, close: () => app.close(), url: `http://127.0.0.1:${app.server.address().port}` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await serve();
  console.log(`pprof at ${url}/debug/pprof/`);
}
