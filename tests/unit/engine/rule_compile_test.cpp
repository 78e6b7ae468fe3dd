// Loading rule packs: every problem collected, each with file:line:column, the rule id and a snippet.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rule_test_support.h"

namespace tp {
namespace {

using namespace tp::testing_support;

const Diagnostic* find(const RuleLoad& load, const std::string& needle) {
  for (const auto& d : load.diagnostics)
    if (d.message.find(needle) != std::string::npos) return &d;
  return nullptr;
}

TEST(RuleCompile, AValidPackCompiles) {
  const auto load = compile(R"({
    "required_engine_version": "1.0",
    "lists": { "refund_words": ["refund", "money back", "atmaksa", "возврат"] },
    "macros": { "user_chat": { "all": [ {"field": "channel", "eq": "chatbot"}, {"field": "role", "eq": "user"} ] } },
    "rules": [
      { "id": "refund", "description": "Refund questions are support", "priority": 10,
        "when": { "all": [ {"macro": "user_chat"}, {"field": "text", "keywords": ["@refund_words"]} ] },
        "then": { "stage": "support", "pain": ["refund_request"] } }
    ]
  })");
  ASSERT_TRUE(load.ok()) << all_diagnostics(load);
  EXPECT_EQ(load.rules->rule_count(), 1u);
  EXPECT_EQ(load.errors(), 0u);
  EXPECT_EQ(load.rules->version().size(), 12u);
}

TEST(RuleCompile, CollectsEveryErrorWithPositionRuleAndSnippet) {
  const std::string text =
      "{\n"                                                                   // 1
      "  \"rules\": [\n"                                                      // 2
      "    { \"id\": \"a\", \"description\": \"x\",\n"                        // 3
      "      \"when\": { \"field\": \"text\", \"regex\": \"(unclosed\" },\n"  // 4
      "      \"then\": { \"stage\": \"checkout\" } },\n"                      // 5
      "    { \"id\": \"b\", \"description\": \"y\", \"colour\": \"red\",\n"   // 6
      "      \"when\": { \"field\": \"nope\", \"eq\": 1 },\n"                 // 7
      "      \"then\": { \"persona\": \"first-time-buyer\" } },\n"            // 8
      "    { \"id\": \"a\", \"description\": \"dup\",\n"                      // 9
      "      \"when\": { \"field\": \"channel\", \"eq\": \"chatbot\" },\n"    // 10
      "      \"then\": { \"touchpoint\": \"chatbot\" } }\n"                   // 11
      "  ]\n"
      "}\n";
  const auto load = compile(text, "rules/bad.json");
  EXPECT_FALSE(load.ok());
  EXPECT_GE(load.errors(), 5u) << all_diagnostics(load);

  const auto* regex = find(load, "bad regular expression");
  ASSERT_NE(regex, nullptr) << all_diagnostics(load);
  EXPECT_EQ(regex->file, "rules/bad.json");
  EXPECT_EQ(regex->subject, "a");
  EXPECT_EQ(regex->line, 4u);
  EXPECT_EQ(regex->column, 43u);
  EXPECT_NE(regex->message.find("missing )"), std::string::npos) << regex->message;
  EXPECT_EQ(regex->snippet, "      \"when\": { \"field\": \"text\", \"regex\": \"(unclosed\" },\n" +
                                std::string(42, ' ') + "^");

  const auto* stage = find(load, "unknown stage id 'checkout'");
  ASSERT_NE(stage, nullptr) << all_diagnostics(load);
  EXPECT_EQ(stage->line, 5u);
  EXPECT_EQ(stage->subject, "a");

  const auto* colour = find(load, "unknown field 'colour' in a rule");
  ASSERT_NE(colour, nullptr) << all_diagnostics(load);
  EXPECT_EQ(colour->line, 6u);
  EXPECT_EQ(colour->column, 38u);  // at the key
  EXPECT_EQ(colour->subject, "b");

  const auto* field = find(load, "unknown field (use source");
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->line, 7u);

  const auto* dup = find(load, "duplicate rule id 'a' (first defined in rules/bad.json:3)");
  ASSERT_NE(dup, nullptr) << all_diagnostics(load);
  EXPECT_EQ(dup->line, 9u);

  // The text form names file:line:column and quotes the line.
  const std::string formatted = format_diagnostic(*regex);
  EXPECT_EQ(formatted.rfind("rules/bad.json:4:43: error: [a] bad regular expression", 0), 0u) << formatted;
  EXPECT_NE(formatted.find("\n          \"when\""), std::string::npos) << formatted;
}

