// tao_onednn: the engine's oneDNN kernels as a Node-API addon (plain C Node-API, so it loads in
// every Node >= 18 without a rebuild per Node version). Each call is synchronous and works on
// memory the caller owns: the onednn backend's Float32Arrays (engine/src/backend/onednn-storage.ts),
// NHWC activations and TensorFlow's filter layouts. Nothing is copied on the way in or out; where oneDNN prefers
// another weight layout, the weights are reordered into a buffer kept with the primitive.
//
// Primitives are cached by their full shape signature: creating a descriptor costs tens of
// microseconds and a JIT kernel far more, while a training step repeats the same shapes.
// Built by tools/build-onednn.mjs (g++ ... -ldnnl); loaded by engine/src/backend/onednn.ts.
#include <node_api.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#ifdef __linux__
#include <dirent.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <cstdint>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <list>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

dnnl::engine& cpu() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& strm() {
  static dnnl::stream s(cpu());
  return s;
}

// ---- Node-API helpers -------------------------------------------------------------------

struct Fail {
  std::string message;
};

void check(napi_env env, napi_status status, const char* what) {
  if (status != napi_ok) throw Fail{std::string("node-api: ") + what};
  (void)env;
}

// A typed array argument (Float32Array or Int32Array for 4-byte T, Uint8Array for uint8_t,
// Float64Array for double): its data pointer and element count (null allowed).
template <typename T>
T* typed(napi_env env, napi_value v, size_t* count, bool allowNull = false) {
  napi_valuetype type;
  check(env, napi_typeof(env, v, &type), "typeof");
  if (allowNull && (type == napi_null || type == napi_undefined)) {
    if (count) *count = 0;
    return nullptr;
  }
  bool is = false;
  check(env, napi_is_typedarray(env, v, &is), "is_typedarray");
  if (!is) throw Fail{"expected a typed array"};
  napi_typedarray_type ttype;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  check(env, napi_get_typedarray_info(env, v, &ttype, &length, &data, &buffer, &offset), "typedarray_info");
  const bool ok = std::is_same<T, uint8_t>::value  ? ttype == napi_uint8_array
                 : std::is_same<T, double>::value ? ttype == napi_float64_array
                                                  : sizeof(T) == 4 && (ttype == napi_float32_array || ttype == napi_int32_array);
  if (!ok) throw Fail{std::is_same<T, uint8_t>::value ? "expected a Uint8Array" : std::is_same<T, double>::value ? "expected a Float64Array" : "expected a Float32Array or Int32Array"};
  if (count) *count = length;
  return static_cast<T*>(data);
}

double number(napi_env env, napi_value v) {
  double d = 0;
  check(env, napi_get_value_double(env, v, &d), "number");
  return d;
}

std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t n) {
  std::vector<napi_value> argv(n);
  size_t got = n;
  check(env, napi_get_cb_info(env, info, &got, argv.data(), nullptr, nullptr), "cb_info");
  if (got < n) throw Fail{"too few arguments"};
  return argv;
}

// Runs `body`, turning C++ and oneDNN exceptions into JavaScript errors.
template <typename F>
napi_value guarded(napi_env env, F body) {
  try {
    return body();
  } catch (const Fail& f) {
    napi_throw_error(env, nullptr, f.message.c_str());
  } catch (const dnnl::error& e) {
    std::string m = std::string("oneDNN: ") + e.what();
    napi_throw_error(env, nullptr, m.c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// ---- primitive cache ----------------------------------------------------------------------

// Cached primitives (and their memory objects and weight buffers) by shape signature, least
// recently used first out beyond `cap` entries per kind. A training run repeats a few dozen
// shapes, but inference over varying batch sizes (or many models in one process) would keep
// one JIT kernel and weight buffer per shape for ever; 256 per kind holds every layer of the
// largest network TAO builds (forward, both gradients) several times over. An evicted entry is
// rebuilt on its next use. Entries are only dropped while a new one is inserted, before the
// caller receives the new one, so a pointer returned by get() or put() stays valid for the call.
template <typename T>
class Lru {
 public:
  explicit Lru(size_t cap) : cap_(cap) {}
  T* get(const std::string& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second.second);
    return it->second.first.get();
  }
  T* put(const std::string& k, std::unique_ptr<T> v) {
    while (map_.size() >= cap_ && !order_.empty()) {
      map_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(k);
    T* raw = v.get();
    map_[k] = {std::move(v), order_.begin()};
    return raw;
  }
  size_t size() const { return map_.size(); }

 private:
  size_t cap_;
  std::list<std::string> order_;
  std::unordered_map<std::string, std::pair<std::unique_ptr<T>, std::list<std::string>::iterator>> map_;
};

constexpr size_t kCacheCap = 256;

// ---- layouts ------------------------------------------------------------------------------

// NHWC activations described to oneDNN as logical NCHW with strides.
memory::desc nhwc(int64_t n, int64_t c, int64_t h, int64_t w) {
  return memory::desc({n, c, h, w}, dt::f32, memory::dims{h * w * c, 1, w * c, c});
}

// TensorFlow conv filter [kh, kw, ci, co] as oneDNN {co, ci, kh, kw}; depthwise [kh, kw, ci, m]
// as grouped {g = ci, m, 1, kh, kw}.
memory::desc tfFilter(int64_t kh, int64_t kw, int64_t ci, int64_t co, int64_t groups) {
  if (groups == 1) return memory::desc({co, ci, kh, kw}, dt::f32, memory::dims{1, co, kw * ci * co, ci * co});
  const int64_t m = co / groups;
  return memory::desc({groups, m, 1, kh, kw}, dt::f32, memory::dims{m, 1, 1, kw * groups * m, groups * m});
}

dnnl::post_ops activation(int act, float alpha) {
  dnnl::post_ops ops;
  switch (act) {
    case 1: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f); break;
    case 2: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f); break;
    case 3: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_elu, 1.f, 0.f); break;
    case 4: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f); break;
    case 5: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, alpha, 0.f); break;
    default: break;
  }
  return ops;
}

// A weights buffer in the layout a primitive chose, filled from (or copied back to) the
// caller's TensorFlow-layout memory by a cached reorder.
struct Staged {
  bool needed = false;
  memory user;      // caller's layout; data handle set per call
  memory internal;  // primitive's layout, owned here
  dnnl::reorder toInternal, toUser;
};

Staged stage(const memory::desc& userDesc, const memory::desc& wanted, bool backToUser, bool ownBuffer = true) {
  Staged s;
  s.user = memory(userDesc, cpu(), DNNL_MEMORY_NONE);
  if (wanted == userDesc) return s;
  s.needed = true;
  s.internal = ownBuffer ? memory(wanted, cpu()) : memory(wanted, cpu(), DNNL_MEMORY_NONE);
  if (backToUser) s.toUser = dnnl::reorder(s.internal, s.user);
  else s.toInternal = dnnl::reorder(s.user, s.internal);
  return s;
}

// 64-byte aligned memory that grows to the largest size asked of it and is never shrunk.
class Scratch {
 public:
  float* get(size_t bytes) {
    if (bytes > bytes_) {
      const size_t rounded = (bytes + 63) / 64 * 64;
      float* fresh = static_cast<float*>(std::aligned_alloc(64, rounded));
      if (!fresh) throw Fail{"out of memory for a staging buffer"};
      std::free(data_);
      data_ = fresh;
      bytes_ = rounded;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t bytes_ = 0;
};

// Activations a primitive wants in another layout than the caller's NHWC (Winograd's blocked
// one) pass through two buffers shared by every such primitive: calls run one at a time, and no
// call stages more than two activations (forward: x in, y out; backward data: dy in, dx out;
// backward weights: x and dy in). Buffers of their own per cached primitive would hold
// hundreds of megabytes at 224x224.
Scratch activationScratch[2];

// The caller's activation as the primitive reads it: its own memory, or reordered into `slot`.
const memory& stagedInput(Staged& s, float* data, int slot) {
  s.user.set_data_handle(data);
  if (!s.needed) return s.user;
  s.internal.set_data_handle(activationScratch[slot].get(s.internal.get_desc().get_size()));
  s.toInternal.execute(strm(), s.user, s.internal);
  return s.internal;
}

// Where the primitive writes an activation: the caller's memory, or `slot` (then finishOutput).
const memory& stagedOutput(Staged& s, float* data, int slot) {
  s.user.set_data_handle(data);
  if (!s.needed) return s.user;
  s.internal.set_data_handle(activationScratch[slot].get(s.internal.get_desc().get_size()));
  return s.internal;
}

void finishOutput(Staged& s) {
  if (s.needed) s.toUser.execute(strm(), s.internal, s.user);
}

// ---- convolution --------------------------------------------------------------------------

// Parameters, in the order the JavaScript side packs them (Int32Array).
enum ConvParam { N, IH, IW, IC, OH, OW, OC, KH, KW, SH, SW, DH, DW, PT, PL, PB, PR, GROUPS, ACT, HAS_BIAS, CONV_PARAMS };

struct ConvEntry {
  dnnl::primitive prim;
  // Activations, the caller's NHWC memory (data handles set per call), staged where the
  // primitive computes in another layout (Winograd).
  Staged a, b, out;
  memory bias;
  Staged weights;  // the filter (fwd, bwd data: input; bwd weights: output)
  bool weightsIsOut = false;
};

Lru<ConvEntry> convCache(kCacheCap);
double winogradConvolutions = 0;  // entries built with Winograd, reported by info() for the tests

std::string key(const char* kind, const int32_t* p, size_t n, float alpha) {
  std::string k(kind);
  k.append(reinterpret_cast<const char*>(p), n * sizeof(int32_t));
  k.append(reinterpret_cast<const char*>(&alpha), sizeof(alpha));
  return k;
}

// Winograd F(4x4, 3x3) (oneDNN's jit_wino_4x3, AVX-512) computes a 3x3 stride-1 convolution
// with fewer multiplications than brgconv's direct method, forward and in both gradients; it
// works in a blocked layout, so each call also reorders its activations from and to NHWC.
// Measured here on 2 vCPUs with those reorders included (ResNet's shapes: batch 1, 32 and 128,
// 16..256 channels, 4x4..56x56): at 64+ channels it runs 1.1-3x faster once the work is large
// enough, and at 16-32 channels or on few pixels up to 5x slower, more so on two threads than
// on one (it splits the work more coarsely) and more so forward than backward. Taken where
// batch x output pixels x min(channels) reaches 1e5 per thread backward, and forward 1e5 on one
// thread and 2e5 per thread on more: most measured cases of that size won (the worst losers: 64
// channels at 14x14 on two threads, backward weights 0.79x at batch 32, forward 0.87x at batch
// 128), and whole networks gained (ResNet-18 at 224x224, two threads: training step
// 1.16-1.34x). (Beyond two threads the rule is extrapolated, not measured.)
// TAO_ONEDNN_WINOGRAD=never|always overrides it, for A/B measurements and the tests.
bool winogradWorthwhile(int mode, const int32_t* p) {
  if (p[KH] != 3 || p[KW] != 3 || p[SH] != 1 || p[SW] != 1 || p[DH] != 1 || p[DW] != 1 || p[GROUPS] != 1) return false;
  const char* setting = std::getenv("TAO_ONEDNN_WINOGRAD");
  if (setting && std::strcmp(setting, "never") == 0) return false;
  if (setting && std::strcmp(setting, "always") == 0) return true;
  if (p[IC] < 64 || p[OC] < 64) return false;
  const double threads = omp_get_max_threads();
  const double work = double(p[N]) * p[OH] * p[OW] * std::min(p[IC], p[OC]);
  const double needed = mode != 0 ? 1e5 * threads : threads <= 1 ? 1e5 : 2e5 * threads;
  return work >= needed;
}

std::unique_ptr<ConvEntry> buildConvEntry(int mode, const int32_t* p, float alpha, bool winograd) {
  const memory::desc src = nhwc(p[N], p[IC], p[IH], p[IW]);
  const memory::desc dst = nhwc(p[N], p[OC], p[OH], p[OW]);
  // Winograd chooses its own activation layout; the direct method works on NHWC as it is.
  const memory::desc srcAny = winograd ? memory::desc({p[N], p[IC], p[IH], p[IW]}, dt::f32, tag::any) : src;
  const memory::desc dstAny = winograd ? memory::desc({p[N], p[OC], p[OH], p[OW]}, dt::f32, tag::any) : dst;
  const memory::desc userW = tfFilter(p[KH], p[KW], p[IC], p[OC], p[GROUPS]);
  const memory::desc anyW = p[GROUPS] == 1 ? memory::desc({p[OC], p[IC], p[KH], p[KW]}, dt::f32, tag::any)
                                           : memory::desc({p[GROUPS], p[OC] / p[GROUPS], 1, p[KH], p[KW]}, dt::f32, tag::any);
  const memory::desc biasDesc({p[OC]}, dt::f32, tag::a);
  const memory::dims strides{p[SH], p[SW]};
  // TensorFlow counts dilation from 1, oneDNN from 0.
  const memory::dims dilation{p[DH] - 1, p[DW] - 1};
  const memory::dims padL{p[PT], p[PL]}, padR{p[PB], p[PR]};
  const auto alg = winograd ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;

  dnnl::primitive_attr attr;
  if (mode == 0 && p[ACT] != 0) attr.set_post_ops(activation(p[ACT], alpha));
  const auto fwdDesc = p[HAS_BIAS] && mode == 0
                           ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, srcAny, anyW, biasDesc, dstAny, strides, dilation, padL, padR)
                           : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, srcAny, anyW, dstAny, strides, dilation, padL, padR);
  const dnnl::convolution_forward::primitive_desc fwdPd(fwdDesc, attr, cpu());

