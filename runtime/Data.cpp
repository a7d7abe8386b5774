//===- Data.cpp - datasets for training
//------------------------------------===//
#include "gradc/Runtime/Data.h"

#include "gradc/Runtime/Init.h"

#include <zlib.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>
#include <sys/stat.h>

namespace gradc::rt {

namespace {

constexpr char kFashionMnist[] = "/usr/share/datasets/fashion-mnist";

bool exists(const std::string &path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

bool isDirectory(const std::string &path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

/// `dir/name`, or `dir/name.gz` when only that exists.
std::string findIdx(const std::string &dir, const std::string &name) {
  std::string plain = dir + "/" + name;
  return exists(plain) || !exists(plain + ".gz") ? plain : plain + ".gz";
}

/// Images and labels from two IDX files, as f32 features and i32 labels.
Expected<Dataset> loadIdxPair(const std::string &images,
                              const std::string &labels) {
  auto pixels = readIdx(images);
  if (!pixels)
    return Expected<Dataset>::failure(pixels.error());
  auto classes = readIdx(labels);
  if (!classes)
    return Expected<Dataset>::failure(classes.error());
  if (classes->shape.size() != 1 || pixels->shape.empty() ||
      pixels->shape[0] != classes->shape[0])
    return Expected<Dataset>::failure(
        images + " and " + labels + " do not match: " + pixels->typeString() +
        " images but " + classes->typeString() + " labels");
  Dataset data;
  data.features = Tensor(DType::F32, pixels->shape);
  for (int64_t i = 0; i < pixels->numElements(); ++i)
    data.features.data<float>()[i] = pixels->data<uint8_t>()[i];
  data.labels = Tensor(DType::I32, classes->shape);
  for (int64_t i = 0; i < classes->numElements(); ++i)
    data.labels.data<int32_t>()[i] = classes->data<uint8_t>()[i];
  return data;
}

Expected<DataSplits> loadIdxDirectory(const std::string &dir) {
  DataSplits splits;
  auto train = loadIdxPair(findIdx(dir, "train-images-idx3-ubyte"),
                           findIdx(dir, "train-labels-idx1-ubyte"));
  if (!train)
    return Expected<DataSplits>::failure(train.error());
  splits.train = std::move(*train);
  std::string testImages = findIdx(dir, "t10k-images-idx3-ubyte");
  if (exists(testImages)) {
    auto test = loadIdxPair(testImages, findIdx(dir, "t10k-labels-idx1-ubyte"));
    if (!test)
      return Expected<DataSplits>::failure(test.error());
    splits.test = std::move(*test);
  }
  splits.description = dir;
  return splits;
}

Expected<DataSplits> loadCsv(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    return Expected<DataSplits>::failure(
        path + ": cannot open file: " + std::strerror(errno));
  std::vector<float> features;
  std::vector<int32_t> labels;
  int64_t columns = -1;
  std::string line;
  for (int64_t lineNumber = 1; std::getline(in, line); ++lineNumber) {
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    // Spreadsheets often begin their files with a UTF-8 byte order mark.
    if (lineNumber == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0)
      line.erase(0, 3);
    std::vector<double> row;
    std::vector<std::string> texts;
    std::stringstream fields(line);
    std::string field;
    bool numeric = true;
    while (std::getline(fields, field, ',')) {
      char *end = nullptr;
      double value = std::strtod(field.c_str(), &end);
      numeric = numeric && end != field.c_str() &&
                std::all_of(static_cast<const char *>(end),
                            field.c_str() + field.size(), [](char c) {
                              return std::isspace(static_cast<uint8_t>(c));
                            });
      row.push_back(value);
      texts.push_back(field);
    }
    if (!numeric && lineNumber == 1 && labels.empty())
      continue; // a header
    auto fail = [&](const std::string &what) {
      return Expected<DataSplits>::failure(
          path + ":" + std::to_string(lineNumber) + ": " + what);
    };
    if (!numeric)
      return fail("expected numbers separated by commas");
    for (size_t i = 0; i < row.size(); ++i)
      if (!std::isfinite(row[i]) || std::abs(row[i]) > FLT_MAX)
        return fail("column " + std::to_string(i + 1) + " is '" + texts[i] +
                    "'; values must be finite f32 numbers");
    if (columns < 0)
      columns = static_cast<int64_t>(row.size());
    if (static_cast<int64_t>(row.size()) != columns || columns < 2)
      return fail("expected " + std::to_string(std::max<int64_t>(columns, 2)) +
                  " columns (features, then the label), found " +
                  std::to_string(row.size()));
    double label = row.back();
    if (label < 0 || label != std::floor(label) || label > 1e9)
      return fail("the label (last column) must be a class index 0, 1, ...");
    labels.push_back(static_cast<int32_t>(label));
    features.insert(features.end(), row.begin(), row.end() - 1);
  }
  if (labels.empty())
    return Expected<DataSplits>::failure(path + ": no data rows");
  DataSplits splits;
  int64_t count = static_cast<int64_t>(labels.size());
  splits.train.features = Tensor(DType::F32, {count, columns - 1});
  std::memcpy(splits.train.features.bytes.data(), features.data(),
              features.size() * sizeof(float));
  splits.train.labels = Tensor(DType::I32, {count});
  std::memcpy(splits.train.labels.bytes.data(), labels.data(),
              labels.size() * sizeof(int32_t));
  splits.description = path;
  return splits;
}

} // namespace

std::vector<int64_t> shuffledOrder(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[i], order[rng.next() % static_cast<uint64_t>(i + 1)]);
  return order;
}

Dataset Dataset::select(const std::vector<int64_t> &indices) const {
  Dataset subset;
  std::vector<int64_t> shape = features.shape;
  shape[0] = static_cast<int64_t>(indices.size());
  subset.features = Tensor(DType::F32, shape);
  subset.labels = Tensor(DType::I32, {static_cast<int64_t>(indices.size())});
  int64_t width = sampleSize();
  for (size_t i = 0; i < indices.size(); ++i) {
    std::memcpy(subset.features.data<float>() + i * width,
                features.data<float>() + indices[i] * width,
                width * sizeof(float));
    subset.labels.data<int32_t>()[i] = labels.data<int32_t>()[indices[i]];
  }
  return subset;
}

namespace {

/// An open IDX file, plain or gzip-compressed (zlib reads both).
class GzipReader {
public:
  explicit GzipReader(const std::string &path)
      : file(gzopen(path.c_str(), "rb")) {}
  ~GzipReader() {
    if (file)
      gzclose(file);
  }
  GzipReader(const GzipReader &) = delete;
  GzipReader &operator=(const GzipReader &) = delete;

