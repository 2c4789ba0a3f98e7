// wasmprof exporters: what the profiler hands its periods to. See docs/exporters.md.
export type { BatchProfile, ErrorReporter, Exporter, ExporterStats, ProfileBatch } from './types.js';
export { FileExporter, type FileExporterOptions, type FileOps } from './file.js';
export { PyroscopeExporter, type PyroscopeExporterOptions } from './pyroscope.js';
export { DatadogExporter, type DatadogExporterOptions } from './datadog.js';
export type { SendingOptions } from './options.js';
export { fetchTransport, type HttpRequest, type HttpResponse, type Transport } from './transport.js';
export { nodeTransport } from './transport-node.js';
export {
  createExporter, createExporterFromEnv, resolveExporterConfig, ExporterConfigError,
  EXPORTER_KINDS, type ExporterConfig, type ExporterKind, type ExporterOverrides,
} from './config.js';
export { createPprofHandler, type PprofHandlerOptions, type PprofRequestListener } from './http-handler.js';
