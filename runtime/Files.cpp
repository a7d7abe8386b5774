//===- Files.cpp - writing output files safely ----------------------------===//
#include "gradc/Runtime/Files.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

namespace gradc::rt {
namespace {

std::string systemError() { return std::strerror(errno); }

/// `path` with a symbolic link resolved, so that the rename replaces the
/// file it names rather than the link.
std::string resolveLink(const std::string &path) {
  struct stat info;
  if (::lstat(path.c_str(), &info) != 0 || !S_ISLNK(info.st_mode))
    return path;
  char resolved[PATH_MAX];
  return ::realpath(path.c_str(), resolved) ? std::string(resolved) : path;
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "."
         : slash == 0               ? "/"
                                    : path.substr(0, slash);
}

/// rw (and x) for everyone, less the process's umask: what a file created
/// with open() would get, where mkstemp() gives 0600.
mode_t creationMode(bool executable) {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return (executable ? 0777 : 0666) & ~mask;
}

} // namespace

Expected<PendingFile> PendingFile::create(const std::string &path) {
  std::string destination = resolveLink(path);
  struct stat info;
  if (::stat(destination.c_str(), &info) == 0 && !S_ISREG(info.st_mode))
    return Expected<PendingFile>::failure(
        path + ": not a regular file (" +
        (S_ISDIR(info.st_mode) ? "a directory" : "a device, pipe or socket") +
        "); give the path of a file to write");
  std::string temporary = destination + ".incomplete-XXXXXX";
  int fd = ::mkstemp(temporary.data());
  if (fd < 0)
    return Expected<PendingFile>::failure(path +
                                          ": cannot write: " + systemError());
  return PendingFile(destination, temporary, fd);
}

PendingFile::PendingFile(PendingFile &&other) noexcept
    : destination(std::move(other.destination)),
      temporary(std::move(other.temporary)), fd(other.fd),
      committed(other.committed) {
  other.fd = -1;
  other.committed = true; // nothing left for it to remove
}

PendingFile::~PendingFile() {
  if (fd >= 0)
    ::close(fd);
  if (!committed)
    ::unlink(temporary.c_str());
}

Status PendingFile::failure(const std::string &what) const {
  return Status::failure(destination + ": " + what + ": " + systemError());
}

Status PendingFile::write(const std::string &contents) {
  const char *next = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t written = ::write(fd, next, left);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      return failure("write failed");
    next += written;
    left -= size_t(written);
  }
  return ok();
}

Status PendingFile::commit(bool executable) {
  // A tool may have replaced the temporary (linkers write a new file), so
  // reopen it by name to flush what is there now.
  if (fd >= 0)
    ::close(fd);
  fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return failure("cannot reopen " + temporary);
  if (::fchmod(fd, creationMode(executable)) != 0 || ::fsync(fd) != 0)
    return failure("write failed");
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0)
    return failure("write failed");
  if (::rename(temporary.c_str(), destination.c_str()) != 0)
    return failure("cannot replace");
  committed = true;
  // Make the rename itself durable.
  int directory = ::open(directoryOf(destination).c_str(),
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory >= 0) {
    ::fsync(directory);
    ::close(directory);
  }
  return ok();
}

Status writeFileAtomically(const std::string &path,
                           const std::string &contents) {
  auto file = PendingFile::create(path);
  if (!file)
    return Status::failure(file.error());
  if (Status status = file->write(contents); !status)
    return status;
  return file->commit();
}

Status checkWritable(const std::string &path) {
  auto file = PendingFile::create(path);
  if (!file)
    return Status::failure(file.error());
  return ok(); // the temporary goes with `file`
}

Status flushStandardOutput() {
  std::cout.flush();
  errno = 0;
  if (std::fflush(stdout) == 0 && !std::ferror(stdout) && std::cout)
    return ok();
  // An earlier write may have failed, with its errno long gone.
  return Status::failure(
      errno
          ? std::string("cannot write standard output: ") + std::strerror(errno)
          : "cannot write standard output: a write failed (a full disk or "
            "a closed pipe)");
}

} // namespace gradc::rt
