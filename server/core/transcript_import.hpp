#pragma once

// Turning a plain-text transcript into a plan's `Transcript`, and cutting excerpts from it.
// Plain C++ over strings: reading files is the caller's business.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// What the text itself cannot say about a transcript.
struct transcript_import_options {
  /// The transcript's id in the plan, e.g. "withdrawal-session". Required.
  std::string id;
  /// Shown above the excerpt. Empty: the first line of the preamble (the text before the first
  /// speaker line), if there is one.
  std::string title;
  /// Where the transcript comes from and with what consent.
  std::string source;
};

/// Reads a transcript written as turns, each opened by a speaker line and followed by the turn's
/// paragraphs (separated by blank lines; consecutive lines join into one paragraph):
///
///     Alice, 2:53        (also "Alice 2:53", "Alice, 1:02:03")
///     Oh, hello.
///
///     Shabnam            (a bare name: a turn without a time)
///     ...
///
/// A bare name counts as a speaker line only when it is a short capitalised line (1–3 words, no
/// sentence punctuation) followed by text, and either names a speaker who appears elsewhere with
/// a time, or — in a text with no times at all — recurs as such a line (or, in a text where no
/// name recurs, appears at all) and is not a common interjection ("Right", "Okay"). So one-word
/// paragraphs such as "Yes." or "Right" stay paragraphs. Text before the first speaker line is
/// a preamble, not a turn. A BOM, CRLF line ends, tabs and stray spaces are tolerated; a
/// paragraph broken mid-sentence by a blank line (the next part starts in lower case) is joined
/// back together.
///
/// Fails when the id is empty, when no speaker line is found (the message says which format is
/// expected), or when a speaker line is followed by no text (the message names the line).
result<dyad::v1::Transcript> import_transcript(std::string_view text,
                                               const transcript_import_options& options);

/// The turns an excerpt covers (1-based, inclusive), in order. Fails with a sentence naming the
/// excerpt and the transcript's turn count when the range is empty, reversed or out of range.
result<std::vector<dyad::v1::Turn>> excerpt_turns(const dyad::v1::Transcript& transcript,
                                                  const dyad::v1::Excerpt& excerpt);

/// An excerpt of turns `first_turn`..`last_turn` (1-based, inclusive) of `transcript`, checked
/// against it: fails when the id is empty or already used by one of the transcript's excerpts,
/// or when the range is empty, reversed or out of range. The excerpt is not added to the
/// transcript.
result<dyad::v1::Excerpt> make_excerpt(const dyad::v1::Transcript& transcript, std::string id,
                                       std::string title, unsigned first_turn, unsigned last_turn);

}  // namespace dyad::core
