//===- DispatchParallel.cpp - slice functions onto the runtime's threads --===//
//
// Runs last, on the LLVM dialect. For each function grad-outline-parallel
// marked (now `void(i64 begin, i64 end, ptr...)` under the bare-pointer
// convention) it adds a thunk of the runtime's loop-body type,
// `void(ptr buffers, i64 begin, i64 end)`, which loads the buffer pointers
// and calls it; each call of the function becomes
// gradc_parallel_for(thunk, buffers, begin, end), with the pointer array on
// the caller's stack. A GEMM epilogue's call instead joins the GEMM call
// before it: gradc_matmul_epilogue_f32/f64(GEMM operands..., thunk,
// buffers) runs it on each block of rows the GEMM has finished.
//
//===----------------------------------------------------------------------===//
#include "gradc/Pipeline/Kernels.h"
#include "gradc/Pipeline/ParallelLoops.h"
#include "gradc/Pipeline/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace gradc {
#define GEN_PASS_DEF_DISPATCHPARALLEL
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

/// The runtime GEMM call an epilogue's call follows, if any.
LLVM::CallOp gemmBefore(LLVM::CallOp call) {
  for (Operation *op = call->getPrevNode(); op; op = op->getPrevNode())
    if (auto previous = dyn_cast<LLVM::CallOp>(op)) {
      std::optional<Kernel> kernel;
      if (auto callee = previous.getCallee())
        kernel = kernelNamed(*callee);
      return kernel && withEpilogue(*kernel) ? previous : nullptr;
    }
  return nullptr;
}

/// Builds `body`'s thunk: void @<body>_slice(ptr buffers, i64 begin, i64 end).
LLVM::LLVMFuncOp buildThunk(LLVM::LLVMFuncOp body, SymbolTable &symbols) {
  MLIRContext *context = body.getContext();
  Location loc = body.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(context);
  Type i64 = IntegerType::get(context, 64);
  OpBuilder b(context);
  auto thunk = b.create<LLVM::LLVMFuncOp>(
      loc, (body.getName() + "_slice").str(),
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                  {ptr, i64, i64}));
  symbols.insert(thunk, std::next(Block::iterator(body)));
  thunk.setLinkage(LLVM::Linkage::Internal);
  Block *entry = thunk.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  SmallVector<Value> arguments = {entry->getArgument(1), entry->getArgument(2)};
  unsigned buffers = body.getNumArguments() - 2;
  for (unsigned index = 0; index < buffers; ++index) {
    Value slot = b.create<LLVM::GEPOp>(loc, ptr, ptr, entry->getArgument(0),
                                       ArrayRef<LLVM::GEPArg>{index});
    arguments.push_back(b.create<LLVM::LoadOp>(loc, ptr, slot));
  }
  b.create<LLVM::CallOp>(loc, body, arguments);
  b.create<LLVM::ReturnOp>(loc, ValueRange());
  return thunk;
}

/// The address of an array, in the caller's entry block (one fixed stack
/// slot however often the call runs), filled with `buffers` right before
/// `call`.
Value pointerArray(LLVM::CallOp call, ValueRange buffers) {
  Location loc = call.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(call.getContext());
  auto caller = call->getParentOfType<LLVM::LLVMFuncOp>();
  OpBuilder b = OpBuilder::atBlockBegin(&caller.getBody().front());
  Value count =
      b.create<LLVM::ConstantOp>(loc, b.getI64Type(), b.getI64IntegerAttr(1));
  Value array = b.create<LLVM::AllocaOp>(
      loc, ptr, LLVM::LLVMArrayType::get(ptr, buffers.size()), count);
  b.setInsertionPoint(call);
  for (auto [index, buffer] : llvm::enumerate(buffers)) {
    Value slot = b.create<LLVM::GEPOp>(
        loc, ptr, ptr, array,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
    b.create<LLVM::StoreOp>(loc, buffer, slot);
  }
  return array;
}

/// Replaces `call` (of a slice function) by a call of the runtime that runs
/// `thunk` over its rows: gradc_parallel_for, or the GEMM before it.
void dispatch(LLVM::CallOp call, LLVM::LLVMFuncOp thunk) {
  auto module = call->getParentOfType<ModuleOp>();
  Value array = pointerArray(call, call.getArgOperands().drop_front(2));
  OpBuilder b(call);
  Value body = b.create<LLVM::AddressOfOp>(call.getLoc(), thunk);
  auto callee = module.lookupSymbol<LLVM::LLVMFuncOp>(*call.getCallee());
  LLVM::CallOp gemm =
      callee->hasAttr(kGemmEpilogueAttr) ? gemmBefore(call) : nullptr;
  if (gemm) {
    SmallVector<Value> operands(gemm.getArgOperands());
    operands.append({body, array});
    Kernel kernel = *withEpilogue(*kernelNamed(*gemm.getCallee()));
    b.create<LLVM::CallOp>(call.getLoc(), declareLLVMKernel(module, kernel),
                           operands);
    gemm.erase();
  } else {
    b.create<LLVM::CallOp>(
        call.getLoc(), declareLLVMKernel(module, Kernel::gradc_parallel_for),
        ValueRange{body, array, call.getArgOperands()[0],
                   call.getArgOperands()[1]});
  }
  call.erase();
}

struct DispatchParallelPass : impl::DispatchParallelBase<DispatchParallelPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::LLVMFuncOp> bodies;
    for (auto function : module.getOps<LLVM::LLVMFuncOp>())
      if (function->hasAttr(kParallelBodyAttr))
        bodies.push_back(function);
    if (bodies.empty())
      return;
    SymbolTable symbols(module);
    DenseMap<StringRef, LLVM::LLVMFuncOp> thunks;
    for (LLVM::LLVMFuncOp body : bodies)
      thunks[body.getName()] = buildThunk(body, symbols);
    SmallVector<LLVM::CallOp> calls;
    module.walk([&](LLVM::CallOp call) {
      auto callee = call.getCallee();
      if (callee && thunks.count(*callee) &&
          call->getParentOfType<LLVM::LLVMFuncOp>() != thunks[*callee])
        calls.push_back(call);
    });
    for (LLVM::CallOp call : calls)
      dispatch(call, thunks[*call.getCallee()]);
    // Only the thunks call the bodies now: internal, LLVM inlines each
    // into its thunk and compiles it once.
    for (LLVM::LLVMFuncOp body : bodies) {
      body->removeAttr(kParallelBodyAttr);
      body->removeAttr(kGemmEpilogueAttr);
      body.setLinkage(LLVM::Linkage::Internal);
    }
  }
};

} // namespace
} // namespace gradc
