// start({ exporter }): every period goes to the exporter (wall and cpu pprof with the period's
// times), the exporter's drop line lands in the next profile's comments, and stop() closes it.
import t from 'tap';
import { start } from '../../sdk/index.js';
import type { Exporter, ExporterStats, ProfileBatch } from '../../sdk/export/index.js';
import { decode } from './helpers.js';

class FakeExporter implements Exporter {
  batches: ProfileBatch[] = [];
  closed = 0;
  drops: string | undefined = 'wasmprof exporter: 3 profiles dropped (queue full)';
  export(batch: ProfileBatch): void { this.batches.push(batch); }
  flush(): Promise<void> { return Promise.resolve(); }
  close(): Promise<void> { this.closed++; return Promise.resolve(); }
  stats(): ExporterStats {
    return { kind: 'fake', batchesAccepted: this.batches.length, invalid: 0, delivered: 0, deliveredBytes: 0, retries: 0, timeouts: 0, rejected: 0, dropped: 0, droppedBytes: 0, queued: 0, queuedBytes: 0, lastError: undefined };
  }
  takeDropComment(): string | undefined { const d = this.drops; this.drops = undefined; return d; }
}

t.test('periods reach the exporter; drops are reported in the profile; stop closes it', async (t) => {
  const exporter = new FakeExporter();
  const profiler = await start({ profiles: ['wall', 'cpu'], interval: '1ms', period: '1h', exporter, env: {} });
  const end = Date.now() + 100;
  while (Date.now() < end) { /* burn */ }
  const first = await profiler.collect();
  t.equal(exporter.batches.length, 1);
  const b = exporter.batches[0];
  t.same(b.profiles.map((p) => p.type).sort(), ['cpu', 'wall']);
  t.equal(b.seq, first.seq);
  t.equal(b.start.getTime(), first.start.getTime());
  t.equal(b.profiles.find((p) => p.type === 'wall')?.pprof, first.wall, 'the same bytes collect() returned');
  t.ok(decode(first.wall!).comments.includes('wasmprof exporter: 3 profiles dropped (queue full)'), 'drop line in the profile');
  await profiler.stop();
  t.equal(exporter.batches.length, 2, 'the last period is exported too');
  t.equal(exporter.closed, 1, 'closed once at stop');
});

t.test('exporter must be an exporter or false', async (t) => {
  await t.rejects(start({ exporter: 42 as unknown as Exporter, env: {} }), /option exporter must be an exporter/);
});
