// Every WASMPROF_* environment variable wasmprof reads, once. docs/configuration.md has the same
// table for users; test/config/config-table.test.ts fails when the two differ, or when a module
// reads a WASMPROF_* variable that is not listed here. Defaults and ranges live with the code
// that applies them (profiler/options.ts LIMITS, export/config.ts, …) and in the doc.

export type VariableKind =
  | 'list' | 'duration' | 'bytes' | 'integer' | 'boolean' | 'choice'
  | 'text' | 'secret' | 'path' | 'url' | 'tags' | 'flag';

export interface VariableInfo {
  readonly name: string;
  /** The options that set the same thing in code: start() options, and the overrides of
   *  createExporterFromEnv() for the exporter's variables. Empty when only the variable exists. */
  readonly options: readonly string[];
  readonly kind: VariableKind;
  /** The part of wasmprof that reads it. */
  readonly readBy: 'profiler' | 'exporter' | 'core' | 'native-heap' | 'cli';
}

const v = (name: string, options: readonly string[], kind: VariableKind, readBy: VariableInfo['readBy']): VariableInfo => ({ name, options, kind, readBy });

export const VARIABLES: readonly VariableInfo[] = [
  // start(): profiler/options.ts
  v('WASMPROF_PROFILES', ['profiles'], 'list', 'profiler'),
  v('WASMPROF_INTERVAL', ['interval'], 'duration', 'profiler'),
  v('WASMPROF_PERIOD', ['period'], 'duration', 'profiler'),
  v('WASMPROF_HEAP_INTERVAL', ['heapInterval'], 'bytes', 'profiler'),
  v('WASMPROF_HEAP_ALLOCATIONS', ['heapAllocations'], 'boolean', 'profiler'),
  v('WASMPROF_OUTPUT_DIR', ['outputDir'], 'path', 'profiler'),
  v('WASMPROF_SOURCE_MAPS', ['sourceMaps'], 'boolean', 'profiler'),
  v('WASMPROF_SERVICE', ['labels.service'], 'text', 'profiler'),
  v('WASMPROF_VERSION', ['labels.version', 'version'], 'text', 'profiler'),
  v('WASMPROF_ENV', ['labels.env', 'env'], 'text', 'profiler'),
  v('WASMPROF_FRAME_CACHE', ['frameCacheCapacity'], 'integer', 'profiler'),
  v('WASMPROF_SOURCE', ['source'], 'choice', 'profiler'),
  v('WASMPROF_CORE_HIGH_WATER', ['coreHighWater'], 'bytes', 'profiler'),
  // the CommonJS preload's loader: preload-loader.ts
  v('WASMPROF_CODE_CACHE', [], 'path', 'profiler'),
  // exporters: export/config.ts
  v('WASMPROF_EXPORTER', ['exporter'], 'choice', 'exporter'),
  v('WASMPROF_SERVER_URL', ['serverUrl'], 'url', 'exporter'),
  v('WASMPROF_APP_NAME', ['appName'], 'text', 'exporter'),
  v('WASMPROF_TAGS', ['tags'], 'tags', 'exporter'),
  v('WASMPROF_AUTH_TOKEN', ['authToken'], 'secret', 'exporter'),
  v('WASMPROF_BASIC_AUTH_USER', ['basicAuthUser'], 'text', 'exporter'),
  v('WASMPROF_BASIC_AUTH_PASSWORD', ['basicAuthPassword'], 'secret', 'exporter'),
  v('WASMPROF_TENANT_ID', ['tenantId'], 'text', 'exporter'),
  v('WASMPROF_SAMPLE_RATE', ['sampleRate'], 'integer', 'exporter'),
  v('WASMPROF_QUEUE_MAX_ITEMS', ['queueMaxItems'], 'integer', 'exporter'),
  v('WASMPROF_QUEUE_MAX_BYTES', ['queueMaxBytes'], 'bytes', 'exporter'),
  v('WASMPROF_EXPORT_TIMEOUT', ['timeoutMs'], 'duration', 'exporter'),
  v('WASMPROF_RETRY_INITIAL_BACKOFF', ['retryInitialMs'], 'duration', 'exporter'),
  v('WASMPROF_RETRY_MAX_BACKOFF', ['retryMaxMs'], 'duration', 'exporter'),
  v('WASMPROF_TRANSPORT', ['transport'], 'choice', 'exporter'),
  v('WASMPROF_FILE_MAX_FILES', ['maxFiles'], 'integer', 'exporter'),
  v('WASMPROF_FILE_MAX_BYTES', ['maxBytes'], 'bytes', 'exporter'),
  // the core: core/snapshot-budget.ts
  v('WASMPROF_LIVE_SNAPSHOT_MAX_BYTES', [], 'integer', 'core'),
  // native heap: native-heap/ and the preload library (native-bridge/heap)
  v('WASMPROF_NATIVE_HEAP_DIR', ['dir'], 'path', 'native-heap'),
  v('WASMPROF_NATIVE_HEAP_INTERVAL', [], 'bytes', 'native-heap'),
  v('WASMPROF_NATIVE_HEAP_RING_SLOTS', [], 'integer', 'native-heap'),
  // the command line: cli/view.ts
  v('WASMPROF_DEBUG', [], 'flag', 'cli'),
];
