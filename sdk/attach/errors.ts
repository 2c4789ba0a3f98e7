// The two ways an attach ends early. A refusal comes before anything was changed in the target
// (or after it was undone) and names the reason in one line: the CLI exits 2. A failure happens
// after the target's inspector was opened (the target exited, a protocol command failed): exit 1.

/** The target cannot (or must not) be attached to; the target was left as it was. */
export class AttachRefused extends Error {
  override readonly name = 'AttachRefused';
}

/** Attaching started and could not finish. */
export class AttachFailed extends Error {
  override readonly name = 'AttachFailed';
}
