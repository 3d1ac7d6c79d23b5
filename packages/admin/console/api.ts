/**
 * The admin API as the console calls it: the same routes, the same tokens,
 * as any other client. The token lives in sessionStorage (gone when the tab
 * closes) and travels only in the Authorization header.
 */
const TOKEN_KEY = 'rtv-ks-token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token: string | null): void {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export function authHeaders(): Record<string, string> {
  const token = session.token;
  return token ? { authorization: `Bearer ${token}` } : {};
}

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field by each view
export type Json = any;

export async function api(method: string, path: string, body?: unknown): Promise<Json> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const error = answer?.error ?? { code: 'HTTP_ERROR', message: `${response.status} ${response.statusText}` };
    throw new ApiError(response.status, String(error.code), String(error.message));
  }
  return answer;
}

export const query = (params: Record<string, string | number | boolean | undefined>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : '';
};
