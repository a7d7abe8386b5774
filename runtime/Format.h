//===- Format.h - printf-style text for the runtime's messages --*- C++ -*-===//
#ifndef GRADC_RUNTIME_FORMAT_H
#define GRADC_RUNTIME_FORMAT_H

#include <string>

namespace gradc::rt {

/// `pattern` filled in as by printf (up to 511 characters).
std::string format(const char *pattern, ...)
    __attribute__((format(printf, 1, 2)));

} // namespace gradc::rt

#endif // GRADC_RUNTIME_FORMAT_H
