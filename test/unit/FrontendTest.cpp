//===- FrontendTest.cpp - .grad parsing, emission and diagnostics ---------===//
#include "TestSupport.h"

#include "gradc/Dialect/GradDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace gradc;
using namespace gradc::test;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

constexpr const char *kHeader = "model m(batch = 4, hidden = 3)\n"
                                "input x : f32[batch, 5]\n"
                                "label y : i32[batch]\n";

/// Diagnostics of a model made of the common header and `body`.
std::vector<std::string> errorsOf(const std::string &body) {
  Compiler compiler;
  EXPECT_FALSE(compiler.importSource(std::string(kHeader) + body));
  return compiler.diagnostics();
}

int countOps(mlir::ModuleOp module, llvm::StringRef name) {
  int count = 0;
  module.walk([&](mlir::Operation *op) {
    count += op->getName().getStringRef() == name;
  });
  return count;
}

TEST(Frontend, SignatureOfTheMlpModel) {
  Compiler compiler;
  auto module = compiler.importSource(readModel("mlp.grad"));
  ASSERT_TRUE(module) << testing::PrintToString(compiler.diagnostics());
  auto signature = readSignature(*module);
  ASSERT_TRUE(mlir::succeeded(signature));
  EXPECT_EQ(signature->name, "mlp");
  std::vector<std::string> names;
  for (const rt::TensorSpec &spec : signature->arguments)
    names.push_back(spec.name);
  EXPECT_THAT(names, ElementsAre("x", "y", "w1", "b1", "w2", "b2"));
  EXPECT_EQ(signature->arguments[0].role, rt::TensorRole::Input);
  EXPECT_EQ(signature->arguments[0].shape, (std::vector<int64_t>{100, 784}));
  EXPECT_EQ(signature->arguments[1].role, rt::TensorRole::Label);
  EXPECT_EQ(signature->arguments[1].dtype, rt::DType::I32);
  EXPECT_EQ(signature->arguments[1].classes, 10);
  EXPECT_EQ(signature->arguments[2].init.kind, "he_normal");
  ASSERT_EQ(signature->results.size(), 2u);
  EXPECT_EQ(signature->results[0].name, "logits");
  EXPECT_EQ(signature->results[1].name, "loss");
  EXPECT_EQ(signature->results[1].shape, std::vector<int64_t>{});
  EXPECT_EQ(signature->loss, "loss");
  ASSERT_TRUE(signature->optimizer);
  EXPECT_EQ(signature->optimizer->kind, "sgd");
  EXPECT_EQ(signature->optimizer->arguments,
            (std::vector<std::pair<std::string, double>>{{"lr", 0.1}}));
}

TEST(Frontend, BroadcastingIsExplicitInTheIR) {
  Compiler compiler;
  auto module =
      compiler.importSource(std::string(kHeader) + "param b : f32[5] = zeros\n"
                                                   "z = x + b\n"
                                                   "output z\n");
  ASSERT_TRUE(module);
  EXPECT_EQ(countOps(*module, "grad.broadcast"), 1);
  EXPECT_EQ(countOps(*module, "grad.add"), 1);
}

TEST(Frontend, NumbersTakeTheTypeOfTheTensorTheyMeet) {
  Compiler compiler;
  auto module = compiler.importSource("model m(batch = 2)\n"
                                      "input x : f64[batch, 3]\n"
                                      "z = 0.5 * x - 1\n"
                                      "output z\n");
  ASSERT_TRUE(module);
  module->walk([](grad::ConstantOp constant) {
    EXPECT_EQ(constant.getType(),
              mlir::RankedTensorType::get(
                  {2, 3}, mlir::Float64Type::get(constant.getContext())));
  });
  EXPECT_EQ(countOps(*module, "grad.constant"), 2);
}

TEST(Frontend, BlocksAreInlinedAtEachCall) {
  Compiler compiler;
  auto module = compiler.importSource(std::string(kHeader) +
                                      "param w : f32[5, 5] = zeros\n"
                                      "block layer(h, w) {\n"
                                      "  z = h @ w\n"
                                      "  return tanh(z)\n"
                                      "}\n"
                                      "out = layer(layer(x, w), w)\n"
                                      "output out\n");
  ASSERT_TRUE(module) << testing::PrintToString(compiler.diagnostics());
  EXPECT_EQ(countOps(*module, "grad.matmul"), 2);
  EXPECT_EQ(countOps(*module, "grad.tanh"), 2);
}

TEST(Frontend, ValuesAreNamedAfterTheirVariables) {
  Compiler compiler;
  auto module =
      compiler.importSource(std::string(kHeader) + "hidden_state = relu(x)\n"
                                                   "output hidden_state\n");
  ASSERT_TRUE(module);
  module->walk([](grad::ReluOp relu) {
    auto name = mlir::dyn_cast<mlir::NameLoc>(relu.getLoc());
    ASSERT_TRUE(name);
    EXPECT_EQ(name.getName().str(), "hidden_state");
  });
}

TEST(Frontend, KeywordArgumentsBecomeAttributes) {
  Compiler compiler;
  auto module = compiler.importSource(
      std::string(kHeader) + "s = reduce_sum(x, axes = [1], keepdims = true)\n"
                             "t = transpose(x, perm = [1, 0])\n"
                             "r = reshape(x, shape = [hidden + 2, batch])\n"
                             "output s\noutput t\noutput r\n");
  ASSERT_TRUE(module) << testing::PrintToString(compiler.diagnostics());
  // Lists take arithmetic on numbers and model constants.
  module->walk([](grad::ReshapeOp reshape) {
    EXPECT_THAT(reshape.getShape(), ElementsAre(5, 4));
  });
  EXPECT_EQ(countOps(*module, "grad.reshape"), 1);
}