  auto e = std::make_unique<ConvEntry>();
  if (mode == 0) {
    e->prim = dnnl::convolution_forward(fwdPd);
    e->a = stage(src, fwdPd.src_desc(), false, false);
    e->out = stage(dst, fwdPd.dst_desc(), true, false);
    if (p[HAS_BIAS]) e->bias = memory(biasDesc, cpu(), DNNL_MEMORY_NONE);
    e->weights = stage(userW, fwdPd.weights_desc(), false);
  } else if (mode == 1) {
    dnnl::convolution_backward_data::desc d(alg, srcAny, anyW, dstAny, strides, dilation, padL, padR);
    dnnl::convolution_backward_data::primitive_desc pd(d, cpu(), fwdPd);
    e->prim = dnnl::convolution_backward_data(pd);
    e->a = stage(dst, pd.diff_dst_desc(), false, false);  // dy
    e->out = stage(src, pd.diff_src_desc(), true, false);  // dx
    e->weights = stage(userW, pd.weights_desc(), false);
  } else {
    dnnl::convolution_backward_weights::desc d(alg, srcAny, anyW, dstAny, strides, dilation, padL, padR);
    dnnl::convolution_backward_weights::primitive_desc pd(d, cpu(), fwdPd);
    e->prim = dnnl::convolution_backward_weights(pd);
    e->a = stage(src, pd.src_desc(), false, false);  // x
    e->b = stage(dst, pd.diff_dst_desc(), false, false);  // dy
    e->weights = stage(userW, pd.diff_weights_desc(), true);
    e->weightsIsOut = true;
  }
  return e;
}

ConvEntry* convEntry(int mode, const int32_t* p, float alpha, const std::string& k) {
  if (ConvEntry* hit = convCache.get(k)) return hit;
  if (winogradWorthwhile(mode, p)) {
    // oneDNN declines Winograd where its kernel has no variant (another ISA, some paddings):
    // the direct method then serves the shape.
    try {
      auto e = buildConvEntry(mode, p, alpha, true);
      winogradConvolutions++;
      return convCache.put(k, std::move(e));
    } catch (const dnnl::error&) {
    }
  }
  return convCache.put(k, buildConvEntry(mode, p, alpha, false));
}

// Filters reordered into a primitive's layout once and kept, for filters the caller declares
// constant (inference's folded weights): by the caller's token, then by the primitive's key
// (one filter may serve several batch sizes, each its own primitive and possibly its own
// layout). Training's filters change every step and carry no token; theirs are reordered per
// call. forgetWeights(token) drops a token's copies when its tensor is disposed.
std::unordered_map<double, std::unordered_map<std::string, memory>> constantWeights;

// Buffers of forgotten constant filters, by the key of what used them, for the next pass's
// filters of the same shape: every prediction pass folds afresh, and allocating (and faulting
// in) each copy anew made resnet18's first passes at 64x64 slower than the per-batch reorders
// they replace. Bounded; a buffer beyond the bound is freed with its last reference.
std::unordered_map<std::string, std::vector<memory>> spareBuffers;
size_t spareBytes = 0;
constexpr size_t kSpareMaxBytes = size_t(512) << 20;

memory takeBuffer(const std::string& key, const memory::desc& d) {
  auto found = spareBuffers.find(key);
  if (found != spareBuffers.end() && !found->second.empty()) {
    memory m = found->second.back();
    found->second.pop_back();
    spareBytes -= d.get_size();
    return m;
  }
  return memory(d, cpu());
}

void keepBuffer(const std::string& key, const memory& m) {
  const size_t size = m.get_desc().get_size();
  if (spareBytes + size > kSpareMaxBytes) return;
  spareBuffers[key].push_back(m);
  spareBytes += size;
}

// The filter in the primitive's layout: the kept copy for a constant filter (made on first use),
// else reordered now into the entry's own buffer.
const memory& weightsFor(ConvEntry* e, const std::string& entryKey, double token) {
  Staged& w = e->weights;
  if (!w.needed) return w.user;
  if (token == 0) {
    w.toInternal.execute(strm(), w.user, w.internal);
    return w.internal;
  }
  auto& copies = constantWeights[token];
  auto found = copies.find(entryKey);
  if (found != copies.end()) return found->second;
  memory copy = takeBuffer("w" + entryKey, w.internal.get_desc());
  w.toInternal.execute(strm(), w.user, copy);
  return copies.emplace(entryKey, copy).first->second;
}

// Small images: a convolution as one matrix product (inference). When the input is barely
// larger than the kernel (the last stage of a ResNet at 2x2 on 64x64 images, 1x1 on 28x28
// ones), most taps of a padded 3x3 convolution read padding, and brgconv computes all nine
// over zeros (ONEDNN_VERBOSE: 94 GFLOP/s counted that way, against 210 on the same channels at
// 8x8). As a dense layer, out[n, (oy, ox, co)] = sum over (iy, ix, ci) of x[n, (iy, ix, ci)] *
// W[(iy, ix, ci), (oy, ox, co)], where W holds the filter tap linking the two pixels and zero
// where none does; NHWC data is already that row-major matrix. It does less work when
// IH * IW * 2 <= KH * KW. For a constant filter (a folded filter's token) W is built once and
// kept until the filter is forgotten; any other filter goes through denseTrainingConv below.
// The matrix product by shape (its JIT kernel is made once, like every primitive here) ...
struct DensePrim {
  dnnl::primitive prim;
  memory src, dst;
  memory weights;  // the backward products' second operand (training)
};

// Calls f(ky, kx, iy, ix, oy, ox) for every filter tap that links an input pixel to an output
// pixel (taps that read padding are skipped).
template <typename F>
void forEachTap(const int32_t* p, F f) {
  for (int64_t oy = 0; oy < p[OH]; oy++)
    for (int64_t ox = 0; ox < p[OW]; ox++)
      for (int64_t ky = 0; ky < p[KH]; ky++)
        for (int64_t kx = 0; kx < p[KW]; kx++) {
          const int64_t iy = oy * p[SH] - p[PT] + ky * p[DH], ix = ox * p[SW] - p[PL] + kx * p[DW];
          if (iy < 0 || iy >= p[IH] || ix < 0 || ix >= p[IW]) continue;
          f(ky, kx, iy, ix, oy, ox);
        }
}

// W [(iy, ix, ci), (oy, ox, co)], filled tap by tap from TF's [kh, kw, ci, co]; pairs of pixels
// no tap links stay zero.
void fillDenseWeights(const int32_t* p, const float* filter, float* plain) {
  const int64_t ci = p[IC], co = p[OC], k = int64_t(p[IH]) * p[IW] * ci, n = int64_t(p[OH]) * p[OW] * co;
  std::memset(plain, 0, static_cast<size_t>(k * n) * sizeof(float));
  forEachTap(p, [&](int64_t ky, int64_t kx, int64_t iy, int64_t ix, int64_t oy, int64_t ox) {
    for (int64_t c = 0; c < ci; c++) {
      const float* tap = filter + ((ky * p[KW] + kx) * ci + c) * co;
      float* row = plain + ((iy * p[IW] + ix) * ci + c) * n + (oy * p[OW] + ox) * co;
      std::memcpy(row, tap, static_cast<size_t>(co) * sizeof(float));
    }
  });
}

// The bias once per output pixel: the dense product's bias row [1, oh * ow * co].
void repeatBias(const int32_t* p, const float* bias, float* repeated) {
  const int64_t co = p[OC];
  for (int64_t px = 0; px < int64_t(p[OH]) * p[OW]; px++) std::memcpy(repeated + px * co, bias, static_cast<size_t>(co) * sizeof(float));
}

Lru<DensePrim> densePrimCache(kCacheCap);

// ... and the matrix (and the bias repeated per output pixel) by filter token.
struct DenseConv {
  DensePrim* shape;
  memory weights, bias;
};

std::unordered_map<double, std::unordered_map<std::string, std::unique_ptr<DenseConv>>> denseConvs;

constexpr int64_t kDenseMaxBytes = int64_t(64) << 20;

bool denseWorthwhile(const int32_t* p) {
  const int64_t in = int64_t(p[IH]) * p[IW], out = int64_t(p[OH]) * p[OW];
  const int64_t bytes = in * p[IC] * out * p[OC] * 4;
  return p[GROUPS] == 1 && in * 2 <= int64_t(p[KH]) * p[KW] && bytes <= kDenseMaxBytes;
}

DensePrim* densePrim(const int32_t* p, bool hasBias, float alpha, const std::string& entryKey) {
  const std::string k = "dm" + entryKey + (hasBias ? "b" : "");
  if (DensePrim* hit = densePrimCache.get(k)) return hit;
  const int64_t kk = int64_t(p[IH]) * p[IW] * p[IC], n = int64_t(p[OH]) * p[OW] * p[OC];
  const memory::desc srcD({p[N], kk}, dt::f32, tag::ab), dstD({p[N], n}, dt::f32, tag::ab);
  const memory::desc plainW({kk, n}, dt::f32, tag::ab), biasD({1, n}, dt::f32, tag::ab);
  dnnl::primitive_attr attr;
  if (p[ACT] != 0) attr.set_post_ops(activation(p[ACT], alpha));
  const auto d = hasBias ? dnnl::matmul::desc(srcD, plainW, biasD, dstD) : dnnl::matmul::desc(srcD, plainW, dstD);
  auto made = std::make_unique<DensePrim>();
  made->prim = dnnl::matmul(dnnl::matmul::primitive_desc(d, attr, cpu()));
  made->src = memory(srcD, cpu(), DNNL_MEMORY_NONE);
  made->dst = memory(dstD, cpu(), DNNL_MEMORY_NONE);
  return densePrimCache.put(k, std::move(made));
}

