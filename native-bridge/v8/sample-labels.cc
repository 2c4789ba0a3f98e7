// Labels read at sample time (see sample-labels.h).
//
// Where the label set lives: runWithLabels stores a token (an object with one internal field
// holding the label set's id as a small integer) in an AsyncLocalStorage. On Node 24+ (and 22
// with --experimental-async-context-frame) every AsyncLocalStorage keeps its store in the
// current AsyncContextFrame, a JS Map from storage to store that V8 carries across await,
// promise reactions and Node's callbacks as the isolate's "continuation-preserved embedder
// data" (CPED). Switching context is then one pointer store that V8 does anyway.
//
// How a sample learns it: V8's sampler thread sends SIGPROF to the isolate's thread, and V8's
// signal handler records the stack. Our handler runs first on that thread and reads CPED with
// plain loads (no allocation, no locks, no V8 calls): CPED → JSMap → its OrderedHashMap table
// → the bucket of our storage's identity hash → the entry whose key is our storage → the
// token → its id. When the id differs from the last one recorded it appends (time, id) to a
// fixed ring; at the end of a period the JS side turns the ring into the label timeline that
// samples are matched against (sdk/sources/labels.ts), exactly as before, only now every entry
// is the truth at a sample instead of a guess from an async hook.
//
// Why it is safe:
//   * Every layout fact used (CPED's offset in the isolate, Map's instance type, the table
//     layout, the token's field) is checked on the main thread before the handler may read:
//     labelsCheck() runs the same lookup inside known frames and compares with the expected
//     id; any mismatch leaves the handler off and the JS side keeps the async-hook timeline.
//   * Objects move only inside a GC pause; GC prologue/epilogue callbacks bracket it and the
//     handler records nothing in between (those samples keep the last label set, which is
//     the code that allocated).
//   * Reads are bounds-checked against the table's length; a frame is fully built before it
//     becomes CPED; the library is pinned (RTLD_NODELETE) so the handler's code cannot be
//     unmapped when a worker that loaded it exits.
//   * Only the isolate's own thread, found in a fixed table by pthread_self(), reads its state.
//
// Samples the handler never sees: V8 also records stacks on the isolate's thread without a
// signal, above all when code deoptimizes (the profiler's code-event handler samples the stack
// there and then; a profile start, whose full GC drops optimized code, is followed by bursts of
// them while hot loops tier up again through on-stack replacement). Such a sample takes the
// label of the last transition before it, which is right unless the context changed since the
// last signal. At the start nothing is recorded before the first signal sample, which can come
// milliseconds after runWithLabels entered: the first label context's deopt samples went
// unlabelled. So until the handler has seen one sample
// after it, runWithLabels notes each enter and exit from the isolate's thread (labelsNote:
// the same lookup and ring, a few calls per profile); after that, only the handler records.
#include "sample-labels.h"

#include "js-export.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <atomic>
#include <mutex>
#include <vector>

namespace wasmprof_v8 {

using v8::Context;
using v8::External;
using v8::Float64Array;
using v8::FunctionCallbackInfo;
using v8::FunctionTemplate;
using v8::Global;
using v8::HandleScope;
using v8::Isolate;
using v8::Local;
using v8::Object;
using v8::ObjectTemplate;
using v8::String;
using v8::Value;

#if V8_MAJOR_VERSION >= 12 && defined(__linux__)
#define WASMPROF_SAMPLE_LABELS 1
using v8::internal::Address;
using v8::internal::Internals;
#else
#define WASMPROF_SAMPLE_LABELS 0
#endif

namespace {

struct Entry {
  double time_us;
  double id;
};

constexpr int kThreadSlots = 64;
// Longest bucket chain walked; AsyncContextFrame maps hold a handful of storages.
constexpr int kMaxChain = 256;
// Ids returned by the lookup besides label-set ids (which are >= 1).
constexpr int64_t kNoLabels = 0;
constexpr int64_t kUnreadable = -1;
// Whether runWithLabels still notes its enters and exits (see the top of this file).
enum NoteState : int { kNotesWanted = 0, kNoted = 1, kNotesDone = 2 };

// V8's TimeTicks on Linux: CLOCK_MONOTONIC in whole microseconds (nanoseconds divided down).
// The same rounding matters: a deoptimization sample a few hundred nanoseconds after a note
// would otherwise carry a timestamp below the note's fractional one and take the label before.
double NowMicros() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // async-signal-safe
  return static_cast<double>(static_cast<int64_t>(ts.tv_sec) * 1000000 + static_cast<int64_t>(ts.tv_nsec) / 1000);
}

}  // namespace

