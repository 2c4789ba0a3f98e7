{
  "targets": [
    {
      "target_name": "wasmprof_fork_test",
      "sources": ["fork_test.c", "native_state.c", "children.c"],
      "include_dirs": [".", "../../../native-bridge/fork"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread", "-ldl"]
    }
  ]
}
