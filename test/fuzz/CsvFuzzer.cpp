//===- CsvFuzzer.cpp - CSV datasets, as train --data FILE.csv reads them --===//
#include "FuzzInput.h"
#include "gradc/Runtime/Data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)gradc::rt::loadData(gradc::fuzz::writeInput(data, size, ".csv"),
                            /*seed=*/0);
  return 0;
}
