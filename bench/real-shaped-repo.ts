// Real-shaped repositories for the run benchmarks (issue 15): history, tags, branches, packs and
// an uneven size mix, built only from material the machine has, so that the benches measure what a
// user's repository costs rather than the one-commit fixture of run-fixture.ts. Not a benchmark
// itself (bench/run.ts only runs `*.bench.ts`); `node bench/real-shaped-repo.ts --size 3k` builds
// (or finds) one and prints its path.
//
// Material, read in a fixed order:
// - the installed `node_modules` of this checkout (about 30k files: sources, maps, type
//   declarations, docs, a few wasm and native binaries, files from a few bytes to 9 MB), each
//   package becoming a directory `packages/<name>/` (nested `node_modules/` renamed `deps/`);
// - the package tarballs in npm's cache (`~/.npm/_cacache`, read directly, no registry call),
//   unpacked under `vendor/<name>/`; where the cache holds several versions of a package they are
//   committed one after the other ("release after release"), each tagged `<name>@<version>`.
//
// History: the packages arrive one commit each (tagged), interleaved with many small commits that
// edit a line or two in one to four text files already present (the commits of daily work), an
// annotated release tag every 50 commits, a few release branches and feature branches that leave
// main. The last commit adds the file the benches' instruction edits (run-fixture.ts's
// `targetFile`). Written with `git fast-import` (thousands of commits in seconds), then
// `git gc` (objects in one delta-compressed pack and packed refs, as in a fresh clone) and a
// checkout of main (the source is a CI checkout: a working tree).
//
// Repositories are cached under GOOSUKE_BENCH_CACHE (default ~/.cache/goosuke-bench), keyed by
// the size, the commit count and the generator's version, so reruns reuse them. The file count is
// reached by taking whole packages in a seeded order until it is; the last commit's tree has
// about that many files (a little more: the last package is taken whole).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createSeededRandom } from '@goosuke/core/testing';

/** Bumped whenever the generated repositories change, so that cached ones are rebuilt. */
const generatorVersion = 2;

/** The sizes the benches know, by name: files in the last commit, commits of history. */
export const realShapedSizes = {
  '3k': { files: 3_000, commits: 2_000 },
  '20k': { files: 20_000, commits: 4_000 },
  '50k': { files: 50_000, commits: 5_000 },
} as const;

/** A size name of {@link realShapedSizes}. */
export type RealShapedSize = keyof typeof realShapedSizes;

/** What {@link ensureRealShapedRepository} built or found. */
export interface RealShapedRepository {
  /** The repository (a working tree on `main`, objects packed). */
  path: string;
  size: RealShapedSize;
  files: number;
  commits: number;
  refs: number;
  packBytes: number;
  /** True when it was built now, false when taken from the cache. */
  built: boolean;
  buildMs: number;
}

interface MaterialFile {
  path: string;
  mode: '100644' | '100755';
  read: () => Buffer;
}

interface MaterialPackage {
  name: string;
  version: string;
  /** Where it goes in the repository. */
  root: string;
  files: MaterialFile[];
  /** Later versions of the same package (tarballs), committed over it in order. */
  releases: MaterialPackage[];
}

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Reads `size` (`3k`, `20k`, `50k`) or throws, naming the sizes there are. */
export function parseRealShapedSize(value: string): RealShapedSize {
  if (value in realShapedSizes) return value as RealShapedSize;
  throw new Error(`unknown size ${value}; one of ${Object.keys(realShapedSizes).join(', ')}`);
}

/**
 * The sizes asked for by GOOSUKE_BENCH_REAL_SHAPED (comma-separated, e.g. `3k,20k`); `3k` when
 * unset, none for `none` or `0`.
 */
export function realShapedSizesFromEnvironment(env: NodeJS.ProcessEnv = process.env): RealShapedSize[] {
  const value = env.GOOSUKE_BENCH_REAL_SHAPED?.trim() ?? '3k';
  if (value === '' || value === 'none' || value === '0') return [];
  return value.split(',').map((entry) => parseRealShapedSize(entry.trim()));
}

/** False when GOOSUKE_BENCH_FIXTURE is `0` (`node bench/run.ts real-shaped` measures only those). */
export function fixtureFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GOOSUKE_BENCH_FIXTURE !== '0';
}

/** `load average 1.23 / 2.34 / 3.45` (1, 5, 15 minutes), to print with every figure. */
export function loadAverage(): string {
  return `load ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ')}`;
}

