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
    # Capture's shared segment (memfd + mmap) for MIT-SHM AttachFd.
    {
      "target_name": "opendcv_shm",
      "sources": ["native/shared-memory.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ],
  "conditions": [
    # Screen pixels to I420 for the H.264 encoders (libyuv). Built when libyuv-dev is installed (it is in
    # scripts/debian-packages.txt); without it the encoder hands ffmpeg the pixels and ffmpeg converts.
    ["<!(test -f /usr/include/libyuv.h && echo 1 || echo 0)==1", {
      "targets": [
        {
          "target_name": "opendcv_yuv",
          "sources": ["native/yuv-convert.c"],
          "cflags": ["-Wall", "-Wextra", "-O2"],
          "libraries": ["-lyuv"]
        }
      ]
    }]
  ]
}
