// The raw export signatures of core.wasm, typed once so the rest of the SDK never touches
// untyped exports. Pointers are byte offsets into the core's memory. The numbers that go with
// them (stat ids, event kinds, sampler states) are generated from assembly/ into
// layout.generated.ts and re-exported here, so nothing is copied by hand.

export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  configure(frameCacheCapacity: number, poolIdleMax: number, bufferSize: number, maxMemoryPages: number, maxBuffers: number,
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
  frameCacheLookup(keyLo: number, keyHi: number): number;
  frameCachePeek(keyLo: number, keyHi: number): number;
  frameCacheStore(keyLo: number, keyHi: number, frame: number): number;
  frameCacheKeys(out: number, max: number): number;
  frameCacheLookupBatch(ptr: number, n: number): void;
  sampleAddColumns(kind: number, stacks: number, labels: number, v0: number, v1: number, v2: number, v3: number, n: number): number;
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

export { Stat, LiveEventKind, SamplerState } from './layout.generated.js';
