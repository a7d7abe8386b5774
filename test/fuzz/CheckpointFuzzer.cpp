//===- CheckpointFuzzer.cpp - the metadata gradc keeps in checkpoints -----===//
//
// The input is the "__metadata__" object of an otherwise well-formed
// checkpoint of a model "m" (seeds hold what gradc train --save writes), so
// every execution reaches the checks of gradc.model, gradc.epoch, gradc.seed
// and gradc.input_scaling instead of stopping at the file's framing.
//
//===----------------------------------------------------------------------===//
#include "FuzzInput.h"
#include "gradc/Runtime/Train.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string header = "{\"__metadata__\": " +
                       std::string(reinterpret_cast<const char *>(data), size) +
                       "}";
  std::string file(8, '\0');
  for (int byte = 0; byte < 8; ++byte)
    file[byte] = char(uint64_t(header.size()) >> (8 * byte));
  file += header;
  const std::string &path =
      gradc::fuzz::writeInput(reinterpret_cast<const uint8_t *>(file.data()),
                              file.size(), ".safetensors");
  auto checkpoint = gradc::rt::readCheckpoint(path, "m");
  if (checkpoint) {
    (void)checkpoint->seed();
    (void)checkpoint->inputScaling(/*width=*/4);
  }
  return 0;
}
