// Plain words for the file-system errors a profile writer meets on a full, read-only or missing
// disk, shared by everything that writes profiles.

const WHY: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'the directory does not exist',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'a directory is in the way',
  EMFILE: 'too many open files',
  EIO: 'I/O error',
};

/** The plain-words reason for an fs error code, or undefined for codes without one. */
export function fsErrorWords(code: string | undefined): string | undefined {
  return code === undefined ? undefined : WHY[code];
}
