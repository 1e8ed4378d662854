# Warnings for Dyad's own targets only: generated code and third-party headers stay quiet.
function(dyad_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference
    -Wimplicit-fallthrough)
  # GCC 12 reports impossible overlaps inside libstdc++'s string concatenation at -O2 and above
  # (GCC bug 105329), in code that is fine. (Clang, for the fuzz build, has no such warning.)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(DYAD_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