DenseConv* denseConv(const int32_t* p, const float* filter, const float* bias, float alpha, double token, const std::string& entryKey) {
  auto& mine = denseConvs[token];
  auto found = mine.find(entryKey);
  if (found != mine.end()) {
    // The primitive may have been evicted and rebuilt since: look it up again.
    found->second->shape = densePrim(p, bias != nullptr, alpha, entryKey);
    return found->second.get();
  }
  const int64_t ci = p[IC], co = p[OC], k = int64_t(p[IH]) * p[IW] * ci, n = int64_t(p[OH]) * p[OW] * co;
  // W stays a plain row-major [k, n] matrix: it is built once per prediction pass, and a
  // reorder into a blocked layout (single-threaded, ~1 GB/s) cost more than it saved.
  const memory::desc plainW({k, n}, dt::f32, tag::ab), biasD({1, n}, dt::f32, tag::ab);
  auto e = std::make_unique<DenseConv>();
  e->weights = takeBuffer("dw" + entryKey, plainW);
  fillDenseWeights(p, filter, static_cast<float*>(e->weights.get_data_handle()));
  e->shape = densePrim(p, bias != nullptr, alpha, entryKey);
  if (bias) {
    e->bias = takeBuffer("db" + entryKey, biasD);
    repeatBias(p, bias, static_cast<float*>(e->bias.get_data_handle()));
  }
  return mine.emplace(entryKey, std::move(e)).first->second.get();
}

// ---- small images in training: the same matrix products, the matrix rebuilt per call -------
//
// In training the filter changes every step, so W is built anew on each call, into one scratch
// buffer shared by all calls (they run one at a time, on the JavaScript thread's call). The
// three products, for NHWC data as row-major matrices X [N, k], Y [N, n], W [k, n]:
//   forward          Y  = X W   (+ bias, activation: densePrim)
//   backward data    dX = dY W^T
//   backward weights dW = X^T dY, then each tap's gradient is the sum of the blocks of dW that
//                    the tap links (gatherDenseGradient), zero for a tap that reads only padding.
// brgconv spent its time on padding there too, in all three (a ResNet-18 at 28x28: stage 3 at
// 2x2, stage 4 at 1x1).
std::vector<float> denseScratch, denseBiasScratch;
double denseTrainingCalls = 0;  // reported by info(), for the tests

float* scratch(std::vector<float>& v, int64_t count) {
  if (static_cast<int64_t>(v.size()) < count) v.resize(static_cast<size_t>(count));
  return v.data();
}

// Sums W's blocks back into the filter gradient [kh, kw, ci, co].
void gatherDenseGradient(const int32_t* p, const float* plain, float* dfilter) {
  const int64_t ci = p[IC], co = p[OC], n = int64_t(p[OH]) * p[OW] * co;
  std::memset(dfilter, 0, static_cast<size_t>(int64_t(p[KH]) * p[KW] * ci * co) * sizeof(float));
  forEachTap(p, [&](int64_t ky, int64_t kx, int64_t iy, int64_t ix, int64_t oy, int64_t ox) {
    for (int64_t c = 0; c < ci; c++) {
      float* tap = dfilter + ((ky * p[KW] + kx) * ci + c) * co;
      const float* block = plain + ((iy * p[IW] + ix) * ci + c) * n + (oy * p[OW] + ox) * co;
#pragma omp simd
      for (int64_t o = 0; o < co; o++) tap[o] += block[o];
    }
  });
}

// The backward products by shape: dX = dY W^T (mode 1) and dW = X^T dY (mode 2), the transposed
// operand read through its strides.
DensePrim* denseBackwardPrim(int mode, const int32_t* p, const std::string& entryKey) {
  const std::string k = "db" + std::to_string(mode) + entryKey;
  if (DensePrim* hit = densePrimCache.get(k)) return hit;
  const int64_t batch = p[N], kk = int64_t(p[IH]) * p[IW] * p[IC], n = int64_t(p[OH]) * p[OW] * p[OC];
  memory::desc srcD, weightsD, dstD;
  if (mode == 1) {
    srcD = memory::desc({batch, n}, dt::f32, tag::ab);
    weightsD = memory::desc({n, kk}, dt::f32, tag::ba);
    dstD = memory::desc({batch, kk}, dt::f32, tag::ab);
  } else {
    srcD = memory::desc({kk, batch}, dt::f32, tag::ba);
    weightsD = memory::desc({batch, n}, dt::f32, tag::ab);
    dstD = memory::desc({kk, n}, dt::f32, tag::ab);
  }
  auto made = std::make_unique<DensePrim>();
  made->prim = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(srcD, weightsD, dstD), cpu()));
  made->src = memory(srcD, cpu(), DNNL_MEMORY_NONE);
  made->dst = memory(dstD, cpu(), DNNL_MEMORY_NONE);
  made->weights = memory(weightsD, cpu(), DNNL_MEMORY_NONE);
  return densePrimCache.put(k, std::move(made));
}

// One convolution call as matrix products with a freshly built W (modes as conv()).
void denseTrainingConv(int mode, const int32_t* p, float* a, float* b, float* bias, float* out, float alpha, const std::string& entryKey) {
  const int64_t kk = int64_t(p[IH]) * p[IW] * p[IC], n = int64_t(p[OH]) * p[OW] * p[OC];
  denseTrainingCalls++;
  float* plain = scratch(denseScratch, kk * n);
  std::unordered_map<int, memory> run;
  if (mode == 0 || mode == 1) fillDenseWeights(p, b, plain);
  if (mode == 0) {
    DensePrim* m = densePrim(p, bias != nullptr, alpha, entryKey);
    const memory weights(memory::desc({kk, n}, dt::f32, tag::ab), cpu(), plain);
    m->src.set_data_handle(a);
    m->dst.set_data_handle(out);
    run = {{DNNL_ARG_SRC, m->src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, m->dst}};
    if (bias) {
      float* repeated = scratch(denseBiasScratch, n);
      repeatBias(p, bias, repeated);
      run.emplace(DNNL_ARG_BIAS, memory(memory::desc({1, n}, dt::f32, tag::ab), cpu(), repeated));
    }
    m->prim.execute(strm(), run);
  } else if (mode == 1) {
    DensePrim* m = denseBackwardPrim(1, p, entryKey);
    m->src.set_data_handle(a);
    m->weights.set_data_handle(plain);
    m->dst.set_data_handle(out);
    m->prim.execute(strm(), {{DNNL_ARG_SRC, m->src}, {DNNL_ARG_WEIGHTS, m->weights}, {DNNL_ARG_DST, m->dst}});
  } else {
    DensePrim* m = denseBackwardPrim(2, p, entryKey);
    m->src.set_data_handle(a);
    m->weights.set_data_handle(b);
    m->dst.set_data_handle(plain);
    m->prim.execute(strm(), {{DNNL_ARG_SRC, m->src}, {DNNL_ARG_WEIGHTS, m->weights}, {DNNL_ARG_DST, m->dst}});
    strm().wait();
    gatherDenseGradient(p, plain, out);
  }
  strm().wait();
}

// conv(mode, params Int32Array, a, b, bias|null, out, alpha, filterToken)
//   mode 0 forward:          a = x,  b = filter, out = y (bias and activation fused)
//   mode 1 backward data:    a = dy, b = filter, out = dx
//   mode 2 backward weights: a = x,  b = dy,     out = dfilter
//   filterToken: 0, or the caller's number for a filter that never changes (modes 0 and 1)
napi_value Conv(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 8);
    const int mode = static_cast<int>(number(env, argv[0]));
    size_t np = 0;
    const int32_t* p = typed<int32_t>(env, argv[1], &np);
    if (np != CONV_PARAMS) throw Fail{"conv: wrong parameter count"};
    float* a = typed<float>(env, argv[2], nullptr);
    float* b = typed<float>(env, argv[3], nullptr);
    float* bias = typed<float>(env, argv[4], nullptr, true);
    float* out = typed<float>(env, argv[5], nullptr);
    const float alpha = static_cast<float>(number(env, argv[6]));
    const double token = number(env, argv[7]);
    const std::string entryKey = key(mode == 0 ? "cf" : mode == 1 ? "cd" : "cw", p, CONV_PARAMS, alpha);
    if (token == 0 && denseWorthwhile(p)) {
      denseTrainingConv(mode, p, a, b, bias, out, alpha, entryKey);
      return undefinedValue(env);
    }
    if (mode == 0 && token != 0 && denseWorthwhile(p)) {
      DenseConv* d = denseConv(p, b, bias, alpha, token, entryKey);
      DensePrim* m = d->shape;
      m->src.set_data_handle(a);
      m->dst.set_data_handle(out);
      std::unordered_map<int, memory> run{{DNNL_ARG_SRC, m->src}, {DNNL_ARG_WEIGHTS, d->weights}, {DNNL_ARG_DST, m->dst}};
      if (bias) run.emplace(DNNL_ARG_BIAS, d->bias);
      m->prim.execute(strm(), run);
      strm().wait();
      return undefinedValue(env);
    }
    ConvEntry* e = convEntry(mode, p, alpha, entryKey);
    std::unordered_map<int, memory> run;
    Staged& w = e->weights;
    if (mode == 0 || mode == 1) {
      w.user.set_data_handle(b);
      const memory& weights = weightsFor(e, entryKey, token);
      const memory& in = stagedInput(e->a, a, 0);
      const memory& result = stagedOutput(e->out, out, 1);
      if (mode == 0) {
        run = {{DNNL_ARG_SRC, in}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, result}};
        if (bias) {
          e->bias.set_data_handle(bias);
          run.emplace(DNNL_ARG_BIAS, e->bias);
        }
      } else {
        run = {{DNNL_ARG_DIFF_DST, in}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, result}};
      }
      e->prim.execute(strm(), run);
      finishOutput(e->out);
    } else {
      w.user.set_data_handle(out);
      run = {{DNNL_ARG_SRC, stagedInput(e->a, a, 0)}, {DNNL_ARG_DIFF_DST, stagedInput(e->b, b, 1)}, {DNNL_ARG_DIFF_WEIGHTS, w.needed ? w.internal : w.user}};
      e->prim.execute(strm(), run);
      if (w.needed) w.toUser.execute(strm(), w.internal, w.user);
    }
    strm().wait();
    return undefinedValue(env);
  });
}

// ---- pooling ------------------------------------------------------------------------------

enum PoolParam { PN, PIH, PIW, PC, POH, POW, PKH, PKW, PSH, PSW, PPT, PPL, PPB, PPR, POOL_PARAMS };

struct PoolEntry {
  dnnl::primitive fwd, bwd;
  memory x, y, dy, dx, workspace, scratchY;
};

Lru<PoolEntry> poolCache(kCacheCap);

PoolEntry* poolEntry(int mode, const int32_t* p) {
  const std::string k = key(mode == 0 ? "pm" : mode == 1 ? "pa" : mode == 2 ? "gm" : "ga", p, POOL_PARAMS, 0.f);
  if (PoolEntry* hit = poolCache.get(k)) return hit;
  const bool max = mode == 0 || mode == 2;
  const bool backward = mode >= 2;
  // TensorFlow's average leaves padding out of the count.
  const auto alg = max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
  const memory::desc src = nhwc(p[PN], p[PC], p[PIH], p[PIW]);
  const memory::desc dst = nhwc(p[PN], p[PC], p[POH], p[POW]);
  const memory::dims strides{p[PSH], p[PSW]}, kernel{p[PKH], p[PKW]}, padL{p[PPT], p[PPL]}, padR{p[PPB], p[PPR]};
  const auto prop = backward ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  dnnl::pooling_forward::desc fd(prop, alg, src, dst, strides, kernel, padL, padR);
  dnnl::pooling_forward::primitive_desc fpd(fd, cpu());
  auto e = std::make_unique<PoolEntry>();
  e->fwd = dnnl::pooling_forward(fpd);
  e->x = memory(src, cpu(), DNNL_MEMORY_NONE);
  e->y = memory(dst, cpu(), DNNL_MEMORY_NONE);
  if (backward) {
    dnnl::pooling_backward::desc bd(alg, src, dst, strides, kernel, padL, padR);
    dnnl::pooling_backward::primitive_desc bpd(bd, cpu(), fpd);
    e->bwd = dnnl::pooling_backward(bpd);
    e->dy = memory(dst, cpu(), DNNL_MEMORY_NONE);
    e->dx = memory(src, cpu(), DNNL_MEMORY_NONE);
    // Max: the gradient goes where the forward pass found the maximum, which oneDNN records
    // in a workspace; TensorFlow's MaxPoolGrad gets no such record, so the forward is rerun.
    if (max) {
      e->workspace = memory(fpd.workspace_desc(), cpu());
      e->scratchY = memory(dst, cpu());
    }
  }
  return poolCache.put(k, std::move(e));
}

