/** Constructors for a check's verdict, so each check reads as its decision table. */
import type { Unavailable } from './context.js';
import { skipReason } from './format.js';
import type { CheckResult } from './types.js';

export type Verdict = Omit<CheckResult, 'id' | 'title' | 'explain'>;

export const pass = (message: string, evidence: string[] = []): Verdict => ({ status: 'pass', message, evidence, fix: [] });
export const warn = (message: string, evidence: string[] = [], fix: string[] = []): Verdict => ({ status: 'warn', message, evidence, fix });
export const fail = (message: string, evidence: string[] = [], fix: string[] = []): Verdict => ({ status: 'fail', message, evidence, fix });
export const skip = (message: string, evidence: string[] = []): Verdict => ({ status: 'skip', message, evidence, fix: [] });

/** A skip whose reason is the data that could not be had. */
export const skipFor = (why: Unavailable, evidence: string[] = []): Verdict => skip(skipReason(why), evidence);
