#include "core/transcript_import.hpp"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dyad/v1/plan.pb.h"

namespace dyad::core {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

transcript_import_options options_with_id(std::string id = "t") {
  transcript_import_options options;
  options.id = std::move(id);
  return options;
}

// What a test expects of one turn: who, when (if given), and how many paragraphs.
struct expected_turn {
  std::string speaker;
  std::optional<std::uint32_t> at_seconds;
  int paragraphs;
};

void expect_turns(const dyad::v1::Transcript& t, const std::vector<expected_turn>& expected) {
  ASSERT_EQ(t.turns_size(), static_cast<int>(expected.size())) << t.DebugString();
  for (int i = 0; i < t.turns_size(); ++i) {
    const auto& want = expected[static_cast<std::size_t>(i)];
    const auto& got = t.turns(i);
    SCOPED_TRACE("turn " + std::to_string(i + 1) + ": " + got.ShortDebugString());
    EXPECT_EQ(got.speaker(), want.speaker);
    EXPECT_EQ(got.has_at_seconds(), want.at_seconds.has_value());
    if (want.at_seconds && got.has_at_seconds()) {
      EXPECT_EQ(got.at_seconds(), *want.at_seconds);
    }
    EXPECT_EQ(got.paragraphs_size(), want.paragraphs);
  }
}

dyad::v1::Transcript import_ok(std::string_view text, const transcript_import_options& options) {
  auto t = import_transcript(text, options);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.err().message);
  return t.ok() ? *t : dyad::v1::Transcript{};
}

class TranscriptImportPodcast : public ::testing::Test {
protected:
  void SetUp() override {
    raw_ = read_file(std::filesystem::path(DYAD_TEST_DATA_DIR) / "transcripts" / "podcast_shaped.txt");
    ASSERT_FALSE(raw_.empty()) << "the fixture tests/data/transcripts/podcast_shaped.txt is missing";
    // The fixture's CRLF line ends are part of what it tests; an editor or a checkout that
    // converted them would quietly weaken it.
    ASSERT_NE(raw_.find("\r\n"), std::string::npos) << "the fixture lost its CRLF line ends";
    auto t = import_transcript(raw_, options_with_id("podcast"));
    ASSERT_TRUE(t.ok()) << t.err().message;
    transcript_ = *t;
  }

  std::string raw_;
  dyad::v1::Transcript transcript_;
};

TEST_F(TranscriptImportPodcast, FindsEverySpeakerTimeAndParagraph) {
  expect_turns(transcript_, {
                                {"Priya", std::nullopt, 2},
                                {"Tom", 2 * 60 + 53, 1},
                                {"Priya", 3 * 60 + 5, 1},
                                {"Tom", 3 * 60 + 12, 3},
                                {"Priya", 9 * 60 + 28, 2},
                                {"Tom", std::nullopt, 1},
                                {"Priya", 10 * 60 + 2, 1},
                                {"Tom", 3600 + 2 * 60 + 3, 2},
                                {"Priya", 3600 + 2 * 60 + 40, 1},
                                {"Tom", 3600 + 3 * 60 + 15, 1},
                            });
}

TEST_F(TranscriptImportPodcast, OneWordParagraphsStayParagraphs) {
  ASSERT_EQ(transcript_.turns_size(), 10);
  EXPECT_EQ(transcript_.turns(3).paragraphs(0), "Yes.");
  EXPECT_EQ(transcript_.turns(4).paragraphs(0), "Right");
  EXPECT_EQ(transcript_.turns(6).paragraphs(0), "Please.");
  EXPECT_EQ(transcript_.turns(8).paragraphs(0), "No.");
}

TEST_F(TranscriptImportPodcast, PreambleIsNotATurnAndBecomesTheTitle) {
  EXPECT_EQ(transcript_.title(), "Episode 4: Staying with the awkward moment");
  for (const auto& turn : transcript_.turns()) {
    for (const auto& p : turn.paragraphs()) EXPECT_EQ(p.find("Episode 4"), std::string::npos) << p;
  }
}

