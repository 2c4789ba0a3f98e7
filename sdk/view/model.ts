// One in-memory shape for every profile format the viewer reads, so that the top table and the
// flame graph never need to know whether the bytes were pprof or a V8 .cpuprofile.
//
// Stacks are stored as a call tree (a trie of frames, root first) rather than as arrays per
// sample: profiles repeat the same stack prefixes over and over, the trie is exactly the shape a
// flame graph draws, and it keeps the JSON embedded in the HTML small.

/** A function as the viewer shows it. Two frames with the same name and file are one function. */
export interface Frame {
  name: string;
  file: string;
  /** 1-based line where the function starts (or the first line seen for it); 0 when unknown. */
  line: number;
}

export interface SampleType {
  type: string;
  unit: string;
}

/** Values of every sample that ended on the same call-tree node with the same labels. */
export interface Sample {
  /** Index into {@link CallTree}; the node's frame is the leaf (the function that was running). */
  node: number;
  /** Index into {@link ProfileModel.labelSets}. */
  labels: number;
  /** One value per sample type. */
  values: number[];
}

/** Node 0 is the synthetic root (frame -1). A node's parent always has a smaller index. */
export interface CallTree {
  parent: number[];
  frame: number[];
}

export interface ProfileModel {
  /** Shown in the viewer's switcher, usually the file name. */
  name: string;
  format: 'pprof' | 'cpuprofile';
  sampleTypes: SampleType[];
  /** Index into sampleTypes used when the user does not choose one. */
  defaultSampleType: number;
  /** How long the profile covers, in nanoseconds; 0 when the file does not say. */
  durationNanos: number;
  frames: Frame[];
  tree: CallTree;
  /** Each label set is a sorted list of [key, value]; index 0 is always the empty set. */
  labelSets: Array<Array<[string, string]>>;
  samples: Sample[];
}

/**
 * Interns frames, call-tree nodes and label sets while a loader walks its input, and merges
 * samples that share node and labels (their values add up, nothing is lost).
 */
export class ProfileBuilder {
  private readonly frames: Frame[] = [];
  private readonly frameIndex = new Map<string, number>();
  private readonly tree: CallTree = { parent: [-1], frame: [-1] };
  private readonly childIndex = new Map<string, number>();
  private readonly labelSets: Array<Array<[string, string]>> = [[]];
  private readonly labelSetIndex = new Map<string, number>([['[]', 0]]);
  private readonly samples: Sample[] = [];
  private readonly sampleIndex = new Map<string, number>();

  constructor(private readonly sampleTypeCount: number) {}

  frame(name: string, file: string, line: number): number {
    const key = `${name}\0${file}`;
    const known = this.frameIndex.get(key);
    if (known !== undefined) {
      const frame = this.frames[known];
      if (frame.line === 0 && line > 0) frame.line = line;
      return known;
    }
    this.frames.push({ name, file, line: line > 0 ? line : 0 });
    this.frameIndex.set(key, this.frames.length - 1);
    return this.frames.length - 1;
  }

  /** The node for `frame` called from `parent` (0 for the root), created on first use. */
  child(parent: number, frame: number): number {
    const key = `${parent}:${frame}`;
    const known = this.childIndex.get(key);
    if (known !== undefined) return known;
    this.tree.parent.push(parent);
    this.tree.frame.push(frame);
    const node = this.tree.parent.length - 1;
    this.childIndex.set(key, node);
    return node;
  }

  /** Node for a stack given leaf first, as pprof and V8 both list it. */
  stack(framesLeafFirst: number[]): number {
    let node = 0;
    for (let i = framesLeafFirst.length - 1; i >= 0; i--) node = this.child(node, framesLeafFirst[i]);
    return node;
  }

  labelSet(labels: Array<[string, string]>): number {
    if (labels.length === 0) return 0;
    const sorted = [...labels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const key = JSON.stringify(sorted);
    const known = this.labelSetIndex.get(key);
    if (known !== undefined) return known;
    this.labelSets.push(sorted);
    this.labelSetIndex.set(key, this.labelSets.length - 1);
    return this.labelSets.length - 1;
  }

  add(node: number, labels: number, values: number[]): void {
    const key = `${node}:${labels}`;
    const known = this.sampleIndex.get(key);
    if (known !== undefined) {
      const sum = this.samples[known].values;
      for (let i = 0; i < this.sampleTypeCount; i++) sum[i] += values[i] ?? 0;
      return;
    }
    const own = new Array<number>(this.sampleTypeCount);
    for (let i = 0; i < this.sampleTypeCount; i++) own[i] = values[i] ?? 0;
    this.samples.push({ node, labels, values: own });
    this.sampleIndex.set(key, this.samples.length - 1);
  }

  build(name: string, format: ProfileModel['format'], sampleTypes: SampleType[], defaultSampleType: number, durationNanos = 0): ProfileModel {
    return {
      name,
      format,
      sampleTypes,
      defaultSampleType,
      durationNanos: Number.isFinite(durationNanos) && durationNanos > 0 ? durationNanos : 0,
      frames: this.frames,
      tree: this.tree,
      labelSets: this.labelSets,
      samples: this.samples,
    };
  }
}
