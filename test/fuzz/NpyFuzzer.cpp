//===- NpyFuzzer.cpp - .npy files, as predict and run read them -----------===//
#include "FuzzInput.h"
#include "gradc/Runtime/Tensor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)gradc::rt::readNpy(gradc::fuzz::writeInput(data, size, ".npy"));
  return 0;
}
