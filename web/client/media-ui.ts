// The media center UI (package media_center), loaded by media.ts on media pages only.
//
// The server renders each page's skeleton; this fills it from /api/v1/{tenant}/media/...:
//   [data-media-library]   grid of assets (poster, name, job status) linking to the player
//   form[data-media-upload] upload with transfer progress, then the job's progress until done
//   [data-media-jobs]      job table, live over server-sent events, with cancel buttons
//   video[data-media-player="ASSET"]   HLS playback from a short-lived signed URL
//   [data-media-channels]  channel list; video[data-media-channel="ID"] + [data-media-epg]
// HLS plays through hls.js (/static/build/media-hls.js, loaded on demand) where Media Source
// Extensions exist, else through the browser's own HLS. Texts are set with textContent only.

import { csrfToken, tenant } from "./config";

interface Asset {
  id: string;
  originalName: string;
  mimeType: string;
  playUrl: string | null;
  posterUrl: string | null;
  metadata: { kind?: string; jobId?: string } | null;
  job?: Job | null;
}

interface Job {
  id: string;
  name?: string;
  status: string;
  progress: number;
  stage?: string | null;
  error?: string | null;
  assetId?: string;
}

interface Airing {
  title: string;
  startsAt: number;
  endsAt: number;
}

interface Channel {
  id: string;
  name: string;
  kind: string;
  liveUrl?: string;
  onAir?: boolean;
  guide?: Airing[];
}

interface HlsInstance {
  loadSource(url: string): void;
  attachMedia(media: HTMLMediaElement): void;
}

interface HlsClass {
  new (config?: Record<string, unknown>): HlsInstance;
  isSupported(): boolean;
}

declare global {
  interface Window {
    MetaBuilderHls?: HlsClass;
  }
}

const RUNNING = new Set(["pending", "processing"]);
const api = (path: string): string => `/api/v1/${encodeURIComponent(tenant())}/media${path}`;
const page = (path: string): string => {
  const base = document.querySelector<HTMLMetaElement>('meta[name="mb-base"]')?.content;
  return `${base ?? `/${encodeURIComponent(tenant())}`}${path}`;
};

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(api(path), { credentials: "same-origin" });
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = (data as { message?: string } | null)?.message;
    throw new Error(message ?? `HTTP ${response.status}`);
  }
  return data as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = "",
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function say(id: string, text: string): void {
  const node = document.getElementById(id);
  if (node) node.textContent = text;
}

function ready(node: HTMLElement): boolean {
  if (node.dataset.mediaReady) return false;
  node.dataset.mediaReady = "1";
  return true;
}

// -- library ------------------------------------------------------------------------------

async function library(grid: HTMLElement): Promise<void> {
  const { items } = await getJson<{ items: Asset[] }>("/assets");
  grid.replaceChildren();
  if (items.length === 0) grid.append(el("p", "No media yet: upload a file."));
  for (const asset of items) {
    const card = el("a", "", { href: page(`/media/play/${asset.id}`), "data-mb-nav": "" });
    card.className = "mb-media-card";
    if (asset.posterUrl) card.append(el("img", "", { src: asset.posterUrl, alt: "" }));
    card.append(el("strong", asset.originalName));
    card.append(el("small", `${asset.metadata?.kind ?? ""} · ${asset.mimeType}`));
    grid.append(card);
  }
}

// -- upload -------------------------------------------------------------------------------

function upload(form: HTMLFormElement): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = form.querySelector<HTMLInputElement>('input[type="file"]');
    const file = input?.files?.[0];
    if (!file) return;
    const bar = document.querySelector<HTMLProgressElement>("#media-upload-progress");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", api(`/assets?name=${encodeURIComponent(file.name)}`));
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.round((100 * e.loaded) / e.total);
      if (bar) bar.value = percent;
      say("media-upload-status", `Uploading: ${percent}%`);
    };
    xhr.onload = () => {
      const body = JSON.parse(xhr.responseText || "null") as
        | { asset: Asset; job: Job; message?: string }
        | null;
      if (xhr.status !== 201 || !body) {
        say("media-upload-status", `Upload refused: ${body?.message ?? xhr.status}`);
        return;
      }
      follow(body.job.id, body.asset.id, bar);
    };
    xhr.onerror = () => say("media-upload-status", "Upload failed: the connection broke.");
    xhr.send(file);
  });
}

function follow(jobId: string, assetId: string, bar: HTMLProgressElement | null): void {
  const source = new EventSource(api(`/jobs/${jobId}/events`), { withCredentials: true });
  source.addEventListener("progress", (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as {
      percent: number;
      message: string;
    };
    if (bar) bar.value = data.percent;
    say("media-upload-status", `Processing (${data.message}): ${data.percent}%`);
  });
  source.addEventListener("done", (event) => {
    source.close();
    const data = JSON.parse((event as MessageEvent<string>).data) as { status: string };
    if (bar) bar.value = 100;
    const status = document.getElementById("media-upload-status");
    if (!status) return;
    status.textContent = `Job ${data.status}. `;
    if (data.status === "completed") {
      const link = el("a", "Play it", {
        href: page(`/media/play/${assetId}`),
        id: "media-upload-play",
        "data-mb-nav": "",
      });
      status.append(link);
    }
  });
}

// -- jobs ---------------------------------------------------------------------------------