TEST(RuleCompile, SyntaxErrorsHaveAPosition) {
  const auto load = compile("{\n  \"rules\": [\n    { \"id\": \"x\", }\n  ]\n}\n");
  ASSERT_EQ(load.errors(), 1u);
  EXPECT_EQ(load.diagnostics[0].line, 3u);
  EXPECT_NE(load.diagnostics[0].message.find("not valid JSON"), std::string::npos);
}

// A bad \u escape once made the position scanner throw (std::stoul) before the parser could report it.
TEST(RuleCompile, ABadUnicodeEscapeIsAnErrorNotAnException) {
  const auto load = compile("{\n  \"rules\": [ { \"\\uZZZZ\": \"x\" } ]\n}\n");  // in a key: decoded
  ASSERT_EQ(load.errors(), 1u);
  EXPECT_EQ(load.diagnostics[0].line, 2u);
  EXPECT_NE(load.diagnostics[0].message.find("not valid JSON"), std::string::npos)
      << load.diagnostics[0].message;
}

TEST(RuleCompile, ANumberBeyondADoubleIsAnErrorWithItsPosition) {
  const auto load = compile("{\n  \"rules\": [\n    { \"id\": \"x\", \"priority\": 1e400 }\n  ]\n}\n");
  ASSERT_EQ(load.errors(), 1u);
  EXPECT_EQ(load.diagnostics[0].line, 3u);
  EXPECT_EQ(load.diagnostics[0].column, 30u);  // where 1e400 starts
  EXPECT_NE(load.diagnostics[0].message.find("number overflow parsing '1e400'"), std::string::npos)
      << load.diagnostics[0].message;
}

TEST(RuleCompile, WarningsForUnusedListsAndMacrosAndMissingDescriptions) {
  const auto load = compile(R"({
    "lists": { "spare": ["a"] },
    "macros": { "never": { "field": "channel", "eq": "email" } },
    "rules": [ { "id": "r", "when": { "field": "channel", "eq": "chatbot" }, "then": { "touchpoint": "chatbot" } } ]
  })");
  ASSERT_TRUE(load.ok()) << all_diagnostics(load);
  EXPECT_NE(find(load, "list 'spare' is never used"), nullptr);
  EXPECT_NE(find(load, "macro 'never' is never used"), nullptr);
  EXPECT_NE(find(load, "rule 'r' has no description"), nullptr);
  for (const auto& d : load.diagnostics) EXPECT_EQ(d.severity, Diagnostic::Severity::Warning);
}

TEST(RuleCompile, UnknownReferencesAndRecursiveMacros) {
  const auto load = compile(R"({
    "macros": { "loop": { "macro": "loop" } },
    "rules": [
      { "id": "r1", "description": "d", "when": { "macro": "missing" }, "then": { "stage": "support" } },
      { "id": "r2", "description": "d", "when": { "field": "text", "keywords": ["@nolist"] }, "then": { "stage": "support" } },
      { "id": "r3", "description": "d", "when": { "macro": "loop" }, "then": { "stage": "support" } },
      { "id": "r4", "description": "d", "when": { "reached_stage": "heaven" }, "then": { "stage": "support" } },
      { "id": "r5", "description": "d", "when": { "field": "tags.persona", "eq": "martian" }, "then": { "stage": "support" } }
    ]
  })");
  EXPECT_NE(find(load, "unknown macro 'missing'"), nullptr) << all_diagnostics(load);
  EXPECT_NE(find(load, "unknown list 'nolist'"), nullptr);
  EXPECT_NE(find(load, "macro 'loop' refers to itself"), nullptr);
  EXPECT_NE(find(load, "unknown stage id (stages: awareness, consideration"), nullptr);
  EXPECT_NE(find(load, "'martian' is not a persona id of the journey"), nullptr);
}

// Six levels of macros, each an "any" of ten uses of the one below: a 1.3 KB pack that, with every use
// copied in, was a million conditions (15 s and 929 MB to check). A condition is refused past 10000
// parts, where it uses the macro, without copying a macro already known to be too large again.
std::string macro_levels_pack(int levels, const std::string& rules) {
  std::string text = "{\n  \"macros\": {\n    \"m0\": { \"field\": \"text\", \"keywords\": [\"refund\"] }";
  for (int level = 1; level <= levels; ++level) {
    std::string uses;
    for (int i = 0; i < 10; ++i)
      uses += std::string(i ? ", " : "") + "{ \"macro\": \"m" + std::to_string(level - 1) + "\" }";
    text += ",\n    \"m" + std::to_string(level) + "\": { \"any\": [" + uses + "] }";
  }
  return text + "\n  },\n  \"rules\": [\n" + rules + "\n  ]\n}\n";
}

