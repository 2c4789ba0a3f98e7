// The SDK version sent in User-Agent and Datadog's profiler tags (a test keeps it equal to
// package.json's).
export const WASMPROF_VERSION = '0.1.0';
