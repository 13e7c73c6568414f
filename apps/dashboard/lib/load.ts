import { ApiError } from '@trading/api-client';

export type Loaded<T> = { ok: true; data: T } | { ok: false; error: string };

/** Run one API call and turn a service failure into a message the page can show. */
export async function load<T>(call: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, data: await call() };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error: error.message };
    throw error;
  }
}
