//===- FuzzInput.h - A fuzzer's input as a file -------------*- C++ -*-===//
//
// The readers under test take paths, and their size checks compare what a
// header claims with what the file holds, so each input is written to a real
// file (one per process, in TMPDIR, removed when the fuzzer exits) rather than
// parsed from memory.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_TEST_FUZZ_FUZZINPUT_H
#define GRADC_TEST_FUZZ_FUZZINPUT_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace gradc::fuzz {

/// Writes `data` to this process's input file ending in `suffix` and returns
/// its path; aborts (a harness bug, not a finding) if it cannot.
inline const std::string &writeInput(const uint8_t *data, size_t size,
                                     const char *suffix) {
  static const std::string path = [suffix] {
    const char *directory = std::getenv("TMPDIR");
    return std::string(directory && *directory ? directory : "/tmp") +
           "/gradc-fuzz-" + std::to_string(::getpid()) + suffix;
  }();
  static const bool removedAtExit =
      std::atexit([] { std::remove(path.c_str()); }) == 0;
  (void)removedAtExit;
  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file || std::fwrite(data, 1, size, file) != size ||
      std::fclose(file) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

} // namespace gradc::fuzz

#endif // GRADC_TEST_FUZZ_FUZZINPUT_H
