//===- DispatchParallel.cpp - slice functions onto the runtime's threads --===//
//
// Runs last, on the LLVM dialect. For each function grad-outline-parallel
// marked (now `void(i64 begin, i64 end, ptr...)` under the bare-pointer
// convention) it adds a thunk of the runtime's loop-body type,
// `void(ptr buffers, i64 begin, i64 end)`, which loads the buffer pointers
// and calls it; each call of the function becomes
// gradc_parallel_for(thunk, buffers, begin, end), with the pointer array on
// the caller's stack.
//
//===----------------------------------------------------------------------===//
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

LLVM::LLVMFuncOp declareParallelFor(ModuleOp module) {
  if (auto existing =
          module.lookupSymbol<LLVM::LLVMFuncOp>(kParallelForFunction))
    return existing;
  auto b = OpBuilder::atBlockBegin(module.getBody());
  MLIRContext *context = module.getContext();
  Type ptr = LLVM::LLVMPointerType::get(context);
  Type i64 = IntegerType::get(context, 64);
  return b.create<LLVM::LLVMFuncOp>(
      module.getLoc(), kParallelForFunction,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                  {ptr, ptr, i64, i64}));
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

/// Replaces `call` (of a slice function) by a gradc_parallel_for call.
void dispatch(LLVM::CallOp call, LLVM::LLVMFuncOp thunk,
              LLVM::LLVMFuncOp parallelFor) {
  Location loc = call.getLoc();
  MLIRContext *context = call.getContext();
  Type ptr = LLVM::LLVMPointerType::get(context);
  ValueRange buffers = call.getArgOperands().drop_front(2);
  // The pointer array lives in the caller's entry block, so it is one
  // fixed stack slot however often the call runs.
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
  Value body = b.create<LLVM::AddressOfOp>(loc, thunk);
  b.create<LLVM::CallOp>(loc, parallelFor,
                         ValueRange{body, array, call.getArgOperands()[0],
                                    call.getArgOperands()[1]});
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
    LLVM::LLVMFuncOp parallelFor = declareParallelFor(module);
    DenseMap<StringRef, LLVM::LLVMFuncOp> thunks;
    for (LLVM::LLVMFuncOp body : bodies) {
      body->removeAttr(kParallelBodyAttr);
      thunks[body.getName()] = buildThunk(body, symbols);
    }
    SmallVector<LLVM::CallOp> calls;
    module.walk([&](LLVM::CallOp call) {
      auto callee = call.getCallee();
      if (callee && thunks.count(*callee) &&
          call->getParentOfType<LLVM::LLVMFuncOp>() != thunks[*callee])
        calls.push_back(call);
    });
    for (LLVM::CallOp call : calls)
      dispatch(call, thunks[*call.getCallee()], parallelFor);
  }
};

} // namespace
} // namespace gradc
