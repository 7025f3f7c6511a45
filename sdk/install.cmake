# Install rules for the SDK (included by sdk/CMakeLists.txt): `cmake --install build --prefix P`
# puts under P
#   include/helios/*.h              the SDK headers, the generated sqlstate.h, testing.h and
#                                   conformance.h
#   lib/libhelios_testing.a         the fake host and the conformance suites
#   lib/cmake/HeliosSDK/            find_package(HeliosSDK): HeliosSDK::sdk, HeliosSDK::testing,
#                                   helios_add_plugin() and helios_add_plugin_test()
#   lib/pkgconfig/heliosdb-sdk.pc   pkg-config: headers (and heliosdb-sdk-testing.pc)
include(CMakePackageConfigHelpers)

set(HELIOS_SDK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/HeliosSDK)

install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/helios
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${HELIOS_GEN_INCLUDE}/helios/sqlstate.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/helios)
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/testing/include/helios
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

set_target_properties(helios_sdk PROPERTIES EXPORT_NAME sdk)
set_target_properties(helios_testing PROPERTIES EXPORT_NAME testing)
install(TARGETS helios_sdk helios_testing EXPORT HeliosSDKTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT HeliosSDKTargets NAMESPACE HeliosSDK:: DESTINATION ${HELIOS_SDK_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/HeliosSDKConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/HeliosSDKConfig.cmake
  INSTALL_DESTINATION ${HELIOS_SDK_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
# The package version is the SDK's ABI version: a plugin needs the same major, and a kernel at
# least as new as the minor it was built with (the loader checks that at run time).
file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/include/helios/plugin.h abi_lines
     REGEX "^#define HELIOS_ABI_(MAJOR|MINOR) ")
string(REGEX REPLACE ".*HELIOS_ABI_MAJOR ([0-9]+).*" "\\1" HELIOS_SDK_ABI_MAJOR "${abi_lines}")
string(REGEX REPLACE ".*HELIOS_ABI_MINOR ([0-9]+).*" "\\1" HELIOS_SDK_ABI_MINOR "${abi_lines}")
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/HeliosSDKConfigVersion.cmake
  VERSION ${HELIOS_SDK_ABI_MAJOR}.${HELIOS_SDK_ABI_MINOR} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/HeliosSDKConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/HeliosSDKConfigVersion.cmake
              ${CMAKE_CURRENT_SOURCE_DIR}/cmake/HeliosSDKPlugin.cmake
        DESTINATION ${HELIOS_SDK_CMAKE_DIR})

foreach(pc heliosdb-sdk heliosdb-sdk-testing)
  configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/${pc}.pc.in
                 ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