struct SampleLabels {
  Isolate* isolate = nullptr;
  Global<Object> key;  // the AsyncLocalStorage whose store is the token
  Global<ObjectTemplate> token_template;
  int key_hash = 0;
  int map_type = -1;
  int token_type = -1;
  int token_field_offset = 0;
  bool gc_callbacks = false;
  int slot = -1;
  // Handler-visible state.
  std::atomic<bool> reading{false};  // calibrated and enabled
  std::atomic<int> in_gc{0};
  std::atomic<uint32_t> head{0};
  std::atomic<int64_t> last_id{-2};
  std::atomic<double> overflow_at{-1};
  std::atomic<bool> noting{false};  // the isolate's thread is appending; the handler keeps off
  std::atomic<int> note_state{kNotesWanted};
  Entry* ring = nullptr;
  uint32_t capacity = 0;
  uint64_t unreadable = 0;
};

namespace {

std::atomic<uintptr_t> g_threads[kThreadSlots];
std::atomic<SampleLabels*> g_labels[kThreadSlots];
std::mutex g_chain_mutex;
struct sigaction g_next;  // the handler we run in front of (V8's)

#if WASMPROF_SAMPLE_LABELS
constexpr int kTagged = v8::internal::kApiTaggedSize;

inline Address Field(Address table, int index) {
  return Internals::ReadTaggedPointerField(table, Internals::kFixedArrayHeaderSize + index * kTagged);
}

// The store found for our storage; anything but a token (e.g. undefined: Node's run() puts the
// previous store back with enterWith, so a frame can map our storage to undefined) means none.
int64_t TokenId(const SampleLabels* s, Address value) {
  if (!Internals::HasHeapObjectTag(value)) return kNoLabels;
  if (Internals::GetInstanceType(value) != s->token_type) return kNoLabels;
  Address id = Internals::ReadTaggedSignedField(value, s->token_field_offset);
  if (Internals::HasHeapObjectTag(id)) return kUnreadable;
  return Internals::SmiValue(id);
}

// The id of the label set active on this thread now; plain loads only.
int64_t Lookup(SampleLabels* s) {
  Address cped = *reinterpret_cast<Address*>(reinterpret_cast<uintptr_t>(s->isolate) +
                                             Internals::kContinuationPreservedEmbedderDataOffset);
  if (!Internals::HasHeapObjectTag(cped)) return kNoLabels;
  if (Internals::GetInstanceType(cped) != s->map_type) return kNoLabels;  // no frame (undefined)
  // JSMap: JSObject header, then the table (an OrderedHashMap, laid out as a FixedArray:
  // element count, deleted count, bucket count, buckets, then entries of key, value, chain).
  Address table = Internals::ReadTaggedPointerField(cped, Internals::kJSObjectHeaderSize);
  if (!Internals::HasHeapObjectTag(table)) return kUnreadable;
  Address length_word = Internals::ReadTaggedSignedField(table, kTagged);
  if (Internals::HasHeapObjectTag(length_word)) return kUnreadable;
  const int length = Internals::SmiValue(length_word);
  Address buckets_word = Field(table, 2);
  if (Internals::HasHeapObjectTag(buckets_word)) return kUnreadable;
  const int buckets = Internals::SmiValue(buckets_word);
  if (buckets <= 0 || (buckets & (buckets - 1)) != 0 || 3 + buckets > length) return kUnreadable;
  const Address key = **reinterpret_cast<Address* const*>(&s->key);
  Address entry_word = Field(table, 3 + (s->key_hash & (buckets - 1)));
  for (int walked = 0; walked < kMaxChain; walked++) {
    if (Internals::HasHeapObjectTag(entry_word)) return kUnreadable;
    const int entry = Internals::SmiValue(entry_word);
    if (entry < 0) return kNoLabels;
    const int base = 3 + buckets + entry * 3;
    if (base + 2 >= length) return kUnreadable;
    if (Field(table, base) == key) return TokenId(s, Field(table, base + 1));
    entry_word = Field(table, base + 2);
  }
  return kUnreadable;
}

// Appends (now, id) when id differs from the last one recorded. Called by the handler, or by the
// isolate's thread with `noting` set (so the handler cannot interleave).
void Append(SampleLabels* s) {
  int64_t id = Lookup(s);
  if (id == kUnreadable) {
    s->unreadable++;
    id = kNoLabels;
  }
  if (id == s->last_id.load(std::memory_order_relaxed)) return;
  const double now = NowMicros();
  const uint32_t h = s->head.load(std::memory_order_relaxed);
  if (h >= s->capacity) {
    if (s->overflow_at.load(std::memory_order_relaxed) < 0) s->overflow_at.store(now, std::memory_order_relaxed);
    return;
  }
  s->ring[h] = Entry{now, static_cast<double>(id)};
  std::atomic_signal_fence(std::memory_order_release);
  s->head.store(h + 1, std::memory_order_relaxed);
  s->last_id.store(id, std::memory_order_relaxed);
}

void Record(SampleLabels* s) {
  if (!s->reading.load(std::memory_order_relaxed)) return;
  if (s->in_gc.load(std::memory_order_relaxed) > 0) return;
  // Interrupted a note: the entry being written is the state now.
  if (s->noting.load(std::memory_order_relaxed)) return;
  Append(s);
  if (s->note_state.load(std::memory_order_relaxed) == kNoted) s->note_state.store(kNotesDone, std::memory_order_relaxed);
}

void Handler(int sig, siginfo_t* info, void* ucontext) {
  const int saved_errno = errno;
  const uintptr_t self = static_cast<uintptr_t>(pthread_self());
  for (int i = 0; i < kThreadSlots; i++) {
    if (g_threads[i].load(std::memory_order_acquire) != self) continue;
    SampleLabels* s = g_labels[i].load(std::memory_order_acquire);
    if (s != nullptr) Record(s);
    break;
  }
  errno = saved_errno;
  if (g_next.sa_flags & SA_SIGINFO) {
    if (g_next.sa_sigaction != nullptr) g_next.sa_sigaction(sig, info, ucontext);
  } else if (g_next.sa_handler != SIG_DFL && g_next.sa_handler != SIG_IGN && g_next.sa_handler != nullptr) {
    g_next.sa_handler(sig);
  }
}

// Puts Handler in front of whatever handles SIGPROF now, once V8's sampler has installed its
// handler (V8 puts back the handler it found when its last sampler stops, which removes ours;
// the next start chains again).
void EnsureChained() {
  std::lock_guard<std::mutex> lock(g_chain_mutex);
  struct sigaction current;
  if (sigaction(SIGPROF, nullptr, &current) != 0) return;
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == Handler) return;
  if (!(current.sa_flags & SA_SIGINFO) && (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN)) return;
  g_next = current;
  struct sigaction ours = current;
  ours.sa_sigaction = Handler;
  ours.sa_flags = current.sa_flags | SA_SIGINFO;
  sigaction(SIGPROF, &ours, nullptr);
}

