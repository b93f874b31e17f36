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

export function actionUrl(packageId: string, action: string, background = false): string {
  const url = `/api/v1/${segment(tenant())}/${segment(packageId)}/actions/${segment(action)}`;
  return background ? `${url}?async=1` : url;
}

/** Workflow ids read `{tenant}/{package}/{action}/{uuid}`: their slashes stay path separators. */
export function runEventsUrl(workflowId: string): string {
  const id = workflowId.split("/").map(segment).join("/");
  return `/api/v1/${segment(tenant())}/runs/${id}/events`;
}
