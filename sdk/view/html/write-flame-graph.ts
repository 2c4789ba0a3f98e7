// The entry points that produce the HTML file, for the CLI and for other code (`wasmprof
// record` ends by calling writeFlameGraphHtml with the profiles it just wrote).
import { writeFile } from 'node:fs/promises';
import type { DiffModel } from '../diff.js';
import { ViewInputError } from '../errors.js';
import type { ProfileModel } from '../model.js';
import { parseProfile } from '../read-profile.js';
import { renderPage } from './page.js';
import { toViewerDiffProfile, toViewerProfile } from './viewer-data.js';
import { messageOf } from '../../runtime/report.js';

export interface FlameGraphOptions {
  /** Page title; defaults to the profile names joined with " + ". */
  title?: string;
  /** Which profile and sample type the page opens on; defaults to the first profile's default type. */
  initial?: { profile: number; sampleType: number };
}

/** The HTML page for already loaded profiles. */
export function renderFlameGraphHtml(models: ProfileModel[], options: FlameGraphOptions = {}): string {
  if (models.length === 0) throw new ViewInputError('no profiles to show');
  const initial = options.initial ?? { profile: 0, sampleType: models[0].defaultSampleType };
  return renderPage({
    title: options.title ?? models.map((m) => m.name).join(' + '),
    profiles: models.map(toViewerProfile),
    initial,
  });
}

/**
 * The differential page of `--diff-base`: widths are NEW's values, colours the change from
 * BASE (scaled as `diff.normalization` says). `sampleType` indexes `diff.sampleTypes`.
 */
export function renderDiffFlameGraphHtml(diff: DiffModel, sampleType: number, options: { title?: string } = {}): string {
  return renderPage({
    title: options.title ?? `${diff.newName} vs base ${diff.baseName}`,
    profiles: [toViewerDiffProfile(diff, sampleType)],
    initial: { profile: 0, sampleType },
  });
}

/**
 * Writes one self-contained flame graph page for several profiles (for example `wall.pb.gz` and
 * `heap.pb.gz` of the same run); every sample type of every profile is offered in the page's
 * switcher. Each entry's bytes may be pprof (gzipped or not) or a V8 .cpuprofile.
 * Rejects with a ViewInputError when a profile cannot be read or the file cannot be written.
 */
export async function writeFlameGraphHtml(
  profiles: Array<{ name: string; bytes: Uint8Array }>,
  outFile: string,
  options: FlameGraphOptions = {},
): Promise<void> {
  const models = profiles.map((p) => parseProfile(p.bytes, p.name));
  await writeHtmlFile(outFile, renderFlameGraphHtml(models, options));
}

export async function writeHtmlFile(outFile: string, html: string): Promise<void> {
  try {
    await writeFile(outFile, html);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its directory does not exist' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : messageOf(err);
    throw new ViewInputError(`cannot write ${outFile}: ${why}`);
  }
}
