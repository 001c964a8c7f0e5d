import { Credentials, TEST_ADMIN_TOKEN } from './app';

export interface AdminResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  json: T;
  text: string;
}

/** A call to the admin API with the test admin token (or `token`, or none when null). */
export async function admin<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TEST_ADMIN_TOKEN,
): Promise<AdminResponse<T>> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json: json as T, text };
}

/** A new account with one access key, through the admin API. */
export async function createAccount(
  url: string,
  accountId?: string,
): Promise<{ accountId: string; credentials: Credentials }> {
  const account = await admin<{ accountId: string }>(url, 'POST', '/admin/v1/accounts', {
    ...(accountId ? { accountId } : {}),
  });
  if (account.status !== 201) throw new Error(`creating an account: ${account.text}`);
  const key = await admin<{ accessKeyId: string; secretAccessKey: string }>(
    url,
    'POST',
    `/admin/v1/accounts/${account.json.accountId}/access-keys`,
    {},
  );
  if (key.status !== 201) throw new Error(`creating an access key: ${key.text}`);
  return {
    accountId: account.json.accountId,
    credentials: { accessKeyId: key.json.accessKeyId, secretAccessKey: key.json.secretAccessKey },
  };
}
