/**
 * The admin API (/admin/v1) with the admin token, kept like the access key in this tab's
 * sessionStorage only. Its errors are RFC 9457 problems: shown as their title and detail.
 */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    title: string,
    detail: string,
  ) {
    super(detail);
    this.name = `${title} (${status})`;
  }
}

const KEY = 'berth.console.adminToken';

export function loadAdminToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function saveAdminToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearAdminToken(): void {
  sessionStorage.removeItem(KEY);
}

export type AdminCall = <T>(method: string, path: string, body?: object) => Promise<T>;

export function adminClient(token: string): AdminCall {
  return async <T>(method: string, path: string, body?: object): Promise<T> => {
    const res = await fetch(`/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const p = (json ?? {}) as { title?: unknown; detail?: unknown };
      throw new AdminApiError(
        res.status,
        typeof p.title === 'string' ? p.title : res.statusText || 'Error',
        typeof p.detail === 'string' ? p.detail : text.slice(0, 200),
      );
    }
    return json as T;
  };
}

/** A list page of the admin API. */
export interface AdminPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AdminAccount {
  accountId: string;
  name: string | null;
  createdAt: string;
  storedBytes: number;
}

export interface AdminAccessKey {
  accessKeyId: string;
  accountId: string;
  status: 'Active' | 'Inactive';
  description: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface AdminRepository {
  repositoryId: string;
  accountId: string;
  name: string;
  imageCount: number;
  layerCount: number;
  storedBytes: number;
  uploadsInProgress: number;
}

export interface GarbageCollection {
  startedAt: string;
  finishedAt: string;
  requested: boolean;
  layers: number;
  blobs: number;
  bytes: number;
}

export interface CollectionReport {
  dryRun: boolean;
  layerGraceSeconds: number;
  layers: number;
  blobs: number;
  bytes: number;
}
