//===- IdxFuzzer.cpp - IDX (MNIST) files, plain or gzipped ----------------===//
#include "FuzzInput.h"
#include "gradc/Runtime/Data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)gradc::rt::readIdx(gradc::fuzz::writeInput(data, size, ".idx"));
  return 0;
}
