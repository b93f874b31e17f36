// The MetaBuilder client runtime: progressive enhancement for server-rendered pages.
// Pages work without it (links navigate, forms submit); with it, data-mb-action elements
// run actions in place, data-mb-nav links swap the main region, and errors become toasts.
// Public API for package scripts: window.MetaBuilder (see `api` below).

import { type ActionRequest, installActions, runAction } from "./actions";
import { installEntityViews } from "./entity_views";
import { refreshMain } from "./fragments";
import { registerAction } from "./local";
import { installNavigation, navigate } from "./nav";
import { installRunBrowser } from "./run_browser";
import { followRun } from "./runs";
import { installStyles, toast } from "./toast";
import "./media";

const api = {
  runAction,
  registerAction,
  refresh: refreshMain,
  navigate,
  toast,
  followRun,
  version: 1,
} as const;

export type MetaBuilderApi = typeof api;
export type { ActionRequest };

declare global {
  interface Window {
    MetaBuilder?: MetaBuilderApi;
  }
}

function boot(): void {
  if (window.MetaBuilder) return; // the script was included twice
  window.MetaBuilder = api;
  document.documentElement.classList.add("mb-js");
  installStyles();
  installActions(document);
  installNavigation(document);
  installEntityViews(document);
  installRunBrowser(document);
}

boot();
