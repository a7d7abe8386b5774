//===- Manifest.h - a compiled model's signatures as JSON -------*- C++ -*-===//
//
// `gradc build` embeds the signatures of the entry points it compiled in the
// program as JSON text; the program reads them back to lay out buffers and
// drive training exactly as `gradc train` does.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_RUNTIME_MANIFEST_H
#define GRADC_RUNTIME_MANIFEST_H

#include "gradc/Runtime/Signature.h"

#include <string>
#include <vector>

namespace gradc::rt {

std::string manifestToJson(const std::vector<Signature> &signatures);
Expected<std::vector<Signature>> manifestFromJson(const std::string &json);

} // namespace gradc::rt

#endif // GRADC_RUNTIME_MANIFEST_H
