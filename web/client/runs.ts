// Runs: the run browser API (web/api/runs.py) and following a run over server-sent events.
//
// The server streams GET /api/v1/{tenant}/runs/{workflowId}/events as text/event-stream:
//
//   event: progress
//   data: {"status": "running", "message": "Running resize", "percent": 40,
//          "nodes": {"resize": {"status": "running", "startedAt": "...", "endedAt": null}},
//          "approvals": [{"node": "sign_off", "minLevel": 3}]}
//   (every field but `status` optional: `nodes` and `approvals` come from flows, where
//    `percent` counts the nodes behind us and `status` is "waiting" while a node waits for
//    approval; a plain action sends {"status": "running"} once)
//
//   event: done
//   data: {"status": "completed", "result": <any JSON>, "logs"?: [...]}
//   (or {"status": "failed"|"cancelled"|"terminated"|"timed_out", "error": {"code", "message"}},
//    as the action endpoint answers)
//
//   event: error
//   data: {"error": "UNAVAILABLE", "message": "Lost track of the run; reload to see it."}
//   (the server cannot follow the run any more; the run itself may still be going)
//
// `done` and `error` end the stream: the client closes it. The server sends `progress` when
// it changed, comment lines as keep-alives, and `done` again to a client that reconnects
// after the run ended. EventSource also fires an "error" Event of its own when the
// connection fails; only a MessageEvent is the server's `error`.

import { runEventsUrl, tenant } from "./config";
import { HttpError, postJson } from "./http";

export interface RunNode {
  status: string;
  startedAt?: string | null;
  endedAt?: string | null;
  error?: unknown;
  output?: unknown;
  attempts?: number;
}

export interface RunApproval {
  node: string;
  minLevel?: number;
}

export interface RunProgress {
  status?: string;
  message?: string;
  percent?: number;
  nodes?: Record<string, RunNode>;
  approvals?: RunApproval[];
}

export interface RunDone {
  status: string;
  result: unknown;
  error?: { code?: string; message?: string };
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  tenant: string | null;
  package: string | null;
  action: string | null;
  kind: string | null;
  user: string | null;
  startedAt: string | null;
  closedAt: string | null;
  temporalUrl: string;
}

export interface RunDetail extends RunSummary {
  input: unknown;
  result?: unknown;
  logs?: unknown[];
  /** Runs this run's events started (flows with a matching `event` trigger). */
  triggered?: TriggeredRun[];
  error?: { code?: string; message?: string; node?: string };
  nodes: Record<string, RunNode> | null;
  approvals: RunApproval[];
  allowed: { cancel: boolean; retry: boolean; approve: boolean };
}

export interface TriggeredRun {
  event: string;
  package: string;
  flow: string;
  workflowId: string;
}

export interface RunPage {
  items: RunSummary[];
  nextPageToken: string | null;
}

export interface StartedRun {
  workflowId: string;
  runId: string | null;
}

export interface FollowOptions {
  onProgress?: (progress: RunProgress) => void;
  /** Connection failures without news in between before giving up (EventSource retries by
   * itself; a stream that opens and drops without an event still counts as a failure). */
  maxRetries?: number;
  /** Stop following: the stream closes and the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** `/api/v1/{tenant}/runs/{workflowId}{suffix}`; the id's slashes stay path separators. */
export function runUrl(workflowId: string, suffix = ""): string {
  const id = workflowId.split("/").map(encodeURIComponent).join("/");
  return `/api/v1/${encodeURIComponent(tenant())}/runs/${id}${suffix}`;
}

export async function listRuns(
  filters: Record<string, string>,
  pageToken?: string,
): Promise<RunPage> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  if (pageToken) query.set("pageToken", pageToken);
  const text = query.toString();
  const url = `/api/v1/${encodeURIComponent(tenant())}/runs${text ? `?${text}` : ""}`;
  return (await getJson(url)) as RunPage;
}

export async function getRun(workflowId: string, runId?: string): Promise<RunDetail> {
  const suffix = runId ? `?runId=${encodeURIComponent(runId)}` : "";
  return (await getJson(runUrl(workflowId) + suffix)) as RunDetail;
}

export function cancelRun(workflowId: string): Promise<unknown> {
  return postJson(runUrl(workflowId, "/cancel"), {});
}

/** Start the action again with the same input; answers the new run's {workflowId, runId}. */
export async function retryRun(workflowId: string): Promise<StartedRun> {
  return (await postJson(runUrl(workflowId, "/retry"), {})) as StartedRun;
}

/** Approve or reject the step a flow waits on (web/api/flows.py checks level and tenant). */
export function decideRun(workflowId: string, approve: boolean, node?: string): Promise<unknown> {
  return postJson(runUrl(workflowId, approve ? "/approve" : "/reject"), node ? { node } : {});
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  const data = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (!response.ok) {
    const message =
      typeof data?.message === "string" ? data.message : `${response.status} request failed`;
    const code = typeof data?.error === "string" ? data.error : `HTTP_${response.status}`;
    throw new HttpError(response.status, code, message, data?.details);
  }
  return data;
}

export function followRun(workflowId: string, options: FollowOptions = {}): Promise<RunDone> {
  const maxRetries = options.maxRetries ?? 5;
  return new Promise((resolve, reject) => {
    const source = new EventSource(runEventsUrl(workflowId), { withCredentials: true });
    let failures = 0;
    const finish = (): void => source.close();
    options.signal?.addEventListener("abort", () => {
      finish();
      reject(new DOMException("Stopped following the run.", "AbortError"));
    });

    source.addEventListener("progress", (event) => {
      failures = 0;
      options.onProgress?.(parse((event as MessageEvent<string>).data) as RunProgress);
    });
    source.addEventListener("done", (event) => {
      finish();
      const data = parse((event as MessageEvent<string>).data) as Partial<RunDone>;
      const done: RunDone = { status: data.status ?? "completed", result: data.result ?? null };
      if (data.error) done.error = data.error;
      resolve(done);
    });
    source.addEventListener("error", (event) => {
      if (event instanceof MessageEvent) {
        finish();
        const data = parse(event.data as string) as Record<string, unknown>;
        const message = typeof data.message === "string" ? data.message : "The run failed.";
        const code = typeof data.error === "string" ? data.error : "RUN_FAILED";
        reject(new HttpError(200, code, message, data.details));
        return;
      }
      failures += 1;
      if (source.readyState === EventSource.CLOSED || failures > maxRetries) {
        finish();
        reject(new Error("Lost the connection to the run; reload the page to see its outcome."));
      }
    });
  });
}

function parse(data: string): unknown {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}
