/*
 * File metadata Node has no call for (see infrastructure/meta/native-file-meta.ts,
 * which falls back without this addon):
 *
 * - Exact file times: utimensat(2) with AT_SYMLINK_NOFOLLOW, so a restore sets any
 *   modification time to the nanosecond, before 1970 too (Node's fs.utimes takes a
 *   double of seconds: microseconds at best, and a negative time becomes "now").
 * - A sparse file's data: lseek(2) SEEK_DATA / SEEK_HOLE.
 * - Read-ahead hints: posix_fadvise(2) (see infrastructure/read-ahead.ts).
 *
 *   `path` is a string or a Buffer of the path's bytes.
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
#include <sys/xattr.h>
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
    case ENODATA: return "ENODATA";
    case ENOTSUP: return "ENOTSUP";
    case ERANGE: return "ERANGE";
    case E2BIG: return "E2BIG";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EBADF: return "EBADF";
    case ESPIPE: return "ESPIPE";
    default: return "EUNKNOWN";
  }
}


/* A string argument, as a malloc'd C string (UTF-8). */
static char *string_arg(napi_env env, napi_value value) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *text = malloc(length + 1);
  if (text == NULL) return NULL;
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

/* A path argument: a string (UTF-8) or a Buffer of the name's exact bytes (a name that is
 * not UTF-8, or a long path reached through /proc/self/fd). Returns a malloc'd C string. */
static char *path_arg(napi_env env, napi_value value) {
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) == napi_ok && is_buffer) {
    void *data = NULL;
    size_t length = 0;
    if (napi_get_buffer_info(env, value, &data, &length) != napi_ok || memchr(data, 0, length) != NULL) return NULL;
    char *path = malloc(length + 1);
    if (path == NULL) return NULL;
    memcpy(path, data, length);
    path[length] = 0;
    return path;
  }
  return string_arg(env, value);
}

static napi_value utimens(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) return fail(env, "EINVAL", "utimens(path, seconds, nanoseconds): bad arguments");
  char *path = path_arg(env, argv[0]);
  if (path == NULL) return fail(env, "EINVAL", "utimens: path is not a string or a Buffer of a path");
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
 *   futimens(fd, seconds, nanoseconds)   the same on an open file: no path lookup
 *                                        (a restore's writer threads set each new
 *                                        file's time through the descriptor they wrote)
 */
static napi_value futimens_fd(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) return fail(env, "EINVAL", "futimens(fd, seconds, nanoseconds): bad arguments");
  int32_t fd = -1;
  int64_t seconds = 0;
  bool lossless = false;
  uint32_t nanoseconds = 0;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_bigint_int64(env, argv[1], &seconds, &lossless) != napi_ok || !lossless ||
      napi_get_value_uint32(env, argv[2], &nanoseconds) != napi_ok || nanoseconds > 999999999u) {
    return fail(env, "EINVAL", "futimens: fd a number, seconds a BigInt, nanoseconds 0..999999999");
  }
  struct timespec times[2];
  times[0].tv_sec = (time_t)seconds;
  times[0].tv_nsec = (long)nanoseconds;
  times[1] = times[0];
  if (futimens(fd, times) != 0) {
    int e = errno;
    return fail(env, errno_name(e), strerror(e));
  }
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
  char *path = path_arg(env, argv[0]);
  if (path == NULL) return fail(env, "EINVAL", "dataExtents: path is not a string or a Buffer of a path");
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


/*
 * Extended attributes of a path given as a Buffer (a name that is not UTF-8, or a long
 * path through /proc/self/fd): the xattr binding takes UTF-8 strings only. A symlink is
 * never followed (the l* calls), as GNU tar does.
 *
 *   listXattrs(path)               the names, in the kernel's order
 *   getXattr(path, name)           the value as a Buffer, or null when it is gone
 *   setXattr(path, name, value)    sets it (value: a Buffer)
 */

static napi_value list_xattrs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1) return fail(env, "EINVAL", "listXattrs(path): bad arguments");
  char *path = path_arg(env, argv[0]);
  if (path == NULL) return fail(env, "EINVAL", "listXattrs: path is not a string or a Buffer of a path");
  ssize_t size = llistxattr(path, NULL, 0);
  char *names = NULL;
  while (size > 0) {
    names = realloc(names, (size_t)size);
    if (names == NULL) { free(path); return fail(env, "ENOMEM", "listXattrs: out of memory"); }
    ssize_t got = llistxattr(path, names, (size_t)size);
    if (got >= 0) { size = got; break; }
    if (errno != ERANGE) { size = -1; break; }
    size = llistxattr(path, NULL, 0);
  }
  int e = errno;
  free(path);
  if (size < 0) { free(names); return fail(env, errno_name(e), strerror(e)); }
  napi_value result;
  napi_create_array(env, &result);
  uint32_t n = 0;
  for (ssize_t at = 0; at < size;) {
    size_t length = strnlen(names + at, (size_t)(size - at));
    napi_value name;
    napi_create_string_utf8(env, names + at, length, &name);
    napi_set_element(env, result, n++, name);
    at += (ssize_t)length + 1;
  }
  free(names);
  return result;
}

