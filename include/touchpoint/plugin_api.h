/*
 * touchpoint plugin API: the C ABI between touchpointd (the host) and a native tagging plugin (a shared
 * library the host loads with dlopen). Pure C99, no dependency beyond <stddef.h> and <stdint.h>, so a
 * plugin can be written in C, C++ (see plugin_sdk.hpp for a helper that makes it a dozen lines), Rust or
 * anything else that can export C symbols.
 *
 * Versioning (semantic):
 *   - MAJOR changes when a change breaks plugins built against an older header (a field removed or
 *     moved, a signature changed). The host refuses a plugin whose required MAJOR differs from its own.
 *   - MINOR changes when something is appended (a field at the end of a struct, a new optional symbol).
 *     The host refuses a plugin that requires a newer MINOR than it implements.
 *   - PATCH changes for clarifications and fixes only; with equal MINOR the host also refuses a plugin
 *     that requires a newer PATCH.
 *   Only two things are promised to stay the same in every MAJOR version, so that a host can always name
 *   a plugin it refuses: the signatures of tp_plugin_get_required_api_version() and tp_plugin_get_name().
 *
 * Struct convention: every struct crossing the boundary starts with `size_t struct_size`, set by the
 * side that fills the struct to sizeof() of the struct as that side was compiled. Fields are only ever
 * appended, never removed, reordered or resized, so a struct from an older or newer header differs only
 * at its end. Before reading or writing a field that was appended after 1.0.0, check that it lies within
 * struct_size (TP_PLUGIN_HAS_FIELD below). Every field that exists in 1.0.0 is always present.
 *
 * Threads: the host never calls into one plugin state (tp_plugin_t) from two threads at the same time.
 * It may call different states of the same plugin concurrently, and successive calls on one state may come
 * from different threads (init on the loading thread, tag on a worker thread of that state, destroy on
 * the thread that unloads). The static getters (get_name etc.) may be called from any thread at any time.
 * The host's log callback is thread-safe.
 *
 * Strings are NUL-terminated UTF-8 everywhere. Text containing a NUL byte reaches the plugin cut at that
 * byte. The host treats every string that comes back from a plugin as untrusted: it bounds how much of
 * it it reads, validates ids and reasons, and sanitises log and error text before writing it anywhere.
 */
#ifndef TOUCHPOINT_PLUGIN_API_H
#define TOUCHPOINT_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ------------------------------------------------------------------------------------------ */

#define TP_PLUGIN_API_VERSION_MAJOR 1
#define TP_PLUGIN_API_VERSION_MINOR 0
#define TP_PLUGIN_API_VERSION_PATCH 0

#define TP_PLUGIN_STRINGIFY_(x) #x
#define TP_PLUGIN_STRINGIFY(x) TP_PLUGIN_STRINGIFY_(x)
/* "1.0.0": what a plugin built against this header returns from tp_plugin_get_required_api_version()
 * when it needs nothing newer. A plugin that uses only 1.0.0 fields may return "1.0.0" even when built
 * against a later 1.x header, and so keep loading into older hosts. */
#define TP_PLUGIN_API_VERSION_STRING               \
  TP_PLUGIN_STRINGIFY(TP_PLUGIN_API_VERSION_MAJOR) \
  "." TP_PLUGIN_STRINGIFY(TP_PLUGIN_API_VERSION_MINOR) "." TP_PLUGIN_STRINGIFY(TP_PLUGIN_API_VERSION_PATCH)

/* True when the struct that `ptr` points to is large enough to contain `field` (see "Struct convention"). */
#define TP_PLUGIN_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((const type*)0)->field))

/* Marks a function as exported from the shared library even when it is compiled with
 * -fvisibility=hidden. Plugins put it on every tp_plugin_* function they define. */
#if defined(__GNUC__) || defined(__clang__)
#define TP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define TP_PLUGIN_EXPORT
#endif

/* ---- Status codes and log severities ------------------------------------------------------------------- */

typedef int32_t tp_plugin_rc;
#define TP_PLUGIN_SUCCESS 0          /* done; outputs are valid */
#define TP_PLUGIN_FAILURE 1          /* failed; tp_plugin_get_last_error() says why; outputs are ignored */
#define TP_PLUGIN_INVALID_ARGUMENT 2 /* the input was not acceptable (for example a bad config) */
#define TP_PLUGIN_NOT_SUPPORTED 3    /* the plugin does not implement what was asked */
/* Any value other than TP_PLUGIN_SUCCESS is treated as a failure by the host. */

#define TP_PLUGIN_LOG_DEBUG 0
#define TP_PLUGIN_LOG_INFO 1
#define TP_PLUGIN_LOG_WARNING 2
#define TP_PLUGIN_LOG_ERROR 3
/* Other values are clamped to the nearest of these. */

/* The ABI is C: its names are C's snake_case, not the C++ code's CamelCase classes.
 * NOLINTBEGIN(readability-identifier-naming) */

/* ---- Opaque handles ------------------------------------------------------------------------------------ */

