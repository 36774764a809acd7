// tao_onednn: the engine's oneDNN kernels as a Node-API addon (plain C Node-API, so it loads in
// every Node >= 18 without a rebuild per Node version). Each call is synchronous and works on
// memory the caller owns: Float32Array views of the wasm backend's heap, NHWC activations and
// TensorFlow's filter layouts. Nothing is copied on the way in or out; where oneDNN prefers
// another weight layout, the weights are reordered into a buffer kept with the primitive.
//
// Primitives are cached by their full shape signature: creating a descriptor costs tens of
// microseconds and a JIT kernel far more, while a training step repeats the same shapes.
// Built by tools/build-onednn.mjs (g++ ... -ldnnl); loaded by engine/src/backend/onednn.ts.
#include <node_api.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <cstdint>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
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

// A Float32Array or Int32Array argument: its data pointer and element count (null allowed).
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
  const bool ok = sizeof(T) == 4 && (ttype == napi_float32_array || ttype == napi_int32_array);
  if (!ok) throw Fail{"expected a Float32Array or Int32Array"};
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

Staged stage(const memory::desc& userDesc, const memory::desc& wanted, bool backToUser) {
  Staged s;
  s.user = memory(userDesc, cpu(), DNNL_MEMORY_NONE);
  if (wanted == userDesc) return s;
  s.needed = true;
  s.internal = memory(wanted, cpu());
  if (backToUser) s.toUser = dnnl::reorder(s.internal, s.user);
  else s.toInternal = dnnl::reorder(s.user, s.internal);
  return s;
}

// ---- convolution --------------------------------------------------------------------------

// Parameters, in the order the JavaScript side packs them (Int32Array).
enum ConvParam { N, IH, IW, IC, OH, OW, OC, KH, KW, SH, SW, DH, DW, PT, PL, PB, PR, GROUPS, ACT, HAS_BIAS, CONV_PARAMS };

struct ConvEntry {
  dnnl::primitive prim;
  memory a, b, bias, out;  // data handles set per call
  Staged weights;          // the filter (fwd, bwd data: input; bwd weights: output)
  bool weightsIsOut = false;
};

std::unordered_map<std::string, std::unique_ptr<ConvEntry>> convCache;

std::string key(const char* kind, const int32_t* p, size_t n, float alpha) {
  std::string k(kind);
  k.append(reinterpret_cast<const char*>(p), n * sizeof(int32_t));
  k.append(reinterpret_cast<const char*>(&alpha), sizeof(alpha));
  return k;
}

ConvEntry* convEntry(int mode, const int32_t* p, float alpha) {
  const std::string k = key(mode == 0 ? "cf" : mode == 1 ? "cd" : "cw", p, CONV_PARAMS, alpha);
  auto found = convCache.find(k);
  if (found != convCache.end()) return found->second.get();

  const memory::desc src = nhwc(p[N], p[IC], p[IH], p[IW]);
  const memory::desc dst = nhwc(p[N], p[OC], p[OH], p[OW]);
  const memory::desc userW = tfFilter(p[KH], p[KW], p[IC], p[OC], p[GROUPS]);
  const memory::desc anyW = p[GROUPS] == 1 ? memory::desc({p[OC], p[IC], p[KH], p[KW]}, dt::f32, tag::any)
                                           : memory::desc({p[GROUPS], p[OC] / p[GROUPS], 1, p[KH], p[KW]}, dt::f32, tag::any);
  const memory::desc biasDesc({p[OC]}, dt::f32, tag::a);
  const memory::dims strides{p[SH], p[SW]};
  // TensorFlow counts dilation from 1, oneDNN from 0.
  const memory::dims dilation{p[DH] - 1, p[DW] - 1};
  const memory::dims padL{p[PT], p[PL]}, padR{p[PB], p[PR]};

  dnnl::primitive_attr attr;
  if (mode == 0 && p[ACT] != 0) attr.set_post_ops(activation(p[ACT], alpha));
  const auto fwdDesc = p[HAS_BIAS] && mode == 0
                           ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src, anyW, biasDesc, dst, strides, dilation, padL, padR)
                           : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src, anyW, dst, strides, dilation, padL, padR);
  const dnnl::convolution_forward::primitive_desc fwdPd(fwdDesc, attr, cpu());

  auto e = std::make_unique<ConvEntry>();
  if (mode == 0) {
    e->prim = dnnl::convolution_forward(fwdPd);
    e->a = memory(src, cpu(), DNNL_MEMORY_NONE);
    e->out = memory(dst, cpu(), DNNL_MEMORY_NONE);
    if (p[HAS_BIAS]) e->bias = memory(biasDesc, cpu(), DNNL_MEMORY_NONE);
    e->weights = stage(userW, fwdPd.weights_desc(), false);
  } else if (mode == 1) {
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, src, anyW, dst, strides, dilation, padL, padR);
    dnnl::convolution_backward_data::primitive_desc pd(d, cpu(), fwdPd);
    e->prim = dnnl::convolution_backward_data(pd);
    e->a = memory(dst, cpu(), DNNL_MEMORY_NONE);  // dy
    e->out = memory(src, cpu(), DNNL_MEMORY_NONE);  // dx
    e->weights = stage(userW, pd.weights_desc(), false);
  } else {
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, src, anyW, dst, strides, dilation, padL, padR);
    dnnl::convolution_backward_weights::primitive_desc pd(d, cpu(), fwdPd);
    e->prim = dnnl::convolution_backward_weights(pd);
    e->a = memory(src, cpu(), DNNL_MEMORY_NONE);  // x
    e->b = memory(dst, cpu(), DNNL_MEMORY_NONE);  // dy
    e->weights = stage(userW, pd.diff_weights_desc(), true);
    e->weightsIsOut = true;
  }
  ConvEntry* raw = e.get();
  convCache.emplace(k, std::move(e));
  return raw;
}

