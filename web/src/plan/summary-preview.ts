// A preview of the plain-words summary the report opens with, phrased as the server phrases it
// (server/core/summary.cpp), but from invented figures: the editor has no answers yet.
import type { ChoiceOption, Question, Questionnaire } from '@gen/dyad/v1/plan_pb';

const BELOW_TWENTY = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function belowHundred(n: number): string {
  if (n < 20) return BELOW_TWENTY[n];
  return TENS[Math.floor(n / 10)] + (n % 10 ? `-${BELOW_TWENTY[n % 10]}` : '');
}

function belowThousand(n: number): string {
  if (n < 100) return belowHundred(n);
  const rest = n % 100;
  return `${BELOW_TWENTY[Math.floor(n / 100)]} hundred${rest ? ` and ${belowHundred(rest)}` : ''}`;
}

/** As core/number_words.cpp says numbers, for the counts a preview uses (below a million). */
export function numberInWords(n: number): string {
  if (n === 0) return 'zero';
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  let out = thousands ? `${belowThousand(thousands)} thousand` : '';
  if (rest) out += (out ? (rest < 100 ? ' and ' : ' ') : '') + belowThousand(rest);
  return out;
}

const replaceAll = (s: string, from: string, to: string) => s.split(from).join(to);
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const endSentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);
const capitaliseFirst = (s: string) => (/^[a-z]/.test(s) ? s[0].toUpperCase() + s.slice(1) : s);

function summaryLabel(o: ChoiceOption): string {
  return o.summaryLabel || asciiLower(o.label || o.id);
}

/** The invented figures: how many chose each option, in order (later options fewer, some none). */
export const EXAMPLE_RESPONSES = 12;
const EXAMPLE_COUNTS = [6, 4, 2];

function choiceSentence(q: Question): string {
  if (q.kind.case !== 'choice') return '';
  const c = q.kind.value;
  const parts = c.options.slice(0, EXAMPLE_COUNTS.length).map((o, i) => ({ count: EXAMPLE_COUNTS[i], label: summaryLabel(o) }));
  if (!parts.length) return '';
  let out = `${parts[0].count} ${replaceAll(c.summaryPhrase, '{option}', parts[0].label)}`;
  for (const p of parts.slice(1)) {
    out += `, ${p.count} ${c.summaryContinuation ? replaceAll(c.summaryContinuation, '{option}', p.label) : p.label}`;
  }
  return endSentence(out);
}

function scaleSentence(q: Question): string {
  if (q.kind.case !== 'scale') return '';
  const s = q.kind.value;
  // An invented mean, seven tenths of the way up the scale, written with one decimal.
  const tenths = Math.round((s.min + (s.max - s.min) * 0.7) * 10);
  const mean = `${tenths < 0 ? '-' : ''}${Math.floor(Math.abs(tenths) / 10)}.${Math.abs(tenths) % 10}`;
  const text = replaceAll(replaceAll(replaceAll(s.summaryPhrase, '{mean}', mean), '{min}', String(s.min)), '{max}', String(s.max));
  const answered = EXAMPLE_RESPONSES;
  return endSentence(text.includes('{count}') ? replaceAll(text, '{count}', String(answered)) : `${answered} ${text}`);
}

/** The summary as the report would open it with the invented figures. */
export function previewSummary(questionnaire: Questionnaire | undefined): string {
  const sentences: string[] = [];
  for (const q of questionnaire?.questions ?? []) {
    let sentence = '';
    if (q.kind.case === 'choice' && q.kind.value.summaryPhrase) sentence = choiceSentence(q);
    else if (q.kind.case === 'scale' && q.kind.value.summaryPhrase) sentence = scaleSentence(q);
    if (!sentence) continue;
    if (q.summaryLead) sentence = `${q.summaryLead} ${sentence}`;
    sentences.push(sentence);
  }
  const count = numberInWords(EXAMPLE_RESPONSES);
  const out = sentences.length
    ? [replaceAll((questionnaire?.summaryOpening || 'Of the {count} participants:'), '{count}', count), ...sentences].join(' ')
    : `${count} participants responded.`;
  return capitaliseFirst(out);
}
