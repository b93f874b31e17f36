// Toasts: short messages in a live region. Errors use role="alert" (announced at once),
// everything else role="status" (announced politely). Styles are injected once, themable
// through the design system's CSS variables.

export type ToastKind = "info" | "success" | "error";

export interface ToastOptions {
  /** Milliseconds before it goes away; 0 keeps it until dismissed. */
  timeout?: number;
}

export interface Toast {
  readonly element: HTMLElement;
  update(message: string, kind?: ToastKind): void;
  dismiss(): void;
}

const DEFAULT_TIMEOUT: Record<ToastKind, number> = { info: 4000, success: 4000, error: 8000 };
const REGION_ID = "mb-toasts";
const MAX_VISIBLE = 4; // older toasts give way

// The theme's CSS variables (web/render, from styles/tokens.json), with fallbacks.
const STYLE = [
  ".mb-toasts{position:fixed;z-index:9999;inset:auto 1rem 1rem auto;display:flex;",
  "flex-direction:column;gap:.5rem;max-width:min(24rem,calc(100vw - 2rem))}",
  ".mb-toast{display:flex;align-items:flex-start;gap:.75rem;padding:.75rem 1rem;",
  "border-radius:var(--mb-radius,4px);background:var(--mb-background-paper,#fff);",
  "color:var(--mb-text-primary,#111);box-shadow:var(--mb-shadow-3,0 4px 16px rgba(0,0,0,.18));",
  "border-left:4px solid var(--mb-info-main,#0288d1);font:inherit}",
  ".mb-toast[data-kind=success]{border-color:var(--mb-success-main,#2e7d32)}",
  ".mb-toast[data-kind=error]{border-color:var(--mb-error-main,#d32f2f)}",
  ".mb-toast p{margin:0;flex:1}",
  ".mb-toast button{border:0;background:none;font:inherit;cursor:pointer;color:inherit;",
  "padding:0 .25rem}",
  "[aria-busy=true]{cursor:progress}",
].join("");

export function installStyles(): void {
  if (document.getElementById("mb-client-style")) return;
  const style = document.createElement("style");
  style.id = "mb-client-style";
  style.textContent = STYLE;
  document.head.append(style);
}

function region(): HTMLElement {
  let element = document.getElementById(REGION_ID);
  if (!element) {
    element = document.createElement("div");
    element.id = REGION_ID;
    element.className = "mb-toasts";
    element.setAttribute("aria-live", "polite");
    document.body.append(element);
  }
  return element;
}

export function toast(
  message: string,
  kind: ToastKind = "info",
  options: ToastOptions = {},
): Toast {
  const element = document.createElement("div");
  const text = document.createElement("p");
  const close = document.createElement("button");
  element.className = "mb-toast";
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", "Dismiss");
  element.append(text, close);

  let timer: number | undefined;
  const dismiss = (): void => {
    window.clearTimeout(timer);
    element.remove();
  };
  const update = (next: string, nextKind: ToastKind = kind): void => {
    kind = nextKind;
    text.textContent = next;
    element.dataset.kind = kind;
    element.setAttribute("role", kind === "error" ? "alert" : "status");
    window.clearTimeout(timer);
    const timeout = options.timeout ?? DEFAULT_TIMEOUT[kind];
    if (timeout > 0) timer = window.setTimeout(dismiss, timeout);
  };
  close.addEventListener("click", dismiss);
  update(message, kind);
  const container = region();
  container.append(element);
  while (container.children.length > MAX_VISIBLE) container.firstElementChild?.remove();
  return { element, update, dismiss };
}