TEST(Frontend, AttributeListsHoldOnlyNumbers) {
  EXPECT_THAT(errorsOf("r = reshape(x, shape = [x, 5])\noutput r\n"),
              ElementsAre(HasSubstr("argument 'shape' must be a number, a "
                                    "list of integers, true/false or an "
                                    "element type")));
}

TEST(Frontend, ReportsEveryErrorInOneRun) {
  EXPECT_THAT(errorsOf("a = relu(q)\n"
                       "b = sigmoidd(x)\n"
                       "c = x @ x\n"
                       "output a\n"),
              ElementsAre("4:10: error: unknown name 'q'",
                          "5:5: error: unknown function 'sigmoidd'; did you "
                          "mean 'sigmoid'?",
                          "6:7: error: matmul: x is f32[4,5] but x is "
                          "f32[4,5]; 5 != 4"));
}

TEST(Frontend, SyntaxErrorsRecoverAtTheNextLine) {
  EXPECT_THAT(errorsOf("a = relu(x\n"
                       "b = x +* x\n"
                       "c = (x\n"
                       "output a\n"),
              ElementsAre("4:11: error: expected ')' to close the argument "
                          "list, found end of line",
                          "4:9: note: opened here",
                          "5:8: error: expected an expression, found '*'",
                          "6:7: error: expected ')' to close '(', found end "
                          "of line",
                          "6:5: note: opened here"));
}

TEST(Frontend, ShapeMismatchNamesTheDimensions) {
  EXPECT_THAT(errorsOf("param w1 : f32[748, 200] = he_normal\n"
                       "h = x @ w1\n"
                       "output h\n"),
              ElementsAre("5:7: error: matmul: x is f32[4,5] but w1 is "
                          "f32[748,200]; 5 != 748"));
}

TEST(Frontend, BroadcastMismatch) {
  EXPECT_THAT(errorsOf("param b : f32[3] = zeros\n"
                       "h = x + b\n"
                       "output h\n"),
              ElementsAre("5:7: error: add: x is f32[4,5] but b is f32[3]; "
                          "cannot broadcast 5 with 3"));
}

TEST(Frontend, ErrorsInsideBlocksPointAtTheCall) {
  EXPECT_THAT(errorsOf("block f(h) = h @ h\n"
                       "a = f(x)\n"
                       "output a\n"),
              ElementsAre("4:16: error: matmul: x is f32[4,5] but x is "
                          "f32[4,5]; 5 != 4",
                          "5:5: note: called from"));
}

TEST(Frontend, RedefinitionPointsAtTheFirstDefinition) {
  EXPECT_THAT(errorsOf("a = relu(x)\n"
                       "a = tanh(x)\n"
                       "output a\n"),
              ElementsAre("5:1: error: redefinition of 'a'",
                          "4:1: note: 'a' was first defined here"));
}

TEST(Frontend, OpsCheckTheirAttributes) {
  EXPECT_THAT(
      errorsOf("a = reduce_sum(x, axis = 1)\n"
               "b = reduce_sum(x, axes = 1)\n"
               "c = one_hot(y)\n"
               "d = relu(x, x)\n"
               "e = relu(y)\n"
               "output a\n"),
      ElementsAre(
          "4:19: error: reduce_sum has no argument 'axis' (it takes: axes, "
          "keepdims)",
          "5:5: error: reduce_sum: axes must be a list of axes like [1]",
          "6:5: error: one_hot: missing classes (the number of classes, like "
          "10)",
          "7:5: error: relu takes 1 tensor argument but was given 2",
          "8:5: error: relu: y is i32[4] but relu works on f32 or f64 "
          "tensors"));
}

TEST(Frontend, DeclarationErrors) {
  Compiler compiler;
  EXPECT_FALSE(compiler.importSource("model m(batch = 2)\n"
                                     "input x : f16[batch, 3]\n"
                                     "input z : f32[batch, width]\n"
                                     "param w : f32[3] = he_normall\n"
                                     "param v : f32[3] = normal(0)\n"
                                     "param u : f32[3]\n"
                                     "output x\n"));
  // Syntax errors come first: the file is parsed before it is checked.
  EXPECT_THAT(
      compiler.diagnostics(),
      ElementsAre(
          "6:17: error: parameter 'u' needs an initializer, as in '= "
          "he_normal' or '= zeros'",
          "2:11: error: unknown element type 'f16' (use f32, f64, i32 or i64)",
          "3:22: error: unknown dimension 'width'; define it on the model "
          "line, as in 'model m(width = 100)'",
          HasSubstr("4:20: error: unknown initializer 'he_normall' (known: "
                    "zeros, ones,"),
          "5:20: error: normal needs std: normal(mean, std)"));
}

TEST(Frontend, LabelsMustBeClassIndices) {
  Compiler compiler;
  EXPECT_FALSE(compiler.importSource("model m(batch = 2)\n"
                                     "input x : f32[batch, 3]\n"
                                     "label t : f32[batch]\n"
                                     "loss = softmax_cross_entropy(x, t)\n"
                                     "optimize loss with sgd(lr = 0.1)\n"));
  EXPECT_THAT(compiler.diagnostics(),
              ElementsAre("4:8: error: softmax_cross_entropy: t is f32[2] but "
                          "labels must be class indices (i32 or i64)"));
}

TEST(Frontend, LossAndOptimizerErrors) {
  EXPECT_THAT(errorsOf("loss = x * x\n"
                       "optimize loss with adam(rate = 0.1)\n"),
              ElementsAre("5:10: error: the loss must be a float scalar, but "
                          "loss is f32[4,5] (reduce it with reduce_mean or "
                          "reduce_sum)",
                          "5:25: error: adam has no argument 'rate': adam(lr, "
                          "beta1, beta2, eps)"));
}

} // namespace
