//===- ForwardTest.cpp - JIT results against references computed here -----===//
//
// Each model runs through the whole pipeline and the JIT; its outputs are
// compared with a straightforward double-precision computation written in
// this file, independent of gradc's lowering. Tolerance: |got - want| <=
// rtol * (|want| + max|want|), rtol 1e-5 for f32 and 1e-12 for f64.
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace gradc;
using namespace gradc::test;

namespace {

/// A dense row-major array of doubles.
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;

  int64_t dim(size_t i) const { return shape[i]; }
  double &at(int64_t r, int64_t c) { return data[r * shape[1] + c]; }
  double at(int64_t r, int64_t c) const { return data[r * shape[1] + c]; }
};

Array toArray(const rt::Tensor &tensor) {
  Array array{tensor.shape, {}};
  for (int64_t i = 0; i < tensor.numElements(); ++i) {
    switch (tensor.dtype) {
    case rt::DType::F32:
      array.data.push_back(tensor.data<float>()[i]);
      break;
    case rt::DType::F64:
      array.data.push_back(tensor.data<double>()[i]);
      break;
    case rt::DType::I32:
      array.data.push_back(tensor.data<int32_t>()[i]);
      break;
    default:
      ADD_FAILURE() << "unexpected dtype";
    }
  }
  return array;
}

Array map(const Array &a, const std::function<double(double)> &f) {
  Array result = a;
  for (double &v : result.data)
    v = f(v);
  return result;
}

Array zip(const Array &a, const Array &b,
          const std::function<double(double, double)> &f) {
  Array result = a;
  for (size_t i = 0; i < result.data.size(); ++i)
    result.data[i] = f(a.data[i], b.data[i]);
  return result;
}

Array matmul(const Array &a, const Array &b, bool ta = false, bool tb = false) {
  int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  int64_t n = tb ? b.dim(0) : b.dim(1);
  Array result{{m, n}, std::vector<double>(m * n, 0.0)};
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p)
        result.at(i, j) +=
            (ta ? a.at(p, i) : a.at(i, p)) * (tb ? b.at(j, p) : b.at(p, j));
  return result;
}

Array transpose(const Array &a) {
  Array result{{a.dim(1), a.dim(0)}, std::vector<double>(a.data.size())};
  for (int64_t i = 0; i < a.dim(0); ++i)
    for (int64_t j = 0; j < a.dim(1); ++j)
      result.at(j, i) = a.at(i, j);
  return result;
}

/// Row-wise (axis 1) or column-wise (axis 0) reduction of a matrix.
Array reduce(const Array &a, int axis, double init,
             const std::function<double(double, double)> &combine) {
  int64_t outer = a.dim(axis == 1 ? 0 : 1), inner = a.dim(axis);
  Array result{{outer}, std::vector<double>(outer, init)};
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      result.data[o] =
          combine(result.data[o], axis == 1 ? a.at(o, i) : a.at(i, o));
  return result;
}

double sum(double x, double y) { return x + y; }

Array logSoftmaxRows(const Array &a) {
  Array result = a;
  for (int64_t r = 0; r < a.dim(0); ++r) {
    double max = -INFINITY, total = 0;
    for (int64_t c = 0; c < a.dim(1); ++c)
      max = std::max(max, a.at(r, c));
    for (int64_t c = 0; c < a.dim(1); ++c)
      total += std::exp(a.at(r, c) - max);
    for (int64_t c = 0; c < a.dim(1); ++c)
      result.at(r, c) = a.at(r, c) - max - std::log(total);
  }
  return result;
}

double crossEntropy(const Array &logits, const Array &labels) {
  Array logProbs = logSoftmaxRows(logits);
  double total = 0;
  for (int64_t r = 0; r < logits.dim(0); ++r)
    total -= logProbs.at(r, static_cast<int64_t>(labels.data[r]));
  return total / logits.dim(0);
}

Array scalar(double value) { return Array{{}, {value}}; }

