// The movies the browser tests play, made by ffmpeg once and kept. A movie depends only on its
// recipe (media-helpers.mjs: ffmpeg's arguments and subtitle text), so it is kept in
// build/test-movies under a name carrying the recipe's hash, and made again only when the recipe
// changes. Every movie a spec asks for is listed in TEST_MOVIES; global setup (and `npm test`, while
// it builds) makes the missing ones, several at a time, before the first test, so that no test
// spends its time on ffmpeg and no two workers make the same movie. Run as a script, it makes them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { movieExtension, movieRecipe, recipeArgs } from './media-helpers.mjs';
import { sha256sum } from './transfer-helpers.mjs';

export const MOVIE_DIR = fileURLToPath(new URL('../../build/test-movies/', import.meta.url));

// [format, options] of every movie the specs play (options as makeMovie takes them).
const FORMATS_SPEC = { kbps: 2000 };
export const TEST_MOVIES = [
  ['h264-faststart'], ['h264-faststart', { seconds: 90 }], ['h264-moov-end'], ['vp9-opus'], ['h264-fragmented'],
  ['aac-audio', { seconds: 240, kbps: 256 }], ['hevc', { seconds: 40, kbps: 1500 }],
  ...['mkv-h264-aac', 'mkv-two-audio', 'mkv-hevc', 'mov-camera', 'ts-h264-aac', 'mp4-ac3'].map((f) => [f, FORMATS_SPEC]),
  ['ts-h264-aac', { kbps: 5000, seconds: 90 }],
  ['counter', { seconds: 120 }], ['counter', { seconds: 30 }],
];

const pathOf = (format, opts) => {
  const recipe = movieRecipe(format, opts);
  const hash = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 12);
  return { recipe, path: join(MOVIE_DIR, `${format}-${hash}.${movieExtension(format)}`) };
};

// The movie's path, size and sha256sum (of the file on disk, each time a process first asks).
const known = new Map();
export function testMovie(format, opts) {
  const { path } = pathOf(format, opts);
  if (!existsSync(path)) {
    throw new Error(`no test movie ${format} ${JSON.stringify(opts ?? {})} at ${path}: list it in TEST_MOVIES (e2e/support/test-movies.mjs), which global setup makes`);
  }
  if (!known.has(path)) known.set(path, { path, size: statSync(path).size, sum: sha256sum(path) });
  return known.get(path);
}

// The movie copied to `dir` as `name`, for a test whose pages show the file's name.
export function testMovieNamed(dir, name, format, opts) {
  const m = testMovie(format, opts);
  const path = join(dir, name);
  copyFileSync(m.path, path);
  return { ...m, path };
}

// Makes every movie of TEST_MOVIES that is not there yet, `parallel` ffmpeg runs at a time, each
// into a temporary name renamed into place once whole (an interrupted run leaves no half movie).
export async function makeTestMovies({ parallel = availableParallelism() } = {}) {
  mkdirSync(MOVIE_DIR, { recursive: true });
  const todo = [...new Map(TEST_MOVIES.map(([f, o]) => pathOf(f, o)).map((m) => [m.path, m])).values()]
    .filter((m) => !existsSync(m.path));
  const started = Date.now();
  const make = async ({ recipe, path }) => {
    const tmp = path.replace(/(\.\w+)$/, `.part$1`);  // ffmpeg picks the container by the extension
    await new Promise((resolve, reject) => {
      const ff = spawn('ffmpeg', recipeArgs(tmp, recipe), { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      ff.stderr.on('data', (d) => { err += d; });
      ff.on('error', reject);
      ff.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg for ${path} failed (${code}): ${err}`))));
    });
    renameSync(tmp, path);
    rmSync(`${tmp}.srt`, { force: true });
  };
  const queue = [...todo];
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    while (queue.length) await make(queue.shift());
  }));
  return { made: todo.length, seconds: (Date.now() - started) / 1000 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { made, seconds } = await makeTestMovies();
  console.log(`[movies] ${made} test movies made in ${seconds.toFixed(0)} s (${MOVIE_DIR})`);
}
