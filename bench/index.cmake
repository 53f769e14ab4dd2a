# index_bench: cold index, warm restart and single-file update throughput of tools::RepoIndex
# on a large source tree (a directory argument, or the Linux kernel source with --linux).
add_executable(index_bench ${CMAKE_CURRENT_LIST_DIR}/index_bench.cc)
target_link_libraries(index_bench PRIVATE flashcode_tools_code nlohmann_json::nlohmann_json)
