// Errors the user can fix (bad file, bad flag) are a different kind of failure from bugs:
// the CLI prints their message as one line and exits 2, while anything else keeps its stack.

/** A problem with the user's input; its message is shown as-is after `wasmprof view: `. */
export class ViewInputError extends Error {
  override name = 'ViewInputError';
}
