import {
  DeleteLifecyclePolicyCommand,
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  PutLifecyclePolicyCommand,
  StartLifecyclePolicyPreviewCommand,
  type LifecyclePolicyPreviewResult,
} from '@aws-sdk/client-ecr';
import { useEffect, useMemo, useRef, useState } from 'react';
import { isSessionError } from '../api';
import { ConfirmDialog, ErrorBox, Link, Loading, Notice } from '../components';
import { useConsole } from '../context';
import { formatDate, shortDigest } from '../format';
import { checkLifecyclePolicy } from '../lifecycle-check';
import { hrefOf } from '../router';
import { useCall } from '../use-call';

const TEMPLATE = `{
  "rules": [
    {
      "rulePriority": 1,
      "description": "Expire untagged images after 14 days",
      "selection": {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 14
      },
      "action": { "type": "expire" }
    }
  ]
}`;

type Preview = { status: string; results: LifecyclePolicyPreviewResult[]; total?: number };
type Action = 'apply' | 'delete';

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A repository's lifecycle policy: edited with its shape checked as it is typed, previewed
 * (Start/GetLifecyclePolicyPreview: what it would expire now), applied (PutLifecyclePolicy) or
 * deleted, each change confirmed first. The server's validation answers a preview or an apply.
 */
export function LifecyclePage(props: { name: string }) {
  const { ecr, signOut } = useConsole();
  const [text, setText] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [preview, setPreview] = useState<Preview>();
  const [action, setAction] = useState<Action>();
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const [stored, reload] = useCall(
    async () => {
      try {
        return await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: props.name }));
      } catch (err) {
        if (err instanceof Error && err.name === 'LifecyclePolicyNotFoundException') {
          return undefined;
        }
        throw err;
      }
    },
    [props.name],
    signOut,
  );
  const storedText = stored.status === 'done' ? stored.value?.lifecyclePolicyText : undefined;
  useEffect(() => {
    if (stored.status === 'done' && text === undefined) setText(storedText ?? TEMPLATE);
  }, [stored.status, storedText, text]);

  const check = useMemo(
    () => (text === undefined ? undefined : checkLifecyclePolicy(text)),
    [text],
  );

  /** Runs an action; a failure is shown in words, a refused key ends the session. */
  const run = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await work();
    } catch (err) {
      if (isSessionError(err)) return signOut(err);
      if (alive.current) setError(err);
    } finally {
      if (alive.current) setBusy(false);
    }
  };

  const runPreview = (): Promise<void> =>
    run(async () => {
      setPreview({ status: 'IN_PROGRESS', results: [] });
      try {
        await ecr.send(
          new StartLifecyclePolicyPreviewCommand({
            repositoryName: props.name,
            lifecyclePolicyText: text,
          }),
        );
      } catch (err) {
        // Refused (the server's validation, say): no preview to show, the error instead.
        setPreview(undefined);
        throw err;
      }
      for (;;) {
        const results: LifecyclePolicyPreviewResult[] = [];
        let nextToken: string | undefined;
        let out;
        do {
          out = await ecr.send(
            new GetLifecyclePolicyPreviewCommand({
              repositoryName: props.name,
              maxResults: 100,
              nextToken,
            }),
          );
          results.push(...(out.previewResults ?? []));
          nextToken = out.status === 'COMPLETE' ? out.nextToken : undefined;
        } while (nextToken && results.length < 5000);
        if (!alive.current) return;
        const status = out.status ?? 'FAILED';
        if (status !== 'IN_PROGRESS') {
          setPreview({ status, results, total: out.summary?.expiringImageTotalCount });
          return;
        }
        await pause(500);
      }
    });

  const confirm = (a: Action): Promise<void> =>
    run(async () => {
      setAction(undefined);
      if (a === 'apply') {
        await ecr.send(
          new PutLifecyclePolicyCommand({ repositoryName: props.name, lifecyclePolicyText: text }),
        );
        setNotice('Lifecycle policy applied. Images it selects expire at its next evaluation.');
      } else {
        await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: props.name }));
        setText(TEMPLATE);
        setNotice('Lifecycle policy deleted.');
      }
      setPreview(undefined);
      reload();
    });

  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href={hrefOf({ page: 'repositories' })}>Repositories</Link> /{' '}
        <Link href={hrefOf({ page: 'repository', name: props.name })}>{props.name}</Link> /{' '}
        <span>Lifecycle policy</span>
      </nav>
      <h1>Lifecycle policy of {props.name}</h1>
      {stored.status === 'loading' && <Loading what="the lifecycle policy" />}
      {stored.status === 'failed' && <ErrorBox error={stored.error} />}
      {stored.status === 'done' && (
        <p className="muted">
          {stored.value
            ? `A policy is in force; last evaluated ${formatDate(stored.value.lastEvaluatedAt)}.`
            : 'No policy yet: the text below is an example to edit.'}
        </p>
      )}
      {text !== undefined && (
        <>
          <label className="policy-editor">
            Policy (JSON)
            <textarea
              name="lifecyclePolicyText"
              spellCheck={false}
              rows={Math.min(30, Math.max(8, text.split('\n').length + 1))}
              value={text}
              aria-invalid={check?.ok === false}
              aria-describedby="policy-check"
              onChange={(e) => setText(e.target.value)}
            />
          </label>
          <p
            id="policy-check"
            className={check?.ok ? 'check ok' : 'check bad'}
            role="status"
            aria-live="polite"
          >
            {check?.ok
              ? `Valid: ${check.rules} rule${check.rules === 1 ? '' : 's'}.`
              : `Invalid: ${check?.problem ?? ''}`}
          </p>
          <div className="button-row">
            <button type="button" disabled={busy || !check?.ok} onClick={() => void runPreview()}>
              Run preview
            </button>
            <button
              type="button"
              className="primary"
              disabled={busy || !check?.ok}
              onClick={() => setAction('apply')}
            >
              Apply policy
            </button>
            {storedText !== undefined && (
              <button
                type="button"
                className="danger"
                disabled={busy}
                onClick={() => setAction('delete')}
              >
                Delete policy
              </button>
            )}
          </div>
        </>
      )}
      <Notice text={notice} />
      {error !== undefined && <ErrorBox error={error} />}
      {preview && <PreviewResults preview={preview} name={props.name} />}
      {action && (
        <ConfirmDialog
          title={
            action === 'apply' ? 'Apply this lifecycle policy?' : 'Delete the lifecycle policy?'
          }
          confirmLabel={action === 'apply' ? 'Apply policy' : 'Delete policy'}
          onCancel={() => setAction(undefined)}
          onConfirm={() => void confirm(action)}
        >
          {action === 'apply' ? (
            <p>
              It replaces any policy of {props.name}. The images it selects are expired (deleted) at
              its next evaluation
              {preview?.status === 'COMPLETE' && (
                <>: {preview.results.length} now, by the preview</>
              )}
              .
            </p>
          ) : (
            <p>No image of {props.name} will be expired by a policy any more.</p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}

function PreviewResults(props: { preview: Preview; name: string }) {
  const { status, results, total } = props.preview;
  if (status === 'IN_PROGRESS') return <Loading what="the preview" />;
  return (
    <>
      <h2>Preview</h2>
      {status !== 'COMPLETE' ? (
        <div className="error" role="alert">
          The preview ended {status}.
        </div>
      ) : results.length === 0 ? (
        <p className="empty">The policy would expire no image now.</p>
      ) : (
        <>
          <p className="preview-summary">
            It would expire {total ?? results.length} image
            {(total ?? results.length) === 1 ? '' : 's'} now:
          </p>
          <div className="table-wrap">
            <table className="preview">
              <thead>
                <tr>
                  <th>Tags</th>
                  <th>Digest</th>
                  <th>Pushed</th>
                  <th className="num">Rule</th>
                </tr>
              </thead>
              <tbody>
                {results.map((r) => (
                  <tr key={r.imageDigest}>
                    <td>
                      {r.imageTags?.length ? (
                        r.imageTags.join(', ')
                      ) : (
                        <span className="muted">untagged</span>
                      )}
                    </td>
                    <td>
                      <Link
                        href={hrefOf({
                          page: 'image',
                          name: props.name,
                          digest: r.imageDigest ?? '',
                        })}
                      >
                        <code title={r.imageDigest}>{shortDigest(r.imageDigest)}</code>
                      </Link>
                    </td>
                    <td>{formatDate(r.imagePushedAt)}</td>
                    <td className="num">{r.appliedRulePriority}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
