// wasmprof V8 bridge: drives V8's CPU profiler and sampling heap profiler for the isolate the
// addon is loaded in, and hands flat, JS-friendly period data to sdk/sources/v8-bridge.ts.
//
// Written against the running Node's own V8 headers (v8-profiler.h, node.h); V8's profilers are
// not reachable through Node-API. Context-aware (NODE_MODULE_INIT), so it loads in the main
// thread and in every worker_thread, with one state per isolate, torn down by an environment
// cleanup hook.
//
// Rotation: one CpuProfiler (eager code logging) per isolate, created by the first start() and
// kept until the environment is torn down. rotate() starts the next profile before stopping the
// current one, so the sampler never stops and no code-event replay happens at a period boundary.
// Samples that landed in both profiles during the short overlap are dropped from the newer one
// (by timestamp), so each sample belongs to exactly one period.
//
// Conversion: V8's tree is flattened in C++ into typed arrays (pre-order nodes with parent
// index, a per-period table of distinct call frames, one JS string per distinct C string) and
// the DevTools-shaped objects are built in JavaScript, where object literals are much cheaper to
// create than property-by-property from C++. Deleting V8's copy is left to cpuRelease(), which
// the JS side calls from a setImmediate.
//
// Misuse (start twice, rotate before start, stop twice, ...) throws a JS Error; nothing aborts.

#include <node.h>
#include <v8-profiler.h>
#include <v8.h>

#include "js-export.h"
#include "sample-labels.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#endif

namespace wasmprof_v8 {

using v8::Array;
using v8::ArrayBuffer;
using v8::Context;
using v8::CpuProfile;
using v8::CpuProfileNode;
using v8::CpuProfiler;
using v8::External;
using v8::Float64Array;
using v8::FunctionCallbackInfo;
using v8::FunctionTemplate;
using v8::HandleScope;
using v8::Int32Array;
using v8::Integer;
using v8::Isolate;
using v8::Local;
using v8::NewStringType;
using v8::Number;
using v8::Object;
using v8::String;
using v8::Value;

// ------------------------------------------------------------------------------------ helpers

// CPU time consumed by the calling thread, in µs; -1 when the platform cannot tell.
static double ThreadCpuMicros() {
#if defined(_WIN32)
  FILETIME creation, exit, kernel, user;
  if (!GetThreadTimes(GetCurrentThread(), &creation, &exit, &kernel, &user)) return -1;
  ULARGE_INTEGER k, u;
  k.LowPart = kernel.dwLowDateTime;
  k.HighPart = kernel.dwHighDateTime;
  u.LowPart = user.dwLowDateTime;
  u.HighPart = user.dwHighDateTime;
  return static_cast<double>(k.QuadPart + u.QuadPart) / 10.0;  // 100 ns units
#elif defined(CLOCK_THREAD_CPUTIME_ID)
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return -1;
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
#else
  return -1;
#endif
}

// Monotonic wall clock in µs (for the rotation timings the addon reports about itself).
static double MonotonicMicros() {
#if defined(_WIN32)
  LARGE_INTEGER f, c;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&c);
  return static_cast<double>(c.QuadPart) * 1e6 / static_cast<double>(f.QuadPart);
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
#endif
}

// Nothing here may abort the process: every V8 call that can fail (a worker being terminated,
// an impossible string length) degrades to an empty value instead of a CHECK failure.
static Local<String> Str(Isolate* isolate, const char* s) {
  Local<String> out;
  if (!String::NewFromUtf8(isolate, s, NewStringType::kNormal).ToLocal(&out)) out = String::Empty(isolate);
  return out;
}

static void Throw(Isolate* isolate, const char* message) {
  std::string full = std::string("wasmprof v8 bridge: ") + message;
  isolate->ThrowException(v8::Exception::Error(Str(isolate, full.c_str())));
}

static void Set(Isolate* isolate, Local<Context> ctx, Local<Object> obj, const char* key, Local<Value> value) {
  (void)obj->Set(ctx, Str(isolate, key), value).FromMaybe(false);
}

