// The media center's pages (package media_center) load their UI on demand: the runtime only
// notices a media element and adds /static/build/media-ui.js (web/client/media-ui.ts, compiled
// by engine.compiler when first asked for), which in turn loads hls.js for the player only.
// Every other page pays a few bytes for this, not the UI and not hls.js.

const MEDIA = "[data-media-library],[data-media-upload],[data-media-jobs],[data-media-player]," +
  "[data-media-channels],[data-media-channel]";

declare global {
  interface Window {
    MetaBuilderMedia?: { install(root: Document): void };
  }
}

function boot(): void {
  if (!document.querySelector(MEDIA)) return;
  if (window.MetaBuilderMedia) {
    window.MetaBuilderMedia.install(document);
  } else if (!document.getElementById("mb-media-ui")) {
    const script = document.createElement("script");
    script.id = "mb-media-ui";
    script.src = "/static/build/media-ui.js";
    document.head.append(script);
  }
}

boot();
document.addEventListener("mb:navigated", boot);

export {};
