// Actions: elements bound to an action (see bindings.ts for the attributes) POST to the
// action endpoint when their event fires, unless a local handler has the name (local.ts).
// Optional attributes:
//   data-mb-async                  start the run in the background (?async=1) and follow it
//   data-mb-confirm="<question>"   ask first
//   data-mb-refresh="none"         do not refresh the main region afterwards
//
// After a 2xx answer {workflowId, runId, status, result} the main region is re-rendered and
// an `mb:action-done` CustomEvent (detail: {action, package, answer}) bubbles from the
// element (from the document if the element was replaced). Failures show a toast and send
// `mb:action-error` (detail: {action, package, error}).

import { actionUrl } from "./config";
import { type Binding, bindingFor, eventTypes, inputFor, SELECTOR } from "./bindings";
import { refreshMain } from "./fragments";
import { errorMessage, HttpError, postJson } from "./http";
import { localHandler } from "./local";
import { followRun } from "./runs";
import { toast } from "./toast";

export interface ActionAnswer {
  workflowId: string;
  runId: string | null;
  status: string;
  result: unknown;
  /** On a failed run: what went wrong, e.g. {"code": "SCRIPT_ERROR", "message": "..."}. */
  error?: { code?: string; message?: string; [key: string]: unknown };
}

export interface ActionRequest {
  package: string;
  action: string;
  input?: unknown;
  /** Start in the background and follow the run's events until it ends. */
  background?: boolean;
}

const FAILED = new Set(["failed", "error", "terminated", "timed_out", "canceled", "cancelled"]);

/** POST an action; when the answer says the run is still going (always the case with
 * `background`, and the server may decide so itself), follow its events until it ends.
 * Throws HttpError on failure. */
export async function runAction(request: ActionRequest): Promise<ActionAnswer> {
  const url = actionUrl(request.package, request.action, request.background ?? false);
  const answer = (await postJson(url, { input: request.input ?? {} })) as ActionAnswer;
  if (answer.status === "running" && answer.workflowId) {
    const progress = toast("Working…", "info", { timeout: 0 });
    try {
      const done = await followRun(answer.workflowId, {
        onProgress: ({ message, percent }) => {
          const amount = typeof percent === "number" ? ` (${Math.round(percent)}%)` : "";
          progress.update(`${message ?? "Working…"}${amount}`);
        },
      });
      answer.status = done.status;
      answer.result = done.result;
      if (done.error) answer.error = done.error;
    } finally {
      progress.dismiss();
    }
  }
  if (FAILED.has(answer.status)) {
    const result = answer.result as { message?: unknown } | null;
    const message =
      answer.error?.message ??
      (typeof result?.message === "string" ? result.message : "The action failed.");
    throw new HttpError(200, answer.error?.code ?? "RUN_FAILED", message, answer.error);
  }
  return answer;
}

// One capture-phase listener per event type on the document sees every event, bubbling or
// not. Types are added as bound elements appear (at boot, and as HTML is swapped in).
const listening = new Set<string>();

export function installActions(root: Document): void {
  for (const type of ["click", "submit", "change", "input"]) listen(root, type);
  root.addEventListener("keydown", pressRoleButton);
  const scan = (node: ParentNode): void => {
    for (const element of node.querySelectorAll<HTMLElement>("[data-mb-event],[data-mb-events]")) {
      for (const type of eventTypes(element)) listen(root, type);
    }
  };
  scan(root);
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node instanceof HTMLElement) {
          for (const type of eventTypes(node)) listen(root, type);
          scan(node);
        }
      }
    }
  }).observe(root, { childList: true, subtree: true });
}

function listen(root: Document, type: string): void {
  if (!type || listening.has(type)) return;
  listening.add(type);
  root.addEventListener(type, onEvent, true);
}

