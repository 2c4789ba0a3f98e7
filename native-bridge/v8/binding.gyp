{
  "targets": [
    {
      "target_name": "wasmprof_v8",
      "sources": ["wasmprof_v8.cc", "sample-labels.cc"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "OTHER_CPLUSPLUSFLAGS": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type"]
          }
        }]
      ]
    }
  ]
}
