//===- BufferPlanTest.cpp - the buffer-plan verifier and the planner ------===//
//
// verifyBufferPlan must reject every plan in which two live buffers share
// bytes, except a write in place at the same offset; and the planner's
// plans must pass it.
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include "gradc/Pipeline/BufferPlan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace gradc;
using namespace gradc::test;
using ::testing::Contains;
using ::testing::HasSubstr;

namespace {

/// A planned function: %a = exp(x) at byte `aOffset`, then %b = %a + %a'
/// at byte `bOffset`, where %a' is %a read at the same index, or (with
/// `transposed`) read transposed; then the result is copied out.
std::string plannedFunction(int aOffset, int bOffset, bool transposed) {
  std::string readMap = transposed ? "#t" : "#id";
  return "#id = affine_map<(d0, d1) -> (d0, d1)>\n"
         "#t = affine_map<(d0, d1) -> (d1, d0)>\n"
         "func.func @f(%x: memref<4x4xf64>, %out: memref<4x4xf64>, "
         "%arena: memref<512xi8>) attributes {grad.entry = \"forward\"} {\n"
         "  %ca = arith.constant " + std::to_string(aOffset) + " : index\n"
         "  %cb = arith.constant " + std::to_string(bOffset) + " : index\n"
         "  %a = memref.view %arena[%ca][] : memref<512xi8> to memref<4x4xf64>\n"
         "  linalg.generic {indexing_maps = [#id, #id], iterator_types = "
         "[\"parallel\", \"parallel\"]} ins(%x : memref<4x4xf64>) outs(%a : "
         "memref<4x4xf64>) {\n"
         "  ^bb0(%in: f64, %o: f64):\n"
         "    %e = math.exp %in : f64\n"
         "    linalg.yield %e : f64\n"
         "  }\n"
         "  %b = memref.view %arena[%cb][] : memref<512xi8> to memref<4x4xf64>\n"
         "  linalg.generic {indexing_maps = [#id, " + readMap + ", #id], "
         "iterator_types = [\"parallel\", \"parallel\"]} ins(%a, %a : "
         "memref<4x4xf64>, memref<4x4xf64>) outs(%b : memref<4x4xf64>) {\n"
         "  ^bb0(%in: f64, %in2: f64, %o: f64):\n"
         "    %s = arith.addf %in, %in2 : f64\n"
         "    linalg.yield %s : f64\n"
         "  }\n"
         "  memref.copy %b, %out : memref<4x4xf64> to memref<4x4xf64>\n"
         "  return\n"
         "}\n";
}

/// The verifier's diagnostics for one planned function.
std::vector<std::string> verify(const std::string &text, bool &valid) {
  Compiler compiler;
  mlir::OwningOpRef<mlir::ModuleOp> module = compiler.parseMlir(text);
  EXPECT_TRUE(module);
  auto function = module->lookupSymbol<mlir::func::FuncOp>("f");
  valid = mlir::succeeded(verifyBufferPlan(function));
  return compiler.diagnostics();
}

TEST(BufferPlanVerifier, AcceptsDisjointBuffers) {
  bool valid = false;
  verify(plannedFunction(0, 128, false), valid);
  EXPECT_TRUE(valid);
}

TEST(BufferPlanVerifier, AcceptsAnInPlaceWriteAtTheSameOffset) {
  bool valid = false;
  verify(plannedFunction(0, 0, false), valid);
  EXPECT_TRUE(valid);
}

TEST(BufferPlanVerifier, RejectsAnInPlaceWriteAtAnotherOffset) {
  // The bug of issue 9, item 1: the output starts 64 bytes into its dying
  // input, so writing element 0 clobbers element 8 before it is read.
  bool valid = true;
  std::vector<std::string> errors = verify(plannedFunction(0, 64, false), valid);
  EXPECT_FALSE(valid);
  EXPECT_THAT(errors, Contains(HasSubstr("buffer plan: the buffer of "
                                         "linalg.generic (bytes 0..128")));
}

TEST(BufferPlanVerifier, RejectsAWriteOverAnInputReadElsewhere) {
  bool valid = true;
  verify(plannedFunction(0, 0, true), valid);
  EXPECT_FALSE(valid);
}

TEST(BufferPlanVerifier, PassesEveryPlanOfTheModels) {
  for (const char *name : {"mlp.grad", "mlp_fmnist.grad", "mlp_big.grad",
                           "mlp_small.grad", "mlp_adam.grad", "spiral.grad"}) {
    bool previous = verifyBufferPlans();
    setVerifyBufferPlans(true);
    Compiler compiler;
    auto module = compiler.importSource(readModel(name));
    ASSERT_TRUE(module) << name;
    auto model = compileToJit(*module, 1, rt::Entry::Step);
    setVerifyBufferPlans(previous);
    EXPECT_TRUE(model) << name;
    EXPECT_TRUE(compiler.diagnostics().empty()) << name;
  }
}

} // namespace
