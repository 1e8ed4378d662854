#include "core/plan_validator.hpp"

#include <gtest/gtest.h>

#include <google/protobuf/text_format.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using dyad::core::diagnostic;
using dyad::core::validate_plan;
using dyad::v1::Plan;

// The valid fixture, parsed directly so that these tests depend on the validator alone.
// Exercises: [0] naming-the-strain (pairs), [1] watching-the-repair (triads); each has roles
// therapist, client, observer. Transcripts: [0] session-four (4 turns; excerpts late-again,
// changing-the-subject), [1] session-nine (2 turns; the-cancelled-session). Questions:
// [0] overall (choice), [1] modality (choice), [2] relevance-other (scale, if modality = no),
// [3] most-useful (text).
Plan valid_plan() {
  std::ifstream in(std::string(DYAD_TEST_DATA_DIR) + "/plans/valid.textproto");
  std::stringstream text;
  text << in.rdbuf();
  Plan plan;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &plan)) << "fixture valid.textproto";
  return plan;
}

std::string describe(const std::vector<diagnostic>& diagnostics) {
  std::string s;
  for (const auto& d : diagnostics) s += "\n  " + d.to_string();
  return diagnostics.empty() ? std::string("\n  (no diagnostics)") : s;
}

// Passes when one diagnostic names exactly `field` and its message contains every one of `words`.
::testing::AssertionResult reports(const std::vector<diagnostic>& diagnostics, std::string_view field,
                                   std::initializer_list<std::string_view> words) {
  for (const auto& d : diagnostics) {
    if (d.field != field) continue;
    bool all = true;
    for (const auto w : words) all = all && d.message.find(w) != std::string::npos;
    if (all) return ::testing::AssertionSuccess();
  }
  std::string wanted;
  for (const auto w : words) wanted += " '" + std::string(w) + "'";
  return ::testing::AssertionFailure() << "no diagnostic for " << field << " containing" << wanted
                                       << "; got:" << describe(diagnostics);
}

::testing::AssertionResult reports_nothing_for(const std::vector<diagnostic>& diagnostics, std::string_view field) {
  for (const auto& d : diagnostics) {
    if (d.field == field) return ::testing::AssertionFailure() << "unexpected: " << d.to_string();
  }
  return ::testing::AssertionSuccess();
}

TEST(PlanValidator, AcceptsValidPlan) {
  const auto diagnostics = validate_plan(valid_plan());
  EXPECT_TRUE(diagnostics.empty()) << describe(diagnostics);
}

TEST(PlanValidator, TitleMustNotBeEmpty) {
  auto plan = valid_plan();
  plan.set_title("  ");
  EXPECT_TRUE(reports(validate_plan(plan), "title", {"no title"}));
}

TEST(PlanValidator, SeriesMustNotBeEmpty) {
  auto plan = valid_plan();
  plan.clear_series();
  EXPECT_TRUE(reports(validate_plan(plan), "series", {"no series"}));
}

TEST(PlanValidator, SeriesAllowsOnlyLowercaseLettersDigitsAndDashes) {
  auto plan = valid_plan();
  plan.set_series("Alliance Repair 2");
  EXPECT_TRUE(reports(validate_plan(plan), "series", {"lowercase letters, digits and dashes", "'alliance-repair-2'"}));
}

TEST(PlanValidator, AgendaTimesMustBeHoursAndMinutes) {
  for (const char* bad : {"9:30", "24:00", "10:60", "10.15", ""}) {
    auto plan = valid_plan();
    plan.mutable_agenda(0)->set_start(bad);
    EXPECT_TRUE(reports(validate_plan(plan), "agenda[0].start", {"HH:MM"})) << "start time '" << bad << "'";
  }
  auto plan = valid_plan();
  plan.mutable_agenda(4)->set_end("1215");
  EXPECT_TRUE(reports(validate_plan(plan), "agenda[4].end", {"'1215'", "is not a time"}));
}

