//===- GradCheckTest.cpp - every VJP rule against finite differences ------===//
//
// Each case is a small f64 model whose loss depends on parameters through
// one op; the gradients gradc derives are compared with central finite
// differences of the loss. The suite fails if an op of the dialect appears
// in no case, so a new op cannot ship without a checked gradient.
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include "gradc/Dialect/GradDialect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

using namespace gradc;
using namespace gradc::test;

namespace {

struct GradCase {
  const char *name;
  const char *expression; // over params p, q: f64[4,5], c: f64[5]; labels y
  // The expression is the loss itself rather than squared into one: a
  // composite loss is then replaced by its decomposition (mse).
  bool isTheLoss = false;
};

const GradCase kCases[] = {
    {"add", "p + q"},
    {"sub", "p - q"},
    {"mul", "p * q"},
    {"div", "p / (q * q + 1)"},
    {"neg", "-p * q"},
    {"exp", "exp(p)"},
    {"log", "log(p * p + 1)"},
    {"sqrt", "sqrt(p * p + 1)"},
    {"tanh", "tanh(p)"},
    {"sigmoid", "sigmoid(p)"},
    {"relu", "relu(p) * q"},
    {"step", "step(p) * q"},
    {"broadcast", "p * c"},
    {"broadcast_scalar", "p * reduce_sum(c)"},
    {"matmul", "p @ transpose(q)"},
    {"matmul_tl", "matmul(p, q, transpose_lhs = true)"},
    {"matmul_tr", "matmul(p, q, transpose_rhs = true)"},
    {"matmul_tl_tr",
     "matmul(transpose(p), q, transpose_lhs = true, transpose_rhs = true)"},
    {"transpose", "transpose(p) @ q"},
    {"reshape", "reshape(p, shape = [2, 10]) * reshape(q, shape = [2, 10])"},
    {"reduce_sum", "reduce_sum(p * q, axes = [1]) * reduce_sum(q, axes = [1])"},
    {"reduce_sum_keepdims", "reduce_sum(p, axes = [0], keepdims = true) * q"},
    {"reduce_mean", "reduce_mean(p * q, axes = [0]) * c"},
    {"reduce_max", "reduce_max(p + q, axes = [1])"},
    {"softmax", "softmax(p) * q"},
    {"softmax_axis0", "softmax(p, axis = 0) * q"},
    {"log_softmax", "log_softmax(p) * q"},
    {"one_hot", "one_hot(y, classes = 5, dtype = f64) * p"},
    {"softmax_cross_entropy",
     "softmax_cross_entropy(p * 3, y) * reduce_sum(c)"},
    {"mse", "mse(p, q)"},
    {"mse_as_the_loss", "mse(p * c, q)", true},
    {"constant", "p * 2.5 - 1"},
    // f64 to f64 here; the random differential tester checks f32 <-> f64.
    {"cast", "cast(p * q, dtype = f64) * p"},
    {"conv2d", "conv2d(reshape(p, shape = [2, 2, 5, 1]), "
               "reshape(q, shape = [2, 2, 5, 1]), padding = [2, 0], "
               "stride = [2, 1])"},
    {"max_pool2d", "max_pool2d(reshape(p * q, shape = [1, 1, 4, 5]), "
                   "kernel = 2, stride = 1, padding = 1)"},
    {"avg_pool2d", "avg_pool2d(reshape(p * q, shape = [1, 2, 2, 5]), "
                   "kernel = [2, 3], stride = 1, padding = 1)"},
    {"im2col", "im2col(reshape(p, shape = [1, 1, 4, 5]), kernel = 3, "
               "stride = 2, padding = 1)"},
    {"col2im", "col2im(reshape(p * q, shape = [1, 2, 5, 1, 2, 1]), "
               "size = [3, 5])"},
};

void PrintTo(const GradCase &c, std::ostream *os) { *os << c.expression; }

std::string modelFor(const GradCase &c) {
  // Otherwise the loss squares the op's result so its gradient is not
  // constant.
  std::string loss = c.isTheLoss ? std::string("loss = ") + c.expression
                                 : std::string("out = ") + c.expression +
                                       "\nloss = reduce_sum(out * out)";
  return "model check(batch = 4)\n"
         "param p : f64[batch, 5] = normal(0, 1)\n"
         "param q : f64[batch, 5] = normal(0, 1)\n"
         "param c : f64[5] = normal(0, 1)\n"
         "label y : i32[batch]\n" +
         loss + "\noptimize loss with sgd(lr = 0.1)\n";
}

double lossOf(RunnableModel &model) {
  EXPECT_TRUE(model.run());
  return model.buffers->find("loss")->data<double>()[0];
}

class GradCheck : public ::testing::TestWithParam<GradCase> {};

TEST_P(GradCheck, MatchesFiniteDifferences) {
  Compiler compiler;
  auto module = compiler.importSource(modelFor(GetParam()));
  ASSERT_TRUE(module) << testing::PrintToString(compiler.diagnostics());
  auto model = compileToJit(*module, 11, rt::Entry::Gradients);
  ASSERT_TRUE(model);
  rt::Tensor &labels = *model->buffers->find("y");
  for (int64_t i = 0; i < labels.numElements(); ++i)
    labels.data<int32_t>()[i] = static_cast<int32_t>((i * 2 + 1) % 5);
  lossOf(*model);
  std::map<std::string, std::vector<double>> analytic;
  const auto &results = model->signature.results;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].role != rt::TensorRole::Gradient)
      continue;
    const rt::Tensor &gradient = model->buffers->results()[i];
    analytic[results[i].name].assign(gradient.data<double>(),
                                     gradient.data<double>() +
                                         gradient.numElements());
  }
  ASSERT_EQ(analytic.size(), 3u);
  const double step = 1e-6;
  for (auto &[name, gradient] : analytic) {
    rt::Tensor &param = *model->buffers->find(name);
    for (int64_t i = 0; i < param.numElements(); ++i) {
      double &value = param.data<double>()[i];
      double original = value;
      value = original + step;
      double above = lossOf(*model);
      value = original - step;
      double below = lossOf(*model);
      value = original;
      double numeric = (above - below) / (2 * step);
      double scale = std::max({1.0, std::abs(numeric), std::abs(gradient[i])});
      EXPECT_NEAR(gradient[i], numeric, 1e-6 * scale)
          << "d loss / d " << name << "[" << i << "]";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryOp, GradCheck, ::testing::ValuesIn(kCases),
                         [](const auto &info) {
                           return std::string(info.param.name);
                         });

// Finite differences cannot see ties; torch.amax splits the gradient evenly
// among tied maxima, and so must reduce_max.
TEST(GradCheck, ReduceMaxSplitsTheGradientAmongTies) {
  Compiler compiler;
  auto module = compiler.importSource(
      "model ties(batch = 2)\n"
      "param w : f64[batch, 3] = zeros\n"
      "param c : f64[batch] = ones\n"
      "loss = reduce_sum(reduce_max(w, axes = [1]) * c)\n"
      "optimize loss with sgd(lr = 0.1)\n");
  ASSERT_TRUE(module) << testing::PrintToString(compiler.diagnostics());
  auto model = compileToJit(*module, 1, rt::Entry::Gradients);
  ASSERT_TRUE(model);
  rt::Tensor &w = *model->buffers->find("w");
  w.data<double>()[0] = 2.0; // row 0: one maximum; row 1: three tied zeros
  ASSERT_TRUE(model->run());
  const auto &results = model->signature.results;
  for (size_t i = 0; i < results.size(); ++i)
    if (results[i].name == "w" && results[i].role == rt::TensorRole::Gradient) {
      const double *gradient = model->buffers->results()[i].data<double>();
      EXPECT_EQ(gradient[0], 1.0);
      EXPECT_EQ(gradient[1], 0.0);
      EXPECT_EQ(gradient[2], 0.0);
      for (int k = 3; k < 6; ++k)
        EXPECT_DOUBLE_EQ(gradient[k], 1.0 / 3.0) << "tied element " << k;
      return;
    }
  FAIL() << "no gradient of w";
}

TEST(GradCheck, EveryOpOfTheDialectHasACase) {
  Compiler compiler;
  std::set<std::string> covered;
  for (const GradCase &c : kCases) {
    auto module = compiler.importSource(modelFor(c));
    ASSERT_TRUE(module);
    module->walk([&](mlir::Operation *op) {
      covered.insert(op->getName().getStringRef().str());
    });
  }
  for (mlir::RegisteredOperationName op :
       compiler.context().getRegisteredOperations())
    // Every op a model can use; grad.fused and grad.yield are made by
    // grad-fuse after autodiff.
    // max_pool2d_grad is made by max_pool2d's VJP and has none itself
    // (autodiff reports it when a model differentiates through it).
    if (op.getDialectNamespace() == "grad" &&
        op.hasInterface<mlir::InferTypeOpInterface>() &&
        op.getStringRef() != "grad.max_pool2d_grad")
      EXPECT_TRUE(covered.count(op.getStringRef().str()))
          << op.getStringRef().str()
          << " appears in no gradient-check case: add one to kCases";
}

} // namespace