/** The packages of `node_modules`, in path order, each with its files (nested packages included). */
function nodeModulesPackages(directory: string): MaterialPackage[] {
  const packages: MaterialPackage[] = [];
  const walk = (dir: string, relative: string, into: MaterialFile[]) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const absolute = join(dir, entry.name);
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory())
        walk(
          absolute,
          path === 'node_modules' ? 'deps' : path.replace(/(^|\/)node_modules(\/|$)/g, '$1deps$2'),
          into,
        );
      else if (entry.isFile()) {
        const executable = (lstatSync(absolute).mode & 0o111) !== 0;
        into.push({ path, mode: executable ? '100755' : '100644', read: () => readFileSync(absolute) });
      }
    }
  };
  const add = (dir: string, name: string) => {
    const files: MaterialFile[] = [];
    walk(dir, '', files);
    let version = '0.0.0';
    try {
      version = String(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version ?? version);
    } catch {
      // Not every directory has a manifest; the version only names a tag.
    }
    if (files.length > 0) packages.push({ name, version, root: `packages/${name}`, files, releases: [] });
  };
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    // Symbolic links are the workspace's own packages; `.bin` holds links; `.cache` is tools' state.
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(join(directory, entry.name), { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        if (scoped.isDirectory())
          add(join(directory, entry.name, scoped.name), `${entry.name}/${scoped.name}`);
      }
    } else add(join(directory, entry.name), entry.name);
  }
  return packages;
}

/** The files of a `.tgz` (ustar, with pax and GNU long names), without their first path segment (`package/`). */
function untar(gzipped: Buffer): MaterialFile[] {
  const data = gunzipSync(gzipped);
  const files: MaterialFile[] = [];
  let offset = 0;
  let longName: string | null = null;
  const text = (start: number, length: number) => {
    const slice = data.subarray(start, start + length);
    const end = slice.indexOf(0);
    return slice.subarray(0, end === -1 ? length : end).toString('utf8');
  };
  while (offset + 512 <= data.length) {
    const name = text(offset, 100);
    if (name === '') break;
    const size = Number.parseInt(text(offset + 124, 12).trim() || '0', 8);
    const mode = Number.parseInt(text(offset + 100, 8).trim() || '644', 8);
    const type = String.fromCharCode(data[offset + 156]!);
    const prefix = text(offset + 345, 155);
    const body = offset + 512;
    if (type === 'x' || type === 'L') {
      const content = data.subarray(body, body + size).toString('utf8');
      longName =
        type === 'L'
          ? content.replace(/\0+$/, '')
          : (/(?:^|\n)\d+ path=([^\n]*)\n/.exec(content)?.[1] ?? null);
    } else if (type === '0' || type === '\0') {
      const full = longName ?? (prefix === '' ? name : `${prefix}/${name}`);
      longName = null;
      // `package/./dist/x.js` occurs; git refuses `.` and `..` segments in a tree.
      const segments = full.split('/').filter((segment) => segment !== '' && segment !== '.');
      const path = segments.includes('..') ? '' : segments.slice(1).join('/');
      const content = data.subarray(body, body + size);
      if (path !== '' && !path.includes('\n') && !path.startsWith('"')) {
        files.push({ path, mode: (mode & 0o111) !== 0 ? '100755' : '100644', read: () => content });
      }
    } else longName = null;
    offset = body + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Compares versions numerically part by part (enough to order releases; not full semver). */
function compareVersions(left: string, right: string): number {
  const a = left.split(/[.-]/);
  const b = right.split(/[.-]/);
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const x = Number(a[index] ?? -1);
    const y = Number(b[index] ?? -1);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      const order = (a[index] ?? '').localeCompare(b[index] ?? '');
      if (order !== 0) return order;
    } else if (x !== y) return x - y;
  }
  return 0;
}

