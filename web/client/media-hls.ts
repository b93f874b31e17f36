// hls.js from the npm registry (pinned in tools/esbuild/package.json), bundled by
// engine.compiler into /static/build/media-hls.js for the media player (media-ui.ts).

import Hls from "../../tools/esbuild/node_modules/hls.js/dist/hls.mjs";

window.MetaBuilderHls = Hls;