void expectClose(const Array &got, const Array &want, double rtol) {
  ASSERT_EQ(got.shape, want.shape);
  double scale = 0;
  for (double v : want.data)
    scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < want.data.size(); ++i)
    ASSERT_LE(std::abs(got.data[i] - want.data[i]),
              rtol * (std::abs(want.data[i]) + scale))
        << "element " << i << ": got " << got.data[i] << ", want "
        << want.data[i];
}

TEST(Forward, MlpModelMatchesReference) {
  Compiler compiler;
  auto module = compiler.importSource(readModel("mlp.grad"));
  ASSERT_TRUE(module);
  auto model = compileToJit(*module, 42);
  ASSERT_TRUE(model);
  ASSERT_TRUE(model->run());
  auto tensor = [&](const char *name) {
    return toArray(*model->buffers->find(name));
  };
  Array x = tensor("x"), y = tensor("y");
  Array w1 = tensor("w1"), b1 = tensor("b1"), w2 = tensor("w2"),
        b2 = tensor("b2");
  Array hidden = matmul(x, w1);
  for (int64_t r = 0; r < hidden.dim(0); ++r)
    for (int64_t c = 0; c < hidden.dim(1); ++c)
      hidden.at(r, c) = std::max(0.0, hidden.at(r, c) + b1.data[c]);
  Array logits = matmul(hidden, w2);
  for (int64_t r = 0; r < logits.dim(0); ++r)
    for (int64_t c = 0; c < logits.dim(1); ++c)
      logits.at(r, c) += b2.data[c];
  expectClose(tensor("logits"), logits, 1e-5);
  expectClose(tensor("loss"), scalar(crossEntropy(logits, y)), 1e-5);
}

//===----------------------------------------------------------------------===//
// One model per op of the dialect, in f64.
//===----------------------------------------------------------------------===//

struct Inputs {
  Array a, b, c, y; // a, b: [4, 5]; c: [5]; y: labels in 0..4
};

struct OpCase {
  const char *name;
  const char *expression;
  std::function<Array(const Inputs &)> reference;
};

Array rowsPlus(const Array &a, const Array &c) {
  Array result = a;
  for (int64_t r = 0; r < a.dim(0); ++r)
    for (int64_t k = 0; k < a.dim(1); ++k)
      result.at(r, k) += c.data[k];
  return result;
}