static napi_value get_xattr(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) return fail(env, "EINVAL", "getXattr(path, name): bad arguments");
  char *path = path_arg(env, argv[0]);
  char *name = string_arg(env, argv[1]);
  if (path == NULL || name == NULL) { free(path); free(name); return fail(env, "EINVAL", "getXattr: bad path or name"); }
  ssize_t size = lgetxattr(path, name, NULL, 0);
  char *value = NULL;
  while (size >= 0) {
    value = realloc(value, size == 0 ? 1 : (size_t)size);
    if (value == NULL) { free(path); free(name); return fail(env, "ENOMEM", "getXattr: out of memory"); }
    ssize_t got = lgetxattr(path, name, value, (size_t)size);
    if (got >= 0) { size = got; break; }
    if (errno != ERANGE) { size = -1; break; }
    size = lgetxattr(path, name, NULL, 0);
  }
  int e = errno;
  free(path);
  free(name);
  napi_value result;
  if (size < 0) {
    free(value);
    if (e == ENODATA) { napi_get_null(env, &result); return result; }
    return fail(env, errno_name(e), strerror(e));
  }
  void *copy = NULL;
  napi_create_buffer_copy(env, (size_t)size, value, &copy, &result);
  free(value);
  return result;
}

static napi_value set_xattr(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) return fail(env, "EINVAL", "setXattr(path, name, value): bad arguments");
  void *data = NULL;
  size_t length = 0;
  bool is_buffer = false;
  if (napi_is_buffer(env, argv[2], &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, argv[2], &data, &length) != napi_ok) return fail(env, "EINVAL", "setXattr: value is not a Buffer");
  char *path = path_arg(env, argv[0]);
  char *name = string_arg(env, argv[1]);
  if (path == NULL || name == NULL) { free(path); free(name); return fail(env, "EINVAL", "setXattr: bad path or name"); }
  int rc = lsetxattr(path, name, data, length, 0);
  int e = errno;
  free(path);
  free(name);
  if (rc != 0) return fail(env, errno_name(e), strerror(e));
  return NULL;
}

/*
 *   fadvise(fd, offset, length, advice)   posix_fadvise(2): advice 0 NORMAL, 1 RANDOM,
 *                                         2 SEQUENTIAL, 3 WILLNEED, 4 DONTNEED, 5 NOREUSE
 *                                         (Linux numbering, mapped to the C constants);
 *                                         offset and length are doubles (exact below 2^53);
 *                                         throws an Error whose `code` is the errno name
 */
static napi_value fadvise_fd(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  static const int advices[] = {POSIX_FADV_NORMAL, POSIX_FADV_RANDOM, POSIX_FADV_SEQUENTIAL, POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  int32_t fd = -1;
  int64_t offset = 0;
  int64_t length = 0;
  uint32_t advice = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], &length) != napi_ok || napi_get_value_uint32(env, argv[3], &advice) != napi_ok ||
      advice > 5 || offset < 0 || length < 0) {
    return fail(env, "EINVAL", "fadvise(fd, offset, length, advice 0..5): bad arguments");
  }
  int rc = posix_fadvise(fd, (off_t)offset, (off_t)length, advices[advice]);
  if (rc != 0) return fail(env, errno_name(rc), strerror(rc));
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "dataExtents", NAPI_AUTO_LENGTH, data_extents, NULL, &fn);
  napi_set_named_property(env, exports, "dataExtents", fn);
  napi_create_function(env, "utimens", NAPI_AUTO_LENGTH, utimens, NULL, &fn);
  napi_set_named_property(env, exports, "utimens", fn);
  napi_create_function(env, "futimens", NAPI_AUTO_LENGTH, futimens_fd, NULL, &fn);
  napi_set_named_property(env, exports, "futimens", fn);
  napi_create_function(env, "listXattrs", NAPI_AUTO_LENGTH, list_xattrs, NULL, &fn);
  napi_set_named_property(env, exports, "listXattrs", fn);
  napi_create_function(env, "getXattr", NAPI_AUTO_LENGTH, get_xattr, NULL, &fn);
  napi_set_named_property(env, exports, "getXattr", fn);
  napi_create_function(env, "setXattr", NAPI_AUTO_LENGTH, set_xattr, NULL, &fn);
  napi_set_named_property(env, exports, "setXattr", fn);
  napi_create_function(env, "fadvise", NAPI_AUTO_LENGTH, fadvise_fd, NULL, &fn);
  napi_set_named_property(env, exports, "fadvise", fn);
  return exports;
}
