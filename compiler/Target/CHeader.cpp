//===- CHeader.cpp - the C interface of a model built as a library --------===//
#include "gradc/Target/CHeader.h"

#include "gradc/Pipeline/Kernels.h"
#include "gradc/Target/Object.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>

namespace gradc {
namespace {

constexpr int64_t kAlignment = 64;

const char *cType(rt::DType dtype) {
  switch (dtype) {
  case rt::DType::F32:
    return "float";
  case rt::DType::F64:
    return "double";
  case rt::DType::I32:
    return "int32_t";
  case rt::DType::I64:
    return "int64_t";
  case rt::DType::U8:
    return "uint8_t";
  }
  return "void";
}

/// A C identifier for a tensor name such as "w1.m".
std::string identifier(llvm::StringRef name) {
  std::string text;
  for (char c : name)
    text += llvm::isAlnum(c) ? c : '_';
  return text;
}

std::string macro(llvm::StringRef model, llvm::StringRef name) {
  return llvm::StringRef(identifier(model) + "_" + identifier(name)).upper();
}

std::string describe(const rt::TensorSpec &spec) {
  std::string text = rt::typeString(spec.dtype, spec.shape);
  if (!spec.init.kind.empty()) {
    text += ", init " + spec.init.kind;
    for (auto &[name, value] : spec.init.arguments) {
      char number[32];
      std::snprintf(number, sizeof(number), "%g", value);
      text += " " + name + "=" + number;
    }
  }
  if (spec.classes)
    text += ", classes 0.." + std::to_string(*spec.classes - 1);
  return text;
}

bool isState(const rt::TensorSpec &spec) {
  return spec.role == rt::TensorRole::Param ||
         spec.role == rt::TensorRole::State;
}

/// "parameter", or "parameter, updated in place" in the step.
std::string roleText(const rt::TensorSpec &spec, rt::Entry entry) {
  std::string text = rt::describeRole(spec.role);
  if (entry == rt::Entry::Step && isState(spec))
    text += ", updated in place";
  return text;
}

/// The parameters and optimizer state of the largest entry point, each at a
/// 64-byte-aligned offset of one block.
void printStateBlock(llvm::raw_ostream &os, const rt::Signature &largest) {
  os << "#define " << macro(largest.model, "ALIGNMENT") << " " << kAlignment
     << " /* of every buffer */\n\n";
  os << "/* Parameters and optimizer state, laid out in one block of "
     << macro(largest.model, "STATE_BYTES")
     << " bytes\n * (see the bind functions below). */\n";
  int64_t offset = 0;
  for (const rt::TensorSpec &spec : largest.arguments) {
    if (!isState(spec))
      continue;
    int64_t bytes = static_cast<int64_t>(rt::byteSize(spec.dtype, spec.shape));
    os << "#define " << macro(largest.model, spec.name + "_OFFSET") << " "
       << offset << " /* " << describe(spec) << " */\n";
    os << "#define " << macro(largest.model, spec.name + "_BYTES") << " "
       << bytes << "\n";
    offset += (bytes + kAlignment - 1) / kAlignment * kAlignment;
  }
  os << "#define " << macro(largest.model, "STATE_BYTES") << " " << offset
     << "\n\n";
}

void printEntry(llvm::raw_ostream &os, const rt::Signature &signature,
                rt::Entry entry) {
  std::string function = entryFunctionName(signature, entry);
  std::string type = function + "_operands";
  os << "/* " << function << ": the " << rt::entryName(entry)
     << " entry point. Every operand points to a row-major buffer aligned to "
     << kAlignment << " bytes. */\n";
  os << "typedef struct {\n";
  auto field = [&](const rt::TensorSpec &spec) {
    os << "  " << cType(spec.dtype) << " *" << identifier(spec.name) << "; /* "
       << roleText(spec, entry) << ": " << describe(spec) << " */\n";
  };
  for (const rt::TensorSpec &spec : signature.arguments)
    field(spec);
  for (const rt::TensorSpec &spec : signature.results)
    if (spec.role != rt::TensorRole::Update)
      field(spec);
  std::string arenaMacro = macro(function, "ARENA_BYTES");
  if (signature.arenaBytes > 0)
    os << "  void *arena; /* " << arenaMacro << " bytes of scratch */\n";
  os << "} " << type << ";\n";
  os << "#define " << arenaMacro << " " << signature.arenaBytes << "\n";
  os << "void " << function << "(" << type << " *operands);\n\n";
  os << "/* Points the parameter (and optimizer state) operands into `block`, "
        "laid out as above. */\n";
  os << "static inline void " << function << "_bind_state(" << type
     << " *operands, void *block) {\n";
  bool bound = false;
  for (const rt::TensorSpec &spec : signature.arguments)
    if (isState(spec)) {
      os << "  operands->" << identifier(spec.name) << " = ("
         << cType(spec.dtype) << " *)((char *)block + "
         << macro(signature.model, spec.name + "_OFFSET") << ");\n";
      bound = true;
    }
  if (!bound)
    os << "  (void)operands;\n  (void)block;\n";
  os << "}\n\n";
}

} // namespace

std::string emitCHeader(llvm::ArrayRef<rt::Entry> entries,
                        llvm::ArrayRef<rt::Signature> signatures) {
  std::string text;
  llvm::raw_string_ostream os(text);
  const rt::Signature &largest = signatures.back();
  std::string guard = macro("GRADC_MODEL", largest.model) + "_H";
  os << "/* " << largest.model << ".h: the C interface of " << largest.model
     << ".o, generated by gradc build --emit=lib.\n"
     << " * Link " << largest.model
     << ".o with libgradc_kernels.a and the C++ runtime (c++ ... -pthread). "
        "*/\n";
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n";
  os << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  os << "/* What libgradc_kernels.a offers the program that links this. */\n";
  for (const std::string &declaration : userKernelDeclarations())
    os << declaration << "\n";
  os << "\n";
  printStateBlock(os, largest);
  for (auto [entry, signature] : llvm::zip(entries, signatures))
    printEntry(os, signature, entry);
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return text;
}

} // namespace gradc
