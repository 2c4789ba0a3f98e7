// Assembles the single self-contained HTML file: markup, CSS, the profile data as embedded JSON
// and the viewer script. The Content-Security-Policy forbids every network fetch, so the page
// provably works offline from file:// and cannot leak the profile anywhere.
import { formatValue } from '../format-value.js';
import { flameGraphApp } from './browser-app.js';
import { PAGE_STYLE } from './page-style.js';
import { embedJson, type ViewerData } from './viewer-data.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Source text of the page script; the functions are injected as declarations by name. */
function viewerScript(): string {
  const source = [
    `const formatValue = ${formatValue.toString()};`,
    `const flameGraphApp = ${flameGraphApp.toString()};`,
    `flameGraphApp(JSON.parse(document.getElementById('profile-data').textContent), { formatValue });`,
  ].join('\n');
  // Only a literal "</script" could end the element early; none is expected, but be certain.
  return source.replace(/<\/(script)/gi, '<\\/$1');
}

const LEGEND = `  <span style="--swatch: hsl(25, 88%, 62%)">your code</span>
  <span style="--swatch: hsl(212, 62%, 72%)">dependencies</span>
  <span style="--swatch: hsl(170, 52%, 60%)">WebAssembly</span>
  <span style="--swatch: hsl(218, 12%, 73%)">runtime &amp; native</span>
  <span style="--swatch: #d946ef">search match</span>`;

// Must agree with diffColor in browser-app.ts at full intensity.
const DIFF_LEGEND = `  <span style="--swatch: hsl(0, 90%, 52%)">grew (NEW &gt; BASE)</span>
  <span style="--swatch: hsl(185, 80%, 50%)">shrank (NEW &lt; BASE)</span>
  <span style="--swatch: hsl(40, 6%, 86%)">unchanged</span>
  <span>width: NEW · paler: smaller change relative to the frame</span>
  <span style="--swatch: #d946ef">search match</span>`;

export function renderPage(data: ViewerData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="wasmprof view">
<title>${escapeHtml(data.title)} — flame graph</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header id="toolbar">
  <h1 id="title">${escapeHtml(data.title)}</h1>
  <label id="sample-type-label">Sample type <select id="sample-type"></select></label>
  <input id="search" type="search" placeholder="Search functions (regex)" autocomplete="off" spellcheck="false">
  <span id="search-status"></span>
  <button id="reset-zoom" type="button">Reset zoom</button>
  <span id="total"></span>
</header>
<div id="label-filters" hidden></div>
<div id="diff-note" hidden></div>
<div id="details"></div>
<main>
  <div id="flamegraph" role="img" aria-label="flame graph"></div>
  <p id="empty" hidden>No samples to show (the profile is empty or the label filter excludes everything).</p>
  <section id="base-only" hidden>
    <h2>Only in BASE <span id="base-only-total"></span></h2>
    <p>Call paths that BASE has and NEW does not, so they have no width in the graph. Click one to zoom to its caller.</p>
    <ol id="base-only-list"></ol>
  </section>
</main>
<footer id="legend">
${data.profiles.some((p) => p.diff) ? DIFF_LEGEND : LEGEND}
</footer>
<div id="tooltip" hidden></div>
<script type="application/json" id="profile-data">${embedJson(data)}</script>
<script>
${viewerScript()}
</script>
</body>
</html>
`;
}
