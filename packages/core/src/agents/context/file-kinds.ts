// Which files are worth reading: binary formats are never read, generated files rank last.

// biome-ignore format: one category per line reads better than one extension per line
const binaryExtensions = new Set([
  // images
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'webp', 'avif', 'tif', 'tiff', 'psd', 'heic', 'xcf',
  // archives and packages
  'zip', 'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'tar', 'jar', 'war', 'ear', 'whl', 'egg', 'nupkg',
  'deb', 'rpm', 'apk', 'ipa', 'dmg', 'iso', 'crx', 'vsix',
  // fonts
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  // documents
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'epub',
  // compiled code and libraries
  'wasm', 'so', 'dylib', 'dll', 'exe', 'bin', 'o', 'a', 'obj', 'lib', 'class', 'pyc', 'pyo', 'pyd',
  'node', 'dex', 'elf',
  // media
  'mp3', 'mp4', 'm4a', 'wav', 'flac', 'ogg', 'oga', 'opus', 'webm', 'mov', 'avi', 'mkv', 'wmv',
  // data stores and other opaque files
  'sqlite', 'sqlite3', 'db', 'mdb', 'parquet', 'npy', 'npz', 'pkl', 'pickle', 'onnx', 'pt', 'pth',
  'safetensors', 'h5', 'tflite', 'lockb', 'blend', 'fbx', 'glb',
]);

/** True for paths whose extension names a well-known binary format (images, archives, fonts, ...). */
export function isBinaryPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 && binaryExtensions.has(name.slice(dot + 1).toLowerCase());
}

/** True when the text has a NUL character in its first 8,000 characters, as git decides "binary". */
export function looksBinary(content: string): boolean {
  return content.slice(0, 8_000).includes('\0');
}

const lockfileNames = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'deno.lock',
  'Cargo.lock',
  'Gemfile.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'pdm.lock',
  'composer.lock',
  'go.sum',
  'mix.lock',
  'pubspec.lock',
  'Podfile.lock',
  'flake.lock',
  'packages.lock.json',
  'gradle.lockfile',
  'Package.resolved',
]);

/**
 * True for generated files that are rarely worth reading: lockfiles, minified bundles and
 * source maps. They rank below every other file unless the conversation names them.
 */
export function isLowPriorityPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return lockfileNames.has(name) || /\.min\.(?:js|mjs|css)$/.test(name) || /\.(?:js|css)\.map$/.test(name);
}
