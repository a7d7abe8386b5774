//===- RowSlices.cpp - loop nests as functions over a slice of rows -------===//
//
// A linalg.generic on buffers whose outermost loop is parallel moves into a
// function computing rows [begin, end) of that loop: each buffer the loop
// indexes by its first dimension becomes a subview of those rows. The call
// left in its place covers every row, so the result is correct on its own;
// the runtime later runs the rows in slices (see ParallelLoops.h).
//
// The function takes the entry point's own buffers (arguments, the arena),
// never views of them: the bare-pointer calling convention passes only a
// base pointer, so arena views are rebuilt inside from their constant
// offsets.
//
//===----------------------------------------------------------------------===//
#include "gradc/Pipeline/BufferPlan.h"
#include "gradc/Pipeline/ParallelLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace gradc {
namespace {

/// The values the loop body uses from outside, all constants (hoisted
/// there by canonicalization), or failure.
FailureOr<llvm::SetVector<Value>> constantsUsedBy(linalg::GenericOp loop) {
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(loop.getRegion(), captured);
  if (!llvm::all_of(captured, [](Value value) {
        Operation *producer = value.getDefiningOp();
        return producer && producer->hasTrait<OpTrait::ConstantLike>();
      }))
    return failure();
  return captured;
}

/// Rows [begin, end) of `buffer` along the positions `map` reads the first
/// loop dimension at; `buffer` itself when it does not depend on it.
Value sliceOf(OpBuilder &b, Location loc, Value buffer, AffineMap map,
              Value begin, Value size) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  bool sliced = false;
  for (auto [position, expr] : llvm::enumerate(map.getResults())) {
    bool isFirstLoop = expr == b.getAffineDimExpr(0);
    sliced |= isFirstLoop;
    offsets.push_back(isFirstLoop ? OpFoldResult(begin) : b.getIndexAttr(0));
    sizes.push_back(isFirstLoop ? OpFoldResult(size)
                                : b.getIndexAttr(type.getDimSize(position)));
    strides.push_back(b.getIndexAttr(1));
  }
  if (!sliced)
    return buffer;
  return b.create<memref::SubViewOp>(loc, buffer, offsets, sizes, strides);
}

/// `buffer` inside the outlined function: its root argument, or the same
/// views and reshapes of it (see rootOf), with their constant offsets.
Value rebuildView(OpBuilder &b, Value buffer, IRMapping &inside) {
  if (Value known = inside.lookupOrNull(buffer))
    return known;
  Operation *derivation = buffer.getDefiningOp();
  for (Value operand : derivation->getOperands()) {
    if (isa<MemRefType>(operand.getType()))
      rebuildView(b, operand, inside);
    else if (!inside.contains(operand))
      b.clone(*operand.getDefiningOp(), inside);
  }
  return b.clone(*derivation, inside)->getResult(0);
}

std::string uniqueName(SymbolTable &symbols, const Twine &base) {
  for (unsigned index = 0;; ++index) {
    std::string name = (base + Twine(index)).str();
    if (!symbols.lookup(name))
      return name;
  }
}

} // namespace

bool canSliceRows(linalg::GenericOp loop) {
  if (!loop.hasPureBufferSemantics() || loop.getNumLoops() == 0 ||
      loop.getIteratorTypesArray()[0] != utils::IteratorType::parallel)
    return false;
  int64_t rows = loop.getStaticLoopRanges()[0];
  return rows >= 2 && !ShapedType::isDynamic(rows) &&
         succeeded(constantsUsedBy(loop)) &&
         llvm::all_of(loop->getOperands(), [](Value operand) {
           auto type = dyn_cast<MemRefType>(operand.getType());
           return type && type.hasStaticShape() &&
                  type.getLayout().isIdentity() && rootOf(operand);
         });
}

func::CallOp sliceRows(linalg::GenericOp loop, SymbolTable &symbols) {
  auto parent = loop->getParentOfType<func::FuncOp>();
  Location loc = loop.getLoc();
  llvm::SetVector<Value> roots;
  for (Value operand : loop->getOperands())
    roots.insert(rootOf(operand)->argument);
  // func.func @<parent>_loop<N>(%begin, %end, roots...)
  MLIRContext *context = loop.getContext();
  SmallVector<Type> argumentTypes = {IndexType::get(context),
                                     IndexType::get(context)};
  llvm::append_range(argumentTypes, ValueRange(roots.getArrayRef()).getTypes());
  OpBuilder b(context);
  auto body = b.create<func::FuncOp>(
      loc, uniqueName(symbols, parent.getSymName() + "_loop"),
      b.getFunctionType(argumentTypes, {}));
  symbols.insert(body);
  body.setPrivate();
  body->setAttr(kParallelBodyAttr, b.getUnitAttr());
  Block *entry = body.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value begin = entry->getArgument(0), end = entry->getArgument(1);
  Value size = b.create<arith::SubIOp>(loc, end, begin);
  IRMapping inside; // roots and their views, inside the function
  for (auto [root, argument] :
       llvm::zip(roots, entry->getArguments().drop_front(2)))
    inside.map(root, argument);
  llvm::SetVector<Value> constants = *constantsUsedBy(loop);
  for (Value constant : constants)
    b.clone(*constant.getDefiningOp(), inside);
  SmallVector<Value> slices;
  for (OpOperand &operand : loop->getOpOperands())
    slices.push_back(sliceOf(b, loc, rebuildView(b, operand.get(), inside),
                             loop.getMatchingIndexingMap(&operand), begin,
                             size));
  Operation *slice = b.clone(*loop, inside);
  slice->setOperands(slices);
  b.create<func::ReturnOp>(loc);
  // The call over every row.
  b.setInsertionPoint(loop);
  SmallVector<Value> arguments = {
      b.create<arith::ConstantIndexOp>(loc, 0),
      b.create<arith::ConstantIndexOp>(loc, loop.getStaticLoopRanges()[0])};
  llvm::append_range(arguments, roots);
  auto call = b.create<func::CallOp>(loc, body, arguments);
  loop.erase();
  return call;
}

} // namespace gradc