void GcPrologue(Isolate*, v8::GCType, v8::GCCallbackFlags, void* data) {
  static_cast<SampleLabels*>(data)->in_gc.fetch_add(1, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

void GcEpilogue(Isolate*, v8::GCType, v8::GCCallbackFlags, void* data) {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  static_cast<SampleLabels*>(data)->in_gc.fetch_sub(1, std::memory_order_relaxed);
}

void PinLibrary() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&Handler), &info) != 0 && info.dli_fname != nullptr) {
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  }
}
#endif  // WASMPROF_SAMPLE_LABELS

void Unregister(SampleLabels* s) {
  s->reading.store(false, std::memory_order_relaxed);
  if (s->slot < 0) return;
  g_labels[s->slot].store(nullptr, std::memory_order_release);
  g_threads[s->slot].store(0, std::memory_order_release);
  s->slot = -1;
}

SampleLabels* Of(const FunctionCallbackInfo<Value>& info) {
  return static_cast<SampleLabels*>(info.Data().As<External>()->Value());
}

void ThrowError(Isolate* isolate, const char* message) {
  Local<String> text;
  if (!String::NewFromUtf8(isolate, message).ToLocal(&text)) return;
  isolate->ThrowException(v8::Exception::Error(text));
}

// labelsInit(storage, capacity): '' when sample-time labels can be tried, else the reason.
void LabelsInit(const FunctionCallbackInfo<Value>& info) {
  SampleLabels* s = Of(info);
  Isolate* isolate = info.GetIsolate();
  auto reason = [&](const char* why) {
    info.GetReturnValue().Set(String::NewFromUtf8(isolate, why).ToLocalChecked());
  };
#if WASMPROF_SAMPLE_LABELS
  if (info.Length() < 2 || !info[0]->IsObject() || !info[1]->IsNumber()) {
    return ThrowError(isolate, "wasmprof v8 bridge: labelsInit(storage, capacity)");
  }
  const double capacity = info[1].As<v8::Number>()->Value();
  if (!(capacity >= 16 && capacity <= (1 << 24))) return ThrowError(isolate, "wasmprof v8 bridge: labelsInit: capacity from 16 to 2^24");
  // A profiler started after an earlier one stopped brings its own storage: start over with it
  // (keeping the old key would fail every check). The handler runs on this thread, so once
  // Unregister returns it cannot be inside Record for s.
  Unregister(s);
  delete[] s->ring;
  s->ring = nullptr;
  s->head.store(0, std::memory_order_relaxed);
  s->last_id.store(-2, std::memory_order_relaxed);
  s->overflow_at.store(-1, std::memory_order_relaxed);
  s->note_state.store(kNotesWanted, std::memory_order_relaxed);
  s->unreadable = 0;
  HandleScope scope(isolate);
  Local<Context> ctx = isolate->GetCurrentContext();
  Local<Object> storage = info[0].As<Object>();
  s->key.Reset(isolate, storage);
  s->key_hash = storage->GetIdentityHash();
  Local<ObjectTemplate> tpl = ObjectTemplate::New(isolate);
  tpl->SetInternalFieldCount(1);
  s->token_template.Reset(isolate, tpl);
  Local<v8::Map> probe_map = v8::Map::New(isolate);
  s->map_type = Internals::GetInstanceType(v8::internal::ValueHelper::ValueAsAddress(*probe_map));
  Local<Object> probe_token;
  if (!tpl->NewInstance(ctx).ToLocal(&probe_token)) return reason("could not create a label token");
  const Address probe = v8::internal::ValueHelper::ValueAsAddress(*probe_token);
  s->token_type = Internals::GetInstanceType(probe);
  // Where the internal field lies after the object header differs between V8 versions: find
  // the probe's known value there (labelsCheck then proves the whole path).
  constexpr int kProbeId = 0x2bad;
  probe_token->SetInternalField(0, v8::Integer::New(isolate, kProbeId));
  s->token_field_offset = 0;
  for (int offset = Internals::kJSObjectHeaderSize; offset <= Internals::kJSObjectHeaderSize + 4 * kTagged; offset += kTagged) {
    Address word = Internals::ReadTaggedSignedField(probe, offset);
    if (!Internals::HasHeapObjectTag(word) && Internals::SmiValue(word) == kProbeId) {
      s->token_field_offset = offset;
      break;
    }
  }
  if (s->token_field_offset == 0) return reason("label token layout not recognised");
  s->capacity = static_cast<uint32_t>(capacity);
  s->ring = new Entry[s->capacity];
  const uintptr_t self = static_cast<uintptr_t>(pthread_self());
  for (int i = 0; i < kThreadSlots && s->slot < 0; i++) {
    uintptr_t expected = 0;
    if (g_threads[i].compare_exchange_strong(expected, self)) {
      g_labels[i].store(s, std::memory_order_release);
      s->slot = i;
    }
  }
  if (s->slot < 0) return reason("more than 64 profiled threads");
  if (!s->gc_callbacks) {
    isolate->AddGCPrologueCallback(GcPrologue, s, v8::kGCTypeAll);
    isolate->AddGCEpilogueCallback(GcEpilogue, s, v8::kGCTypeAll);
    s->gc_callbacks = true;
  }
  PinLibrary();
  reason("");
#else
  reason("this Node's V8 keeps no async context in the isolate (Node 22+ needed)");
#endif
}

