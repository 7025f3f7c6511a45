# helios_add_plugin(<target> NAME <name> SOURCES ... [LIBS ...])
# Builds a plugin shared object build/lib/heliosdb/plugins/<name>.so that sees only the SDK
# headers, exports only `helios_plugin` (hidden visibility), and installs beside the others.
function(helios_add_plugin target)
  cmake_parse_arguments(P "" "NAME" "SOURCES;LIBS;INCLUDES" ${ARGN})
  if(NOT P_NAME)
    message(FATAL_ERROR "helios_add_plugin(${target}): NAME is required")
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${P_NAME}
    LIBRARY_OUTPUT_DIRECTORY ${HELIOS_PLUGIN_OUTPUT_DIR}
    C_VISIBILITY_PRESET hidden)
  target_link_libraries(${target} PRIVATE helios_sdk ${P_LIBS})
  if(P_INCLUDES)
    target_include_directories(${target} PRIVATE ${P_INCLUDES})
  endif()
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  if(HELIOS_SANITIZE)
    # the sanitizer runtime comes from the executable that loads the plugin
    target_link_options(${target} PRIVATE -Wl,--allow-shlib-undefined)
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/heliosdb/plugins)
endfunction()