// pool(mode, params, a, b|null, out)
//   0 max forward (a = x), 1 average forward (a = x),
//   2 max backward (a = dy, b = x), 3 average backward (a = dy)
napi_value Pool(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 5);
    const int mode = static_cast<int>(number(env, argv[0]));
    size_t np = 0;
    const int32_t* p = typed<int32_t>(env, argv[1], &np);
    if (np != POOL_PARAMS) throw Fail{"pool: wrong parameter count"};
    float* a = typed<float>(env, argv[2], nullptr);
    float* b = typed<float>(env, argv[3], nullptr, true);
    float* out = typed<float>(env, argv[4], nullptr);
    PoolEntry* e = poolEntry(mode, p);
    if (mode < 2) {
      e->x.set_data_handle(a);
      e->y.set_data_handle(out);
      e->fwd.execute(strm(), {{DNNL_ARG_SRC, e->x}, {DNNL_ARG_DST, e->y}});
    } else {
      e->dy.set_data_handle(a);
      e->dx.set_data_handle(out);
      if (mode == 2) {
        if (!b) throw Fail{"pool: max backward needs the input"};
        e->x.set_data_handle(b);
        e->fwd.execute(strm(), {{DNNL_ARG_SRC, e->x}, {DNNL_ARG_DST, e->scratchY}, {DNNL_ARG_WORKSPACE, e->workspace}});
        e->bwd.execute(strm(), {{DNNL_ARG_DIFF_DST, e->dy}, {DNNL_ARG_DIFF_SRC, e->dx}, {DNNL_ARG_WORKSPACE, e->workspace}});
      } else {
        e->bwd.execute(strm(), {{DNNL_ARG_DIFF_DST, e->dy}, {DNNL_ARG_DIFF_SRC, e->dx}});
      }
    }
    strm().wait();
    return undefinedValue(env);
  });
}

// ---- matmul -------------------------------------------------------------------------------

enum MatParam { BA, BB, M, K, NN, TA, TB, MACT, MBIAS, MAT_PARAMS };

struct MatEntry {
  dnnl::primitive prim;
  memory a, b, bias, c;
};

Lru<MatEntry> matCache(kCacheCap);

// matmul(params, a, b, bias|null, out, alpha): batched, the batch of a or b may be 1
// (broadcast); a is [BA, M, K] or, transposed, [BA, K, M]; b likewise.
napi_value MatMul(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 6);
    size_t np = 0;
    const int32_t* p = typed<int32_t>(env, argv[0], &np);
    if (np != MAT_PARAMS) throw Fail{"matmul: wrong parameter count"};
    float* a = typed<float>(env, argv[1], nullptr);
    float* b = typed<float>(env, argv[2], nullptr);
    float* bias = typed<float>(env, argv[3], nullptr, true);
    float* out = typed<float>(env, argv[4], nullptr);
    const float alpha = static_cast<float>(number(env, argv[5]));
    const std::string k = key("mm", p, MAT_PARAMS, alpha);
    MatEntry* e = matCache.get(k);
    if (!e) {
      const int64_t ba = p[BA], bb = p[BB], m = p[M], kk = p[K], n = p[NN];
      const int64_t bc = ba > bb ? ba : bb;
      const memory::desc ad({ba, m, kk}, dt::f32, p[TA] ? memory::dims{m * kk, 1, m} : memory::dims{m * kk, kk, 1});
      const memory::desc bd({bb, kk, n}, dt::f32, p[TB] ? memory::dims{kk * n, 1, kk} : memory::dims{kk * n, n, 1});
      const memory::desc cd({bc, m, n}, dt::f32, memory::dims{m * n, n, 1});
      const memory::desc biasD({1, 1, n}, dt::f32, memory::dims{n, n, 1});
      dnnl::primitive_attr attr;
      if (p[MACT] != 0) attr.set_post_ops(activation(p[MACT], alpha));
      const auto d = p[MBIAS] ? dnnl::matmul::desc(ad, bd, biasD, cd) : dnnl::matmul::desc(ad, bd, cd);
      dnnl::matmul::primitive_desc pd(d, attr, cpu());
      auto made = std::make_unique<MatEntry>();
      made->prim = dnnl::matmul(pd);
      made->a = memory(ad, cpu(), DNNL_MEMORY_NONE);
      made->b = memory(bd, cpu(), DNNL_MEMORY_NONE);
      made->c = memory(cd, cpu(), DNNL_MEMORY_NONE);
      if (p[MBIAS]) made->bias = memory(biasD, cpu(), DNNL_MEMORY_NONE);
      e = matCache.put(k, std::move(made));
    }
    e->a.set_data_handle(a);
    e->b.set_data_handle(b);
    e->c.set_data_handle(out);
    std::unordered_map<int, memory> run{{DNNL_ARG_SRC, e->a}, {DNNL_ARG_WEIGHTS, e->b}, {DNNL_ARG_DST, e->c}};
    if (bias) {
      e->bias.set_data_handle(bias);
      run.emplace(DNNL_ARG_BIAS, e->bias);
    }
    e->prim.execute(strm(), run);
    strm().wait();
    return undefinedValue(env);
  });
}

// ---- activation gradients ------------------------------------------------------------------

struct EltEntry {
  dnnl::primitive prim;
  memory dy, x, dx;
};

Lru<EltEntry> eltCache(kCacheCap);

// eltwiseGrad(kind, dy, x, out, alpha, beta): dx = dy * f'(x) in one pass over flat arrays.
//   kind 1 relu (alpha: negative slope), 2 clip to [alpha, beta] (relu6: 0, 6),
//   3 swish x * sigmoid(alpha * x): dy * (s + alpha * x * s * (1 - s)), s = sigmoid(alpha * x)
// oneDNN's derivatives match tfjs' gradients at the edges: relu passes dy where x > 0, clip
// where alpha < x <= beta.
napi_value EltwiseGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 6);
    const int kind = static_cast<int>(number(env, argv[0]));
    size_t n = 0, nx = 0, no = 0;
    float* dy = typed<float>(env, argv[1], &n);
    float* x = typed<float>(env, argv[2], &nx);
    float* out = typed<float>(env, argv[3], &no);
    if (n != nx || n != no) throw Fail{"eltwiseGrad: lengths differ"};
    const float alpha = static_cast<float>(number(env, argv[4]));
    const float beta = static_cast<float>(number(env, argv[5]));
    const auto alg = kind == 1 ? dnnl::algorithm::eltwise_relu
                   : kind == 2 ? dnnl::algorithm::eltwise_clip
                   : kind == 3 ? dnnl::algorithm::eltwise_swish
                   : throw Fail{"eltwiseGrad: unknown kind"};
    const int32_t p[2] = {kind, static_cast<int32_t>(n)};
    std::string k = key("eg", p, 2, alpha);
    k.append(reinterpret_cast<const char*>(&beta), sizeof(beta));
    EltEntry* e = eltCache.get(k);
    if (!e) {
      const memory::desc flat({static_cast<int64_t>(n)}, dt::f32, tag::a);
      dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training, alg, flat, alpha, beta);
      dnnl::eltwise_forward::primitive_desc fpd(fd, cpu());
      dnnl::eltwise_backward::desc bd(alg, flat, flat, alpha, beta);
      dnnl::eltwise_backward::primitive_desc bpd(bd, cpu(), fpd);
      auto made = std::make_unique<EltEntry>();
      made->prim = dnnl::eltwise_backward(bpd);
      made->dy = memory(flat, cpu(), DNNL_MEMORY_NONE);
      made->x = memory(flat, cpu(), DNNL_MEMORY_NONE);
      made->dx = memory(flat, cpu(), DNNL_MEMORY_NONE);
      e = eltCache.put(k, std::move(made));
    }
    e->dy.set_data_handle(dy);
    e->x.set_data_handle(x);
    e->dx.set_data_handle(out);
    e->prim.execute(strm(), {{DNNL_ARG_DIFF_DST, e->dy}, {DNNL_ARG_SRC, e->x}, {DNNL_ARG_DIFF_SRC, e->dx}});
    strm().wait();
    return undefinedValue(env);
  });
}

// ---- reductions -----------------------------------------------------------------------------

// Element counts below which a loop stays on the calling thread: waking the team costs more
// than it saves.
constexpr int64_t kParallelMin = 1 << 15;

// Per-channel sums over the rows of channels-last data [rows, c], S sums at once: term(r, part)
// adds row r's contributions into part[s * c + k]. Rows are summed in blocks of 256 in float
// (vectorised across channels), blocks added in double per thread, threads' totals added in
// double in thread order: the result depends on the thread count only, so a run and its resume
// (same threads) see the same bits. reduce(), batchNormGrad() and the training batch norm share it.
template <int S, typename F>
void channelSums(int64_t rows, int64_t c, bool parallel, F term, double* out) {
  const int64_t block = 256;
  const int64_t blocks = (rows + block - 1) / block;
  const int threads = parallel ? std::max(1, std::min(omp_get_max_threads(), static_cast<int>(blocks))) : 1;
  std::vector<double> totals(static_cast<size_t>(threads) * S * c, 0.0);
  auto addBlock = [&](int64_t b, float* part, double* mine) {
    std::fill(part, part + S * c, 0.f);
    const int64_t end = std::min(rows, (b + 1) * block);
    for (int64_t r = b * block; r < end; r++) term(r, part);
    for (int64_t k = 0; k < S * c; k++) mine[k] += part[k];
  };
  if (threads == 1) {
    // The same sums in the same order without a parallel region: entering one, even for a
    // team of one, cost ~4 us, and global average pooling sums 32 small slices per batch.
    std::vector<float> part(static_cast<size_t>(S) * c);
    for (int64_t b = 0; b < blocks; b++) addBlock(b, part.data(), totals.data());
  } else {
#pragma omp parallel num_threads(threads)
    {
      std::vector<float> part(static_cast<size_t>(S) * c);
      double* mine = totals.data() + static_cast<size_t>(omp_get_thread_num()) * S * c;
#pragma omp for schedule(static)
      for (int64_t b = 0; b < blocks; b++) addBlock(b, part.data(), mine);
    }
  }
  for (int64_t k = 0; k < S * c; k++) {
    double sum = 0;
    for (int t = 0; t < threads; t++) sum += totals[static_cast<size_t>(t) * S * c + k];
    out[k] = sum;
  }
}

// Per-column sums of x [rows, cols], in double (channelSums' blocks and order).
void columnSums(const float* x, int64_t rows, int64_t cols, bool parallel, double* sums) {
  channelSums<1>(rows, cols, parallel, [&](int64_t r, float* acc) {
    const float* row = x + r * cols;
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) acc[c] += row[c];
  }, sums);
}