/** The innermost bound element for this event, with its binding. */
function match(event: Event): { element: HTMLElement; binding: Binding } | null {
  const start = event.target instanceof Element ? event.target : null;
  let element = start?.closest<HTMLElement>(SELECTOR) ?? null;
  // Non-bubbling events only count on the element itself, not when a descendant fires them.
  if (!event.bubbles && element !== start) return null;
  while (element) {
    try {
      const binding = bindingFor(element, event.type);
      if (binding) return { element, binding };
    } catch (error) {
      toast(errorMessage(error), "error");
      return null;
    }
    element = element.parentElement?.closest<HTMLElement>(SELECTOR) ?? null;
  }
  return null;
}

function onEvent(event: Event): void {
  const found = match(event);
  if (!found || event.defaultPrevented) return;
  const { element, binding } = found;
  if (takesOverDefault(element, event)) event.preventDefault();
  if (element.getAttribute("aria-busy") === "true") return;
  const question = element.dataset.mbConfirm;
  if (question && !window.confirm(question)) return;
  void dispatch(element, binding, event);
}

// An element the renderer made a button by role (a card, an icon) answers Enter and Space
// like a native button does, by clicking itself.
function pressRoleButton(event: KeyboardEvent): void {
  const element = event.target;
  if (event.defaultPrevented || (event.key !== "Enter" && event.key !== " ")) return;
  if (!(element instanceof HTMLElement) || element.getAttribute("role") !== "button") return;
  if (element.matches("button, a[href], input, select, textarea, summary")) return;
  event.preventDefault();
  element.click();
}

function takesOverDefault(element: HTMLElement, event: Event): boolean {
  if (event.type === "submit") return true;
  if (event.type !== "click") return false;
  if (element instanceof HTMLAnchorElement) return true;
  if (element instanceof HTMLButtonElement) return element.type === "submit";
  return element instanceof HTMLInputElement && ["submit", "image"].includes(element.type);
}

async function dispatch(element: HTMLElement, binding: Binding, event: Event): Promise<void> {
  const { action, package: pkg } = binding;
  const input = inputFor(binding, element, event); // before the buttons are disabled
  const release = setBusy(element);
  try {
    const local = localHandler(pkg, action);
    if (local) {
      const result: unknown = await local(input, { element, event, package: pkg });
      const answer: ActionAnswer = { workflowId: "", runId: null, status: "completed", result };
      notify(element, "mb:action-done", { action, package: pkg, answer });
      return;
    }
    if (!pkg) throw new Error(`Action "${action}" names no package (data-mb-package).`);
    const background = element.hasAttribute("data-mb-async");
    const answer = await runAction({ package: pkg, action, input, background });
    if (element.dataset.mbRefresh !== "none") await refreshMain();
    notify(element, "mb:action-done", { action, package: pkg, answer });
  } catch (error) {
    toast(errorMessage(error), "error");
    notify(element, "mb:action-error", { action, package: pkg, error });
  } finally {
    release();
  }
}

function notify(element: HTMLElement, type: string, detail: unknown): void {
  const target = element.isConnected ? element : document;
  target.dispatchEvent(new CustomEvent(type, { bubbles: true, detail }));
}

/** Mark the element busy and disable its buttons (never a field being typed in); the undo. */
function setBusy(element: HTMLElement): () => void {
  const buttons =
    element instanceof HTMLFormElement
      ? Array.from(element.querySelectorAll<HTMLElement>("button, input[type=submit]"))
      : [element];
  const disabled = buttons.filter(isEnabledButton);
  for (const button of disabled) button.disabled = true;
  element.setAttribute("aria-busy", "true");
  return () => {
    element.removeAttribute("aria-busy");
    for (const button of disabled) button.disabled = false;
  };
}

function isEnabledButton(element: HTMLElement): element is HTMLButtonElement | HTMLInputElement {
  const button =
    element instanceof HTMLButtonElement ||
    (element instanceof HTMLInputElement && ["submit", "button", "image"].includes(element.type));
  return button && !(element as HTMLButtonElement).disabled;
}