// labelToken(id): the object runWithLabels stores for label set `id` (1 to 2^30).
void LabelToken(const FunctionCallbackInfo<Value>& info) {
  SampleLabels* s = Of(info);
  Isolate* isolate = info.GetIsolate();
  if (s->token_template.IsEmpty()) return ThrowError(isolate, "wasmprof v8 bridge: labelToken before labelsInit");
  if (info.Length() < 1 || !info[0]->IsInt32()) return ThrowError(isolate, "wasmprof v8 bridge: labelToken(id): an integer");
  const int32_t id = info[0].As<v8::Int32>()->Value();
  if (id < 1 || id > (1 << 30)) return ThrowError(isolate, "wasmprof v8 bridge: labelToken(id): from 1 to 2^30");
  Local<Object> token;
  if (!s->token_template.Get(isolate)->NewInstance(isolate->GetCurrentContext()).ToLocal(&token)) return;
  token->SetInternalField(0, v8::Integer::New(isolate, id));
  info.GetReturnValue().Set(token);
}

// labelsCheck(expectedId): runs the handler's lookup here and now; true when it finds
// expectedId. The JS side calls it inside frames it knows before enabling the handler.
void LabelsCheck(const FunctionCallbackInfo<Value>& info) {
#if WASMPROF_SAMPLE_LABELS
  SampleLabels* s = Of(info);
  if (s->ring == nullptr || info.Length() < 1 || !info[0]->IsInt32()) return info.GetReturnValue().Set(false);
  info.GetReturnValue().Set(Lookup(s) == info[0].As<v8::Int32>()->Value());
#else
  info.GetReturnValue().Set(false);
#endif
}

