#include "core/plan_loader.hpp"

#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include <string>
#include <vector>

namespace {

using dyad::core::diagnostic;
using dyad::core::load_plan_file;
using dyad::core::parse_plan;
using dyad::core::plan_format;

std::string fixture(const std::string& name) { return std::string(DYAD_TEST_DATA_DIR) + "/plans/" + name; }

std::string describe(const std::vector<diagnostic>& diagnostics) {
  std::string s;
  for (const auto& d : diagnostics) s += "\n  " + d.to_string();
  return diagnostics.empty() ? std::string("\n  (no diagnostics)") : s;
}

// A plan that passes validation, for tests that break one thing in it by hand.
constexpr std::string_view minimal_plan = R"(title: "Minimal"
series: "minimal"
exercises {
  id: "practice"
  title: "Practice"
  group_size: GROUP_SIZE_PAIRS
  odd_count: ODD_COUNT_FACILITATOR
  roles { id: "therapist" name: "Therapist" kind: ROLE_KIND_THERAPIST instructions: "Listen." }
  roles { id: "client" name: "Client" kind: ROLE_KIND_CLIENT instructions: "Talk." }
  roles { id: "observer" name: "Observer" kind: ROLE_KIND_OBSERVER instructions: "Watch." }
  phases { name: "Practice" minutes: 10 }
}
questionnaire {
  questions { id: "overall" text: "How was it?" scale { min: 1 max: 5 } }
}
)";

TEST(PlanLoader, LoadsValidTextPlan) {
  const auto result = load_plan_file(fixture("valid.textproto"));
  ASSERT_TRUE(result.ok()) << describe(result.diagnostics);
  EXPECT_TRUE(result.diagnostics.empty());
  EXPECT_EQ(result.plan->title(), "Repairing strains in the working alliance");
  EXPECT_EQ(result.plan->exercises_size(), 2);
  EXPECT_EQ(result.plan->transcripts_size(), 2);
  EXPECT_EQ(result.plan->questionnaire().questions_size(), 4);
  EXPECT_EQ(dyad::core::anonymity_threshold(*result.plan), 4U);
}

TEST(PlanLoader, LoadsTheSamePlanFromJson) {
  const auto text = load_plan_file(fixture("valid.textproto"));
  const auto json = load_plan_file(fixture("valid.json"));
  ASSERT_TRUE(text.ok()) << describe(text.diagnostics);
  ASSERT_TRUE(json.ok()) << describe(json.diagnostics);
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(*text.plan, *json.plan)) << "valid.json differs from valid.textproto:\n"
                                                           << difference;
}

TEST(PlanLoader, ChoosesTheFormatFromTheExtension) {
  EXPECT_EQ(dyad::core::plan_format_for_path("a/plan.json"), plan_format::json);
  EXPECT_EQ(dyad::core::plan_format_for_path("PLAN.JSON"), plan_format::json);
  EXPECT_EQ(dyad::core::plan_format_for_path("plan.textproto"), plan_format::text);
  EXPECT_EQ(dyad::core::plan_format_for_path("plan.txtpb"), plan_format::text);
  EXPECT_EQ(dyad::core::plan_format_for_path("plan.plan"), plan_format::text);
  EXPECT_EQ(dyad::core::plan_format_for_path("json.d/plan"), plan_format::text);
}

TEST(PlanLoader, ReportsTextSyntaxErrorWithFileLineAndColumn) {
  const auto path = fixture("syntax-error.textproto");
  const auto result = load_plan_file(path);
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  const auto& d = result.diagnostics[0];
  // Line 5 is `  group_size GROUP_SIZE_PAIRS`: the parser stops at the value where ':' belongs.
  EXPECT_EQ(d.file, path);
  EXPECT_EQ(d.line, 5) << d.to_string();
  EXPECT_EQ(d.column, 14) << d.to_string();
  EXPECT_NE(d.message.find("expected \":\""), std::string::npos) << d.to_string();
  EXPECT_EQ(d.to_string().rfind(path + ":5:14: ", 0), 0U) << d.to_string();
}

TEST(PlanLoader, ReportsMissingClosingBraceAtTheEndOfTheFile) {
  const auto result = parse_plan("title: \"x\"\nexercises {\n  id: \"a\"\n", "open.textproto", plan_format::text);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].line, 4) << result.diagnostics[0].to_string();
  EXPECT_NE(result.diagnostics[0].message.find("end of the file; is a closing '}' missing?"), std::string::npos)
      << result.diagnostics[0].to_string();
}

