// Swapping the page's main region (<main id="mb-main">) with HTML the server renders.
// The server answers a request carrying `X-MB-Fragment: main` with that region's inner HTML;
// if it sends a whole document instead, the region is taken out of it.

import { type Fragment, getFragment } from "./http";

export const MAIN_ID = "mb-main";

export function mainRegion(): HTMLElement | null {
  return document.getElementById(MAIN_ID);
}

/** Put `fragment` into the main region, keeping focus on an element with the same id. */
export function swapMain(fragment: Fragment): void {
  const main = mainRegion();
  if (!main) throw new Error(`This page has no <main id="${MAIN_ID}"> to update.`);
  let { html, title } = fragment;
  if (/^\s*(<!doctype|<html)/i.test(html)) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    html = doc.getElementById(MAIN_ID)?.innerHTML ?? doc.body.innerHTML;
    title = title ?? (doc.title || null);
  }
  const focusedId = document.activeElement?.id;
  main.innerHTML = html;
  activateScripts(main);
  if (title) document.title = title;
  if (focusedId) document.getElementById(focusedId)?.focus();
}

/** Re-render the main region of the current page (after an action changed its data).
 * If the user navigated elsewhere meanwhile, the stale answer is dropped. */
export async function refreshMain(url: string = location.href): Promise<void> {
  const fragment = await getFragment(url);
  if (location.href === url) swapMain(fragment);
}

// Scripts set through innerHTML never run; a fresh copy of each does, as on a full page load
// (a module script runs once per URL, however often it is swapped in).
function activateScripts(root: HTMLElement): void {
  for (const old of root.querySelectorAll("script")) {
    const script = document.createElement("script");
    for (const { name, value } of Array.from(old.attributes)) script.setAttribute(name, value);
    script.textContent = old.textContent;
    old.replaceWith(script);
  }
}
