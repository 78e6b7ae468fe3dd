// Native plugins through the real path: dlopen of the shipped plugins (plugins/) and of test plugins
// (tests/unit/engine/test_plugins/), the version check, the worker threads and their time limit.
#include "engine/plugin_host.h"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <mutex>

#include "model/journey.h"
#include "support/demo_journey.h"
#include "support/temp_dir.h"

namespace tp {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

const std::string kPluginDir = TP_PLUGIN_DIR;
const std::string kTestPluginDir = TP_TEST_PLUGIN_DIR;
const std::string kLexiconDir = std::string(TP_SOURCE_DIR) + "/config/lexicons";
const std::string kScripted = kTestPluginDir + "/libtp_test_sdk.so";

struct LogLine {
  int severity;
  std::string plugin, message;
};

// Collects what the host logs; plugins log from their worker threads, hence the lock.
class Log {
 public:
  PluginLogSink sink() {
    return [this](int severity, const std::string& plugin, const std::string& message) {
      std::lock_guard<std::mutex> lk(mu_);
      lines_.push_back({severity, plugin, message});
    };
  }
  std::vector<LogLine> lines() {
    std::lock_guard<std::mutex> lk(mu_);
    return lines_;
  }
  size_t count(const std::string& plugin, const std::string& part) {
    size_t n = 0;
    for (const auto& l : lines())
      if (l.plugin == plugin && l.message.find(part) != std::string::npos) ++n;
    return n;
  }
  std::string dump() {
    std::string out;
    for (const auto& l : lines()) out += "[" + l.plugin + "] " + l.message + "\n";
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<LogLine> lines_;
};

using testing::demo_journey;

PluginHostOptions options(Log& log, std::chrono::milliseconds timeout = 10s) {
  PluginHostOptions o;
  o.timeout = timeout;
  o.log = log.sink();
  o.validate = journey_id_validator(demo_journey());
  return o;
}

Interaction message(const std::string& text, Role role = Role::User) {
  Interaction in;
  in.id = "e1";
  in.type = EventType::Message;
  in.role = role;
  in.text = text;
  in.channel = "chatbot";
  return in;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

PluginStats stats_of(const PluginHost& host, const std::string& name) {
  for (const auto& s : host.stats())
    if (s.name == name) return s;
  ADD_FAILURE() << "no stats for " << name;
  return {};
}

// ---- lexicon_sentiment
// -------------------------------------------------------------------------------------

class LexiconSentiment : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto errors = host_.load_all(
        {kPluginDir}, {{"lexicon_sentiment", R"({"lexicon_dir": ")" + kLexiconDir +
                                                 R"(", "languages": ["en", "lv", "ru", "no", "fi"]})"}});
    ASSERT_TRUE(errors.empty()) << joined(errors);
  }
  std::optional<double> score(const std::string& text, Role role = Role::User) {
    TagSet tags;
    host_.tag(message(text, role), "events", "c1", tags);
    if (tags.sentiment) {
      EXPECT_EQ(tags.sentiment_origin, TagOrigin::Plugin);
    }
    return tags.sentiment;
  }
  // The sign of the score: -1, 0 or 1; 2 when no sentiment was set.
  int sign(const std::string& text) {
    const auto s = score(text);
    if (!s) return 2;
    return *s > 0 ? 1 : *s < 0 ? -1 : 0;
  }
  Log log_;
  PluginHost host_{options(log_)};
};

TEST_F(LexiconSentiment, English) {
  EXPECT_EQ(sign("this is not good at all"), -1);
  EXPECT_EQ(sign("very helpful, thanks"), 1);
  EXPECT_EQ(sign("The delivery was late and the app is useless"), -1);
  EXPECT_EQ(sign("I don't like waiting, but it's working now. Great!"), 1);
  EXPECT_EQ(log_.count("lexicon_sentiment", "lexicons loaded from"), 1u) << log_.dump();
}

TEST_F(LexiconSentiment, Latvian) {
  EXPECT_EQ(sign("Paldies, ļoti laba palīdzība!"), 1);
  EXPECT_EQ(sign("Tas nemaz nav labi"), -1);
  EXPECT_EQ(sign("Briesmīgs serviss, nekas nestrādā"), -1);
  EXPECT_EQ(sign("Pasūtījums kavējas jau nedēļu"), -1);  // "kavēj*" covers the inflected verb
}

TEST_F(LexiconSentiment, Russian) {
  EXPECT_EQ(sign("Спасибо, очень хорошо"), 1);
  EXPECT_EQ(sign("Это плохо"), -1);
  EXPECT_EQ(sign("ПЛОХОЙ сервис"), -1);  // a stem and upper case
  EXPECT_EQ(sign("Ничего не работает"), -1);
  EXPECT_EQ(sign("Мне всё понравилось, отличный магазин"), 1);
}

TEST_F(LexiconSentiment, Norwegian) {
  EXPECT_EQ(sign("Tusen takk, veldig bra hjelp"), 1);
  EXPECT_EQ(sign("Dette er ikke bra"), -1);
  EXPECT_EQ(sign("Appen fungerer ikke"), -1);  // the negation comes after the verb
  EXPECT_EQ(sign("Dårlig kundeservice"), -1);
}

TEST_F(LexiconSentiment, Finnish) {
  EXPECT_EQ(sign("Kiitos, todella hyvä palvelu"), 1);
  EXPECT_EQ(sign("Tämä ei ole hyvä"), -1);
  EXPECT_EQ(sign("Todella huonoa palvelua"), -1);
  EXPECT_EQ(sign("Sovellus ei toimi"), -1);
  EXPECT_EQ(sign("Hyväksyn ehdot"), 2);  // "hyväksy*" (accept) is stopped from scoring as "hyvä*" (good)
}

TEST_F(LexiconSentiment, NegationFlipsAndIntensifiersScale) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"it is good", "it is not good"}, {"labi", "nav labi"},
      {"хорошо", "не хорошо"},          {"det er bra", "det er ikke bra"},
      {"se on hyvä", "se ei ole hyvä"}, {"awful", "not awful"},
  };
  for (const auto& [plain, negated] : pairs) {
    const auto a = score(plain), b = score(negated);
    ASSERT_TRUE(a && b) << plain;
    EXPECT_LT(*a * *b, 0) << plain << " / " << negated;
  }
  EXPECT_GT(*score("very good"), *score("good"));
  EXPECT_GT(*score("slightly slow"), *score("slow"));  // less negative
  // A clause end stops the negation: "good" is not negated here.
  EXPECT_EQ(sign("not now. good"), 1);
}

