#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "core/transcript_import.hpp"
#include "dyad/v1/plan.pb.h"

namespace dyad::test {
namespace {

const std::string fixture = std::string(DYAD_TEST_DATA_DIR) + "/transcripts/podcast_shaped.txt";

// The printed block is what a person pastes into a plan, so it is read back exactly as a plan
// is read: as a `Plan` holding one `transcripts` entry.
dyad::v1::Plan parse_as_plan(const std::string& text) {
  dyad::v1::Plan plan;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &plan))
      << "the printed block does not parse as a plan:\n" << text;
  return plan;
}

TEST(TranscriptCli, PrintedBlockParsesBackToTheImport) {
  const auto r = run_dyad({"transcript", "import", fixture, "--id", "between-sessions", "--title",
                           "Between Sessions, episode 4", "--source=Invented for Dyad's tests.",
                           "--excerpt", "silence:3-5", "--excerpt", "example:7-8:A trainee's \"fine\""});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("transcripts {\n", 0), 0U) << r.out;
  const auto plan = parse_as_plan(r.out);
  ASSERT_EQ(plan.transcripts_size(), 1) << r.out;

  core::transcript_import_options options;
  options.id = "between-sessions";
  options.title = "Between Sessions, episode 4";
  options.source = "Invented for Dyad's tests.";
  auto expected = core::import_transcript(read_file(fixture), options);
  ASSERT_TRUE(expected.ok()) << expected.err().message;
  auto silence = core::make_excerpt(*expected, "silence", "", 3, 5);
  ASSERT_TRUE(silence.ok()) << silence.err().message;
  *expected->add_excerpts() = *silence;
  auto example = core::make_excerpt(*expected, "example", "A trainee's \"fine\"", 7, 8);
  ASSERT_TRUE(example.ok()) << example.err().message;
  *expected->add_excerpts() = *example;

  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(*expected, plan.transcripts(0))) << difference;
}

TEST(TranscriptCli, KeepsApostrophesAndAccentsReadable) {
  const auto path = write_temp_file("accents.txt", "José, 0:01\nIt's “fine”, I said.\n");
  const auto r = run_dyad({"transcript", "import", path, "--id", "accents"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("speaker: \"José\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("paragraphs: \"It's “fine”, I said.\""), std::string::npos) << r.out;
  const auto plan = parse_as_plan(r.out);
  ASSERT_EQ(plan.transcripts_size(), 1);
  ASSERT_EQ(plan.transcripts(0).turns_size(), 1);
  EXPECT_EQ(plan.transcripts(0).turns(0).paragraphs(0), "It's “fine”, I said.");
}

TEST(TranscriptCli, ReportsSpeakersFoundOnStandardError) {
  const auto r = run_dyad({"transcript", "import", fixture, "--id", "podcast"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("10 turns by Priya (5), Tom (5)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("10 turns"), std::string::npos) << "the summary must not pollute the block";
}

TEST(TranscriptCli, MissingFileExitsOneNamingIt) {
  const auto r = run_dyad({"transcript", "import", "/nonexistent/dyad/talk.txt", "--id", "x"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot read '/nonexistent/dyad/talk.txt'"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(TranscriptCli, TextWithoutTurnsExitsOneSayingTheFormat) {
  const auto path = write_temp_file("notes.txt", "Some notes.\n\nNo speakers here.\n");
  const auto r = run_dyad({"transcript", "import", path, "--id", "notes"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("no turns found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"Alice, 2:53\""), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(TranscriptCli, ExcerptBeyondTheLastTurnExitsOne) {
  const auto r = run_dyad({"transcript", "import", fixture, "--id", "podcast", "--excerpt", "late:8-12"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("excerpt 'late' ends at turn 12, but transcript 'podcast' has 10 turns"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(TranscriptCli, BadUsageExitsTwo) {
  const std::vector<std::vector<std::string>> cases{
      {"transcript", "import"},
      {"transcript", "import", fixture},
      {"transcript", "import", fixture, "--id"},
      {"transcript", "import", fixture, "--id", "x", "--colour", "red"},
      {"transcript", "import", fixture, "other.txt", "--id", "x"},
      {"transcript", "import", fixture, "--id", "x", "--excerpt", "no-range"},
      {"transcript", "import", fixture, "--id", "x", "--excerpt", "e:3"},
      {"transcript", "import", fixture, "--id", "x", "--excerpt", "e:a-b"},
  };
  for (const auto& args : cases) {
    const auto r = run_dyad(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
    EXPECT_NE(r.err.find("--help"), std::string::npos) << joined << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << joined << "\n" << r.out;
  }
}

TEST(TranscriptCli, HelpExitsZeroAndDescribesTheFormat) {
  const auto r = run_dyad({"transcript", "import", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Usage: dyad transcript import FILE --id ID"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--excerpt ID:FIRST-LAST"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"Alice, 2:53\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace dyad::test