  bool isOpen() const { return file != nullptr; }
  /// Up to `count` bytes appended to `into`, in chunks that start small and
  /// double, so that a short file claiming a large size costs little and
  /// only what the file holds (at most twice it) is ever allocated; false on
  /// a read error.
  bool append(std::vector<std::byte, AlignedAllocator<std::byte>> &into,
              size_t count) {
    constexpr size_t kFirstChunk = size_t(1) << 16;
    constexpr size_t kLastChunk = size_t(1) << 24;
    for (size_t chunk = kFirstChunk; count > 0;
         chunk = std::min(2 * chunk, kLastChunk)) {
      size_t wanted = std::min(count, chunk), old = into.size();
      into.resize(old + wanted);
      int got = gzread(file, into.data() + old, static_cast<unsigned>(wanted));
      if (got < 0)
        return false;
      into.resize(old + size_t(got));
      if (size_t(got) < wanted)
        return true; // the end of the file
      count -= wanted;
    }
    return true;
  }
  bool read(void *into, size_t count) {
    return gzread(file, into, static_cast<unsigned>(count)) ==
           static_cast<int>(count);
  }
  bool atEnd() {
    char extra;
    return gzread(file, &extra, 1) == 0;
  }
  std::string error() {
    int code = 0;
    const char *message = gzerror(file, &code);
    return code == Z_ERRNO ? std::strerror(errno) : message;
  }

private:
  gzFile file;
};

} // namespace

Expected<Tensor> readIdx(const std::string &path) {
  auto fail = [&](const std::string &what) {
    return Expected<Tensor>::failure(path + ": " + what);
  };
  GzipReader file(path);
  if (!file.isOpen())
    return fail(std::string("cannot open file: ") + std::strerror(errno));
  unsigned char magic[4];
  if (!file.read(magic, 4) || magic[0] || magic[1] || magic[2] != 0x08 ||
      magic[3] < 1 || magic[3] > 4)
    return fail("not an IDX file of unsigned bytes (bad magic)");
  std::vector<int64_t> shape;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char size[4];
    if (!file.read(size, 4))
      return fail("truncated header");
    shape.push_back((int64_t(size[0]) << 24) | (size[1] << 16) |
                    (size[2] << 8) | size[3]);
  }
  std::optional<size_t> needed = checkedByteSize(DType::U8, shape);
  if (!needed)
    return fail("the header claims " + typeString(DType::U8, shape) +
                ", more than 2^48 bytes: not an IDX file, or a damaged one");
  Tensor tensor;
  tensor.dtype = DType::U8;
  tensor.shape = shape;
  if (!file.append(tensor.bytes, *needed))
    return fail("read error: " + file.error());
  if (tensor.bytes.size() < *needed)
    return fail("truncated: " + tensor.typeString() + " needs " +
                std::to_string(*needed) + " bytes of data, found " +
                std::to_string(tensor.bytes.size()));
  if (!file.atEnd())
    return fail("has bytes after the data of " + tensor.typeString());
  return tensor;
}

Dataset makeSpiral(int classes, int perClass, uint64_t seed) {
  // As in CS231n: class k winds from the centre along angle 4k..4(k+1).
  Rng rng(seed);
  int64_t count = int64_t(classes) * perClass;
  Dataset data;
  data.features = Tensor(DType::F32, {count, 2});
  data.labels = Tensor(DType::I32, {count});
  for (int k = 0; k < classes; ++k) {
    for (int i = 0; i < perClass; ++i) {
      double radius = perClass > 1 ? double(i) / (perClass - 1) : 0;
      double angle = 4.0 * (k + radius) + 0.2 * rng.normal();
      int64_t index = int64_t(k) * perClass + i;
      data.features.data<float>()[2 * index] = float(radius * std::sin(angle));
      data.features.data<float>()[2 * index + 1] =
          float(radius * std::cos(angle));
      data.labels.data<int32_t>()[index] = k;
    }
  }
  return data;
}

Expected<DataSplits> loadData(const std::string &name, uint64_t seed) {
  if (name == "spiral") {
    DataSplits splits;
    splits.train = makeSpiral(3, 100, seed);
    splits.test = makeSpiral(3, 100, seed + 1);
    splits.description = "spiral (3 classes, 300 training and 300 test points)";
    return splits;
  }
  if (name == "fashion-mnist") {
    if (!isDirectory(kFashionMnist))
      return Expected<DataSplits>::failure(
          std::string("fashion-mnist: ") + kFashionMnist +
          " is missing; install it with: apt-get install "
          "dataset-fashion-mnist");
    auto splits = loadIdxDirectory(kFashionMnist);
    if (splits)
      splits->description =
          "fashion-mnist (" + std::string(kFashionMnist) + ")";
    return splits;
  }
  if (isDirectory(name))
    return loadIdxDirectory(name);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".csv") == 0)
    return loadCsv(name);
  return Expected<DataSplits>::failure(
      "unknown dataset '" + name +
      "': give spiral, fashion-mnist, a directory of MNIST-format IDX files, "
      "or a .csv file");
}