/** The tarballs of npm's cache, one package per name with its cached versions as releases, by name. */
function npmCachePackages(cache: string): MaterialPackage[] {
  const index = join(cache, 'index-v5');
  if (!existsSync(index)) return [];
  const tarballs = new Map<string, Map<string, string>>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const absolute = join(dir, entry.name);
      if (entry.isDirectory()) walk(absolute);
      else if (entry.isFile()) {
        for (const line of readFileSync(absolute, 'utf8').split('\n')) {
          const json = line.slice(line.indexOf('\t') + 1);
          const match =
            /"key":"make-fetch-happen:request-cache:https:\/\/registry\.npmjs\.org\/(.+?)\/-\/[^/"]+-(\d[^/"]*)\.tgz","integrity":"(sha512-[^"]+)"/.exec(
              json,
            );
          if (match === null) continue;
          const [, name, version, integrity] = match as unknown as [string, string, string, string];
          const hex = Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex');
          const content = join(cache, 'content-v2', 'sha512', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
          if (!existsSync(content)) continue;
          const versions = tarballs.get(decodeURIComponent(name)) ?? new Map<string, string>();
          versions.set(version, content);
          tarballs.set(decodeURIComponent(name), versions);
        }
      }
    }
  };
  walk(index);
  const packages: MaterialPackage[] = [];
  for (const name of [...tarballs.keys()].sort()) {
    const versions = [...tarballs.get(name)!.entries()].sort(([a], [b]) => compareVersions(a, b));
    const releases = versions.map(([version, content]): MaterialPackage => {
      let files: MaterialFile[] | null = null;
      // Unpacked when committed, not all at once (the cache holds hundreds of megabytes).
      const lazy: MaterialPackage = {
        name,
        version,
        root: `vendor/${name}`,
        get files() {
          files ??= untar(readFileSync(content));
          return files;
        },
        releases: [],
      };
      return lazy;
    });
    const [first, ...later] = releases;
    first!.releases = later;
    packages.push(first!);
  }
  return packages;
}

/** A ref name git accepts, from a package name and version. */
function tagName(name: string, version: string): string {
  return `${name}@${version}`
    .replace(/[^A-Za-z0-9@/._+-]/g, '-')
    .replace(/\.\.+/g, '.')
    .replace(/\/\./g, '/-');
}

/** Writes to a stream, waiting when its buffer is full (the pack is hundreds of megabytes). */
function writer(stream: NodeJS.WritableStream) {
  return async (chunk: string | Buffer) => {
    if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
  };
}

const textExtensions = /\.(js|mjs|cjs|ts|mts|cts|md|json|txt|yml|yaml|css|html)$/;