template <typename T>
static Local<ArrayBuffer> BufferOf(Isolate* isolate, const std::vector<T>& data) {
  Local<ArrayBuffer> buffer = ArrayBuffer::New(isolate, data.size() * sizeof(T));
  if (!data.empty()) memcpy(buffer->GetBackingStore()->Data(), data.data(), data.size() * sizeof(T));
  return buffer;
}

static Local<Int32Array> Int32ArrayOf(Isolate* isolate, const std::vector<int32_t>& data) {
  return Int32Array::New(BufferOf(isolate, data), 0, data.size());
}

static Local<Float64Array> Float64ArrayOf(Isolate* isolate, const std::vector<double>& data) {
  return Float64Array::New(BufferOf(isolate, data), 0, data.size());
}

// --------------------------------------------------------------------------------- per isolate

struct FrameKey {
  const char* name;
  const char* resource;
  int script_id;
  int line;
  int column;
  bool operator==(const FrameKey& o) const {
    return name == o.name && resource == o.resource && script_id == o.script_id && line == o.line &&
           column == o.column;
  }
};

static inline uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

static inline uint64_t HashOf(const FrameKey& k) {
  uint64_t h = Mix(reinterpret_cast<uintptr_t>(k.name));
  h = Mix(h ^ reinterpret_cast<uintptr_t>(k.resource));
  h = Mix(h ^ (static_cast<uint64_t>(static_cast<uint32_t>(k.script_id)) << 32 | static_cast<uint32_t>(k.line)));
  return Mix(h ^ static_cast<uint32_t>(k.column));
}

static inline uint64_t HashOf(const char* p) { return Mix(reinterpret_cast<uintptr_t>(p)); }

// Open-addressing map from K to int32, cleared in O(1) by bumping an epoch. The conversion
// runs on the event loop at every rotation: no per-entry allocation, no rehash once warm.
template <typename K>
class FlatIndex {
 public:
  void Clear(size_t expected) {
    size_t want = 64;
    while (want < expected * 2) want <<= 1;
    // Grow ahead of need; give memory back after an exceptionally large period.
    if (want > slots_.size() || slots_.size() > want * 8) {
      slots_.assign(want, Slot{});
      epoch_ = 1;
    } else if (++epoch_ == 0) {
      for (auto& slot : slots_) slot.epoch = 0;
      epoch_ = 1;
    }
    size_ = 0;
  }

  // The value for `key`, or inserts `value` and returns -1.
  int32_t FindOrInsert(const K& key, int32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = HashOf(key) & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.epoch != epoch_) {
        slot.epoch = epoch_;
        slot.key = key;
        slot.value = value;
        size_++;
        return -1;
      }
      if (slot.key == key) return slot.value;
    }
  }

 private:
  struct Slot {
    K key{};
    int32_t value = 0;
    uint32_t epoch = 0;
  };

  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    uint32_t old_epoch = epoch_;
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    epoch_ = 1;
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.epoch == old_epoch) FindOrInsert(slot.key, slot.value);
    }
  }

  std::vector<Slot> slots_;
  uint32_t epoch_ = 1;
  size_t size_ = 0;
};

struct Addon {
  Isolate* isolate = nullptr;
  SampleLabels* labels = nullptr;  // sample-time labels (sample-labels.cc)

  // CPU profiler
  CpuProfiler* profiler = nullptr;
  v8::ProfilerId current = 0;
  bool cpu_running = false;
  int interval_us = 0;
  uint32_t title_seq = 0;
  bool have_last_sample = false;
  int64_t last_sample_ts = 0;  // last sample timestamp handed out (µs, V8 monotonic clock)
  double last_cpu_us = 0;
  // The profile of the period that rotate() just returned. Deleting a profile is as expensive
  // as flattening it (V8 frees every node), so rotate() leaves it here and the JS side calls
  // cpuRelease() from a setImmediate: the event loop gets two short stalls instead of one.
  CpuProfile* pending_delete = nullptr;