TEST_F(TranscriptImportPodcast, StraySpacingAndLineEndsAreCleaned) {
  ASSERT_EQ(transcript_.turns_size(), 10);
  EXPECT_EQ(transcript_.turns(3).paragraphs(1),
            "Well, sometimes. The silence itself isn't the problem; what matters is what it means "
            "to the client, and you usually can't know that without asking.");
  EXPECT_EQ(transcript_.turns(3).paragraphs(2),
            "I tell my trainees to get curious about it out loud, gently, rather than filling the "
            "gap with another question.");
  for (const auto& turn : transcript_.turns()) {
    for (const auto& p : turn.paragraphs()) {
      EXPECT_EQ(p.find_first_of("\r\t"), std::string::npos) << p;
      EXPECT_NE(p.back(), ' ') << p;
    }
  }
}

TEST_F(TranscriptImportPodcast, HardWrappedLinesJoinIntoOneParagraph) {
  ASSERT_EQ(transcript_.turns_size(), 10);
  EXPECT_EQ(transcript_.turns(7).paragraphs(0),
            "A trainee told me her client kept answering \"fine\" and glancing at the clock. She "
            "assumed the client was bored, so she sped up.");
}

TEST_F(TranscriptImportPodcast, ParagraphBrokenByABlankLineIsRejoined) {
  ASSERT_EQ(transcript_.turns_size(), 10);
  ASSERT_EQ(transcript_.turns(4).paragraphs_size(), 2);
  EXPECT_EQ(transcript_.turns(4).paragraphs(1),
            "And asking out loud is itself a way of saying that the relationship is something we "
            "can talk about, which a lot of clients have never been offered.");
}

TEST(TranscriptImport, ReadsEveryTimeForm) {
  const auto t = import_ok("Ann, 0:05\nA.\n\nBo 12:34\nB.\n\nAnn, 1:02:03\nC.\n\nBo 105:00\nD.\n",
                           options_with_id());
  expect_turns(t, {{"Ann", 5, 1}, {"Bo", 754, 1}, {"Ann", 3723, 1}, {"Bo", 6300, 1}});
}

TEST(TranscriptImport, ToleratesByteOrderMarkAndCarriageReturns) {
  const auto t = import_ok("\xEF\xBB\xBFTherapist, 0:01\r\nHello.\r\n\r\nClient, 0:04\r\nHi.\r\n",
                           options_with_id());
  expect_turns(t, {{"Therapist", 1, 1}, {"Client", 4, 1}});
  EXPECT_EQ(t.turns(1).paragraphs(0), "Hi.");
}

TEST(TranscriptImport, KeepsIdTitleAndSourceFromOptions) {
  transcript_import_options options;
  options.id = "withdrawal-session";
  options.title = "Session seven";
  options.source = "Invented for teaching.";
  const auto t = import_ok("Preamble line\n\nAnn, 0:01\nHello.\n", options);
  EXPECT_EQ(t.id(), "withdrawal-session");
  EXPECT_EQ(t.title(), "Session seven") << "an explicit title must win over the preamble";
  EXPECT_EQ(t.source(), "Invented for teaching.");
}

TEST(TranscriptImport, NamesOfSeveralWordsAndInitials) {
  const auto t = import_ok(
      "Dr. Anna de Vries, 0:10\nFirst.\n\nSpeaker 2 0:20\nSecond.\n\nJosé Ñúñez, 0:30\nThird.\n"
      "\nDr. Anna de Vries\nFourth.\n",
      options_with_id());
  expect_turns(t, {{"Dr. Anna de Vries", 10, 1},
                   {"Speaker 2", 20, 1},
                   {"José Ñúñez", 30, 1},
                   {"Dr. Anna de Vries", std::nullopt, 1}});
}

TEST(TranscriptImport, SentencesEndingInATimeAreNotSpeakerLines) {
  const auto t = import_ok("Ann, 0:01\nWe met at 9:30\n\nShe said 4:15\n\nBo, 0:40\nOkay.\n",
                           options_with_id());
  expect_turns(t, {{"Ann", 1, 2}, {"Bo", 40, 1}});
}