std::string rule_using(const std::string& id, const std::string& macro, bool last = false) {
  return "    { \"id\": \"" + id + "\", \"description\": \"d\", \"when\": { \"macro\": \"" + macro +
         "\" }, \"then\": { \"stage\": \"support\" } }" + (last ? "" : ",");
}

TEST(RuleCompile, MacrosThatExpandTooFarAreRefusedWhereTheRuleUsesThem) {
  const std::string text =
      macro_levels_pack(6, rule_using("bomb", "m6") + "\n" + rule_using("bomb_again", "m6") + "\n" +
                               rule_using("small", "m3", true));
  const auto load = compile(text, "rules/bomb.json");
  EXPECT_FALSE(load.ok());
  EXPECT_EQ(load.errors(), 2u) << all_diagnostics(load);  // "small" (1111 parts) is fine
  const size_t bomb_line = 12;                            // 3 + 7 macros + the "rules" line + 1
  for (const std::string rule : {"bomb", "bomb_again"}) {
    const Diagnostic* d = nullptr;
    for (const auto& x : load.diagnostics)
      if (x.subject == rule && x.severity == Diagnostic::Severity::Error) d = &x;
    ASSERT_NE(d, nullptr) << rule << "\n" << all_diagnostics(load);
    EXPECT_EQ(d->file, "rules/bomb.json");
    EXPECT_NE(d->message.find("more than 10000 parts once its macros are copied in"), std::string::npos)
        << d->message;
    EXPECT_NE(d->message.find("macro 'm6' is used here"), std::string::npos) << d->message;
    // At the rule's use of the macro: file:line:column like every rule diagnostic.
    const size_t line = rule == "bomb" ? bomb_line : bomb_line + 1;
    EXPECT_EQ(d->line, line) << format_diagnostic(*d);
    EXPECT_EQ(d->column, rule_using(rule, "m6").find("\"m6\"") + 1) << format_diagnostic(*d);
    EXPECT_EQ(d->pointer, "/rules/" + std::string(rule == "bomb" ? "0" : "1") + "/when/macro");
  }
}

TEST(RuleCompile, MacrosUsedManyTimesCompileWithinTheLimit) {
  // Three levels: 1000 keyword conditions and 111 "any" nodes, under the limit.
  const auto load = compile(macro_levels_pack(3, rule_using("wide", "m3", true)));
  ASSERT_TRUE(load.ok()) << all_diagnostics(load);
  EXPECT_EQ(load.rules->rule_count(), 1u);
  TagSet tags = tag(*load.rules, chat("I want a refund"));
  EXPECT_EQ(tags.stage, "support");
}

TEST(RuleCompile, TypeChecksOperatorsAgainstFields) {
  const auto load = compile(R"({ "rules": [
    { "id": "a", "description": "d", "when": { "field": "text", "gt": 3 }, "then": { "stage": "support" } },
    { "id": "b", "description": "d", "when": { "field": "confidence", "keywords": ["x"] }, "then": { "stage": "support" } },
    { "id": "c", "description": "d", "when": { "field": "rating", "lt": 3, "gt": 1 }, "then": { "stage": "support" } },
    { "id": "d", "description": "d", "when": { "field": "role", "eq": "robot" }, "then": { "stage": "support" } },
    { "id": "e", "description": "d", "when": { "field": "tags.stage", "keywords": ["support"] }, "then": { "stage": "support" } },
    { "id": "f", "description": "d", "when": { "field": "text", "keywords": ["!!!"] }, "then": { "pain": ["Bad Reason"] } }
  ]})");
  EXPECT_NE(find(load, "'gt' compares numbers; 'text' is not a number"), nullptr) << all_diagnostics(load);
  EXPECT_NE(find(load, "'keywords' applies to text fields"), nullptr);
  EXPECT_NE(find(load, "exactly one operator"), nullptr);
  EXPECT_NE(find(load, "role is one of user, bot, agent"), nullptr);
  EXPECT_NE(find(load, "(use eq or in for tags)"), nullptr);
  EXPECT_NE(find(load, "keyword '!!!' has no letters or digits"), nullptr);
  EXPECT_NE(find(load, "pain reasons are lower-case words"), nullptr);
}

