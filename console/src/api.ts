import { ECRClient } from '@aws-sdk/client-ecr';
import { AdminApiError } from './admin-api';
import type { Session } from './session';

/**
 * An ECR client for this origin, signing every call in the browser with SigV4: the secret never
 * crosses the wire. Berth accepts any region; the one signed is the one the key was given with.
 */
export function ecrClient(session: Session): ECRClient {
  return new ECRClient({
    endpoint: window.location.origin,
    region: session.region,
    credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey },
    maxAttempts: 1,
  });
}

/** Errors that mean the key no longer signs in: the console returns to sign-in. */
const SESSION_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
]);

/** Or, on admin pages, a token the admin API refuses (401): back to the admin sign-in. */
export function isSessionError(err: unknown): boolean {
  if (err instanceof AdminApiError) return err.status === 401;
  return err instanceof Error && SESSION_ERRORS.has(err.name);
}

/** An API error in words, with the ECR error name first. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const name = err.name && err.name !== 'Error' ? err.name : '';
    const message = err.message && err.message !== 'UnknownError' ? err.message : '';
    if (name === 'TypeError') return `Network error: ${message || 'the server did not answer'}`;
    return [name, message].filter(Boolean).join(': ') || 'Unknown error';
  }
  return String(err);
}