  // Sampling heap profiler
  bool heap_running = false;

  // Conversion scratch, reused across periods so a rotation does not reallocate.
  FlatIndex<FrameKey> frame_index;
  FlatIndex<const char*> string_index;
  size_t last_node_count = 0;
  std::vector<const char*> strings;
  std::vector<int32_t> node_data;   // id, parent index, hit count, frame index
  std::vector<int32_t> frame_data;  // name string, url string, script id, line, column
  std::vector<std::pair<const CpuProfileNode*, int32_t>> stack;
  std::vector<int32_t> samples;
  std::vector<double> deltas;
  std::vector<uint32_t> hits;  // kept samples per node id

  // Wall-clock µs of the steps of the last rotate()/stop(), for diagnostics.
  double t_start_us = 0;    // starting the next profile
  double t_stop_us = 0;     // stopping the current one (V8 finishes and streams it)
  double t_convert_us = 0;  // flattening it for JS
  double t_delete_us = 0;   // deleting it (in cpuRelease() for rotate())
};

static std::mutex registry_mutex;
static std::unordered_map<Isolate*, Addon*> registry;

static void ReleasePending(Addon* a) {
  if (a->pending_delete == nullptr) return;
  double t0 = MonotonicMicros();
  a->pending_delete->Delete();
  a->pending_delete = nullptr;
  a->t_delete_us = MonotonicMicros() - t0;
}

static void Teardown(void* arg) {
  Addon* addon = static_cast<Addon*>(arg);
  ReleasePending(addon);
  if (addon->profiler != nullptr) {
    if (addon->cpu_running) {
      CpuProfile* profile = addon->profiler->Stop(addon->current);
      if (profile != nullptr) profile->Delete();
    }
    addon->profiler->Dispose();
    addon->profiler = nullptr;
  }
  if (addon->heap_running) {
    addon->isolate->GetHeapProfiler()->StopSamplingHeapProfiler();
    addon->heap_running = false;
  }
  SampleLabelsDelete(addon->labels);
  addon->labels = nullptr;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    registry.erase(addon->isolate);
  }
  delete addon;
}

static Addon* AddonOf(const FunctionCallbackInfo<Value>& info) {
  return static_cast<Addon*>(info.Data().As<External>()->Value());
}

// ------------------------------------------------------------------------------- CPU profiler

static bool StartProfile(Addon* a, v8::ProfilerId* id) {
  Isolate* isolate = a->isolate;
  char title[48];
  snprintf(title, sizeof title, "wasmprof-%u", ++a->title_seq);
  v8::CpuProfilingOptions options(v8::kLeafNodeLineNumbers, v8::CpuProfilingOptions::kNoSampleLimit,
                                  a->interval_us);
  v8::CpuProfilingResult result = a->profiler->Start(Str(isolate, title), std::move(options));
  if (result.status == v8::CpuProfilingStatus::kErrorTooManyProfilers) {
    Throw(isolate, "V8 refused to start a CPU profile: too many profilers on this isolate");
    return false;
  }
  if (result.status != v8::CpuProfilingStatus::kStarted) {
    Throw(isolate, "V8 did not start a new CPU profile (title already in use)");
    return false;
  }
  *id = result.id;
  return true;
}

