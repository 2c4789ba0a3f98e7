// The raw export signatures of core.wasm, typed once so the rest of the SDK never touches
// untyped exports. Pointers are byte offsets into the core's memory.

export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  configure(lruCapacity: number, poolIdleMax: number, bufferSize: number, maxMemoryPages: number, maxBuffers: number,
    maxDepth: number, profileChildren: number, pid: number, seedLo: number, seedHi: number, sampleMeanBytes: number): number;
  reset(): void;
  periodReset(): void;
  samplingStart(): number;
  samplingStop(): void;
  samplingFail(code: number): void;
  prefork(): void;
  postforkParent(): number;
  postforkChild(pid: number, tid: number): number;
  threadRegister(tid: number): number;
  threadUnregister(tid: number): number;
  threadAt(i: number): number;
  stringIntern(ptr: number, len: number): number;
  frameIntern(name: number, file: number, mapping: number, line: number, column: number): number;
  frameStore(keyLo: number, keyHi: number, namePtr: number, nameLen: number, filePtr: number, fileLen: number,
    mapPtr: number, mapLen: number, line: number, column: number): number;
  lruLookup(keyLo: number, keyHi: number): number;
  lruPeek(keyLo: number, keyHi: number): number;
  lruStore(keyLo: number, keyHi: number, frame: number): number;
  lruKeys(out: number, max: number): number;
  lruLookupBatch(ptr: number, n: number): void;
  sampleAddBatch(kind: number, ptr: number, n: number): number;
  stackPush(parent: number, frame: number): number;
  labelPush(parent: number, key: number, value: number): number;
  sampleAdd(kind: number, stack: number, labels: number, v0: number, v1: number, v2: number, v3: number): number;
  bufferAcquire(): number;
  bufferRelease(buf: number): number;
  bufferCapacity(buf: number): number;
  captureCommit(buf: number, records: number, used: number, kind: number, labels: number, v0: number, v1: number, v2: number, v3: number): number;
  liveAlloc(owner: number, lo: number, hi: number, size: number, stack: number, time: number): number;
  liveFree(owner: number, lo: number, hi: number): number;
  liveEvent(kind: number, owner: number, oldLo: number, oldHi: number, lo: number, hi: number, size: number, stack: number, time: number): number;
  liveExportBegin(): void;
  liveExportEnd(): void;
  liveClearOwner(owner: number): number;
  liveMismatch(): number;
  samplerSample(size: number): number;
  snapshotEncode(budget: number): number;
  snapshotMeasure(budget: number): number;
  stagingBuffer(size: number): number;
  snapshotOutput(): number;
  snapshotInput(len: number): number;
  snapshotRestore(len: number): number;
  checksum64(ptr: number, len: number): number;
  tablesView(): number;
  stat(id: number): number;
  lastError(): number;
  lastErrorDetail(): number;
  lastErrorDetail2(): number;
  clearError(): void;
  abortSlot(): number;
}

/** Stat ids understood by the core's stat() export (assembly/index.ts). */
export const Stat = {
  lruSize: 0, lruCapacity: 1, lruHits: 2, lruMisses: 3, lruEvictions: 4, lruUpdates: 5,
  strings: 6, frames: 7, stacks: 8, labelSets: 9, samples: 10, liveEntries: 11, owners: 12, liveStacks: 13,
  liveTracked: 14, liveConflicts: 15, liveUnmatchedFrees: 16, liveEmptyStacks: 17, livePendingDropped: 18,
  poolIdle: 19, poolOut: 20, poolCreated: 21, poolDiscarded: 22, poolDenied: 23,
  dropNoMemory: 24, dropAbandoned: 25, dropStaleKey: 26, dropTooDeep: 27, arenaEnd: 28, resets: 29, pid: 30,
  state: 31, samplerStarts: 32, wasRunningAtFork: 33, inFork: 34, threads: 35,
  snapshotCleared: 36, snapshotDroppedOwners: 37, snapshotDroppedStacks: 38, samplingGeneration: 39,
  stringBytes: 40, startedEver: 41, livePending: 42, liveExporting: 43, arenaBase: 44,
} as const;

/** Allocator event kinds (assembly/livemap.ts EV_*). */
export const LiveEventKind = {
  alloc: 1, free: 2, realloc: 3, mmapAnonymous: 4, mmapFile: 5, munmap: 6, mremap: 7, shmAttach: 8, shmDetach: 9, brk: 10,
} as const;
export type LiveEventKind = (typeof LiveEventKind)[keyof typeof LiveEventKind];

export const SamplerState = { stopped: 0, running: 1, errored: 2 } as const;