Status splitValidation(DataSplits &data, double fraction, uint64_t seed) {
  if (!(fraction >= 0 && fraction < 1))
    return Status::failure("--val-split must be at least 0 and below 1, got " +
                           std::to_string(fraction));
  if (fraction == 0)
    return ok();
  std::vector<int64_t> order = shuffledOrder(data.train.size(), seed ^ 0x5eed);
  auto validationCount =
      static_cast<size_t>(std::llround(fraction * double(order.size())));
  std::vector<int64_t> validation(order.end() - validationCount, order.end());
  order.resize(order.size() - validationCount);
  std::sort(order.begin(), order.end());
  std::sort(validation.begin(), validation.end());
  data.validation = data.train.select(validation);
  data.train = data.train.select(order);
  return ok();
}

Expected<Normalization> parseNormalization(const std::string &name) {
  if (name == "zscore")
    return Normalization::ZScore;
  if (name == "minmax")
    return Normalization::MinMax;
  if (name == "none")
    return Normalization::None;
  return Expected<Normalization>::failure("unknown normalization '" + name +
                                          "' (use zscore, minmax or none)");
}

Normalizer Normalizer::fit(const Dataset &train, Normalization normalization) {
  Normalizer normalizer;
  if (normalization == Normalization::None || train.size() == 0)
    return normalizer;
  int64_t width = train.sampleSize(), count = train.size();
  normalizer.shift.assign(width, 0.0f);
  normalizer.scale.assign(width, 1.0f);
  for (int64_t f = 0; f < width; ++f) {
    double sum = 0, squares = 0, lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < count; ++i) {
      double v = train.features.data<float>()[i * width + f];
      sum += v;
      squares += v * v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    double mean = sum / count;
    bool zscore = normalization == Normalization::ZScore;
    double spread =
        zscore ? std::sqrt(std::max(0.0, squares / count - mean * mean))
               : hi - lo;
    normalizer.shift[f] = static_cast<float>(zscore ? mean : lo);
    // A constant feature carries no information: map it to zero.
    normalizer.scale[f] = spread > 1e-6 ? static_cast<float>(1.0 / spread) : 0;
  }
  return normalizer;
}