// Flattens a stopped profile into the period object handed to JS.
static Local<Object> ConvertProfile(Addon* a, const CpuProfile* profile, double thread_cpu_us) {
  Isolate* isolate = a->isolate;
  Local<Context> ctx = isolate->GetCurrentContext();

  a->frame_index.Clear(a->last_node_count);
  a->string_index.Clear(a->last_node_count);
  a->strings.clear();
  a->node_data.clear();
  a->frame_data.clear();
  a->samples.clear();
  a->deltas.clear();

  // Samples first: drop the ones the previous period already handed out (the overlap between
  // starting this profile and stopping the previous one), and count the kept ones per node.
  // hitCount is taken from these counts rather than from V8's self ticks: V8 also ticks samples
  // taken just before the profile started without recording them, and the dropped overlap
  // samples must not count twice.
  const int sample_count = profile->GetSamplesCount();
  const int64_t start_time = profile->GetStartTime();
  a->samples.reserve(sample_count);
  a->deltas.reserve(sample_count);
  a->hits.clear();
  int64_t prev = start_time;
  for (int i = 0; i < sample_count; i++) {
    const int64_t ts = profile->GetSampleTimestamp(i);
    if (a->have_last_sample && ts <= a->last_sample_ts) continue;
    const unsigned id = profile->GetSample(i)->GetNodeId();
    if (id >= a->hits.size()) a->hits.resize(static_cast<size_t>(id) * 2 + 64, 0);
    a->hits[id]++;
    a->samples.push_back(static_cast<int32_t>(id));
    a->deltas.push_back(static_cast<double>(ts - prev));
    prev = ts;
  }
  if (!a->samples.empty()) {
    a->have_last_sample = true;
    a->last_sample_ts = prev;
  }

  auto string_id = [a](const char* s) -> int32_t {
    if (s == nullptr) s = "";
    int32_t id = static_cast<int32_t>(a->strings.size());
    int32_t found = a->string_index.FindOrInsert(s, id);
    if (found >= 0) return found;
    a->strings.push_back(s);
    return id;
  };

  // Pre-order walk (the order the inspector lists nodes in), children in V8's order.
  a->stack.clear();
  a->stack.emplace_back(profile->GetTopDownRoot(), -1);
  int32_t index = 0;
  while (!a->stack.empty()) {
    auto [node, parent] = a->stack.back();
    a->stack.pop_back();
    FrameKey key{node->GetFunctionNameStr(), node->GetScriptResourceNameStr(), node->GetScriptId(),
                 node->GetLineNumber(), node->GetColumnNumber()};
    int32_t frame = static_cast<int32_t>(a->frame_data.size() / 5);
    int32_t found = a->frame_index.FindOrInsert(key, frame);
    if (found >= 0) {
      frame = found;
    } else {
      a->frame_data.push_back(string_id(key.name));
      a->frame_data.push_back(string_id(key.resource));
      a->frame_data.push_back(key.script_id);
      // V8 counts from 1 (0 = unknown); the DevTools protocol from 0 (-1 = unknown).
      a->frame_data.push_back(key.line - 1);
      a->frame_data.push_back(key.column - 1);
    }
    const unsigned id = node->GetNodeId();
    const unsigned hits = id < a->hits.size() ? a->hits[id] : 0;
    a->node_data.push_back(static_cast<int32_t>(id));
    a->node_data.push_back(parent);
    a->node_data.push_back(static_cast<int32_t>(hits));
    a->node_data.push_back(frame);
    const int children = node->GetChildrenCount();
    for (int c = children - 1; c >= 0; c--) a->stack.emplace_back(node->GetChild(c), index);
    index++;
  }
  a->last_node_count = static_cast<size_t>(index);

  std::vector<Local<Value>> names;
  names.reserve(a->strings.size());
  for (const char* s : a->strings) {
    Local<String> v;
    if (!String::NewFromUtf8(isolate, s, NewStringType::kNormal).ToLocal(&v)) v = String::Empty(isolate);
    names.push_back(v);
  }

  Local<Object> out = Object::New(isolate);
  Set(isolate, ctx, out, "startTime", Number::New(isolate, static_cast<double>(start_time)));
  Set(isolate, ctx, out, "endTime", Number::New(isolate, static_cast<double>(profile->GetEndTime())));
  Set(isolate, ctx, out, "nodes", Int32ArrayOf(isolate, a->node_data));
  Set(isolate, ctx, out, "frames", Int32ArrayOf(isolate, a->frame_data));
  Set(isolate, ctx, out, "strings", Array::New(isolate, names.data(), names.size()));
  Set(isolate, ctx, out, "samples", Int32ArrayOf(isolate, a->samples));
  Set(isolate, ctx, out, "timeDeltas", Float64ArrayOf(isolate, a->deltas));
  Set(isolate, ctx, out, "droppedOverlap",
      Integer::New(isolate, sample_count - static_cast<int32_t>(a->samples.size())));
  if (thread_cpu_us >= 0) Set(isolate, ctx, out, "threadCpuMicros", Number::New(isolate, thread_cpu_us));
  return out;
}

