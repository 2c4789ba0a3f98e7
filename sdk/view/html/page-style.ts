// The page's CSS, kept apart from the markup so each can be read on its own.
export const PAGE_STYLE = `
:root { color-scheme: light; --bg: #fbfaf8; --fg: #1f2328; --muted: #5f6670; --line: #d9d6d0; --accent: #c2410c; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
#toolbar { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; align-items: center; gap: 10px 16px; padding: 10px 16px; background: #fff; border-bottom: 1px solid var(--line); }
#title { margin: 0; font-size: 15px; font-weight: 650; max-width: 40ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#toolbar label { color: var(--muted); }
select, input, button { font: inherit; color: inherit; }
select, input[type=search] { padding: 3px 6px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
input[type=search] { width: 18em; }
button { padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: #f3f1ed; cursor: pointer; }
button:disabled { opacity: .45; cursor: default; }
#search-status { color: #a21caf; font-weight: 600; }
#total { margin-left: auto; font-weight: 600; font-variant-numeric: tabular-nums; }
#label-filters { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; padding: 6px 16px; border-bottom: 1px solid var(--line); background: #fff; color: var(--muted); }
#label-filters .label-title { font-weight: 600; }
#details { padding: 6px 16px; min-height: 2.1em; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-variant-numeric: tabular-nums; }
main { padding: 0 16px 16px; }
#flamegraph { position: relative; width: 100%; min-height: 18px; }
.frame { position: absolute; height: 17px; padding: 0; border-radius: 2px; box-shadow: inset -1px 0 0 rgba(255,255,255,.55); overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font: 11.5px/17px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #1b1b1b; cursor: pointer; }
.frame.labelled { padding: 0 4px; }
.frame:hover { filter: brightness(1.08) saturate(1.15); outline: 1px solid rgba(0,0,0,.55); outline-offset: -1px; z-index: 1; }
.frame.root { background: #e7e3dc; color: #333; font-weight: 600; }
.frame.ancestor { opacity: .55; }
.frame.match { background: #d946ef !important; color: #fff; }
#diff-note { padding: 6px 16px; border-bottom: 1px solid var(--line); background: #fff7ed; color: var(--fg); }
#base-only { margin-top: 18px; }
#base-only h2 { font-size: 13px; margin: 0 0 4px; }
#base-only p { margin: 0 0 6px; color: var(--muted); }
#base-only ol { margin: 0; padding-left: 22px; font: 11.5px/1.6 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
#base-only li { cursor: pointer; }
#base-only li:hover { text-decoration: underline; }
#empty { color: var(--muted); padding: 24px 0; }
#tooltip { position: fixed; z-index: 3; max-width: 560px; padding: 8px 10px; border-radius: 6px; background: rgba(24,24,27,.94); color: #f4f4f5; pointer-events: none; box-shadow: 0 4px 16px rgba(0,0,0,.25); font-variant-numeric: tabular-nums; }
#tooltip .tt-name { font: 600 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
#tooltip .tt-where { color: #a1a1aa; word-break: break-all; margin-bottom: 4px; }
#legend { display: flex; gap: 14px; padding: 8px 16px 16px; color: var(--muted); font-size: 12px; }
#legend span:not([style])::before { display: none; }
#legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; vertical-align: -1px; background: var(--swatch); }
[hidden] { display: none !important; }
`;
