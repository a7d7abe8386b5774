//===- DialectTest.cpp - shape rules, verifiers and printing --------------===//
#include "TestSupport.h"

#include "gradc/Dialect/GradDialect.h"

#include "mlir/IR/Verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace gradc::test;
using ::testing::Contains;
using ::testing::HasSubstr;

namespace {

/// Diagnostics from parsing (and so verifying) one function body. After a
/// shape rule's own error, MLIR adds "failed to infer returned types".
std::vector<std::string> errorsOf(const std::string &function) {
  Compiler compiler;
  EXPECT_FALSE(compiler.parseMlir(function));
  return compiler.diagnostics();
}

TEST(Dialect, MatmulShapeRule) {
  EXPECT_THAT(
      errorsOf("func.func @f(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {\n"
               "  %c = grad.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> "
               "-> tensor<2x5xf32>\n"
               "  return\n}\n"),
      Contains(HasSubstr("matmul: lhs is f32[2,3] but rhs is f32[4,5]; "
                         "3 != 4")));
}

TEST(Dialect, ResultTypesMustMatchTheShapeRule) {
  EXPECT_THAT(
      errorsOf("func.func @f(%a: tensor<2x3xf32>) {\n"
               "  %c = grad.reduce_sum %a {axes = array<i64: 1>} : "
               "tensor<2x3xf32> -> tensor<3xf32>\n"
               "  return\n}\n"),
      Contains(HasSubstr("inferred type(s) 'tensor<2xf32>' are "
                         "incompatible with return type(s) of operation "
                         "'tensor<3xf32>'")));
}

TEST(Dialect, BroadcastRule) {
  EXPECT_THAT(
      errorsOf("func.func @f(%a: tensor<3xf32>) {\n"
               "  %c = grad.broadcast %a {shape = array<i64: 2, 4>} : "
               "tensor<3xf32> -> tensor<2x4xf32>\n"
               "  return\n}\n"),
      Contains(HasSubstr("broadcast: the input is f32[3], which cannot be "
                         "broadcast to f32[2,4]; 3 != 4")));
}

TEST(Dialect, TransposeNeedsAPermutation) {
  EXPECT_THAT(
      errorsOf("func.func @f(%a: tensor<2x3xf32>) {\n"
               "  %c = grad.transpose %a {perm = array<i64: 0, 0>} : "
               "tensor<2x3xf32> -> tensor<2x3xf32>\n"
               "  return\n}\n"),
      Contains(HasSubstr("transpose: perm must be a permutation of 0..1")));
}

TEST(Dialect, CrossEntropyNeedsIntegerLabels) {
  EXPECT_THAT(
      errorsOf("func.func @f(%x: tensor<2x3xf32>, %y: tensor<2xf32>) {\n"
               "  %c = grad.softmax_cross_entropy %x, %y : tensor<2x3xf32>, "
               "tensor<2xf32> -> tensor<f32>\n"
               "  return\n}\n"),
      Contains(HasSubstr("operand #1 must be statically shaped tensor of "
                         "32-bit signless integer or 64-bit signless integer "
                         "values")));
}

TEST(Dialect, ElementwiseOperandsMustMatch) {
  EXPECT_THAT(errorsOf("func.func @f(%a: tensor<2x3xf32>, %b: "
                       "tensor<3xf32>) {\n"
                       "  %c = \"grad.add\"(%a, %b) : (tensor<2x3xf32>, "
                       "tensor<3xf32>) -> tensor<2x3xf32>\n"
                       "  return\n}\n"),
              Contains(HasSubstr("failed to verify that all of {lhs, rhs, "
                                 "result} have same type")));
}

/// A function whose body is one grad.fused op over %a : tensor<4x8xf32>
/// with `region` (ending in grad.yield) returning `results` (`count` of
/// them).
std::string fusedFunction(const std::string &results, const std::string &region,
                          int count = 1) {
  return "func.func @f(%a: tensor<4x8xf32>) {\n"
         "  %r:" +
         std::to_string(count) + " = grad.fused(%a) : (tensor<4x8xf32>) -> " +
         results + " {\n  ^bb0(%x: tensor<4x8xf32>):\n" + region +
         "  }\n  return\n}\n";
}

TEST(Dialect, FusedReductionsShareTheirAxes) {
  EXPECT_THAT(
      errorsOf(fusedFunction(
          "(tensor<8xf32>, tensor<4xf32>)",
          "    %c = grad.reduce_sum %x {axes = array<i64: 0>} : "
          "tensor<4x8xf32> -> tensor<8xf32>\n"
          "    %d = grad.reduce_max %x {axes = array<i64: 1>} : "
          "tensor<4x8xf32> -> tensor<4xf32>\n"
          "    grad.yield %c, %d : tensor<8xf32>, tensor<4xf32>\n",
          2)),
      Contains(HasSubstr("reduces other axes than the other reductions of "
                         "its grad.fused op")));
}

TEST(Dialect, FusedReductionsAreOnlyYielded) {
  EXPECT_THAT(
      errorsOf(fusedFunction(
          "tensor<4x8xf32>",
          "    %c = grad.reduce_sum %x {axes = array<i64: 1>, keepdims = "
          "true} : tensor<4x8xf32> -> tensor<4x1xf32>\n"
          "    %b = grad.broadcast %c {shape = array<i64: 4, 8>} : "
          "tensor<4x1xf32> -> tensor<4x8xf32>\n"
          "    grad.yield %b : tensor<4x8xf32>\n")),
      Contains(HasSubstr("must be yielded and used by nothing else")));
}

TEST(Dialect, FusedRegionsHoldOnlyFusableOps) {
  EXPECT_THAT(errorsOf(fusedFunction(
                  "tensor<4x4xf32>",
                  "    %c = grad.matmul %x, %x {transpose_rhs = true} : "
                  "tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x4xf32>\n"
                  "    grad.yield %c : tensor<4x4xf32>\n")),
              Contains(HasSubstr("cannot be part of a grad.fused region")));
}

TEST(Dialect, PrettyAndGenericFormsRoundTrip) {
  Compiler compiler;
  const char *source =
      "func.func @f(%a: tensor<2x3xf32>, %y: tensor<2xi32>) -> tensor<f32> {\n"
      "  %s = grad.softmax %a {axis = 1 : i64} : tensor<2x3xf32>\n"
      "  %l = grad.softmax_cross_entropy %s, %y : tensor<2x3xf32>, "
      "tensor<2xi32> -> tensor<f32>\n"
      "  return %l : tensor<f32>\n}\n";
  auto module = compiler.parseMlir(source);
  ASSERT_TRUE(module);
  for (bool generic : {false, true}) {
    std::string printed;
    llvm::raw_string_ostream os(printed);
    mlir::OpPrintingFlags flags;
    if (generic)
      flags.printGenericOpForm();
    module->print(os, flags);
    auto reparsed = compiler.parseMlir(printed);
    ASSERT_TRUE(reparsed) << printed;
    std::string again;
    llvm::raw_string_ostream againOs(again);
    reparsed->print(againOs, flags);
    EXPECT_EQ(printed, again);
  }
}

} // namespace
