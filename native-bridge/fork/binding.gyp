{
  "targets": [
    {
      "target_name": "wasmprof_fork",
      "sources": ["wasmprof_fork.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-fno-exceptions"],
      "libraries": ["-lpthread"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "OTHER_CFLAGS": ["-std=c11", "-O2", "-Wall", "-Wextra"]
          }
        }]
      ]
    }
  ]
}