// Sums (times scale) over the rows of x [rows, cols] into out [cols]. Rows are summed in blocks
// of 256 in float (vectorised across columns), blocks are added in double, so a sum over 10^5
// rows keeps float accuracy. With mayThread false everything runs on the calling thread; with
// it true, threads split the blocks only where there is more than one (the bits then depend on
// the thread count, as channelSums says).
void sumOverRows(const float* x, int64_t rows, int64_t cols, double scale, float* out, bool mayThread) {
  if (cols == 1) {
    // Every axis reduced (the L2 penalty sums each kernel of the network): one flat sum in
    // blocks of 256 elements, each vectorised in float, blocks added in double per thread and
    // threads' totals in thread order (the row loop below would add one element per row).
    const int64_t block = 256;
    const int64_t blocks = (rows + block - 1) / block;
    const int threads = mayThread && rows > 32768 ? std::max(1, std::min(omp_get_max_threads(), static_cast<int>(blocks))) : 1;
    std::vector<double> totals(static_cast<size_t>(threads), 0.0);
    auto blockSum = [&](int64_t b) {
      const int64_t end = std::min(rows, (b + 1) * block);
      float part = 0;
#pragma omp simd reduction(+ : part)
      for (int64_t r = b * block; r < end; r++) part += x[r];
      return part;
    };
    if (threads == 1) {
      // Same order, no parallel region (see channelSums).
      for (int64_t b = 0; b < blocks; b++) totals[0] += blockSum(b);
    } else {
#pragma omp parallel num_threads(threads)
      {
        double mine = 0;
#pragma omp for schedule(static)
        for (int64_t b = 0; b < blocks; b++) mine += blockSum(b);
        totals[static_cast<size_t>(omp_get_thread_num())] = mine;
      }
    }
    double sum = 0;
    for (double t : totals) sum += t;
    out[0] = static_cast<float>(sum * scale);
    return;
  }
  std::vector<double> sums(cols);
  columnSums(x, rows, cols, mayThread, sums.data());
  for (int64_t c = 0; c < cols; c++) out[c] = static_cast<float>(sums[c] * scale);
}

// reduce(kind, rows, cols, overRows, x, out): x is [rows, cols]; sums (kind 0) or means (1)
// over the rows (out [cols]) or over the columns (out [rows]). Any reduction whose axes are a
// leading or trailing run of a tensor's axes is one of these. Written here rather than with
// oneDNN's reduction primitive, which 2.6 runs with its reference (scalar) implementation for
// these shapes.
napi_value Reduce(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 6);
    const int kind = static_cast<int>(number(env, argv[0]));
    const int64_t rows = static_cast<int64_t>(number(env, argv[1]));
    const int64_t cols = static_cast<int64_t>(number(env, argv[2]));
    const bool overRows = number(env, argv[3]) != 0;
    size_t nx = 0, no = 0;
    const float* x = typed<float>(env, argv[4], &nx);
    float* out = typed<float>(env, argv[5], &no);
    if (static_cast<int64_t>(nx) != rows * cols || static_cast<int64_t>(no) != (overRows ? cols : rows)) throw Fail{"reduce: sizes do not match"};
    const double scale = kind == 1 ? 1.0 / static_cast<double>(overRows ? rows : cols) : 1.0;
    if (overRows) {
      sumOverRows(x, rows, cols, scale, out, true);
    } else {
#pragma omp parallel for schedule(static) if (rows * cols > 65536)
      for (int64_t r = 0; r < rows; r++) {
        const float* row = x + r * cols;
        double sum = 0;
        for (int64_t c0 = 0; c0 < cols; c0 += 256) {
          const int64_t c1 = std::min(cols, c0 + 256);
          float part = 0;
#pragma omp simd reduction(+ : part)
          for (int64_t c = c0; c < c1; c++) part += row[c];
          sum += part;
        }
        out[r] = static_cast<float>(sum * scale);
      }
    }
    return undefinedValue(env);
  });
}

// reduceMiddle(kind, outer, rows, cols, x, out): x is [outer, rows, cols]; sums (kind 0) or
// means (1) over the rows of each slice, out [outer, cols]. A reduction over middle axes, such
// as global average pooling of NHWC data over H and W, in one call: one call per image from
// JavaScript cost ~250 us per batch of 32, more than the arithmetic. Each slice's values are
// bit for bit those of reduce() on that slice alone.
napi_value ReduceMiddle(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 6);
    const int kind = static_cast<int>(number(env, argv[0]));
    const int64_t outer = static_cast<int64_t>(number(env, argv[1]));
    const int64_t rows = static_cast<int64_t>(number(env, argv[2]));
    const int64_t cols = static_cast<int64_t>(number(env, argv[3]));
    size_t nx = 0, no = 0;
    const float* x = typed<float>(env, argv[4], &nx);
    float* out = typed<float>(env, argv[5], &no);
    if (outer < 1 || rows < 1 || cols < 1 || static_cast<int64_t>(nx) != outer * rows * cols || static_cast<int64_t>(no) != outer * cols) {
      throw Fail{"reduceMiddle: sizes do not match"};
    }
    const double scale = kind == 1 ? 1.0 / static_cast<double>(rows) : 1.0;
    if (rows <= 256) {
      // One block per slice: a slice's sums do not depend on threads, so threads take whole slices.
#pragma omp parallel for schedule(static) if (outer * rows * cols > kParallelMin)
      for (int64_t p = 0; p < outer; p++) sumOverRows(x + p * rows * cols, rows, cols, scale, out + p * cols, false);
    } else {
      for (int64_t p = 0; p < outer; p++) sumOverRows(x + p * rows * cols, rows, cols, scale, out + p * cols, true);
    }
    return undefinedValue(env);
  });
}

// ---- batch normalisation ------------------------------------------------------------------

// Per-channel parameters of batch norm over channels-last data: x is [rows, c] flat. A
// parameter array has c values or 1 (broadcast to every channel); null means absent.
struct Channel {
  const float* p;
  size_t n;
  float at(int64_t c, float absent) const { return p ? p[n == 1 ? 0 : c] : absent; }
};

Channel channel(napi_env env, napi_value v, int64_t c, const char* what) {
  size_t n = 0;
  const float* p = typed<float>(env, v, &n, true);
  if (p && n != 1 && static_cast<int64_t>(n) != c) throw Fail{std::string("batchNorm: ") + what + " must have one value or one per channel"};
  return Channel{p, n};
}

// y = (x - mean) * a + offset per channel over [rows, c] channels-last data, a being
// scale / sqrt(variance + epsilon) computed by the caller: batch norm's normalisation, in
// inference (batchNorm) and in training (batchNormTrain).
void normalizeRows(const float* x, float* y, int64_t rows, int64_t c, const float* mean, const float* a, const float* offset, bool parallel) {
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
#pragma omp simd
    for (int64_t k = 0; k < c; k++) yr[k] = (xr[k] - mean[k]) * a[k] + offset[k];
  }
}

// batchNorm(x, mean, variance, offset|null, scale|null, out, epsilon, channels):
//   out = (x - mean) * scale / sqrt(variance + epsilon) + offset, per channel (the last axis).
// The factor scale / sqrt(variance + epsilon) is computed once per channel in double.
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 8);
    size_t nx = 0, no = 0;
    const float* x = typed<float>(env, argv[0], &nx);
    const int64_t c = static_cast<int64_t>(number(env, argv[7]));
    if (c < 1 || nx % static_cast<size_t>(c) != 0) throw Fail{"batchNorm: channels do not divide the input"};
    const Channel mean = channel(env, argv[1], c, "mean"), variance = channel(env, argv[2], c, "variance");
    const Channel offset = channel(env, argv[3], c, "offset"), scale = channel(env, argv[4], c, "scale");
    float* out = typed<float>(env, argv[5], &no);
    if (no != nx || !mean.p || !variance.p) throw Fail{"batchNorm: sizes do not match"};
    const double eps = number(env, argv[6]);
    std::vector<float> m(c), a(c), o(c);
    for (int64_t k = 0; k < c; k++) {
      m[k] = mean.at(k, 0.f);
      a[k] = static_cast<float>(static_cast<double>(scale.at(k, 1.f)) / std::sqrt(static_cast<double>(variance.at(k, 0.f)) + eps));
      o[k] = offset.at(k, 0.f);
    }
    normalizeRows(x, out, static_cast<int64_t>(nx) / c, c, m.data(), a.data(), o.data(), nx > 32768);
    return undefinedValue(env);
  });
}

// batchNormGrad(dy, x, mean, variance, scale|null, epsilon, channels, dx, sumDy, sumDyXmm):
// what FusedBatchNorm's gradient needs from the full-size tensors, in one pass over dy and x:
//   dx = dy * scale / sqrt(variance + epsilon)  (the part through the normalised value)
//   sumDy[c] = sum of dy over every row, sumDyXmm[c] = sum of dy * (x - mean) over every row.
// Rows are summed in blocks of 256 in float (vectorised across channels), blocks added in
// double per thread, threads' totals added in double, as in reduce().
napi_value BatchNormGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 10);
    size_t nd = 0, nx = 0, ndx = 0, ns = 0, nsx = 0;
    const float* dy = typed<float>(env, argv[0], &nd);
    const float* x = typed<float>(env, argv[1], &nx);
    const int64_t c = static_cast<int64_t>(number(env, argv[6]));
    if (c < 1 || nx % static_cast<size_t>(c) != 0 || nd != nx) throw Fail{"batchNormGrad: sizes do not match"};
    const Channel mean = channel(env, argv[2], c, "mean"), variance = channel(env, argv[3], c, "variance");
    const Channel scale = channel(env, argv[4], c, "scale");
    const double eps = number(env, argv[5]);
    float* dx = typed<float>(env, argv[7], &ndx);
    float* sumDy = typed<float>(env, argv[8], &ns);
    float* sumDyXmm = typed<float>(env, argv[9], &nsx);
    if (ndx != nx || static_cast<int64_t>(ns) != c || static_cast<int64_t>(nsx) != c || !mean.p || !variance.p) throw Fail{"batchNormGrad: sizes do not match"};
    std::vector<float> m(c), a(c);
    for (int64_t k = 0; k < c; k++) {
      m[k] = mean.at(k, 0.f);
      a[k] = static_cast<float>(static_cast<double>(scale.at(k, 1.f)) / std::sqrt(static_cast<double>(variance.at(k, 0.f)) + eps));
    }
    const float *mp = m.data(), *ap = a.data();
    std::vector<double> sums(2 * c);
    channelSums<2>(static_cast<int64_t>(nx) / c, c, nx > 32768, [&](int64_t r, float* p1) {
      const float* g = dy + r * c;
      const float* xr = x + r * c;
      float* d = dx + r * c;
      float* p2 = p1 + c;
#pragma omp simd
      for (int64_t k = 0; k < c; k++) {
        const float gk = g[k];
        p1[k] += gk;
        p2[k] += gk * (xr[k] - mp[k]);
        d[k] = gk * ap[k];
      }
    }, sums.data());
    for (int64_t k = 0; k < c; k++) {
      sumDy[k] = static_cast<float>(sums[k]);
      sumDyXmm[k] = static_cast<float>(sums[c + k]);
    }
    return undefinedValue(env);
  });
}

// batchNormTrain(x, scale|null, offset|null, epsilon, channels, y, mean, variance): batch norm
// in training mode over channels-last data in one call: the batch's mean and (biased) variance
// per channel, two passes as tf.moments computes them (mean first, then the mean of squared
// differences), then y = (x - mean) * scale / sqrt(variance + epsilon) + offset. tf.layers
// builds the same from Mean, Sub, Square, Mean and FusedBatchNorm, and its gradient from a
// dozen full-size kernels; see batchNormTrainGrad().
napi_value BatchNormTrain(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 8);
    size_t nx = 0, ny = 0, nm = 0, nv = 0;
    const float* x = typed<float>(env, argv[0], &nx);
    const int64_t c = static_cast<int64_t>(number(env, argv[4]));
    if (c < 1 || nx % static_cast<size_t>(c) != 0 || nx == 0) throw Fail{"batchNormTrain: channels do not divide the input"};
    const Channel scale = channel(env, argv[1], c, "scale"), offset = channel(env, argv[2], c, "offset");
    const double eps = number(env, argv[3]);
    float* y = typed<float>(env, argv[5], &ny);
    float* mean = typed<float>(env, argv[6], &nm);
    float* variance = typed<float>(env, argv[7], &nv);
    if (ny != nx || static_cast<int64_t>(nm) != c || static_cast<int64_t>(nv) != c) throw Fail{"batchNormTrain: sizes do not match"};
    const int64_t rows = static_cast<int64_t>(nx) / c;
    const bool parallel = nx > 32768;
    std::vector<double> sums(c);
    columnSums(x, rows, c, parallel, sums.data());
    for (int64_t k = 0; k < c; k++) mean[k] = static_cast<float>(sums[k] / static_cast<double>(rows));
    const float* mp = mean;
    channelSums<1>(rows, c, parallel, [&](int64_t r, float* p) {
      const float* xr = x + r * c;
#pragma omp simd
      for (int64_t k = 0; k < c; k++) {
        const float d = xr[k] - mp[k];
        p[k] += d * d;
      }
    }, sums.data());
    std::vector<float> a(c), o(c);
    for (int64_t k = 0; k < c; k++) {
      variance[k] = static_cast<float>(sums[k] / static_cast<double>(rows));
      a[k] = static_cast<float>(static_cast<double>(scale.at(k, 1.f)) / std::sqrt(static_cast<double>(variance[k]) + eps));
      o[k] = offset.at(k, 0.f);
    }
    normalizeRows(x, y, rows, c, mp, a.data(), o.data(), parallel);
    return undefinedValue(env);
  });
}

