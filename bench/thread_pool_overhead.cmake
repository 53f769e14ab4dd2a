# thread_pool_overhead: microseconds per ParallelFor beyond its work, per pool size.
add_executable(thread_pool_overhead ${CMAKE_CURRENT_LIST_DIR}/thread_pool_overhead.cc)
target_link_libraries(thread_pool_overhead PRIVATE flashcode_backend nlohmann_json::nlohmann_json)