// labelsEnable(): the handler reads from now on (after labelsCheck passed).
void LabelsEnable(const FunctionCallbackInfo<Value>& info) {
#if WASMPROF_SAMPLE_LABELS
  SampleLabels* s = Of(info);
  if (s->ring == nullptr || s->slot < 0) return;
  s->reading.store(true, std::memory_order_release);
  EnsureChained();
#endif
}

// labelsNote(): records the label set active on this (the isolate's) thread now, as the handler
// would; true while runWithLabels should go on noting its enters and exits (until the handler
// has seen a sample after the first note).
void LabelsNote(const FunctionCallbackInfo<Value>& info) {
#if WASMPROF_SAMPLE_LABELS
  SampleLabels* s = Of(info);
  if (!s->reading.load(std::memory_order_relaxed) || s->slot < 0) return info.GetReturnValue().Set(false);
  s->noting.store(true, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  Append(s);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  s->noting.store(false, std::memory_order_relaxed);
  int expected = kNotesWanted;
  s->note_state.compare_exchange_strong(expected, kNoted, std::memory_order_relaxed);
  info.GetReturnValue().Set(s->note_state.load(std::memory_order_relaxed) != kNotesDone);
#else
  info.GetReturnValue().Set(false);
#endif
}

// labelsDrain(): Float64Array [overflowAtMicros or -1, unreadable, time, id, time, id, ...],
// the transitions since the last drain; the ring starts empty again.
void LabelsDrain(const FunctionCallbackInfo<Value>& info) {
  SampleLabels* s = Of(info);
  Isolate* isolate = info.GetIsolate();
  std::vector<double> out;
  const double overflow = s->overflow_at.load(std::memory_order_relaxed);
  for (;;) {
    // The handler can interrupt this thread and append; retry until nothing was appended
    // between the copy and the reset.
    uint32_t h = s->head.load(std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_acquire);
    out.assign(2, 0);
    out.reserve(2 + 2 * static_cast<size_t>(h));
    for (uint32_t i = 0; i < h; i++) {
      out.push_back(s->ring[i].time_us);
      out.push_back(s->ring[i].id);
    }
    if (s->head.compare_exchange_strong(h, 0, std::memory_order_relaxed)) break;
  }
  out[0] = overflow;
  out[1] = static_cast<double>(s->unreadable);
  if (overflow >= 0) {
    s->overflow_at.store(-1, std::memory_order_relaxed);
    s->last_id.store(-2, std::memory_order_relaxed);  // unknown since the overflow: record the next sample
  }
  Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, out.size() * sizeof(double));
  memcpy(buffer->GetBackingStore()->Data(), out.data(), out.size() * sizeof(double));
  info.GetReturnValue().Set(Float64Array::New(buffer, 0, out.size()));
}