/* The plugin's state for one configured instance. Created by tp_plugin_init(), owned by the plugin,
 * released only by tp_plugin_destroy(). The host never looks inside. */
typedef struct tp_plugin tp_plugin_t;

/* The host's handle for one plugin instance, passed back to the host's callbacks. Owned by the host and
 * valid from the start of tp_plugin_init() until tp_plugin_destroy() has returned. The plugin never
 * looks inside and never frees it. */
typedef struct tp_owner tp_owner_t;

/* Writes one line to the host's log. `msg`: owned by the caller (the plugin), read only during the call,
 * never kept; the host truncates it (about 1000 bytes) and replaces control characters. `severity`: one of
 * TP_PLUGIN_LOG_*. Thread-safe; callable from any thread while `owner` is valid. The host may drop lines
 * from a plugin that logs too much. */
typedef void (*tp_plugin_log_fn)(tp_owner_t* owner, int severity, const char* msg);

/* ---- Init input ---------------------------------------------------------------------------------------- */

/* Filled by the host, read by the plugin during tp_plugin_init() only. Fields are only ever appended. */
typedef struct tp_plugin_init_input {
  size_t struct_size; /* sizeof(tp_plugin_init_input) as the host was compiled */

  /* The plugin's own config object from touchpointd's config, as compact JSON text; "{}" when none was
   * given; never NULL. Owned by the host, valid only during tp_plugin_init(): copy what you need. */
  const char* config_json;

  /* The host's handle to pass to `log`. See tp_owner_t for its lifetime. Never NULL. */
  tp_owner_t* owner;

  /* The host's log callback. Never NULL. The plugin may keep this pointer (and `owner`) and use them
   * until tp_plugin_destroy() has returned. */
  tp_plugin_log_fn log;
} tp_plugin_init_input;

/* ---- One interaction, as the plugin sees it ------------------------------------------------------------ */

/* Filled by the host for one tp_plugin_tag() call. Every pointer in it (and the struct itself) is owned by
 * the host and valid only until that tp_plugin_tag() call returns: copy what you need to keep. Strings are
 * NUL-terminated UTF-8 and NULL when the value is absent (never ""). Fields are only ever appended. */
typedef struct tp_interaction {
  size_t struct_size; /* sizeof(tp_interaction) as the host was compiled */

  const char* id;       /* the sender's idempotency key (unique per source); never NULL */
  const char* source;   /* the configured source it arrived through, e.g. "events"; never NULL */
  const char* type;     /* "message", "page", "track", "identify", "feedback" or "handoff"; never NULL */
  const char* customer; /* resolved customer key: the customer id, else the anonymous id; NULL if neither */
  const char* anonymous_id; /* the sender's anonymous id, NULL when absent */
  const char* session_id;   /* NULL when absent */
  int64_t timestamp_ms;     /* when it happened, Unix epoch milliseconds (the sender's clock) */
  const char* channel;      /* touchpoint hint from the sender: "chatbot", "website", "email"... */
  const char* role;         /* "user", "bot" or "agent"; NULL when the sender gave none */
  const char* text;         /* the message text; NULL when absent */
  const char* intent;       /* the bot's intent name; NULL when absent */

  double confidence;      /* 0..1, the bot's intent confidence; meaningful only when has_confidence */
  int32_t has_confidence; /* 1 when confidence is set, else 0 */
  int32_t fallback;       /* the bot did not understand: 1 yes, 0 no, -1 unknown */
  int32_t escalated;      /* handed to a human: 1 yes, 0 no, -1 unknown */
  int32_t rating;         /* 1..5; 0 when there is no rating */

  const char* url;             /* page URL; NULL when absent */
  const char* name;            /* event name (track) or page name; NULL when absent */
  const char* properties_json; /* compact JSON object text of the event's properties; NULL when absent */
  const char* traits_json;     /* compact JSON object text of the customer's traits; NULL when absent */

  /* The sentiment known so far (-1..1): the sender's own score or an earlier plugin's. */
  double sentiment;      /* meaningful only when has_sentiment */
  int32_t has_sentiment; /* 1 when sentiment is set, else 0 */

  /* The tags decided so far (preset by the sender, set by rules or by an earlier plugin); NULL when not
   * decided yet. Journey ids (see the daemon's journey config). */
  const char* persona;
  const char* stage;
  const char* touchpoint;
} tp_interaction;

/* ---- What a plugin may decide -------------------------------------------------------------------------- */

#define TP_PLUGIN_MAX_PAIN 8

/* Allocated and zeroed by the host before every tp_plugin_tag() call (so every field means "no opinion"
 * unless the plugin writes it); written by the plugin; read by the host only when tp_plugin_tag() returned
 * TP_PLUGIN_SUCCESS. The struct itself is owned by the host: do not keep a pointer to it.
 *
 * Every string the plugin stores here is owned by the plugin and must stay valid and unchanged until the
 * next call to tp_plugin_tag() on the same state or to tp_plugin_destroy() of it, whichever comes first
 * (the host copies them before either). Static strings and buffers kept in the state both work.
 * Fields are only ever appended. */
