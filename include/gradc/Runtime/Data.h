//===- Data.h - datasets for training -----------------------------*- C++
//-*-===//
#ifndef GRADC_RUNTIME_DATA_H
#define GRADC_RUNTIME_DATA_H

#include "gradc/Runtime/Tensor.h"

#include <cstdint>
#include <string>

namespace gradc::rt {

/// Samples as f32 features [N, ...] with i32 class labels [N].
struct Dataset {
  Tensor features;
  Tensor labels;

  int64_t size() const { return labels.shape.empty() ? 0 : labels.shape[0]; }
  /// Elements of one sample's features.
  int64_t sampleSize() const {
    return size() ? features.numElements() / size() : 0;
  }
  /// The samples at `indices`, in that order.
  Dataset select(const std::vector<int64_t> &indices) const;
};

struct DataSplits {
  Dataset train, validation, test;
  std::string description;
};

/// Loads a dataset by name:
///   spiral         the classic 3-class 2-D spirals (generated from `seed`);
///   fashion-mnist  Debian's dataset-fashion-mnist, its train/test split;
///   DIR            MNIST-format IDX files (gzipped or not) in DIR:
///                  train-images-idx3-ubyte, train-labels-idx1-ubyte and,
///                  if present, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte;
///   FILE.csv       rows of numbers, the class label last; no test split.
Expected<DataSplits> loadData(const std::string &name, uint64_t seed);

/// A seeded permutation of 0..n-1.
std::vector<int64_t> shuffledOrder(int64_t n, uint64_t seed);

/// Moves a seeded random `fraction` of the training set to validation.
Status splitValidation(DataSplits &data, double fraction, uint64_t seed);

enum class Normalization { None, ZScore, MinMax };
Expected<Normalization> parseNormalization(const std::string &name);

/// Per-feature scaling fitted on a training set: x' = (x - shift) * scale.
/// Saved in checkpoints, so evaluation scales inputs as training did.
struct Normalizer {
  std::vector<float> shift, scale;

  /// Statistics of `train` only; constant features map to zero.
  static Normalizer fit(const Dataset &train, Normalization normalization);
  void apply(Dataset &data) const;
  void apply(DataSplits &data) const;
  bool empty() const { return shift.empty(); }

  /// As tensors "normalization.shift" and "normalization.scale".
  NamedTensors asTensors() const;
  /// From tensors named as above, `width` values each; empty when both are
  /// absent, an error naming `origin` when they are damaged.
  static Expected<Normalizer> fromTensors(const NamedTensors &tensors,
                                          int64_t width,
                                          const std::string &origin);
};

/// Reads an IDX file (MNIST format), gzipped or not, as u8 with its shape.
Expected<Tensor> readIdx(const std::string &path);

/// `classes` interleaved spirals of `perClass` 2-D points each.
Dataset makeSpiral(int classes, int perClass, uint64_t seed);

} // namespace gradc::rt

#endif // GRADC_RUNTIME_DATA_H
