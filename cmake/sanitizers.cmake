# Sanitizer and fuzzing builds (docs/TESTING.md). `make sanitize` and `make fuzz` configure build-asan with
# Debian's clang, TP_FUZZ=ON and the Sanitize build type; the normal build sets neither option.
option(TP_SANITIZE "build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(TP_FUZZ "build tests/fuzz as libFuzzer binaries (clang only; implies TP_SANITIZE)" OFF)

# The Sanitize build type: -O1 (ASan's recommendation: fast enough, stack traces still exact) with line
# tables only (symbolised traces without full debug info, which made linking the test binaries slow), and
# without NDEBUG so assert() stays on.
set(CMAKE_C_FLAGS_SANITIZE "-O1 -g1" CACHE STRING "C flags of the Sanitize build type")
set(CMAKE_CXX_FLAGS_SANITIZE "-O1 -g1" CACHE STRING "C++ flags of the Sanitize build type")

if(TP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TP_FUZZ needs clang (libFuzzer): cmake -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(TP_SANITIZE ON)
  # Coverage feedback for the fuzzers from every library; the fuzz targets alone link libFuzzer's main
  # (tests/fuzz/CMakeLists.txt). The sanitizer runtimes provide the callbacks the other binaries need.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# ctest timeouts are multiplied by this (tests/unit, tests/e2e): the sanitizers slow some tests 20-55x
# (Snapshot.FlippedBytesNeverCrash took 97 s of its 120 under ASan on a busy machine).
set(TP_TEST_TIMEOUT_FACTOR 1)
if(TP_SANITIZE)
  set(TP_TEST_TIMEOUT_FACTOR 4)
  # -fno-sanitize-recover: undefined behaviour fails the test instead of printing a line nobody reads.
  # _GLIBCXX_ASSERTIONS: libstdc++'s bounds checks (operator[] within capacity but past size, front() of
  # an empty container), which ASan cannot see; it does not change the ABI.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
                      -D_GLIBCXX_ASSERTIONS)
  add_link_options(-fsanitize=address,undefined)
  # clang links the sanitizer runtimes into executables only: a plugin's references to them resolve when
  # the daemon loads it, so plugins/CMakeLists.txt must not link them with --no-undefined.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set(TP_PLUGINS_ALLOW_UNDEFINED ON)
  endif()
endif()
