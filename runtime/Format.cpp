//===- Format.cpp - printf-style text for the runtime's messages ----------===//
#include "Format.h"

#include <cstdarg>
#include <cstdio>

std::string gradc::rt::format(const char *pattern, ...) {
  char text[512];
  va_list args;
  va_start(args, pattern);
  std::vsnprintf(text, sizeof(text), pattern, args);
  va_end(args);
  return text;
}