TEST(PlanValidator, AgendaBlockMustEndAfterItStarts) {
  auto plan = valid_plan();
  plan.mutable_agenda(0)->set_end("09:30");
  EXPECT_TRUE(reports(validate_plan(plan), "agenda[0].end", {"not after it starts at 09:30"}));
}

TEST(PlanValidator, AgendaBlocksMustBeInTheOrderOfTheDay) {
  auto plan = valid_plan();
  plan.mutable_agenda(2)->set_start("09:00");
  plan.mutable_agenda(2)->set_end("09:15");
  EXPECT_TRUE(reports(validate_plan(plan), "agenda[2].start", {"before agenda[1]", "order of the day"}));
}

TEST(PlanValidator, AgendaBlocksMustNotOverlap) {
  auto plan = valid_plan();
  plan.mutable_agenda(2)->set_start("10:45");
  EXPECT_TRUE(reports(validate_plan(plan), "agenda[2].start", {"starts at 10:45", "agenda[1] ends at 11:00"}));
}

TEST(PlanValidator, AgendaBlockNeedsKind) {
  auto plan = valid_plan();
  plan.mutable_agenda(0)->clear_kind();
  EXPECT_TRUE(reports(validate_plan(plan), "agenda[0].kind", {"no kind", "AGENDA_BLOCK_KIND_TEACHING"}));
}

TEST(PlanValidator, ExerciseBlockMustNameKnownExercise) {
  auto plan = valid_plan();
  plan.mutable_agenda(1)->set_exercise_id("naming-the-strian");
  EXPECT_TRUE(reports(validate_plan(plan), "agenda[1].exercise_id",
                      {"'naming-the-strian'", "known exercises: naming-the-strain, watching-the-repair"}));
  plan.mutable_agenda(1)->clear_exercise_id();
  EXPECT_TRUE(reports(validate_plan(plan), "agenda[1].exercise_id", {"names no exercise"}));
}

TEST(PlanValidator, ExerciseIdOnOtherBlockKindIsAnError) {
  auto plan = valid_plan();
  plan.mutable_agenda(0)->set_exercise_id("naming-the-strain");
  EXPECT_TRUE(reports(validate_plan(plan), "agenda[0].exercise_id", {"not an exercise block"}));
}

TEST(PlanValidator, ExerciseIdsMustBeUniqueAndNonEmpty) {
  auto plan = valid_plan();
  plan.mutable_exercises(1)->set_id("naming-the-strain");
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[1].id", {"already used by exercises[0]"}));
  plan.mutable_exercises(1)->clear_id();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[1].id", {"no id"}));
}

TEST(PlanValidator, ExerciseNeedsTitle) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->clear_title();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].title", {"no title"}));
}

TEST(PlanValidator, ExerciseNeedsGroupSize) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->clear_group_size();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].group_size",
                      {"no group_size", "GROUP_SIZE_PAIRS, GROUP_SIZE_TRIADS"}));
}

TEST(PlanValidator, RoleIdsMustBeUniqueAndNonEmpty) {
  auto plan = valid_plan();
  plan.mutable_exercises(1)->mutable_roles(2)->set_id("client");
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[1].roles[2].id", {"already used by roles[1]"}));
  plan.mutable_exercises(1)->mutable_roles(2)->clear_id();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[1].roles[2].id", {"no id"}));
}

TEST(PlanValidator, RoleNeedsKind) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_roles(0)->clear_kind();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].roles[0].kind", {"no kind", "ROLE_KIND_THERAPIST"}));
}

TEST(PlanValidator, RoleNeedsName) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_roles(1)->clear_name();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].roles[1].name", {"no name"}));
}

TEST(PlanValidator, RoleNeedsInstructions) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_roles(1)->set_instructions("");
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].roles[1].instructions", {"no instructions"}));
}

