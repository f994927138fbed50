// A tiny static server for the SPA (node's http module, no dependencies).
//   node server.mjs            -> http://127.0.0.1:5471
// Env: APP_PORT (5471, must match the client's redirect in idp.toml), ISSUER, CLIENT_ID.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';

const port = Number(process.env.APP_PORT ?? 5471);
const config = {
  issuer: process.env.ISSUER ?? 'http://127.0.0.1:9471/idp',
  clientId: process.env.CLIENT_ID ?? 'playwright-spa',
  redirectUri: `http://127.0.0.1:${port}/callback`,
};
// Only these paths exist; / and /callback are the same page (the app reads the URL).
const files = {
  '/': ['app/index.html', 'text/html; charset=utf-8'],
  '/callback': ['app/index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app/app.js', 'text/javascript; charset=utf-8'],
};

createServer(async (req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
  } else if (path === '/config.json') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
      .end(JSON.stringify(config));
  } else if (files[path]) {
    const [file, type] = files[path];
    const body = await readFile(new URL(file, import.meta.url));
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  }
}).listen(port, '127.0.0.1', () => {
  console.log(`SPA on http://127.0.0.1:${port} (issuer ${config.issuer})`);
});
