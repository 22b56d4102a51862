# Find googletest: the installed package first, then Debian's source tree in
# /usr/src/googletest, and only as a last resort download it (needs internet).
# Cross builds (mingw) skip the installed package: it is built for the host.
include(GoogleTest)

if(NOT CMAKE_CROSSCOMPILING)
  find_package(GTest QUIET)
endif()

if(GTest_FOUND)
  message(STATUS "googletest: installed package")
elseif(EXISTS /usr/src/googletest/CMakeLists.txt)
  message(STATUS "googletest: building /usr/src/googletest")
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
  set(gtest_force_shared_crt ON CACHE BOOL "" FORCE)
  add_subdirectory(/usr/src/googletest ${CMAKE_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)
  add_library(GTest::gtest ALIAS gtest)
  add_library(GTest::gtest_main ALIAS gtest_main)
else()
  message(STATUS "googletest: downloading with FetchContent")
  include(FetchContent)
  FetchContent_Declare(googletest
    URL https://github.com/google/googletest/archive/refs/tags/v1.14.0.tar.gz)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
  set(gtest_force_shared_crt ON CACHE BOOL "" FORCE)
  FetchContent_MakeAvailable(googletest)
  if(NOT TARGET GTest::gtest)
    add_library(GTest::gtest ALIAS gtest)
    add_library(GTest::gtest_main ALIAS gtest_main)
  endif()
endif()