/** Builds the repository at `target` (which must not exist) by streaming into `git fast-import`. */
async function generate(target: string, size: RealShapedSize): Promise<void> {
  const { files: fileTarget, commits: commitTarget } = realShapedSizes[size];
  const random = createSeededRandom(15);
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  const git = (args: string[]) => {
    const result = spawnSync('git', args, { cwd: target, env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} exited ${result.status}`);
  };
  mkdirSync(target, { recursive: true });
  git(['init', '-q', '-b', 'main']);

  // Whole packages in a seeded order until the file count is reached; packages with several
  // cached releases first (they are the release history), then the others shuffled.
  const cached = npmCachePackages(join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_cacache'));
  const installed = nodeModulesPackages(join(repositoryRoot, 'node_modules'));
  const withReleases = cached.filter((pkg) => pkg.releases.length > 0);
  const others = [...installed, ...cached.filter((pkg) => pkg.releases.length === 0)];
  for (let index = others.length - 1; index > 0; index--) {
    const swap = Math.floor(random() * (index + 1));
    [others[index], others[swap]] = [others[swap]!, others[index]!];
  }
  const chosen: MaterialPackage[] = [];
  const roots = new Set<string>();
  let fileCount = 0;
  const take = (pkg: MaterialPackage) => {
    roots.add(pkg.root);
    chosen.push(pkg);
    fileCount += pkg.files.length;
  };
  // Small packages with cached releases up to 40 % of the files (the release history), then
  // the others, none over a quarter of the files, none taking the count 5 % past the target.
  for (const pkg of withReleases) {
    if (pkg.files.length <= fileTarget * 0.08 && fileCount + pkg.files.length <= fileTarget * 0.4) take(pkg);
  }
  for (const pkg of others) {
    if (fileCount >= fileTarget * 0.97) break;
    // The same package from node_modules and the cache goes in twice, at two roots; a name seen
    // twice at one root (two cached versions of a nested dependency) once.
    if (roots.has(pkg.root)) continue;
    if (pkg.files.length > fileTarget * 0.25 || fileCount + pkg.files.length > fileTarget * 1.05) continue;
    take(pkg);
  }

  // The events of history, in order: each package's arrival, then its later releases at seeded
  // places further on; small commits fill the rest up to the commit count.
  type Event = { kind: 'add'; pkg: MaterialPackage } | { kind: 'release'; pkg: MaterialPackage };
  const arrivals: Event[] = chosen.map((pkg) => ({ kind: 'add', pkg }));
  const events: Array<Event | null> = [];
  const small = Math.max(
    0,
    commitTarget - arrivals.length - chosen.reduce((sum, pkg) => sum + pkg.releases.length, 0) - 1,
  );
  const gap = small / Math.max(1, arrivals.length);
  let debt = 0;
  for (const arrival of arrivals) {
    events.push(arrival);
    debt += gap;
    while (debt >= 1) {
      events.push(null);
      debt--;
    }
  }
  for (const pkg of chosen) {
    let after = events.findIndex((event) => event?.kind === 'add' && event.pkg === pkg);
    for (const release of pkg.releases) {
      after += 1 + Math.floor(random() * Math.max(1, (events.length - after) / 2));
      events.splice(after, 0, { kind: 'release', pkg: release });
    }
  }

  const child = spawn('git', ['fast-import', '--quiet', '--done'], {
    cwd: target,
    env,
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}`)),
    );
  });
  const write = writer(child.stdin);
  let mark = 0;
  let time = 1_704_067_200; // 2024-01-01, then about an hour per commit
  const authors = [
    'Ada Lovelace <ada@example.test>',
    'Grace Hopper <grace@example.test>',
    'Linus Bench <linus@example.test>',
    'Margaret Hamilton <margaret@example.test>',
  ];
  /** Texts small commits may edit: up to 600 text files under 64 KB, held here as edited. */
  const editable = new Map<string, { mode: string; text: string }>();
  const commit = async (branch: string, message: string, body: () => Promise<void>, from?: number) => {
    mark++;
    time += 600 + Math.floor(random() * 6_000);
    const author = authors[Math.floor(random() * authors.length)]!;
    const header = `commit refs/heads/${branch}\nmark :${mark}\nauthor ${author} ${time} +0000\ncommitter ${author} ${time} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n`;
    await write(from === undefined ? header : `${header}from :${from}\n`);
    await body();
    await write('\n');
    return mark;
  };
  const put = async (path: string, mode: string, content: Buffer) => {
    await write(`M ${mode} inline ${path}\ndata ${content.length}\n`);
    await write(content);
    await write('\n');
  };
  const putPackage = async (pkg: MaterialPackage) => {
    for (const file of pkg.files) {
      const path = `${pkg.root}/${file.path}`;
      const content = file.read();
      await put(path, file.mode, content);
      if (editable.has(path)) editable.set(path, { mode: file.mode, text: content.toString('utf8') });
      else if (
        editable.size < 600 &&
        content.length < 65_536 &&
        textExtensions.test(path) &&
        random() < 0.1
      ) {
        editable.set(path, { mode: file.mode, text: content.toString('utf8') });
      }
    }
  };

  await commit('main', 'Initial commit\n', async () => {
    await put(
      'README.md',
      '100644',
      Buffer.from('# real-shaped\n\nA repository generated by bench/real-shaped-repo.ts.\n'),
    );
  });
  let commits = 1;
  let tags = 0;
  let branches = 0;
  let main = mark;
  for (const event of events) {
    if (event === null) {
      const paths = [...editable.keys()];
      if (paths.length === 0) continue;
      const count = 1 + Math.floor(random() ** 2 * 4);
      main = await commit('main', `Small change ${commits}\n`, async () => {
        for (let index = 0; index < count; index++) {
          const path = paths[Math.floor(random() * paths.length)]!;
          const file = editable.get(path)!;
          const lines = file.text.split('\n');
          const at = Math.floor(random() * lines.length);
          const note = path.endsWith('.json') ? '' : `// change ${commits}.${index}`;
          if (note === '' || random() < 0.5) lines.splice(at, 0, note === '' ? ' ' : note);
          else lines[at] = `${lines[at]} ${note}`;
          file.text = lines.join('\n');
          await put(path, file.mode, Buffer.from(file.text));
        }
      });
    } else {
      const { pkg } = event;
      main = await commit(
        'main',
        `${event.kind === 'add' ? 'Add' : 'Release'} ${pkg.name}@${pkg.version}\n`,
        async () => {
          if (event.kind === 'release') {
            await write(`D ${pkg.root}\n`);
            for (const path of [...editable.keys()])
              if (path.startsWith(`${pkg.root}/`)) editable.delete(path);
          }
          await putPackage(pkg);
        },
      );
      await write(`reset refs/tags/${tagName(pkg.name, pkg.version)}\nfrom :${main}\n\n`);
      tags++;
    }
    commits++;
    if (commits % 10 === 0 && commits % 50 !== 0) {
      await write(`reset refs/tags/v${Math.floor(commits / 50)}.${(commits % 50) / 10}.0\nfrom :${main}\n\n`);
      tags++;
    }
    if (commits % 50 === 0) {
      const message = `Release ${commits / 50}.0.0\n`;
      await write(
        `tag v${commits / 50}.0.0\nfrom :${main}\ntagger Release Bot <release@example.test> ${time} +0000\ndata ${message.length}\n${message}\n`,
      );
      tags++;
    }
    if (commits % 400 === 0) {
      // A release branch that stays, and a feature branch of a few commits that leaves main.
      await write(`reset refs/heads/release/${commits / 400}\nfrom :${main}\n\n`);
      let feature = main;
      for (let step = 0; step < 3; step++) {
        const text = `# Feature ${commits}\n\nStep ${step}.\n`;
        feature = await commit(
          `feature/${commits}`,
          `Feature ${commits} step ${step}\n`,
          () => put(`docs/feature-${commits}.md`, '100644', Buffer.from(text)),
          feature,
        );
      }
      branches += 2;
    }
  }
  // The file the benches' instruction edits (see run-fixture.ts), at the tip of main.
  const { targetFile, targetContent } = await import('./run-fixture.ts');
  await commit(
    'main',
    'Add formatPrice\n',
    () => put(targetFile, '100644', Buffer.from(targetContent)),
    main,
  );
  commits++;
  await write('done\n');
  child.stdin.end();
  await exited;
  git(['gc', '-q']);
  git(['checkout', '-q', '-f', 'main']);
  console.log(
    `generated ${commits} commits, ${tags} tags, ${branches} extra branches, ${fileCount} package files`,
  );
}

