/* Shared memory Node cannot make: an anonymous memfd mapped into this process, handed to the X server with
 * MIT-SHM AttachFd, so the pixels ShmGetImage writes are read in place (no copy out of the segment). */
#define _GNU_SOURCE
#include <node_api.h>
#include <sys/mman.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct mapping {
  void *addr;
  size_t size;
};

/* The mapping lives exactly as long as the Buffer over it: unmapped when the Buffer is collected. */
static void unmap(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  struct mapping *m = hint;
  munmap(m->addr, m->size);
  free(m);
}

static napi_value map_shared_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double requested;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_double(env, argv[0], &requested) != napi_ok || !(requested > 0) ||
      requested > (double)(1ull << 32)) {
    napi_throw_type_error(env, NULL, "mapSharedMemory(size: number), 0 < size <= 4 GiB");
    return NULL;
  }
  size_t size = (size_t)requested;
  int fd = memfd_create("opendcv-capture", MFD_CLOEXEC);
  if (fd < 0) {
    napi_throw_error(env, "EMEMFD", strerror(errno));
    return NULL;
  }
  if (ftruncate(fd, (off_t)size) != 0) {
    int e = errno;
    close(fd);
    napi_throw_error(env, "EMEMFD", strerror(e));
    return NULL;
  }
  void *addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) {
    int e = errno;
    close(fd);
    napi_throw_error(env, "EMEMFD", strerror(e));
    return NULL;
  }
  struct mapping *m = malloc(sizeof *m);
  if (!m) {
    munmap(addr, size);
    close(fd);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  m->addr = addr;
  m->size = size;
  napi_value buffer, result, fdv;
  if (napi_create_external_buffer(env, size, addr, unmap, m, &buffer) != napi_ok) {
    munmap(addr, size);
    free(m);
    close(fd);
    napi_throw_error(env, "EMEMFD", "cannot wrap the mapping in a Buffer");
    return NULL;
  }
  napi_create_object(env, &result);
  napi_create_int32(env, fd, &fdv);
  napi_set_named_property(env, result, "fd", fdv);
  napi_set_named_property(env, result, "buffer", buffer);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "mapSharedMemory", NAPI_AUTO_LENGTH, map_shared_memory, NULL, &fn);
  napi_set_named_property(env, exports, "mapSharedMemory", fn);
  return exports;
}
