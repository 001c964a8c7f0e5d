import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { useState, type FormEvent } from 'react';
import { describeError, ecrClient } from '../api';
import type { Session } from '../session';

/**
 * Takes an access key id and secret (a fresh start writes its first key to ./data/credentials)
 * and proves them with one signed call before keeping them in this tab.
 */
export function SignIn(props: { notice?: string; onSignedIn: (session: Session) => void }) {
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const session = {
      accessKeyId: accessKeyId.trim(),
      secretAccessKey: secretAccessKey.trim(),
      region: region.trim() || 'us-east-1',
    };
    const client = ecrClient(session);
    try {
      await client.send(new DescribeRepositoriesCommand({ maxResults: 1 }));
      props.onSignedIn(session);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    } finally {
      client.destroy();
    }
  };

  return (
    <main className="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Berth</h1>
        <p className="hint">
          Use an access key of your account (a fresh start writes the first one to{' '}
          <code>./data/credentials</code>). It stays in this tab and signs each call; the secret is
          never sent.
        </p>
        {props.notice && <p className="notice">{props.notice}</p>}
        <label>
          Access key id
          <input
            name="accessKeyId"
            autoComplete="username"
            required
            value={accessKeyId}
            onChange={(e) => setAccessKeyId(e.target.value)}
          />
        </label>
        <label>
          Secret access key
          <input
            name="secretAccessKey"
            type="password"
            autoComplete="current-password"
            required
            value={secretAccessKey}
            onChange={(e) => setSecretAccessKey(e.target.value)}
          />
        </label>
        <label>
          Region
          <input name="region" value={region} onChange={(e) => setRegion(e.target.value)} />
        </label>
        {error && (
          <div className="error" role="alert">
            Sign-in failed: {error}
          </div>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
