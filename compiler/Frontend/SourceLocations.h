//===- SourceLocations.h - from buffer positions to MLIR locations -*- C++
//-*-===//
#ifndef GRADC_COMPILER_FRONTEND_SOURCELOCATIONS_H
#define GRADC_COMPILER_FRONTEND_SOURCELOCATIONS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/SourceMgr.h"

namespace gradc::frontend {

/// Turns positions in the main buffer into file:line:col locations, and
/// counts the errors reported through it.
class SourceLocations {
public:
  SourceLocations(const llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context)
      : sourceMgr(sourceMgr), context(context) {}

  mlir::Location get(llvm::SMLoc loc) const {
    unsigned buffer = sourceMgr.getMainFileID();
    auto [line, column] = sourceMgr.getLineAndColumn(loc, buffer);
    return mlir::FileLineColLoc::get(
        context, sourceMgr.getMemoryBuffer(buffer)->getBufferIdentifier(), line,
        column);
  }

  mlir::InFlightDiagnostic error(mlir::Location loc) {
    ++errors;
    return mlir::emitError(loc);
  }
  mlir::InFlightDiagnostic error(llvm::SMLoc loc) { return error(get(loc)); }
  /// Records an error that someone else (a shape rule) already reported.
  void countError() { ++errors; }
  unsigned errorCount() const { return errors; }
  /// Like compilers' -ferror-limit: past this many errors the parser and the
  /// emitter stop, so that a broken file reports quickly.
  static constexpr unsigned kErrorLimit = 20;
  bool atErrorLimit() const { return errors >= kErrorLimit; }

  mlir::MLIRContext *getContext() const { return context; }
  llvm::StringRef buffer() const {
    return sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer();
  }

private:
  const llvm::SourceMgr &sourceMgr;
  mlir::MLIRContext *context;
  unsigned errors = 0;
};

} // namespace gradc::frontend

#endif // GRADC_COMPILER_FRONTEND_SOURCELOCATIONS_H