// cpuStart(intervalMicros, collectFirst = true)
static void CpuStart(const FunctionCallbackInfo<Value>& info) {
  Addon* a = AddonOf(info);
  Isolate* isolate = a->isolate;
  if (a->cpu_running) return Throw(isolate, "CPU profiler already started on this thread; stop() it first");
  if (info.Length() < 1 || !info[0]->IsNumber()) return Throw(isolate, "cpuStart(intervalMicros): a number is required");
  double interval = info[0].As<Number>()->Value();
  if (!(interval >= 1 && interval <= 10e6)) {
    return Throw(isolate, "cpuStart(intervalMicros): the interval must be between 1 µs and 10 s");
  }
  a->interval_us = static_cast<int>(interval);
  const bool collect_first = info.Length() < 2 || info[1]->BooleanValue(isolate);
  if (a->profiler == nullptr) {
    // A new profiler learns about existing code by walking the heap for functions and their
    // attached code. On-stack-replacement code is attached to no function, so V8 skips it:
    // samples in a hot loop compiled that way before this point would be attributed to the
    // loop's caller. Such code is only weakly held (OSR caches), so a full GC first drops it
    // and V8 recompiles it, this time under the profiler's code logging. Once per profiling
    // session (stop() disposes the profiler).
    if (collect_first) isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
    // No UseDetailedSourcePositionsForProfiling() here: Node already sets it on every isolate
    // it creates (IsolateSettings' default flags), and calling it again walks the whole heap.
    a->profiler = CpuProfiler::New(isolate, v8::kDebugNaming, v8::kEagerLogging);
  }
  // Only allowed while no profile is recording, which is the case here.
  a->profiler->SetSamplingInterval(a->interval_us);
  v8::ProfilerId id;
  if (!StartProfile(a, &id)) return;
  a->current = id;
  a->cpu_running = true;
  a->have_last_sample = false;
  SampleLabelsAfterCpuStart(a->labels);
  a->last_cpu_us = ThreadCpuMicros();
}

// cpuRotate(): starts the next period, ends the current one and returns it.
static void CpuRotate(const FunctionCallbackInfo<Value>& info) {
  Addon* a = AddonOf(info);
  Isolate* isolate = a->isolate;
  if (!a->cpu_running) return Throw(isolate, "rotate() called but the CPU profiler is not started");
  HandleScope scope(isolate);
  ReleasePending(a);  // normally already done by the JS side
  double t0 = MonotonicMicros();
  v8::ProfilerId next;
  if (!StartProfile(a, &next)) return;
  double t1 = MonotonicMicros();
  CpuProfile* profile = a->profiler->Stop(a->current);
  a->current = next;
  double t2 = MonotonicMicros();
  double now = ThreadCpuMicros();
  double cpu = (now >= 0 && a->last_cpu_us >= 0) ? now - a->last_cpu_us : -1;
  a->last_cpu_us = now;
  if (profile == nullptr) return Throw(isolate, "V8 returned no profile for the period that ended");
  Local<Object> out = ConvertProfile(a, profile, cpu);
  double t3 = MonotonicMicros();
  a->pending_delete = profile;
  a->t_start_us = t1 - t0;
  a->t_stop_us = t2 - t1;
  a->t_convert_us = t3 - t2;
  a->t_delete_us = 0;
  info.GetReturnValue().Set(out);
}

