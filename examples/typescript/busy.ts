// TypeScript example: the same 3:1 split as examples/busy.js, written with types so that the
// compiled JavaScript has different line numbers. With source maps (on by default) the profile
// points at this file and these lines.
//
//   npx tsc -p examples/typescript                      # compiles to examples/typescript/dist (with .js.map)
//   npx wasmprof record -o out -- node examples/typescript/dist/busy.js
//   go tool pprof -top out/cpu-*.pb.gz                  # resizeImages / hashPayloads, file busy.ts

interface Job {
  /** Milliseconds to spend. */
  budgetMs: number;
  /** Seed of the arithmetic. */
  seed: number;
}

type Checksum = number;

export function resizeImages(job: Job): Checksum {
  const end = performance.now() + job.budgetMs;
  let acc: Checksum = job.seed;
  while (performance.now() < end) {
    for (let i = 0; i < 20000; i++) acc = (acc * 31 + i * i) % 1000003;
  }
  return acc;
}

export function hashPayloads(job: Job): Checksum {
  const end = performance.now() + job.budgetMs;
  let acc: Checksum = job.seed;
  while (performance.now() < end) {
    for (let i = 0; i < 20000; i++) acc = (acc ^ (i * 2654435761)) >>> 0;
  }
  return acc;
}

export function main(runMs: number): Checksum {
  const stop = performance.now() + runMs;
  let sink: Checksum = 0;
  while (performance.now() < stop) {
    sink ^= resizeImages({ budgetMs: 30, seed: sink });
    sink ^= hashPayloads({ budgetMs: 10, seed: sink });
  }
  return sink;
}

main(Number(process.env.BUSY_MS ?? 3000));
