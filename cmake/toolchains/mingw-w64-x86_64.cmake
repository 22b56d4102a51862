# Cross-compile natter for 64-bit Windows with mingw-w64 (the -posix variants,
# which provide std::thread for the tests) and run the tests under wine.
#   cmake -S . -B build/mingw -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# Static linking: the .exe files run under wine (or are copied to Windows)
# without the mingw runtime DLLs beside them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Each test .exe runs under wine, through cmake/wine-run.sh: it disables
# winedbg (so that a crash is reported as a failure instead of waiting in a
# debugger) and repeats a run that wine failed to start at all.
find_program(NATTER_WINE NAMES wine wine64)
if(NATTER_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR
      sh ${CMAKE_CURRENT_LIST_DIR}/../wine-run.sh ${NATTER_WINE})
endif()