// Each malformed part of a pack is reported with the JSON pointer of what is wrong (from which the position
// comes), and nothing about it throws. One pack per case, so each message is the one expected.
TEST(RuleCompile, EachMalformedPartIsReportedWhereItIs) {
  const std::string ok_rule =
      R"({"id": "r", "description": "d", "when": {"field": "channel", "eq": "chatbot"}, "then": {"stage": "support"}})";
  const auto pack_with_when = [](const std::string& when) {
    return R"({"rules": [{"id": "r", "description": "d", "when": )" + when +
           R"(, "then": {"stage": "support"}}]})";
  };
  struct Case {
    std::string pack, pointer, message;
  };
  const std::vector<Case> cases = {
      {R"([1, 2])", "", "a rule pack is a JSON object"},
      {R"({"required_engine_version": "latest", "rules": []})", "/required_engine_version",
       "must be a version"},
      {R"({"lists": [], "rules": []})", "/lists", "lists must be an object of named string lists"},
      {R"({"lists": {"l": "refund"}, "rules": []})", "/lists/l", "a list is an array of strings"},
      {R"({"lists": {"l": ["a", 2]}, "rules": []})", "/lists/l/1", "list items must be strings"},
      {R"({"macros": [], "rules": []})", "/macros", "macros must be an object of named conditions"},
      {R"({"rules": {}})", "/rules", "\"rules\" must be an array"},
      {R"({"rules": [7]})", "/rules/0", "a rule is an object with id, description"},
      {R"({"rules": [{"id": "r", "description": 5, "when": {"field": "channel", "eq": "x"}, "then": {"stage": "support"}}]})",
       "/rules/0/description", "description must be a string"},
      {R"({"rules": [{"id": "r", "description": "d", "priority": 1.5, "when": {"field": "channel", "eq": "x"}, "then": {"stage": "support"}}]})",
       "/rules/0/priority", "priority must be a whole number"},
      {R"({"rules": [{"id": "r", "description": "d", "enabled": "no", "when": {"field": "channel", "eq": "x"}, "then": {"stage": "support"}}]})",
       "/rules/0/enabled", "enabled must be true or false"},
      {R"({"rules": [{"id": "r", "description": "d", "then": {"stage": "support"}}]})", "/rules/0",
       "rule 'r' has no \"when\" condition"},
      {R"({"rules": [{"id": "r", "description": "d", "when": {"field": "channel", "eq": "x"}}]})", "/rules/0",
       "rule 'r' has no \"then\" actions"},
      {pack_with_when(R"({"field": "channel", "in": "chatbot"})"), "/rules/0/when/in",
       "\"in\" takes an array"},
      {pack_with_when(R"({"field": "channel", "in": []})"), "/rules/0/when/in",
       "\"in\" needs at least one value"},
      {pack_with_when(R"({"field": "channel", "eq": {"a": 1}})"), "/rules/0/when/eq",
       "values are strings, numbers or booleans"},
      {pack_with_when(R"({"field": "confidence", "eq": "high"})"), "/rules/0/when/eq",
       "'confidence' cannot equal a value of this type"},
      {pack_with_when(R"({"field": "type", "eq": "click"})"), "/rules/0/when/eq",
       "type is one of message, page"},
      {pack_with_when(R"({"field": "url", "glob": []})"), "/rules/0/when/glob",
       "'glob' needs at least one pattern"},
      {pack_with_when(R"({"field": "text", "regex": ["a", "b"]})"), "/rules/0/when/regex",
       "'regex' takes one pattern; combine alternatives with |"},
      {pack_with_when(R"({"field": "rating", "lt": "3"})"), "/rules/0/when/lt", "'lt' takes a number"},
      {pack_with_when(R"({"field": "url", "exists": 1})"), "/rules/0/when/exists",
       "'exists' takes true or false"},
      {pack_with_when(R"({"macro": 7})"), "/rules/0/when/macro", "must be the name of a macro"},
      {pack_with_when(R"({"colour": "red"})"), "/rules/0/when",
       "a condition needs one of: all, any, not, macro"},
      {pack_with_when(R"({"field": "text", "keywords": ["refund", 3]})"), "/rules/0/when/keywords/1",
       "must be a string (or \"@list\")"},
      {R"({"rules": [{"id": "r", "description": "d", "when": {"field": "channel", "eq": "x"}, "then": {"persona_override": "yes", "persona": "first-time-buyer"}}]})",
       "/rules/0/then/persona_override", "persona_override must be true or false"},
      {R"({"rules": [{"id": "r", "description": "d", "when": {"field": "channel", "eq": "x"}, "then": {"persona_override": true, "stage": "support"}}]})",
       "/rules/0/then/persona_override", "persona_override needs a persona to set"},
  };
  for (const Case& c : cases) {
    RuleLoad load;
    ASSERT_NO_THROW(load = compile(c.pack)) << c.pack;
    EXPECT_FALSE(load.ok()) << c.pack;
    const Diagnostic* d = find(load, c.message);
    ASSERT_NE(d, nullptr) << c.pack << "\n" << all_diagnostics(load);
    EXPECT_EQ(d->pointer, c.pointer) << c.pack;
    EXPECT_GE(d->line, 1u) << c.pack;
  }
  // Nesting beyond 32 levels is refused, not recursed into.
  std::string deep = R"({"field": "channel", "eq": "x"})";
  for (int i = 0; i < 40; ++i) deep = R"({"not": )" + deep + "}";
  const auto nested = compile(pack_with_when(deep));
  EXPECT_NE(find(nested, "conditions are nested deeper than 32"), nullptr) << all_diagnostics(nested);
  EXPECT_TRUE(compile(R"({"rules": [)" + ok_rule + "]}").ok());
}