// cpuStop(): ends the last period and returns it. Sampling stops; the profiler object stays.
static void CpuStop(const FunctionCallbackInfo<Value>& info) {
  Addon* a = AddonOf(info);
  Isolate* isolate = a->isolate;
  if (!a->cpu_running) return Throw(isolate, "stop() called but the CPU profiler is not started (already stopped?)");
  HandleScope scope(isolate);
  ReleasePending(a);
  double t1 = MonotonicMicros();
  CpuProfile* profile = a->profiler->Stop(a->current);
  a->cpu_running = false;
  double t2 = MonotonicMicros();
  double now = ThreadCpuMicros();
  double cpu = (now >= 0 && a->last_cpu_us >= 0) ? now - a->last_cpu_us : -1;
  Local<Object> out;
  double t3 = t2, t4 = t2;
  if (profile != nullptr) {
    out = ConvertProfile(a, profile, cpu);
    t3 = MonotonicMicros();
    profile->Delete();
    t4 = MonotonicMicros();
  }
  a->t_start_us = 0;
  a->t_stop_us = t2 - t1;
  a->t_convert_us = t3 - t2;
  a->t_delete_us = t4 - t3;
  // The profiler goes with the last period: while a stopped CpuProfiler of ours exists, a
  // profile that node:inspector (or any other CpuProfiler of this isolate) starts records no
  // ticks (seen on Node 20 to 26). The next start() makes a new one, after the same full GC
  // that keeps on-stack-replacement code attributed to its own function (see CpuStart).
  a->profiler->Dispose();
  a->profiler = nullptr;
  if (profile == nullptr) return Throw(isolate, "V8 returned no profile for the last period");
  info.GetReturnValue().Set(out);
}

// cpuRelease(): deletes the profile of the period rotate() returned last; returns the µs it
// took (0 when there was none).
static void CpuRelease(const FunctionCallbackInfo<Value>& info) {
  Addon* a = AddonOf(info);
  bool had = a->pending_delete != nullptr;
  ReleasePending(a);
  info.GetReturnValue().Set(had ? a->t_delete_us : 0.0);
}

static void CpuRunning(const FunctionCallbackInfo<Value>& info) {
  info.GetReturnValue().Set(AddonOf(info)->cpu_running);
}

// lastTimings(): Float64Array [start, stop, convert, delete] µs of the last rotate()/stop().
static void LastTimings(const FunctionCallbackInfo<Value>& info) {
  Addon* a = AddonOf(info);
  std::vector<double> t{a->t_start_us, a->t_stop_us, a->t_convert_us, a->t_delete_us};
  info.GetReturnValue().Set(Float64ArrayOf(a->isolate, t));
}

static void ThreadCpu(const FunctionCallbackInfo<Value>& info) {
  info.GetReturnValue().Set(ThreadCpuMicros());
}

// -------------------------------------------------------------------- sampling heap profiler

// Whether this V8 says, per sample, if the sampled object is still live (AllocationProfile::
// Sample::is_live, V8 14 / Node 26). Detected from the header rather than a version number.
template <typename S, typename = void>
struct HasIsLive : std::false_type {};
template <typename S>
struct HasIsLive<S, std::void_t<decltype(std::declval<S>().is_live)>> : std::true_type {};
static constexpr bool kHeapLiveness = HasIsLive<v8::AllocationProfile::Sample>::value;

template <typename S>
static int32_t LiveOf(const S& s) {
  if constexpr (HasIsLive<S>::value) return s.is_live ? 1 : 0;
  else return -1;
}