// batchNormTrainGrad(dy, x, mean, variance, scale|null, dMean|null, dVariance|null, epsilon,
// channels, dx, dScale, dOffset): the whole gradient of batchNormTrain() in two passes over dy
// and x. With N rows, r = 1 / sqrt(variance + epsilon), g = scale, S1 = sum(dy) and
// S2 = sum(dy * (x - mean)) per channel:
//   dOffset = S1, dScale = r * S2,
//   dx = g r dy - g r S1 / N - g r^3 S2 (x - mean) / N      (through y, batch statistics)
//        + dMean / N + 2 dVariance (x - mean) / N           (through the mean/variance outputs)
// i.e. dx = A dy + B (x - mean) + D with A, B, D per channel (computed in double).
napi_value BatchNormTrainGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 12);
    size_t nd = 0, nx = 0, ndx = 0, nds = 0, ndo = 0;
    const float* dy = typed<float>(env, argv[0], &nd);
    const float* x = typed<float>(env, argv[1], &nx);
    const int64_t c = static_cast<int64_t>(number(env, argv[8]));
    if (c < 1 || nx % static_cast<size_t>(c) != 0 || nd != nx || nx == 0) throw Fail{"batchNormTrainGrad: sizes do not match"};
    const Channel mean = channel(env, argv[2], c, "mean"), variance = channel(env, argv[3], c, "variance");
    const Channel scale = channel(env, argv[4], c, "scale");
    const Channel dMean = channel(env, argv[5], c, "mean gradient"), dVariance = channel(env, argv[6], c, "variance gradient");
    const double eps = number(env, argv[7]);
    float* dx = typed<float>(env, argv[9], &ndx);
    float* dScale = typed<float>(env, argv[10], &nds);
    float* dOffset = typed<float>(env, argv[11], &ndo);
    if (ndx != nx || static_cast<int64_t>(nds) != c || static_cast<int64_t>(ndo) != c || !mean.p || !variance.p || mean.n != static_cast<size_t>(c)) throw Fail{"batchNormTrainGrad: sizes do not match"};
    const int64_t rows = static_cast<int64_t>(nx) / c;
    const bool parallel = nx > 32768;
    const float* mp = mean.p;
    std::vector<double> sums(2 * c);
    channelSums<2>(rows, c, parallel, [&](int64_t r, float* p) {
      const float* g = dy + r * c;
      const float* xr = x + r * c;
      float* p2 = p + c;
#pragma omp simd
      for (int64_t k = 0; k < c; k++) {
        const float gk = g[k];
        p[k] += gk;
        p2[k] += gk * (xr[k] - mp[k]);
      }
    }, sums.data());
    std::vector<float> A(c), B(c), D(c);
    const double n = static_cast<double>(rows);
    for (int64_t k = 0; k < c; k++) {
      const double rstd = 1.0 / std::sqrt(static_cast<double>(variance.at(k, 0.f)) + eps);
      const double g = scale.at(k, 1.f);
      const double s1 = sums[k], s2 = sums[c + k];
      dOffset[k] = static_cast<float>(s1);
      dScale[k] = static_cast<float>(rstd * s2);
      A[k] = static_cast<float>(g * rstd);
      B[k] = static_cast<float>(-g * rstd * rstd * rstd * s2 / n + 2.0 * dVariance.at(k, 0.f) / n);
      D[k] = static_cast<float>(-g * rstd * s1 / n + dMean.at(k, 0.f) / n);
    }
    const float *Ap = A.data(), *Bp = B.data(), *Dp = D.data();
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t r = 0; r < rows; r++) {
      const float* g = dy + r * c;
      const float* xr = x + r * c;
      float* d = dx + r * c;
#pragma omp simd
      for (int64_t k = 0; k < c; k++) d[k] = Ap[k] * g[k] + Bp[k] * (xr[k] - mp[k]) + Dp[k];
    }
    return undefinedValue(env);
  });
}

// ---- element-wise arithmetic ----------------------------------------------------------------

// wasm's element-wise kernels run on one thread, and its broadcasting path (a tensor against a
// scalar or a per-channel vector) computes an index per element without SIMD: minimum(6, x),
// which tfjs-layers' relu6 activation is, took 57% of a mobilenet_v2 prediction. These loops
// are OpenMP above kParallelMin elements (below it, waking the team costs more than it saves;
// defined with the reductions above) and vectorised; each element gets exactly one IEEE
// operation, as in wasm and the cpu backend, so results are bit-identical to theirs.

// std::sqrt must set errno for a negative argument unless the build passes -fno-math-errno
// (tools/build-onednn.mjs does): with errno GCC guards every square root with a compare and a
// call to sqrtf and cannot vectorise the loop (Sqrt ran 6x slower than wasm's).

// out = f(a, b) over n elements. a and b have n elements, or one (a scalar), or p elements
// dividing n, repeated every p elements (a per-channel vector against channels-last data: the
// caller checks the shapes broadcast that way). At most one of them is shorter than n.
template <typename F>
void apply2(const float* a, int64_t na, const float* b, int64_t nb, float* out, int64_t n, F f) {
  const bool par = n > kParallelMin;
  if (na == n && nb == n) {
#pragma omp parallel for simd schedule(static) if (par)
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  } else if (nb == 1) {
    const float s = b[0];
#pragma omp parallel for simd schedule(static) if (par)
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], s);
  } else if (na == 1) {
    const float s = a[0];
#pragma omp parallel for simd schedule(static) if (par)
    for (int64_t i = 0; i < n; i++) out[i] = f(s, b[i]);
  } else if (nb < n) {
    const int64_t rows = n / nb;
#pragma omp parallel for schedule(static) if (par)
    for (int64_t r = 0; r < rows; r++) {
      const float* ar = a + r * nb;
      float* o = out + r * nb;
#pragma omp simd
      for (int64_t k = 0; k < nb; k++) o[k] = f(ar[k], b[k]);
    }
  } else {
    const int64_t rows = n / na;
#pragma omp parallel for schedule(static) if (par)
    for (int64_t r = 0; r < rows; r++) {
      const float* br = b + r * na;
      float* o = out + r * na;
#pragma omp simd
      for (int64_t k = 0; k < na; k++) o[k] = f(a[k], br[k]);
    }
  }
}

// Math.min / Math.max: NaN if either is NaN (one compare-or-NaN test and a select, which
// vectorises; they differ from Math.min only in the sign of a zero result of min(-0, +0)).
inline float minf(float a, float b) { return ((a < b) | (a != a)) ? a : b; }
inline float maxf(float a, float b) { return ((a > b) | (a != a)) ? a : b; }

void checkBroadcast(size_t na, size_t nb, size_t n, const char* what) {
  auto fits = [n](size_t m) { return m == n || (m >= 1 && m < n && n % m == 0); };
  if (n == 0 || !fits(na) || !fits(nb) || (na < n && nb < n)) throw Fail{std::string(what) + ": sizes do not broadcast"};
}

// binary(op, a, b, out): 0 add, 1 sub, 2 mul, 3 div, 4 min, 5 max, 6 elu gradient (a = dy,
// b = elu's output); broadcasting as apply2.
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 4);
    const int op = static_cast<int>(number(env, argv[0]));
    size_t na = 0, nb = 0, n = 0;
    const float* a = typed<float>(env, argv[1], &na);
    const float* b = typed<float>(env, argv[2], &nb);
    float* out = typed<float>(env, argv[3], &n);
    checkBroadcast(na, nb, n, "binary");
    const int64_t A = static_cast<int64_t>(na), B = static_cast<int64_t>(nb), N = static_cast<int64_t>(n);
    switch (op) {
      case 0: apply2(a, A, b, B, out, N, [](float x, float y) { return x + y; }); break;
      case 1: apply2(a, A, b, B, out, N, [](float x, float y) { return x - y; }); break;
      case 2: apply2(a, A, b, B, out, N, [](float x, float y) { return x * y; }); break;
      case 3: apply2(a, A, b, B, out, N, [](float x, float y) { return x / y; }); break;
      // Lambdas, not function pointers, so the call inlines and the loop vectorises.
      case 4: apply2(a, A, b, B, out, N, [](float x, float y) { return minf(x, y); }); break;
      case 5: apply2(a, A, b, B, out, N, [](float x, float y) { return maxf(x, y); }); break;
      // EluGrad from dy and the forward output y, as tfjs' kernel: dy where y >= 0, else dy * (y + 1).
      case 6: apply2(a, A, b, B, out, N, [](float dy, float y) { return y >= 0.f ? dy : dy * (y + 1.f); }); break;
      default: throw Fail{"binary: unknown operation"};
    }
    return undefinedValue(env);
  });
}

// unary(op, x, out, alpha): 0 relu, 1 relu6 (clip to [0, 6]); NaN stays NaN, as in the cpu
// backend's Math.max(0, x) and Math.min(Math.max(0, x), 6) (only -0 keeps its sign here).
// 2: out is x repeated whole (out's size a multiple of x's): Tile and broadcastTo of a
// per-channel value over a batch, which Mean's gradient does twice per batch-norm layer in
// training. 3 sqrt, 4 square (Adam's second moment and its root, batch-norm variance): one
// IEEE operation each. 5 sigmoid, 1 / (1 + exp(-x)) (EfficientNet's swish and squeeze-excite
// gates). 6 leaky ReLU, x < 0 ? alpha * x : x (DarkNet's and CSPDarkNet's activation).
// 7 swish, x * sigmoid(alpha * x) (EfficientNet's activation; tfjs-layers' formula).
// alpha is read by ops 6 and 7 only.
napi_value Unary(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 4);
    const int op = static_cast<int>(number(env, argv[0]));
    const float alpha = static_cast<float>(number(env, argv[3]));
    size_t nx = 0, n = 0;
    const float* x = typed<float>(env, argv[1], &nx);
    float* out = typed<float>(env, argv[2], &n);
    if (op == 2 ? (nx == 0 || n % nx != 0) : nx != n) throw Fail{"unary: sizes differ"};
    const int64_t N = static_cast<int64_t>(n);
    const bool par = N > kParallelMin;
    if (op == 2) {
      const int64_t p = static_cast<int64_t>(nx), rows = N / p;
      if (p == 1) {
        const float v = x[0];
#pragma omp parallel for simd schedule(static) if (par)
        for (int64_t i = 0; i < N; i++) out[i] = v;
      } else {
#pragma omp parallel for schedule(static) if (par)
        for (int64_t r = 0; r < rows; r++) std::memcpy(out + r * p, x, static_cast<size_t>(p) * sizeof(float));
      }
    } else if (op == 0) {
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < N; i++) out[i] = x[i] < 0.f ? 0.f : x[i];
    } else if (op == 1) {
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < N; i++) out[i] = x[i] < 0.f ? 0.f : (x[i] > 6.f ? 6.f : x[i]);
    } else if (op == 3) {
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < N; i++) out[i] = std::sqrt(x[i]);
    } else if (op == 4) {
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < N; i++) out[i] = x[i] * x[i];
    } else if (op == 5) {
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < N; i++) out[i] = 1.f / (1.f + std::exp(-x[i]));
    } else if (op == 6) {
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < N; i++) out[i] = x[i] < 0.f ? alpha * x[i] : x[i];
    } else if (op == 7) {
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < N; i++) out[i] = (1.f / (1.f + std::exp(-(alpha * x[i])))) * x[i];
    } else if (op == 8) {
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < N; i++) out[i] = x[i] >= 0.f ? x[i] : std::exp(x[i]) - 1.f;
    } else if (op == 9) {
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < N; i++) out[i] = std::tanh(x[i]);
    } else {
      throw Fail{"unary: unknown operation"};
    }
    return undefinedValue(env);
  });
}