TEST(PlanValidator, ExerciseNeedsExactlyOneTherapist) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_roles(0)->set_kind(dyad::v1::ROLE_KIND_CLIENT);
  const auto diagnostics = validate_plan(plan);
  EXPECT_TRUE(reports(diagnostics, "exercises[0].roles", {"no therapist role", "ROLE_KIND_THERAPIST"}));
  EXPECT_TRUE(reports(diagnostics, "exercises[0].roles[1].kind", {"2 client roles (roles[0], roles[1])"}));
}

TEST(PlanValidator, ExerciseNeedsExactlyOneClient) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_roles()->DeleteSubrange(1, 1);
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].roles", {"no client role"}));
}

TEST(PlanValidator, TriadExerciseNeedsObserver) {
  auto plan = valid_plan();
  plan.mutable_exercises(1)->mutable_roles()->RemoveLast();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[1].roles", {"triads", "ROLE_KIND_OBSERVER"}));
}

// During a round a late joiner, or someone whose partner drops out, joins an existing pair as its
// observer, so a pair exercise needs an observer role even when the facilitator takes the odd
// person at the start of a round.
TEST(PlanValidator, PairExerciseNeedsObserverEvenWhenTheFacilitatorTakesTheOddPerson) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_roles()->RemoveLast();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].roles",
                      {"odd count", "late joiner", "partner drops out", "ROLE_KIND_OBSERVER"}));
  plan.mutable_exercises(0)->set_odd_count(dyad::v1::ODD_COUNT_FACILITATOR);
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].roles",
                      {"exercise 'naming-the-strain' has no observer role",
                       "even though the facilitator takes the odd person", "late joiner",
                       "joins an existing pair as its observer", "kind: ROLE_KIND_OBSERVER"}));
}

TEST(PlanValidator, ExerciseWithoutGroupSizeStillNeedsObserver) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_roles()->RemoveLast();
  plan.mutable_exercises(0)->clear_group_size();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].roles", {"no observer role", "ROLE_KIND_OBSERVER"}));
}

// Every plan Dyad ships or tests as valid gives each exercise its observer role.
TEST(PlanValidator, DemoPlanAndValidFixtureMeetTheObserverRule) {
  for (const std::string& path : {std::string(DYAD_SOURCE_DIR) + "/deploy/demo/ruptures-one-day.textproto",
                                 std::string(DYAD_TEST_DATA_DIR) + "/plans/valid.textproto"}) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    Plan plan;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &plan)) << path;
    ASSERT_GT(plan.exercises_size(), 0) << path;
    const auto diagnostics = validate_plan(plan, path);
    EXPECT_TRUE(diagnostics.empty()) << path << describe(diagnostics);
  }
}

TEST(PlanValidator, ExerciseHasAtMostOneObserver) {
  auto plan = valid_plan();
  *plan.mutable_exercises(0)->add_roles() = plan.exercises(0).roles(2);
  plan.mutable_exercises(0)->mutable_roles(3)->set_id("second-observer");
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].roles[3].kind", {"2 observer roles"}));
}

// A triad's observer is there in every group and every round, so a missing checklist is an
// error; a pair exercise's observer exists only in the odd triad or as a late joiner, and needs
// none.
TEST(PlanValidator, TriadObserverNeedsChecklistButPairObserverDoesNot) {
  auto plan = valid_plan();
  plan.mutable_exercises(1)->mutable_roles(2)->clear_checklist();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[1].roles[2].checklist", {"no checklist"}));
  EXPECT_EQ(valid_plan().exercises(0).roles(2).checklist_size(), 0) << "the pair observer of the fixture has none";
  EXPECT_TRUE(reports_nothing_for(validate_plan(valid_plan()), "exercises[0].roles[2].checklist"));
}

TEST(PlanValidator, ExcerptReferenceMustResolve) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->set_excerpt_id("late-agian");
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].excerpt_id",
                      {"exercise 'naming-the-strain' hands out excerpt 'late-agian'",
                       "known excerpts: late-again, changing-the-subject, the-cancelled-session"}));
}

