import type { Response } from 'express';
import type { DomainError } from '../errors/domain-error-code';
import { ecrErrorBody } from '../errors/ecr-error-body';
import { ecrErrorStatus } from './ecr-error-map';
import type { EcrProtocolException } from './ecr.errors';

/** Whatever the ECR JSON door answers as an error: a domain error, or one of its own. */
export type EcrError = DomainError | EcrProtocolException;

export const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
export const AMZ_JSON = 'application/x-amz-json-1.1';

/** Timestamps travel as epoch seconds with a millisecond fraction, as the AWS SDKs expect. */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Date) return original.getTime() / 1000;
  return value;
}

/** Whether a Date is anywhere in `value` (plain objects and arrays, as results are made). */
function holdsDate(value: unknown): boolean {
  if (value instanceof Date) return true;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return false;
  if (Array.isArray(value)) return value.some(holdsDate);
  for (const key in value) if (holdsDate((value as Record<string, unknown>)[key])) return true;
  return false;
}

export function encodeResult(result: object): string {
  // A replacer takes JSON.stringify off its fast path for every member: only when needed.
  return holdsDate(result) ? JSON.stringify(result, replacer) : JSON.stringify(result);
}

export function sendJson(res: Response, status: number, body: string): void {
  res.status(status);
  res.setHeader('Content-Type', AMZ_JSON);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * The ECR error format: the bare shape name in both the `x-amzn-ErrorType` header (read first by
 * the JS SDK) and the body's `__type` (the only place botocore reads), never a `code` member.
 */
export function sendEcrError(res: Response, error: EcrError): void {
  res.setHeader('x-amzn-ErrorType', error.name);
  sendJson(res, ecrErrorStatus(error.name), JSON.stringify(ecrErrorBody(error)));
}
