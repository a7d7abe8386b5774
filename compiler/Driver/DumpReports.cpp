//===- DumpReports.cpp - gradc dump --stats and --memory ------------------===//
#include "DumpReports.h"

#include "gradc/Dialect/GradDialect.h"
#include "gradc/Model/Signature.h"
#include "gradc/Pipeline/BufferPlan.h"
#include "gradc/Pipeline/Pipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/Support/Format.h"

using namespace mlir;
using namespace llvm;

namespace gradc::driver {

namespace {

SmallVector<func::FuncOp> entries(ModuleOp module) {
  SmallVector<func::FuncOp> found;
  module.walk([&](func::FuncOp function) {
    if (function->hasAttr(attrs::kEntry))
      found.push_back(function);
  });
  return found;
}

/// Top-level ops, and those that become a loop nest or a runtime call:
/// grad ops other than constants and reshapes (views), linalg ops, and
/// calls (of the runtime's GEMM, or of a row-slice function).
std::pair<int, int> countOps(func::FuncOp function) {
  int ops = 0, kernels = 0;
  for (Operation &op : function.getBody().front()) {
    if (op.hasTrait<OpTrait::IsTerminator>() ||
        op.hasTrait<OpTrait::ConstantLike>())
      continue;
    ++ops;
    kernels +=
        isa<linalg::LinalgOp, func::CallOp>(op) ||
        (isa<grad::GradDialect>(op.getDialect()) && !isa<grad::ReshapeOp>(op));
  }
  return {ops, kernels};
}

int64_t bytesOf(Type type) {
  auto shaped = cast<ShapedType>(type);
  return shaped.getNumElements() * (shaped.getElementTypeBitWidth() / 8);
}

} // namespace

LogicalResult printStats(ModuleOp module, raw_ostream &os) {
  os << format(
      "%-24s %-22s %6s %8s\n", static_cast<const char *>("entry point"),
      static_cast<const char *>("after"), static_cast<const char *>("ops"),
      static_cast<const char *>("kernels"));
  for (StringRef stage :
       {"cse", "grad-fuse", "grad-to-linalg", "grad-outline-parallel"}) {
    if (failed(runPipeline(module, *findStep(stage))))
      return failure();
    for (func::FuncOp function : entries(module)) {
      auto [ops, kernels] = countOps(function);
      os << format("%-24s %-22s %6d %8d\n", function.getSymName().str().c_str(),
                   stage.str().c_str(), ops, kernels);
    }
  }
  return success();
}

LogicalResult printMemory(ModuleOp module, raw_ostream &os) {
  if (failed(runPipeline(module, *findStep("one-shot-bufferize"))))
    return failure();
  for (func::FuncOp function : entries(module)) {
    FailureOr<BufferPlan> plan = planBuffers(function);
    if (failed(plan))
      return failure();
    os << "== " << function.getSymName() << ": " << plan->buffers.size()
       << " temporary buffers\n";
    os << format("  %-40s %12s %12s %12s\n",
                 static_cast<const char *>("producer"),
                 static_cast<const char *>("bytes"),
                 static_cast<const char *>("live range"),
                 static_cast<const char *>("offset"));
    for (const PlannedBuffer &buffer : plan->buffers)
      os << format("  %-40s %12lld %5lld..%-6lld %12lld\n",
                   describeProducer(buffer.uses).c_str(), (long long)buffer.bytes,
                   (long long)buffer.uses.first, (long long)buffer.uses.last,
                   (long long)buffer.offset);
    int64_t params = 0, state = 0;
    for (BlockArgument argument : function.getArguments()) {
      if (function.getArgAttr(argument.getArgNumber(), attrs::kParam))
        params += bytesOf(argument.getType());
      if (function.getArgAttr(argument.getArgNumber(), attrs::kState))
        state += bytesOf(argument.getType());
    }
    double ratio = plan->naiveBytes
                       ? double(plan->arenaBytes) / double(plan->naiveBytes)
                       : 0.0;
    os << format("  arena %lld bytes; every buffer apart: %lld bytes (arena "
                 "%.2fx); parameters %lld bytes, optimizer state %lld bytes\n",
                 (long long)plan->arenaBytes, (long long)plan->naiveBytes,
                 ratio, (long long)params, (long long)state);
  }
  return success();
}

} // namespace gradc::driver