TEST(PlanValidator, ExerciseWithoutExcerptIsValid) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->clear_excerpt_id();
  EXPECT_TRUE(validate_plan(plan).empty());
}

TEST(PlanValidator, ExcerptIdsMustBeUniqueAcrossTranscripts) {
  auto plan = valid_plan();
  plan.mutable_transcripts(1)->mutable_excerpts(0)->set_id("late-again");
  EXPECT_TRUE(reports(validate_plan(plan), "transcripts[1].excerpts[0].id",
                      {"already used by transcripts[0].excerpts[0]", "unique across all transcripts"}));
}

TEST(PlanValidator, ExerciseNeedsPhases) {
  auto plan = valid_plan();
  plan.mutable_exercises(1)->clear_phases();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[1].phases", {"no phases"}));
}

TEST(PlanValidator, PhaseMinutesMustBeBetween1And240) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_phases(0)->set_minutes(0);
  plan.mutable_exercises(0)->mutable_phases(1)->set_minutes(241);
  plan.mutable_exercises(0)->mutable_phases(2)->set_minutes(240);
  const auto diagnostics = validate_plan(plan);
  EXPECT_TRUE(reports(diagnostics, "exercises[0].phases[0].minutes", {"lasts 0 minutes", "between 1 and 240"}));
  EXPECT_TRUE(reports(diagnostics, "exercises[0].phases[1].minutes", {"lasts 241 minutes"}));
  EXPECT_TRUE(reports_nothing_for(diagnostics, "exercises[0].phases[2].minutes"));
}

TEST(PlanValidator, PhaseNeedsName) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_phases(2)->clear_name();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].phases[2].name", {"no name"}));
}

TEST(PlanValidator, RoleNoteMustNameARoleOfTheExercise) {
  auto plan = valid_plan();
  plan.mutable_exercises(0)->mutable_phases(0)->mutable_role_notes(0)->set_role("therapsit");
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[0].phases[0].role_notes[0].role",
                      {"role 'therapsit'", "known roles: therapist, client, observer"}));
}

TEST(PlanValidator, RoleNoteNeedsText) {
  auto plan = valid_plan();
  plan.mutable_exercises(1)->mutable_phases(1)->mutable_role_notes(0)->clear_text();
  EXPECT_TRUE(reports(validate_plan(plan), "exercises[1].phases[1].role_notes[0].text", {"no text"}));
}

TEST(PlanValidator, TranscriptIdsMustBeUniqueAndNonEmpty) {
  auto plan = valid_plan();
  plan.mutable_transcripts(1)->set_id("session-four");
  EXPECT_TRUE(reports(validate_plan(plan), "transcripts[1].id", {"already used by transcripts[0]"}));
  plan.mutable_transcripts(1)->clear_id();
  EXPECT_TRUE(reports(validate_plan(plan), "transcripts[1].id", {"no id"}));
}

TEST(PlanValidator, TranscriptNeedsTurns) {
  auto plan = valid_plan();
  plan.mutable_transcripts(1)->clear_turns();
  const auto diagnostics = validate_plan(plan);
  EXPECT_TRUE(reports(diagnostics, "transcripts[1].turns", {"no turns", "dyad transcript import"}));
  EXPECT_TRUE(reports_nothing_for(diagnostics, "transcripts[1].excerpts[0].last_turn"))
      << "the missing turns are the problem, not the excerpt";
}

TEST(PlanValidator, TurnNeedsSpeakerAndText) {
  auto plan = valid_plan();
  plan.mutable_transcripts(0)->mutable_turns(1)->clear_speaker();
  plan.mutable_transcripts(0)->mutable_turns(2)->clear_paragraphs();
  plan.mutable_transcripts(0)->mutable_turns(3)->set_paragraphs(1, " ");
  const auto diagnostics = validate_plan(plan);
  EXPECT_TRUE(reports(diagnostics, "transcripts[0].turns[1].speaker", {"turn 2", "no speaker"}));
  EXPECT_TRUE(reports(diagnostics, "transcripts[0].turns[2].paragraphs", {"turn 3", "no text"}));
  EXPECT_TRUE(reports(diagnostics, "transcripts[0].turns[3].paragraphs[1]", {"empty"}));
}

