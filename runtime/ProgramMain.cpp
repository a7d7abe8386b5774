//===- ProgramMain.cpp - main() of programs built by gradc build ----------===//
#include "gradc/Runtime/Program.h"

extern "C" const gradc_compiled_model gradc_model;

int main(int argc, char **argv) {
  return gradc::rt::runProgram(argc, argv, gradc_model);
}
