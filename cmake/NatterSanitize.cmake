# NATTER_SANITIZE=address,undefined builds everything (tests and googletest
# included) with those sanitizers. Applied globally so that every object in a
# test binary agrees on instrumentation.
if(NATTER_SANITIZE)
  if(MSVC)
    add_compile_options(/fsanitize=${NATTER_SANITIZE})
  else()
    add_compile_options(-fsanitize=${NATTER_SANITIZE} -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${NATTER_SANITIZE})
  endif()
endif()
