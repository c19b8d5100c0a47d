{
  "targets": [
    {
      "target_name": "opendcv_native",
      "sources": ["native/peer-credentials.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    # A module of its own, so the control socket never depends on libpam being loadable.
    {
      "target_name": "opendcv_pam",
      "sources": ["native/pam-authenticate.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "libraries": ["-lpam"]
    },
    # Screen pixels to I420 for the H.264 encoders (libyuv); the encoder falls back to ffmpeg's own
    # conversion when this module cannot load.
    {
      "target_name": "opendcv_yuv",
      "sources": ["native/yuv-convert.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "libraries": ["-lyuv"]
    }
  ]
}
