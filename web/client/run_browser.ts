// The runs page (package ui_runs): fills the server-rendered skeleton from the runs API.
//
// The page's component tree marks its parts with data-runs="...": browser (the root),
// filters (a form), rows (the list's tbody), more, empty, detail, summary, error, nodes-box,
// nodes, input, result, logs-box, logs, triggered-box, triggered (a list), temporal (a link), cancel, retry, approve, reject,
// close, needs-js. Filters and the selected run live in the URL (?status=failed&run=ID), so a
// reload or a shared link shows the same thing. Running runs in the list are followed over
// server-sent events (a few at a time: browsers allow six connections per host), and the
// selected run's flow steps update live. Every text is set with textContent, never as HTML.

import { errorMessage } from "./http";
import {
  cancelRun,
  decideRun,
  followRun,
  getRun,
  listRuns,
  retryRun,
  type RunDetail,
  type RunNode,
  type RunProgress,
  type RunSummary,
} from "./runs";
import { toast } from "./toast";

const ROOT = '[data-runs="browser"]';
const FILTERS = ["package", "action", "kind", "status", "user", "startedAfter", "startedBefore"];
const TIME_FILTERS = new Set(["startedAfter", "startedBefore"]);
const MAX_FOLLOWED_ROWS = 3;
const CHIP: Record<string, string> = {
  running: "info",
  waiting: "warning",
  completed: "success",
  done: "success",
  failed: "error",
  cancelled: "warning",
  terminated: "error",
  timed_out: "error",
};

export function installRunBrowser(root: Document): void {
  const boot = (): void => {
    const element = root.querySelector<HTMLElement>(ROOT);
    if (element && !element.dataset.runsReady) {
      element.dataset.runsReady = "1";
      new RunBrowser(element).start();
    }
  };
  boot();
  root.addEventListener("mb:navigated", boot);
}

class RunBrowser {
  private nextToken: string | null = null;
  private readonly rowFollowers = new Map<string, AbortController>();
  private detailFollower: AbortController | null = null;
  private selected: RunDetail | null = null;

  constructor(private readonly root: HTMLElement) {}

