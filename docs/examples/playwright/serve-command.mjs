// How to run `oauth-playground serve`, shared by playwright.config.mjs and `npm run idp`.
//   OAUTH_PLAYGROUND="..."   the command (e.g. "oauth-playground" or "/path/to/python -m playground")
//   else `oauth-playground` if it is on PATH,
//   else ../../../.venv/bin/python -m playground (this example inside the project's checkout).
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';

export const IDP_PORT = Number(process.env.IDP_PORT ?? 9471);
export const APP_PORT = 5471;   // fixed: it is the client's redirect origin in idp.toml
export const ISSUER = `http://127.0.0.1:${IDP_PORT}/idp`;
export const APP_URL = `http://127.0.0.1:${APP_PORT}`;

const here = fileURLToPath(new URL('.', import.meta.url));
const quote = (s) => (/^[\w./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function onPath(name) {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  return (process.env.PATH ?? '').split(delimiter).filter(Boolean)
    .some((dir) => exts.some((ext) => existsSync(join(dir, name + ext))));
}

export function playgroundCommand() {
  if (process.env.OAUTH_PLAYGROUND) return process.env.OAUTH_PLAYGROUND;
  if (onPath('oauth-playground')) return 'oauth-playground';
  const venvPython = join(here, '..', '..', '..', '.venv', 'bin', 'python');
  if (existsSync(venvPython)) return `${quote(venvPython)} -m playground`;
  throw new Error('oauth-playground is not on PATH: install it (pip install oauth-playground) '
    + 'or set OAUTH_PLAYGROUND to the command, e.g. "python -m playground"');
}

export function serveCommand() {
  return `${playgroundCommand()} serve --config ${quote(join(here, 'idp.toml'))} `
    + `--port ${IDP_PORT} --log-format json`;
}

export function runIdp() {
  const child = spawn(serveCommand(), { shell: true, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
}
