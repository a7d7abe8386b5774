//===- InitTest.cpp - seeded parameter initializers -----------------------===//
#include "gradc/Runtime/Init.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace gradc::rt;

namespace {

Tensor initialized(const std::string &kind, std::vector<int64_t> shape,
                   uint64_t seed = 1, std::map<std::string, double> args = {},
                   const std::string &name = "w") {
  Tensor tensor(DType::F32, std::move(shape));
  EXPECT_TRUE(initialize({kind, std::move(args)}, name, seed, tensor));
  return tensor;
}

struct Moments {
  double mean, std, min, max;
};

Moments momentsOf(const Tensor &tensor) {
  double sum = 0, squares = 0, lo = INFINITY, hi = -INFINITY;
  int64_t n = tensor.numElements();
  for (int64_t i = 0; i < n; ++i) {
    double v = tensor.data<float>()[i];
    sum += v;
    squares += v * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  double mean = sum / n;
  return {mean, std::sqrt(squares / n - mean * mean), lo, hi};
}

TEST(Init, SameSeedAndNameGiveTheSameValues) {
  EXPECT_EQ(initialized("he_normal", {30, 20}, 5).bytes,
            initialized("he_normal", {30, 20}, 5).bytes);
  EXPECT_NE(initialized("he_normal", {30, 20}, 5).bytes,
            initialized("he_normal", {30, 20}, 6).bytes);
  EXPECT_NE(initialized("he_normal", {30, 20}, 5, {}, "w1").bytes,
            initialized("he_normal", {30, 20}, 5, {}, "w2").bytes);
}

TEST(Init, ScalesFollowFanInAndFanOut) {
  // [in, out] = [400, 100]
  Moments he = momentsOf(initialized("he_normal", {400, 100}));
  EXPECT_NEAR(he.mean, 0.0, 0.005);
  EXPECT_NEAR(he.std, std::sqrt(2.0 / 400), 0.02 * std::sqrt(2.0 / 400));

  Moments xavier = momentsOf(initialized("xavier_uniform", {400, 100}));
  double limit = std::sqrt(6.0 / 500);
  EXPECT_GE(xavier.min, -limit);
  EXPECT_LE(xavier.max, limit);
  EXPECT_NEAR(xavier.std, limit / std::sqrt(3.0), 0.02 * limit);

  Moments kaiming = momentsOf(initialized("kaiming_uniform", {400, 100}));
  EXPECT_LE(kaiming.max, std::sqrt(6.0 / 400));

  // Convolution kernels [out, in, kh, kw]: fan_in = in * kh * kw.
  Moments conv = momentsOf(initialized("he_normal", {64, 16, 3, 3}));
  EXPECT_NEAR(conv.std, std::sqrt(2.0 / 144), 0.03 * std::sqrt(2.0 / 144));
}

TEST(Init, ExplicitDistributions) {
  Moments normal = momentsOf(
      initialized("normal", {200, 200}, 1, {{"mean", 1.0}, {"std", 0.5}}));
  EXPECT_NEAR(normal.mean, 1.0, 0.01);
  EXPECT_NEAR(normal.std, 0.5, 0.01);
  Moments uniform = momentsOf(
      initialized("uniform", {200, 200}, 1, {{"low", 2.0}, {"high", 3.0}}));
  EXPECT_GE(uniform.min, 2.0);
  EXPECT_LT(uniform.max, 3.0);
  Moments constant =
      momentsOf(initialized("constant", {7}, 1, {{"value", 0.25}}));
  EXPECT_EQ(constant.min, 0.25);
  EXPECT_EQ(constant.max, 0.25);
  EXPECT_EQ(momentsOf(initialized("zeros", {7})).max, 0.0);
  EXPECT_EQ(momentsOf(initialized("ones", {7})).min, 1.0);
}

TEST(Init, RejectsUnknownKindsAndIntegerTensors) {
  Tensor tensor(DType::F32, {2});
  EXPECT_FALSE(initialize({"orthogonal", {}}, "w", 1, tensor));
  Tensor integers(DType::I32, {2});
  EXPECT_FALSE(initialize({"zeros", {}}, "w", 1, integers));
}

TEST(Init, EveryListedInitializerWorks) {
  for (const InitializerInfo &info : initializers()) {
    std::map<std::string, double> args;
    for (const std::string &argument : info.arguments)
      args[argument] = argument == "high" ? 1.0 : 0.5;
    Tensor tensor(DType::F64, {4, 3});
    EXPECT_TRUE(initialize({info.name, args}, "w", 3, tensor)) << info.name;
  }
}

} // namespace
