import type { Answer } from '../http/answer.js';

/** What a route handler returns; the stand-ins' HTTP layer writes it. */
export type EmulatorResponse = Answer;

/** Wavix's error bodies, as its OpenAPI description's components/responses define them. */
export const wavixError = {
  badRequest: (param: string, detail?: string): EmulatorResponse => ({
    status: 400,
    body: { success: false, message: detail ?? `Missing or invalid parameter ${param}` },
  }),
  unauthorized: (): EmulatorResponse => ({ status: 401, body: { success: false, error: true, message: 'Unauthorized' } }),
  forbidden: (message = 'The service is not provisioned for your account.'): EmulatorResponse => ({
    status: 403,
    body: { success: false, message },
  }),
  notFound: (): EmulatorResponse => ({ status: 404, body: { success: false, message: 'Record not found' } }),
  unprocessable: (message: string): EmulatorResponse => ({ status: 422, body: { success: false, message } }),
  // 429 and 503 bodies are not described by Wavix; this shape follows its other errors.
  tooManyRequests: (): EmulatorResponse => ({ status: 429, body: { success: false, message: 'Too many requests' } }),
  unavailable: (): EmulatorResponse => ({ status: 503, body: { success: false, message: 'Service temporarily unavailable' } }),
};

/**
 * Wavix's pagination: `page` from 1, `per_page` default 25. The description gives a maximum only for the opt-out list
 * (100, checked there) and says nothing of how another listing answers a `page` below 1, a `per_page` of 0 or a huge
 * one (400 is not even listed for `GET /v1/numbers`): the 400 and the 1,000 cap here are the emulator's guesses, and a
 * page past the end answers an empty `items` with the true `total_pages`, as the opt-out example's shape suggests.
 */
export function paginate<T>(
  items: readonly T[],
  query: URLSearchParams,
): { items: T[]; pagination: Pagination } | EmulatorResponse {
  const page = query.has('page') ? Number(query.get('page')) : 1;
  const perPage = query.has('per_page') ? Number(query.get('per_page')) : 25;
  if (!Number.isInteger(page) || page < 1) return wavixError.badRequest('page');
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 1000) return wavixError.badRequest('per_page');
  const start = (page - 1) * perPage;
  return {
    items: items.slice(start, start + perPage),
    pagination: { current_page: page, per_page: perPage, total: items.length, total_pages: Math.ceil(items.length / perPage) },
  };
}

export interface Pagination {
  current_page: number;
  per_page: number;
  total: number;
  total_pages: number;
}

export const isResponse = (value: unknown): value is EmulatorResponse =>
  typeof value === 'object' && value !== null && 'status' in value && typeof (value as { status: unknown }).status === 'number';
