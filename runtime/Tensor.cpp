//===- Tensor.cpp - host tensors, .npy and safetensors files --------------===//
#include "gradc/Runtime/Tensor.h"

#include "gradc/Runtime/Files.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string_view>
#include <tuple>

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

/// What a .npy header says, e.g. {'descr': '<f4', 'fortran_order': False,
/// 'shape': (3, 4), }.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// Reads a header dict in one pass, without recursion or backtracking, so
/// that no header (the file's author chooses it) takes more than linear time
/// or any stack. It takes what numpy.lib.format writes: quoted keys, a string
/// descr, a boolean fortran_order and a tuple of integers.
class NpyHeaderParser {
public:
  explicit NpyHeaderParser(std::string_view text) : text(text) {}
  Expected<NpyHeader> parse();

private:
  Expected<NpyHeader> fail(const std::string &what) const {
    return Expected<NpyHeader>::failure("header, at byte " +
                                        std::to_string(position) + ": " + what);
  }
  void skipSpace() {
    while (position < text.size() && std::isspace(uint8_t(text[position])))
      ++position;
  }
  bool consume(char c) {
    skipSpace();
    if (position == text.size() || text[position] != c)
      return false;
    ++position;
    return true;
  }
  /// Consumes `close` or a ',' before it; true once `close` is consumed.
  /// Sets `malformed` when neither comes next.
  bool listEnds(char close, bool &malformed) {
    if (consume(close))
      return true;
    malformed = !consume(',');
    return !malformed && consume(close);
  }
  std::optional<std::string> quoted();
  std::optional<bool> boolean();
  std::optional<int64_t> integer();
  std::optional<std::vector<int64_t>> tuple();

  std::string_view text;
  size_t position = 0;
};

std::optional<std::string> NpyHeaderParser::quoted() {
  if (!consume('\'') && !consume('"'))
    return std::nullopt;
  char quote = text[position - 1];
  size_t end = text.find(quote, position);
  if (end == std::string_view::npos)
    return std::nullopt;
  std::string value(text.substr(position, end - position));
  position = end + 1;
  return value;
}

