import {
  BatchDeleteImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  type ImageDetail,
  type TagStatus,
} from '@aws-sdk/client-ecr';
import { useState } from 'react';
import { describeError, isSessionError } from '../api';
import { ConfirmDialog, CopyLine, ErrorBox, Link, Loading } from '../components';
import { useConsole } from '../context';
import { formatBytes, formatDate, shortDigest } from '../format';
import { hrefOf } from '../router';
import { useCall } from '../use-call';

type Deletion = { kind: 'tag'; tag: string } | { kind: 'image'; digest: string; tags: string[] };

/** One repository: its images, filters by tag status, the docker lines, deletions confirmed. */
export function RepositoryPage(props: { name: string }) {
  const { ecr, signOut } = useConsole();
  const [tagStatus, setTagStatus] = useState<TagStatus>('ANY');
  const [deletion, setDeletion] = useState<Deletion>();
  const [actionError, setActionError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const [repository] = useCall(
    async () =>
      (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [props.name] })))
        .repositories?.[0],
    [props.name],
    signOut,
  );
  const [images, reload] = useCall(
    async () => {
      const all: ImageDetail[] = [];
      let nextToken: string | undefined;
      do {
        const out = await ecr.send(
          new DescribeImagesCommand({
            repositoryName: props.name,
            filter: { tagStatus },
            maxResults: 1000,
            nextToken,
          }),
        );
        all.push(...(out.imageDetails ?? []));
        nextToken = out.nextToken;
      } while (nextToken && all.length < 5000);
      return all.sort(
        (a, b) => (b.imagePushedAt?.getTime() ?? 0) - (a.imagePushedAt?.getTime() ?? 0),
      );
    },
    [props.name, tagStatus],
    signOut,
  );

  const confirm = async (d: Deletion): Promise<void> => {
    setDeletion(undefined);
    setActionError(undefined);
    try {
      const out = await ecr.send(
        new BatchDeleteImageCommand({
          repositoryName: props.name,
          imageIds: [d.kind === 'tag' ? { imageTag: d.tag } : { imageDigest: d.digest }],
        }),
      );
      const failure = out.failures?.[0];
      if (failure) {
        setActionError(`${failure.failureCode ?? 'Failure'}: ${failure.failureReason ?? ''}`);
      } else {
        setNotice(
          d.kind === 'tag' ? `Tag ${d.tag} deleted.` : `Image ${shortDigest(d.digest)} deleted.`,
        );
      }
    } catch (err) {
      if (isSessionError(err)) return signOut(err);
      setActionError(describeError(err));
    }
    reload();
  };

  const uri = repository.status === 'done' ? repository.value?.repositoryUri : undefined;
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href={hrefOf({ page: 'repositories' })}>Repositories</Link> /{' '}
        <span>{props.name}</span>
      </nav>
      <h1>{props.name}</h1>
      {repository.status === 'failed' && <ErrorBox error={repository.error} />}
      {repository.status === 'done' && repository.value && (
        <dl className="facts">
          <dt>URI</dt>
          <dd>
            <code>{uri}</code>
          </dd>
          <dt>Created</dt>
          <dd>{formatDate(repository.value.createdAt)}</dd>
          <dt>Tag mutability</dt>
          <dd>{repository.value.imageTagMutability}</dd>
          <dt>Encryption</dt>
          <dd>{repository.value.encryptionConfiguration?.encryptionType ?? '—'}</dd>
        </dl>
      )}
      {uri && (
        <div className="docker-lines">
          <CopyLine text={`docker pull ${uri}:latest`} label="docker pull command" />
          <CopyLine text={`docker push ${uri}:latest`} label="docker push command" />
        </div>
      )}
      <p>
        <Link href={hrefOf({ page: 'lifecycle', name: props.name })}>Lifecycle policy</Link>
      </p>
      <div className="page-head">
        <h2>Images</h2>
        <div className="filters" role="radiogroup" aria-label="Tag status">
          {(['ANY', 'TAGGED', 'UNTAGGED'] as const).map((s) => (
            <label key={s}>
              <input
                type="radio"
                name="tagStatus"
                value={s}
                checked={tagStatus === s}
                onChange={() => setTagStatus(s)}
              />
              {s === 'ANY' ? 'All' : s === 'TAGGED' ? 'Tagged' : 'Untagged'}
            </label>
          ))}
        </div>
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {actionError && (
        <div className="error" role="alert">
          {actionError}
        </div>
      )}
      {images.status === 'loading' && <Loading what="images" />}
      {images.status === 'failed' && <ErrorBox error={images.error} />}
      {images.status === 'done' && images.value.length === 0 && (
        <p className="empty">No images{tagStatus === 'ANY' ? '' : ' with this filter'}.</p>
      )}
      {images.status === 'done' && images.value.length > 0 && (
        <div className="table-wrap">
          <table className="images">
            <thead>
              <tr>
                <th>Tags</th>
                <th>Digest</th>
                <th className="num">Size</th>
                <th>Pushed</th>
                <th>Last pulled</th>
                <th>Media type</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {images.value.map((image) => {
                const digest = image.imageDigest ?? '';
                const tags = image.imageTags ?? [];
                return (
                  <tr key={digest}>
                    <td className="tags">
                      {tags.length === 0 && <span className="muted">untagged</span>}
                      {tags.map((tag) => (
                        <span className="tag" key={tag}>
                          {tag}
                          <button
                            type="button"
                            className="tag-delete"
                            aria-label={`Delete tag ${tag}`}
                            title={`Delete tag ${tag}`}
                            onClick={() => setDeletion({ kind: 'tag', tag })}
                          >
                            ×
                          </button>
                        </span>
                      ))}
                    </td>
                    <td>
                      <Link href={hrefOf({ page: 'image', name: props.name, digest })}>
                        <code title={digest}>{shortDigest(digest)}</code>
                      </Link>
                    </td>
                    <td className="num">{formatBytes(image.imageSizeInBytes)}</td>
                    <td>{formatDate(image.imagePushedAt)}</td>
                    <td>{formatDate(image.lastRecordedPullTime)}</td>
                    <td className="media-type">{image.imageManifestMediaType ?? '—'}</td>
                    <td>
                      <button
                        type="button"
                        className="danger small"
                        aria-label={`Delete image ${shortDigest(digest)}`}
                        onClick={() => setDeletion({ kind: 'image', digest, tags })}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {deletion && (
        <ConfirmDialog
          title={deletion.kind === 'tag' ? `Delete tag ${deletion.tag}?` : 'Delete this image?'}
          confirmLabel={deletion.kind === 'tag' ? 'Delete tag' : 'Delete image'}
          onCancel={() => setDeletion(undefined)}
          onConfirm={() => void confirm(deletion)}
        >
          {deletion.kind === 'tag' ? (
            <p>
              The tag <code>{deletion.tag}</code> is removed from {props.name}. When it is the
              image&apos;s last tag, the image is deleted with it, as ECR does.
            </p>
          ) : (
            <p>
              The image <code>{deletion.digest}</code>
              {deletion.tags.length > 0 && <> and its tags {deletion.tags.join(', ')}</>} are
              removed from {props.name}.
            </p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
