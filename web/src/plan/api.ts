// The plan library's API as the editor uses it: JSON bodies in protobuf's JSON mapping, read with
// the generated schemas; the session cookie goes along by itself. A refusal becomes an HttpError
// with the server's own sentence.
import { fromJson, toJson, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { PlanCheckSchema, PlanDetailSchema, PlanSavedSchema, type PlanCheck, type PlanDetail, type PlanSaved } from '@gen/dyad/v1/api_pb';
import { PlanSchema, TranscriptSchema, type Plan, type Transcript } from '@gen/dyad/v1/plan_pb';
import { HttpError } from '../lib/dom';
import { apiUrl } from '../lib/urls';

const UNREACHABLE = 'The Dyad server could not be reached; check your network connection and try again.';

async function call<D extends DescMessage>(schema: D, method: string, path: string, body?: object, signal?: AbortSignal): Promise<MessageShape<D>> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      cache: 'no-store',
      credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new HttpError(0, UNREACHABLE);
  }
  let json: JsonValue = null;
  try {
    json = (await res.json()) as JsonValue;
  } catch {
    /* not JSON: the status says enough */
  }
  if (!res.ok) {
    const message = json && typeof json === 'object' && !Array.isArray(json) && typeof json.message === 'string'
      ? json.message : `The server answered ${res.status} ${res.statusText}; try again in a moment.`;
    throw new HttpError(res.status, message);
  }
  return fromJson(schema, json, { ignoreUnknownFields: true });
}

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
