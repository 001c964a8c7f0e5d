/*
 * Resumable SHA-256 for berth: exposes OpenSSL's SHA256_CTX as a plain byte
 * buffer so a layer upload's hash state can be persisted between parts and
 * resumed by any instance. node:crypto is as fast but cannot export its state.
 *
 * The OpenSSL symbols are resolved from the node binary itself at load time
 * (it links OpenSSL statically and exports them), so nothing extra is linked.
 */

/* SHA256_* are deprecated in OpenSSL 3 in favour of EVP, whose state is opaque
 * and therefore useless here. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <node_api.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#define STATE_SIZE sizeof(SHA256_CTX)

#define CALL(env, call)                                                       \
  do {                                                                        \
    if ((call) != napi_ok) {                                                  \
      const napi_extended_error_info *info = NULL;                            \
      napi_get_last_error_info((env), &info);                                 \
      napi_throw_error((env), "ERR_SHA256_NAPI",                              \
                       info != NULL && info->error_message != NULL            \
                           ? info->error_message                              \
                           : "N-API call failed");                            \
      return NULL;                                                            \
    }                                                                         \
  } while (0)

/* Accepts any Uint8Array (Buffer included); other views are refused rather
 * than hashed so their element width cannot silently change the digest. */
static int get_bytes(napi_env env, napi_value value, const char *what,
                     const unsigned char **data, size_t *len) {
  bool is_typedarray = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray ||
      napi_get_typedarray_info(env, value, &type, len, &ptr, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a Buffer or Uint8Array", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  /* A zero-length view may carry a NULL pointer, which memcpy must not see. */
  *data = ptr != NULL ? ptr : (const unsigned char *)"";
  return 1;
}

/* The state comes back from the database, so it is untrusted: an out-of-range
 * `num` would make SHA256_Update write past `data`, and a wrong `md_len` would
 * make SHA256_Final emit the wrong length. */
static int load_state(napi_env env, napi_value value, SHA256_CTX *ctx) {
  const unsigned char *bytes;
  size_t len;
  if (!get_bytes(env, value, "state", &bytes, &len)) return 0;
  if (len != STATE_SIZE) {
    char msg[96];
    snprintf(msg, sizeof msg, "SHA-256 state must be %u bytes, got %lu",
             (unsigned)STATE_SIZE, (unsigned long)len);
    napi_throw_range_error(env, "ERR_SHA256_STATE", msg);
    return 0;
  }
  memcpy(ctx, bytes, STATE_SIZE);
  if (ctx->num >= SHA256_CBLOCK || ctx->md_len != SHA256_DIGEST_LENGTH ||
      (ctx->Nl & 7) != 0 || ctx->num != ((ctx->Nl >> 3) & (SHA256_CBLOCK - 1))) {
    napi_throw_range_error(env, "ERR_SHA256_STATE", "SHA-256 state is corrupt");
    return 0;
  }
  return 1;
}

static napi_value copy_out(napi_env env, const void *bytes, size_t len) {
  napi_value result;
  CALL(env, napi_create_buffer_copy(env, len, bytes, NULL, &result));
  return result;
}

/* update(state: Uint8Array | null | undefined, data: Uint8Array): Buffer
 * Never mutates `state`; returns a fresh state buffer. */
static napi_value Update(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_valuetype state_type;
  const unsigned char *data;
  size_t len;
  SHA256_CTX ctx;

  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "update(state, data) needs 2 arguments");
    return NULL;
  }
  CALL(env, napi_typeof(env, argv[0], &state_type));
  if (state_type == napi_null || state_type == napi_undefined) {
    SHA256_Init(&ctx);
  } else if (!load_state(env, argv[0], &ctx)) {
    return NULL;
  }
  if (!get_bytes(env, argv[1], "data", &data, &len)) return NULL;
  SHA256_Update(&ctx, data, len);
  return copy_out(env, &ctx, STATE_SIZE);
}

/* digest(state: Uint8Array | null | undefined): Buffer (32 bytes) */
static napi_value Digest(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype state_type = napi_undefined;
  SHA256_CTX ctx;
  unsigned char md[SHA256_DIGEST_LENGTH];

  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) CALL(env, napi_typeof(env, argv[0], &state_type));
  if (state_type == napi_null || state_type == napi_undefined) {
    SHA256_Init(&ctx);
  } else if (!load_state(env, argv[0], &ctx)) {
    return NULL;
  }
  SHA256_Final(md, &ctx);
  return copy_out(env, md, sizeof md);
}

static int export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, name, fn) == napi_ok;
}

/* NAPI_MODULE_INIT (rather than NAPI_MODULE) keeps the addon loadable more than
 * once per process, which jest and worker threads both do. */
NAPI_MODULE_INIT() {
  napi_value size;
  if (!export_fn(env, exports, "update", Update) || !export_fn(env, exports, "digest", Digest) ||
      napi_create_uint32(env, (uint32_t)STATE_SIZE, &size) != napi_ok ||
      napi_set_named_property(env, exports, "stateSize", size) != napi_ok) {
    return NULL;
  }
  return exports;
}
