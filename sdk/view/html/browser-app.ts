// The script that runs inside the generated HTML page. It is written here in TypeScript so that
// the compiler checks it against the DOM types, and reaches the page as source text through
// Function.prototype.toString (see page.ts). That is why it must stay one self-contained
// function: anything it needs from outside comes in through its parameters, never an import.
//
// The flame graph is drawn with absolutely positioned <div>s, one per visible frame (frames
// narrower than a pixel are skipped, so the count stays in the low thousands). Plain DOM keeps
// the page free of libraries and lets tests and users read every frame's name, value and
// percent straight from data-* attributes. docs/viewer.md explains the choice.
import type { ViewerData } from './viewer-data.js';

export interface BrowserLib {
  formatValue: (value: number, unit: string) => string;
}

export function flameGraphApp(data: ViewerData, lib: BrowserLib): void {
  const ROW = 18;
  const MAX_LABEL_VALUES = 100;
  const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
  const chart = byId<HTMLDivElement>('flamegraph');
  const tooltip = byId<HTMLDivElement>('tooltip');
  const details = byId<HTMLDivElement>('details');
  const typeSelect = byId<HTMLSelectElement>('sample-type');
  const searchInput = byId<HTMLInputElement>('search');
  const searchStatus = byId<HTMLSpanElement>('search-status');
  const resetButton = byId<HTMLButtonElement>('reset-zoom');
  const totalBox = byId<HTMLSpanElement>('total');
  const labelBox = byId<HTMLDivElement>('label-filters');
  const emptyNote = byId<HTMLParagraphElement>('empty');
  const diffNote = byId<HTMLDivElement>('diff-note');
  const baseOnlyBox = byId<HTMLElement>('base-only');
  const baseOnlyList = byId<HTMLOListElement>('base-only-list');
  const baseOnlyTotal = byId<HTMLSpanElement>('base-only-total');
  const hint = 'Hover a frame for details · click to zoom · Esc or “Reset zoom” to go back · / to search';

  // One entry per (profile, sample type): that is what the switcher offers.
  const views: Array<{ profile: number; type: number }> = [];
  data.profiles.forEach((p, pi) => p.sampleTypes.forEach((_, ti) => views.push({ profile: pi, type: ti })));

  const state = {
    profile: data.initial.profile,
    type: data.initial.sampleType,
    zoom: 0,
    search: null as RegExp | null,
    labels: new Map<string, string>(),
  };

  // Per-profile facts that never change: children lists, depth, colours, label values.
  interface Prepared {
    children: number[][];
    depth: Int32Array;
    colors: string[];
    categories: string[];
    labelValues: Map<string, string[]>;
  }
  const prepared = new Map<number, Prepared>();

  function categorize(name: string, file: string): string {
    if (/^wasm:|\.wasm$/.test(file) || /^wasm-function/.test(name)) return 'wasm';
    if (/^\(.*\)$/.test(name) || /^(node:|internal\/)/.test(file) || /^runtime\./.test(name) || /\/src\/runtime\//.test(file)) return 'runtime';
    if (/node_modules|\/pkg\/mod\//.test(file)) return 'dependency';
    return 'app';
  }

  function hash(s: string): number {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 16777619);
    }
    return (h >>> 0) / 4294967296;
  }

  // Warm colours for the user's own code (the classic flame graph look), cooler families for
  // code they did not write, so "is this mine?" is answered at a glance.
  function colorFor(category: string, name: string): string {
    const r = hash(name);
    const r2 = hash(name + '#');
    switch (category) {
      case 'wasm':
        return `hsl(${160 + r * 25}, ${45 + r2 * 15}%, ${55 + r * 10}%)`;
      case 'runtime':
        return `hsl(${210 + r * 20}, ${8 + r2 * 10}%, ${68 + r * 10}%)`;
      case 'dependency':
        return `hsl(${200 + r * 30}, ${55 + r2 * 15}%, ${68 + r * 8}%)`;
      default:
        return `hsl(${4 + r * 42}, ${78 + r2 * 17}%, ${56 + r2 * 12}%)`;
    }
  }

  function prepare(pi: number): Prepared {
    const known = prepared.get(pi);
    if (known) return known;
    const p = data.profiles[pi];
    const n = p.parent.length;
    const children: number[][] = Array.from({ length: n }, () => []);
    const depth = new Int32Array(n);
    for (let i = 1; i < n; i++) {
      children[p.parent[i]].push(i);
      depth[i] = depth[p.parent[i]] + 1;
    }
    const categories = p.frames.map(([name, file]) => categorize(name, file));
    const colors = p.frames.map(([name], i) => colorFor(categories[i], name));
    const values = new Map<string, Set<string>>();
    for (const set of p.labelSets) {
      for (const [k, v] of set) {
        let s = values.get(k);
        if (!s) values.set(k, (s = new Set()));
        s.add(v);
      }
    }
    // Labels such as timestamps or span ids have a value per sample: a menu of them helps no one.
    const labelValues = new Map<string, string[]>();
    for (const [k, s] of [...values].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (s.size <= MAX_LABEL_VALUES) labelValues.set(k, [...s].sort());
    }
    const result = { children, depth, colors, categories, labelValues };
    prepared.set(pi, result);
    return result;
  }

  // Totals of the current view (profile, sample type, label filter). On a differential
  // profile base* are BASE's values, already multiplied by the normalization factor.
  let self = new Float64Array(0);
  let total = new Float64Array(0);
  let baseSelf = new Float64Array(0);
  let baseTotal = new Float64Array(0);
  let matched = new Uint8Array(0);

  // Growth red, shrink blue-green, stronger the larger the change relative to the frame
  // (|NEW − BASE| / max(NEW, BASE)); the square root keeps a 5 % change visible.
  const SAME = 0.005;
  function changeOf(now: number, before: number): { kind: 'growth' | 'shrink' | 'same'; relative: number } {
    const most = Math.max(now, before);
    const relative = most > 0 ? Math.min(1, Math.abs(deltaOf(now, before)) / most) : 0;
    if (relative <= SAME) return { kind: 'same', relative: 0 };
    return { kind: now > before ? 'growth' : 'shrink', relative };
  }
  function diffColor(now: number, before: number): string {
    const { kind, relative } = changeOf(now, before);
    const s = Math.sqrt(relative);
    if (kind === 'growth') return `hsl(0, ${Math.round(50 + 40 * s)}%, ${Math.round(92 - 40 * s)}%)`;
    if (kind === 'shrink') return `hsl(185, ${Math.round(40 + 40 * s)}%, ${Math.round(90 - 40 * s)}%)`;
    return 'hsl(40, 6%, 86%)';
  }
  /** NEW − BASE, with the float noise of the scaling (1e-9 of the values) read as no change. */
  function deltaOf(now: number, before: number): number {
    const d = now - before;
    return Math.abs(d) <= 1e-9 * (Math.abs(now) + Math.abs(before)) ? 0 : d;
  }
  function signed(value: number, unit: string): string {
    return value === 0 ? lib.formatValue(0, unit) : `${value > 0 ? '+' : '-'}${lib.formatValue(Math.abs(value), unit)}`;
  }
  function relativeText(now: number, before: number): string {
    if (before <= 0) return now > 0 ? 'new in NEW' : 'unchanged';
    const r = (deltaOf(now, before) / before) * 100;
    if (Math.abs(r) < 0.05) return '0.0%';
    return `${r > 0 ? '+' : ''}${r.toFixed(1)}%`;
  }

  function compute(): void {
    const p = data.profiles[state.profile];
    const prep = prepare(state.profile);
    const n = p.parent.length;
    const k = p.sampleTypes.length;
    const stride = 2 + k * (p.diff ? 2 : 1);
    const scale = p.diff ? p.diff.scale[state.type] : 0;
    const setPasses = p.labelSets.map((set) => {
      for (const [k, v] of state.labels) if (!set.some(([sk, sv]) => sk === k && sv === v)) return false;
      return true;
    });
    self = new Float64Array(n);
    baseSelf = new Float64Array(n);
    for (let i = 0; i < p.samples.length; i += stride) {
      if (!setPasses[p.samples[i + 1]]) continue;
      self[p.samples[i]] += p.samples[i + 2 + state.type];
      if (p.diff) baseSelf[p.samples[i]] += p.samples[i + 2 + k + state.type] * scale;
    }
    total = Float64Array.from(self);
    baseTotal = Float64Array.from(baseSelf);
    for (let i = n - 1; i >= 1; i--) {
      total[p.parent[i]] += total[i];
      baseTotal[p.parent[i]] += baseTotal[i];
    }
    // Heaviest callee first, so the hot path reads from the left edge.
    for (const list of prep.children) {
      list.sort((a, b) => total[b] - total[a] || (p.frames[p.frame[a]][0] < p.frames[p.frame[b]][0] ? -1 : 1));
    }
    if (state.zoom >= n || total[state.zoom] <= 0) state.zoom = 0;
    computeSearch();
    if (p.diff) fillDiffPanels();
  }

  // The normalization sentence, and the call paths that only BASE has: they have no width in
  // a graph sized by NEW, so they are listed below it instead of silently vanishing.
  function fillDiffPanels(): void {
    const p = data.profiles[state.profile];
    const diff = p.diff!;
    const unit = p.sampleTypes[state.type].unit;
    diffNote.hidden = false;
    diffNote.textContent = `Differential view: ${p.name} (NEW) minus ${diff.baseName} (BASE). Width is NEW; red grew, blue-green shrank. Normalization: ${diff.normalization[state.type]}.`;
    diffNote.dataset.scale = String(diff.scale[state.type]);
    diffNote.dataset.normalization = diff.normalization[state.type];
    const gone: number[] = [];
    let goneSum = 0;
    for (let i = 1; i < p.parent.length; i++) {
      if (total[i] <= 0 && baseTotal[i] > 0 && (p.parent[i] === 0 || total[p.parent[i]] > 0)) {
        gone.push(i);
        goneSum += baseTotal[i];
      }
    }
    gone.sort((a, b) => baseTotal[b] - baseTotal[a]);
    const LIMIT = 30;
    baseOnlyList.replaceChildren(
      ...gone.slice(0, LIMIT).map((node) => {
        const li = document.createElement('li');
        const names: string[] = [];
        for (let a = node; a !== 0; a = p.parent[a]) names.push(frameLabel(a).name);
        li.textContent = `${signed(-baseTotal[node], unit)}  ${names.reverse().join(' → ')}`;
        li.dataset.node = String(node);
        li.dataset.name = frameLabel(node).name;
        li.dataset.base = String(baseTotal[node]);
        return li;
      }),
    );
    if (gone.length > LIMIT) {
      const more = document.createElement('li');
      more.textContent = `… and ${gone.length - LIMIT} more`;
      baseOnlyList.appendChild(more);
    }
    baseOnlyTotal.textContent = `(${gone.length} call path${gone.length === 1 ? '' : 's'}, ${signed(-goneSum, unit)} after normalization)`;
    baseOnlyBox.hidden = gone.length === 0;
  }

  function computeSearch(): void {
    const p = data.profiles[state.profile];
    const n = p.parent.length;
    matched = new Uint8Array(n);
    if (!state.search) {
      searchStatus.textContent = '';
      searchStatus.removeAttribute('data-percent');
      return;
    }
    const re = state.search;
    const frameHit = p.frames.map(([name, file]) => re.test(name) || (file !== '' && re.test(file)));
    // Count a matched subtree once even when a frame inside it matches again (recursion).
    const covered = new Uint8Array(n);
    let sum = 0;
    let baseSum = 0;
    for (let i = 1; i < n; i++) {
      const hit = frameHit[p.frame[i]];
      matched[i] = hit ? 1 : 0;
      if (hit && !covered[p.parent[i]]) {
        sum += total[i];
        baseSum += baseTotal[i];
      }
      covered[i] = hit || covered[p.parent[i]] ? 1 : 0;
    }
    const pct = total[0] > 0 ? (sum / total[0]) * 100 : 0;
    const unit = p.sampleTypes[state.type].unit;
    searchStatus.textContent = `matched ${lib.formatValue(sum, unit)} (${pct.toFixed(2)}%)` + (p.diff ? ` · change ${signed(deltaOf(sum, baseSum), unit)}` : '');
    searchStatus.setAttribute('data-percent', pct.toFixed(2));
    if (p.diff) searchStatus.setAttribute('data-delta', String(deltaOf(sum, baseSum)));
  }

  function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function percentOf(value: number, whole: number): string {
    return whole > 0 ? ((value / whole) * 100).toFixed(2) : '0.00';
  }

  function frameLabel(node: number): { name: string; file: string; line: number } {
    const p = data.profiles[state.profile];
    if (node === 0) return { name: 'all', file: '', line: 0 };
    const [name, file, line] = p.frames[p.frame[node]];
    return { name, file, line };
  }

  function render(): void {
    const p = data.profiles[state.profile];
    const prep = prepare(state.profile);
    const unit = p.sampleTypes[state.type].unit;
    const width = chart.clientWidth || 1000;
    const rootTotal = total[0];
    totalBox.textContent = p.diff
      ? `${p.sampleTypes[state.type].type} NEW: ${lib.formatValue(rootTotal, unit)} · BASE: ${lib.formatValue(baseTotal[0], unit)}` +
        `${p.diff.scale[state.type] !== 1 ? ' (normalized)' : ''} · change ${signed(deltaOf(rootTotal, baseTotal[0]), unit)}`
      : `${p.sampleTypes[state.type].type} total: ${lib.formatValue(rootTotal, unit)}`;
    totalBox.setAttribute('data-total', String(rootTotal));
    if (p.diff) totalBox.setAttribute('data-base-total', String(baseTotal[0]));
    totalBox.setAttribute('data-unit', unit);
    resetButton.disabled = state.zoom === 0;
    emptyNote.hidden = rootTotal > 0;

    // One HTML string and a single innerHTML write: several times faster than creating
    // thousands of elements one by one, which matters on every zoom and filter change.
    const parts: string[] = [];
    let maxDepth = 0;
    const place = (node: number, x: number, w: number, ancestor: boolean): void => {
      const name = frameLabel(node).name;
      const d = prep.depth[node];
      if (d > maxDepth) maxDepth = d;
      const labelled = w * width >= 28;
      // Padding only on labelled frames: on a 3px frame it would spill over its neighbours.
      const cls = 'frame' + (node === 0 ? ' root' : '') + (ancestor ? ' ancestor' : '') + (matched[node] ? ' match' : '') + (labelled ? ' labelled' : '');
      const color = p.diff ? `background:${diffColor(total[node], baseTotal[node])};` : node === 0 ? '' : `background:${prep.colors[p.frame[node]]};`;
      const diffAttrs = p.diff
        ? ` data-base="${baseTotal[node]}" data-delta="${deltaOf(total[node], baseTotal[node])}" data-change="${changeOf(total[node], baseTotal[node]).kind}"`
        : '';
      const safe = escapeHtml(name);
      parts.push(
        `<div class="${cls}" style="left:${x * 100}%;width:${w * 100}%;top:${d * ROW}px;${color}" data-node="${node}" data-name="${safe}"` +
          ` data-value="${total[node]}" data-percent="${percentOf(total[node], rootTotal)}"${diffAttrs}${matched[node] ? ' data-match="true"' : ''}>${labelled ? safe : ''}</div>`,
      );
    };

    // The zoomed frame's ancestors stay on top at full width so the user can climb back up.
    const path: number[] = [];
    for (let a = state.zoom; a !== -1; a = a === 0 ? -1 : p.parent[a]) path.push(a);
    for (let i = path.length - 1; i >= 1; i--) place(path[i], 0, 1, true);

    const base = total[state.zoom];
    if (base > 0) {
      const todo: Array<[number, number, number]> = [[state.zoom, 0, 1]];
      while (todo.length > 0) {
        const [node, x, w] = todo.pop()!;
        place(node, x, w, false);
        let cx = x;
        for (const c of prep.children[node]) {
          const cw = (total[c] / base);
          if (cw * width < 1) break; // sorted heaviest first: the rest are thinner still
          todo.push([c, cx, cw]);
          cx += cw;
        }
      }
    }
    chart.innerHTML = parts.join('');
    chart.style.height = `${(maxDepth + 1) * ROW}px`;
    chart.setAttribute('data-zoom', String(state.zoom));
  }

  function describe(el: HTMLElement): { name: string; where: string; parts: string[] } {
    const p = data.profiles[state.profile];
    const st = p.sampleTypes[state.type];
    const node = Number(el.dataset.node);
    const { name, file, line } = frameLabel(node);
    const where = file ? `${file}${line > 0 ? `:${line}` : ''}` : '';
    const value = total[node];
    if (p.diff) {
      const before = baseTotal[node];
      const parts = [
        `NEW: ${lib.formatValue(value, st.unit)} (${percentOf(value, total[0])}% of NEW)` +
          (state.zoom !== 0 ? `, ${percentOf(value, total[state.zoom])}% of zoomed` : ''),
        `BASE: ${lib.formatValue(before, st.unit)} (${percentOf(before, baseTotal[0])}% of BASE${p.diff.scale[state.type] !== 1 ? ', normalized' : ''})`,
        `change: ${signed(deltaOf(value, before), st.unit)} (${relativeText(value, before)})`,
        `self change: ${signed(deltaOf(self[node], baseSelf[node]), st.unit)} (NEW ${lib.formatValue(self[node], st.unit)}, BASE ${lib.formatValue(baseSelf[node], st.unit)})`,
      ];
      let goneBelow = 0;
      for (const c of prepare(state.profile).children[node]) if (total[c] <= 0) goneBelow += baseTotal[c];
      if (goneBelow > 0) parts.push(`callees only in BASE: ${signed(-goneBelow, st.unit)}`);
      return { name, where, parts };
    }
    const parts = [
      `${st.type}: ${lib.formatValue(value, st.unit)} (${percentOf(value, total[0])}% of total` +
        (state.zoom !== 0 ? `, ${percentOf(value, total[state.zoom])}% of zoomed` : '') + ')',
      `self: ${lib.formatValue(self[node], st.unit)} (${percentOf(self[node], total[0])}%)`,
    ];
    return { name, where, parts };
  }

  function showTooltip(el: HTMLElement, ev: MouseEvent): void {
    const info = describe(el);
    const title = document.createElement('div');
    title.className = 'tt-name';
    title.textContent = info.name;
    const rows: HTMLElement[] = [title];
    if (info.where) {
      const w = document.createElement('div');
      w.className = 'tt-where';
      w.textContent = info.where;
      rows.push(w);
    }
    for (const part of info.parts) {
      const r = document.createElement('div');
      r.textContent = part;
      rows.push(r);
    }
    tooltip.replaceChildren(...rows);
    tooltip.hidden = false;
    tooltip.dataset.name = info.name;
    tooltip.dataset.percent = el.dataset.percent ?? '';
    details.textContent = `${info.name}${info.where ? `  —  ${info.where}` : ''}  —  ${info.parts.join('  ·  ')}`;
    moveTooltip(ev);
  }

  function moveTooltip(ev: MouseEvent): void {
    const pad = 14;
    const r = tooltip.getBoundingClientRect();
    let x = ev.clientX + pad;
    let y = ev.clientY + pad;
    if (x + r.width > window.innerWidth - 4) x = Math.max(4, ev.clientX - r.width - pad);
    if (y + r.height > window.innerHeight - 4) y = Math.max(4, ev.clientY - r.height - pad);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  }

  const frameOf = (ev: Event): HTMLElement | null => (ev.target instanceof Element ? (ev.target.closest('.frame') as HTMLElement | null) : null);
  chart.addEventListener('mousemove', (ev) => {
    const el = frameOf(ev);
    if (!el) {
      tooltip.hidden = true;
      return;
    }
    if (tooltip.hidden || tooltip.dataset.node !== el.dataset.node) {
      showTooltip(el, ev);
      tooltip.dataset.node = el.dataset.node ?? '';
    } else moveTooltip(ev);
  });
  chart.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
    tooltip.dataset.node = '';
    details.textContent = hint;
  });
  chart.addEventListener('click', (ev) => {
    const el = frameOf(ev);
    if (!el) return;
    state.zoom = Number(el.dataset.node);
    tooltip.hidden = true;
    tooltip.dataset.node = '';
    render();
  });
  baseOnlyList.addEventListener('click', (ev) => {
    const li = ev.target instanceof Element ? (ev.target.closest('li[data-node]') as HTMLElement | null) : null;
    if (!li) return;
    state.zoom = data.profiles[state.profile].parent[Number(li.dataset.node)];
    render();
    chart.scrollIntoView({ block: 'start' });
  });
  resetButton.addEventListener('click', () => {
    state.zoom = 0;
    render();
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && document.activeElement !== searchInput) {
      state.zoom = 0;
      render();
    } else if (ev.key === '/' && document.activeElement !== searchInput) {
      ev.preventDefault();
      searchInput.focus();
    }
  });
  searchInput.addEventListener('input', () => {
    const text = searchInput.value.trim();
    if (text === '') state.search = null;
    else {
      // A regular expression when it is one, plain text otherwise: "foo|bar" and "a(b" both work.
      try {
        state.search = new RegExp(text, 'i');
      } catch {
        state.search = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
      }
    }
    computeSearch();
    render();
  });

  function fillTypeSelect(): void {
    const many = data.profiles.length > 1;
    typeSelect.replaceChildren(
      ...views.map((v, i) => {
        const t = data.profiles[v.profile].sampleTypes[v.type];
        const o = document.createElement('option');
        o.value = String(i);
        o.textContent = `${t.type} (${t.unit})${many ? ` — ${data.profiles[v.profile].name}` : ''}`;
        o.selected = v.profile === state.profile && v.type === state.type;
        return o;
      }),
    );
    byId<HTMLLabelElement>('sample-type-label').hidden = views.length < 2;
  }
  typeSelect.addEventListener('change', () => {
    const v = views[Number(typeSelect.value)];
    if (v.profile !== state.profile) {
      state.zoom = 0;
      state.labels.clear();
    }
    state.profile = v.profile;
    state.type = v.type;
    fillLabelFilters();
    compute();
    render();
  });

  function fillLabelFilters(): void {
    const prep = prepare(state.profile);
    const controls: HTMLElement[] = [];
    for (const [key, values] of prep.labelValues) {
      const label = document.createElement('label');
      label.className = 'label-filter';
      const select = document.createElement('select');
      select.dataset.labelKey = key;
      const any = document.createElement('option');
      any.value = '';
      any.textContent = 'any';
      select.appendChild(any);
      for (const v of values) {
        const o = document.createElement('option');
        o.value = v;
        o.textContent = v;
        o.selected = state.labels.get(key) === v;
        select.appendChild(o);
      }
      select.addEventListener('change', () => {
        if (select.value === '') state.labels.delete(key);
        else state.labels.set(key, select.value);
        compute();
        render();
      });
      label.append(`${key} `, select);
      controls.push(label);
    }
    if (controls.length > 0) {
      const title = document.createElement('span');
      title.className = 'label-title';
      title.textContent = 'Labels:';
      controls.unshift(title);
    }
    labelBox.replaceChildren(...controls);
    labelBox.hidden = controls.length === 0;
  }

  let resizePending = false;
  window.addEventListener('resize', () => {
    if (resizePending) return;
    resizePending = true;
    requestAnimationFrame(() => {
      resizePending = false;
      render();
    });
  });

  details.textContent = hint;
  document.title = `${data.title} — flame graph`;
  byId<HTMLHeadingElement>('title').textContent = data.title;
  fillTypeSelect();
  fillLabelFilters();
  compute();
  render();
  document.body.setAttribute('data-ready', 'true');
}