TEST(PlanValidator, ExcerptRangeMustLieWithinTheTranscript) {
  auto plan = valid_plan();
  auto* excerpts = plan.mutable_transcripts(0)->mutable_excerpts();
  excerpts->Mutable(0)->set_first_turn(0);
  excerpts->Mutable(1)->set_first_turn(4);
  excerpts->Mutable(1)->set_last_turn(3);
  plan.mutable_transcripts(1)->mutable_excerpts(0)->set_last_turn(3);
  const auto diagnostics = validate_plan(plan);
  EXPECT_TRUE(reports(diagnostics, "transcripts[0].excerpts[0].first_turn", {"no first_turn", "numbered from 1"}));
  EXPECT_TRUE(reports(diagnostics, "transcripts[0].excerpts[1].last_turn", {"ends at turn 3, before it starts at turn 4"}));
  EXPECT_TRUE(reports(diagnostics, "transcripts[1].excerpts[0].last_turn",
                      {"ends at turn 3", "transcript 'session-nine' has only 2 turns"}));
}

TEST(PlanValidator, QuestionnaireNeedsAQuestion) {
  auto plan = valid_plan();
  plan.clear_questionnaire();
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions", {"no questions"}));
}

TEST(PlanValidator, QuestionIdsMustBeUniqueAndNonEmpty) {
  auto plan = valid_plan();
  plan.mutable_questionnaire()->mutable_questions(3)->set_id("overall");
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[3].id", {"already used by questionnaire.questions[0]"}));
  plan.mutable_questionnaire()->mutable_questions(3)->clear_id();
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[3].id", {"no id"}));
}

TEST(PlanValidator, QuestionNeedsText) {
  auto plan = valid_plan();
  plan.mutable_questionnaire()->mutable_questions(0)->clear_text();
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[0].text", {"no text"}));
}

TEST(PlanValidator, QuestionNeedsKind) {
  auto plan = valid_plan();
  plan.mutable_questionnaire()->mutable_questions(3)->clear_kind();
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[3]", {"no kind", "text_answer"}));
}

TEST(PlanValidator, ChoiceQuestionNeedsAtLeastTwoOptions) {
  auto plan = valid_plan();
  plan.mutable_questionnaire()->mutable_questions(1)->mutable_choice()->mutable_options()->RemoveLast();
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[1].choice.options", {"1 option;", "at least two"}));
}

TEST(PlanValidator, ChoiceOptionIdsAndLabelsMustBeUniqueAndNonEmpty) {
  auto plan = valid_plan();
  auto* options = plan.mutable_questionnaire()->mutable_questions(0)->mutable_choice()->mutable_options();
  options->Mutable(1)->set_id("excellent");
  options->Mutable(2)->set_label("Excellent");
  options->Mutable(3)->clear_id();
  options->Mutable(3)->clear_label();
  const auto diagnostics = validate_plan(plan);
  const std::string at = "questionnaire.questions[0].choice.options";
  EXPECT_TRUE(reports(diagnostics, at + "[1].id", {"option id 'excellent' is already used by options[0]"}));
  EXPECT_TRUE(reports(diagnostics, at + "[2].label", {"option label 'Excellent' is already used by options[0]"}));
  EXPECT_TRUE(reports(diagnostics, at + "[3].id", {"no id"}));
  EXPECT_TRUE(reports(diagnostics, at + "[3].label", {"no label"}));
}

TEST(PlanValidator, ScaleMinMustBeBelowMax) {
  auto plan = valid_plan();
  plan.mutable_questionnaire()->mutable_questions(2)->mutable_scale()->set_min(5);
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[2].scale.max", {"from 5 to 5", "min must be less than max"}));
}

