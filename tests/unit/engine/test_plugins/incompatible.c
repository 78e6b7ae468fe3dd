/* A plugin the host must refuse: it requires TEST_REQUIRED (an API the host does not implement), or it
 * lacks tp_plugin_tag (TEST_NO_TAG). Everything else is a valid, trivial plugin. */
#include <stddef.h>
#include <touchpoint/plugin_api.h>

static int g_state;

TP_PLUGIN_EXPORT const char* tp_plugin_get_required_api_version(void) { return TEST_REQUIRED; }
TP_PLUGIN_EXPORT const char* tp_plugin_get_name(void) { return TEST_NAME; }
TP_PLUGIN_EXPORT const char* tp_plugin_get_version(void) { return "0.0.1"; }
TP_PLUGIN_EXPORT const char* tp_plugin_get_description(void) { return "refused by the host"; }
TP_PLUGIN_EXPORT tp_plugin_t* tp_plugin_init(const tp_plugin_init_input* in, tp_plugin_rc* rc) {
  (void)in;
  *rc = TP_PLUGIN_SUCCESS;
  return (tp_plugin_t*)&g_state;
}
TP_PLUGIN_EXPORT void tp_plugin_destroy(tp_plugin_t* s) { (void)s; }
TP_PLUGIN_EXPORT const char* tp_plugin_get_last_error(tp_plugin_t* s) {
  (void)s;
  return "";
}
#ifndef TEST_NO_TAG
TP_PLUGIN_EXPORT tp_plugin_rc tp_plugin_tag(tp_plugin_t* s, const tp_interaction* in, tp_tags_out* out) {
  (void)s;
  (void)in;
  (void)out;
  return TP_PLUGIN_SUCCESS;
}
#endif