TEST_F(LexiconSentiment, FoldsCaseAndAccents) {
  EXPECT_DOUBLE_EQ(*score("GOOD"), *score("good"));
  EXPECT_DOUBLE_EQ(*score("göód"), *score("good"));
  EXPECT_DOUBLE_EQ(*score("Paldies, loti laba palidziba"), *score("Paldies, ļoti laba palīdzība"));
  EXPECT_DOUBLE_EQ(*score("ЕЩЁ ХОРОШО"), *score("еще хорошо"));
  const double s = *score("terrible terrible terrible terrible terrible terrible");
  EXPECT_GE(s, -1.0);
  EXPECT_LT(s, -0.9);
}

TEST_F(LexiconSentiment, ScoresOnlyCustomerText) {
  EXPECT_FALSE(score("this is terrible", Role::Bot));
  EXPECT_FALSE(score("this is terrible", Role::Agent));
  EXPECT_TRUE(score("this is terrible", Role::None));
  EXPECT_FALSE(score(""));
  EXPECT_FALSE(score("where is my parcel"));  // no sentiment word: no opinion rather than a made-up 0
}

TEST_F(LexiconSentiment, NeverOverwritesAnExistingSentiment) {
  TagSet tags;
  tags.sentiment = 0.9;
  tags.sentiment_origin = TagOrigin::Preset;
  host_.tag(message("this is terrible"), "events", "c1", tags);
  EXPECT_EQ(tags.sentiment, 0.9);
  EXPECT_EQ(tags.sentiment_origin, TagOrigin::Preset);

  // The sender's own score on the interaction counts even before it was copied into the tags.
  Interaction in = message("this is terrible");
  in.sentiment = 0.4;
  TagSet untouched;
  host_.tag(in, "events", "c1", untouched);
  EXPECT_FALSE(untouched.sentiment);
  EXPECT_EQ(stats_of(host_, "lexicon_sentiment").rejected, 0u);
}