TEST(TranscriptImport, InvalidTimesAreNotSpeakerLines) {
  const auto t = import_ok("Ann, 0:01\nA.\n\nAnn, 0:75\n\nAnn 1:2\n", options_with_id());
  expect_turns(t, {{"Ann", 1, 3}});
}

TEST(TranscriptImport, BareNameOfAnUnknownSpeakerIsAParagraph) {
  // With times present, a bare line counts only if it names someone who speaks with a time.
  const auto t = import_ok("Ann, 0:01\nI asked my colleague.\n\nMorgan\n\nMorgan said no.\n",
                           options_with_id());
  expect_turns(t, {{"Ann", 1, 3}});
}

TEST(TranscriptImport, BareKnownNameWithNothingAfterItIsAParagraph) {
  const auto t = import_ok("Ann, 0:01\nWho spoke last?\n\nBo, 0:05\nIt was\n\nAnn\n",
                           options_with_id());
  expect_turns(t, {{"Ann", 1, 1}, {"Bo", 5, 2}});
}

TEST(TranscriptImport, WithoutTimesRecurringNamesAreSpeakers) {
  const auto t = import_ok(
      "A session without times\n\n"
      "Therapist\n\nHow has the week been?\n\n"
      "Client\n\nFine.\n\n"
      "Therapist\n\nOnly fine?\n\n"
      "Client\n\nRight\n\nI suppose it was harder than that.\n\n"
      "Okay\n\nWell, I can say more.\n\n"
      "Brilliant\n\nThat was the word my boss used.\n\n"
      "Therapist\n\nTell me about that.\n",
      options_with_id());
  expect_turns(t, {{"Therapist", std::nullopt, 1},
                   {"Client", std::nullopt, 1},
                   {"Therapist", std::nullopt, 1},
                   {"Client", std::nullopt, 6},
                   {"Therapist", std::nullopt, 1}});
  EXPECT_EQ(t.title(), "A session without times");
}

TEST(TranscriptImport, WithoutTimesEachSpeakingOnceStillWorks) {
  const auto t = import_ok("Anna\n\nHello there.\n\nBen\n\nHi.\n", options_with_id());
  expect_turns(t, {{"Anna", std::nullopt, 1}, {"Ben", std::nullopt, 1}});
}

TEST(TranscriptImport, TextWithoutSpeakerLinesIsAnErrorNamingTheFormat) {
  for (const std::string_view text : {"", "\n\n  \n", "Just some notes.\n\nNothing else here.\n"}) {
    const auto t = import_transcript(text, options_with_id());
    ASSERT_FALSE(t.ok()) << "no speaker lines in '" << text << "' should be an error";
    EXPECT_EQ(t.err().code, errc::invalid_argument);
    EXPECT_NE(t.err().message.find("no turns found"), std::string::npos) << t.err().message;
    EXPECT_NE(t.err().message.find("\"Alice, 2:53\""), std::string::npos) << t.err().message;
  }
}

TEST(TranscriptImport, SpeakerLineWithoutTextIsAnErrorNamingTheLine) {
  const auto t = import_transcript("Title\n\nAnn, 0:01\n\nBo, 0:02\nHi.\n", options_with_id());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.err().message.find("line 3"), std::string::npos) << t.err().message;
  EXPECT_NE(t.err().message.find("'Ann, 0:01'"), std::string::npos) << t.err().message;

  const auto at_end = import_transcript("Ann, 0:01\nHi.\n\nBo, 0:02\n\n", options_with_id());
  ASSERT_FALSE(at_end.ok());
  EXPECT_NE(at_end.err().message.find("line 4"), std::string::npos) << at_end.err().message;
}

TEST(TranscriptImport, TextNotInUtf8IsAnErrorNamingTheLine) {
  // A word processor's curly apostrophe saved as Windows-1252 is byte 0x92.
  const auto t = import_transcript("Ann, 0:01\nHello.\n\nBo, 0:02\nI don\x92t know.\n", options_with_id());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.err().message.find("line 5 is not valid UTF-8 (byte 0x92 at column 6)"), std::string::npos)
      << t.err().message;
}

