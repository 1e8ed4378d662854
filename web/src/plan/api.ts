// The plan library's API as the editor uses it: JSON bodies in protobuf's JSON mapping, read with
// the generated schemas; the session cookie goes along by itself. A refusal becomes an HttpError
// with the server's own sentence.
import { toJson } from '@bufbuild/protobuf';
import { PlanCheckSchema, PlanDetailSchema, PlanSavedSchema, type PlanCheck, type PlanDetail, type PlanSaved } from '@gen/dyad/v1/api_pb';
import { PlanSchema, TranscriptSchema, type Plan, type Transcript } from '@gen/dyad/v1/plan_pb';
import { call } from '../lib/accounts';
import { apiUrl } from '../lib/urls';

/** The form's plan as the JSON the server reads (protobuf's JSON mapping, as text). */
export function planJson(plan: Plan): string {
  return JSON.stringify(toJson(PlanSchema, plan), null, 2);
}

export interface Source {
  format: 'json' | 'text';
  body: string;
}

const planPath = (id: string) => `plans/${encodeURIComponent(id)}`;

export const getPlan = (id: string): Promise<PlanDetail> => call(PlanDetailSchema, 'GET', planPath(id));
export const checkPlan = (source: Source, signal?: AbortSignal): Promise<PlanCheck> =>
  call(PlanCheckSchema, 'POST', 'plans/check', source, signal);
export const keepDraft = (id: string, source: Source): Promise<PlanCheck> => call(PlanCheckSchema, 'PUT', `${planPath(id)}/draft`, source);
export const saveVersion = (id: string, source: Source): Promise<PlanSaved> => call(PlanSavedSchema, 'POST', `${planPath(id)}/versions`, source);
export const parseTranscript = (text: string, id: string, title: string): Promise<Transcript> =>
  call(TranscriptSchema, 'POST', 'transcripts/parse', { text, id, title });

/** Where the browser downloads the plan as a file ("text" or "json"). */
export function exportUrl(id: string, format: 'text' | 'json', version = 0): string {
  return apiUrl(`${planPath(id)}/export?format=${format}${version ? `&version=${version}` : ''}`);
}