TEST(LexiconSentimentConfig, LexiconErrorsNameFileAndLine) {
  testing::TempDir dir;
  std::ofstream(dir.file("en.txt"))
      << "# test\noops\n[sentiment]\ngood\t2\nbad\tvery\nGOOD\t1\n[feelings]\ngood\t1\n";
  Log log;
  PluginHost host(options(log));
  const auto errors =
      host.load_all({kPluginDir}, {{"lexicon_sentiment", R"({"lexicon_dir": ")" + dir.path().string() +
                                                             R"(", "languages": ["en", "xx"]})"}});
  ASSERT_EQ(errors.size(), 1u);
  const std::string path = dir.file("en.txt");
  EXPECT_EQ(errors[0], "plugin " + kPluginDir +
                           "/liblexicon_sentiment.so (\"lexicon_sentiment\") 1.0.0 failed "
                           "to initialise (status 1): 4 error(s) in lexicon " +
                           path + ": " + path + ":2: entry before the first [section]; " + path +
                           ":5: the score must be a number in -3..3, got very; " + path +
                           ":6: \"GOOD\" repeats line 4 (the same word once folded: \"good\"); " + path +
                           ":7: unknown section [feelings] (expected [sentiment], [negation], [intensifier], "
                           "[common] or [settings])");
  EXPECT_EQ(host.size(), 0u);

  const auto unknown =
      host.load_all({kPluginDir}, {{"lexicon_sentiment", R"({"lexicon_dir": "/nonexistent"})"}});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_THAT(unknown[0], HasSubstr("cannot read lexicon /nonexistent/en.txt"));
  const auto typo = host.load_all({kPluginDir}, {{"lexicon_sentiment", R"({"lexicon_directory": "x"})"}});
  ASSERT_EQ(typo.size(), 1u);
  EXPECT_THAT(typo[0], HasSubstr("unknown config key \"lexicon_directory\" (known: lexicon_dir, languages)"));
}

// ---- persona_traits
// ----------------------------------------------------------------------------------------

std::string persona_for(PluginHost& host, const std::string& traits, const std::string& properties = "",
                        const std::string& customer = "c1") {
  Interaction in = message("hi");
  in.customer_id = customer;
  in.traits_json = traits;
  in.properties_json = properties;
  TagSet tags;
  host.tag(in, "events", customer, tags);
  if (!tags.persona.empty()) {
    EXPECT_EQ(tags.persona_origin, TagOrigin::Plugin);
  }
  return tags.persona;
}