  start(): void {
    this.part("needs-js")?.setAttribute("hidden", "");
    const form = this.part<HTMLFormElement>("filters");
    if (form) {
      this.fillForm(form, new URLSearchParams(location.search));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.writeUrl({ run: null });
        void this.load(false);
      });
      form.addEventListener("reset", () => {
        window.setTimeout(() => {
          this.writeUrl({ run: null });
          void this.load(false);
        });
      });
    }
    this.part("more")?.addEventListener("click", () => void this.load(true));
    this.part("close")?.addEventListener("click", () => this.closeDetail());
    this.part("cancel")?.addEventListener("click", () => void this.act("cancel"));
    this.part("retry")?.addEventListener("click", () => void this.act("retry"));
    this.part("approve")?.addEventListener("click", () => void this.act("approve"));
    this.part("reject")?.addEventListener("click", () => void this.act("reject"));
    for (const part of ["rows", "triggered"]) {
      this.part(part)?.addEventListener("click", (event) => {
        const link = (event.target as Element).closest<HTMLAnchorElement>("a[data-run]");
        if (!link) return;
        event.preventDefault();
        void this.select(link.dataset.run ?? "");
      });
    }
    void this.load(false);
    const run = new URLSearchParams(location.search).get("run");
    if (run) void this.select(run);
  }

  private part<T extends HTMLElement = HTMLElement>(name: string): T | null {
    return this.root.querySelector<T>(`[data-runs="${name}"]`);
  }

  private alive(): boolean {
    return this.root.isConnected;
  }

  // -- the list ----------------------------------------------------------------------------

  private filters(): Record<string, string> {
    const form = this.part<HTMLFormElement>("filters");
    const out: Record<string, string> = {};
    if (!form) return out;
    for (const name of FILTERS) {
      const control = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
      const value = control?.value.trim() ?? "";
      if (!value) continue;
      // datetime-local is the visitor's local time; the API takes ISO 8601 with a zone.
      out[name] = TIME_FILTERS.has(name) ? new Date(value).toISOString() : value;
    }
    return out;
  }

  private fillForm(form: HTMLFormElement, params: URLSearchParams): void {
    for (const name of FILTERS) {
      const control = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
      const value = params.get(name);
      if (!control || !value) continue;
      control.value = TIME_FILTERS.has(name) ? localTime(value) : value;
    }
  }

  private writeUrl(extra: Record<string, string | null>): void {
    const params = new URLSearchParams(this.filters());
    const current = new URLSearchParams(location.search).get("run");
    const run = "run" in extra ? extra.run : current;
    if (run) params.set("run", run);
    const query = params.toString();
    history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}`);
  }

  private async load(append: boolean): Promise<void> {
    const rows = this.part("rows");
    if (!rows) return;
    try {
      const token = append ? (this.nextToken ?? undefined) : undefined;
      const page = await listRuns(this.filters(), token);
      if (!append) {
        this.stopRowFollowers();
        rows.replaceChildren();
      }
      for (const run of page.items) rows.append(this.row(run));
      this.nextToken = page.nextPageToken;
      this.part("more")?.toggleAttribute("hidden", !page.nextPageToken);
      this.part("empty")?.toggleAttribute("hidden", rows.childElementCount > 0);
      this.followRows();
    } catch (error) {
      toast(errorMessage(error), "error");
    }
  }

  private row(run: RunSummary): HTMLTableRowElement {
    const tr = document.createElement("tr");
    tr.className = "mb-table__row mb-table__row--hover";
    tr.dataset.workflowId = run.workflowId;
    tr.dataset.status = run.status;
    const link = document.createElement("a");
    link.href = `?run=${encodeURIComponent(run.workflowId)}`;
    link.dataset.run = run.workflowId;
    link.textContent = run.action ? `${run.action} · ${shortId(run.workflowId)}` : run.workflowId;
    link.title = run.workflowId;
    tr.append(
      cell(chip(run.status)),
      cell(link),
      cell(run.package ?? ""),
      cell(run.kind ?? run.type),
      cell(run.user ?? ""),
      cell(when(run.startedAt)),
      cell(when(run.closedAt)),
    );
    return tr;
  }

  private setRowStatus(workflowId: string, status: string, closedAt?: string | null): void {
    const rows = this.part("rows");
    for (const tr of rows?.querySelectorAll<HTMLTableRowElement>("tr") ?? []) {
      if (tr.dataset.workflowId !== workflowId) continue;
      tr.dataset.status = status;
      tr.cells[0]?.replaceChildren(chip(status));
      if (closedAt !== undefined && tr.cells[6]) tr.cells[6].textContent = when(closedAt);
    }
  }

  private followRows(): void {
    const rows = this.part("rows");
    const running = rows?.querySelectorAll<HTMLTableRowElement>('tr[data-status="running"]');
    for (const tr of running ?? []) {
      if (this.rowFollowers.size >= MAX_FOLLOWED_ROWS) return;
      const id = tr.dataset.workflowId ?? "";
      if (!id || this.rowFollowers.has(id)) continue;
      const stop = new AbortController();
      this.rowFollowers.set(id, stop);
      followRun(id, {
        signal: stop.signal,
        onProgress: (progress) => this.setRowStatus(id, progress.status ?? "running"),
      })
        .then((done) => this.setRowStatus(id, done.status, new Date().toISOString()))
        .catch(() => undefined) // the row keeps its last status; a reload shows the outcome
        .finally(() => {
          if (this.rowFollowers.get(id) === stop) this.rowFollowers.delete(id);
          if (this.alive() && !stop.signal.aborted) this.followRows();
        });
    }
  }

  private stopRowFollowers(): void {
    for (const stop of this.rowFollowers.values()) stop.abort();
    this.rowFollowers.clear();
  }

  // -- the selected run --------------------------------------------------------------------

  private async select(workflowId: string): Promise<void> {
    if (!workflowId) return;
    this.detailFollower?.abort();
    this.detailFollower = null;
    try {
      const run = await getRun(workflowId);
      this.selected = run;
      this.writeUrl({ run: workflowId });
      this.showDetail(run);
      if (run.status === "running") this.followDetail(run);
    } catch (error) {
      toast(errorMessage(error), "error");
    }
  }

  private followDetail(run: RunDetail): void {
    const stop = new AbortController();
    this.detailFollower = stop;
    followRun(run.workflowId, {
      signal: stop.signal,
      onProgress: (progress) => this.showProgress(progress),
    })
      .then(async (done) => {
        this.setRowStatus(run.workflowId, done.status, new Date().toISOString());
        if (this.alive() && this.selected?.workflowId === run.workflowId) {
          await this.select(run.workflowId); // the result, logs and final buttons
        }
      })
      .catch((error: unknown) => {
        if (!(error instanceof DOMException && error.name === "AbortError")) {
          toast(errorMessage(error), "error");
        }
      });
  }

  private showDetail(run: RunDetail): void {
    const detail = this.part("detail");
    if (!detail) return;
    const title = run.action ? `${run.action} (${run.kind ?? run.type})` : run.workflowId;
    setText(this.part("detail-title"), title);
    const summary = this.part("summary");
    summary?.replaceChildren(
      ...entry("Status", chip(run.status)),
      ...entry("Workflow id", run.workflowId),
      ...entry("Run id", run.runId),
      ...entry("Package", run.package ?? "—"),
      ...entry("User", run.user ?? "—"),
      ...entry("Started", when(run.startedAt)),
      ...entry("Ended", when(run.closedAt) || "—"),
    );
    const errorBox = this.part("error");
    if (errorBox) {
      const failure = run.error;
      const step = failure?.node ? ` (step ${failure.node})` : "";
      const message = failure
        ? `${failure.code ?? "ERROR"}: ${failure.message ?? "the run failed"}${step}`
        : "";
      setText(errorBox.querySelector<HTMLElement>(".mb-alert__message") ?? errorBox, message);
      errorBox.toggleAttribute("hidden", !run.error);
    }
    setText(this.part("input"), pretty(run.input));
    const result = run.status === "running" ? "(still running)" : pretty(run.result ?? null);
    setText(this.part("result"), result);
    const logs = run.logs ?? [];
    const lines = logs.map((line) => (typeof line === "string" ? line : JSON.stringify(line)));
    setText(this.part("logs"), lines.join("\n"));
    this.part("logs-box")?.toggleAttribute("hidden", logs.length === 0);
    const started = run.triggered ?? [];
    this.part("triggered")?.replaceChildren(
      ...started.map((item) => {
        const li = document.createElement("li");
        const link = document.createElement("a");
        link.href = `?run=${encodeURIComponent(item.workflowId)}`;
        link.dataset.run = item.workflowId;
        link.title = item.workflowId;
        link.textContent = `${item.package} / ${item.flow}`;
        li.append(link, ` (event ${item.event})`);
        return li;
      }),
    );
    this.part("triggered-box")?.toggleAttribute("hidden", started.length === 0);
    this.showNodes(run.nodes);
    const link = this.part<HTMLAnchorElement>("temporal");
    if (link) link.href = run.temporalUrl;
    this.part("cancel")?.toggleAttribute("hidden", !run.allowed.cancel);
    this.part("retry")?.toggleAttribute("hidden", !run.allowed.retry);
    this.part("approve")?.toggleAttribute("hidden", !run.allowed.approve);
    this.part("reject")?.toggleAttribute("hidden", !run.allowed.approve);
    detail.removeAttribute("hidden");
  }

  private showProgress(progress: RunProgress): void {
    if (!this.selected) return;
    if (progress.nodes) this.showNodes(progress.nodes);
    // The server decides on every click; live, show Approve as the detail endpoint would.
    const approvals = progress.approvals ?? [];
    this.selected.approvals = approvals;
    const level = Number(this.root.dataset.runsLevel ?? "0");
    const needed = Math.max(1, Math.min(...approvals.map((a) => a.minLevel ?? 0)));
    const approvable = approvals.length > 0 && level >= needed;
    this.part("approve")?.toggleAttribute("hidden", !approvable);
    this.part("reject")?.toggleAttribute("hidden", !approvable);
    const status = progress.status ?? "running";
    const chipHolder = this.part("summary")?.querySelector("dd");
    chipHolder?.replaceChildren(chip(status));
    this.setRowStatus(this.selected.workflowId, status);
  }

  private showNodes(nodes: Record<string, RunNode> | null): void {
    const body = this.part("nodes");
    const entries = Object.entries(nodes ?? {});
    this.part("nodes-box")?.toggleAttribute("hidden", entries.length === 0);
    body?.replaceChildren(
      ...entries.map(([id, node]) => {
        const tr = document.createElement("tr");
        tr.className = "mb-table__row";
        tr.dataset.node = id;
        tr.dataset.status = node.status;
        const outcome = node.error !== undefined ? node.error : node.output;
        tr.append(
          cell(id),
          cell(chip(node.status)),
          cell(when(node.startedAt ?? null)),
          cell(when(node.endedAt ?? null)),
          cell(outcome === undefined ? "" : compact(outcome)),
        );
        return tr;
      }),
    );
  }

  private closeDetail(): void {
    this.detailFollower?.abort();
    this.detailFollower = null;
    this.selected = null;
    this.part("detail")?.setAttribute("hidden", "");
    this.writeUrl({ run: null });
  }

  private async act(kind: "cancel" | "retry" | "approve" | "reject"): Promise<void> {
    const run = this.selected;
    if (!run) return;
    try {
      if (kind === "cancel") {
        await cancelRun(run.workflowId);
        toast("Cancelling the run…", "info");
      } else if (kind === "retry") {
        const started = await retryRun(run.workflowId);
        toast("Started the action again.", "success");
        await this.load(false);
        await this.select(started.workflowId);
        return;
      } else {
        await decideRun(run.workflowId, kind === "approve", run.approvals[0]?.node);
        toast(kind === "approve" ? "Approved." : "Rejected.", "success");
      }
      await this.select(run.workflowId);
    } catch (error) {
      toast(errorMessage(error), "error");
    }
  }
}

function cell(content: string | Node): HTMLTableCellElement {
  const td = document.createElement("td");
  td.className = "mb-table__cell";
  td.append(content);
  return td;
}

function chip(status: string): HTMLSpanElement {
  const span = document.createElement("span");
  span.className = `mb-chip mb-chip--small mb-chip--${CHIP[status] ?? "default"}`;
  span.dataset.status = status;
  const label = document.createElement("span");
  label.className = "mb-chip__label";
  label.textContent = status.replace(/_/g, " ");
  span.append(label);
  return span;
}

function entry(term: string, value: string | Node): HTMLElement[] {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.append(value);
  return [dt, dd];
}

function setText(element: HTMLElement | null, value: string): void {
  if (element) element.textContent = value;
}

function pretty(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

function compact(value: unknown): string {
  const text = JSON.stringify(value) ?? "";
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "";
}

/** The uuid at the end of `{tenant}/{package}/{name}/{uuid}`, shortened for the list. */
function shortId(workflowId: string): string {
  const last = workflowId.split("/").pop() ?? workflowId;
  return last.slice(0, 8);
}

/** An ISO time as a datetime-local value (the visitor's local time, to the minute). */
function localTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
