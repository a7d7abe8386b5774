//===- Tensor.cpp - host tensors, .npy and safetensors files --------------===//
#include "gradc/Runtime/Tensor.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <regex>
#include <sstream>

namespace gradc::rt {

size_t sizeOf(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::U8:
    return 1;
  }
  return 0;
}

const char *name(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  case DType::U8:
    return "u8";
  }
  return "?";
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape)
    : dtype(dtype), shape(std::move(shape)) {
  bytes.resize(static_cast<size_t>(numElements()) * sizeOf(dtype));
}

int64_t Tensor::numElements() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1},
                         std::multiplies<int64_t>());
}

std::string Tensor::typeString() const {
  return gradc::rt::typeString(dtype, shape);
}

double Tensor::scalar() const {
  return dtype == DType::F64 ? data<double>()[0] : data<float>()[0];
}

void Tensor::setScalar(double value) {
  if (dtype == DType::F64)
    data<double>()[0] = value;
  else
    data<float>()[0] = static_cast<float>(value);
}

std::string typeString(DType dtype, const std::vector<int64_t> &shape) {
  std::string text = std::string(name(dtype)) + "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

size_t byteSize(DType dtype, const std::vector<int64_t> &shape) {
  return static_cast<size_t>(std::accumulate(shape.begin(), shape.end(),
                                             int64_t{1},
                                             std::multiplies<int64_t>())) *
         sizeOf(dtype);
}

namespace {

Expected<std::string> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Expected<std::string>::failure(
        path + ": cannot open file: " + std::strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

/// Tensor sizes must be non-negative and small enough to count in bytes.
bool validShape(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0 || (dim > 0 && count > (int64_t{1} << 48) / dim))
      return false;
    count *= dim;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// .npy: magic, version, a Python-literal header dict, raw data.
//===----------------------------------------------------------------------===//

constexpr char kNpyMagic[] = "\x93NUMPY";

struct NpyDescr {
  const char *code;
  DType dtype;
};
constexpr NpyDescr kNpyDescrs[] = {{"<f4", DType::F32},
                                   {"<f8", DType::F64},
                                   {"<i4", DType::I32},
                                   {"<i8", DType::I64},
                                   {"|u1", DType::U8}};

/// The header is a Python dict literal; rewritten as JSON it can be read by
/// the JSON library: quotes, booleans, tuples and trailing commas.
Expected<nlohmann::json> parseNpyHeader(std::string header) {
  for (char &c : header)
    c = c == '\'' ? '"' : c == '(' ? '[' : c == ')' ? ']' : c;
  header = std::regex_replace(header, std::regex("True"), "true");
  header = std::regex_replace(header, std::regex("False"), "false");
  header = std::regex_replace(header, std::regex(",\\s*([\\]}])"), "$1");
  nlohmann::json json = nlohmann::json::parse(header, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return Expected<nlohmann::json>::failure("malformed header");
  return json;
}

} // namespace

Expected<Tensor> readNpy(const std::string &path) {
  auto fail = [&](const std::string &what) {
    return Expected<Tensor>::failure(path + ": " + what);
  };
  auto contents = readFile(path);
  if (!contents)
    return Expected<Tensor>::failure(contents.error());
  const std::string &file = *contents;
  if (file.size() < 10 || file.compare(0, 6, kNpyMagic) != 0)
    return fail("not a NumPy .npy file (bad magic)");
  unsigned major = static_cast<unsigned char>(file[6]);
  size_t lengthBytes = major == 1 ? 2 : 4;
  if (major < 1 || major > 3 || file.size() < 8 + lengthBytes)
    return fail("unsupported .npy version " + std::to_string(major));
  size_t headerLength = 0;
  for (size_t i = 0; i < lengthBytes; ++i)
    headerLength |= size_t(static_cast<unsigned char>(file[8 + i])) << (8 * i);
  size_t dataStart = 8 + lengthBytes + headerLength;
  if (file.size() < dataStart)
    return fail("truncated header");
  auto header = parseNpyHeader(file.substr(8 + lengthBytes, headerLength));
  if (!header)
    return fail(header.error());
  const nlohmann::json &dict = *header;
  if (!dict.contains("descr") || !dict["descr"].is_string() ||
      !dict.contains("shape") || !dict["shape"].is_array())
    return fail("header lacks 'descr' or 'shape'");
  if (dict.value("fortran_order", false))
    return fail("Fortran-ordered arrays are not supported; save "
                "np.ascontiguousarray(a) instead");
  std::string descr = dict["descr"];
  const NpyDescr *match = nullptr;
  for (const NpyDescr &candidate : kNpyDescrs)
    if (descr == candidate.code)
      match = &candidate;
  if (!match)
    return fail("unsupported dtype '" + descr +
                "' (supported: float32, float64, int32, int64, uint8)");
  std::vector<int64_t> shape;
  for (const nlohmann::json &dim : dict["shape"]) {
    if (!dim.is_number_integer())
      return fail("malformed shape in header");
    shape.push_back(dim.get<int64_t>());
  }
  if (!validShape(shape))
    return fail("invalid shape in header");
  // Check the size before allocating: the header may claim anything.
  size_t needed = byteSize(match->dtype, shape);
  size_t available = file.size() - dataStart;
  if (available < needed)
    return fail("truncated: " + typeString(match->dtype, shape) + " needs " +
                std::to_string(needed) + " bytes of data, found " +
                std::to_string(available));
  if (available > needed)
    return fail("has " + std::to_string(available - needed) +
                " bytes after the data of " + typeString(match->dtype, shape));
  Tensor tensor(match->dtype, shape);
  std::memcpy(tensor.bytes.data(), file.data() + dataStart,
              tensor.bytes.size());
  return tensor;
}

Status writeNpy(const std::string &path, const Tensor &tensor) {
  const char *descr = nullptr;
  for (const NpyDescr &candidate : kNpyDescrs)
    if (candidate.dtype == tensor.dtype)
      descr = candidate.code;
  std::string shape;
  for (int64_t dim : tensor.shape)
    shape += std::to_string(dim) + ", ";
  if (tensor.shape.size() > 1)
    shape.erase(shape.size() - 2);
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Pad with spaces so the data starts 64-byte aligned; end with a newline.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string file(kNpyMagic, 6);
  file += '\x01';
  file += '\x00';
  file += static_cast<char>(header.size() & 0xff);
  file += static_cast<char>(header.size() >> 8);
  file += header;
  file.append(reinterpret_cast<const char *>(tensor.bytes.data()),
              tensor.bytes.size());
  return writeFileAtomically(path, file);
}

//===----------------------------------------------------------------------===//
// safetensors: u64 header length, JSON header, raw data.
//===----------------------------------------------------------------------===//

namespace {
struct SafetensorsDType {
  const char *code;
  DType dtype;
};
constexpr SafetensorsDType kSafetensorsDTypes[] = {{"F32", DType::F32},
                                                   {"F64", DType::F64},
                                                   {"I32", DType::I32},
                                                   {"I64", DType::I64},
                                                   {"U8", DType::U8}};
} // namespace

Expected<NamedTensors> readSafetensors(const std::string &path,
                                       Metadata *metadata) {
  auto fail = [&](const std::string &what) {
    return Expected<NamedTensors>::failure(path + ": " + what);
  };
  auto contents = readFile(path);
  if (!contents)
    return Expected<NamedTensors>::failure(contents.error());
  const std::string &file = *contents;
  if (file.size() < 8)
    return fail("not a safetensors file (shorter than its 8-byte header size)");
  uint64_t headerLength = 0;
  for (int i = 0; i < 8; ++i)
    headerLength |= uint64_t(static_cast<unsigned char>(file[i])) << (8 * i);
  if (headerLength > file.size() - 8)
    return fail("truncated or not a safetensors file (header size " +
                std::to_string(headerLength) + " exceeds the file)");
  nlohmann::ordered_json header = nlohmann::ordered_json::parse(
      file.substr(8, headerLength), nullptr, false);
  if (header.is_discarded() || !header.is_object())
    return fail("malformed JSON header");
  size_t dataStart = 8 + headerLength;
  size_t dataSize = file.size() - dataStart;
  NamedTensors tensors;
  for (auto &[key, entry] : header.items()) {
    if (key == "__metadata__") {
      if (metadata && entry.is_object())
        for (auto &[name, value] : entry.items())
          if (value.is_string())
            (*metadata)[name] = value.get<std::string>();
      continue;
    }
    if (!entry.is_object() || !entry.contains("dtype") ||
        !entry.contains("shape") || !entry.contains("data_offsets") ||
        !entry["dtype"].is_string() || !entry["shape"].is_array() ||
        !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2)
      return fail("malformed entry for tensor '" + key + "'");
    const SafetensorsDType *match = nullptr;
    for (const SafetensorsDType &candidate : kSafetensorsDTypes)
      if (entry["dtype"] == candidate.code)
        match = &candidate;
    if (!match)
      return fail("tensor '" + key + "' has unsupported dtype " +
                  entry["dtype"].dump() +
                  " (supported: F32, F64, I32, I64, U8)");
    std::vector<int64_t> shape;
    for (const auto &dim : entry["shape"]) {
      if (!dim.is_number_integer())
        return fail("tensor '" + key + "' has a malformed shape");
      shape.push_back(dim.get<int64_t>());
    }
    const auto &offsets = entry["data_offsets"];
    if (!validShape(shape) || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      return fail("tensor '" + key + "' has a malformed shape or offsets");
    uint64_t begin = offsets[0], end = offsets[1];
    if (begin > end || end > dataSize)
      return fail("truncated: tensor '" + key + "' ends at byte " +
                  std::to_string(end) + " of a " + std::to_string(dataSize) +
                  "-byte data section");
    if (end - begin != byteSize(match->dtype, shape))
      return fail("tensor '" + key + "' is " + typeString(match->dtype, shape) +
                  " but has " + std::to_string(end - begin) + " bytes");
    Tensor tensor(match->dtype, shape);
    std::memcpy(tensor.bytes.data(), file.data() + dataStart + begin,
                tensor.bytes.size());
    tensors.emplace_back(key, std::move(tensor));
  }
  return tensors;
}

Status writeSafetensors(const std::string &path, const NamedTensors &tensors,
                        const Metadata &metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  header["__metadata__"] = {{"format", "pt"}};
  for (const auto &[name, value] : metadata)
    header["__metadata__"][name] = value;
  uint64_t offset = 0;
  for (const auto &[key, tensor] : tensors) {
    const char *code = nullptr;
    for (const SafetensorsDType &candidate : kSafetensorsDTypes)
      if (candidate.dtype == tensor.dtype)
        code = candidate.code;
    header[key] = {{"dtype", code},
                   {"shape", tensor.shape},
                   {"data_offsets", {offset, offset + tensor.bytes.size()}}};
    offset += tensor.bytes.size();
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i)
    file[i] = static_cast<char>((uint64_t(json.size()) >> (8 * i)) & 0xff);
  file += json;
  for (const auto &entry : tensors)
    file.append(reinterpret_cast<const char *>(entry.second.bytes.data()),
                entry.second.bytes.size());
  return writeFileAtomically(path, file);
}

Status writeFileAtomically(const std::string &path,
                           const std::string &contents) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out)
      return Status::failure(path + ": cannot write: " + std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      return Status::failure(path + ": write failed: " + std::strerror(errno));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Status::failure(path + ": cannot write: " + std::strerror(errno));
  }
  return ok();
}

} // namespace gradc::rt
