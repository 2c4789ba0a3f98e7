// `wasmprof view <profile>`: a top table in the terminal, or a flame graph page with --html.
// Every mistake the user can make (bad path, not a profile, bad flag) ends as one line on
// stderr and exit code 2; a stack trace would only hide the message.
import { readEnv } from '../config/env.js';
import { parseArgs } from 'node:util';
import { diffProfiles, resolveDiffSampleType } from '../view/diff.js';
import { computeDiffTop, formatDiffTop } from '../view/diff-top.js';
import { ViewInputError } from '../view/errors.js';
import { compileFocus, focusProfile } from '../view/focus.js';
import { renderDiffFlameGraphHtml, renderFlameGraphHtml, writeHtmlFile } from '../view/html/write-flame-graph.js';
import type { ProfileModel } from '../view/model.js';
import { parseNormalizeChoice, type NormalizeChoice } from '../view/normalize.js';
import { readProfileFile } from '../view/read-profile.js';
import { resolveSampleType } from '../view/sample-type.js';
import { computeTop, formatTop } from '../view/top-table.js';
import { messageOf } from '../runtime/report.js';

const DEFAULT_TOP = 20;

/** Where the command writes; tests pass their own to run it in-process. */
export interface ViewOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}
const processOutput: ViewOutput = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

const USAGE = `usage: wasmprof view <profile> [<profile>...] [options]

Shows a pprof profile (gzipped or not) or a V8 .cpuprofile.

options:
  --top N               print the N heaviest functions (default ${DEFAULT_TOP}; the default without --html)
  --html FILE           write an interactive flame graph to FILE (one self-contained page;
                        several profiles become choices in its sample-type switcher)
  --sample-type NAME    sample type to show: wall, cpu, inuse_space, ... or type/unit
                        (default: the profile's default sample type, else its last one)
  --focus REGEX         keep only samples with a frame whose function or file matches REGEX
  --diff-base BASE      show <profile> minus BASE, per function (--top) and per call path
                        (--html: width = <profile>, red = grew, blue-green = shrank)
  --normalize MODE      with --diff-base: auto (default: scale BASE to the profile's total
                        unless both cover the same duration), total, or none
  -h, --help            show this help
`;

interface ViewOptions {
  paths: string[];
  html?: string;
  top?: number;
  sampleType?: string;
  focus?: RegExp;
  focusSource?: string;
  diffBase?: string;
  normalize?: NormalizeChoice;
}

function parseOptions(argv: string[]): ViewOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        html: { type: 'string' },
        top: { type: 'string' },
        'sample-type': { type: 'string' },
        focus: { type: 'string' },
        'diff-base': { type: 'string' },
        normalize: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // parseArgs adds paragraphs of advice; keep its first sentence, plus the one hint that matters.
    const message = messageOf(err).split(/\.\s/)[0].replace(/\.$/, '');
    const option = /'(--?[\w-]+)/.exec(message)?.[1] ?? '';
    if (/ambiguous/.test(message)) throw new ViewInputError(`${message} (write ${option}=VALUE for a value that starts with "-")`);
    throw new ViewInputError(message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length === 0) throw new ViewInputError('missing profile file (usage: wasmprof view <profile> [--diff-base BASE] [--html out.html] [--top N])');
  const options: ViewOptions = { paths: positionals };
  if (values.html !== undefined) {
    if (values.html === '') throw new ViewInputError('bad --html value: expected a file name');
    options.html = values.html;
  }
  if (values.top !== undefined) {
    const n = /^\d+$/.test(values.top) ? Number(values.top) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new ViewInputError(`bad --top value "${values.top}": expected a whole number of at least 1`);
    options.top = n;
  }
  if (values['sample-type'] !== undefined) {
    if (values['sample-type'] === '') throw new ViewInputError('bad --sample-type value: expected a sample type name');
    options.sampleType = values['sample-type'];
  }
  if (values.focus !== undefined) {
    options.focus = compileFocus(values.focus);
    options.focusSource = values.focus;
  }
  if (values['diff-base'] !== undefined) {
    if (values['diff-base'] === '') throw new ViewInputError('bad --diff-base value: expected a profile file');
    if (positionals.length > 1) throw new ViewInputError(`--diff-base compares one profile with its base; got ${positionals.length} profiles`);
    options.diffBase = values['diff-base'];
  }
  if (values.normalize !== undefined) {
    if (options.diffBase === undefined) throw new ViewInputError('--normalize only applies with --diff-base');
    options.normalize = parseNormalizeChoice(values.normalize);
  }
  if (options.html === undefined && positionals.length > 1) {
    throw new ViewInputError('the top table shows one profile at a time; pass several profiles only with --html');
  }
  return options;
}

async function run(argv: string[], out: ViewOutput): Promise<number> {
  const options = parseOptions(argv);
  if (options === 'help') {
    out.stdout(USAGE);
    return 0;
  }
  let models: ProfileModel[] = [];
  for (const path of options.paths) models.push(await readProfileFile(path));
  if (options.diffBase !== undefined) models.push(await readProfileFile(options.diffBase));
  if (options.focus) {
    const pattern = options.focus;
    models = models.map((m) => focusProfile(m, pattern));
  }
  if (options.diffBase !== undefined) return runDiff(options, models[0], models[1], out);
  // The requested sample type must exist in the first profile; it picks what the page opens on.
  const sampleType = resolveSampleType(models[0], options.sampleType);

  if (options.html !== undefined) {
    await writeHtmlFile(options.html, renderFlameGraphHtml(models, { initial: { profile: 0, sampleType } }));
    out.stdout(`wrote flame graph to ${options.html}\n`);
  }
  if (options.html === undefined || options.top !== undefined) {
    const model = models[0];
    const table = computeTop(model, sampleType);
    out.stdout(formatTop(model, sampleType, table, { title: options.paths[0], limit: options.top ?? DEFAULT_TOP, focus: options.focusSource }));
  }
  return 0;
}

async function runDiff(options: ViewOptions, newModel: ProfileModel, baseModel: ProfileModel, out: ViewOutput): Promise<number> {
  const diff = diffProfiles(newModel, baseModel, options.normalize);
  const sampleType = resolveDiffSampleType(diff, newModel, baseModel, options.sampleType);
  if (options.html !== undefined) {
    await writeHtmlFile(options.html, renderDiffFlameGraphHtml(diff, sampleType));
    out.stdout(`wrote differential flame graph to ${options.html} (normalization: ${diff.normalization[sampleType].statement})\n`);
  }
  if (options.html === undefined || options.top !== undefined) {
    const table = computeDiffTop(diff, sampleType);
    out.stdout(formatDiffTop(diff, sampleType, table, { limit: options.top ?? DEFAULT_TOP, focus: options.focusSource }));
  }
  return 0;
}

export async function view(argv: string[], out: ViewOutput = processOutput): Promise<number> {
  try {
    return await run(argv, out);
  } catch (err) {
    if (err instanceof ViewInputError) {
      out.stderr(`wasmprof view: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return 2;
    }
    // A bug, not bad input: still one line by default, the stack on request.
    const message = messageOf(err);
    out.stderr(`wasmprof view: internal error: ${message.replace(/\s*\n\s*/g, ' ')}${readEnv('WASMPROF_DEBUG') ? `\n${(err as Error).stack}` : ' (set WASMPROF_DEBUG=1 for details)'}\n`);
    return 1;
  }
}