// softmax(cols, x, out): softmax over the last axis of rows of `cols` values, as tfjs computes
// it (subtract the row's maximum, exponentiate, divide by the row's sum), rows in parallel.
napi_value Softmax(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 3);
    const int64_t cols = static_cast<int64_t>(number(env, argv[0]));
    size_t nx = 0, n = 0;
    const float* x = typed<float>(env, argv[1], &nx);
    float* out = typed<float>(env, argv[2], &n);
    if (cols < 1 || nx != n || n % static_cast<size_t>(cols) != 0) throw Fail{"softmax: sizes differ"};
    const int64_t rows = static_cast<int64_t>(n) / cols;
#pragma omp parallel for schedule(static) if (static_cast<int64_t>(n) > kParallelMin)
    for (int64_t r = 0; r < rows; r++) {
      const float* xr = x + r * cols;
      float* o = out + r * cols;
      float m = xr[0];
      for (int64_t k = 1; k < cols; k++) m = maxf(m, xr[k]);
      float sum = 0.f;
      for (int64_t k = 0; k < cols; k++) {
        o[k] = std::exp(xr[k] - m);
        sum += o[k];
      }
      for (int64_t k = 0; k < cols; k++) o[k] = o[k] / sum;
    }
    return undefinedValue(env);
  });
}

// maskGrad(kind, dy, a, b, out): out = dy * (cond(a, b) ? 1 : 0), the gradient of Minimum and
// Maximum towards one input in one pass (tfjs: compare, cast, multiply, each a wasm kernel,
// the compare on its broadcasting path). kind 0: a <= b, 1: a > b, 2: a >= b, 3: a < b. dy has
// the output's size; a and b broadcast as in apply2. Multiplying by 1 or 0 (not selecting)
// keeps tfjs' values bit for bit, signed zeros and NaN included.
napi_value MaskGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 5);
    const int kind = static_cast<int>(number(env, argv[0]));
    size_t nd = 0, na = 0, nb = 0, n = 0;
    const float* dy = typed<float>(env, argv[1], &nd);
    const float* a = typed<float>(env, argv[2], &na);
    const float* b = typed<float>(env, argv[3], &nb);
    float* out = typed<float>(env, argv[4], &n);
    checkBroadcast(na, nb, n, "maskGrad");
    if (nd != n) throw Fail{"maskGrad: dy and the output differ in size"};
    // The mask first (into out), then dy times it in place: apply2 handles the broadcasting.
    const int64_t A = static_cast<int64_t>(na), B = static_cast<int64_t>(nb), N = static_cast<int64_t>(n);
    switch (kind) {
      case 0: apply2(a, A, b, B, out, N, [](float x, float y) { return x <= y ? 1.f : 0.f; }); break;
      case 1: apply2(a, A, b, B, out, N, [](float x, float y) { return x > y ? 1.f : 0.f; }); break;
      case 2: apply2(a, A, b, B, out, N, [](float x, float y) { return x >= y ? 1.f : 0.f; }); break;
      case 3: apply2(a, A, b, B, out, N, [](float x, float y) { return x < y ? 1.f : 0.f; }); break;
      default: throw Fail{"maskGrad: unknown kind"};
    }
    apply2(dy, N, out, N, out, N, [](float g, float m) { return g * m; });
    return undefinedValue(env);
  });
}

// ---- optimizers, in place ----------------------------------------------------------------------

// The arguments of every in-place optimizer step: (g, state..., k). g is the gradient; each
// state array (the optimizer's slots, the variable last) has g's size and is overwritten (the
// caller makes sure no other tensor shares its memory); k holds `scalars` float32
// hyper-parameters.
template <size_t Slots>
struct StepArgs {
  const float* g;
  std::array<float*, Slots> state;
  const float* k;
  int64_t n;
};

template <size_t Slots>
StepArgs<Slots> stepArgs(napi_env env, napi_callback_info info, size_t scalars, const char* what) {
  auto argv = args(env, info, Slots + 2);
  StepArgs<Slots> a{};
  size_t ng = 0, nk = 0;
  a.g = typed<float>(env, argv[0], &ng);
  bool match = true;
  for (size_t s = 0; s < Slots; s++) {
    size_t ns = 0;
    a.state[s] = typed<float>(env, argv[1 + s], &ns);
    match = match && ns == ng;
  }
  a.k = typed<float>(env, argv[Slots + 1], &nk);
  if (!match || nk != scalars) throw Fail{std::string(what) + ": sizes do not match"};
  a.n = static_cast<int64_t>(ng);
  return a;
}


// adam(g, m, v, w, k): one Adam step for one variable, in place (stepArgs). k holds float32
// scalars [beta1, 1 - beta1, beta2, 1 - beta2, 1 - beta1^t, 1 - beta2^t, epsilon, -learningRate].
// The operations and their order are tfjs' AdamOptimizer's, one IEEE float operation each
// (the build does not contract a * b + c into FMA), so the result is bit for bit the same
// as its fourteen separate kernels, in one pass over four arrays instead of fourteen.
napi_value Adam(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    const auto a = stepArgs<3>(env, info, 8, "adam");
    const float* g = a.g;
    float *m = a.state[0], *v = a.state[1], *w = a.state[2];
    const float* k = a.k;
    const float b1 = k[0], c1 = k[1], b2 = k[2], c2 = k[3], d1 = k[4], d2 = k[5], eps = k[6], nlr = k[7];
    const int64_t n = a.n;
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
    for (int64_t i = 0; i < n; i++) {
      const float gi = g[i];
      const float m1 = m[i] * b1 + gi * c1;
      const float v1 = v[i] * b2 + (gi * gi) * c2;
      m[i] = m1;
      v[i] = v1;
      const float mh = m1 / d1;
      const float vh = v1 / d2;
      w[i] = (mh / (std::sqrt(vh) + eps)) * nlr + w[i];
    }
    return undefinedValue(env);
  });
}

// momentum(g, accumulation, w, scalars[3] = {momentum, -learning rate, nesterov}): tfjs'
// MomentumOptimizer step for one variable in place, its operations in its order:
//   a = momentum * a + g;  w = (-lr) * (nesterov ? g + a * momentum : a) + w
napi_value Momentum(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    const auto step = stepArgs<2>(env, info, 3, "momentum");
    const float* g = step.g;
    float *a = step.state[0], *w = step.state[1];
    const float m = step.k[0], c = step.k[1];
    const bool nesterov = step.k[2] != 0.f;
    const int64_t n = step.n;
    if (nesterov) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
      for (int64_t i = 0; i < n; i++) {
        const float gi = g[i];
        const float ai = m * a[i] + gi;
        a[i] = ai;
        w[i] = c * (gi + ai * m) + w[i];
      }
    } else {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
      for (int64_t i = 0; i < n; i++) {
        const float ai = m * a[i] + g[i];
        a[i] = ai;
        w[i] = c * ai + w[i];
      }
    }
    return undefinedValue(env);
  });
}

// rmsprop(g, ms, mom, w, k): one RMSProp step (not centered) for one variable, in place
// (stepArgs). k holds float32 scalars [decay, 1 - decay, momentum, learningRate, epsilon]:
// tfjs' RMSPropOptimizer's operations in its order, one float operation each, so the values
// are its own bit for bit.
napi_value RmsProp(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    const auto a = stepArgs<3>(env, info, 5, "rmsprop");
    const float* g = a.g;
    float *ms = a.state[0], *mom = a.state[1], *w = a.state[2];
    const float decay = a.k[0], rest = a.k[1], momentum = a.k[2], lr = a.k[3], eps = a.k[4];
    const int64_t n = a.n;
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
    for (int64_t i = 0; i < n; i++) {
      const float gi = g[i];
      const float s = ms[i] * decay + (gi * gi) * rest;
      const float m = mom[i] * momentum + (gi * lr) / std::sqrt(s + eps);
      ms[i] = s;
      mom[i] = m;
      w[i] = w[i] - m;
    }
    return undefinedValue(env);
  });
}

// ---- slices and padding ------------------------------------------------------------------

// copyBox(params, src, dst, fill|null): copies a box of `size` elements from src (shape
// srcShape, starting at srcBegin) into dst (shape dstShape, starting at dstBegin); with a fill
// value, every element of dst outside the box is set to it. params is 20 int32: srcShape[4], dstShape[4],
// srcBegin[4], dstBegin[4], size[4] (tensors of lower rank padded with leading 1s). Slice is
// the box of x at `begin`; PadV2 fills and copies x at the padding's `before`. ZeroPadding2D
// before every 3x3 convolution (TAO's MobileNet) makes both of them per-layer, full-size work
// in training (the pad's gradient is a Slice), and wasm's strided Slice was 28% of a
// MobileNetV2 step. Rows of the box that are contiguous in both tensors are merged into one
// memcpy; OpenMP over the leading two axes.
napi_value CopyBox(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 4);
    size_t np = 0, ns = 0, nd = 0;
    const int32_t* p = typed<int32_t>(env, argv[0], &np);
    if (np != 20) throw Fail{"copyBox: wrong parameter count"};
    const float* src = typed<float>(env, argv[1], &ns);
    float* dst = typed<float>(env, argv[2], &nd);
    napi_valuetype ft;
    check(env, napi_typeof(env, argv[3], &ft), "typeof");
    int64_t ss[4], ds[4], sb[4], db[4], sz[4];
    for (int i = 0; i < 4; i++) {
      ss[i] = p[i], ds[i] = p[4 + i], sb[i] = p[8 + i], db[i] = p[12 + i], sz[i] = p[16 + i];
      if (ss[i] < 1 || ds[i] < 1 || sz[i] < 0 || sb[i] < 0 || db[i] < 0 || sb[i] + sz[i] > ss[i] || db[i] + sz[i] > ds[i]) throw Fail{"copyBox: the box is outside a tensor"};
    }
    if (static_cast<int64_t>(ns) != ss[0] * ss[1] * ss[2] * ss[3] || static_cast<int64_t>(nd) != ds[0] * ds[1] * ds[2] * ds[3]) throw Fail{"copyBox: sizes do not match the shapes"};
    if (ft == napi_number) {
      // Padding: every element of dst is written once, the fill where the box is not (filling
      // all of dst first and copying over it wrote the interior twice).
      const float v = static_cast<float>(number(env, argv[3]));
      auto fill = [v](float* d, int64_t count) { std::fill(d, d + count, v); };
      const int64_t plane = ds[2] * ds[3];
      const bool par = static_cast<int64_t>(nd) > kParallelMin;
#pragma omp parallel for collapse(2) schedule(static) if (par)
      for (int64_t a = 0; a < ds[0]; a++) {
        for (int64_t b = 0; b < ds[1]; b++) {
          float* row = dst + (a * ds[1] + b) * plane;
          const bool inside = a >= db[0] && a < db[0] + sz[0] && b >= db[1] && b < db[1] + sz[1];
          if (!inside) {
            fill(row, plane);
            continue;
          }
          for (int64_t c = 0; c < ds[2]; c++) {
            float* d = row + c * ds[3];
            if (c < db[2] || c >= db[2] + sz[2]) {
              fill(d, ds[3]);
              continue;
            }
            const float* sr = src + (((a - db[0] + sb[0]) * ss[1] + b - db[1] + sb[1]) * ss[2] + c - db[2] + sb[2]) * ss[3] + sb[3];
            fill(d, db[3]);
            std::memcpy(d + db[3], sr, static_cast<size_t>(sz[3]) * sizeof(float));
            fill(d + db[3] + sz[3], ds[3] - db[3] - sz[3]);
          }
        }
      }
      return undefinedValue(env);
    }
    if (sz[0] * sz[1] * sz[2] * sz[3] == 0) return undefinedValue(env);
    // A slice: axis 3 always runs in rows; axis 2 joins it when both tensors hold whole rows
    // of axis 3.
    const bool merge = sz[3] == ss[3] && sz[3] == ds[3];
    const int64_t run = merge ? sz[2] * sz[3] : sz[3];
    const int64_t inner = merge ? 1 : sz[2];
    const int64_t box = sz[0] * sz[1] * sz[2] * sz[3];