// conv(mode, params Int32Array, a, b, bias|null, out, alpha)
//   mode 0 forward:          a = x,  b = filter, out = y (bias and activation fused)
//   mode 1 backward data:    a = dy, b = filter, out = dx
//   mode 2 backward weights: a = x,  b = dy,     out = dfilter
napi_value Conv(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 7);
    const int mode = static_cast<int>(number(env, argv[0]));
    size_t np = 0;
    const int32_t* p = typed<int32_t>(env, argv[1], &np);
    if (np != CONV_PARAMS) throw Fail{"conv: wrong parameter count"};
    float* a = typed<float>(env, argv[2], nullptr);
    float* b = typed<float>(env, argv[3], nullptr);
    float* bias = typed<float>(env, argv[4], nullptr, true);
    float* out = typed<float>(env, argv[5], nullptr);
    const float alpha = static_cast<float>(number(env, argv[6]));
    ConvEntry* e = convEntry(mode, p, alpha);
    std::unordered_map<int, memory> run;
    Staged& w = e->weights;
    if (mode == 0 || mode == 1) {
      w.user.set_data_handle(b);
      if (w.needed) w.toInternal.execute(strm(), w.user, w.internal);
      e->a.set_data_handle(a);
      e->out.set_data_handle(out);
      const memory& weights = w.needed ? w.internal : w.user;
      if (mode == 0) {
        run = {{DNNL_ARG_SRC, e->a}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, e->out}};
        if (bias) {
          e->bias.set_data_handle(bias);
          run.emplace(DNNL_ARG_BIAS, e->bias);
        }
      } else {
        run = {{DNNL_ARG_DIFF_DST, e->a}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, e->out}};
      }
      e->prim.execute(strm(), run);
    } else {
      e->a.set_data_handle(a);
      e->b.set_data_handle(b);
      w.user.set_data_handle(out);
      run = {{DNNL_ARG_SRC, e->a}, {DNNL_ARG_DIFF_DST, e->b}, {DNNL_ARG_DIFF_WEIGHTS, w.needed ? w.internal : w.user}};
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

std::unordered_map<std::string, std::unique_ptr<PoolEntry>> poolCache;

PoolEntry* poolEntry(int mode, const int32_t* p) {
  const std::string k = key(mode == 0 ? "pm" : mode == 1 ? "pa" : mode == 2 ? "gm" : "ga", p, POOL_PARAMS, 0.f);
  auto found = poolCache.find(k);
  if (found != poolCache.end()) return found->second.get();
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
  PoolEntry* raw = e.get();
  poolCache.emplace(k, std::move(e));
  return raw;
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

std::unordered_map<std::string, std::unique_ptr<MatEntry>> matCache;

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
    auto found = matCache.find(k);
    MatEntry* e;
    if (found != matCache.end()) {
      e = found->second.get();
    } else {
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
      e = made.get();
      matCache.emplace(k, std::move(made));
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

std::unordered_map<std::string, std::unique_ptr<EltEntry>> eltCache;

// eltwiseGrad(kind, dy, x, out, alpha, beta): dx = dy * f'(x) in one pass over flat arrays.
//   kind 1 relu (alpha: negative slope), 2 clip to [alpha, beta] (relu6: 0, 6)
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
    const auto alg = kind == 1 ? dnnl::algorithm::eltwise_relu : kind == 2 ? dnnl::algorithm::eltwise_clip : throw Fail{"eltwiseGrad: unknown kind"};
    const int32_t p[2] = {kind, static_cast<int32_t>(n)};
    std::string k = key("eg", p, 2, alpha);
    k.append(reinterpret_cast<const char*>(&beta), sizeof(beta));
    auto found = eltCache.find(k);
    EltEntry* e;
    if (found != eltCache.end()) {
      e = found->second.get();
    } else {
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
      e = made.get();
      eltCache.emplace(k, std::move(made));
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

// reduce(kind, rows, cols, overRows, x, out): x is [rows, cols]; sums (kind 0) or means (1)
// over the rows (out [cols]) or over the columns (out [rows]). Any reduction whose axes are a
// leading or trailing run of a tensor's axes is one of these. Written here rather than with
// oneDNN's reduction primitive, which 2.6 runs with its reference (scalar) implementation for
// these shapes. Rows are summed in blocks of 256 in float (vectorised across columns), blocks
// are added in double, so a sum over 10^5 rows keeps float accuracy.
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
      const int64_t block = 256;
      const int64_t blocks = (rows + block - 1) / block;
      const int threads = std::max(1, std::min(omp_get_max_threads(), static_cast<int>(blocks)));
      std::vector<double> totals(static_cast<size_t>(threads) * cols, 0.0);
#pragma omp parallel num_threads(threads)
      {
        const int t = omp_get_thread_num();
        std::vector<float> part(cols);
        double* mine = totals.data() + static_cast<size_t>(t) * cols;
#pragma omp for schedule(static)
        for (int64_t b = 0; b < blocks; b++) {
          std::fill(part.begin(), part.end(), 0.f);
          const int64_t end = std::min(rows, (b + 1) * block);
          for (int64_t r = b * block; r < end; r++) {
            const float* row = x + r * cols;
            float* acc = part.data();
#pragma omp simd
            for (int64_t c = 0; c < cols; c++) acc[c] += row[c];
          }
          for (int64_t c = 0; c < cols; c++) mine[c] += part[c];
        }
      }
      for (int64_t c = 0; c < cols; c++) {
        double sum = 0;
        for (int t = 0; t < threads; t++) sum += totals[static_cast<size_t>(t) * cols + c];
        out[c] = static_cast<float>(sum * scale);
      }
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
    const int64_t rows = static_cast<int64_t>(nx) / c;
    const float *mp = m.data(), *ap = a.data(), *op = o.data();
#pragma omp parallel for schedule(static) if (static_cast<int64_t>(nx) > 32768)
    for (int64_t r = 0; r < rows; r++) {
      const float* xr = x + r * c;
      float* yr = out + r * c;
#pragma omp simd
      for (int64_t k = 0; k < c; k++) yr[k] = (xr[k] - mp[k]) * ap[k] + op[k];
    }
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
    const int64_t rows = static_cast<int64_t>(nx) / c;
    const int64_t block = 256;
    const int64_t blocks = (rows + block - 1) / block;
    const int threads = nx > 32768 ? std::max(1, std::min(omp_get_max_threads(), static_cast<int>(blocks))) : 1;
    std::vector<double> totals(static_cast<size_t>(threads) * 2 * c, 0.0);
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      std::vector<float> part(2 * c);
      float* p1 = part.data();
      float* p2 = part.data() + c;
      double* mine = totals.data() + static_cast<size_t>(t) * 2 * c;
#pragma omp for schedule(static)
      for (int64_t b = 0; b < blocks; b++) {
        std::fill(part.begin(), part.end(), 0.f);
        const int64_t end = std::min(rows, (b + 1) * block);
        for (int64_t r = b * block; r < end; r++) {
          const float* g = dy + r * c;
          const float* xr = x + r * c;
          float* d = dx + r * c;
#pragma omp simd
          for (int64_t k = 0; k < c; k++) {
            const float gk = g[k];
            p1[k] += gk;
            p2[k] += gk * (xr[k] - mp[k]);
            d[k] = gk * ap[k];
          }
        }
        for (int64_t k = 0; k < 2 * c; k++) mine[k] += part[k];
      }
    }
    for (int64_t k = 0; k < c; k++) {
      double s1 = 0, s2 = 0;
      for (int t = 0; t < threads; t++) {
        s1 += totals[static_cast<size_t>(t) * 2 * c + k];
        s2 += totals[static_cast<size_t>(t) * 2 * c + c + k];
      }
      sumDy[k] = static_cast<float>(s1);
      sumDyXmm[k] = static_cast<float>(s2);
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
    return obj;
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

// noop(): a call that does nothing, to measure the binding's own cost per call.
napi_value Noop(napi_env env, napi_callback_info) { return undefinedValue(env); }

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pool", nullptr, Pool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"eltwiseGrad", nullptr, EltwiseGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, BatchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormGrad", nullptr, BatchNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"noop", nullptr, Noop, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
