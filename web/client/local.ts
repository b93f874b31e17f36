// Actions that run in the browser instead of on the server. A package's compiled src/ script
// registers them with `window.MetaBuilder.registerAction(name, handler, packageId?)`; a few are
// built in (`navigateTo`, `navigate`: the original data's way to change page). A handler
// registered for a package wins in that package; one registered without a package, in all.

import { meta } from "./config";
import { navigate } from "./nav";

export interface LocalContext {
  element: HTMLElement | null;
  event: Event | null;
  package: string;
}

export type LocalHandler = (input: unknown, context: LocalContext) => unknown;

const handlers = new Map<string, LocalHandler>();

const key = (name: string, packageId?: string): string =>
  packageId ? `${packageId}\u0000${name}` : name;

export function registerAction(name: string, handler: LocalHandler, packageId?: string): void {
  handlers.set(key(name, packageId), handler);
}

export function localHandler(packageId: string, name: string): LocalHandler | undefined {
  return handlers.get(key(name, packageId)) ?? handlers.get(key(name));
}

/** `navigateTo('/forum')`: a path of this site, under the tenant's base when the page
 * declares one (`<meta name="mb-base" content="/acme">`). */
function navigateTo(input: unknown): Promise<void> {
  const first = Array.isArray(input) ? input[0] : input;
  const record = first && typeof first === "object" ? (first as Record<string, unknown>) : null;
  const path = record ? (record.path ?? record.url ?? record.to) : first;
  if (typeof path !== "string" || !path.startsWith("/") || path.startsWith("//")) {
    throw new Error("navigateTo needs a path on this site, such as '/forum'.");
  }
  const base = meta("mb-base").replace(/\/+$/, "");
  const target = base && !path.startsWith(`${base}/`) && path !== base ? base + path : path;
  return navigate(target);
}

registerAction("navigateTo", navigateTo);
registerAction("navigate", navigateTo);
