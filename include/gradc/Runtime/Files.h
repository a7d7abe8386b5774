//===- Files.h - writing output files safely --------------------*- C++ -*-===//
//
// Every file gradc or a built program writes (checkpoints, predictions,
// programs, headers) goes through a uniquely named temporary beside its
// destination that is renamed over it once complete, so a reader sees the
// old file or the new one, never a part; a device, directory or pipe at the
// destination is refused rather than replaced.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_RUNTIME_FILES_H
#define GRADC_RUNTIME_FILES_H

#include "gradc/Runtime/Tensor.h"

#include <string>

namespace gradc::rt {

/// A file being written: `DEST.incomplete-XXXXXX` beside `DEST` until
/// commit() renames it over `DEST`; removed if never committed.
class PendingFile {
public:
  /// Fails if `destination` exists and is not a regular file (a symlink is
  /// followed to what it names) or its directory is not writable.
  static Expected<PendingFile> create(const std::string &destination);
  PendingFile(PendingFile &&other) noexcept;
  PendingFile &operator=(PendingFile &&) = delete;
  ~PendingFile();

  /// Where the contents go, for a tool (such as a linker) that writes it.
  const std::string &temporaryPath() const { return temporary; }
  Status write(const std::string &contents);
  /// Flushes the contents to disk and renames them over the destination;
  /// `executable` files get the execute bits the umask allows.
  Status commit(bool executable = false);

private:
  PendingFile(std::string destination, std::string temporary, int fd)
      : destination(std::move(destination)), temporary(std::move(temporary)),
        fd(fd) {}
  Status failure(const std::string &what) const;

  std::string destination, temporary;
  int fd = -1;
  bool committed = false;
};

/// Writes `contents` to `path` through a PendingFile.
Status writeFileAtomically(const std::string &path,
                           const std::string &contents);

/// Fails, before any work is done, if `path` could not be written: it is
/// not a regular file, or its directory does not exist or is not writable.
Status checkWritable(const std::string &path);

/// Flushes std::cout and stdout; fails if anything written to them was lost
/// (a full disk, a closed pipe).
Status flushStandardOutput();

} // namespace gradc::rt

#endif // GRADC_RUNTIME_FILES_H