TEST(PlanLoader, SuggestsTheFieldMeantByAMisspeltTextField) {
  const auto result = parse_plan("title: \"x\"\nexercises {\n  idd: \"a\"\n}\n", "typo.textproto", plan_format::text);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].line, 3);
  EXPECT_NE(result.diagnostics[0].message.find("did you mean 'id'?"), std::string::npos)
      << result.diagnostics[0].to_string();
}

TEST(PlanLoader, ListsTheValuesOfAnEnumForAnUnknownTextValue) {
  const auto result = parse_plan("exercises {\n  roles { kind: ROLE_KIND_OBSERVR }\n}\n", "enum.textproto",
                                 plan_format::text);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].line, 2);
  EXPECT_NE(result.diagnostics[0].message.find("use one of ROLE_KIND_THERAPIST, ROLE_KIND_CLIENT, ROLE_KIND_OBSERVER"),
            std::string::npos)
      << result.diagnostics[0].to_string();
}

TEST(PlanLoader, ReportsJsonSyntaxErrorWithItsLine) {
  const auto result =
      parse_plan("{\n  \"title\": \"x\",\n  \"series\" \"y\"\n}\n", "broken.json", plan_format::json);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  const auto& d = result.diagnostics[0];
  EXPECT_EQ(d.line, 3) << d.to_string();
  EXPECT_EQ(d.column, 12) << d.to_string();
  EXPECT_EQ(d.message.find('\n'), std::string::npos) << "one line per diagnostic: " << d.message;
}

TEST(PlanLoader, ReportsUnexpectedEndOfJsonAtItsLastLine) {
  const auto result = parse_plan("{\n  \"title\": \"x\",\n", "cut.json", plan_format::json);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].line, 2) << result.diagnostics[0].to_string();
}

TEST(PlanLoader, ReportsUnknownJsonFieldWithPathLineAndSuggestion) {
  const auto result = parse_plan("{\n  \"title\": \"x\",\n  \"exercises\": [\n    {\"idd\": \"a\"}\n  ]\n}\n",
                                 "unknown.json", plan_format::json);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  const auto& d = result.diagnostics[0];
  EXPECT_EQ(d.field, "exercises[0].idd");
  EXPECT_EQ(d.line, 4) << d.to_string();
  EXPECT_NE(d.message.find("did you mean 'id'?"), std::string::npos) << d.to_string();
}

TEST(PlanLoader, ListsTheValuesOfAnEnumForAnInvalidJsonValue) {
  const auto result = parse_plan("{\n  \"exercises\": [{\n    \"groupSize\": \"PAIRS\"\n  }]\n}\n", "enum.json",
                                 plan_format::json);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  const auto& d = result.diagnostics[0];
  EXPECT_EQ(d.field, "exercises[0].group_size");
  EXPECT_EQ(d.line, 3) << d.to_string();
  EXPECT_NE(d.message.find("use one of GROUP_SIZE_PAIRS, GROUP_SIZE_TRIADS"), std::string::npos) << d.to_string();
}

TEST(PlanLoader, JsonValidationErrorsNameTheFieldWithoutALine) {
  const auto result = parse_plan("{\"series\": \"s\"}", "untitled.json", plan_format::json);
  EXPECT_FALSE(result.ok());
  ASSERT_FALSE(result.diagnostics.empty());
  EXPECT_EQ(result.diagnostics[0].field, "title") << describe(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].line, 0);
}

