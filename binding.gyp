{
  "targets": [
    {
      "target_name": "opendcv_native",
      "sources": ["native/peer-credentials.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
