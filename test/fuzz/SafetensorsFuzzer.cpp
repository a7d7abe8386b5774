//===- SafetensorsFuzzer.cpp - safetensors files, as checkpoints are read -===//
#include "FuzzInput.h"
#include "gradc/Runtime/Tensor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gradc::rt::Metadata metadata;
  (void)gradc::rt::readSafetensors(
      gradc::fuzz::writeInput(data, size, ".safetensors"), &metadata);
  return 0;
}
