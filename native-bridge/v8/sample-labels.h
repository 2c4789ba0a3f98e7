// Labels read at sample time: which label set was active on the isolate's thread at the moment
// each CPU-profiler sample was taken, read from V8's continuation-preserved embedder data (where
// Node's AsyncContextFrame keeps every AsyncLocalStorage store) by a SIGPROF handler chained in
// front of V8's own. Replaces an async_hooks hook on every callback with nothing per callback.
#pragma once

#include <v8.h>

namespace wasmprof_v8 {

struct SampleLabels;

// Per isolate; created on first use, deleted with the addon's state.
SampleLabels* SampleLabelsNew(v8::Isolate* isolate);
void SampleLabelsDelete(SampleLabels* labels);

// Called after V8 (re)started its sampler: puts our handler in front of V8's when it is not.
void SampleLabelsAfterCpuStart(SampleLabels* labels);

// labelsInit, labelsCheck, labelToken, labelsEnable, labelsNote, labelsDrain, labelsStop on `exports`.
void SampleLabelsExport(v8::Isolate* isolate, v8::Local<v8::Context> ctx, v8::Local<v8::Object> exports,
                        SampleLabels* labels);

}  // namespace wasmprof_v8
