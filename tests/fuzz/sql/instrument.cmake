# Included by the kernel fuzz harnesses (sql, config, sstable, wal, manifest). With
# HELIOS_FUZZ=ON (clang) the kernel's static libraries are compiled with libFuzzer coverage,
# ASan and UBSan, and everything linking them gets the sanitizer runtimes; plugins (tiers,
# codecs) stay uninstrumented shared objects, which need no runtime of their own.
include_guard(GLOBAL)
set(HELIOS_FUZZ_SAN -fsanitize=address,undefined -fno-sanitize-recover=all)
if(HELIOS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "HELIOS_FUZZ=ON needs clang (CC=clang)")
  endif()
  foreach(lib helios_storage helios_txn helios_sql helios_core heliosdb)
    if(TARGET ${lib})
      target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link ${HELIOS_FUZZ_SAN}
                                            -fno-omit-frame-pointer)
      target_link_options(${lib} INTERFACE ${HELIOS_FUZZ_SAN})
    endif()
  endforeach()
endif()

# helios_kernel_fuzz(NAME SOURCES... LIBS... CORPUS dir): the libFuzzer target fuzz_NAME
# (HELIOS_FUZZ=ON) and always the replay driver fuzz_NAME_replay, run by ctest (label fuzz)
# over the committed corpus.
function(helios_kernel_fuzz name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS;DEFS" ${ARGN})
  add_executable(fuzz_${name}_replay ${F_SOURCES}
                                     ${CMAKE_SOURCE_DIR}/tests/fuzz/postgres/replay_main.c)
  target_link_libraries(fuzz_${name}_replay PRIVATE ${F_LIBS})
  target_compile_definitions(fuzz_${name}_replay PRIVATE ${F_DEFS})
  add_test(NAME fuzz_${name}_replay COMMAND fuzz_${name}_replay ${F_CORPUS})
  set_tests_properties(fuzz_${name}_replay PROPERTIES LABELS fuzz TIMEOUT 60)
  if(HELIOS_FUZZ)
    add_executable(fuzz_${name} ${F_SOURCES})
    target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS})
    target_compile_definitions(fuzz_${name} PRIVATE ${F_DEFS})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer ${HELIOS_FUZZ_SAN})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer ${HELIOS_FUZZ_SAN})
    # short CI run: new inputs go to a scratch dir, the committed corpus is only read
    add_test(NAME fuzz_${name}_short
             COMMAND sh ${CMAKE_SOURCE_DIR}/tests/fuzz/postgres/run_short.sh
                     $<TARGET_FILE:fuzz_${name}> ${F_CORPUS} 20)
    set_tests_properties(fuzz_${name}_short PROPERTIES LABELS fuzz TIMEOUT 120)
  endif()
endfunction()
