// One JS function on an addon's exports, bound to native state (`data`, read back in the callback
// through info.Data()). Shared by the bridge's two parts (wasmprof_v8.cc, sample-labels.cc).
#pragma once

#include <v8.h>

namespace wasmprof_v8 {

inline void ExportFunction(v8::Isolate* isolate, v8::Local<v8::Context> ctx, v8::Local<v8::Object> exports, void* data,
                           const char* name, v8::FunctionCallback fn) {
  v8::Local<v8::FunctionTemplate> tpl = v8::FunctionTemplate::New(isolate, fn, v8::External::New(isolate, data));
  v8::Local<v8::Function> f;
  v8::Local<v8::String> key;
  if (!tpl->GetFunction(ctx).ToLocal(&f) || !v8::String::NewFromUtf8(isolate, name).ToLocal(&key)) return;
  f->SetName(key);
  (void)exports->Set(ctx, key, f).FromMaybe(false);
}

}  // namespace wasmprof_v8
