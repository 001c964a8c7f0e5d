import { useCallback, useEffect, useState } from 'react';
import { isSessionError } from './api';

export type CallState<T> =
  { status: 'loading' } | { status: 'done'; value: T } | { status: 'failed'; error: unknown };

/**
 * Runs an API call when its inputs change; a failed signature ends the session (the caller's
 * onSessionError returns to sign-in). `reload` runs it again after an action.
 */
export function useCall<T>(
  call: () => Promise<T>,
  deps: readonly unknown[],
  onSessionError: (err: unknown) => void,
): [CallState<T>, () => void] {
  const [state, setState] = useState<CallState<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    call().then(
      (value) => current && setState({ status: 'done', value }),
      (error: unknown) => {
        if (!current) return;
        if (isSessionError(error)) onSessionError(error);
        else setState({ status: 'failed', error });
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [state, reload];
}