const OpCase kOpCases[] = {
    {"add", "a + b", [](const Inputs &in) { return zip(in.a, in.b, sum); }},
    {"sub", "a - b",
     [](const Inputs &in) {
       return zip(in.a, in.b, [](double x, double y) { return x - y; });
     }},
    {"mul", "a * b",
     [](const Inputs &in) {
       return zip(in.a, in.b, [](double x, double y) { return x * y; });
     }},
    {"div", "a / (b * b + 1)",
     [](const Inputs &in) {
       return zip(in.a, in.b,
                  [](double x, double y) { return x / (y * y + 1); });
     }},
    {"neg", "-a",
     [](const Inputs &in) { return map(in.a, [](double x) { return -x; }); }},
    {"exp", "exp(a)",
     [](const Inputs &in) {
       return map(in.a, [](double x) { return std::exp(x); });
     }},
    {"log", "log(a * a + 0.5)",
     [](const Inputs &in) {
       return map(in.a, [](double x) { return std::log(x * x + 0.5); });
     }},
    {"sqrt", "sqrt(a * a)",
     [](const Inputs &in) {
       return map(in.a, [](double x) { return std::abs(x); });
     }},
    {"tanh", "tanh(a)",
     [](const Inputs &in) {
       return map(in.a, [](double x) { return std::tanh(x); });
     }},
    {"sigmoid", "sigmoid(a)",
     [](const Inputs &in) {
       return map(in.a, [](double x) { return 1 / (1 + std::exp(-x)); });
     }},
    {"relu", "relu(a)",
     [](const Inputs &in) {
       return map(in.a, [](double x) { return std::max(x, 0.0); });
     }},
    {"broadcast", "a + c",
     [](const Inputs &in) { return rowsPlus(in.a, in.c); }},
    {"matmul", "a @ transpose(b)",
     [](const Inputs &in) { return matmul(in.a, transpose(in.b)); }},
    {"matmul_transposed", "matmul(a, b, transpose_lhs = true)",
     [](const Inputs &in) { return matmul(in.a, in.b, true, false); }},
    {"transpose", "transpose(a, perm = [1, 0])",
     [](const Inputs &in) { return transpose(in.a); }},
    {"reshape", "reshape(a, shape = [10, 2])",
     [](const Inputs &in) {
       return Array{{10, 2}, in.a.data};
     }},
    {"reduce_sum", "reduce_sum(a, axes = [1])",
     [](const Inputs &in) { return reduce(in.a, 1, 0.0, sum); }},
    {"reduce_sum_all", "reduce_sum(a)",
     [](const Inputs &in) {
       double total = 0;
       for (double v : in.a.data)
         total += v;
       return scalar(total);
     }},
    {"reduce_mean", "reduce_mean(a, axes = [0], keepdims = true)",
     [](const Inputs &in) {
       Array mean =
           map(reduce(in.a, 0, 0.0, sum), [](double x) { return x / 4; });
       return Array{{1, 5}, mean.data};
     }},
    {"reduce_max", "reduce_max(a, axes = [-1])",
     [](const Inputs &in) {
       return reduce(in.a, 1, -INFINITY,
                     [](double x, double y) { return std::max(x, y); });
     }},
    {"softmax", "softmax(a)",
     [](const Inputs &in) {
       return map(logSoftmaxRows(in.a), [](double x) { return std::exp(x); });
     }},
    {"log_softmax", "log_softmax(a * 30)",
     [](const Inputs &in) {
       return logSoftmaxRows(map(in.a, [](double x) { return 30 * x; }));
     }},
    {"one_hot", "one_hot(y, classes = 5, dtype = f64)",
     [](const Inputs &in) {
       Array result{{4, 5}, std::vector<double>(20, 0.0)};
       for (int64_t r = 0; r < 4; ++r)
         result.at(r, static_cast<int64_t>(in.y.data[r])) = 1;
       return result;
     }},
    {"softmax_cross_entropy", "softmax_cross_entropy(a * 20, y)",
     [](const Inputs &in) {
       return scalar(
           crossEntropy(map(in.a, [](double x) { return 20 * x; }), in.y));
     }},
    {"mse", "mse(a, b)",
     [](const Inputs &in) {
       double total = 0;
       for (size_t i = 0; i < in.a.data.size(); ++i)
         total += (in.a.data[i] - in.b.data[i]) * (in.a.data[i] - in.b.data[i]);
       return scalar(total / 20);
     }},
};

void PrintTo(const OpCase &op, std::ostream *os) { *os << op.expression; }

class ForwardOp : public ::testing::TestWithParam<OpCase> {};

TEST_P(ForwardOp, MatchesReference) {
  const OpCase &op = GetParam();
  Compiler compiler;
  auto module = compiler.importSource(std::string("model ops(batch = 4)\n"
                                                  "input a : f64[batch, 5]\n"
                                                  "input b : f64[batch, 5]\n"
                                                  "input c : f64[5]\n"
                                                  "label y : i32[batch]\n"
                                                  "out = ") +
                                      op.expression + "\noutput out\n");
  ASSERT_TRUE(module) << testing::PrintToString(compiler.diagnostics());
  auto model = compileToJit(*module, 7);
  ASSERT_TRUE(model);
  // Labels must index the 5 classes, whatever the model says about them.
  rt::Tensor &labels = *model->buffers->find("y");
  for (int64_t i = 0; i < labels.numElements(); ++i)
    labels.data<int32_t>()[i] = static_cast<int32_t>((i * 3 + 1) % 5);
  ASSERT_TRUE(model->run());
  Inputs inputs{toArray(*model->buffers->find("a")),
                toArray(*model->buffers->find("b")),
                toArray(*model->buffers->find("c")), toArray(labels)};
  expectClose(toArray(*model->buffers->find("out")), op.reference(inputs),
              1e-12);
}

INSTANTIATE_TEST_SUITE_P(EveryOp, ForwardOp, ::testing::ValuesIn(kOpCases),
                         [](const auto &info) {
                           return std::string(info.param.name);
                         });

} // namespace
