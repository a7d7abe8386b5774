//===- Data.cpp - datasets for training
//------------------------------------===//
#include "gradc/Runtime/Data.h"

#include "gradc/Runtime/Init.h"

#include <zlib.h>

#include <algorithm>
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
    std::vector<double> row;
    std::stringstream fields(line);
    std::string field;
    bool numeric = true;
    while (std::getline(fields, field, ',')) {
      char *end = nullptr;
      double value = std::strtod(field.c_str(), &end);
      numeric = numeric && end != field.c_str() &&
                std::all_of(static_cast<const char *>(end),
                            field.c_str() + field.size(),
                            [](char c) { return std::isspace(c); });
      row.push_back(value);
    }
    if (!numeric && lineNumber == 1 && labels.empty())
      continue; // a header
    auto fail = [&](const std::string &what) {
      return Expected<DataSplits>::failure(
          path + ":" + std::to_string(lineNumber) + ": " + what);
    };
    if (!numeric)
      return fail("expected numbers separated by commas");
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

Expected<Tensor> readIdx(const std::string &path) {
  auto fail = [&](const std::string &what) {
    return Expected<Tensor>::failure(path + ": " + what);
  };
  gzFile file = gzopen(path.c_str(), "rb"); // also reads uncompressed files
  if (!file)
    return fail(std::string("cannot open file: ") + std::strerror(errno));
  auto readBytes = [&](void *into, size_t count) {
    return gzread(file, into, static_cast<unsigned>(count)) ==
           static_cast<int>(count);
  };
  unsigned char magic[4];
  if (!readBytes(magic, 4) || magic[0] || magic[1] || magic[2] != 0x08 ||
      magic[3] < 1 || magic[3] > 4) {
    gzclose(file);
    return fail("not an IDX file of unsigned bytes (bad magic)");
  }
  std::vector<int64_t> shape;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char size[4];
    if (!readBytes(size, 4)) {
      gzclose(file);
      return fail("truncated header");
    }
    shape.push_back((int64_t(size[0]) << 24) | (size[1] << 16) |
                    (size[2] << 8) | size[3]);
  }
  if (byteSize(DType::U8, shape) > (size_t(1) << 34)) {
    gzclose(file);
    return fail("implausibly large: " + typeString(DType::U8, shape));
  }
  Tensor tensor(DType::U8, shape);
  bool complete = tensor.bytes.empty() ||
                  readBytes(tensor.bytes.data(), tensor.bytes.size());
  gzclose(file);
  if (!complete)
    return fail("truncated: " + tensor.typeString() + " needs " +
                std::to_string(tensor.bytes.size()) + " bytes of data");
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
  if (fraction <= 0)
    return ok();
  if (fraction >= 1)
    return Status::failure("--val-split must be below 1, got " +
                           std::to_string(fraction));
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

Normalizer Normalizer::fromTensors(const NamedTensors &tensors) {
  Normalizer normalizer;
  for (const auto &[name, tensor] : tensors) {
    if (tensor.dtype != DType::F32)
      continue;
    std::vector<float> values(tensor.data<float>(),
                              tensor.data<float>() + tensor.numElements());
    if (name == "normalization.shift")
      normalizer.shift = std::move(values);
    if (name == "normalization.scale")
      normalizer.scale = std::move(values);
  }
  if (normalizer.shift.size() != normalizer.scale.size())
    return {};
  return normalizer;
}

} // namespace gradc::rt