// The three mistakes of three-errors.textproto, each at the line of the field at fault (or, for
// the missing options, of the `choice {` that should hold them).
TEST(PlanLoader, ReportsEveryValidationErrorWithItsLine) {
  const auto path = fixture("three-errors.textproto");
  const auto result = load_plan_file(path);
  EXPECT_FALSE(result.plan.has_value()) << "a plan with errors must not be returned";
  ASSERT_EQ(result.diagnostics.size(), 3U) << describe(result.diagnostics);

  const auto& excerpt = result.diagnostics[0];
  EXPECT_EQ(excerpt.file, path);
  EXPECT_EQ(excerpt.field, "exercises[0].excerpt_id");
  EXPECT_EQ(excerpt.line, 12) << excerpt.to_string();
  EXPECT_EQ(excerpt.column, 3) << excerpt.to_string();
  EXPECT_NE(excerpt.message.find("exercise 'swap-practice' hands out excerpt 'withdrawl' but no transcript has an "
                                 "excerpt with that id; known excerpts: withdrawal, reassurance"),
            std::string::npos)
      << excerpt.to_string();

  const auto& role = result.diagnostics[1];
  EXPECT_EQ(role.field, "exercises[0].phases[0].role_notes[0].role");
  EXPECT_EQ(role.line, 29) << role.to_string();
  EXPECT_NE(role.message.find("role 'obsever'"), std::string::npos) << role.to_string();
  EXPECT_NE(role.message.find("known roles: therapist, client"), std::string::npos) << role.to_string();

  const auto& options = result.diagnostics[2];
  EXPECT_EQ(options.field, "questionnaire.questions[1].choice.options");
  EXPECT_EQ(options.line, 52) << options.to_string();
  EXPECT_NE(options.message.find("0 options"), std::string::npos) << options.to_string();
}

TEST(PlanLoader, PlacesAMissingFieldAtItsEnclosingMessage) {
  std::string text(minimal_plan);
  text.replace(text.find("  group_size: GROUP_SIZE_PAIRS\n"), 31, "");
  const auto result = parse_plan(text, "p.textproto", plan_format::text);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].field, "exercises[0].group_size");
  EXPECT_EQ(result.diagnostics[0].line, 3) << "the line of `exercises {`: " << result.diagnostics[0].to_string();
}

TEST(PlanLoader, PlacesElementsWrittenInListSyntax) {
  std::string text(minimal_plan);
  const std::string roles =
      "  roles: [\n"
      "    { id: \"therapist\" name: \"Therapist\" kind: ROLE_KIND_THERAPIST instructions: \"Listen.\" },\n"
      "    { id: \"client\" name: \"Client\" kind: ROLE_KIND_CLIENT },\n"
      "    { id: \"observer\" name: \"Observer\" kind: ROLE_KIND_OBSERVER instructions: \"Watch.\" }\n"
      "  ]\n";
  const auto first = text.find("  roles {");
  const auto end = text.find("  phases");
  text.replace(first, end - first, roles);
  const auto result = parse_plan(text, "list.textproto", plan_format::text);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].field, "exercises[0].roles[1].instructions");
  EXPECT_EQ(result.diagnostics[0].line, 10) << "a missing field of the second element takes that element's line: " << result.diagnostics[0].to_string();
}

TEST(PlanLoader, ReportsAMissingFileAndWhatToDo) {
  const auto result = load_plan_file(fixture("no-such-plan.textproto"));
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].file, fixture("no-such-plan.textproto"));
  EXPECT_NE(result.diagnostics[0].message.find("no such file; check the path"), std::string::npos)
      << result.diagnostics[0].to_string();
}

TEST(PlanLoader, ReportsAFolderGivenForAFile) {
  const auto result = load_plan_file(std::string(DYAD_TEST_DATA_DIR) + "/plans");
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_NE(result.diagnostics[0].message.find("folder"), std::string::npos) << result.diagnostics[0].to_string();
}

TEST(PlanLoader, RefusesAnEmptyPlanWithOneDiagnostic) {
  const auto result = parse_plan(" \n\n", "empty.textproto", plan_format::text);
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_NE(result.diagnostics[0].message.find("empty"), std::string::npos) << result.diagnostics[0].to_string();
}

TEST(PlanLoader, RefusesAPlanOverTheSizeLimit) {
  const std::string huge(dyad::core::max_plan_bytes + 1, ' ');
  const auto result = parse_plan(huge, "huge.textproto", plan_format::text);
  ASSERT_EQ(result.diagnostics.size(), 1U) << describe(result.diagnostics);
  EXPECT_NE(result.diagnostics[0].message.find("limit"), std::string::npos) << result.diagnostics[0].to_string();
}

TEST(PlanLoader, AcceptsAByteOrderMark) {
  const auto result = parse_plan("\xEF\xBB\xBF" + std::string(minimal_plan), "bom.textproto", plan_format::text);
  EXPECT_TRUE(result.ok()) << describe(result.diagnostics);
}

}  // namespace