// labelsStop(): the handler stops reading for this isolate.
void LabelsStop(const FunctionCallbackInfo<Value>& info) { Unregister(Of(info)); }

}  // namespace

SampleLabels* SampleLabelsNew(Isolate* isolate) {
  SampleLabels* s = new SampleLabels();
  s->isolate = isolate;
  return s;
}

void SampleLabelsDelete(SampleLabels* s) {
  if (s == nullptr) return;
  Unregister(s);
#if WASMPROF_SAMPLE_LABELS
  if (s->gc_callbacks) {
    s->isolate->RemoveGCPrologueCallback(GcPrologue, s);
    s->isolate->RemoveGCEpilogueCallback(GcEpilogue, s);
  }
#endif
  s->key.Reset();
  s->token_template.Reset();
  delete[] s->ring;
  delete s;
}

void SampleLabelsAfterCpuStart(SampleLabels* s) {
#if WASMPROF_SAMPLE_LABELS
  if (s != nullptr && s->reading.load(std::memory_order_relaxed)) EnsureChained();
#endif
}

void SampleLabelsExport(Isolate* isolate, Local<Context> ctx, Local<Object> exports, SampleLabels* s) {
  ExportFunction(isolate, ctx, exports, s, "labelsInit", LabelsInit);
  ExportFunction(isolate, ctx, exports, s, "labelToken", LabelToken);
  ExportFunction(isolate, ctx, exports, s, "labelsCheck", LabelsCheck);
  ExportFunction(isolate, ctx, exports, s, "labelsEnable", LabelsEnable);
  ExportFunction(isolate, ctx, exports, s, "labelsNote", LabelsNote);
  ExportFunction(isolate, ctx, exports, s, "labelsDrain", LabelsDrain);
  ExportFunction(isolate, ctx, exports, s, "labelsStop", LabelsStop);
}

}  // namespace wasmprof_v8