#pragma omp parallel for collapse(2) schedule(static) if (box > kParallelMin)
    for (int64_t a = 0; a < sz[0]; a++) {
      for (int64_t b = 0; b < sz[1]; b++) {
        for (int64_t c = 0; c < inner; c++) {
          const float* s = src + (((a + sb[0]) * ss[1] + b + sb[1]) * ss[2] + c + sb[2]) * ss[3] + sb[3];
          float* d = dst + (((a + db[0]) * ds[1] + b + db[1]) * ds[2] + c + db[2]) * ds[3] + db[3];
          std::memcpy(d, s, static_cast<size_t>(run) * sizeof(float));
        }
      }
    }
    return undefinedValue(env);
  });
}

// ---- library facts and threads ------------------------------------------------------------

const char* isaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "SSE4.1";
    case dnnl::cpu_isa::avx: return "AVX";
    case dnnl::cpu_isa::avx2: return "AVX2";
    case dnnl::cpu_isa::avx2_vnni: return "AVX2 VNNI";
    case dnnl::cpu_isa::avx512_core: return "AVX-512";
    case dnnl::cpu_isa::avx512_core_vnni: return "AVX-512 VNNI";
    case dnnl::cpu_isa::avx512_core_bf16: return "AVX-512 BF16";
    case dnnl::cpu_isa::avx512_core_amx: return "AVX-512 AMX";
    default: return "other";
  }
}

void setString(napi_env env, napi_value obj, const char* name, const std::string& value) {
  napi_value v;
  napi_create_string_utf8(env, value.c_str(), value.size(), &v);
  napi_set_named_property(env, obj, name, v);
}

void setNumber(napi_env env, napi_value obj, const char* name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

// info() -> { version, cpuRuntime, isa, threads, cached }
napi_value Info(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    const dnnl_version_t* v = dnnl_version();
    napi_value obj;
    napi_create_object(env, &obj);
    setString(env, obj, "version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
    setString(env, obj, "hash", v->hash ? v->hash : "");
    setString(env, obj, "cpuRuntime", v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : v->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB" : v->cpu_runtime == DNNL_RUNTIME_SEQ ? "sequential" : "other");
    setString(env, obj, "isa", isaName(dnnl::get_effective_cpu_isa()));
    setNumber(env, obj, "threads", omp_get_max_threads());
    setNumber(env, obj, "cached", static_cast<double>(convCache.size() + poolCache.size() + matCache.size() + eltCache.size()));
    size_t kept = 0;
    size_t dense = 0;
    for (const auto& token : constantWeights) kept += token.second.size();
    for (const auto& token : denseConvs) dense += token.second.size();
    setNumber(env, obj, "constantWeights", static_cast<double>(kept));
    setNumber(env, obj, "denseConvolutions", static_cast<double>(dense));
    setNumber(env, obj, "denseTrainingCalls", denseTrainingCalls);
    setNumber(env, obj, "winogradConvolutions", winogradConvolutions);
    return obj;
  });
}

// yieldHelperThreads() -> number of threads changed: every thread of the process other than
// the caller (the JavaScript thread) and the OpenMP team is put in SCHED_IDLE, which runs a
// thread only on a core nothing else wants. Those threads are V8's (its optimizing compiler
// and garbage collector's helpers) and libuv's pool. On a machine with as many OpenMP threads
// as cores, every background job V8 started (and it optimizes functions for hundreds of
// batches) took a core from a team thread in the middle of a parallel region, and the whole
// kernel waited: a small CNN's 2.4 ms of convolutions per batch took 4-16 ms in one batch of
// three, and no batch in which V8 compiled nothing was slow (--trace-opt, --no-opt). At
// SCHED_IDLE their work waits for a core to be idle (the gaps between kernels, where team
// threads sleep) instead. Linux only; elsewhere it changes nothing.
napi_value YieldHelperThreads(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    double changed = 0;
#ifdef __linux__
    std::vector<pid_t> team(static_cast<size_t>(omp_get_max_threads()), 0);
#pragma omp parallel num_threads(static_cast<int>(team.size()))
    team[static_cast<size_t>(omp_get_thread_num())] = static_cast<pid_t>(syscall(SYS_gettid));
    team.push_back(static_cast<pid_t>(syscall(SYS_gettid)));
    if (DIR* dir = opendir("/proc/self/task")) {
      while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        const pid_t tid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (std::find(team.begin(), team.end(), tid) != team.end()) continue;
        const sched_param param{};
        if (sched_setscheduler(tid, SCHED_IDLE, &param) == 0) changed++;
      }
      closedir(dir);
    }
#endif
    napi_value out;
    check(env, napi_create_double(env, changed, &out), "create_double");
    return out;
  });
}

// setThreads(n): OpenMP threads for every later kernel (oneDNN's parallel regions run on the
// calling thread's team, and all kernels are called from the JavaScript thread).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 1);
    const int n = static_cast<int>(number(env, argv[0]));
    if (n < 1) throw Fail{"threads must be at least 1"};
    omp_set_num_threads(n);
    return undefinedValue(env);
  });
}

// release(array): frees the memory under a typed array now, by detaching its ArrayBuffer (every
// view of it then reads as empty). The backend's storage calls it for a disposed tensor's
// array that its pool does not keep: left to V8, that memory waits for a garbage collection,
// and a training step of a large network frees gigabytes faster than collections come (peak
// RSS grew to twice the live tensors, and EfficientNet-B4..B7 at 224x224 batch 32 met the OOM
// killer). Node's allocator frees the backing store as soon as the buffer lets go of it.
napi_value Release(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 1);
    bool is = false;
    check(env, napi_is_typedarray(env, argv[0], &is), "is_typedarray");
    if (!is) throw Fail{"release: expected a typed array"};
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_value buffer;
    size_t offset;
    check(env, napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset), "typedarray_info");
    check(env, napi_detach_arraybuffer(env, buffer), "detach_arraybuffer (the buffer cannot be detached)");
    return undefinedValue(env);
  });
}

// forgetWeights(token): drops the kept copies of a constant filter (its tensor was disposed).
napi_value ForgetWeights(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 1);
    const double token = number(env, argv[0]);
    auto copies = constantWeights.find(token);
    if (copies != constantWeights.end()) {
      for (const auto& [entryKey, copy] : copies->second) keepBuffer("w" + entryKey, copy);
      constantWeights.erase(copies);
    }
    auto dense = denseConvs.find(token);
    if (dense != denseConvs.end()) {
      for (const auto& [entryKey, d] : dense->second) {
        keepBuffer("dw" + entryKey, d->weights);
        if (d->bias) keepBuffer("db" + entryKey, d->bias);
      }
      denseConvs.erase(dense);
    }
    return undefinedValue(env);
  });
}

// movingAverage(statistic, moving, k[1] = {decay}): a batch norm layer's moving mean or
// variance updated in place from this batch's statistic, as tfjs-layers writes it, in its
// order and in float32 (no -march, so no fused multiply-add): moving - (moving - statistic) *
// decay. Bit for bit what the three tfjs kernels computed, in one call instead of three
// dispatches, each allocating a tensor (~300 of them in a MobileNetV2 training step).
napi_value MovingAverage(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    const auto a = stepArgs<1>(env, info, 1, "movingAverage");
    const float decay = a.k[0];
    float* moving = a.state[0];
    for (int64_t i = 0; i < a.n; i++) {
      const float gap = moving[i] - a.g[i];
      moving[i] = moving[i] - gap * decay;
    }
    return undefinedValue(env);
  });
}

// preprocess(mode, channels, src, dst, offset, params): TAO's pixel scaling of HWC uint8
// pixels into dst from offset, as engine/src/data/preprocess.ts writes it in JavaScript: each
// value computed in double precision, the same operations in the same order, rounded once to
// float32, so both give the same bits. mode 0 'tf': x / 127.5 - 1; 1 'torch': (x - mean[c]) /
// std[c] (params: means, then stds); 2 'caffe': channels reversed (RGB -> BGR), then x -
// mean[c] (params: the means in output order). The JavaScript loop was 0.5 ms of a small CNN's
// 3-4 ms prediction per batch of 32 at 3x64x64 (a double division per value); here it runs
// vectorized and on the team.
napi_value Preprocess(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 6);
    const int mode = static_cast<int>(number(env, argv[0]));
    const int64_t channels = static_cast<int64_t>(number(env, argv[1]));
    size_t ns = 0, nd = 0, np = 0;
    const uint8_t* src = typed<uint8_t>(env, argv[2], &ns);
    float* dst = typed<float>(env, argv[3], &nd);
    const int64_t offset = static_cast<int64_t>(number(env, argv[4]));
    const double* params = typed<double>(env, argv[5], &np);
    const int64_t n = static_cast<int64_t>(ns);
    if (channels < 1 || n % channels != 0 || offset < 0 || offset + n > static_cast<int64_t>(nd)) throw Fail{"preprocess: sizes do not match"};
    if (mode < 0 || mode > 2 || np < static_cast<size_t>(mode == 1 ? 2 * channels : mode == 2 ? channels : 0)) throw Fail{"preprocess: bad mode or parameters"};
    float* out = dst + offset;
    if (mode == 0) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
      for (int64_t i = 0; i < n; i++) out[i] = static_cast<float>(static_cast<double>(src[i]) / 127.5 - 1.0);
    } else if (mode == 1) {
      const double* mean = params;
      const double* stdev = params + channels;
#pragma omp parallel for schedule(static) if (n > kParallelMin)
      for (int64_t px = 0; px < n / channels; px++)
        for (int64_t c = 0; c < channels; c++) {
          const int64_t i = px * channels + c;
          out[i] = static_cast<float>((static_cast<double>(src[i]) - mean[c]) / stdev[c]);
        }
    } else {
#pragma omp parallel for schedule(static) if (n > kParallelMin)
      for (int64_t px = 0; px < n / channels; px++)
        for (int64_t c = 0; c < channels; c++) {
          const int64_t i = px * channels;
          out[i + c] = static_cast<float>(static_cast<double>(src[i + channels - 1 - c]) - params[c]);
        }
    }
    return undefinedValue(env);
  });
}

// noop(): a call that does nothing, to measure the binding's own cost per call.
napi_value Noop(napi_env env, napi_callback_info) { return undefinedValue(env); }

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pool", nullptr, Pool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"eltwiseGrad", nullptr, EltwiseGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduceMiddle", nullptr, ReduceMiddle, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, BatchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormGrad", nullptr, BatchNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTrain", nullptr, BatchNormTrain, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTrainGrad", nullptr, BatchNormTrainGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maskGrad", nullptr, MaskGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rmsprop", nullptr, RmsProp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"momentum", nullptr, Momentum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"movingAverage", nullptr, MovingAverage, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"preprocess", nullptr, Preprocess, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"copyBox", nullptr, CopyBox, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"forgetWeights", nullptr, ForgetWeights, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"release", nullptr, Release, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"yieldHelperThreads", nullptr, YieldHelperThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"noop", nullptr, Noop, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
