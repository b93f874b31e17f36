// Following a background run (an action started with ?async=1) over server-sent events.
//
// The server streams GET /api/v1/{tenant}/runs/{workflowId}/events as text/event-stream:
//
//   event: progress
//   data: {"message": "Resizing images", "percent": 40}      (both fields optional)
//
//   event: done
//   data: {"status": "completed", "result": <any JSON>}
//   (or {"status": "failed", "error": {"code", "message"}}, as the action endpoint answers)
//
//   event: error
//   data: {"error": "SCRIPT_ERROR", "message": "Division by zero", "details": <optional>}
//
// `done` and `error` end the run: the client closes the stream. The server may send
// `progress` any number of times, and should send the final event again to a client that
// reconnects (with Last-Event-ID) after the run ended. EventSource also fires an "error"
// Event of its own when the connection fails; only a MessageEvent is the server's `error`.

import { runEventsUrl } from "./config";
import { HttpError } from "./http";

export interface RunProgress {
  message?: string;
  percent?: number;
}

export interface RunDone {
  status: string;
  result: unknown;
  error?: { code?: string; message?: string };
}

export interface FollowOptions {
  onProgress?: (progress: RunProgress) => void;
  /** Connection failures without news in between before giving up (EventSource retries by
   * itself; a stream that opens and drops without an event still counts as a failure). */
  maxRetries?: number;
}

export function followRun(workflowId: string, options: FollowOptions = {}): Promise<RunDone> {
  const maxRetries = options.maxRetries ?? 5;
  return new Promise((resolve, reject) => {
    const source = new EventSource(runEventsUrl(workflowId), { withCredentials: true });
    let failures = 0;
    const finish = (): void => source.close();

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
