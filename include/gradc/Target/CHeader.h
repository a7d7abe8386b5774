//===- CHeader.h - the C interface of a model built as a library -*- C++
//-*-===//
#ifndef GRADC_TARGET_CHEADER_H
#define GRADC_TARGET_CHEADER_H

#include "gradc/Runtime/Signature.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace gradc {

/// A C header declaring `<model>_<entry>(<model>_<entry>_operands *)` for
/// each entry point, with one struct field per operand, the arena size, and
/// a layout of parameters and optimizer state in one 64-byte-aligned block.
/// The entry with the most arguments (the step) comes last.
std::string emitCHeader(llvm::ArrayRef<rt::Entry> entries,
                        llvm::ArrayRef<rt::Signature> signatures);

} // namespace gradc

#endif // GRADC_TARGET_CHEADER_H