function jobs(table: HTMLElement): void {
  const body = table.querySelector("tbody") ?? table;
  const source = new EventSource(api("/jobs/events"), { withCredentials: true });
  source.addEventListener("job", (event) => {
    const job = JSON.parse((event as MessageEvent<string>).data) as Job;
    let row = body.querySelector<HTMLTableRowElement>(`tr[data-job="${CSS.escape(job.id)}"]`);
    if (!row) {
      row = el("tr", "", { "data-job": job.id });
      body.prepend(row);
    }
    const bar = el("progress", `${job.progress}%`, { max: "100", value: String(job.progress) });
    const cells = [el("td", job.name ?? ""), el("td", job.status), el("td", job.stage ?? "")];
    const barCell = el("td");
    barCell.append(bar, el("span", ` ${job.progress}%`));
    const actions = el("td");
    if (RUNNING.has(job.status)) {
      const cancel = el("button", "Cancel", { type: "button", "data-media-cancel": job.id });
      actions.append(cancel);
    }
    row.replaceChildren(...cells, barCell, actions);
  });
  table.addEventListener("click", (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>("[data-media-cancel]");
    if (!button) return;
    button.disabled = true;
    void fetch(api(`/jobs/${button.dataset.mediaCancel}/cancel`), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken() },
    });
  });
  document.addEventListener("mb:navigated", () => source.close(), { once: true });
}

// -- playback -----------------------------------------------------------------------------

let hlsLoading: Promise<HlsClass | null> | null = null;

function loadHls(): Promise<HlsClass | null> {
  hlsLoading ??= new Promise((resolve) => {
    const script = el("script", "", { src: "/static/build/media-hls.js" });
    script.onload = () => resolve(window.MetaBuilderHls ?? null);
    script.onerror = () => resolve(null);
    document.head.append(script);
  });
  return hlsLoading;
}

async function play(video: HTMLVideoElement, url: string, status: string): Promise<void> {
  const Hls = await loadHls();
  if (Hls?.isSupported()) {
    const hls = new Hls({ enableWorker: false }); // a blob: worker would break the CSP
    hls.loadSource(url);
    hls.attachMedia(video);
    video.dataset.engine = "hls.js";
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    video.dataset.engine = "native";
  } else {
    say(status, "This browser cannot play HLS.");
    return;
  }
  void video.play().catch(() => undefined); // autoplay may be refused; the controls remain
}

async function player(video: HTMLVideoElement): Promise<void> {
  const asset = await getJson<Asset>(`/assets/${encodeURIComponent(video.dataset.mediaPlayer ?? "")}`);
  say("media-player-status", asset.originalName);
  if (asset.playUrl) {
    await play(video, asset.playUrl, "media-player-status");
    return;
  }
  const job = asset.job;
  if (job && RUNNING.has(job.status)) {
    say("media-player-status", `${asset.originalName}: still processing (${job.progress}%)`);
    setTimeout(() => void player(video), 2000);
  } else {
    say("media-player-status", `${asset.originalName}: no stream (${job?.status ?? "no job"})`);
  }
}

// -- channels -----------------------------------------------------------------------------

async function channels(list: HTMLElement): Promise<void> {
  const { items } = await getJson<{ items: Channel[] }>("/channels");
  list.replaceChildren();
  for (const channel of items) {
    const item = el("li");
    item.append(el("a", `${channel.name} (${channel.kind})`, {
      href: page(`/media/channels/${channel.id}`),
      "data-mb-nav": "",
    }));
    list.append(item);
  }
  if (items.length === 0) list.append(el("li", "No channels yet."));
}

async function channel(video: HTMLVideoElement): Promise<void> {
  const id = encodeURIComponent(video.dataset.mediaChannel ?? "");
  const refresh = async (): Promise<Channel> => {
    const info = await getJson<Channel>(`/channels/${id}`);
    const epg = document.querySelector<HTMLElement>("[data-media-epg]");
    if (epg) {
      epg.replaceChildren(
        ...(info.guide ?? []).map((airing, index) => {
          const when = new Date(airing.startsAt * 1000).toLocaleTimeString();
          return el("li", `${index === 0 ? "Now" : "Next"} · ${when} · ${airing.title}`);
        }),
      );
    }
    return info;
  };
  let info = await refresh();
  for (let tries = 0; !info.guide?.length && tries < 30; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the run's first tick is coming
    info = await refresh();
  }
  if (info.liveUrl && info.onAir) await play(video, info.liveUrl, "media-player-status");
  const timer = setInterval(() => void refresh(), 10_000);
  document.addEventListener("mb:navigated", () => clearInterval(timer), { once: true });
}

// -- boot ---------------------------------------------------------------------------------

function install(root: Document): void {
  for (const hint of root.querySelectorAll(".mb-media-noscript")) hint.remove(); // JS is here
  const run = (work: Promise<void>, where: HTMLElement): void => {
    work.catch((error: unknown) => {
      where.append(el("p", `Could not load: ${error instanceof Error ? error.message : error}`));
    });
  };
  for (const node of root.querySelectorAll<HTMLElement>("[data-media-library]")) {
    if (ready(node)) run(library(node), node);
  }
  for (const node of root.querySelectorAll<HTMLFormElement>("form[data-media-upload]")) {
    if (ready(node)) upload(node);
  }
  for (const node of root.querySelectorAll<HTMLElement>("[data-media-jobs]")) {
    if (ready(node)) jobs(node);
  }
  for (const node of root.querySelectorAll<HTMLVideoElement>("video[data-media-player]")) {
    if (ready(node)) run(player(node), node.parentElement ?? node);
  }
  for (const node of root.querySelectorAll<HTMLElement>("[data-media-channels]")) {
    if (ready(node)) run(channels(node), node);
  }
  for (const node of root.querySelectorAll<HTMLVideoElement>("video[data-media-channel]")) {
    if (ready(node)) run(channel(node), node.parentElement ?? node);
  }
}

window.MetaBuilderMedia = { install };
install(document);
