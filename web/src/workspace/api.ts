// The workspace's requests: the plan library, the runs and their access, the retention setting.
// Same rules as the accounts API (lib/accounts.ts): the session cookie goes by itself, bodies and
// answers are protobuf's JSON mapping, and a refusal is an HttpError with the server's sentence.
import { create, toJson, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import {
  FacilitatorLinkSchema, NewPlanRequestSchema, NewRunRequestSchema, PlanDetailSchema, PlanListSchema, RetentionSettingSchema,
  RunEntrySchema, RunListSchema, type PlanDetail, type PlanEntry, type RunEntry, type RunList,
} from '@gen/dyad/v1/api_pb';
import { call } from '../lib/accounts';
import { apiUrl } from '../lib/urls';

export type { PlanDetail, PlanEntry, RunEntry, RunList };

/** A request body in protobuf's JSON mapping, built through the schema so names and types agree. */
function body<D extends DescMessage>(schema: D, init: MessageInitShape<D>): object {
  return toJson(schema, create(schema, init)) as object;
}

const seg = encodeURIComponent;

export async function listPlans(): Promise<PlanEntry[]> {
  return (await call(PlanListSchema, 'GET', 'plans')).plans;
}
export const planDetail = (planId: string) => call(PlanDetailSchema, 'GET', `plans/${seg(planId)}`);
export const copyPlan = (fromPlanId: string, fromVersion = 0, name = '') =>
  call(PlanDetailSchema, 'POST', 'plans', body(NewPlanRequestSchema, { fromPlanId, fromVersion, name }));
export const importPlan = (format: 'text' | 'json', text: string, name = '') =>
  call(PlanDetailSchema, 'POST', 'plans', body(NewPlanRequestSchema, { name, source: { format, body: text } }));

/** The file a plan is exported as: the text format or JSON, its latest version. */
export function exportUrl(planId: string, format: 'text' | 'json'): string {
  return apiUrl(`plans/${seg(planId)}/export?format=${format}`);
}

export const listRuns = () => call(RunListSchema, 'GET', 'runs');

export interface NewRun {
  planId: string;
  planVersion: number;
  date: string;
  startTime: string;
  facilitatorId: string;
}
export const createRun = (r: NewRun) => call(RunEntrySchema, 'POST', 'runs', body(NewRunRequestSchema, r));
export const nextRun = (code: string, r: Omit<NewRun, 'planId' | 'planVersion'>) =>
  call(RunEntrySchema, 'POST', `runs/${seg(code)}/next`, body(NewRunRequestSchema, r));
export const giveAccess = (code: string, accountId: string) =>
  call(RunEntrySchema, 'POST', `runs/${seg(code)}/access`, { accountId });
export const takeAccess = (code: string, accountId: string) =>
  call(RunEntrySchema, 'DELETE', `runs/${seg(code)}/access/${seg(accountId)}`);
export const newFacilitatorLink = (code: string) => call(FacilitatorLinkSchema, 'POST', `runs/${seg(code)}/facilitator-link`);
export const eraseRun = (code: string) => call(RunEntrySchema, 'POST', `runs/${seg(code)}/erase`);

export async function retentionDays(): Promise<number> {
  return (await call(RetentionSettingSchema, 'GET', 'settings/retention')).days;
}
export async function setRetentionDays(days: number): Promise<number> {
  return (await call(RetentionSettingSchema, 'PUT', 'settings/retention', body(RetentionSettingSchema, { days }))).days;
}
