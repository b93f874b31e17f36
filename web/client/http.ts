// fetch() wrappers: JSON POSTs with the CSRF header, HTML fragment GETs, errors as HttpError.

import { csrfToken } from "./config";

export const FRAGMENT_HEADER = "X-MB-Fragment";
export const TITLE_HEADER = "X-MB-Title";

/** A non-2xx answer, carrying the server's `{"error", "message", "details"}` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export async function postJson(url: string, body: unknown): Promise<unknown> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json",
  };
  const token = csrfToken();
  if (token) headers["X-CSRF-Token"] = token;
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) throw httpError(response, data);
  return data;
}

export interface Fragment {
  html: string;
  url: string;
  title: string | null;
}

/** GET `url` asking for the `main` region only; `url` is where redirects ended. */
export async function getFragment(url: string, signal?: AbortSignal): Promise<Fragment> {
  const response = await fetch(url, {
    headers: { [FRAGMENT_HEADER]: "main", Accept: "text/html" },
    credentials: "same-origin",
    ...(signal ? { signal } : {}),
  });
  // A 404 or 403 page is still a page to show; server failures and non-HTML are errors.
  if (response.status >= 500) throw httpError(response, null);
  if (!(response.headers.get("Content-Type") ?? "").includes("text/html")) {
    throw new HttpError(response.status, "NOT_HTML", "The server did not answer with a page.");
  }
  const html = await response.text();
  const title = response.headers.get(TITLE_HEADER);
  return { html, url: response.url || url, title: title ? decodeHeader(title) : null };
}

/** Header values are Latin-1; the server percent-encodes the title (UTF-8) to carry any text. */
function decodeHeader(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function httpError(response: Response, data: unknown): HttpError {
  const body = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  const message =
    typeof body.message === "string" && body.message
      ? body.message
      : `${response.status} ${response.statusText || "request failed"}`;
  const code = typeof body.error === "string" ? body.error : `HTTP_${response.status}`;
  return new HttpError(response.status, code, message, body.details);
}

export function errorMessage(error: unknown): string {
  if (error instanceof HttpError) return error.message;
  if (error instanceof TypeError) return "Network error: the server could not be reached.";
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong.";
}
