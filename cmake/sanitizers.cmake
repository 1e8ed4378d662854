# One sanitizer family per build, never combined: address (with undefined behaviour), thread, or
# fuzzer (clang's libFuzzer coverage with address and undefined behaviour; the fuzz targets link
# -fsanitize=fuzzer themselves, so other executables keep their own main).
if(DYAD_SANITIZER STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(DYAD_SANITIZER STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(DYAD_SANITIZER STREQUAL "fuzzer")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "DYAD_SANITIZER=fuzzer needs clang (the fuzz preset uses clang++-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
                      -fsanitize-coverage-ignorelist=${PROJECT_SOURCE_DIR}/cmake/fuzz-coverage-ignore.txt)
  add_link_options(-fsanitize=address,undefined)
elseif(NOT DYAD_SANITIZER STREQUAL "")
  message(FATAL_ERROR "DYAD_SANITIZER must be address, thread, fuzzer or empty, not '${DYAD_SANITIZER}'")
endif()
