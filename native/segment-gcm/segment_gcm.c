/*
 * AES-256-GCM of one segment chunk through the system's libcrypto (EVP), straight
 * between caller-owned buffers: no allocation and no copy per chunk, and the
 * libcrypto's fastest code path for this CPU (Node's bundled OpenSSL may lack the
 * VAES/AVX-512 one). Output is that of node:crypto's createCipheriv('aes-256-gcm'):
 * ciphertext then the 16-byte tag. See infrastructure/crypto/native-gcm.ts.
 *
 *   seal(key[32], nonce[12], aad, plain, out)    out: plain.length + 16 bytes, ciphertext || tag
 *   open(key[32], nonce[12], aad, sealed, out)   sealed: ciphertext || tag; out: sealed.length - 16
 *                                                bytes; true when the tag verifies, else false
 *                                                (and `out` is zeroed: nothing unverified stays)
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <string.h>

typedef struct {
  unsigned char *data;
  size_t length;
} bytes_t;

static int bytes_of(napi_env env, napi_value value, bytes_t *out) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array) return 0;
  out->data = data;
  out->length = length;
  return 1;
}

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, "ERR_SEGMENT_GCM", message);
  return NULL;
}

static int args5(napi_env env, napi_callback_info info, bytes_t b[5]) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5) return 0;
  for (int i = 0; i < 5; i++)
    if (!bytes_of(env, argv[i], &b[i])) return 0;
  return b[0].length == 32 && b[1].length == 12 && b[2].length <= 0x7fffffff && b[3].length <= 0x7fffffff;
}

static napi_value seal(napi_env env, napi_callback_info info) {
  bytes_t b[5];
  if (!args5(env, info, b)) return fail(env, "seal(key[32], nonce[12], aad, plain, out): bad arguments");
  bytes_t key = b[0], nonce = b[1], aad = b[2], plain = b[3], out = b[4];
  if (out.length < plain.length + 16) return fail(env, "seal: out is too small");
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx == NULL) return fail(env, "seal: out of memory");
  int n = 0, tail = 0;
  int ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key.data, nonce.data) == 1 &&
           (aad.length == 0 || EVP_EncryptUpdate(ctx, NULL, &n, aad.data, (int)aad.length) == 1) &&
           EVP_EncryptUpdate(ctx, out.data, &n, plain.data, (int)plain.length) == 1 &&
           EVP_EncryptFinal_ex(ctx, out.data + n, &tail) == 1 &&
           (size_t)(n + tail) == plain.length &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data + plain.length) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return fail(env, "seal: libcrypto failed");
  return NULL;
}

static napi_value open_(napi_env env, napi_callback_info info) {
  bytes_t b[5];
  if (!args5(env, info, b)) return fail(env, "open(key[32], nonce[12], aad, sealed, out): bad arguments");
  bytes_t key = b[0], nonce = b[1], aad = b[2], sealed = b[3], out = b[4];
  if (sealed.length < 16) return fail(env, "open: sealed is shorter than a tag");
  size_t length = sealed.length - 16;
  if (out.length < length) return fail(env, "open: out is too small");
  unsigned char tag[16];
  memcpy(tag, sealed.data + length, 16);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx == NULL) return fail(env, "open: out of memory");
  int n = 0, tail = 0;
  int ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key.data, nonce.data) == 1 &&
           (aad.length == 0 || EVP_DecryptUpdate(ctx, NULL, &n, aad.data, (int)aad.length) == 1) &&
           EVP_DecryptUpdate(ctx, out.data, &n, sealed.data, (int)length) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1 &&
           EVP_DecryptFinal_ex(ctx, out.data + n, &tail) == 1 &&
           (size_t)(n + tail) == length;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) memset(out.data, 0, length);
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "seal", NAPI_AUTO_LENGTH, seal, NULL, &fn);
  napi_set_named_property(env, exports, "seal", fn);
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_, NULL, &fn);
  napi_set_named_property(env, exports, "open", fn);
  return exports;
}
