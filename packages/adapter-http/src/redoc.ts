import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Response, Router } from 'express';
import { apiPrefix } from './openapi.ts';
import { problem, sendProblem } from './problem.ts';

/** The file name of ReDoc's self-contained browser bundle, in `dist/assets` and in redoc's package. */
export const redocBundleName = 'redoc.standalone.js';

/**
 * The Content-Security-Policy of the ReDoc page: its own script only, inline styles (ReDoc
 * injects its styles at run time) and a blob worker (its search index).
 */
export const redocCsp =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Where ReDoc's bundle is: `assets/` beside the built module (the build copies it there, with
 * its licence, so that redoc and its React peers are no runtime dependency), else redoc's own
 * bundle from node_modules (running from source, where redoc is a dev dependency). Null when
 * neither exists.
 */
export function redocBundlePath(): string | null {
  const built = fileURLToPath(new URL(`./assets/${redocBundleName}`, import.meta.url));
  if (existsSync(built)) return built;
  try {
    return createRequire(import.meta.url).resolve(`redoc/bundles/${redocBundleName}`);
  } catch {
    return null;
  }
}

function redocPage(scriptUrl: string): string {
  // The <redoc> element comes before the script: the bundle renders into it as it loads, so no
  // inline script (and no 'unsafe-inline' for scripts) is needed.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Goosuke API (ReDoc)</title>
</head>
<body>
<redoc spec-url="${apiPrefix}/openapi.json"></redoc>
<script src="${scriptUrl}"></script>
</body>
</html>
`;
}

/**
 * Serves ReDoc at `/api/redoc` on `router`: the page, and the bundle at
 * `/api/redoc/redoc.standalone.js` with a long-lived cache header (the page names it with a
 * hash of its content, so a new bundle gets a new URL). Nothing is loaded from another host.
 * When the bundle is missing (a build without it), both answer 404 problem JSON.
 */
export function mountRedoc(router: Router): void {
  let bundle: { content: Buffer; hash: string } | null | undefined;
  const load = () => {
    if (bundle !== undefined) return bundle;
    const file = redocBundlePath();
    if (file === null) bundle = null;
    else {
      const content = readFileSync(file);
      bundle = { content, hash: createHash('sha256').update(content).digest('hex').slice(0, 16) };
    }
    return bundle;
  };
  const missing = (response: Response) =>
    sendProblem(
      response,
      problem(404, 'not_found', 'Not found', 'ReDoc is not part of this build; use /api/docs'),
    );

  router.get('/api/redoc', (_request, response) => {
    const loaded = load();
    if (loaded === null) return missing(response);
    response.type('html').send(redocPage(`/api/redoc/${redocBundleName}?v=${loaded.hash}`));
  });
  router.get(`/api/redoc/${redocBundleName}`, (_request, response) => {
    const loaded = load();
    if (loaded === null) return missing(response);
    response.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    response.type('application/javascript').send(loaded.content);
  });
}