// heapStart(intervalBytes, stackDepth, keepCollected = false). keepCollected keeps the samples
// of objects the GC has collected (both GCs' flags), so that allocations can be counted; they
// stay in V8's profiler until it is stopped, which is the caller's to bound.
static void HeapStart(const FunctionCallbackInfo<Value>& info) {
  Addon* a = AddonOf(info);
  Isolate* isolate = a->isolate;
  if (a->heap_running) return Throw(isolate, "sampling heap profiler already started on this thread; stop() it first");
  if (info.Length() < 2 || !info[0]->IsNumber() || !info[1]->IsNumber()) {
    return Throw(isolate, "heapStart(intervalBytes, stackDepth): two numbers are required");
  }
  if (info.Length() >= 3 && !info[2]->IsUndefined() && !info[2]->IsBoolean()) {
    return Throw(isolate, "heapStart: keepCollected must be a boolean");
  }
  double interval = info[0].As<Number>()->Value();
  double depth = info[1].As<Number>()->Value();
  bool keep = info.Length() >= 3 && info[2]->IsTrue();
  if (!(interval >= 1 && interval <= 1e12)) return Throw(isolate, "heapStart: intervalBytes must be >= 1");
  if (!(depth >= 1 && depth <= 1024)) return Throw(isolate, "heapStart: stackDepth must be between 1 and 1024");
  int flags = keep ? (v8::HeapProfiler::kSamplingIncludeObjectsCollectedByMajorGC |
                      v8::HeapProfiler::kSamplingIncludeObjectsCollectedByMinorGC)
                   : v8::HeapProfiler::kSamplingNoFlags;
  bool ok = isolate->GetHeapProfiler()->StartSamplingHeapProfiler(
      static_cast<uint64_t>(interval), static_cast<int>(depth), static_cast<v8::HeapProfiler::SamplingFlags>(flags));
  if (!ok) {
    return Throw(isolate,
                 "V8's sampling heap profiler is already running on this isolate (started by someone else, "
                 "e.g. node:inspector HeapProfiler.startSampling)");
  }
  a->heap_running = true;
}

// heapProfile(): the live sampled allocations, flattened.
static void HeapProfile(const FunctionCallbackInfo<Value>& info) {
  Addon* a = AddonOf(info);
  Isolate* isolate = a->isolate;
  if (!a->heap_running) return Throw(isolate, "profile() called but the sampling heap profiler is not started");
  HandleScope scope(isolate);
  Local<Context> ctx = isolate->GetCurrentContext();
  v8::AllocationProfile* profile = isolate->GetHeapProfiler()->GetAllocationProfile();
  if (profile == nullptr) return Throw(isolate, "V8 returned no allocation profile");

  std::vector<int32_t> ints;  // id, parent index, script id, line, column
  std::vector<double> self_sizes;
  std::vector<double> self_counts;  // V8's estimate of the live objects allocated at the node
  std::vector<Local<Value>> names;
  std::vector<Local<Value>> urls;
  std::vector<std::pair<v8::AllocationProfile::Node*, int32_t>> stack;
  stack.emplace_back(profile->GetRootNode(), -1);
  int32_t index = 0;
  while (!stack.empty()) {
    auto [node, parent] = stack.back();
    stack.pop_back();
    double self = 0, objects = 0;
    for (const auto& alloc : node->allocations) {
      self += static_cast<double>(alloc.size) * alloc.count;
      objects += alloc.count;
    }
    ints.push_back(static_cast<int32_t>(node->node_id));
    ints.push_back(parent);
    ints.push_back(node->script_id);
    ints.push_back(node->line_number - 1);
    ints.push_back(node->column_number - 1);
    self_sizes.push_back(self);
    self_counts.push_back(objects);
    names.push_back(node->name.IsEmpty() ? Local<Value>(String::Empty(isolate)) : Local<Value>(node->name));
    urls.push_back(node->script_name.IsEmpty() ? Local<Value>(String::Empty(isolate))
                                               : Local<Value>(node->script_name));
    for (size_t c = node->children.size(); c-- > 0;) stack.emplace_back(node->children[c], index);
    index++;
  }
  std::vector<double> samples;  // size (size * count), node id, ordinal
  std::vector<double> sample_counts;  // V8's scaled count of each sample
  std::vector<int32_t> sample_live;   // 1 live, 0 collected (only where V8 says: kHeapLiveness)
  const auto& raw = profile->GetSamples();
  samples.reserve(raw.size() * 3);
  sample_counts.reserve(raw.size());
  if (kHeapLiveness) sample_live.reserve(raw.size());
  for (const auto& s : raw) {
    samples.push_back(static_cast<double>(s.size) * s.count);
    samples.push_back(s.node_id);
    samples.push_back(static_cast<double>(s.sample_id));
    sample_counts.push_back(s.count);
    if (kHeapLiveness) sample_live.push_back(LiveOf(s));
  }

  Local<Object> out = Object::New(isolate);
  Set(isolate, ctx, out, "nodes", Int32ArrayOf(isolate, ints));
  Set(isolate, ctx, out, "selfSizes", Float64ArrayOf(isolate, self_sizes));
  Set(isolate, ctx, out, "selfCounts", Float64ArrayOf(isolate, self_counts));
  Set(isolate, ctx, out, "names", Array::New(isolate, names.data(), names.size()));
  Set(isolate, ctx, out, "urls", Array::New(isolate, urls.data(), urls.size()));
  Set(isolate, ctx, out, "samples", Float64ArrayOf(isolate, samples));
  Set(isolate, ctx, out, "sampleCounts", Float64ArrayOf(isolate, sample_counts));
  if (kHeapLiveness) Set(isolate, ctx, out, "sampleLive", Int32ArrayOf(isolate, sample_live));
  delete profile;
  info.GetReturnValue().Set(out);
}

