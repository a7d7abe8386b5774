# lit configuration: IR tests (lit/) and the bad-input corpus (bad/).
import os
import sys
import lit.formats

config.name = "gradc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".grad", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.gradc_tools_dir, "..", "test")
config.excludes = ["unit", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in", "Inputs"]

config.substitutions.append(("%gradc", os.path.join(config.gradc_tools_dir, "gradc")))
config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%models", os.path.join(config.gradc_source_dir, "models")))
# Every compile proves its buffer plans safe.
config.environment["GRADC_VERIFY"] = "1"
config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, config.environment.get("PATH", "")])

# In a sanitized build a report aborts, so that `not %gradc` (which accepts
# any error exit but not a crash) cannot mistake it for a diagnosed error.
if config.gradc_sanitize:
    config.environment["ASAN_OPTIONS"] = "abort_on_error=1"
    config.environment["UBSAN_OPTIONS"] = "abort_on_error=1:print_stacktrace=1"

# C and C++ compilers for the embedding example (test/embed).
import shutil
for name, candidates in (("%cc", ["clang-19", "cc", "gcc"]),
                         ("%cxx", ["clang++-19", "c++", "g++"])):
    found = next((shutil.which(c) for c in candidates if shutil.which(c)), None)
    if found:
        if config.gradc_sanitize:
            found += " -fsanitize=" + config.gradc_sanitize
        config.substitutions.append((name, found))
        config.available_features.add(name[1:])
config.substitutions.append(("%embed", os.path.join(config.test_source_root, "embed")))