TEST(PlanValidator, TextAnswerMaxLengthIsAtMost10000) {
  auto plan = valid_plan();
  plan.mutable_questionnaire()->mutable_questions(3)->mutable_text_answer()->set_max_length(10'000);
  EXPECT_TRUE(validate_plan(plan).empty());
  plan.mutable_questionnaire()->mutable_questions(3)->mutable_text_answer()->set_max_length(10'001);
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[3].text_answer.max_length", {"10001", "10000"}));
}

TEST(PlanValidator, ConditionMustNameAnEarlierChoiceQuestion) {
  const std::string at = "questionnaire.questions[2].condition.question_id";
  auto plan = valid_plan();
  auto* condition = plan.mutable_questionnaire()->mutable_questions(2)->mutable_condition();
  condition->set_question_id("most-useful");
  EXPECT_TRUE(reports(validate_plan(plan), at, {"'most-useful'", "after it", "earlier"}));
  condition->set_question_id("relevance-other");
  EXPECT_TRUE(reports(validate_plan(plan), at, {"this very question"}));
  condition->set_question_id("modalty");
  EXPECT_TRUE(reports(validate_plan(plan), at, {"no question has that id", "earlier choice questions: overall, modality"}));
  condition->clear_question_id();
  EXPECT_TRUE(reports(validate_plan(plan), at, {"names no question"}));

  plan = valid_plan();
  plan.mutable_questionnaire()->mutable_questions(3)->mutable_condition()->set_question_id("relevance-other");
  plan.mutable_questionnaire()->mutable_questions(3)->mutable_condition()->add_option_ids("5");
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[3].condition.question_id", {"not a choice question"}));
}

TEST(PlanValidator, ConditionOptionsMustExistInThatQuestion) {
  auto plan = valid_plan();
  auto* condition = plan.mutable_questionnaire()->mutable_questions(2)->mutable_condition();
  condition->add_option_ids("maybe");
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[2].condition.option_ids[1]",
                      {"option 'maybe'", "options of 'modality': yes, no"}));
  condition->clear_option_ids();
  EXPECT_TRUE(reports(validate_plan(plan), "questionnaire.questions[2].condition.option_ids", {"lists no option"}));
}

TEST(PlanValidator, SummaryPhrasesMustContainTheOptionPlaceholder) {
  auto plan = valid_plan();
  auto* choice = plan.mutable_questionnaire()->mutable_questions(0)->mutable_choice();
  choice->set_summary_phrase("rated the morning");
  choice->set_summary_continuation("as");
  const auto diagnostics = validate_plan(plan);
  EXPECT_TRUE(reports(diagnostics, "questionnaire.questions[0].choice.summary_phrase", {"{option}"}));
  EXPECT_TRUE(reports(diagnostics, "questionnaire.questions[0].choice.summary_continuation", {"{option}"}));
}

TEST(PlanValidator, AnonymityThresholdZeroIsAnError) {
  auto plan = valid_plan();
  plan.set_anonymity_threshold(0);
  EXPECT_TRUE(reports(validate_plan(plan), "anonymity_threshold", {"remove the field for the default of 3", "1 or more"}));
  plan.set_anonymity_threshold(1);
  EXPECT_TRUE(validate_plan(plan).empty());
  plan.clear_anonymity_threshold();
  EXPECT_TRUE(validate_plan(plan).empty());
}

TEST(PlanValidator, GracePeriodIsAtMostAnHour) {
  auto plan = valid_plan();
  plan.set_grace_period_seconds(3600);
  EXPECT_TRUE(validate_plan(plan).empty());
  plan.set_grace_period_seconds(3601);
  EXPECT_TRUE(reports(validate_plan(plan), "grace_period_seconds", {"3601", "at most 3600"}));
}

