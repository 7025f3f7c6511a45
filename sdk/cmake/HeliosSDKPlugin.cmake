# helios_add_plugin(<target> NAME <name> SOURCES <src>... [LIBS <lib>...] [INCLUDES <dir>...])
#   Builds <name>.so into ${HELIOS_PLUGIN_OUTPUT_DIR} (default: <build>/plugins) exactly as the
#   HeliosDB tree builds its own plugins: a MODULE with no "lib" prefix, C17, hidden visibility
#   (only `helios_plugin` is exported, by HELIOS_PLUGIN), no undefined symbols, linked with
#   HeliosSDK::sdk only. `cmake --install` puts it in <prefix>/lib/heliosdb/plugins.
#   The same call works in tree (plugins/<kind>/<name>/CMakeLists.txt), so a plugin folder can
#   move between the two unchanged.
#
# helios_add_plugin_test(NAME <test> PLUGIN <target> SOURCES <src>... [LIBS <lib>...]
#                        [LABELS <label>...])
#   A CUnit test executable linked with HeliosSDK::testing, run by ctest with the path of the
#   built plugin as its first argument (label "unit" unless LABELS says otherwise).
include_guard(GLOBAL)
include(GNUInstallDirs)

if(NOT DEFINED HELIOS_PLUGIN_OUTPUT_DIR)
  set(HELIOS_PLUGIN_OUTPUT_DIR ${CMAKE_BINARY_DIR}/plugins)
endif()
set(HeliosSDK_PLUGIN_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/heliosdb/plugins)

function(helios_add_plugin target)
  cmake_parse_arguments(P "" "NAME" "SOURCES;LIBS;INCLUDES" ${ARGN})
  if(NOT P_NAME)
    message(FATAL_ERROR "helios_add_plugin(${target}): NAME is required")
  endif()
  if(NOT P_NAME MATCHES "^[a-z0-9_]+$")
    message(FATAL_ERROR "helios_add_plugin(${target}): NAME must match [a-z0-9_]+")
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${P_NAME}
    LIBRARY_OUTPUT_DIRECTORY ${HELIOS_PLUGIN_OUTPUT_DIR}
    C_STANDARD 17
    C_STANDARD_REQUIRED ON
    C_VISIBILITY_PRESET hidden)
  target_link_libraries(${target} PRIVATE HeliosSDK::sdk ${P_LIBS})
  if(P_INCLUDES)
    target_include_directories(${target} PRIVATE ${P_INCLUDES})
  endif()
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  install(TARGETS ${target} LIBRARY DESTINATION ${HeliosSDK_PLUGIN_INSTALL_DIR})
endfunction()

function(helios_add_plugin_test)
  cmake_parse_arguments(T "" "NAME;PLUGIN" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_NAME OR NOT T_PLUGIN OR NOT T_SOURCES)
    message(FATAL_ERROR "helios_add_plugin_test: NAME, PLUGIN and SOURCES are required")
  endif()
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  set_target_properties(${T_NAME} PROPERTIES C_STANDARD 17 C_STANDARD_REQUIRED ON)
  target_link_libraries(${T_NAME} PRIVATE HeliosSDK::testing ${T_LIBS})
  add_dependencies(${T_NAME} ${T_PLUGIN})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} $<TARGET_FILE:${T_PLUGIN}>)
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
endfunction()