std::optional<bool> NpyHeaderParser::boolean() {
  skipSpace();
  for (auto [word, value] : {std::pair{"True", true}, {"False", false}}) {
    if (text.substr(position, std::strlen(word)) == word) {
      position += std::strlen(word);
      return value;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> NpyHeaderParser::integer() {
  skipSpace();
  size_t start = position;
  int64_t value = 0;
  for (; position < text.size() && std::isdigit(uint8_t(text[position]));
       ++position) {
    if (value > (int64_t{1} << 56))
      return std::nullopt; // far beyond any tensor
    value = value * 10 + (text[position] - '0');
  }
  if (position == start)
    return std::nullopt;
  if (position < text.size() && text[position] == 'L')
    ++position; // Python 2 wrote long integers so
  return value;
}

std::optional<std::vector<int64_t>> NpyHeaderParser::tuple() {
  if (!consume('('))
    return std::nullopt;
  std::vector<int64_t> values;
  bool malformed = false;
  if (consume(')'))
    return values;
  do {
    std::optional<int64_t> value = integer();
    if (!value)
      return std::nullopt;
    values.push_back(*value);
  } while (!listEnds(')', malformed) && !malformed);
  if (malformed)
    return std::nullopt;
  return values;
}

Expected<NpyHeader> NpyHeaderParser::parse() {
  NpyHeader header;
  bool hasDescr = false, hasShape = false, hasOrder = false;
  if (!consume('{'))
    return fail("expected a Python dict, '{'");
  bool malformed = false;
  if (!consume('}')) {
    do {
      std::optional<std::string> key = quoted();
      if (!key)
        return fail("expected a quoted key");
      if (!consume(':'))
        return fail("expected ':' after '" + *key + "'");
      bool *seen = *key == "descr"           ? &hasDescr
                   : *key == "shape"         ? &hasShape
                   : *key == "fortran_order" ? &hasOrder
                                             : nullptr;
      if (!seen)
        return fail("unexpected key '" + *key +
                    "' (a .npy header holds descr, fortran_order and shape)");
      if (*seen)
        return fail("'" + *key + "' appears twice");
      *seen = true;
      if (*key == "descr") {
        std::optional<std::string> descr = quoted();
        if (!descr)
          return fail("'descr' must be a dtype string such as '<f4' "
                      "(structured arrays are not supported)");
        header.descr = *descr;
      } else if (*key == "shape") {
        std::optional<std::vector<int64_t>> shape = tuple();
        if (!shape)
          return fail("'shape' must be a tuple of non-negative integers");
        header.shape = *shape;
      } else {
        std::optional<bool> order = boolean();
        if (!order)
          return fail("'fortran_order' must be True or False");
        header.fortranOrder = *order;
      }
      if (listEnds('}', malformed))
        break;
      if (malformed)
        return fail("expected ',' or '}' after the value of '" + *key + "'");
    } while (true);
  }
  skipSpace();
  if (position != text.size())
    return fail("unexpected text after the dict");
  if (!hasDescr || !hasShape)
    return fail("the dict lacks 'descr' or 'shape'");
  return header;
}

// A tensor holding a copy of the bytes at `data` (checked by the caller).
Tensor tensorFromBytes(DType dtype, const std::vector<int64_t> &shape,
                       const char *data) {
  Tensor tensor(dtype, shape);
  // An empty tensor has no storage: memcpy must not see its null pointer.
  if (!tensor.bytes.empty())
    std::memcpy(tensor.bytes.data(), data, tensor.bytes.size());
  return tensor;
}

} // namespace

std::optional<size_t> checkedByteSize(DType dtype,
                                      const std::vector<int64_t> &shape) {
  uint64_t bytes = sizeOf(dtype);
  for (int64_t dim : shape) {
    if (dim < 0 || (dim > 0 && bytes > kMaxFileTensorBytes / uint64_t(dim)))
      return std::nullopt;
    bytes *= uint64_t(dim);
  }
  return static_cast<size_t>(bytes);
}

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
  auto header = NpyHeaderParser(std::string_view(file).substr(8 + lengthBytes,
                                                              headerLength))
                    .parse();
  if (!header)
    return fail(header.error());
  if (header->fortranOrder)
    return fail("Fortran-ordered arrays are not supported; save "
                "np.ascontiguousarray(a) instead");
  const NpyDescr *match = nullptr;
  for (const NpyDescr &candidate : kNpyDescrs)
    if (header->descr == candidate.code)
      match = &candidate;
  if (!match)
    return fail("unsupported dtype '" + header->descr +
                "' (supported: float32, float64, int32, int64, uint8)");
  const std::vector<int64_t> &shape = header->shape;
  std::optional<size_t> needed = checkedByteSize(match->dtype, shape);
  if (!needed)
    return fail("the header claims " + typeString(match->dtype, shape) +
                ", more than 2^48 bytes: a damaged file");
  // Check the size before allocating: the header may claim anything.
  size_t available = file.size() - dataStart;
  if (available < *needed)
    return fail("truncated: " + typeString(match->dtype, shape) + " needs " +
                std::to_string(*needed) + " bytes of data, found " +
                std::to_string(available));
  if (available > *needed)
    return fail("has " + std::to_string(available - *needed) +
                " bytes after the data of " + typeString(match->dtype, shape));
  return tensorFromBytes(match->dtype, shape, file.data() + dataStart);
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
/// The safetensors format's own limit on its JSON header.
constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

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
  if (headerLength > kMaxSafetensorsHeader)
    return fail("header of " + std::to_string(headerLength) +
                " bytes is larger than safetensors allows (100 MB)");
  // A std::map, not the ordered map, whose insertions take linear time.
  nlohmann::json header =
      nlohmann::json::parse(file.substr(8, headerLength), nullptr, false);
  if (header.is_discarded() || !header.is_object())
    return fail("malformed JSON header");
  size_t dataStart = 8 + headerLength;
  size_t dataSize = file.size() - dataStart;
  struct Extent {
    uint64_t begin, end;
    std::string key;
    DType dtype;
    std::vector<int64_t> shape;
  };
  std::vector<Extent> extents;
  for (auto &[key, entry] : header.items()) {
    if (key == "__metadata__") {
      if (!entry.is_object())
        return fail("__metadata__ must be an object of strings");
      for (auto &[name, value] : entry.items()) {
        if (!value.is_string())
          return fail("metadata " + name + " is a " + value.type_name() +
                      ", not a string (safetensors metadata holds strings)");
        if (metadata)
          (*metadata)[name] = value.get<std::string>();
      }
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
    std::optional<size_t> bytes = checkedByteSize(match->dtype, shape);
    if (!bytes || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      return fail("tensor '" + key + "' has a malformed shape or offsets");
    uint64_t begin = offsets[0], end = offsets[1];
    if (begin > end || end > dataSize)
      return fail("truncated: tensor '" + key + "' ends at byte " +
                  std::to_string(end) + " of a " + std::to_string(dataSize) +
                  "-byte data section");
    if (end - begin != *bytes)
      return fail("tensor '" + key + "' is " + typeString(match->dtype, shape) +
                  " but has " + std::to_string(end - begin) + " bytes");
    extents.push_back({begin, end, key, match->dtype, std::move(shape)});
  }
  // In the order of the data, which is the order the writer gave them.
  std::sort(extents.begin(), extents.end(),
            [](const Extent &a, const Extent &b) {
              return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
            });
  NamedTensors tensors;
  uint64_t covered = 0;
  const std::string *coveredBy = nullptr;
  for (const Extent &extent : extents) {
    if (extent.begin < covered)
      return fail("tensors '" + *coveredBy + "' and '" + extent.key +
                  "' overlap in the data section");
    if (extent.end > covered) {
      covered = extent.end;
      coveredBy = &extent.key;
    }
    tensors.emplace_back(
        extent.key, tensorFromBytes(extent.dtype, extent.shape,
                                    file.data() + dataStart + extent.begin));
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

} // namespace gradc::rt