TEST(TranscriptImport, EmptyIdIsAnError) {
  const auto t = import_transcript("Ann, 0:01\nHi.\n", transcript_import_options{});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.err().message.find("no id"), std::string::npos) << t.err().message;
}

dyad::v1::Transcript five_turns() {
  return import_ok("A, 0:01\none\n\nB, 0:02\ntwo\n\nA, 0:03\nthree\n\nB, 0:04\nfour\n\nA, 0:05\nfive\n",
                   options_with_id("five"));
}

TEST(TranscriptExcerpt, CutsTheInclusiveRange) {
  const auto t = five_turns();
  ASSERT_EQ(t.turns_size(), 5);
  dyad::v1::Excerpt e;
  e.set_id("middle");
  e.set_first_turn(2);
  e.set_last_turn(4);
  const auto turns = excerpt_turns(t, e);
  ASSERT_TRUE(turns.ok()) << turns.err().message;
  ASSERT_EQ(turns->size(), 3U);
  EXPECT_EQ((*turns)[0].paragraphs(0), "two");
  EXPECT_EQ((*turns)[2].paragraphs(0), "four");

  e.set_first_turn(1);
  e.set_last_turn(5);
  const auto all = excerpt_turns(t, e);
  ASSERT_TRUE(all.ok()) << all.err().message;
  EXPECT_EQ(all->size(), 5U);

  e.set_first_turn(5);
  const auto last = excerpt_turns(t, e);
  ASSERT_TRUE(last.ok()) << last.err().message;
  ASSERT_EQ(last->size(), 1U);
  EXPECT_EQ(last->front().paragraphs(0), "five");
}

TEST(TranscriptExcerpt, OutOfRangeIsAnErrorNamingTheExcerptAndTurnCount) {
  const auto t = five_turns();
  dyad::v1::Excerpt e;
  e.set_id("too-long");
  e.set_first_turn(3);
  e.set_last_turn(6);
  const auto turns = excerpt_turns(t, e);
  ASSERT_FALSE(turns.ok());
  EXPECT_NE(turns.err().message.find("excerpt 'too-long' ends at turn 6"), std::string::npos)
      << turns.err().message;
  EXPECT_NE(turns.err().message.find("'five' has 5 turns"), std::string::npos) << turns.err().message;
}

TEST(TranscriptExcerpt, ZeroAndReversedRangesAreErrors) {
  const auto t = five_turns();
  dyad::v1::Excerpt e;
  e.set_id("bad");
  e.set_first_turn(0);
  e.set_last_turn(2);
  const auto zero = excerpt_turns(t, e);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.err().message.find("numbered from 1"), std::string::npos) << zero.err().message;

  e.set_first_turn(4);
  e.set_last_turn(2);
  const auto reversed = excerpt_turns(t, e);
  ASSERT_FALSE(reversed.ok());
  EXPECT_NE(reversed.err().message.find("before it starts at turn 4"), std::string::npos)
      << reversed.err().message;
}

TEST(TranscriptExcerpt, MakeExcerptChecksTheRangeAndId) {
  auto t = five_turns();
  const auto e = make_excerpt(t, "opening", "How it starts", 1, 2);
  ASSERT_TRUE(e.ok()) << e.err().message;
  EXPECT_EQ(e->id(), "opening");
  EXPECT_EQ(e->title(), "How it starts");
  EXPECT_EQ(e->first_turn(), 1U);
  EXPECT_EQ(e->last_turn(), 2U);
  EXPECT_EQ(t.excerpts_size(), 0) << "make_excerpt must not change the transcript";
  *t.add_excerpts() = *e;

  const auto duplicate = make_excerpt(t, "opening", "", 3, 4);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.err().message.find("already has an excerpt 'opening'"), std::string::npos)
      << duplicate.err().message;

  const auto no_id = make_excerpt(t, "", "", 1, 1);
  ASSERT_FALSE(no_id.ok());
  EXPECT_NE(no_id.err().message.find("no id"), std::string::npos) << no_id.err().message;

  const auto beyond = make_excerpt(t, "late", "", 5, 9);
  ASSERT_FALSE(beyond.ok());
  EXPECT_NE(beyond.err().message.find("ends at turn 9"), std::string::npos) << beyond.err().message;
}

