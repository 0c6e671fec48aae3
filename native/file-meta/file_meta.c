/*
 * File metadata Node has no call for (see infrastructure/meta/native-file-meta.ts,
 * which falls back without this addon):
 *
 * - Exact file times: utimensat(2) with AT_SYMLINK_NOFOLLOW, so a restore sets any
 *   modification time to the nanosecond, before 1970 too (Node's fs.utimes takes a
 *   double of seconds: microseconds at best, and a negative time becomes "now").
 * - A sparse file's data: lseek(2) SEEK_DATA / SEEK_HOLE.
 *
 *   utimens(path, seconds, nanoseconds)   sets atime and mtime of `path` (not followed
 *                                         when a symlink) to seconds + nanoseconds / 1e9;
 *                                         `seconds` is a BigInt, `nanoseconds` 0..999999999;
 *                                         throws an Error whose `code` is the errno name
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EROFS: return "EROFS";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOTDIR: return "ENOTDIR";
    case ELOOP: return "ELOOP";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    default: return "EUNKNOWN";
  }
}

static napi_value utimens(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) return fail(env, "EINVAL", "utimens(path, seconds, nanoseconds): bad arguments");
  size_t length = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &length) != napi_ok) return fail(env, "EINVAL", "utimens: path is not a string");
  char *path = malloc(length + 1);
  if (path == NULL) return fail(env, "ENOMEM", "utimens: out of memory");
  napi_get_value_string_utf8(env, argv[0], path, length + 1, &length);
  int64_t seconds = 0;
  bool lossless = false;
  uint32_t nanoseconds = 0;
  if (napi_get_value_bigint_int64(env, argv[1], &seconds, &lossless) != napi_ok || !lossless ||
      napi_get_value_uint32(env, argv[2], &nanoseconds) != napi_ok || nanoseconds > 999999999u) {
    free(path);
    return fail(env, "EINVAL", "utimens: seconds must be a BigInt, nanoseconds 0..999999999");
  }
  struct timespec times[2];
  times[0].tv_sec = (time_t)seconds;
  times[0].tv_nsec = (long)nanoseconds;
  times[1] = times[0];
  int rc = utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW);
  int e = errno;
  free(path);
  if (rc != 0) return fail(env, errno_name(e), strerror(e));
  return NULL;
}

/*
 *   dataExtents(path)   [offset, length, offset, length, ...] of the file's data (what is
 *                       not a hole), in order, as doubles (exact below 2^53); throws an
 *                       Error whose `code` is the errno name
 */
static napi_value data_extents(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1) return fail(env, "EINVAL", "dataExtents(path): bad arguments");
  size_t length = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &length) != napi_ok) return fail(env, "EINVAL", "dataExtents: path is not a string");
  char *path = malloc(length + 1);
  if (path == NULL) return fail(env, "ENOMEM", "dataExtents: out of memory");
  napi_get_value_string_utf8(env, argv[0], path, length + 1, &length);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int e = errno;
  free(path);
  if (fd < 0) return fail(env, errno_name(e), strerror(e));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    e = errno;
    close(fd);
    return fail(env, errno_name(e), strerror(e));
  }
  napi_value result;
  napi_create_array(env, &result);
  uint32_t n = 0;
  off_t at = 0;
  while (at < st.st_size) {
    off_t data = lseek(fd, at, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break; /* only a hole from here to the end */
      e = errno;
      close(fd);
      return fail(env, errno_name(e), strerror(e));
    }
    off_t hole = lseek(fd, data, SEEK_HOLE);
    if (hole < 0) {
      e = errno;
      close(fd);
      return fail(env, errno_name(e), strerror(e));
    }
    if (hole > st.st_size) hole = st.st_size;
    napi_value v;
    napi_create_double(env, (double)data, &v);
    napi_set_element(env, result, n++, v);
    napi_create_double(env, (double)(hole - data), &v);
    napi_set_element(env, result, n++, v);
    at = hole;
  }
  close(fd);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "dataExtents", NAPI_AUTO_LENGTH, data_extents, NULL, &fn);
  napi_set_named_property(env, exports, "dataExtents", fn);
  napi_create_function(env, "utimens", NAPI_AUTO_LENGTH, utimens, NULL, &fn);
  napi_set_named_property(env, exports, "utimens", fn);
  return exports;
}