function count(target: string, args: string[]): number {
  const result = spawnSync('git', args, { cwd: target, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return result.stdout.split('\n').filter((line) => line !== '').length;
}

/**
 * The real-shaped repository of `size`: from the cache when it was built before, else built now
 * (seconds for 3k files, minutes for 50k) into a temporary directory renamed into place.
 */
export async function ensureRealShapedRepository(size: RealShapedSize): Promise<RealShapedRepository> {
  const cache = process.env.GOOSUKE_BENCH_CACHE ?? join(homedir(), '.cache', 'goosuke-bench');
  const { files, commits } = realShapedSizes[size];
  const path = join(cache, `real-shaped-${size}-${files}f-${commits}c-g${generatorVersion}`);
  const started = performance.now();
  let built = false;
  if (!existsSync(join(path, '.git'))) {
    const temporary = `${path}.tmp-${process.pid}`;
    rmSync(temporary, { recursive: true, force: true });
    await generate(temporary, size);
    renameSync(temporary, path);
    built = true;
  }
  const packs = readdirSync(join(path, '.git', 'objects', 'pack')).filter((name) => name.endsWith('.pack'));
  return {
    path,
    size,
    files: count(path, ['ls-files']),
    commits: Number(
      spawnSync('git', ['rev-list', '--count', 'main'], { cwd: path, encoding: 'utf8' }).stdout.trim(),
    ),
    refs: count(path, ['for-each-ref']),
    packBytes: packs.reduce(
      (sum, name) => sum + lstatSync(join(path, '.git', 'objects', 'pack', name)).size,
      0,
    ),
    built,
    buildMs: performance.now() - started,
  };
}

/** One line describing `repo` for the benches' output. */
export function describeRealShaped(repo: RealShapedRepository): string {
  return `real-shaped ${repo.size}: ${repo.files} files, ${repo.commits} commits on main, ${repo.refs} refs, pack ${(repo.packBytes / 1_048_576).toFixed(1)} MB (${repo.built ? 'built' : 'cached'} in ${Math.round(repo.buildMs)} ms)`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--size');
  const size = parseRealShapedSize(at === -1 ? '3k' : (process.argv[at + 1] ?? ''));
  const repo = await ensureRealShapedRepository(size);
  console.log(describeRealShaped(repo));
  console.log(repo.path);
}

/**
 * The repositories a process bench measures: the generated 5,000-file fixture (written by
 * `makeFixture` into `directory/fixture`) unless GOOSUKE_BENCH_FIXTURE=0, then the real-shaped
 * repositories of GOOSUKE_BENCH_REAL_SHAPED, each described on stdout.
 */
export async function benchRepositories(
  directory: string,
  makeFixture: (target: string) => Promise<void>,
): Promise<Array<{ label: string; path: string }>> {
  const repositories: Array<{ label: string; path: string }> = [];
  if (fixtureFromEnvironment()) {
    const started = performance.now();
    const source = join(directory, 'fixture');
    await makeFixture(source);
    console.log(
      `fixture: 5000 files, one commit (generated in ${Math.round(performance.now() - started)} ms)`,
    );
    repositories.push({ label: 'fixture 5k', path: source });
  }
  for (const size of realShapedSizesFromEnvironment()) {
    const repo = await ensureRealShapedRepository(size);
    console.log(describeRealShaped(repo));
    repositories.push({ label: `real-shaped ${size}`, path: repo.path });
  }
  return repositories;
}