// The demo plan carries its transcripts twice: as the turns exercises hand out, and as the plain
// text in deploy/demo/transcripts/ that a facilitator would have started from. Importing the text
// must give exactly the plan's turns, so that editing one without the other fails here.
TEST(TranscriptDemo, PlainTextSourcesImportToThePlansTurns) {
  const std::filesystem::path demo = std::filesystem::path(DYAD_SOURCE_DIR) / "deploy" / "demo";
  const std::string plan_text = read_file(demo / "ruptures-one-day.textproto");
  ASSERT_FALSE(plan_text.empty()) << "deploy/demo/ruptures-one-day.textproto is missing";
  dyad::v1::Plan plan;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(plan_text, &plan))
      << "the demo plan does not parse as text format";
  ASSERT_GE(plan.transcripts_size(), 2);

  std::set<std::string> seen;
  for (const auto& entry : std::filesystem::directory_iterator(demo / "transcripts")) {
    if (entry.path().extension() != ".txt") continue;
    const std::string id = entry.path().stem().string();
    SCOPED_TRACE("deploy/demo/transcripts/" + entry.path().filename().string());
    const dyad::v1::Transcript* in_plan = nullptr;
    for (const auto& t : plan.transcripts()) {
      if (t.id() == id) in_plan = &t;
    }
    ASSERT_NE(in_plan, nullptr) << "the plan has no transcript with id '" << id << "'";
    seen.insert(id);

    transcript_import_options options;
    options.id = id;
    const auto imported = import_transcript(read_file(entry.path()), options);
    ASSERT_TRUE(imported.ok()) << imported.err().message;
    EXPECT_EQ(imported->title(), in_plan->title()) << "the text's first line is the plan's title";
    ASSERT_EQ(imported->turns_size(), in_plan->turns_size());
    for (int i = 0; i < in_plan->turns_size(); ++i) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(imported->turns(i), in_plan->turns(i)))
          << "turn " << (i + 1) << " differs\nfrom the text: " << imported->turns(i).DebugString()
          << "in the plan:    " << in_plan->turns(i).DebugString();
    }
    for (const auto& excerpt : in_plan->excerpts()) {
      const auto turns = excerpt_turns(*imported, excerpt);
      EXPECT_TRUE(turns.ok()) << turns.err().message;
    }
  }
  for (const auto& t : plan.transcripts()) {
    EXPECT_EQ(seen.count(t.id()), 1U) << "transcript '" << t.id()
                                      << "' has no deploy/demo/transcripts/" << t.id() << ".txt";
  }
}

// Every excerpt an exercise names exists, so a participant never gets an empty handout.
TEST(TranscriptDemo, EveryExerciseExcerptExists) {
  const std::string plan_text =
      read_file(std::filesystem::path(DYAD_SOURCE_DIR) / "deploy" / "demo" / "ruptures-one-day.textproto");
  dyad::v1::Plan plan;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(plan_text, &plan));
  std::set<std::string> excerpts;
  for (const auto& t : plan.transcripts()) {
    for (const auto& e : t.excerpts()) excerpts.insert(e.id());
  }
  ASSERT_GE(plan.exercises_size(), 3);
  for (const auto& exercise : plan.exercises()) {
    EXPECT_FALSE(exercise.excerpt_id().empty()) << "exercise '" << exercise.id() << "' has no excerpt";
    EXPECT_EQ(excerpts.count(exercise.excerpt_id()), 1U)
        << "exercise '" << exercise.id() << "' names excerpt '" << exercise.excerpt_id()
        << "', which no transcript has";
  }
}

}  // namespace
}  // namespace dyad::core
