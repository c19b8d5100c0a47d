/* System authentication through PAM: one conversation per login, run on a libuv worker thread (napi async
 * work) so a slow module or a failure delay never blocks dcvserver's event loop. The password is copied out
 * of the caller's buffer, handed only to the PAM conversation, and wiped before the memory is freed. */
#define _GNU_SOURCE
#include <node_api.h>
#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *service;
  char *user;
  char *password;
  size_t password_len;
  char *rhost;
  int status;      /* PAM return code of the step that decided */
  int step;        /* 0 start, 1 authenticate, 2 account */
  napi_deferred deferred;
  napi_async_work work;
} login_t;

static void wipe_free(char *p, size_t n) {
  if (p == NULL) return;
  explicit_bzero(p, n);
  free(p);
}

/* Answers PAM's prompts: the password for hidden ones, the user name for visible ones; messages are dropped. */
static int converse(int n, const struct pam_message **msg, struct pam_response **resp, void *data) {
  login_t *l = (login_t *)data;
  if (n <= 0 || n > PAM_MAX_NUM_MSG) return PAM_CONV_ERR;
  struct pam_response *r = calloc((size_t)n, sizeof(struct pam_response));
  if (r == NULL) return PAM_BUF_ERR;
  for (int i = 0; i < n; i++) {
    switch (msg[i]->msg_style) {
      case PAM_PROMPT_ECHO_OFF:
        r[i].resp = strdup(l->password);
        break;
      case PAM_PROMPT_ECHO_ON:
        r[i].resp = strdup(l->user);
        break;
      case PAM_ERROR_MSG:
      case PAM_TEXT_INFO:
        continue;
      default:
        goto fail;
    }
    if (r[i].resp == NULL) goto fail;
  }
  *resp = r;
  return PAM_SUCCESS;
fail:
  for (int i = 0; i < n; i++) {
    if (r[i].resp != NULL) wipe_free(r[i].resp, strlen(r[i].resp));
  }
  free(r);
  return PAM_CONV_ERR;
}

/* pam_unix asks for a ~2 s delay after a failure; dcvserver applies its own delay without holding a worker. */
static void no_delay(int status, unsigned int usec, void *data) {
  (void)status;
  (void)usec;
  (void)data;
}

static void execute(napi_env env, void *data) {
  (void)env;
  login_t *l = (login_t *)data;
  struct pam_conv conv = {converse, l};
  pam_handle_t *pamh = NULL;
  l->step = 0;
  l->status = pam_start(l->service, l->user, &conv, &pamh);
  if (l->status != PAM_SUCCESS) return;
  pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)no_delay);
  if (l->rhost != NULL && l->rhost[0] != '\0') pam_set_item(pamh, PAM_RHOST, l->rhost);
  pam_set_item(pamh, PAM_RUSER, l->user);
  l->step = 1;
  l->status = pam_authenticate(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
  if (l->status == PAM_SUCCESS) {
    /* Expired or locked accounts are refused here, as login(1) would. */
    l->step = 2;
    l->status = pam_acct_mgmt(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
  }
  pam_end(pamh, l->status);
}

static void complete(napi_env env, napi_status status, void *data) {
  login_t *l = (login_t *)data;
  napi_value result, ok, code, step, message;
  napi_create_object(env, &result);
  napi_get_boolean(env, status == napi_ok && l->status == PAM_SUCCESS, &ok);
  napi_create_int32(env, l->status, &code);
  napi_create_int32(env, l->step, &step);
  /* pam_strerror needs no handle for the text of a code. */
  napi_create_string_utf8(env, pam_strerror(NULL, l->status), NAPI_AUTO_LENGTH, &message);
  napi_set_named_property(env, result, "ok", ok);
  napi_set_named_property(env, result, "code", code);
  napi_set_named_property(env, result, "step", step);
  napi_set_named_property(env, result, "message", message);
  napi_resolve_deferred(env, l->deferred, result);
  napi_delete_async_work(env, l->work);
  free(l->service);
  free(l->user);
  free(l->rhost);
  wipe_free(l->password, l->password_len + 1);
  free(l);
}

static char *copy_string(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s == NULL) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) { /* an embedded NUL would cut the name short inside PAM */
    free(s);
    return NULL;
  }
  return s;
}

/* pamAuthenticate(service: string, user: string, password: Buffer, rhost: string): Promise<{ok, code, step, message}> */
static napi_value pam_authenticate_js(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  bool is_buffer = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4 ||
      napi_is_buffer(env, argv[2], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, NULL, "pamAuthenticate(service: string, user: string, password: Buffer, rhost: string)");
    return NULL;
  }
  login_t *l = calloc(1, sizeof(login_t));
  if (l == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  void *pw;
  size_t pw_len;
  napi_get_buffer_info(env, argv[2], &pw, &pw_len);
  l->service = copy_string(env, argv[0]);
  l->user = copy_string(env, argv[1]);
  l->rhost = copy_string(env, argv[3]);
  l->password = malloc(pw_len + 1);
  l->password_len = pw_len;
  if (l->service == NULL || l->user == NULL || l->rhost == NULL || l->password == NULL ||
      memchr(pw, 0, pw_len) != NULL) {
    free(l->service);
    free(l->user);
    free(l->rhost);
    wipe_free(l->password, pw_len + 1);
    free(l);
    napi_throw_type_error(env, NULL, "pamAuthenticate: strings without NUL characters expected");
    return NULL;
  }
  memcpy(l->password, pw, pw_len);
  l->password[pw_len] = '\0';
  napi_value promise, name;
  napi_create_promise(env, &l->deferred, &promise);
  napi_create_string_utf8(env, "opendcv:pam", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, l, &l->work);
  napi_queue_async_work(env, l->work);
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "pamAuthenticate", NAPI_AUTO_LENGTH, pam_authenticate_js, NULL, &fn);
  napi_set_named_property(env, exports, "pamAuthenticate", fn);
  return exports;
}