TEST(PersonaTraits, MapsTraitsAndPropertiesToPersonas) {
  Log log;
  PluginHost host(options(log));
  const auto errors = host.load_all({kPluginDir}, {{"persona_traits", R"({
      "rules": [
        {"trait": "plan", "equals": "business", "persona": "business-account"},
        {"property": "company.size", "gte": 10, "persona": "business-account"},
        {"trait": "orders_count", "gte": 1, "persona": "returning-customer"},
        {"trait": "segment", "in": ["vip", "loyal"], "persona": "returning-customer"}
      ],
      "default": "first-time-buyer"})"}});
  ASSERT_TRUE(errors.empty()) << joined(errors);

  EXPECT_EQ(persona_for(host, R"({"plan":"business","orders_count":5})"),
            "business-account");  // first rule wins
  EXPECT_EQ(persona_for(host, R"({"orders_count":3})"), "returning-customer");
  EXPECT_EQ(persona_for(host, R"({"orders_count":"2"})"), "returning-customer");  // a numeric string
  EXPECT_EQ(persona_for(host, R"({"orders_count":0})"), "first-time-buyer");
  EXPECT_EQ(persona_for(host, R"({"segment":"vip"})"), "returning-customer");
  EXPECT_EQ(persona_for(host, "", R"({"company":{"size":50}})"), "business-account");
  EXPECT_EQ(persona_for(host, "", R"({"company":{"size":5}})"), "first-time-buyer");
  EXPECT_EQ(persona_for(host, ""), "first-time-buyer");

  // A persona decided before (preset, rule, sticky) is never replaced.
  Interaction in = message("hi");
  in.traits_json = R"({"plan":"business"})";
  TagSet tags;
  tags.persona = "returning-customer";
  tags.persona_origin = TagOrigin::Sticky;
  host.tag(in, "events", "c1", tags);
  EXPECT_EQ(tags.persona, "returning-customer");
  EXPECT_EQ(tags.persona_origin, TagOrigin::Sticky);
}

TEST(PersonaTraits, LookupFileWinsOverRules) {
  testing::TempDir dir;
  std::ofstream(dir.file("crm.csv"))
      << "customer_id,persona\nc-1,business-account\n\"c,2\", returning-customer\n";
  Log log;
  PluginHost host(options(log));
  const auto errors =
      host.load_all({kPluginDir}, {{"persona_traits", R"({"lookup_csv": ")" + dir.file("crm.csv") + R"(",
          "rules": [{"trait": "orders_count", "gte": 1, "persona": "returning-customer"}]})"}});
  ASSERT_TRUE(errors.empty()) << joined(errors);
  EXPECT_EQ(persona_for(host, R"({"orders_count":9})", "", "c-1"), "business-account");
  EXPECT_EQ(persona_for(host, "", "", "c,2"), "returning-customer");
  EXPECT_EQ(persona_for(host, R"({"orders_count":9})", "", "c-3"), "returning-customer");
  EXPECT_EQ(persona_for(host, "", "", "c-3"), "");  // no default configured: no opinion
  EXPECT_EQ(log.count("persona_traits", "loaded 2 customers from"), 1u) << log.dump();
}

TEST(PersonaTraits, ConfigMistakesAreLoadErrors) {
  Log log;
  PluginHost host(options(log));
  const auto typo = host.load_all(
      {kPluginDir}, {{"persona_traits", R"({"rules": [{"trait": "plan", "equal": "x", "persona": "p"}]})"}});
  ASSERT_EQ(typo.size(), 1u);
  EXPECT_THAT(typo[0], HasSubstr("(\"persona_traits\") 1.0.0 failed to initialise (status 1): rules[0]: "
                                 "unknown key \"equal\""));
  const auto empty = host.load_all({kPluginDir}, {{"persona_traits", ""}});
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_THAT(empty[0], HasSubstr("nothing to do: give \"lookup_csv\", \"rules\" or \"default\""));
}

// ---- Loading and the version check
// -------------------------------------------------------------------------

TEST(PluginHost, RefusesAPluginOfAnotherMajorVersion) {
  Log log;
  PluginHost host(options(log));
  const auto errors = host.load_all({kTestPluginDir}, {{"tp_test_major2", ""}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "plugin " + kTestPluginDir +
                "/libtp_test_major2.so (\"major2\") requires plugin API 2.0.0 but this touchpointd "
                "implements 1.0.0: the major versions differ, so the plugin must be rebuilt against "
                "this touchpointd's plugin_api.h");
  EXPECT_EQ(host.size(), 0u);
}

TEST(PluginHost, RefusesAPluginNeedingANewerMinorVersion) {
  Log log;
  PluginHost host(options(log));
  const auto errors = host.load_all({kTestPluginDir}, {{"tp_test_minor99", ""}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "plugin " + kTestPluginDir +
                "/libtp_test_minor99.so (\"minor99\") requires plugin API 1.99.0 but this touchpointd "
                "implements 1.0.0: it needs a newer touchpointd (plugin API 1.99.0 or later)");
  EXPECT_EQ(host.size(), 0u);
}

TEST(PluginHost, RefusesAPluginMissingASymbol) {
  Log log;
  PluginHost host(options(log));
  const auto errors = host.load_all({kTestPluginDir}, {{"tp_test_missing_tag", ""}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "plugin " + kTestPluginDir +
                           "/libtp_test_missing_tag.so (\"missing_tag\") (plugin API 1.0.0) does not export "
                           "tp_plugin_tag");
}

// A plugin whose init never comes back must not hang the daemon's start: it is refused after the init
// timeout, and the host goes on with the next plugin.
TEST(PluginHost, RefusesAPluginWhoseInitDoesNotReturnInTime) {
  Log log;
  PluginHostOptions o = options(log);
  o.init_timeout = std::chrono::milliseconds(100);
  PluginHost host(o);
  const auto errors =
      host.load_all({kTestPluginDir}, {{"tp_test_c", R"({"hang_init_ms": 800})"}, {"tp_test_sdk", "{}"}});
  ASSERT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_THAT(errors[0], HasSubstr("(\"c_plugin\") 0.1.0 did not finish initialising within 100 ms"));
  ASSERT_EQ(host.size(), 1u);
  EXPECT_EQ(host.stats()[0].name, "tp_test_sdk");
  // When the late init does return, its thread destroys the instance and unloads the library.
  const std::string c_path = kTestPluginDir + "/libtp_test_c.so";
  bool unloaded = false;
  for (int i = 0; i < 1000 && !unloaded; ++i) {
    void* still = ::dlopen(c_path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    unloaded = still == nullptr;
    if (still != nullptr) {
      ::dlclose(still);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_TRUE(unloaded);
}

TEST(PluginHost, APluginWhoseInitIsSlowButInTimeLoads) {
  Log log;
  PluginHostOptions o = options(log);
  o.init_timeout = std::chrono::milliseconds(30000);
  PluginHost host(o);
  EXPECT_TRUE(host.load_all({kTestPluginDir}, {{"tp_test_c", R"({"hang_init_ms": 50})"}}).empty());
  EXPECT_EQ(host.size(), 1u);
}

TEST(PluginHost, CollectsEveryLoadErrorAndKeepsWhatLoaded) {
  Log log;
  PluginHost host(options(log));
  const auto errors = host.load_all({"/nonexistent/dir/", kTestPluginDir},
                                    {{"nope", ""},
                                     {"tp_test_major2", ""},
                                     {"tp_test_c", ""},
                                     {"../evil", ""},
                                     {"tp_test_c", ""},
                                     {"tp_test_sdk", R"({"fail_init": "no database here"})"}});
  ASSERT_EQ(errors.size(), 5u) << joined(errors);
  EXPECT_EQ(errors[0],
            "plugin \"nope\": found neither libnope.so nor nope.so in /nonexistent/dir, " + kTestPluginDir);
  EXPECT_THAT(errors[1], HasSubstr("(\"major2\") requires plugin API 2.0.0"));
  EXPECT_THAT(errors[2], HasSubstr("plugin name \"../evil\" is not valid"));
  EXPECT_EQ(errors[3], "plugin \"tp_test_c\" is configured twice");
  EXPECT_EQ(errors[4], "plugin " + kScripted +
                           " (\"scripted\") 2.3.4 failed to initialise (status 1): no database here");
  ASSERT_EQ(host.size(), 1u);
  EXPECT_EQ(host.stats()[0].name, "tp_test_c");
  // The failed instance was destroyed (its destructor logs), with the log still connected.
  EXPECT_EQ(log.count("tp_test_sdk", "destroyed"), 1u) << log.dump();
}

TEST(PluginHost, DescribesEachPluginInItsStats) {
  Log log;
  PluginHost host(options(log));
  ASSERT_EQ(host.load(kScripted, "scripted_one", "{}"), "");
  const auto s = stats_of(host, "scripted_one");
  EXPECT_EQ(s.plugin_name, "scripted");
  EXPECT_EQ(s.version, "2.3.4");
  EXPECT_EQ(s.path, kScripted);
  EXPECT_EQ(s.calls, 0u);
  EXPECT_EQ(log.count("scripted_one", "initialised"), 1u) << log.dump();
}

// ---- Tagging
// -----------------------------------------------------------------------------------------------

TEST(PluginHost, AppliesTagsOnlyWhereNobodyDecided) {
  Log log;
  PluginHost host(options(log));
  ASSERT_EQ(host.load(kScripted, "scripted", ""), "");
  TagSet tags;
  tags.stage = "purchase";
  tags.stage_origin = TagOrigin::Rule;
  tags.pain = {"escalated"};
  host.tag(message("persona=business-account stage=awareness touchpoint=chatbot pain=slow_delivery "
                   "pain=escalated sentiment=-0.5"),
           "events", "c1", tags);
  EXPECT_EQ(tags.persona, "business-account");
  EXPECT_EQ(tags.persona_origin, TagOrigin::Plugin);
  EXPECT_EQ(tags.stage, "purchase");
  EXPECT_EQ(tags.stage_origin, TagOrigin::Rule);
  EXPECT_EQ(tags.touchpoint, "chatbot");
  EXPECT_EQ(tags.touchpoint_origin, TagOrigin::Plugin);
  EXPECT_EQ(tags.sentiment, -0.5);
  EXPECT_EQ(tags.sentiment_origin, TagOrigin::Plugin);
  EXPECT_THAT(tags.pain, ElementsAre("escalated", "slow_delivery"));
  EXPECT_TRUE(tags.rules.empty());
  const auto s = stats_of(host, "scripted");
  EXPECT_EQ(s.calls, 1u);
  EXPECT_EQ(s.failures + s.timeouts + s.skipped + s.rejected, 0u);
}

TEST(PluginHost, NeverReplacesASentimentAlreadyKnown) {
  Log log;
  PluginHost host(options(log));
  ASSERT_EQ(host.load(kScripted, "scripted", ""), "");  // sets what it is told, whatever it sees
  TagSet preset;
  preset.sentiment = 0.9;
  preset.sentiment_origin = TagOrigin::Preset;
  host.tag(message("sentiment=-0.5"), "events", "c1", preset);
  EXPECT_EQ(preset.sentiment, 0.9);
  EXPECT_EQ(preset.sentiment_origin, TagOrigin::Preset);

  Interaction scored = message("sentiment=-0.5 report");  // the sender's own score, not yet in the tags
  scored.sentiment = 0.3;
  TagSet tags;
  host.tag(scored, "events", "c1", tags);
  EXPECT_FALSE(tags.sentiment);
  EXPECT_TRUE(tags.has_pain("sentiment_seen"));  // and the plugin was told there is one
}

TEST(PluginHost, IgnoresAndCountsUnknownIdsAndInvalidValues) {
  Log log;
  PluginHost host(options(log));
  ASSERT_EQ(host.load(kScripted, "scripted", ""), "");
  TagSet tags;
  host.tag(message("persona=no-such-persona stage=nowhere touchpoint=pigeon pain=Bad-Reason pain=ok_reason "
                   "sentiment=2"),
           "events", "c1", tags);
  EXPECT_EQ(tags.persona, "");
  EXPECT_EQ(tags.persona_origin, TagOrigin::None);
  EXPECT_EQ(tags.stage, "");
  EXPECT_EQ(tags.touchpoint, "");
  EXPECT_FALSE(tags.sentiment);
  EXPECT_THAT(tags.pain, ElementsAre("ok_reason"));
  EXPECT_EQ(stats_of(host, "scripted").rejected, 5u);
  EXPECT_EQ(stats_of(host, "scripted").failures, 0u);
  ASSERT_EQ(log.count("scripted", "returned values that were ignored"), 1u) << log.dump();
  EXPECT_EQ(log.count("scripted",
                      "unknown persona id \"no-such-persona\"; unknown stage id \"nowhere\"; "
                      "unknown touchpoint id \"pigeon\"; sentiment 2.000000 is outside -1..1; "
                      "invalid pain reason \"Bad-Reason\""),
            1u)
      << log.dump();

  // The same from a plain C plugin, whose other (valid) values still count.
  PluginHost c_host(options(log));
  ASSERT_EQ(c_host.load(kTestPluginDir + "/libtp_test_c.so", "c", ""), "");
  TagSet c_tags;
  c_host.tag(message("bad_ids"), "events", "c1", c_tags);
  EXPECT_EQ(c_tags.persona, "");
  EXPECT_FALSE(c_tags.sentiment);
  EXPECT_EQ(c_tags.touchpoint, "chatbot");
  EXPECT_THAT(c_tags.pain, ElementsAre("seen_by_c"));
  EXPECT_EQ(stats_of(c_host, "c").rejected, 3u);
}

TEST(PluginHost, RunsPluginsInOrderEachSeeingEarlierDecisions) {
  Log log;
  PluginHost host(options(log));
  ASSERT_EQ(host.load(kScripted, "first", ""), "");
  ASSERT_EQ(host.load(kScripted, "second", ""), "");
  Interaction in = message("persona=returning-customer report");
  in.customer_id = "c-7";
  TagSet tags;
  host.tag(in, "events", "c-7", tags);
  EXPECT_EQ(tags.persona, "returning-customer");
  // The first saw no persona, the second saw the first's; both saw the customer, role and type.
  EXPECT_THAT(tags.pain, ElementsAre("no_sentiment", "customer_seen_c_7", "role_user", "type_message",
                                     "persona_seen_returning_customer"));
}

// An inline plugin (called on the tagging thread, no hand-over) decides, fails and is counted exactly as
// one on its worker; only the timeout is given up.
TEST(PluginHost, AnInlinePluginTagsAndFailsLikeAThreadedOne) {
  Log log;
  PluginHost host(options(log));
  ASSERT_EQ(host.load(kTestPluginDir + "/libtp_test_c.so", "c", "", /*inline_calls=*/true), "");
  ASSERT_EQ(host.load(kScripted, "scripted", ""), "");
  TagSet tags;
  host.tag(message("hello persona=business-account"), "events", "c1", tags);
  EXPECT_EQ(tags.touchpoint, "chatbot");
  EXPECT_THAT(tags.pain, ::testing::Contains("seen_by_c"));
  EXPECT_EQ(tags.persona, "business-account");  // the threaded plugin after it saw the same interaction
  TagSet failed;
  host.tag(message("fail"), "events", "c1", failed);
  EXPECT_FALSE(failed.has_pain("seen_by_c"));
  const auto stats = host.stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].calls, 2u);
  EXPECT_EQ(stats[0].failures, 1u);
  EXPECT_EQ(stats[0].timeouts, 0u);
}

TEST(PluginHost, AFailingPluginIsCountedAndItsTagsSkipped) {
  Log log;
  PluginHost host(options(log));
  ASSERT_EQ(host.load(kTestPluginDir + "/libtp_test_c.so", "c", ""), "");
  ASSERT_EQ(host.load(kScripted, "scripted", ""), "");

  TagSet failed;
  host.tag(message("fail persona=business-account"), "events", "c1", failed);  // C fails; the SDK one works
  EXPECT_EQ(failed.touchpoint, "");  // the C plugin's out is ignored
  EXPECT_FALSE(failed.has_pain("seen_by_c"));
  EXPECT_EQ(failed.persona, "business-account");

  TagSet thrown;
  host.tag(message("persona=business-account throw"), "events", "c1", thrown);
  EXPECT_EQ(thrown.persona, "");  // the exception became a failure: no tags from that plugin
  EXPECT_EQ(thrown.touchpoint, "chatbot");

  TagSet odd;
  host.tag(message("persona=business-account throw_int"), "events", "c1", odd);
  EXPECT_EQ(odd.persona, "");

  TagSet too_many;
  host.tag(message("many_pain"), "events", "c1", too_many);
  EXPECT_EQ(too_many.pain, std::vector<std::string>{"seen_by_c"});

  TagSet fine;
  host.tag(message("persona=business-account"), "events", "c1", fine);
  EXPECT_EQ(fine.persona, "business-account");

  const auto c = stats_of(host, "c"), sdk = stats_of(host, "scripted");
  EXPECT_EQ(c.calls, 5u);
  EXPECT_EQ(c.failures, 1u);
  EXPECT_EQ(sdk.calls, 5u);
  EXPECT_EQ(sdk.failures, 3u);
  EXPECT_EQ(log.count("c", "failed (status 1): asked to fail; its tags are skipped for this interaction"), 1u)
      << log.dump();
  // At most one report per plugin per interval: the first failure is logged, the next two are counted.
  EXPECT_EQ(log.count("scripted", "failed (status 1): asked to throw"), 1u) << log.dump();
  EXPECT_EQ(log.count("scripted", "failed"), 1u) << log.dump();
}

TEST(PluginHost, ReportsTheSdkErrorsOfEachFailure) {
  Log log;
  PluginHostOptions o = options(log);
  o.problem_log_interval = 0ms;  // every problem reported
  PluginHost host(o);
  ASSERT_EQ(host.load(kScripted, "scripted", ""), "");
  TagSet tags;
  host.tag(message("throw_int"), "events", "c1", tags);
  host.tag(message("many_pain"), "events", "c1", tags);
  EXPECT_EQ(log.count("scripted", "unknown exception (not derived from std::exception)"), 1u) << log.dump();
  EXPECT_EQ(log.count("scripted", "at most 8 pain reasons per interaction, got 9"), 1u) << log.dump();
}

TEST(PluginHost, ASlowPluginIsSkippedWithoutWaitingForIt) {
  int latch[2];
  ASSERT_EQ(::pipe(latch), 0);
  Log log;
  {
    PluginHost host(options(log, 500ms));
    ASSERT_EQ(host.load(kScripted, "slow", R"({"block_fd": )" + std::to_string(latch[0]) + "}"), "");
    ASSERT_EQ(host.load(kTestPluginDir + "/libtp_test_c.so", "c", ""), "");

    // The call blocks on the latch, which only this thread can release: tag() returning at all shows it
    // gave up on the plugin instead of waiting for it.
    TagSet first;
    host.tag(message("block persona=business-account"), "events", "c1", first);
    EXPECT_EQ(first.persona, "");
    EXPECT_EQ(first.touchpoint, "chatbot");  // the other plugin still ran

    TagSet second;  // the late call still runs: skipped without being handed over
    host.tag(message("persona=business-account"), "events", "c1", second);
    EXPECT_EQ(second.persona, "");
    EXPECT_EQ(second.touchpoint, "chatbot");
    EXPECT_FALSE(host.wait_idle(0ms));

    auto s = stats_of(host, "slow");
    EXPECT_EQ(s.calls, 1u);
    EXPECT_EQ(s.timeouts, 1u);
    EXPECT_EQ(s.skipped, 1u);
    EXPECT_EQ(stats_of(host, "c").calls, 2u);

    ASSERT_EQ(::write(latch[1], "x", 1), 1);
    ASSERT_TRUE(host.wait_idle(30s));
    TagSet third;  // answered again once the late call returned
    host.tag(message("persona=business-account"), "events", "c1", third);
    EXPECT_EQ(third.persona, "business-account");
    s = stats_of(host, "slow");
    EXPECT_EQ(s.calls, 2u);
    EXPECT_EQ(s.timeouts, 1u);
    EXPECT_EQ(s.skipped, 1u);
    EXPECT_EQ(log.count("slow",
                        "did not answer within 500 ms: its tags are skipped for this interaction, and "
                        "it is skipped until that call returns"),
              1u)
        << log.dump();
  }
  ::close(latch[0]);
  ::close(latch[1]);
}

TEST(PluginHost, AbandonsAPluginStuckAtShutdown) {
  int latch[2];
  ASSERT_EQ(::pipe(latch), 0);
  Log log;
  {
    PluginHostOptions o = options(log, 50ms);
    o.shutdown_grace = 0ms;
    PluginHost host(o);
    ASSERT_EQ(host.load(kScripted, "stuck", R"({"block_fd": )" + std::to_string(latch[0]) + "}"), "");
    TagSet tags;
    host.tag(message("block"), "events", "c1", tags);
    EXPECT_EQ(stats_of(host, "stuck").timeouts, 1u);
  }  // returns although the plugin is still blocked
  EXPECT_EQ(log.count("stuck", "still busy at shutdown after 0 ms; abandoned"), 1u) << log.dump();
  // Let the call finish; the detached thread then destroys and unloads the plugin itself, with its log
  // disconnected (this Log is gone by then). The read end stays open on purpose: closing it could hand
  // its number to another test's pipe while the plugin still reads from it.
  ASSERT_EQ(::write(latch[1], "x", 1), 1);
  ::close(latch[1]);
  EXPECT_EQ(log.count("stuck", "destroyed"), 0u);
}

TEST(PluginHost, DestroyingTheHostDestroysAndUnloadsThePlugins) {
  const std::string c_path = kTestPluginDir + "/libtp_test_c.so";
  Log log;
  {
    PluginHost host(options(log));
    ASSERT_EQ(host.load(c_path, "c", ""), "");
    ASSERT_EQ(host.load(kScripted, "scripted", ""), "");
    TagSet tags;
    host.tag(message("hello"), "events", "c1", tags);
    void* loaded = ::dlopen(c_path.c_str(), RTLD_NOW | RTLD_NOLOAD);  // NOLOAD: only if already loaded
    EXPECT_NE(loaded, nullptr);
    if (loaded != nullptr) ::dlclose(loaded);
    EXPECT_EQ(log.count("scripted", "destroyed"), 0u);
  }
  EXPECT_EQ(log.count("scripted", "destroyed"), 1u) << log.dump();
  void* after = ::dlopen(c_path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  EXPECT_EQ(after, nullptr);
  if (after != nullptr) ::dlclose(after);
}

// ---- Text from plugins
// -------------------------------------------------------------------------------------

TEST(PluginHost, SanitisesHostileLogText) {
  Log log;
  PluginHost host(options(log));
  ASSERT_EQ(host.load(kScripted, "scripted", ""), "");
  TagSet tags;
  host.tag(message("log_hostile"), "events", "c1", tags);
  const auto lines = log.lines();
  const LogLine* hostile = nullptr;
  for (const auto& l : lines)
    if (l.plugin == "scripted" && l.message.rfind("line1", 0) == 0) hostile = &l;
  ASSERT_NE(hostile, nullptr) << log.dump();
  EXPECT_EQ(hostile->severity, TP_PLUGIN_LOG_WARNING);
  // 29 bytes of tricks, then 'A's: the first 1000 bytes are read, each control became one character.
  EXPECT_EQ(hostile->message, "line1 line2?[31mred? ?evil?" + std::string(1000 - 29, 'A') + " [truncated]");
  for (const unsigned char c : hostile->message) EXPECT_TRUE(c >= 0x20 && c != 0x7F) << int(c);
}

TEST(SanitizePluginText, CutsOnCharacterBoundariesAndReplacesControls) {
  EXPECT_EQ(sanitize_plugin_text(nullptr), "");
  EXPECT_EQ(sanitize_plugin_text("plain ascii"), "plain ascii");
  EXPECT_EQ(sanitize_plugin_text("tab\there"), "tab here");
  EXPECT_EQ(sanitize_plugin_text("c1 \xc2\x85 next"), "c1 ? next");                 // U+0085, a C1 control
  EXPECT_EQ(sanitize_plugin_text("ok \xc3\xa9 \xd0\xb6"), "ok \xc3\xa9 \xd0\xb6");  // é ж kept
  EXPECT_EQ(sanitize_plugin_text("overlong \xc0\xaf"), "overlong ??");
  EXPECT_EQ(sanitize_plugin_text("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9 [truncated]");  // no half character
  EXPECT_EQ(sanitize_plugin_text("abcdef", 3), "abc [truncated]");
  // Reads at most max_bytes + 1: the text need not be terminated within the buffer beyond that.
  const char unterminated[4] = {'a', 'b', 'c', 'd'};
  EXPECT_EQ(sanitize_plugin_text(unterminated, 3), "abc [truncated]");
}

}  // namespace
}  // namespace tp