typedef struct tp_tags_out {
  size_t struct_size; /* sizeof(tp_tags_out) as the host was compiled; the plugin must not write beyond */

  /* Journey ids, NULL for no opinion. The host applies a value only when nobody (sender, rule, sticky
   * persona, earlier plugin) decided that tag yet, and ignores (and counts) ids the journey lacks. */
  const char* persona;
  const char* stage;
  const char* touchpoint;

  /* A sentiment score in -1..1. Used only when the interaction has none yet (the sender's own score
   * wins); values outside -1..1 or not finite are ignored and counted as a plugin error. */
  double sentiment;
  int32_t has_sentiment; /* set to 1 to give a sentiment */

  /* Pain reasons to add, e.g. "negative" or "slow_delivery": lower-case a-z, 0-9 and '_', 1..64 bytes;
   * others are ignored and counted as a plugin error. pain[0..pain_count) are used; pain_count is at
   * most TP_PLUGIN_MAX_PAIN. */
  uint32_t pain_count;
  const char* pain[TP_PLUGIN_MAX_PAIN];
} tp_tags_out;

/* ---- The symbols a plugin exports ----------------------------------------------------------------------
 * All are required. Each must be declared extern "C" when written in C++ (the SDK does it). */

/* "MAJOR.MINOR.PATCH": the oldest plugin API this plugin works with (normally
 * TP_PLUGIN_API_VERSION_STRING). Static string owned by the plugin, valid while the library is loaded.
 * Called first, before anything else; its signature never changes between major versions. */
TP_PLUGIN_EXPORT const char* tp_plugin_get_required_api_version(void);

/* Short name ("lexicon_sentiment"), version ("1.2.0") and one-line description. Static strings owned by
 * the plugin, valid while the library is loaded. tp_plugin_get_name's signature never changes. */
TP_PLUGIN_EXPORT const char* tp_plugin_get_name(void);
TP_PLUGIN_EXPORT const char* tp_plugin_get_version(void);
TP_PLUGIN_EXPORT const char* tp_plugin_get_description(void);

/* Creates one instance from its config. `in` (see tp_plugin_init_input for what may be kept) and `rc` are
 * owned by the host; the plugin must write *rc. On success: *rc = TP_PLUGIN_SUCCESS and a non-NULL state.
 * On failure: *rc != TP_PLUGIN_SUCCESS and either NULL or a state whose tp_plugin_get_last_error() says
 * why; the host reads that error and then calls tp_plugin_destroy() on it. The returned state is owned by
 * the plugin; the host keeps the pointer and passes it back until tp_plugin_destroy(). */
TP_PLUGIN_EXPORT tp_plugin_t* tp_plugin_init(const tp_plugin_init_input* in, tp_plugin_rc* rc);

/* Releases the state and everything it owns. Called exactly once per non-NULL state from init, after the
 * last tp_plugin_tag() on it has returned. The host never uses the state afterwards. */
TP_PLUGIN_EXPORT void tp_plugin_destroy(tp_plugin_t* s);

/* The last error on this state as text, "" or NULL when there was none. Owned by the plugin, valid until
 * the next call on the same state (or its destroy). */
TP_PLUGIN_EXPORT const char* tp_plugin_get_last_error(tp_plugin_t* s);

/* Tags one interaction: reads `in` (host-owned, valid during this call only) and writes its opinions into
 * `out` (host-owned struct, zeroed; strings written into it are plugin-owned, see tp_tags_out). Returns
 * TP_PLUGIN_SUCCESS, or another code with the reason in tp_plugin_get_last_error(); on failure the host
 * ignores `out` entirely. Should be quick: the host waits a configured time (50 ms by default) and then
 * skips the plugin for this interaction, and skips it entirely while such a late call is still running. */
TP_PLUGIN_EXPORT tp_plugin_rc tp_plugin_tag(tp_plugin_t* s, const tp_interaction* in, tp_tags_out* out);

/* Pointer types of the symbols above, for hosts resolving them with dlsym(). */
typedef const char* (*tp_plugin_get_required_api_version_fn)(void);
typedef const char* (*tp_plugin_get_name_fn)(void);
typedef const char* (*tp_plugin_get_version_fn)(void);
typedef const char* (*tp_plugin_get_description_fn)(void);
typedef tp_plugin_t* (*tp_plugin_init_fn)(const tp_plugin_init_input* in, tp_plugin_rc* rc);
typedef void (*tp_plugin_destroy_fn)(tp_plugin_t* s);
typedef const char* (*tp_plugin_get_last_error_fn)(tp_plugin_t* s);
typedef tp_plugin_rc (*tp_plugin_tag_fn)(tp_plugin_t* s, const tp_interaction* in, tp_tags_out* out);

/* NOLINTEND(readability-identifier-naming) */

#ifdef __cplusplus
}
#endif

#endif /* TOUCHPOINT_PLUGIN_API_H */