void Normalizer::apply(Dataset &data) const {
  if (empty())
    return;
  int64_t width = static_cast<int64_t>(shift.size());
  float *values = data.features.data<float>();
  for (int64_t i = 0; i < data.size(); ++i)
    for (int64_t f = 0; f < width; ++f)
      values[i * width + f] = (values[i * width + f] - shift[f]) * scale[f];
}

void Normalizer::apply(DataSplits &data) const {
  for (Dataset *set : {&data.train, &data.validation, &data.test})
    apply(*set);
}

NamedTensors Normalizer::asTensors() const {
  NamedTensors tensors;
  if (empty())
    return tensors;
  for (auto [name, values] : {std::pair{"normalization.shift", &shift},
                              std::pair{"normalization.scale", &scale}}) {
    Tensor tensor(DType::F32, {static_cast<int64_t>(values->size())});
    std::copy(values->begin(), values->end(), tensor.data<float>());
    tensors.emplace_back(name, std::move(tensor));
  }
  return tensors;
}

Expected<Normalizer> Normalizer::fromTensors(const NamedTensors &tensors,
                                             int64_t width,
                                             const std::string &origin) {
  Normalizer normalizer;
  int found = 0;
  for (const auto &[name, tensor] : tensors) {
    std::vector<float> *values =
        name == "normalization.shift"   ? &normalizer.shift
        : name == "normalization.scale" ? &normalizer.scale
                                        : nullptr;
    if (!values)
      continue;
    ++found;
    if (tensor.dtype != DType::F32 || tensor.shape != std::vector{width})
      return Expected<Normalizer>::failure(
          origin + ": " + name + " is " + tensor.typeString() +
          " but the model's input needs f32[" + std::to_string(width) + "]");
    values->assign(tensor.data<float>(), tensor.data<float>() + width);
  }
  if (found == 1)
    return Expected<Normalizer>::failure(
        origin + ": has only one of normalization.shift and "
                 "normalization.scale; the checkpoint is damaged");
  return normalizer;
}

} // namespace gradc::rt