// "enabled": false keeps a rule in the pack, checked like any other, without applying it.
TEST(RuleCompile, ADisabledRuleIsCheckedButNotApplied) {
  const auto load = compile(R"({"rules": [
    { "id": "off", "description": "d", "enabled": false, "when": {"field": "text", "keywords": ["refund"]}, "then": {"stage": "support"} },
    { "id": "on", "description": "d", "enabled": true, "when": {"field": "text", "keywords": ["refund"]}, "then": {"pain": ["refund_request"]} }
  ]})");
  ASSERT_TRUE(load.ok()) << all_diagnostics(load);
  EXPECT_EQ(load.rules->rule_count(), 1u);
  const TagSet tags = tag(*load.rules, chat("a refund please"));
  EXPECT_TRUE(tags.stage.empty());
  EXPECT_EQ(tags.rules, std::vector<std::string>{"on"});
  // Still checked: an error in a disabled rule is an error.
  const auto bad = compile(R"({"rules": [
    { "id": "off", "description": "d", "enabled": false, "when": {"field": "text", "keywords": ["refund"]}, "then": {"stage": "nowhere"} }
  ]})");
  EXPECT_FALSE(bad.ok());
}

TEST(RuleCompile, RequiredEngineVersion) {
  EXPECT_TRUE(compile(R"({"required_engine_version": "1.0", "rules": []})").ok());
  const auto newer = compile(R"({"required_engine_version": "1.7", "rules": []})");
  EXPECT_FALSE(newer.ok());
  EXPECT_NE(find(newer, "requires engine version 1.7; this engine is 1.0"), nullptr);
  EXPECT_FALSE(compile(R"({"required_engine_version": "2.0", "rules": []})").ok());
}

TEST(RuleCompile, DuplicateIdsAcrossFiles) {
  const std::string rule =
      R"({"rules": [{"id": "same", "description": "d", "when": {"field": "channel", "eq": "x"}, "then": {"stage": "support"}}]})";
  const auto load = compile_rules({{"one.json", rule}, {"two.json", rule}}, demo_journey());
  const auto* d = find(load, "duplicate rule id 'same' (first defined in one.json:1)");
  ASSERT_NE(d, nullptr) << all_diagnostics(load);
  EXPECT_EQ(d->file, "two.json");
}

TEST(RuleCompile, VersionChangesWithContent) {
  const auto a = compile(R"({"rules": []})");
  const auto b = compile(R"({"rules": [] })");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.rules->version(), b.rules->version());
  EXPECT_EQ(a.rules->version(), compile(R"({"rules": []})").rules->version());
}

TEST(RuleCompile, TheShippedPacksCompileWithoutErrors) {
  std::vector<RuleSource> sources;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(TP_SOURCE_DIR) + "/config/rules")) {
    std::ifstream in(entry.path());
    sources.push_back(
        {entry.path().filename().string(), std::string(std::istreambuf_iterator<char>(in), {})});
  }
  ASSERT_FALSE(sources.empty());
  const auto load = compile_rules(sources, demo_journey());
  EXPECT_TRUE(load.ok()) << all_diagnostics(load);
  EXPECT_EQ(load.errors(), 0u);
}

}  // namespace
}  // namespace tp
