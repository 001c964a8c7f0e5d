import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  type Repository,
} from '@aws-sdk/client-ecr';
import { useEffect, useState } from 'react';
import { isSessionError } from '../api';
import { CopyButton, ErrorBox, Link, Loading } from '../components';
import { useConsole } from '../context';
import { formatBytes, formatDate } from '../format';
import { hrefOf } from '../router';

const PAGE_SIZE = 100;

/** The account's repositories, a page at a time (nextToken), filtered by name prefix. */
export function RepositoriesPage() {
  const { ecr, signOut } = useConsole();
  const [repositories, setRepositories] = useState<Repository[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [prefix, setPrefix] = useState('');

  const load = async (token: string | undefined): Promise<void> => {
    setLoading(true);
    setError(undefined);
    try {
      const out = await ecr.send(
        new DescribeRepositoriesCommand({ maxResults: PAGE_SIZE, nextToken: token }),
      );
      setRepositories((seen) => [...(token ? seen : []), ...(out.repositories ?? [])]);
      setNextToken(out.nextToken);
    } catch (err) {
      if (isSessionError(err)) signOut(err);
      else setError(err);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(undefined);
  }, []);

  const shown = repositories.filter((r) => (r.repositoryName ?? '').startsWith(prefix));
  return (
    <section>
      <div className="page-head">
        <h1>Repositories</h1>
        <label className="search">
          <span>Name prefix</span>
          <input
            type="search"
            value={prefix}
            placeholder="team/"
            onChange={(e) => setPrefix(e.target.value)}
            aria-label="Filter repositories by name prefix"
          />
        </label>
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>URI</th>
              <th className="num">Images</th>
              <th className="num">Size</th>
              <th>Created</th>
              <th>Tags</th>
              <th>Encryption</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.repositoryArn ?? r.repositoryName}>
                <td>
                  <Link href={hrefOf({ page: 'repository', name: r.repositoryName ?? '' })}>
                    {r.repositoryName}
                  </Link>
                </td>
                <td className="uri">
                  <code>{r.repositoryUri}</code>
                  {r.repositoryUri && <CopyButton text={r.repositoryUri} label="repository URI" />}
                </td>
                <RepositoryStats name={r.repositoryName ?? ''} />
                <td>{formatDate(r.createdAt)}</td>
                <td>{r.imageTagMutability ?? '—'}</td>
                <td>{r.encryptionConfiguration?.encryptionType ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {loading && <Loading what="repositories" />}
      {!loading && shown.length === 0 && error === undefined && (
        <p className="empty">
          {repositories.length === 0
            ? 'No repositories yet. Create one with `aws ecr create-repository`.'
            : `No loaded repository starts with “${prefix}”.`}
        </p>
      )}
      <p className="paging">
        {repositories.length} loaded
        {nextToken && (
          <button type="button" disabled={loading} onClick={() => void load(nextToken)}>
            Load {PAGE_SIZE} more
          </button>
        )}
      </p>
    </section>
  );
}

/**
 * Image count and the sum of image sizes, as DescribeImages gives them (a layer two images share
 * counts twice; the bytes stored once are the admin API's storage figures).
 */
function RepositoryStats(props: { name: string }) {
  const { ecr } = useConsole();
  const [stats, setStats] = useState<{ count: number; bytes: number; more: boolean }>();
  useEffect(() => {
    let current = true;
    void (async () => {
      let count = 0;
      let bytes = 0;
      let token: string | undefined;
      let pages = 0;
      try {
        do {
          const out = await ecr.send(
            new DescribeImagesCommand({
              repositoryName: props.name,
              maxResults: 1000,
              nextToken: token,
            }),
          );
          for (const d of out.imageDetails ?? []) {
            count += 1;
            bytes += d.imageSizeInBytes ?? 0;
          }
          token = out.nextToken;
          pages += 1;
        } while (token && pages < 5);
        if (current) setStats({ count, bytes, more: token !== undefined });
      } catch {
        if (current) setStats(undefined);
      }
    })();
    return () => {
      current = false;
    };
  }, [ecr, props.name]);
  return (
    <>
      <td className="num">{stats ? `${stats.count}${stats.more ? '+' : ''}` : '…'}</td>
      <td className="num">{stats ? formatBytes(stats.bytes) : '…'}</td>
    </>
  );
}
