//===- Buffers.cpp - host memory for one call of an entry point -----------===//
#include "gradc/Runtime/Buffers.h"

#include "gradc/Runtime/Init.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <fmt/format.h>
#include <unistd.h>

namespace gradc::rt {

namespace {

std::string typeString(const TensorSpec &spec) {
  return rt::typeString(spec.dtype, spec.shape);
}

bool isFloat(DType dtype) { return dtype == DType::F32 || dtype == DType::F64; }

double element(const Tensor &tensor, int64_t i) {
  switch (tensor.dtype) {
  case DType::F32:
    return tensor.data<float>()[i];
  case DType::F64:
    return tensor.data<double>()[i];
  case DType::I32:
    return tensor.data<int32_t>()[i];
  case DType::I64:
    return static_cast<double>(tensor.data<int64_t>()[i]);
  case DType::U8:
    return tensor.data<uint8_t>()[i];
  }
  return 0;
}

/// NumPy writes float64 and int64 by default; convert within a kind (floats
/// round to f32, integers must fit) so users need not cast their files.
Expected<Tensor> convert(const Tensor &from, DType to,
                         const std::string &origin) {
  Tensor result(to, from.shape);
  for (int64_t i = 0; i < from.numElements(); ++i) {
    double value = element(from, i);
    switch (to) {
    case DType::F32:
      if (std::isfinite(value) && std::abs(value) > FLT_MAX)
        return Expected<Tensor>::failure(
            origin + ": element " + std::to_string(i) + " (" +
            fmt::format(FMT_STRING("{:g}"), value) +
            ") is beyond f32's range (" +
            fmt::format(FMT_STRING("{:g}"), FLT_MAX) + ")");
      result.data<float>()[i] = static_cast<float>(value);
      break;
    case DType::F64:
      result.data<double>()[i] = value;
      break;
    case DType::I32:
      if (value != std::trunc(value) || std::abs(value) > 2147483647.0)
        return Expected<Tensor>::failure(
            origin + ": element " + std::to_string(i) + " (" +
            std::to_string(value) + ") does not fit in i32");
      result.data<int32_t>()[i] = static_cast<int32_t>(value);
      break;
    case DType::I64:
      result.data<int64_t>()[i] = static_cast<int64_t>(value);
      break;
    case DType::U8:
      if (value < 0 || value > 255)
        return Expected<Tensor>::failure(
            origin + ": element " + std::to_string(i) + " (" +
            fmt::format(FMT_STRING("{:g}"), value) + ") does not fit in u8");
      result.data<uint8_t>()[i] = static_cast<uint8_t>(value);
      break;
    }
  }
  return result;
}

/// Inputs must be finite, and labels of classes must index one: a NaN in
/// the data, or label 1000000 of 10 classes, would otherwise surface as a
/// meaningless loss.
Status checkValues(const TensorSpec &spec, const Tensor &tensor,
                   const std::string &origin) {
  bool isInput = spec.role == TensorRole::Input && isFloat(spec.dtype);
  bool isLabel = spec.role == TensorRole::Label && spec.classes;
  if (!isInput && !isLabel)
    return ok();
  for (int64_t i = 0; i < tensor.numElements(); ++i) {
    double value = element(tensor, i);
    if (isInput && !std::isfinite(value))
      return Status::failure(origin + ": element " + std::to_string(i) +
                             " of input '" + spec.name + "' is " +
                             fmt::format(FMT_STRING("{:g}"), value) +
                             "; inputs must be finite numbers");
    if (isLabel && !(value >= 0 && value < double(*spec.classes)))
      return Status::failure(
          origin + ": element " + std::to_string(i) + " of label '" +
          spec.name + "' is " + fmt::format(FMT_STRING("{:g}"), value) +
          ", not a class index 0 to " + std::to_string(*spec.classes - 1));
  }
  return ok();
}

} // namespace

Status checkFitsInMemory(const Signature &entry) {
  uint64_t bytes = uint64_t(std::max<int64_t>(entry.arenaBytes, 0));
  for (const auto *specs : {&entry.arguments, &entry.results})
    for (const TensorSpec &spec : *specs)
      bytes += byteSize(spec.dtype, spec.shape);
  long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || pageSize <= 0)
    return ok(); // unknown: let the allocation decide
  uint64_t memory = uint64_t(pages) * uint64_t(pageSize);
  if (bytes <= memory)
    return ok();
  auto gigabytes = [](uint64_t n) {
    return fmt::format(FMT_STRING("{:.1f} GB"), double(n) / 1e9);
  };
  std::string arena = entry.arenaBytes > 0
                          ? " (" + gigabytes(uint64_t(entry.arenaBytes)) +
                                " of it for intermediate values)"
                          : "";
  // Users know the model, not the entry points' symbols.
  bool isStep = std::any_of(
      entry.results.begin(), entry.results.end(),
      [](const TensorSpec &spec) { return spec.role == TensorRole::Update; });
  std::string what = isStep ? "training " + entry.model : entry.model;
  return Status::failure(what + " needs " + gigabytes(bytes) + " of memory" +
                         arena + ", more than this machine's " +
                         gigabytes(memory) +
                         "; make the batch or the layers smaller");
}

