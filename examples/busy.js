// A busy program for trying wasmprof: two hot functions that share the CPU 3:1 for ~3 seconds.
//
//   npx wasmprof record -o out -- node examples/busy.js
//   go tool pprof -top out/cpu-*.pb.gz        # renderThumbnails ~75 %, checksumRecords ~25 %
//
// The split is by time, not by work, so it holds on any machine: every 40 ms slice spends
// 30 ms in renderThumbnails and 10 ms in checksumRecords. Both do plain arithmetic and look at
// the clock only every few thousand iterations, so nearly all samples land in their own frames.
'use strict';

const SLICE_MS = 40;
const HEAVY_MS = 30;
const RUN_MS = Number(process.env.BUSY_MS || 3000);

function renderThumbnails(ms) {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 20000; i++) acc = (acc * 31 + i * i) % 1000003;
  }
  return acc;
}

function checksumRecords(ms) {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 20000; i++) acc = (acc ^ (i * 2654435761)) >>> 0;
  }
  return acc;
}

function main() {
  const stop = performance.now() + RUN_MS;
  let sink = 0;
  while (performance.now() < stop) {
    sink ^= renderThumbnails(HEAVY_MS);
    sink ^= checksumRecords(SLICE_MS - HEAVY_MS);
  }
  return sink;
}

const result = main();
if (process.env.BUSY_VERBOSE) console.log(`busy: done (${result})`);
