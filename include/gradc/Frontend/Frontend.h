//===- Frontend.h - .grad files to the grad dialect --------------*- C++
//-*-===//
#ifndef GRADC_FRONTEND_FRONTEND_H
#define GRADC_FRONTEND_FRONTEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

namespace gradc {

struct ImportOptions {
  /// Read every f32 as f64 (for gradient checking).
  bool promoteToF64 = false;
};

/// Parses the main buffer of `sourceMgr` (a .grad model) into a module with
/// one grad function. Every error in the file is reported through the
/// context's diagnostic handler; returns null if there was any.
mlir::OwningOpRef<mlir::ModuleOp> importModel(const llvm::SourceMgr &sourceMgr,
                                              mlir::MLIRContext *context,
                                              ImportOptions options = {});

} // namespace gradc

#endif // GRADC_FRONTEND_FRONTEND_H
