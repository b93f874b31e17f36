// Page settings the server renders into <head>: <meta name="mb-tenant"> and <meta name="mb-csrf">.
// Read at call time, so a page that rotates its token (after a login, say) is picked up.

export function meta(name: string): string {
  const element = document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`);
  return element?.content ?? "";
}

export function tenant(): string {
  return meta("mb-tenant");
}

export function csrfToken(): string {
  return meta("mb-csrf");
}

const segment = encodeURIComponent;

/** An action named `flow:<id>` starts the package's flow `<id>` through its `page` trigger;
 * any other name runs the package's action script of that name. */
export const FLOW_ACTION_PREFIX = "flow:";

export function actionUrl(packageId: string, action: string, background = false): string {
  const base = `/api/v1/${segment(tenant())}/${segment(packageId)}`;
  const query = new URLSearchParams();
  let url = `${base}/actions/${segment(action)}`;
  if (action.startsWith(FLOW_ACTION_PREFIX)) {
    url = `${base}/flows/${segment(action.slice(FLOW_ACTION_PREFIX.length))}`;
    query.set("trigger", "page");
  }
  if (background) query.set("async", "1");
  const search = query.toString();
  return search ? `${url}?${search}` : url;
}

/** Workflow ids read `{tenant}/{package}/{action}/{uuid}`: their slashes stay path separators. */
export function runEventsUrl(workflowId: string): string {
  const id = workflowId.split("/").map(segment).join("/");
  return `/api/v1/${segment(tenant())}/runs/${id}/events`;
}