Tensor allocate(const TensorSpec &spec) {
  return Tensor(spec.dtype, spec.shape);
}

Buffers::Buffers(const Signature &signature)
    : signature(signature), loaded(signature.arguments.size(), false) {
  for (const TensorSpec &spec : signature.arguments)
    argumentTensors.push_back(allocate(spec));
  // Updates are written into the argument they replace: no buffer of their
  // own, and no place in the call.
  for (const TensorSpec &spec : signature.results)
    if (spec.role != TensorRole::Update)
      resultTensors.push_back(allocate(spec));
  if (signature.arenaBytes > 0)
    arena = Tensor(DType::U8, {signature.arenaBytes});
}

Status Buffers::assign(size_t argument, Tensor tensor,
                       const std::string &origin) {
  const TensorSpec &spec = signature.arguments[argument];
  std::string declared = std::string(describeRole(spec.role)) + " '" +
                         spec.name + "' is " + typeString(spec) +
                         " in the model";
  if (tensor.shape != spec.shape)
    return Status::failure(origin + ": " + declared + " but " +
                           tensor.typeString() + " here");
  if (tensor.dtype != spec.dtype) {
    bool sameKind = isFloat(tensor.dtype) == isFloat(spec.dtype);
    if (!sameKind)
      return Status::failure(origin + ": " + declared + " but " +
                             tensor.typeString() + " here");
    auto converted = convert(tensor, spec.dtype, origin);
    if (!converted)
      return Status::failure(converted.error());
    tensor = std::move(*converted);
  }
  if (Status status = checkValues(spec, tensor, origin); !status)
    return status;
  argumentTensors[argument] = std::move(tensor);
  loaded[argument] = true;
  return ok();
}

Status Buffers::initializeParams(uint64_t seed) {
  for (size_t i = 0; i < signature.arguments.size(); ++i) {
    const TensorSpec &spec = signature.arguments[i];
    if (spec.role != TensorRole::Param && spec.role != TensorRole::State)
      continue;
    if (Status status =
            initialize(spec.init, spec.name, seed, argumentTensors[i]);
        !status)
      return status;
    loaded[i] = true;
  }
  return ok();
}

NamedTensors Buffers::params(bool withState) const {
  NamedTensors result;
  for (size_t i = 0; i < signature.arguments.size(); ++i) {
    TensorRole role = signature.arguments[i].role;
    if (role == TensorRole::Param || (withState && role == TensorRole::State))
      result.emplace_back(signature.arguments[i].name, argumentTensors[i]);
  }
  return result;
}

Tensor *Buffers::find(const std::string &name) {
  for (size_t i = 0; i < signature.arguments.size(); ++i)
    if (signature.arguments[i].name == name)
      return &argumentTensors[i];
  return findResult(name);
}

Tensor *Buffers::findResult(const std::string &name) {
  return rt::findResult(signature, resultTensors, name);
}

Tensor *findResult(const Signature &entry, std::vector<Tensor> &results,
                   const std::string &name) {
  size_t buffer = 0;
  for (const TensorSpec &spec : entry.results) {
    if (spec.role == TensorRole::Update)
      continue;
    if (spec.name == name)
      return &results[buffer];
    ++buffer;
  }
  return nullptr;
}

Status Buffers::loadParams(const std::string &path, bool withState) {
  auto file = readSafetensors(path);
  if (!file)
    return Status::failure(file.error());
  return loadParams(*file, path, withState);
}

