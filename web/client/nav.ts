// Navigation without full page loads: a click on a link marked data-mb-nav (or inside an
// element marked data-mb-nav, e.g. a <nav>) fetches the target's main region, swaps it in
// and pushes a history entry; Back and Forward swap the region back. A GET form so marked
// (a search box, a filter) navigates to its URL with the fields as the query string.
// Anything unusual (a modifier key, another origin, target=_blank, download, an answer that
// is not HTML, a failed fetch) falls back to the browser's own navigation, so links work the
// same without this script.

import { mainRegion, swapMain } from "./fragments";
import { getFragment } from "./http";

interface NavState {
  mb: true;
}

let inFlight: AbortController | null = null;

export async function navigate(url: string, options: { replace?: boolean } = {}): Promise<void> {
  const target = new URL(url, location.href);
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  mainRegion()?.setAttribute("aria-busy", "true");
  try {
    const fragment = await getFragment(target.href, controller.signal);
    if (controller.signal.aborted) return;
    const state: NavState = { mb: true };
    const finalUrl = fragment.url + (new URL(fragment.url).hash ? "" : target.hash);
    if (options.replace) history.replaceState(state, "", finalUrl);
    else history.pushState(state, "", finalUrl);
    swapMain(fragment);
    afterSwap(target.hash);
    document.dispatchEvent(new CustomEvent("mb:navigated", { detail: { url: finalUrl } }));
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") return;
    location.assign(target.href);
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      mainRegion()?.removeAttribute("aria-busy");
    }
  }
}

export function installNavigation(root: Document): void {
  if (!history.state) history.replaceState({ mb: true } satisfies NavState, "", location.href);
  root.addEventListener("click", onClick);
  root.addEventListener("submit", onSubmit);
  window.addEventListener("popstate", onPopState);
}

function onSubmit(event: SubmitEvent): void {
  const form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
  const scope = form.closest<HTMLElement>("[data-mb-nav]");
  if (!scope || scope.dataset.mbNav === "false" || !mainRegion()) return;
  const method = (event.submitter?.getAttribute("formmethod") || form.method).toLowerCase();
  if (method !== "get" || (form.target && form.target !== "_self")) return;
  const url = new URL(event.submitter?.getAttribute("formaction") || form.action, location.href);
  if (url.origin !== location.origin) return;
  const fields = new FormData(form, event.submitter);
  url.search = new URLSearchParams(
    Array.from(fields, ([name, value]) => [name, typeof value === "string" ? value : value.name]),
  ).toString();
  event.preventDefault();
  void navigate(url.href);
}

function onClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!(link instanceof HTMLAnchorElement)) return;
  const scope = link.closest<HTMLElement>("[data-mb-nav]");
  if (!scope || scope.dataset.mbNav === "false" || !mainRegion()) return;
  if ((link.target && link.target !== "_self") || link.hasAttribute("download")) return;
  const url = new URL(link.href);
  if (url.origin !== location.origin) return;
  const samePage = url.pathname === location.pathname && url.search === location.search;
  if (samePage && url.hash) return; // an in-page anchor: the browser scrolls
  event.preventDefault();
  void navigate(url.href);
}

function onPopState(event: PopStateEvent): void {
  const state = event.state as Partial<NavState> | null;
  if (!state?.mb) return; // a hash change inside the page
  void navigate(location.href, { replace: true });
}

function afterSwap(hash: string): void {
  const anchor = hash ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
  if (anchor) {
    anchor.scrollIntoView();
    return;
  }
  window.scrollTo(0, 0);
  const main = mainRegion();
  if (main) {
    if (!main.hasAttribute("tabindex")) main.setAttribute("tabindex", "-1");
    main.focus({ preventScroll: true });
  }
}