static void HeapStop(const FunctionCallbackInfo<Value>& info) {
  Addon* a = AddonOf(info);
  Isolate* isolate = a->isolate;
  if (!a->heap_running) return Throw(isolate, "stop() called but the sampling heap profiler is not started (already stopped?)");
  isolate->GetHeapProfiler()->StopSamplingHeapProfiler();
  a->heap_running = false;
}

static void HeapRunning(const FunctionCallbackInfo<Value>& info) {
  info.GetReturnValue().Set(AddonOf(info)->heap_running);
}

// ------------------------------------------------------------------------------------ module

static void Export(Isolate* isolate, Local<Context> ctx, Local<Object> exports, Addon* addon, const char* name,
                   v8::FunctionCallback fn) {
  ExportFunction(isolate, ctx, exports, addon, name, fn);
}

}  // namespace wasmprof_v8

NODE_MODULE_INIT() {
  using namespace wasmprof_v8;
  Isolate* isolate = Isolate::GetCurrent();  // Context::GetIsolate() is gone in V8 14 (Node 26)
  Addon* addon;
  {
    // One state per isolate, even if the addon is initialised twice in the same environment.
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = registry.find(isolate);
    if (it != registry.end()) {
      addon = it->second;
    } else {
      addon = new Addon();
      addon->isolate = isolate;
      addon->labels = SampleLabelsNew(isolate);
      registry.emplace(isolate, addon);
      node::AddEnvironmentCleanupHook(isolate, Teardown, addon);
    }
  }
  Export(isolate, context, exports, addon, "cpuStart", CpuStart);
  Export(isolate, context, exports, addon, "cpuRotate", CpuRotate);
  Export(isolate, context, exports, addon, "cpuStop", CpuStop);
  Export(isolate, context, exports, addon, "cpuRelease", CpuRelease);
  Export(isolate, context, exports, addon, "cpuRunning", CpuRunning);
  Export(isolate, context, exports, addon, "lastTimings", LastTimings);
  Export(isolate, context, exports, addon, "threadCpuMicros", ThreadCpu);
  Export(isolate, context, exports, addon, "heapStart", HeapStart);
  Export(isolate, context, exports, addon, "heapProfile", HeapProfile);
  Export(isolate, context, exports, addon, "heapStop", HeapStop);
  Export(isolate, context, exports, addon, "heapRunning", HeapRunning);
  SampleLabelsExport(isolate, context, exports, addon->labels);
  (void)exports->Set(context, Str(isolate, "heapLiveness"), v8::Boolean::New(isolate, kHeapLiveness)).FromMaybe(false);
  (void)exports->Set(context, Str(isolate, "abiVersion"), v8::Integer::New(isolate, 1)).FromMaybe(false);
}