Status Buffers::loadParams(NamedTensors &tensors, const std::string &path,
                           bool withState) {
  for (size_t i = 0; i < signature.arguments.size(); ++i) {
    const TensorSpec &spec = signature.arguments[i];
    if (spec.role != TensorRole::Param &&
        !(withState && spec.role == TensorRole::State))
      continue;
    auto match = std::find_if(tensors.begin(), tensors.end(), [&](auto &entry) {
      return entry.first == spec.name;
    });
    if (match == tensors.end())
      return Status::failure(
          path + ": no tensor named '" + spec.name + "' for " +
          describeRole(spec.role) + " " + spec.name + " : " + typeString(spec) +
          (spec.role == TensorRole::Param
               ? " (create a parameter file with 'gradc init')"
               : " (the file was written for another optimizer, or by an "
                 "older gradc)"));
    Status status =
        assign(i, std::move(match->second), path + " ['" + spec.name + "']");
    if (!status)
      return status;
  }
  return ok();
}

Status Buffers::loadInput(const std::string &name, const std::string &path) {
  auto tensor = readNpy(path);
  if (!tensor)
    return Status::failure(tensor.error());
  return setInput(name, std::move(*tensor), path);
}

Status Buffers::setInput(const std::string &name, Tensor tensor,
                         const std::string &origin) {
  std::string known;
  for (size_t i = 0; i < signature.arguments.size(); ++i) {
    const TensorSpec &spec = signature.arguments[i];
    if (spec.role != TensorRole::Input && spec.role != TensorRole::Label)
      continue;
    if (spec.name == name)
      return assign(i, std::move(tensor), origin);
    known += (known.empty() ? "" : ", ") + spec.name;
  }
  return Status::failure("the model has no input or label named '" + name +
                         "' (it has: " + known + ")");
}

void Buffers::fillMissingInputsRandomly(uint64_t seed) {
  Rng rng(seed);
  for (size_t i = 0; i < signature.arguments.size(); ++i) {
    const TensorSpec &spec = signature.arguments[i];
    if (loaded[i] ||
        (spec.role != TensorRole::Input && spec.role != TensorRole::Label))
      continue;
    Tensor &tensor = argumentTensors[i];
    // Labels without a known class count get 0 or 1.
    uint64_t classes = static_cast<uint64_t>(spec.classes.value_or(2));
    for (int64_t e = 0; e < tensor.numElements(); ++e) {
      switch (tensor.dtype) {
      case DType::F32:
        tensor.data<float>()[e] = static_cast<float>(rng.normal());
        break;
      case DType::F64:
        tensor.data<double>()[e] = rng.normal();
        break;
      case DType::I32:
        tensor.data<int32_t>()[e] = static_cast<int32_t>(rng.next() % classes);
        break;
      case DType::I64:
        tensor.data<int64_t>()[e] = static_cast<int64_t>(rng.next() % classes);
        break;
      case DType::U8:
        tensor.data<uint8_t>()[e] = static_cast<uint8_t>(rng.next());
        break;
      }
    }
    loaded[i] = true;
  }
}

Status Buffers::checkAllInputsLoaded() const {
  for (size_t i = 0; i < signature.arguments.size(); ++i) {
    const TensorSpec &spec = signature.arguments[i];
    if (!loaded[i] &&
        (spec.role == TensorRole::Input || spec.role == TensorRole::Label))
      return Status::failure("missing --input " + spec.name + "=FILE.npy for " +
                             describeRole(spec.role) + " " + spec.name + " : " +
                             typeString(spec));
  }
  return ok();
}

std::vector<void *> Buffers::pointersFor(const Signature &entry,
                                         std::vector<Tensor> &results) {
  std::vector<void *> pointers;
  for (const TensorSpec &spec : entry.arguments) {
    Tensor *tensor = find(spec.name);
    if (!tensor)
      return {}; // not an entry point of this model
    pointers.push_back(tensor->bytes.data());
  }
  results.clear();
  for (const TensorSpec &spec : entry.results)
    if (spec.role != TensorRole::Update)
      results.push_back(allocate(spec));
  if (entry.arenaBytes > 0)
    results.push_back(Tensor(DType::U8, {entry.arenaBytes}));
  for (Tensor &tensor : results)
    pointers.push_back(tensor.bytes.data());
  return pointers;
}

std::vector<void *> Buffers::pointers() {
  std::vector<void *> result;
  for (Tensor &tensor : argumentTensors)
    result.push_back(tensor.bytes.data());
  for (Tensor &tensor : resultTensors)
    result.push_back(tensor.bytes.data());
  if (signature.arenaBytes > 0)
    result.push_back(arena.bytes.data());
  return result;
}

} // namespace gradc::rt
