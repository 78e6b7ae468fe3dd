/* A plugin in plain C99 against plugin_api.h, without the SDK.
 * Config {"hang_init_ms": N}: tp_plugin_init takes N ms (a plugin that hangs at start).
 * Every interaction: touchpoint "chatbot" and pain reason "seen_by_c". Text starting "fail": returns
 * TP_PLUGIN_FAILURE with the error "asked to fail" -- after filling `out`, which the host must ignore.
 * Text "bad_ids": persona "no-such-persona", pain "Not Valid!" and sentiment 7 (all to be refused). */
#define _POSIX_C_SOURCE 199309L /* NOLINT(bugprone-reserved-identifier): asks libc for nanosleep */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <touchpoint/plugin_api.h>

struct tp_plugin {
  tp_owner_t* owner;
  tp_plugin_log_fn log;
  const char* error;
};

TP_PLUGIN_EXPORT const char* tp_plugin_get_required_api_version(void) { return "1.0.0"; }
TP_PLUGIN_EXPORT const char* tp_plugin_get_name(void) { return "c_plugin"; }
TP_PLUGIN_EXPORT const char* tp_plugin_get_version(void) { return "0.1.0"; }
TP_PLUGIN_EXPORT const char* tp_plugin_get_description(void) { return "plain C test plugin"; }

TP_PLUGIN_EXPORT tp_plugin_t* tp_plugin_init(const tp_plugin_init_input* in, tp_plugin_rc* rc) {
  const char* hang = in->config_json != NULL ? strstr(in->config_json, "\"hang_init_ms\":") : NULL;
  if (hang != NULL) {
    const long ms = strtol(hang + strlen("\"hang_init_ms\":"), NULL, 10);
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&t, NULL);
  }
  tp_plugin_t* s = (tp_plugin_t*)calloc(1, sizeof *s);
  if (s == NULL) {
    *rc = TP_PLUGIN_FAILURE;
    return NULL;
  }
  s->owner = in->owner;
  s->log = in->log;
  s->error = "";
  s->log(s->owner, TP_PLUGIN_LOG_INFO, "c plugin ready");
  *rc = TP_PLUGIN_SUCCESS;
  return s;
}

TP_PLUGIN_EXPORT void tp_plugin_destroy(tp_plugin_t* s) { free(s); }

TP_PLUGIN_EXPORT const char* tp_plugin_get_last_error(tp_plugin_t* s) { return s->error; }

TP_PLUGIN_EXPORT tp_plugin_rc tp_plugin_tag(tp_plugin_t* s, const tp_interaction* in, tp_tags_out* out) {
  s->error = "";
  out->touchpoint = "chatbot";
  out->pain[0] = "seen_by_c";
  out->pain_count = 1;
  if (in->text != NULL && strncmp(in->text, "fail", 4) == 0) {
    s->error = "asked to fail";
    return TP_PLUGIN_FAILURE;
  }
  if (in->text != NULL && strcmp(in->text, "bad_ids") == 0) {
    out->persona = "no-such-persona";
    out->pain[1] = "Not Valid!";
    out->pain_count = 2;
    out->sentiment = 7.0;
    out->has_sentiment = 1;
  }
  return TP_PLUGIN_SUCCESS;
}