TEST(PlanValidator, ReportsEveryProblemNotJustTheFirst) {
  auto plan = valid_plan();
  plan.clear_title();
  plan.mutable_agenda(0)->set_start("nine");
  plan.mutable_exercises(0)->mutable_phases(0)->set_minutes(0);
  plan.mutable_transcripts(0)->mutable_turns(0)->clear_speaker();
  plan.mutable_questionnaire()->mutable_questions(0)->mutable_choice()->clear_options();
  plan.set_grace_period_seconds(7200);
  const auto diagnostics = validate_plan(plan, "plan.textproto");
  EXPECT_EQ(diagnostics.size(), 6U) << describe(diagnostics);
  for (const auto& d : diagnostics) EXPECT_EQ(d.file, "plan.textproto") << d.to_string();
}

TEST(PlanValidator, DiagnosticsOfAPlanInMemoryHaveNoLine) {
  auto plan = valid_plan();
  plan.clear_title();
  const auto diagnostics = validate_plan(plan);
  ASSERT_EQ(diagnostics.size(), 1U) << describe(diagnostics);
  EXPECT_EQ(diagnostics[0].line, 0);
  EXPECT_EQ(diagnostics[0].to_string(), "title: " + diagnostics[0].message);
}

TEST(PlanDiagnostic, ToStringLeavesOutUnknownParts) {
  EXPECT_EQ((diagnostic{"a.textproto", 3, 7, "exercises[0].id", "bad"}).to_string(), "a.textproto:3:7: exercises[0].id: bad");
  EXPECT_EQ((diagnostic{"a.textproto", 3, 0, "title", "bad"}).to_string(), "a.textproto:3: title: bad");
  EXPECT_EQ((diagnostic{"a.json", 0, 0, "title", "bad"}).to_string(), "a.json: title: bad");
  EXPECT_EQ((diagnostic{"a.json", 0, 0, "", "bad"}).to_string(), "a.json: bad");
  EXPECT_EQ((diagnostic{"", 0, 0, "", "bad"}).to_string(), "bad");
}

TEST(PlanHelpers, AnonymityThresholdDefaultsToThree) {
  Plan plan;
  EXPECT_EQ(dyad::core::anonymity_threshold(plan), 3U);
  plan.set_anonymity_threshold(5);
  EXPECT_EQ(dyad::core::anonymity_threshold(plan), 5U);
  plan.set_anonymity_threshold(0);
  EXPECT_EQ(dyad::core::anonymity_threshold(plan), 3U) << "an unvalidated 0 must not show groups of any size";
}

TEST(PlanHelpers, GracePeriodDefaultsToNinetySeconds) {
  Plan plan;
  EXPECT_EQ(dyad::core::grace_period_ms(plan), 90'000);
  plan.set_grace_period_seconds(120);
  EXPECT_EQ(dyad::core::grace_period_ms(plan), 120'000);
}

TEST(PlanHelpers, FindExcerptGivesTheExcerptAndItsTranscript) {
  const auto plan = valid_plan();
  const dyad::v1::Transcript* owner = nullptr;
  const auto* excerpt = dyad::core::find_excerpt(plan, "the-cancelled-session", &owner);
  ASSERT_NE(excerpt, nullptr);
  EXPECT_EQ(excerpt->title(), "The cancelled session");
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->id(), "session-nine");
  EXPECT_EQ(dyad::core::find_excerpt(plan, "missing", &owner), nullptr);
  EXPECT_EQ(owner, nullptr);
  EXPECT_NE(dyad::core::find_excerpt(plan, "late-again"), nullptr);
}

TEST(PlanHelpers, FindExerciseById) {
  const auto plan = valid_plan();
  const auto* exercise = dyad::core::find_exercise(plan, "watching-the-repair");
  ASSERT_NE(exercise, nullptr);
  EXPECT_EQ(exercise->group_size(), dyad::v1::GROUP_SIZE_TRIADS);
  EXPECT_EQ(dyad::core::find_exercise(plan, "nope"), nullptr);
}

}  // namespace
